# source: https://github.com/pytorch/tutorials/blob/main/beginner_source/blitz/autograd_tutorial.py (section "Exclusion from the DAG", first code cell)
# edits: `import torch` added (the tutorial imports it in an earlier cell)
import torch

x = torch.rand(5, 5)
y = torch.rand(5, 5)
z = torch.rand((5, 5), requires_grad=True)

a = x + y
print(f"Does `a` require gradients?: {a.requires_grad}")
b = x + z
print(f"Does `b` require gradients?: {b.requires_grad}")
