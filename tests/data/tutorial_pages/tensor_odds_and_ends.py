# shapes and views, chunk/split, masked_fill, second derivatives, inference_mode, einsum
import torch
x = torch.randn(3, 4)
print(x.size(), x.shape[0], x.numel())
y = x.view(-1, 2)
z = x.permute(1, 0).contiguous()
idx = torch.randperm(10)
a, b = torch.chunk(torch.arange(10), 2)
parts = torch.split(torch.arange(10), 3)
print(a, b, len(parts))
mask = x > 0
print(x.masked_fill(mask, 0).sum())
x = torch.tensor(1.0, requires_grad=True)
y = x ** 3
dy, = torch.autograd.grad(y, x, create_graph=True)
d2y, = torch.autograd.grad(dy, x)
print(dy.item(), d2y.item())
w = torch.ones(3, requires_grad=True)
out = w * 2
out.backward(gradient=torch.ones_like(out))
print(w.grad)
w.grad.zero_()
print(w.grad)
with torch.inference_mode():
    q = w * 3
print(q.requires_grad)
print(torch.is_tensor(w), torch.numel(w))
e = torch.einsum('ij,jk->ik', torch.ones(2, 3), torch.ones(3, 2))
print(e)
print(torch.allclose(e, 3 * torch.ones(2, 2)))
print(x.detach().numpy(), x.item())
t = torch.arange(6).reshape(2, 3)
print(t.T, t.flatten(), t.tolist())
