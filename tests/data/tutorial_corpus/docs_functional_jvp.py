# source: https://github.com/pytorch/pytorch/blob/main/torch/autograd/functional.py (jvp docstring; https://pytorch.org/docs/stable/generated/torch.autograd.functional.jvp.html)
# edits: `import torch` and `from torch.autograd.functional import jvp` added; the doctest's `>>> `/`... `
#   prompts, its printed results and its `# xdoctest:` lines removed; each bare call wrapped in print(), as the
#   doctest shows its result
import torch
from torch.autograd.functional import jvp
def exp_reducer(x):
    return x.exp().sum(dim=1)
inputs = torch.rand(4, 4)
v = torch.ones(4, 4)
print(jvp(exp_reducer, inputs, v))
print(jvp(exp_reducer, inputs, v, create_graph=True))
def adder(x, y):
    return 2 * x + 3 * y
inputs = (torch.rand(2), torch.rand(2))
v = (torch.ones(2), torch.ones(2))
print(jvp(adder, inputs, v))
