# source: https://github.com/pytorch/pytorch/blob/main/torch/autograd/functional.py (hessian docstring; https://pytorch.org/docs/stable/generated/torch.autograd.functional.hessian.html)
# edits: `import torch` and `from torch.autograd.functional import hessian` added; the doctest's `>>> `/`... `
#   prompts, its printed results and its `# xdoctest:` directive line removed
import torch
from torch.autograd.functional import hessian
def pow_reducer(x):
    return x.pow(3).sum()
inputs = torch.rand(2, 2)
hessian(pow_reducer, inputs)

hessian(pow_reducer, inputs, create_graph=True)

def pow_adder_reducer(x, y):
    return (2 * x.pow(2) + 3 * y.pow(2)).sum()
inputs = (torch.rand(2), torch.rand(2))
hessian(pow_adder_reducer, inputs)
