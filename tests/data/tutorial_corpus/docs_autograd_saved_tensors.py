# source: https://github.com/pytorch/pytorch/blob/main/docs/source/notes/autograd.md (section "Saved tensors"; https://pytorch.org/docs/stable/notes/autograd.html#saved-tensors)
# edits: `import torch` added; the section's two code blocks joined
import torch
x = torch.randn(5, requires_grad=True)
y = x.pow(2)
print(x.equal(y.grad_fn._saved_self))  # True
print(x is y.grad_fn._saved_self)  # True

x = torch.randn(5, requires_grad=True)
y = x.exp()
print(y.equal(y.grad_fn._saved_result))  # True
print(y is y.grad_fn._saved_result)  # False
