# source: https://github.com/d2l-ai/d2l-en/blob/master/chapter_preliminaries/autograd.md (section "Gradients and Python Control Flow", `%%tab pytorch` cells)
# edits: `import torch` added (the chapter's first cell); the section's three PyTorch cells joined, without their
#   `%%tab pytorch` lines
import torch

def f(a):
    b = a * 2
    while b.norm() < 1000:
        b = b * 2
    if b.sum() > 0:
        c = b
    else:
        c = 100 * b
    return c

a = torch.randn(size=(), requires_grad=True)
d = f(a)
d.backward()

a.grad == d / a
