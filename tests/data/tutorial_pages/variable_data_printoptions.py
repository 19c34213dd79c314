# Variable, .data, set_printoptions
import torch
from torch.autograd import Variable

x = Variable(torch.ones(2, 2), requires_grad=True)
y = x + 2
print(y.grad_fn.name())
z = y * y * 3
out = z.mean()
out.backward()
print(x.grad)
x.grad.data.zero_()
out2 = (x * 4).sum()
out2.backward()
print(x.grad.data)
w = torch.randn(3, requires_grad=True)
print(w.data.shape, w.requires_grad, w.is_leaf)
torch.set_printoptions(precision=2)
x = torch.randn(3, requires_grad=True)
y = x * 2
while y.data.norm() < 1000:
    y = y * 2
print(y)
v = torch.tensor([0.1, 1.0, 0.0001], dtype=torch.float)
y.backward(v)
print(x.grad)
