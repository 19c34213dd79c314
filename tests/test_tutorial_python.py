"""Tutorial Python that runs as learners paste it: imports, torch.manual_seed, str.format, lambdas, generators,
decorators, global/nonlocal, sets, isinstance, map/filter, a numpy subset, plotting as no-ops.

Each program is also run by plain Python + torch + numpy (our own trusted text), and the explorer must print the
same and reach the same numbers.
"""
from __future__ import annotations

import contextlib
import io
import random
from pathlib import Path

import numpy as np
import pytest
import torch
from tutorial_programs import VERBATIM

import explorer


def run_plain(source: str) -> tuple[str, dict]:
    """The program in plain Python with torch, seeded as the explorer seeds every run (0)."""
    out = io.StringIO()
    ns: dict = {"__name__": "__main__"}  # as a pasted script runs
    state, py_state = np.random.get_state(), random.getstate()
    try:
        with torch.random.fork_rng(devices=[]), contextlib.redirect_stdout(out):
            torch.manual_seed(0)
            np.random.seed(0)
            random.seed(0)
            exec(compile(source, "<tutorial>", "exec"), ns)  # noqa: S102 - our own test text, trusted
    finally:
        np.random.set_state(state)
        random.setstate(py_state)
        torch.set_printoptions(profile="default", sci_mode=None)  # a program's set_printoptions is process-wide
    return out.getvalue(), ns


def assert_same_as_plain(source: str) -> explorer.Trace:
    stdout, ns = run_plain(source)
    tr = explorer.trace(source, sandbox=False)
    assert tr.stdout == stdout
    for name, value in ns.items():
        if isinstance(value, torch.Tensor):
            got = torch.tensor(tr.values[name], dtype=torch.float32)
            assert torch.allclose(got, value.detach().to(torch.float32)), name
            if value.is_leaf and value.grad is not None:
                assert torch.allclose(torch.tensor(tr.grads[name]), value.grad.to(torch.float32)), name
    return tr


IMPORTS = {
    "import torch": "import torch\nx = torch.ones(2, requires_grad=True)\ny = (x * 3).sum()\ny.backward()\n",
    "aliases": (
        "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\nimport torch.optim as optim\n"
        "import math\n"
        "w = nn.Parameter(torch.tensor([0.5, -1.0]))\nopt = optim.SGD([w], lr=0.1)\n"
        "for _ in range(3):\n    opt.zero_grad()\n    loss = F.mse_loss(torch.sigmoid(w), torch.ones(2)) * math.pi\n"
        "    loss.backward()\n    opt.step()\nprint(w)\n"),
    "from imports": (
        "from __future__ import annotations\nimport torch\nfrom torch import nn, optim, autograd\n"
        "from torch.nn import functional as F\nfrom torch.autograd import grad\n"
        "x = torch.tensor(2.0, requires_grad=True)\ny = x ** 3\n(g,) = grad(y, [x], create_graph=True)\n"
        "(h,) = autograd.grad(g, [x])\nprint(g.item(), h.item(), F.relu(x - 3).item())\n"),
    "import inside a function": (
        "import torch\ndef f(x):\n    import torch.nn.functional as G\n    return G.softplus(x)\n"
        "x = torch.tensor([1.0, -1.0], requires_grad=True)\nz = f(x).sum()\nz.backward()\n"),
    "bare dotted import binds the root": "import torch.nn\nx = torch.nn.functional.relu(torch.tensor([-1.0, 2.0]))\n",
}


@pytest.mark.parametrize("key", IMPORTS)
def test_imports_bind_what_the_language_offers(key):
    assert_same_as_plain(IMPORTS[key])


def test_an_imported_name_is_not_an_input():
    tr = explorer.trace("import torch.nn.functional as G\ny = G.relu(x)\n", sandbox=False, inputs={"x": 2.0})
    assert tr.values["y"] == 2.0 and "G" not in tr.values
    from explorer.language.names import free_names
    from explorer.language.parser import parse_program

    tree = parse_program("import torch.nn.functional as G\nfrom torch import nn\ny = G.relu(x) + nn.Parameter(x)\n",
                         explorer.Limits())
    assert free_names(tree) == ["x"]


def test_manual_seed_gives_torch_s_random_numbers():
    source = "import torch\ntorch.manual_seed(42)\na = torch.randn(3)\ntorch.manual_seed(7)\nb = torch.rand(2, 2)\n"
    tr = assert_same_as_plain(source)
    torch.manual_seed(42)
    assert tr.values["a"] == pytest.approx(torch.randn(3).tolist())
    # and the seed stays inside the run: the process's own generator is untouched
    before = torch.random.get_rng_state()
    explorer.trace(source, sandbox=False)
    assert torch.equal(before, torch.random.get_rng_state())


def test_manual_seed_in_the_sandbox_is_reproducible():
    source = "import torch\ntorch.manual_seed(5)\na = torch.randn(4)\n"
    first, second = explorer.trace(source), explorer.trace(source)
    torch.manual_seed(5)
    assert first.values["a"] == second.values["a"] == pytest.approx(torch.randn(4).tolist())


@pytest.mark.parametrize("template, args", [
    ("'step {}: x = {}, f(x) = {}'", "3, [1.0, 2.0], 1.5"),
    ("'{0:.3f} and {0!r} and {1:>6}|'", "2.0, 'ab'"),
    ("'{lr:.1e} {n:04d}'", "lr=0.001, n=7"),
    ("'{{literal}} {}'", "5"),
    ("'{}'", "torch.tensor([1.0, 2.0])"),
    ("'{:.4f}'", "torch.tensor(0.5)"),
])
def test_str_format_like_python(template, args):
    assert_same_as_plain(f"import torch\nprint({template}.format({args}))\n")



# --- Python the tutorials use ------------------------------------------------------------------------------------

PYTHON = {
    "lambda closures and defaults": """import torch
scale = 3
f = lambda v, k=2: v * k * scale
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = f(x).sum()
y.backward()
fs = [lambda v, i=i: v + i for i in range(3)]
late = [lambda: i for i in range(3)]
compose = lambda g, h: lambda v: g(h(v))
print([g(1) for g in fs], [g() for g in late], compose(lambda v: v + 1, lambda v: v * 10)(2))
scale = 4
z = f(x, k=1)
""",
    "key functions": """import torch
pairs = [(3, 'c'), (1, 'a'), (2, 'b'), (1, 'z')]
print(sorted(pairs, key=lambda p: p[0]), sorted(pairs, key=lambda p: p[1], reverse=True))
print(min(pairs, key=lambda p: -p[0]), max([1, 5, 3], key=lambda v: (v - 4) ** 2), max([], default=0))
print(sorted(['bb', 'a', 'ccc'], key=len), min(3, 1, 2), max('abc', key=ord), sorted({3: 'x', 1: 'y'}))
ws = [torch.tensor(2.0, requires_grad=True), torch.tensor(-3.0, requires_grad=True)]
big = max(ws, key=lambda w: w.abs())
loss = big * 2
loss.backward()
people = [('bo', 31), ('al', 25), ('cy', 31)]
people.sort(key=lambda p: p[1])
print(people)
people.sort(key=lambda p: p[0], reverse=True)
print(people, max({'a': 3, 'b': 5}, key={'a': 3, 'b': 5}.get))
""",
    "map filter zip enumerate": """print(list(map(lambda v: v * 2, [1, 2, 3])), list(filter(lambda v: v % 2, range(6))))
print(list(map(str, [1, 2])), ', '.join(map(str, range(3))), list(map(lambda a, b: a - b, [5, 6], [1, 2])))
print(list(filter(None, [0, 1, '', 'a'])), sum(map(abs, [-1, 2, -3])))
for i, (a, b) in enumerate(zip([1, 2], [3, 4]), start=1):
    print(i, a, b, sep='-', end='!\\n')
print('done', flush=True)
print(round(2.675, 2), round(7.5), abs(-3), divmod(17, 5), divmod(-7.5, 2), pow(2, 10), pow(3, 4, 5), pow(2.0, -1))
print(chr(97), ord('z'), any(v > 2 for v in [1, 3]), all([]), list(reversed([1, 2])))
""",
    "decorators": """import torch
@torch.no_grad()
def update(w, g):
    w -= 0.1 * g
    return (w * 2).requires_grad
@torch.enable_grad()
def grad_inside():
    z = torch.ones(1, requires_grad=True) * 2
    return z.requires_grad
@torch.no_grad
def bare():
    return (torch.ones(1, requires_grad=True) * 2).requires_grad
w = torch.tensor([1.0, 2.0], requires_grad=True)
loss = (w ** 2).sum()
loss.backward()
print(update(w, w.grad), bare())
with torch.no_grad():
    print(grad_inside())
print(w, (w * 2).requires_grad)
""",
    "d2l data_iter generator": """import torch
def data_iter(batch_size, features, labels):
    num_examples = len(features)
    indices = list(range(num_examples))
    for i in range(0, num_examples, batch_size):
        batch_indices = torch.tensor(indices[i: min(i + batch_size, num_examples)])
        yield features[batch_indices], labels[batch_indices]
torch.manual_seed(0)
true_w = torch.tensor([2.0, -3.4])
features = torch.randn(10, 2)
labels = features @ true_w + 4.2
w = torch.zeros(2, requires_grad=True)
b = torch.zeros(1, requires_grad=True)
lr = 0.03
for epoch in range(3):
    for X, y in data_iter(4, features, labels):
        l = ((X @ w + b - y) ** 2 / 2).sum()
        l.backward()
        with torch.no_grad():
            for param in [w, b]:
                param -= lr * param.grad / 4
                param.grad.zero_()
    with torch.no_grad():
        train_l = ((features @ w + b - labels) ** 2 / 2).mean()
        print(f'epoch {epoch + 1}, loss {float(train_l):f}')
""",
    "generator protocol": """def count(start=0):
    n = start
    while True:
        yield n
        n += 1
def take(gen, k):
    out = []
    for v in gen:
        if len(out) == k:
            break
        out.append(v)
    return out
def chain(a, b):
    yield from a
    yield from b
    return 'done'
g = count(5)
print(next(g), next(g), take(g, 3), next(g))
it = iter([1, 2])
print(next(it), next(it), next(it, 'end'), list(iter(range(3))))
print(list(chain([1, 2], (v * v for v in range(3)))))
print(list(zip(count(), 'abc')), list(enumerate(chain('ab', 'c'), start=1)))
def squares(n):
    for i in range(n):
        if i == 3:
            return
        yield i * i
print(list(squares(10)), [v for v in squares(10)], sorted({v for v in squares(10)}), sum(squares(10)))
print(max(squares(10)), dict(zip('ab', squares(5))), tuple(squares(2)), list(map(lambda v: -v, squares(5))))
def evens():
    for v in count():
        if v % 2:
            continue
        yield v
e = evens()
print([next(e) for _ in range(4)], any(v > 5 for v in evens()))
""",
    "generators and grad mode": """import torch
x = torch.tensor([1.0, 2.0], requires_grad=True)
def steps(n):
    for i in range(n):
        with torch.no_grad():
            y = x * i
        yield y.requires_grad, (x * i).requires_grad
print(list(steps(2)))
@torch.no_grad()
def frozen():
    yield (x * 2).requires_grad
    yield (x * 3).requires_grad
print(list(frozen()), (x * 4).requires_grad)
def batches():
    for i in range(3):
        yield x * (i + 1)
total = sum(b.sum() for b in batches())
total.backward()
""",
    "global and nonlocal": """import torch
counter = 0
def bump(k=1):
    global counter
    counter += k
    return counter
def make_acc():
    total = 0
    def add(v):
        nonlocal total
        total += v
        return total
    return add
bump()
bump(5)
acc = make_acc()
acc(1)
acc(2)
print(counter, acc(3))
def outer():
    x = 'outer'
    def mid():
        nonlocal x
        x = 'mid'
        def inner():
            global gx
            gx = x + '!'
        inner()
    mid()
    return x
print(outer(), gx)
w = torch.tensor(1.0, requires_grad=True)
loss_total = torch.tensor(0.0)
def step():
    global loss_total
    loss_total = loss_total + (w * 3) ** 2
step()
step()
loss_total.backward()
def reader():
    return counter * 2
print(reader())
""",
    "sets and isinstance": """import torch
s = {3, 1, 2}
s.add(4)
s.discard(1)
s.update([5, 6])
s.remove(6)
t = set([2, 3, 7])
print(sorted(s), sorted(s | t), sorted(s & t), sorted(s - t), sorted(s ^ t), sorted(s.union(t)))
print(sorted(s.intersection(t)), s.issubset({1, 2, 3, 4, 5, 6}), len({x % 3 for x in range(10)}), 3 in s, set())
print({1, 2} == {2, 1}, sorted(set('hello')), s.pop() in {2, 3, 4, 5}, len(s))
x = torch.ones(2)
print(isinstance(x, torch.Tensor), isinstance(1, int), isinstance(True, int), isinstance(1.0, (int, float)))
print(isinstance([1], list), isinstance((1,), tuple), isinstance({}, dict), isinstance(s, set), isinstance('a', str))
print(isinstance(x, (list, tuple)), isinstance(x.sum(), float), isinstance(x.sum().item(), float))
""",
    "legacy constructors and range indices": """import torch
import numpy as np
x = torch.Tensor([-4.0]).double()
x.requires_grad = True
l = torch.LongTensor([1, 0])
f = torch.FloatTensor([[1, 2]])
e = torch.Tensor()
print(x.dtype, l.dtype, f, e.shape, isinstance(x, torch.Tensor), isinstance(f, torch.FloatTensor))
print(isinstance(l, torch.FloatTensor), torch.DoubleTensor([1]).dtype, torch.Tensor(np.ones(2)))
p = torch.tensor([[0.1, 0.9], [0.8, 0.2]], requires_grad=True)
t = torch.tensor([1, 0])
loss = -p[range(2), t].mean() + (x * 2).sum()
loss.backward()
a = np.arange(6).reshape(2, 3)
a[range(2), [0, 1]] = -1
print(a[range(2), [0, 2]], a)
""",
}


@pytest.mark.parametrize("key", PYTHON)
def test_python_the_tutorials_use(key):
    assert_same_as_plain(PYTHON[key])


def test_tabs_docstrings_and_coding_lines():
    source = ('# -*- coding: utf-8 -*-\n#!/usr/bin/env python\n"""Module docstring: what this shows."""\n'
              'import torch\n\n\ndef f(x):\n\t"""Function docstring."""\n'
              '\tif x.sum() > 0:\n\t\treturn x * 2\n\treturn x\n\n\n'
              'x = torch.tensor(2.0, requires_grad=True)\ny = f(x)\ny.backward()\nprint(x.grad)\n')
    tr = assert_same_as_plain(source)
    assert tr.grads["x"] == 2.0
    with pytest.raises(explorer.ProgramError) as info:  # tabs and spaces mixed: Python's own refusal
        explorer.trace("def f(x):\n\tif x:\n        return 1\n\treturn 2\n", sandbox=False)
    assert info.value.kind == "syntax"


# --- numpy --------------------------------------------------------------------------------------------------------

NUMPY = {
    "bridge with numpy": """import numpy as np
import torch
a = torch.ones(5)
b = a.numpy()
a.add_(1)
print(a)
print(b)
n = np.ones(5)
t = torch.from_numpy(n)
np.add(n, 1, out=n)
print(n)
print(t)
""",
    "arrays and their methods": """import numpy as np
import torch
x = np.arange(-6, 6, 0.1)
X, Y = np.meshgrid(x, x)
Z = (X ** 2 + Y - 11) ** 2 + (X + Y ** 2 - 7) ** 2
print(x.shape, X.shape, Z.min(), Z.max(), Z.argmin(), Z.sum(axis=0)[:3], Z.mean())
l = np.linspace(0, 1, 5)
print(l, np.zeros((2, 3)), np.ones(3, dtype=np.float32), np.eye(2), np.full((2, 2), 7.0), np.pi, np.e)
m = np.array([[1.0, 2.0], [3.0, 4.0]])
print(m @ m, np.dot(m, m[0]), np.matmul(m, m), m.T, m.shape, m.dtype, m.ndim, m.size, m.reshape(4))
print(m.astype(np.int64), m.tolist(), m.sum(), m.mean(), m.max(), m.min(), m.copy(), m.sum(axis=1), m.max(0))
print(np.sin(m), np.cos(0.0), np.exp(m), np.log(m), np.sqrt(m), np.abs(-m), np.tanh(m))
print(np.maximum(m, 2.5), np.minimum(m, 2.5), np.sum(m, axis=1), np.mean(m), np.max(m), np.min(m))
print(np.where(m > 2, m, 0.0), np.clip(m, 1.5, 3.5), np.float32(1.5), np.float64(2) * 3, m.dtype == np.float64)
print(m[0], m[:, 1], m[m > 2], m[[1, 0]], m[1, 1], -m + 1, m * 2 / 4, m ** 2, m // 2, 1 - m, m > 2)
m[0, 0] = 10.0
m[1] = [7.0, 8.0]
m += 1
print(m, m.item(0), m.flatten(), m.ravel().tolist(), np.concatenate([m, m]).shape, np.stack([m, m]).shape)
print(np.vstack([m, m]).shape, np.hstack([m, m]).shape, m.std(), m.var(), m.prod(), m.cumsum(), m.argmax())
print(np.array([1, 2, 3]).dtype, np.array([True, False]), np.zeros_like(m), np.ones_like(m), len(m))
print([float(v) for v in m[0]], sum(np.array([1.0, 2.0])), f'{np.float64(3.14159):.2f}', f'{m.sum():.1f}')
print(np.linalg.norm(np.array([3.0, 4.0])), np.sort(np.array([3, 1, 2])), np.unique(np.array([2, 1, 2])))
print(np.isclose(1.0, 1.0 + 1e-9), np.allclose(m, m), np.round(np.array([1.234, 5.678]), 1), isinstance(m, np.ndarray))
print(np.outer([1, 2], [3, 4]), np.expand_dims(np.ones(2), 0).shape, np.squeeze(np.ones((1, 2))).shape)
print(np.transpose(np.ones((2, 3))).shape, np.power(2.0, 3), np.arange(5)[::-1], np.arange(3, dtype=np.float32))
n = np.int64(3)
print(list(range(n)), torch.zeros(n), [0] * np.int64(2), np.array([1, 2])[np.int64(1)])
""",
    "random numbers seeded": """import numpy as np
np.random.seed(42)
a = np.random.rand(3)
b = np.random.randn(2, 2)
c = np.random.randint(0, 10, size=5)
d = np.random.normal(0, 1, 3)
e = np.random.uniform(-1, 1, size=(2,))
f = np.random.random(2)
g = np.random.permutation(5)
h = np.random.choice(5, 3, replace=False)
arr = np.arange(4)
np.random.shuffle(arr)
print(a, b, c, d, e, f, g, h, arr)
""",
    "random numbers by the run's seed": """import numpy as np
print(np.random.rand(2), np.random.randint(0, 100))
""",
    "tensors from and to arrays": """import numpy as np
import torch
x_np = np.linspace(-1, 1, 5).astype(np.float32)
x = torch.from_numpy(x_np).requires_grad_()
y = torch.tensor(np.array([1.0, 2.0]), dtype=torch.float32, requires_grad=True)
z = torch.as_tensor(np.ones(5, dtype=np.float32))
loss = (x ** 2 * z).sum() + (y * 3).sum()
loss.backward()
g = x.grad.numpy()
print(g, y.grad.numpy(), x.detach().numpy().mean(), np.mean(g), x.detach().cpu().numpy())
w = torch.tensor(np.float64(2.5), requires_grad=True)
v = torch.tensor([np.float32(1.0), np.float32(2.0)])
q = (w * v.double()).sum()
""",
}


@pytest.mark.parametrize("key", NUMPY)
def test_numpy_subset(key):
    assert_same_as_plain(NUMPY[key])


NUMPY_VERBATIM = [case for case in VERBATIM if "import numpy" in case["program"]]


@pytest.mark.parametrize("case", NUMPY_VERBATIM, ids=[case["id"] for case in NUMPY_VERBATIM])
def test_course_notes_programs_with_numpy_run_as_pasted(case):
    """The course notes' programs that import numpy (tabs, docstrings, np.arange/meshgrid on the way) print what
    plain Python prints and reach torch's numbers."""
    assert_same_as_plain(case["program"])


PY_RANDOM = """import random
import torch
random.seed(1)
indices = list(range(10))
random.shuffle(indices)
print(indices, random.random(), random.uniform(-1, 1), random.randint(1, 6), random.randrange(0, 10, 2))
print(random.choice('abc'), random.sample(range(100), 3), random.gauss(0, 1), random.normalvariate(0, 1))
x = torch.tensor([float(i) for i in indices[:3]], requires_grad=True)
y = (x * random.random()).sum()
"""


def test_python_random_like_python():
    assert_same_as_plain(PY_RANDOM)
    unseeded = "import random\nprint(random.random(), random.randint(0, 9))\n"
    assert explorer.trace(unseeded, sandbox=False).stdout == run_plain(unseeded)[0]


def test_numpy_random_state_is_the_run_s_own():
    source = "import numpy as np\na = np.random.rand(3)\nnp.random.seed(7)\nb = np.random.rand(2)\nprint(a, b)\n"
    before = repr(np.random.get_state()), random.getstate()
    first = explorer.trace(source, sandbox=False)
    assert (repr(np.random.get_state()), random.getstate()) == before
    second = explorer.trace(source, sandbox=False)
    assert first.stdout == second.stdout
    assert first.stdout == run_plain(source)[0]


def test_numpy_in_the_sandbox():
    source = NUMPY["random numbers seeded"] + "import torch\nt = torch.from_numpy(a).requires_grad_()\n" \
        "s = (t * 2).sum()\n"
    tr = explorer.trace(source)
    assert tr.stdout == run_plain(source)[0]
    assert tr.grads["t"] == [2.0, 2.0, 2.0]


# --- plotting ------------------------------------------------------------------------------------------------------

PLOTTING = """import numpy as np
import torch
import matplotlib.pyplot as plt
from matplotlib import pyplot
import matplotlib
from mpl_toolkits.mplot3d import Axes3D
x = torch.linspace(-3, 3, 50, requires_grad=True)
y = torch.sigmoid(x)
y.sum().backward()
fig = plt.figure(figsize=(8, 6))
ax = fig.add_subplot(111, projection='3d')
ax.plot_surface(x.detach().numpy(), y.detach().numpy(), cmap='rainbow')
ax.view_init(60, -30)
fig, axes = plt.subplots(1, 2, figsize=(10, 4))
axes[0].plot(x.detach().numpy(), y.detach().numpy(), label='sigmoid')
axes[1].plot(x.detach().numpy(), x.grad.numpy())
for a in axes:
    a.legend()
    a.grid(True)
fig, grid = plt.subplots(2, 2)
for a in grid.flat:
    a.set_title('cell')
grid[1, 0].scatter([1], [2])
(ax1, ax2), (ax3, ax4) = grid
fig, ax = plt.subplots()
line, = ax.plot([1, 2])
plt.rcParams['figure.figsize'] = (8, 6)
plt.xlabel('x')
plt.title(f'{y.sum().item():.2f}')
plt.cm.viridis(0.5)
plt.style.use('ggplot')
matplotlib.use('Agg')
pyplot.close('all')
plt.savefig('curve.png')
plt.show()
print('done', y.sum().item())
"""


def test_plotting_runs_as_no_ops(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    tr = explorer.trace(PLOTTING, sandbox=False)
    plain = "\n".join(line for line in PLOTTING.splitlines()
                      if not any(w in line for w in ("plt", "matplotlib", "pyplot", "Axes3D", "fig", "ax", "grid",
                                                     "line", "a.", "for a"))) + "\n"
    same = assert_same_as_plain(plain)
    assert tr.stdout == same.stdout
    assert tr.values == same.values and tr.grads == same.grads
    assert [(n.kind, n.message, n.line) for n in tr.notices if n.kind == "plotting-skipped"] == [
        ("plotting-skipped", "plotting is skipped here; the graph shows the computation", 3)]
    assert list(tmp_path.iterdir()) == []  # savefig wrote nothing


def test_a_plotting_context_runs_its_body():
    tr = explorer.trace("import matplotlib.pyplot as plt\nwith plt.style.context('ggplot'):\n"
                        "    x = torch.ones(2, requires_grad=True)\n    y = (x * 2).sum()\nprint(y.item())\n",
                        sandbox=False)
    assert tr.stdout == "4.0\n" and tr.grads["x"] == [2.0, 2.0]


def test_plotting_in_the_sandbox():
    tr = explorer.trace("import matplotlib.pyplot as plt\nx = torch.ones(2, requires_grad=True)\ny = (x * 3).sum()\n"
                        "plt.plot(x.detach().numpy())\nplt.savefig('out.png')\nplt.show()\n")
    assert tr.grads["x"] == [3.0, 3.0]
    assert any(n.kind == "plotting-skipped" for n in tr.notices)


# Programs written in the style of the tutorials' pages (tests/data/tutorial_pages), with the Python they lean on
# (out=, type(), typing, collections, a torch.Generator, lr schedulers, Variable, set_printoptions): each must print
# and compute what plain torch does.
PAGES_DIR = Path(__file__).resolve().parent / "data" / "tutorial_pages"
PAGES = sorted(p.name for p in PAGES_DIR.glob("*.py"))


@pytest.mark.parametrize("name", PAGES)
def test_tutorial_pages_run_as_in_torch(name):
    assert_same_as_plain((PAGES_DIR / name).read_text(encoding="utf-8"))


def test_type_prints_and_compares_like_python():
    tr = assert_same_as_plain(
        "import torch\nx = torch.ones(2)\nprint(type(1), type(2.5), type(x), type([1]), type(x.sum().item()))\n"
        "print(type(x) == torch.Tensor, type(1.5) == float, type(1) == float, isinstance(2, type(1)))\n"
        "class A:\n    pass\nprint(type(A()) == A)\n")
    assert "<class 'torch.Tensor'>" in tr.stdout


def test_out_writes_into_the_tensor_as_torch_does():
    tr = assert_same_as_plain(
        "import torch\nimport numpy as np\na = torch.arange(4.0)\nn = a.numpy()\nb = torch.ones(4)\n"
        "torch.mul(a, 3, out=a)\ntorch.add(a, b, out=b)\nprint(n, b)\n"
        "with torch.no_grad():\n    w = torch.ones(2, requires_grad=True)\n    torch.add(w, 1, out=w)\nprint(w)\n")
    assert tr.stdout.startswith("[0. 3. 6. 9.]")


def test_set_printoptions_lasts_for_the_run_only():
    before = torch._tensor_str.PRINT_OPTS.precision
    tr = explorer.trace("torch.set_printoptions(precision=2)\nprint(torch.tensor([1.23456]))\n", sandbox=False)
    assert tr.stdout == "tensor([1.23])\n"
    assert torch._tensor_str.PRINT_OPTS.precision == before


def test_lr_schedulers_follow_torch():
    assert_same_as_plain(
        "import torch\nimport torch.optim as optim\nw = torch.tensor([1.0, -2.0], requires_grad=True)\n"
        "opt = optim.Adam([w], lr=0.5)\n"
        "lam = optim.lr_scheduler.LambdaLR(opt, lr_lambda=lambda epoch: 0.5 ** epoch)\n"
        "for i in range(4):\n    opt.zero_grad()\n    loss = (w ** 2).sum()\n    loss.backward()\n"
        "    opt.step()\n    lam.step()\n    print(lam.get_last_lr())\n"
        "opt2 = optim.SGD([w], lr=0.1)\nplateau = optim.lr_scheduler.ReduceLROnPlateau(opt2, patience=0)\n"
        "for i in range(3):\n    plateau.step(1.0)\n    print(opt2.param_groups[0]['lr'])\n"
        "cos = optim.lr_scheduler.CosineAnnealingLR(optim.SGD([w], lr=1.0), T_max=4)\n"
        "for i in range(4):\n    cos.step()\n    print(round(cos.get_last_lr()[0], 6))\n")


def test_collections_and_typing_names():
    assert_same_as_plain(
        "import torch\nfrom collections import OrderedDict, defaultdict, Counter\n"
        "from typing import Dict, List, Optional\n"
        "Batch = Dict[str, List[int]]\ncounts = defaultdict(int)\nfor w in 'a b a c a'.split():\n"
        "    counts[w] += 1\nprint(dict(counts), Counter('abracadabra').most_common(2))\n"
        "groups = defaultdict(list)\ngroups['x'].append(1)\nprint(groups)\n"
        "def f(x: Optional[torch.Tensor] = None) -> List[float]:\n    return [1.0]\nprint(f())\n"
        "net = nn.Sequential(OrderedDict([('fc', nn.Linear(2, 1)), ('act', nn.Sigmoid())]))\n"
        "print([name for name, _ in net.named_parameters()])\n".replace("nn.", "torch.nn."))


def test_generator_gives_torch_s_numbers():
    tr = assert_same_as_plain("import torch\ng = torch.Generator().manual_seed(2147483647)\n"
                              "p = torch.rand(3, generator=g)\nix = torch.multinomial(p, num_samples=5, "
                              "replacement=True, generator=g)\nprint(ix, g.initial_seed())\n")
    assert "2147483647" in tr.stdout


def test_a_device_can_be_named_but_nothing_goes_there():
    tr = explorer.trace("d = torch.device('cuda', 0)\nprint(d, d.type, d.index)\n", sandbox=False)
    assert tr.stdout == "cuda:0 cuda 0\n"
    with pytest.raises(explorer.ProgramError, match="everything runs on the CPU"):
        explorer.trace("d = torch.device('cuda')\nx = torch.ones(2).to(d)\n", sandbox=False)


TRY_PROGRAMS = {
    "else and finally": (
        "import torch\nfor d in [2.0, 0.0]:\n    try:\n        r = 1 // int(d)\n    except ZeroDivisionError as e:\n"
        "        print('caught', e, e.args, type(e).__name__, isinstance(e, ArithmeticError))\n    else:\n"
        "        print('ok', r)\n    finally:\n        print('finally', d)\n"),
    "a tuple of classes and a bare except": (
        "import torch\ntry:\n    torch.ones(2)[5]\nexcept (KeyError, IndexError) as e:\n    print('index', e)\n"
        "try:\n    torch.ones(2, 3) @ torch.ones(2, 3)\nexcept:\n    print('bare')\n"),
    "raise, catch and raise again": (
        "import torch\ndef check(x):\n    if x.sum() < 0:\n"
        "        raise ValueError('negative sum: ' + str(x.sum().item()))\n"
        "    return x\ntry:\n    check(torch.tensor([-1.0, 0.5]))\nexcept ValueError as err:\n    print(repr(err))\n"
        "try:\n    try:\n        check(-torch.ones(1))\n    except ValueError:\n        print('inner')\n        raise\n"
        "except Exception as outer:\n    print('outer', outer)\n"),
    "return and break through finally": (
        "import torch\ndef f():\n    try:\n        return 1\n    finally:\n        print('cleanup')\nprint(f())\n"
        "for i in range(3):\n    try:\n        if i == 1:\n            break\n"
        "    finally:\n        print('leaving', i)\n"),
    "the gradient error a tutorial shows": (
        "import torch\nx = torch.ones(3, requires_grad=True)\ny = x * 2\ntry:\n    y.backward()\n"
        "except RuntimeError as e:\n    print(e)\ny.backward(torch.ones(3))\nprint(x.grad)\n"),
}


@pytest.mark.parametrize("key", TRY_PROGRAMS)
def test_try_except_like_python(key):
    assert_same_as_plain(TRY_PROGRAMS[key])


def test_an_uncaught_raise_is_the_program_s_error_at_its_line():
    with pytest.raises(explorer.ProgramError) as info:
        explorer.trace("x = 1\nraise ValueError('x must be positive')\n", sandbox=False)
    assert (info.value.kind, info.value.line, info.value.message) == ("runtime", 2, "ValueError: x must be positive")
    with pytest.raises(explorer.ProgramError, match="No active exception"):
        explorer.trace("raise\n", sandbox=False)


def test_limits_and_refusals_cannot_be_caught():
    """A limit ends the run whatever the program wrote: no except catches it and no finally runs after it."""
    with pytest.raises(explorer.ProgramError) as info:
        explorer.trace("try:\n    x = torch.zeros(10**6, 10**6)\nexcept Exception:\n    x = torch.ones(1)\n",
                       sandbox=False)
    assert info.value.kind == "limit"
    with pytest.raises(explorer.ProgramError) as info:
        explorer.trace("try:\n    y = torch.load('weights.pt')\nexcept:\n    y = 1\n", sandbox=False)
    assert info.value.kind == "not-allowed"
    with pytest.raises(explorer.ProgramError) as info:
        explorer.trace("n = 0\nwhile True:\n    try:\n        while True:\n            n = n + 1\n"
                       "    finally:\n        continue\n", sandbox=False, )
    assert info.value.kind == "limit"


def test_module_apply_visits_children_first_like_torch():
    source = ("import torch\nimport torch.nn as nn\norder = []\ndef visit(m):\n    order.append(type(m).__name__)\n"
              "    if isinstance(m, nn.Linear):\n        nn.init.constant_(m.weight, 0.5)\n"
              "net = nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.Tanh(), nn.Linear(3, 1)))\n"
              "same = net.apply(visit) is net\nprint(order, same)\nout = net(torch.ones(1, 2)).sum()\nout.backward()\n")
    tr = assert_same_as_plain(source)
    assert tr.stdout.startswith("['Linear', 'Tanh', 'Linear', 'Sequential', 'Sequential'] True")
