# errors caught and shown with try/except, as autograd tutorials show them (backward twice, a shape mismatch)
import torch
x = torch.ones(2, requires_grad=True)
y = (x * x).sum()
y.backward()
try:
    y.backward()
except RuntimeError as e:
    print("error:", str(e)[:40])
try:
    z = torch.ones(2, 3) @ torch.ones(2, 3)
except Exception as err:
    print(type(err).__name__)
finally:
    print("done")
a = torch.tensor([1.0, 2.0], requires_grad=True)
b = a * 2
try:
    b.backward()
except RuntimeError as e:
    print(e)
