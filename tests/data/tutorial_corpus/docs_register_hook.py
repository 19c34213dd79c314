# source: https://github.com/pytorch/pytorch/blob/main/torch/_tensor.py (Tensor.register_hook docstring; https://pytorch.org/docs/stable/generated/torch.Tensor.register_hook.html)
# edits: `import torch` added; the doctest's `>>> ` prompts and its printed results removed
import torch
v = torch.tensor([0., 0., 0.], requires_grad=True)
h = v.register_hook(lambda grad: grad * 2)  # double the gradient
v.backward(torch.tensor([1., 2., 3.]))
v.grad
h.remove()  # removes the hook
