# source: https://github.com/pytorch/pytorch/blob/main/torch/nn/modules/linear.py (Linear docstring; https://pytorch.org/docs/stable/generated/torch.nn.Linear.html)
# edits: `import torch` and `import torch.nn as nn` added; the doctest's `>>> ` prompts and its printed result removed
import torch
import torch.nn as nn
m = nn.Linear(20, 30)
input = torch.randn(128, 20)
output = m(input)
print(output.size())
