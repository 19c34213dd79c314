# source: https://github.com/pytorch/pytorch/blob/main/torch/autograd/grad_mode.py (enable_grad docstring; https://pytorch.org/docs/stable/generated/torch.enable_grad.html)
# edits: `import torch` added; the doctest's `>>> `/`... ` prompts and its printed results removed
import torch
x = torch.tensor([1.], requires_grad=True)
with torch.no_grad():
    with torch.enable_grad():
        y = x * 2
y.requires_grad
y.backward()
x.grad
@torch.enable_grad()
def doubler(x):
    return x * 2
with torch.no_grad():
    z = doubler(x)
z.requires_grad
@torch.enable_grad()
def tripler(x):
    return x * 3
with torch.no_grad():
    z = tripler(x)
z.requires_grad
