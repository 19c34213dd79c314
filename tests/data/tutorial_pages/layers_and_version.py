# where/clamp/stack, Embedding, BatchNorm, LSTM, torch.__version__
import torch
import torch.nn as nn

x = torch.linspace(-3, 3, steps=7, requires_grad=True)
y = torch.where(x > 0, x ** 2, torch.zeros_like(x))
z = torch.clamp(y, min=0.5, max=4.0)
w = torch.stack([z, x], dim=0).max(dim=0).values
loss = w.norm()
loss.backward()
print(x.grad)
emb = nn.Embedding(10, 3)
idx = torch.LongTensor([[1, 2, 4, 5], [4, 3, 2, 9]])
out = emb(idx)
out.sum().backward()
print(emb.weight.grad.sum(0))
m = nn.BatchNorm1d(3)
inp = torch.randn(5, 3)
o = m(inp)
print(o.mean(0))
lstm = nn.LSTM(3, 4, batch_first=True)
seq = torch.randn(2, 5, 3)
h, (hn, cn) = lstm(seq)
h.pow(2).mean().backward()
print(hn.shape)
print(torch.__version__ is not None)
