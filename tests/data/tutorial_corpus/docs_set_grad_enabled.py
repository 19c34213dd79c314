# source: https://github.com/pytorch/pytorch/blob/main/torch/autograd/grad_mode.py (set_grad_enabled docstring; https://pytorch.org/docs/stable/generated/torch.set_grad_enabled.html)
# edits: `import torch` added; the doctest's `>>> `/`... ` prompts and its printed results removed
import torch
x = torch.tensor([1.], requires_grad=True)
is_train = False
with torch.set_grad_enabled(is_train):
    y = x * 2
y.requires_grad
_ = torch.set_grad_enabled(True)
y = x * 2
y.requires_grad
_ = torch.set_grad_enabled(False)
y = x * 2
y.requires_grad
