# a torch.Generator, manual backprop checked against .grad
import torch
import torch.nn.functional as F
g = torch.Generator().manual_seed(2147483647)
C = torch.randn((27, 10), generator=g)
W1 = torch.randn((30, 64), generator=g) * (5/3)/(30**0.5)
b1 = torch.randn(64, generator=g) * 0.1
W2 = torch.randn((64, 27), generator=g) * 0.1
parameters = [C, W1, b1, W2]
print(sum(p.nelement() for p in parameters))
for p in parameters:
    p.requires_grad = True
Xb = torch.randint(0, 27, (32, 3), generator=g)
Yb = torch.randint(0, 27, (32,), generator=g)
emb = C[Xb]
embcat = emb.view(emb.shape[0], -1)
hpreact = embcat @ W1 + b1
h = torch.tanh(hpreact)
logits = h @ W2
loss = F.cross_entropy(logits, Yb)
for p in parameters:
    p.grad = None
logits.retain_grad()
loss.backward()
dlogits = F.softmax(logits, 1)
dlogits[range(32), Yb] -= 1
dlogits /= 32
def cmp(s, dt, t):
    ex = torch.all(dt == t.grad).item()
    app = torch.allclose(dt, t.grad)
    maxdiff = (dt - t.grad).abs().max().item()
    print(f'{s:15s} | exact: {str(ex):5s} | approximate: {str(app):5s} | maxdiff: {maxdiff}')
cmp('logits', dlogits, logits)
for p in parameters:
    p.data += -0.1 * p.grad
