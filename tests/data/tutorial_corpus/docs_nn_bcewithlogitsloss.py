# source: https://github.com/pytorch/pytorch/blob/main/torch/nn/modules/loss.py (BCEWithLogitsLoss docstring; https://pytorch.org/docs/stable/generated/torch.nn.BCEWithLogitsLoss.html)
# edits: `import torch` and `import torch.nn as nn` added; the doctest's `>>> ` prompts and printed results removed
import torch
import torch.nn as nn
target = torch.ones([10, 64], dtype=torch.float32)  # 64 classes, batch size = 10
output = torch.full([10, 64], 1.5)  # A prediction (logit)
pos_weight = torch.ones([64])  # All weights are equal to 1
criterion = torch.nn.BCEWithLogitsLoss(pos_weight=pos_weight)
criterion(output, target)  # -log(sigmoid(1.5))

loss = nn.BCEWithLogitsLoss()
input = torch.randn(3, requires_grad=True)
target = torch.empty(3).random_(2)
output = loss(input, target)
output.backward()
