"""Program texts shared by the benchmarks, so that their figures are measured on the same graphs."""

# a chain reusing its input at every step: tanh, mul by a number, add x -> about 4 nodes per iteration
CHAIN = """
x = torch.linspace(-1.0, 1.0, 8, requires_grad=True)
y = x
for i in range({n}):
    y = torch.tanh(y) * 1.01 + x
out = y.sum()
out.backward()
"""
