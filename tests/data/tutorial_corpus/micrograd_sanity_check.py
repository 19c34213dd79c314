# source: https://github.com/karpathy/micrograd/blob/2e696df76e2df6e31cace75bebcac9d7aacdd904/test/test_engine.py (test_sanity_check, its torch half)
# edits: the torch half of `test_sanity_check` taken out of the function and dedented, with the file's `import torch`;
#   the micrograd half and the asserts comparing the two left out
import torch

x = torch.Tensor([-4.0]).double()
x.requires_grad = True
z = 2 * x + 2 + x
q = z.relu() + z * x
h = (z * z).relu()
y = h + q + q * x
y.backward()
xpt, ypt = x, y
