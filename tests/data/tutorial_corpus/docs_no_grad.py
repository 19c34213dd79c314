# source: https://github.com/pytorch/pytorch/blob/main/torch/autograd/grad_mode.py (no_grad docstring; https://pytorch.org/docs/stable/generated/torch.no_grad.html)
# edits: `import torch` added; the doctest's `>>> `/`... ` prompts and its printed results removed
import torch
x = torch.tensor([1.], requires_grad=True)
with torch.no_grad():
    y = x * 2
y.requires_grad
@torch.no_grad()
def doubler(x):
    return x * 2
z = doubler(x)
z.requires_grad
@torch.no_grad()
def tripler(x):
    return x * 3
z = tripler(x)
z.requires_grad
# factory function exception
with torch.no_grad():
    a = torch.nn.Parameter(torch.rand(10))
a.requires_grad
