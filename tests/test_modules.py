"""Classes and torch.nn against plain torch: the program's own classes, nn.Module subclasses, every layer, loss and
container the language offers, optimizers over `net.parameters()`, train/eval.

Each program runs twice: through `explorer.trace(..., sandbox=False)` (our interpreter), and as plain Python with
torch (exec of OUR OWN trusted test text, never user text), both seeded with 0 as the explorer seeds every run.
Then every tensor variable's value and .grad, and every module variable's parameters (value and .grad) and buffers,
named "<variable>.<path>" as named_parameters() spells them, must be torch's; so must everything printed.
"""
from __future__ import annotations

import contextlib
import io

import pytest
import torch

import explorer
from explorer.errors import ProgramError

HEAD = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\nimport math\n"


def run_plain(source: str) -> tuple[str, dict]:
    """The program in plain Python with torch, seeded as the explorer seeds every run (0)."""
    out = io.StringIO()
    ns: dict = {}
    with torch.random.fork_rng(devices=[]), contextlib.redirect_stdout(out):
        torch.manual_seed(0)
        exec(compile(source, "<test>", "exec"), ns)  # noqa: S102 - our own test text, trusted
    return out.getvalue(), ns


def close(a, b, tol: float = 1e-5) -> bool:
    ta = torch.as_tensor(a, dtype=torch.float64)
    tb = torch.as_tensor(b, dtype=torch.float64)
    return ta.shape == tb.shape and torch.allclose(ta, tb, rtol=tol, atol=tol, equal_nan=True)


def expected(ns: dict) -> tuple[dict, dict]:
    """What the explorer must report for plain torch's variables: values and grads by name."""
    values, grads = {}, {}
    for name, v in ns.items():
        if name.startswith("__"):
            continue
        if isinstance(v, torch.Tensor):
            values[name] = v.detach()
            if v.is_leaf and v.grad is not None:
                grads[name] = v.grad
        elif isinstance(v, torch.nn.Module):
            for path, p in v.named_parameters():
                values[f"{name}.{path}"] = p.detach()
                if p.grad is not None:
                    grads[f"{name}.{path}"] = p.grad
            for path, b in v.named_buffers():
                values[f"{name}.{path}"] = b
        elif isinstance(type(v), type) and type(v).__module__ == "builtins" and hasattr(v, "__dict__") \
                and isinstance(ns.get(type(v).__name__), type):  # an instance of the program's class
            for attr, a in vars(v).items():
                if isinstance(a, torch.Tensor):
                    values[f"{name}.{attr}"] = a.detach()
                    if a.is_leaf and a.grad is not None:
                        grads[f"{name}.{attr}"] = a.grad
    return values, grads


def assert_same(source: str, *, stdout: bool = True, tol: float = 1e-5) -> explorer.Trace:
    source = HEAD + source
    out, ns = run_plain(source)
    tr = explorer.trace(source, sandbox=False, backward="none")
    if stdout:
        assert tr.stdout == out
    values, grads = expected(ns)
    for name, v in values.items():
        assert name in tr.values, f"{name} is missing from the trace's values"
        assert close(tr.values[name], v, tol), (name, tr.values[name], v.tolist())
    for name, g in grads.items():
        assert name in tr.grads, f"the grad of {name} is missing from the trace"
        assert close(tr.grads[name], g, tol), (name, tr.grads[name], g.tolist())
    extra = set(tr.grads) - set(grads)
    assert not extra, f"grads torch does not have: {sorted(extra)}"
    return tr


def error_of(source: str) -> ProgramError:
    with pytest.raises(ProgramError) as info:
        explorer.trace(HEAD + source, sandbox=False)
    return info.value


# --- the program's own classes --------------------------------------------------------------------------------

CLASSES = {
    "plain-class": """
class Affine:
    '''y = a * x + b, with its own parameters.'''
    count = 0

    def __init__(self, a, b=0.5):
        self.a = torch.tensor(a, requires_grad=True)
        self.b = torch.tensor(b, requires_grad=True)
        Affine.count += 1

    def __call__(self, x):
        return self.a * x + self.b

    def describe(self):
        return f"Affine #{self.count}: a={self.a.item():.2f}"

f = Affine(2.0)
g = Affine(-1.0, b=0.25)
x = torch.tensor([1.0, 2.0, 3.0])
y = g(f(x)).sum()
y.backward()
fa, fb, ga = f.a, f.b, g.a
print(f.describe(), Affine.count, g.count)
""",
    "object-base-and-inheritance": """
class Shape(object):
    sides = 0

    def __init__(self, size):
        self.size = torch.tensor(size, requires_grad=True)

    def area(self):
        return self.size * self.size

    def name(self):
        return "shape"

class Square(Shape):
    sides = 4

    def name(self):
        return "square with " + str(self.sides) + " sides"

class Tri(Shape):
    sides = 3

    def __init__(self, size, height):
        super().__init__(size)
        self.height = torch.tensor(height, requires_grad=True)

    def area(self):
        return super().area() * self.height / 2

s = Square(3.0)
t = Tri(2.0, 5.0)
total = s.area() + t.area()
total.backward()
ss, ts, th = s.size, t.size, t.height
print(s.name(), t.name(), Shape.sides, t.sides)
""",
    "static-and-class-methods": """
class Maker:
    scale = 3.0

    @staticmethod
    def double(x):
        return x * 2

    @classmethod
    def make(cls, v):
        return torch.tensor(v * cls.scale, requires_grad=True)

w = Maker.make(1.5)
z = Maker.double(w) + Maker().double(w)
z.backward()
""",
    "dataset-style-dunders": """
class Pairs:
    def __init__(self, n):
        self.x = torch.arange(float(n))
        self.y = self.x * 2

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return self.x[i], self.y[i]

data = Pairs(5)
w = torch.tensor(0.5, requires_grad=True)
loss = sum((w * data[i][0] - data[i][1]) ** 2 for i in range(len(data)))
loss.backward()
print(len(data), data[2])
""",
    "methods-calling-methods": """
class Poly:
    def __init__(self, coeffs):
        self.c = torch.tensor(coeffs, requires_grad=True)

    def term(self, x, i):
        return self.c[i] * x ** i

    def __call__(self, x):
        out = self.term(x, 0)
        for i in range(1, len(self.c)):
            out = out + self.term(x, i)
        return out

p = Poly([1.0, -2.0, 0.5])
x = torch.tensor(2.0, requires_grad=True)
y = p(x)
y.backward()
pc = p.c
""",
    "super-with-arguments": """
class Base:
    def __init__(self, k):
        self.k = k

    def f(self, x):
        return x * self.k

class Child(Base):
    def __init__(self):
        super(Child, self).__init__(3)

    def f(self, x):
        return super(Child, self).f(x) + 1

x = torch.tensor(2.0, requires_grad=True)
y = Child().f(x)
y.backward()
""",
}


@pytest.mark.parametrize("key", CLASSES)
def test_classes_run_like_python(key):
    assert_same(CLASSES[key])


# --- nn.Module subclasses ---------------------------------------------------------------------------------------

MODULES = {
    "mlp-sgd-momentum": """
class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.fc1 = nn.Linear(8, 6)
        self.fc2 = nn.Linear(6, 4)
        self.fc3 = nn.Linear(4, 3)

    def forward(self, x):
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)

net = Net()
optimizer = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
x = torch.randn(10, 8)
target = torch.randint(0, 3, (10,))
for step in range(5):
    out = net(x)
    loss = F.cross_entropy(out, target)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    print(step, round(loss.item(), 5))
print(net)
""",
    "adam-and-module-zero-grad": """
class Model(nn.Module):
    def __init__(self, n_in, n_hidden):
        super().__init__()
        self.hidden = nn.Linear(n_in, n_hidden)
        self.out = nn.Linear(n_hidden, 1)
        self.act = nn.Tanh()

    def forward(self, x):
        return self.out(self.act(self.hidden(x)))

model = Model(3, 5)
opt = torch.optim.Adam(model.parameters(), lr=0.01)
loss_fn = nn.MSELoss()
x = torch.randn(16, 3)
y = x.sum(dim=1, keepdim=True)
for epoch in range(20):
    model.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    opt.step()
print(f"{loss.item():.6f}")
""",
    "module-init-call-and-parameters": """
class Linear(nn.Module):
    def __init__(self, n_in, n_out):
        nn.Module.__init__(self)
        self.w = nn.Parameter(torch.randn(n_in, n_out) * 0.1)
        self.b = nn.Parameter(torch.zeros(n_out))
        self.register_buffer("calls", torch.zeros(()))

    def forward(self, x):
        with torch.no_grad():
            self.calls += 1
        return x @ self.w + self.b

lin = Linear(4, 2)
x = torch.randn(3, 4)
out = lin(x)
out2 = lin.forward(x)
loss = (out * out2).mean()
loss.backward()
print([name for name, p in lin.named_parameters()], lin.calls.item())
print(sum(p.numel() for p in lin.parameters()))
""",
    "sequential": """
model = nn.Sequential(
    nn.Linear(4, 8),
    nn.ReLU(),
    nn.Linear(8, 2),
    nn.LogSoftmax(dim=1),
)
x = torch.randn(6, 4)
target = torch.tensor([0, 1, 1, 0, 1, 0])
loss = F.nll_loss(model(x), target)
loss.backward()
first = model[0]
print(model, len(model), model[1])
print([name for name, p in model.named_parameters()])
""",
    "nested-modules-and-module-list": """
class Block(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.lin = nn.Linear(width, width)
        self.norm = nn.LayerNorm(width)

    def forward(self, x):
        return x + torch.tanh(self.norm(self.lin(x)))

class Deep(nn.Module):
    def __init__(self, width, depth):
        super().__init__()
        self.blocks = nn.ModuleList([Block(width) for _ in range(depth)])
        self.heads = nn.ModuleDict({"a": nn.Linear(width, 1), "b": nn.Linear(width, 2)})
        self.extra = nn.ModuleList()
        self.extra.append(nn.Identity())

    def forward(self, x):
        for block in self.blocks:
            x = block(x)
        for e in self.extra:
            x = e(x)
        return self.heads["a"](x).sum() + self.heads["b"](x).pow(2).sum()

deep = Deep(5, 3)
x = torch.randn(4, 5)
loss = deep(x)
loss.backward()
print(len(deep.blocks), list(deep.heads.keys()), len(list(deep.children())), len(list(deep.modules())))
for name, m in deep.named_children():
    print(name)
""",
    "shared-module-called-twice": """
class Siamese(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Linear(3, 2)

    def forward(self, a, b):
        return (self.encoder(a) - self.encoder(b)).pow(2).sum()

net = Siamese()
a = torch.randn(4, 3, requires_grad=True)
b = torch.randn(4, 3)
d = net(a, b)
d.backward()
""",
    "train-eval-dropout-batchnorm": """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(6, 5)
        self.bn = nn.BatchNorm1d(5)
        self.drop = nn.Dropout(p=0.5)
        self.out = nn.Linear(5, 1)

    def forward(self, x):
        h = self.drop(F.relu(self.bn(self.fc(x))))
        if self.training:
            h = h * 1.0
        return self.out(h)

net = Net()
opt = torch.optim.SGD(net.parameters(), lr=0.1)
x = torch.randn(8, 6)
y = torch.randn(8, 1)
net.train()
for i in range(3):
    opt.zero_grad()
    loss = F.mse_loss(net(x), y)
    loss.backward()
    opt.step()
net.eval()
with torch.no_grad():
    pred = net(x)
print(net.training, net.bn.training, net.drop.p, net.bn.num_features)
""",
    "custom-dropout-reads-training": """
class MyDropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, x):
        if not self.training:
            return x
        mask = (torch.rand(x.shape) > self.p).float()
        return x * mask / (1 - self.p)

d = MyDropout(0.3)
x = torch.ones(3, 4, requires_grad=True)
y = d(x).sum()
y.backward()
d.eval()
z = d(x)
""",
    "module-to-device-and-casts": """
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
net = nn.Linear(3, 2).to(device)
x = torch.randn(4, 3).to(device)
y = net(x).cpu().sum()
y.backward()
d = nn.Linear(2, 2).double()
z = d(torch.ones(1, 2, dtype=torch.float64)).sum()
print(device, d.weight.dtype)
""",
    "init-functions": """
lin = nn.Linear(5, 4)
nn.init.xavier_uniform_(lin.weight)
nn.init.zeros_(lin.bias)
conv = nn.Conv2d(1, 2, 3)
nn.init.kaiming_normal_(conv.weight, mode="fan_out", nonlinearity="relu")
nn.init.constant_(conv.bias, 0.1)
w = torch.empty_like(torch.ones(3, 3)) if False else torch.zeros(3, 3)
nn.init.normal_(w, mean=0.0, std=0.02)
nn.init.uniform_(w, -0.1, 0.1)
nn.init.ones_(lin.bias)
nn.init.xavier_normal_(lin.weight, gain=nn.init.calculate_gain("tanh"))
nn.init.kaiming_uniform_(conv.weight, a=math.sqrt(5))
nn.init.trunc_normal_(w, std=0.5)
nn.init.eye_(w)
out = conv(torch.ones(1, 1, 4, 4)).sum() + lin(torch.ones(2, 5)).sum()
out.backward()
""",
    "modules-in-a-plain-list": """
layers = []
sizes = [4, 6, 3]
for i in range(len(sizes) - 1):
    layers.append(nn.Linear(sizes[i], sizes[i + 1]))
    layers.append(nn.ReLU())
model = nn.Sequential(*layers)
x = torch.randn(2, 4)
y = model(x).sum()
y.backward()
""",
    "clip-grad-and-param-groups": """
net = nn.Linear(3, 3)
opt = torch.optim.SGD(net.parameters(), lr=0.5)
x = torch.randn(5, 3)
for i in range(3):
    opt.zero_grad()
    loss = net(x).pow(2).sum()
    loss.backward()
    total = nn.utils.clip_grad_norm_(net.parameters(), max_norm=1.0)
    opt.step()
    opt.param_groups[0]["lr"] = opt.param_groups[0]["lr"] * 0.5
""",
    "dataloader-training-loop": """
from torch.utils.data import DataLoader, TensorDataset
X = torch.randn(20, 3)
Y = X @ torch.tensor([[1.0], [-2.0], [0.5]])
loader = DataLoader(TensorDataset(X, Y), batch_size=6, shuffle=True)
model = nn.Linear(3, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for epoch in range(2):
    for xb, yb in loader:
        opt.zero_grad()
        loss = F.mse_loss(model(xb), yb)
        loss.backward()
        opt.step()
first_x, first_y = next(iter(loader))
print(len(loader), len(loader.dataset), loader.batch_size)
""",
    "legacy-constructors": """
a = torch.Tensor([[1, 2], [3, 4]])
b = torch.FloatTensor(2, 3).fill_(0.5)
idx = torch.LongTensor([2, 0, 1])
hot = torch.zeros(3, 4).scatter_(1, idx.view(-1, 1), 1)
w = torch.Tensor(3).uniform_(-1, 1).requires_grad_()
y = (w * torch.DoubleTensor([1, 2, 3]).float()).sum()
y.backward()
print(torch.FloatTensor(2, 3).shape, b, idx.dtype, hot)
""",
    "loss-docs-idioms": """
loss = nn.CrossEntropyLoss()
input = torch.randn(3, 5, requires_grad=True)
target = torch.empty(3, dtype=torch.long).random_(5)
output = loss(input, target)
output.backward()
picked = -F.log_softmax(input, dim=1)[range(target.shape[0]), target].mean()
correct = (input.argmax(1) == target).type(torch.float).sum().item()
mask = torch.empty(4).bernoulli_(0.5)
print(target, picked, correct, torch.empty(2, 2).shape, mask)
""",
}


@pytest.mark.parametrize("key", MODULES)
def test_modules_run_like_torch(key):
    assert_same(MODULES[key])


def test_parameters_are_named_by_variable_and_path():
    tr = assert_same(MODULES["sequential"])
    assert {"model.0.weight", "model.0.bias", "model.2.weight", "model.2.bias"} <= set(tr.grads)
    labels = {n.label for n in tr.nodes.values() if n.kind == "leaf"}
    assert {"model.0.weight", "model.0.bias", "model.2.weight", "model.2.bias"} <= labels
    tr = assert_same(MODULES["nested-modules-and-module-list"])
    assert "deep.blocks.2.norm.weight" in tr.grads and "deep.heads.b.bias" in tr.grads
    tr = assert_same(MODULES["mlp-sgd-momentum"])
    leaves = {n.name for n in tr.nodes.values() if n.kind == "leaf"}
    assert {"net.fc1.weight", "net.fc3.bias"} <= leaves


def test_a_tensor_with_two_names_shows_the_module_path():
    tr = assert_same("first_layer = nn.Linear(2, 2)\nmodel = nn.Sequential(first_layer, nn.Tanh())\n"
                     "out = model(torch.ones(1, 2)).sum()\nout.backward()\n")
    leaf = next(n for n in tr.nodes.values() if n.kind == "leaf" and "model.0.weight" in n.aliases)
    assert leaf.name == "model.0.weight" and "first_layer.weight" in leaf.aliases


# --- every layer, loss and functional ------------------------------------------------------------------------

# (layer, input expression): the output is reduced to a number and back-propagated; inputs require grad
LAYERS = {
    "Linear": ("nn.Linear(4, 3)", "torch.randn(2, 4)"),
    "Linear-no-bias": ("nn.Linear(4, 3, bias=False)", "torch.randn(5, 2, 4)"),
    "Bilinear": ("nn.Bilinear(3, 2, 4)", None),
    "Conv1d": ("nn.Conv1d(2, 3, kernel_size=3, padding=1)", "torch.randn(2, 2, 7)"),
    "Conv2d": ("nn.Conv2d(1, 3, kernel_size=3, stride=2, padding=1)", "torch.randn(1, 1, 8, 8)"),
    "Conv2d-groups": ("nn.Conv2d(4, 4, 3, groups=2, padding='same', padding_mode='reflect')",
                      "torch.randn(1, 4, 5, 5)"),
    "MaxPool1d": ("nn.MaxPool1d(2)", "torch.randn(1, 2, 8)"),
    "MaxPool2d": ("nn.MaxPool2d(kernel_size=2, stride=2)", "torch.randn(1, 2, 6, 6)"),
    "AvgPool1d": ("nn.AvgPool1d(3, stride=1)", "torch.randn(1, 2, 6)"),
    "AvgPool2d": ("nn.AvgPool2d(2)", "torch.randn(1, 1, 4, 4)"),
    "AdaptiveAvgPool1d": ("nn.AdaptiveAvgPool1d(2)", "torch.randn(1, 3, 7)"),
    "AdaptiveAvgPool2d": ("nn.AdaptiveAvgPool2d((1, 1))", "torch.randn(2, 3, 5, 5)"),
    "Flatten": ("nn.Flatten()", "torch.randn(2, 3, 4)"),
    "Unflatten": ("nn.Unflatten(1, (2, 3))", "torch.randn(4, 6)"),
    "Dropout": ("nn.Dropout(0.25)", "torch.randn(4, 5)"),
    "Dropout2d": ("nn.Dropout2d(0.5)", "torch.randn(2, 4, 3, 3)"),
    "BatchNorm1d": ("nn.BatchNorm1d(3)", "torch.randn(5, 3)"),
    "BatchNorm2d": ("nn.BatchNorm2d(2)", "torch.randn(3, 2, 4, 4)"),
    "LayerNorm": ("nn.LayerNorm(6)", "torch.randn(2, 6)"),
    "Embedding": ("nn.Embedding(10, 3, padding_idx=0)", "torch.tensor([[1, 2, 0], [4, 4, 9]])"),
    "RNN": ("nn.RNN(3, 4, num_layers=2)", "torch.randn(5, 2, 3)"),
    "LSTM": ("nn.LSTM(3, 4, batch_first=True, bidirectional=True)", "torch.randn(2, 5, 3)"),
    "GRU": ("nn.GRU(3, 4)", "torch.randn(5, 1, 3)"),
    "RNNCell": ("nn.RNNCell(3, 4)", "torch.randn(2, 3)"),
    "LSTMCell": ("nn.LSTMCell(3, 4)", "torch.randn(2, 3)"),
    "GRUCell": ("nn.GRUCell(3, 4)", "torch.randn(2, 3)"),
    "Identity": ("nn.Identity()", "torch.randn(3)"),
    "PReLU": ("nn.PReLU()", "torch.randn(6)"),
    **{name: (f"nn.{name}()", "torch.randn(2, 5)") for name in
       "ReLU ReLU6 ELU SELU CELU GELU SiLU Mish Sigmoid Tanh Softplus Softsign Hardtanh Hardsigmoid Hardswish "
       "LogSigmoid Tanhshrink Softshrink Hardshrink".split()},
    "LeakyReLU": ("nn.LeakyReLU(0.2)", "torch.randn(2, 5)"),
    "Threshold": ("nn.Threshold(0.1, 20.0)", "torch.randn(2, 5)"),
    "Softmax": ("nn.Softmax(dim=1)", "torch.randn(2, 5)"),
    "LogSoftmax": ("nn.LogSoftmax(dim=-1)", "torch.randn(2, 5)"),
    "Softmin": ("nn.Softmin(dim=0)", "torch.randn(2, 5)"),
}


@pytest.mark.parametrize("key", LAYERS)
def test_each_layer_matches_torch(key):
    make, data = LAYERS[key]
    if key == "Bilinear":
        call = ("a = torch.randn(4, 3, requires_grad=True)\nb = torch.randn(4, 2, requires_grad=True)\n"
                "out = layer(a, b)\n")
    elif data.startswith("torch.tensor"):
        call = f"x = {data}\nout = layer(x)\n"
    else:
        call = f"x = ({data}).requires_grad_()\nout = layer(x)\n"
    if key in ("RNN", "LSTM", "GRU"):
        reduce = "out, hidden = out\n"
    elif key == "LSTMCell":
        reduce = "out = out[0] + out[1]\n"
    else:
        reduce = ""
    source = (f"layer = {make}\n{call}{reduce}"
              "y = (out * torch.arange(out.numel()).reshape(out.shape).float().cos()).sum()\ny.backward()\n"
              "print(layer)\n")
    assert_same(source)


LOSSES = {
    "MSELoss": ("nn.MSELoss()", "torch.randn(3, 4)", "torch.randn(3, 4)"),
    "MSELoss-sum": ("nn.MSELoss(reduction='sum')", "torch.randn(3, 4)", "torch.randn(3, 4)"),
    "L1Loss": ("nn.L1Loss()", "torch.randn(5)", "torch.randn(5)"),
    "SmoothL1Loss": ("nn.SmoothL1Loss(beta=0.5)", "torch.randn(2, 3) * 2", "torch.randn(2, 3)"),
    "HuberLoss": ("nn.HuberLoss(delta=0.7)", "torch.randn(2, 3) * 2", "torch.randn(2, 3)"),
    "CrossEntropyLoss": ("nn.CrossEntropyLoss()", "torch.randn(4, 5)", "torch.tensor([1, 0, 4, 2])"),
    "CrossEntropyLoss-smooth": ("nn.CrossEntropyLoss(label_smoothing=0.1, weight=torch.rand(5))",
                                "torch.randn(4, 5)", "torch.tensor([1, 0, 4, 2])"),
    "NLLLoss": ("nn.NLLLoss(ignore_index=2)", "F.log_softmax(torch.randn(4, 3), dim=1)", "torch.tensor([1, 2, 0, 2])"),
    "BCELoss": ("nn.BCELoss()", "torch.rand(6) * 0.9 + 0.05", "torch.randint(0, 2, (6,)).float()"),
    "BCEWithLogitsLoss": ("nn.BCEWithLogitsLoss(pos_weight=torch.tensor(2.0))", "torch.randn(6)",
                          "torch.randint(0, 2, (6,)).float()"),
    "KLDivLoss": ("nn.KLDivLoss(reduction='batchmean')", "F.log_softmax(torch.randn(2, 4), dim=1)",
                  "F.softmax(torch.randn(2, 4), dim=1)"),
}


@pytest.mark.parametrize("key", LOSSES)
def test_each_loss_matches_torch(key):
    make, data, target = LOSSES[key]
    assert_same(f"loss_fn = {make}\nx = ({data}).detach().requires_grad_()\ntarget = {target}\n"
                "loss = loss_fn(x, target)\nloss.backward()\nprint(loss_fn)\n")


FUNCTIONAL = {
    "conv1d": "F.conv1d(x3, torch.randn(2, 2, 3), padding=1)",
    "conv2d": "F.conv2d(x4, torch.randn(3, 2, 3, 3), torch.randn(3), stride=1, padding=1)",
    "max_pool2d": "F.max_pool2d(x4, 2)",
    "avg_pool2d": "F.avg_pool2d(x4, kernel_size=2, stride=1)",
    "avg_pool1d": "F.avg_pool1d(x3, 2)",
    "adaptive_avg_pool2d": "F.adaptive_avg_pool2d(x4, (2, 1))",
    "layer_norm": "F.layer_norm(x3, (6,))",
    "batch_norm": "F.batch_norm(x3, torch.zeros(2), torch.ones(2), training=True)",
    "embedding": "F.embedding(torch.tensor([[0, 2], [1, 1]]), x2)",
    "pad": "F.pad(x4, (1, 2, 0, 1), mode='constant', value=0.5)",
    "pad-reflect": "F.pad(x3, (2, 1), mode='reflect')",
    "interpolate": "F.interpolate(x4, scale_factor=2, mode='nearest')",
    "interpolate-bilinear": "F.interpolate(x4, size=(5, 3), mode='bilinear', align_corners=False)",
}


@pytest.mark.parametrize("key", FUNCTIONAL)
def test_each_functional_matches_torch(key):
    assert_same("x2 = torch.randn(3, 4, requires_grad=True)\nx3 = torch.randn(2, 2, 6, requires_grad=True)\n"
                f"x4 = torch.randn(1, 2, 4, 4, requires_grad=True)\nout = {FUNCTIONAL[key]}\n"
                "y = (out * torch.arange(out.numel()).reshape(out.shape).float().sin()).sum()\ny.backward()\n")


# --- the two course-notes programs that need classes and layers -------------------------------------------------

def test_the_verbatim_class_programs_match_torch():
    from tutorial_programs import VERBATIM

    by_id = {case["id"]: case["program"] for case in VERBATIM}
    for key in ("tutorial004-mnist-mlp-sgd-momentum", "tutorial004-conv2d-layer"):
        if key not in by_id:
            pytest.skip(f"{key} is not in tests/data/tutorial_programs.json")
        source = by_id[key]
        out, ns = run_plain(source)
        tr = explorer.trace(source, sandbox=False)
        assert tr.stdout == out
        values, grads = expected(ns)
        for name, v in values.items():
            assert close(tr.values[name], v), name
        for name, g in grads.items():
            assert close(tr.grads[name], g), name


# --- mistakes explained -------------------------------------------------------------------------------------

def test_a_shape_mismatch_in_a_layer_is_torchs_message_at_the_line():
    err = error_of("class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
                   "        self.fc = nn.Linear(4, 2)\n    def forward(self, x):\n        return self.fc(x)\n"
                   "net = Net()\nout = net(torch.ones(3, 5))\n")
    assert err.kind == "runtime" and err.line == 10  # `return self.fc(x)`, after the 4 import lines
    assert "mat1 and mat2 shapes cannot be multiplied (3x5 and 4x2)" in err.message
    assert err.hint and "shape" in err.hint


def test_forgetting_super_init_says_what_to_write():
    err = error_of("class Net(nn.Module):\n    def __init__(self):\n        self.fc = nn.Linear(2, 2)\nnet = Net()\n")
    assert err.kind == "runtime" and "before Module.__init__() call" in err.message
    err = error_of("class Net(nn.Module):\n    def __init__(self):\n        self.k = 2\nnet = Net()\n")
    assert "super().__init__()" in (err.hint or "") and err.line == 8


def test_a_module_without_forward():
    err = error_of("class Net(nn.Module):\n    pass\nnet = Net()\ny = net(torch.ones(2))\n")
    assert err.kind == "runtime" and "no forward" in err.message and err.line == 8


def test_a_missing_attribute_names_the_class():
    err = error_of("class A:\n    def __init__(self):\n        self.x = 1\na = A()\nprint(a.y)\n")
    assert err.message == "'A' object has no attribute 'y'" and err.line == 9


def test_wrong_argument_counts_are_python_s_words():
    err = error_of("class A:\n    def __init__(self, n):\n        self.n = n\na = A()\n")
    assert "missing the argument 'n'" in err.message
    err = error_of("class A:\n    pass\na = A(3)\n")
    assert "A() takes no arguments" in err.message


def test_printing_a_plain_instance_and_a_class():
    tr = explorer.trace("class Foo:\n    pass\nprint(Foo)\nprint(Foo())\n", sandbox=False)
    assert tr.stdout == "<class '__main__.Foo'>\n<__main__.Foo object>\n"


def test_class_attributes_can_use_earlier_ones_and_methods_see_globals():
    assert_same("scale = 2.0\nclass A:\n    base = 3.0\n    twice = base * 2\n"
                "    def f(self, x):\n        return x * self.twice * scale\n"
                "x = torch.tensor(1.5, requires_grad=True)\ny = A().f(x)\ny.backward()\n")


def test_a_class_defined_in_a_function():
    assert_same("def make(k):\n    class Scale(nn.Module):\n        def forward(self, x):\n"
                "            return x * k\n    return Scale()\n"
                "s = make(3.0)\nx = torch.ones(2, requires_grad=True)\ny = s(x).sum()\ny.backward()\n")


def test_a_user_module_inside_a_sequential():
    assert_same("class Square(nn.Module):\n    def forward(self, x):\n        return x * x\n"
                "model = nn.Sequential(nn.Linear(3, 2), Square(), nn.Linear(2, 1))\n"
                "y = model(torch.randn(4, 3)).sum()\ny.backward()\nprint(model)\n")


def test_a_models_parameters_keep_the_trace_small():
    """Every parameter is named in the trace, but only FULL_NAMED_TOTAL elements of them are kept whole: the rest
    are summaries, so a model of a few million numbers still fits a worker's reply."""
    import json

    from explorer.config import FULL_NAMED_TOTAL

    tr = explorer.trace("model = nn.Sequential(*[nn.Linear(300, 300) for _ in range(20)])\n"
                        "y = model(torch.randn(4, 300)).sum()\ny.backward()\n", sandbox=False)
    assert len([n for n in tr.grads if n.startswith("model.")]) == 40
    whole = [v for v in (*tr.values.values(), *tr.grads.values()) if not (isinstance(v, dict) and "summary" in v)]
    assert sum(torch.tensor(v).numel() for v in whole) <= FULL_NAMED_TOTAL
    assert tr.grads["model.19.weight"]["summary"]["numel"] == 90_000 and len(tr.grads["model.19.bias"]) == 300
    assert len(json.dumps(tr.to_dict())) < 16_000_000


def test_containers_index_slice_and_loop_like_torch():
    assert_same("""
seq = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2), nn.Tanh())
head = seq[0:2]
tail = seq[-2:]
d = nn.ModuleDict({"enc": nn.Linear(2, 2), "dec": nn.Linear(2, 2)})
names = [k for k in d]
x = torch.randn(5, 3)
y = tail(head(x)).sum() + d["dec"](d["enc"](torch.ones(1, 2))).sum()
y.backward()
ml = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
ml[1] = nn.Identity()
z = torch.ones(2)
for m in ml:
    z = m(z)
print(head, tail, len(seq), len(ml), names, "enc" in d, list(d.keys()), len(list(d.items())))
print([n for n, _ in seq.named_children()], len(list(ml.parameters())))
""")


def test_iter_and_next_over_lists_and_loaders():
    assert_same("""
from torch.utils.data import DataLoader, TensorDataset
it = iter([1, 2, 3])
a = next(it)
b = next(it)
rest = [v for v in it]
loader = DataLoader(TensorDataset(torch.arange(10.0).view(5, 2), torch.arange(5)), batch_size=2, shuffle=True)
batches = iter(loader)
first_x, first_y = next(batches)
others = [yb.tolist() for xb, yb in batches]
done = next(batches, None)
ds = loader.dataset
print(a, b, rest, others, done, len(ds), ds[1], len(loader))
""")
    err = error_of("it = iter([1])\na = next(it)\nb = next(it)\n")
    assert err.kind == "runtime" and "StopIteration" in err.message and err.line == 7


def test_a_dataset_class_of_the_program_in_a_dataloader():
    assert_same("""
from torch.utils.data import Dataset, DataLoader

class Squares(Dataset):
    def __init__(self, n):
        super().__init__()
        self.x = torch.linspace(-1, 1, n).unsqueeze(1)
        self.y = self.x ** 2

    def __len__(self):
        return len(self.x)

    def __getitem__(self, idx):
        return self.x[idx], self.y[idx]

data = Squares(12)
loader = DataLoader(data, batch_size=4, shuffle=True)
model = nn.Sequential(nn.Linear(1, 8), nn.Tanh(), nn.Linear(8, 1))
opt = torch.optim.Adam(model.parameters(), lr=0.05)
for epoch in range(3):
    for xb, yb in loader:
        opt.zero_grad()
        loss = F.mse_loss(model(xb), yb)
        loss.backward()
        opt.step()
print(len(data), len(loader), len(loader.dataset), data[3])
""")


def test_torch_empty_shows_no_uninitialised_memory():
    tr = explorer.trace("a = torch.empty(64, 64)\nb = torch.empty_like(torch.ones(3), dtype=torch.float64)\n",
                        sandbox=False)
    assert tr.values["b"] == [0.0, 0.0, 0.0] and all(v == 0.0 for row in tr.values["a"] for v in row)


def test_a_class_with_its_own_iter_wraps_a_loader():
    assert_same("""
from torch.utils.data import DataLoader, TensorDataset

class WrappedDataLoader:
    def __init__(self, dl, func):
        self.dl = dl
        self.func = func

    def __len__(self):
        return len(self.dl)

    def __iter__(self):
        for b in self.dl:
            yield self.func(*b)

def preprocess(x, y):
    return x.view(-1, 2, 2), y

train = WrappedDataLoader(DataLoader(TensorDataset(torch.randn(8, 4), torch.arange(8)), batch_size=3,
                                     shuffle=True), preprocess)
model = nn.Sequential(nn.Flatten(), nn.Linear(4, 8))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for xb, yb in train:
    loss = F.cross_entropy(model(xb), yb)
    loss.backward()
    opt.step()
    opt.zero_grad()
shapes = [tuple(xb.shape) for xb, _ in train]
first = next(iter(train))
print(len(train), shapes, len(list(train)))
""")


def test_isinstance_with_layers_and_classes_and_decorated_methods():
    assert_same("""
class Base:
    pass

class Child(Base):
    pass

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
        self.scale = lambda t: t * 2

    def forward(self, x):
        return self.scale(self.body(x))

    @torch.no_grad()
    def predict(self, x):
        return self(x).argmax(dim=1)

    @staticmethod
    def describe():
        return "net"

net = Net()
for m in net.modules():
    if isinstance(m, nn.Linear):
        nn.init.xavier_uniform_(m.weight)
        nn.init.zeros_(m.bias)
x = torch.randn(5, 3)
y = net(x).sum()
y.backward()
pred = net.predict(x)
c = Child()
print(isinstance(net, nn.Module), isinstance(net, Net), isinstance(net.body[0], (nn.Conv2d, nn.Linear)),
      isinstance(c, Base), isinstance(c, Child), isinstance(Base(), Child),
      isinstance(net.body[0].weight, torch.Tensor), isinstance(x, nn.Module), pred.requires_grad, Net.describe(),
      net.describe())
""")
