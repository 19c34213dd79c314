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

# the same MLP training loop twice: written with plain tensors, and as a class Net(nn.Module) with nn.Linear
MLP_PLAIN = """
w1 = (torch.randn(16, 8) * 0.3).requires_grad_()
b1 = torch.zeros(16, requires_grad=True)
w2 = (torch.randn(3, 16) * 0.3).requires_grad_()
b2 = torch.zeros(3, requires_grad=True)
opt = torch.optim.SGD([w1, b1, w2, b2], lr=0.05, momentum=0.9)
x = torch.randn(32, 8)
t = torch.randint(0, 3, (32,))
for step in range({n}):
    opt.zero_grad()
    loss = F.cross_entropy(F.relu(x @ w1.t() + b1) @ w2.t() + b2, t)
    loss.backward()
    opt.step()
"""

MLP_CLASS = """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(8, 16)
        self.fc2 = nn.Linear(16, 3)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x)))

net = Net()
opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
x = torch.randn(32, 8)
t = torch.randint(0, 3, (32,))
for step in range({n}):
    opt.zero_grad()
    loss = F.cross_entropy(net(x), t)
    loss.backward()
    opt.step()
"""

# The polynomial tutorial's fit, y = a + b * P3(c + d * x): P3 written inline with tensor operations, and as a
# torch.autograd.Function of the program (forward and backward run by the interpreter; format with n, the steps)
P3_HEAD = """
x = torch.linspace(-math.pi, math.pi, 2000)
y = torch.sin(x)
a = torch.full((), 0.0, requires_grad=True)
b = torch.full((), -1.0, requires_grad=True)
c = torch.full((), 0.0, requires_grad=True)
d = torch.full((), 0.3, requires_grad=True)
"""
P3_STEP = """
    loss = (y_pred - y).pow(2).sum()
    loss.backward()
    with torch.no_grad():
        for p in [a, b, c, d]:
            p -= 5e-6 * p.grad
            p.grad = None
"""
P3_OPS = P3_HEAD + """
for t in range({n}):
    z = c + d * x
    y_pred = a + b * (0.5 * (5 * z ** 3 - 3 * z))
""" + P3_STEP
P3_FUNCTION = """
class LegendrePolynomial3(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return 0.5 * (5 * input ** 3 - 3 * input)

    @staticmethod
    def backward(ctx, grad_output):
        input, = ctx.saved_tensors
        return grad_output * 1.5 * (5 * input ** 2 - 1)
""" + P3_HEAD + """
for t in range({n}):
    y_pred = a + b * LegendrePolynomial3.apply(c + d * x)
""" + P3_STEP
