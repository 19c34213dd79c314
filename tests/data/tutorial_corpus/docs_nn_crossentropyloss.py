# source: https://github.com/pytorch/pytorch/blob/main/torch/nn/modules/loss.py (CrossEntropyLoss docstring; https://pytorch.org/docs/stable/generated/torch.nn.CrossEntropyLoss.html)
# edits: `import torch` and `import torch.nn as nn` added; the doctest's `>>> ` prompts removed
import torch
import torch.nn as nn
# Example of target with class indices
loss = nn.CrossEntropyLoss()
input = torch.randn(3, 5, requires_grad=True)
target = torch.empty(3, dtype=torch.long).random_(5)
output = loss(input, target)
output.backward()

# Example of target with class probabilities
input = torch.randn(3, 5, requires_grad=True)
target = torch.randn(3, 5).softmax(dim=1)
output = loss(input, target)
output.backward()
