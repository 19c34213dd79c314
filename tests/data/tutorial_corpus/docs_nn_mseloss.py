# source: https://github.com/pytorch/pytorch/blob/main/torch/nn/modules/loss.py (MSELoss docstring; https://pytorch.org/docs/stable/generated/torch.nn.MSELoss.html)
# edits: `import torch` and `import torch.nn as nn` added; the doctest's `>>> ` prompts removed
import torch
import torch.nn as nn
loss = nn.MSELoss()
input = torch.randn(3, 5, requires_grad=True)
target = torch.randn(3, 5)
output = loss(input, target)
output.backward()
