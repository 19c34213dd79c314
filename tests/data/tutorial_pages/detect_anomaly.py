# anomaly detection around a backward; detach and requires_grad_
import torch
with torch.autograd.set_detect_anomaly(True):
    x = torch.tensor([1.0, 4.0], requires_grad=True)
    y = torch.sqrt(x).sum()
    y.backward()
print(x.grad)
x = torch.randn(3, requires_grad=True)
y = x.detach()
print(y.requires_grad, x.requires_grad_(False).requires_grad)
