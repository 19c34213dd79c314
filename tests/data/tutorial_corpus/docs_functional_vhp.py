# source: https://github.com/pytorch/pytorch/blob/main/torch/autograd/functional.py (vhp docstring; https://pytorch.org/docs/stable/generated/torch.autograd.functional.vhp.html)
# edits: `import torch` and `from torch.autograd.functional import vhp` added; the doctest's `>>> `/`... `
#   prompts, its printed results and its `# xdoctest:` lines removed; each bare call wrapped in print(), as the
#   doctest shows its result
import torch
from torch.autograd.functional import vhp
def pow_reducer(x):
    return x.pow(3).sum()
inputs = torch.rand(2, 2)
v = torch.ones(2, 2)
print(vhp(pow_reducer, inputs, v))
print(vhp(pow_reducer, inputs, v, create_graph=True))
def pow_adder_reducer(x, y):
    return (2 * x.pow(2) + 3 * y.pow(2)).sum()
inputs = (torch.rand(2), torch.rand(2))
v = (torch.zeros(2), torch.ones(2))
print(vhp(pow_adder_reducer, inputs, v))
