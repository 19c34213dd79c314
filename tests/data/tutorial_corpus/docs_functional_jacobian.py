# source: https://github.com/pytorch/pytorch/blob/main/torch/autograd/functional.py (jacobian docstring; https://pytorch.org/docs/stable/generated/torch.autograd.functional.jacobian.html)
# edits: `import torch` and `from torch.autograd.functional import jacobian` added; the doctest's `>>> `/`... `
#   prompts, its printed results and its `# xdoctest:` directive line removed
import torch
from torch.autograd.functional import jacobian
def exp_reducer(x):
    return x.exp().sum(dim=1)
inputs = torch.rand(2, 2)
jacobian(exp_reducer, inputs)

jacobian(exp_reducer, inputs, create_graph=True)

def exp_adder(x, y):
    return 2 * x.exp() + 3 * y
inputs = (torch.rand(2), torch.rand(2))
jacobian(exp_adder, inputs)
