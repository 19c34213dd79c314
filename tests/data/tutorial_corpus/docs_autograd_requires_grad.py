# source: https://github.com/pytorch/pytorch/blob/01bcc2a219f01ea508749bce7d29bd47da3ef0d0/docs/source/notes/autograd.rst (section "requires_grad"; https://pytorch.org/docs/stable/notes/autograd.html)
# edits: `import torch` added; the doctest's `>>> ` prompts and its printed results removed
import torch
x = torch.randn(5, 5)  # requires_grad=False by default
y = torch.randn(5, 5)  # requires_grad=False by default
z = torch.randn((5, 5), requires_grad=True)
a = x + y
a.requires_grad
b = a + z
b.requires_grad
