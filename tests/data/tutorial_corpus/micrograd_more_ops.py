# source: https://github.com/karpathy/micrograd/blob/2e696df76e2df6e31cace75bebcac9d7aacdd904/test/test_engine.py (test_more_ops, its torch half)
# edits: the torch half of `test_more_ops` taken out of the function and dedented, with the file's `import torch`;
#   the micrograd half and the asserts comparing the two left out
import torch

a = torch.Tensor([-4.0]).double()
b = torch.Tensor([2.0]).double()
a.requires_grad = True
b.requires_grad = True
c = a + b
d = a * b + b**3
c = c + c + 1
c = c + 1 + c + (-a)
d = d + d * 2 + (b + a).relu()
d = d + 3 * d + (b - a).relu()
e = c - d
f = e**2
g = f / 2.0
g = g + 10.0 / f
g.backward()
apt, bpt, gpt = a, b, g
