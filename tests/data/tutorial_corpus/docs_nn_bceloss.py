# source: https://github.com/pytorch/pytorch/blob/main/torch/nn/modules/loss.py (BCELoss docstring; https://pytorch.org/docs/stable/generated/torch.nn.BCELoss.html)
# edits: `import torch` and `import torch.nn as nn` added; the doctest's `>>> ` prompts removed
import torch
import torch.nn as nn
m = nn.Sigmoid()
loss = nn.BCELoss()
input = torch.randn(3, 2, requires_grad=True)
target = torch.rand(3, 2, requires_grad=False)
output = loss(m(input), target)
output.backward()
