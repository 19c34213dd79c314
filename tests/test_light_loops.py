"""Light loop iterations: the early iterations of a training loop are counted, not recorded, because only the
last passes are shown. The trace must be exactly the one a full recording gives, whatever the program does
with what those iterations made: when they matter after all, the run is made again in full."""
from __future__ import annotations

import json

import pytest

import explorer.recording.run
from explorer.errors import ProgramError
from explorer.examples import EXAMPLES

EXAMPLE = {e.key: e for e in EXAMPLES}

PROGRAMS = {
    "sgd": EXAMPLE["sgd"].source,
    "adam": EXAMPLE["himmelblau-adam"].source,
    "losses kept in a list": (
        "w = torch.tensor([1.0, -1.0], requires_grad=True)\n"
        "losses = []\n"
        "for i in range(8):\n"
        "    loss = (w * w).sum() * (i + 1)\n"
        "    loss.backward()\n"
        "    losses.append(loss)\n"
        "total = losses[0] + losses[-1]\n"
    ),
    "a sum carried across iterations": (
        "x = torch.tensor(2.0, requires_grad=True)\n"
        "acc = torch.tensor(0.0)\n"
        "for i in range(7):\n"
        "    y = x * i\n"
        "    y.backward()\n"
        "    acc = acc + y\n"
    ),
    "a new leaf every iteration": (
        "for i in range(9):\n"
        "    w = torch.ones(2, requires_grad=True) * 1.0\n"
        "    v = torch.full((2,), float(i), requires_grad=True)\n"
        "    (v * v).sum().backward()\n"
    ),
    "leaves made in light iterations": (
        "x = torch.tensor(1.0, requires_grad=True)\n"
        "for i in range(8):\n"
        "    spare = torch.zeros(2, requires_grad=True)\n"
        "    (x * i).backward()\n"
        "    x.backward()\n"
    ),
    "a loop that may break": (
        "x = torch.tensor(1.0, requires_grad=True)\n"
        "for i in range(10):\n"
        "    y = x ** 2\n"
        "    y.backward()\n"
        "    if i == 6:\n"
        "        break\n"
    ),
    "a list the loop shortens": (
        "x = torch.tensor(1.0, requires_grad=True)\n"
        "xs = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n"
        "for a in xs:\n"
        "    xs.pop()\n"
        "    (x * a).backward()\n"
    ),
    "nested loops": (
        "w = torch.tensor([0.5, 1.5], requires_grad=True)\n"
        "for epoch in range(3):\n"
        "    for i in range(6):\n"
        "        loss = ((w - i) ** 2).mean()\n"
        "        loss.backward()\n"
        "    w.grad.zero_()\n"
    ),
    "a loop inside a function": (
        "def train(w, steps):\n"
        "    for i in range(steps):\n"
        "        loss = (w * 3 - 1) ** 2\n"
        "        loss.backward()\n"
        "    return loss\n"
        "w = torch.tensor(0.0, requires_grad=True)\n"
        "last = train(w, 12)\n"
    ),
    "create_graph in the loop": (
        "x = torch.tensor(1.5, requires_grad=True)\n"
        "for i in range(6):\n"
        "    y = x ** 3\n"
        "    g, = torch.autograd.grad(y, x, create_graph=True)\n"
        "    g.backward()\n"
    ),
    "a graph made before the loop, kept": (
        "w = torch.tensor([1.0, 2.0], requires_grad=True)\n"
        "h = w * 2\n"
        "for i in range(8):\n"
        "    (h * i).sum().backward(retain_graph=True)\n"
    ),
    "a graph made before the loop, used early only": (
        "w = torch.tensor([1.0, 2.0], requires_grad=True)\n"
        "h = w * 2\n"
        "for i in range(8):\n"
        "    (h * i).sum().backward(retain_graph=True) if False else (w * i).sum().backward()\n"
        "    h.sum().backward(retain_graph=True)\n"
    ),
    "light iterations whose passes build graphs": (
        "x = torch.tensor(1.5, requires_grad=True)\n"
        "y = x ** 3\n"
        "acc = x * 0\n"
        "for i in range(8):\n"
        "    acc = acc + x\n"
        "    g, = torch.autograd.grad(y, x, create_graph=True, retain_graph=True)\n"
        "z = g * acc\n"
    ),
    "a shown node reached only by a light pass": (
        "w = torch.tensor([1.0, 2.0], requires_grad=True)\n"
        "h = w * 2\n"
        "for i in range(8):\n"
        "    (w * i).sum().backward()\n"
        "    if i == 0:\n"
        "        h.sum().backward(retain_graph=True)\n"
    ),
    "manual sgd with .data": (
        "w = torch.tensor([0.0, 0.0], requires_grad=True)\n"
        "for i in range(10):\n"
        "    loss = ((w - torch.tensor([1.0, 2.0])) ** 2).sum()\n"
        "    loss.backward()\n"
        "    w.data -= 0.1 * w.grad\n"
        "    w.grad.zero_()\n"
    ),
    "a light graph differentiated later": (
        "x = torch.tensor(1.0, requires_grad=True)\n"
        "ys = []\n"
        "for i in range(8):\n"
        "    y = x * (i + 1)\n"
        "    y.backward(retain_graph=True)\n"
        "    ys.append(y)\n"
        "ys[0].backward()\n"
    ),
    "a constant that becomes a leaf": (
        "x = torch.tensor([1.0, 2.0], requires_grad=True)\n"
        "ds = []\n"
        "for i in range(8):\n"
        "    d = torch.ones(2) * i\n"
        "    ds.append(d)\n"
        "    (x * d).sum().backward()\n"
        "e = ds[0]\n"
        "e.requires_grad_()\n"
        "(x * e).sum().backward()\n"
    ),
    "loop over tensor rows": (
        "W = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)\n"
        "for row in torch.arange(12.0).reshape(6, 2):\n"
        "    out = (W @ row).sum()\n"
        "    out.backward()\n"
    ),
    "a module class trained in a loop": (
        "class Net(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.fc1 = nn.Linear(3, 4)\n"
        "        self.fc2 = nn.Linear(4, 1)\n"
        "    def forward(self, x):\n"
        "        return self.fc2(torch.tanh(self.fc1(x)))\n"
        "net = Net()\n"
        "opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)\n"
        "x = torch.randn(5, 3)\n"
        "for i in range(12):\n"
        "    opt.zero_grad()\n"
        "    loss = (net(x) ** 2).mean()\n"
        "    loss.backward()\n"
        "    opt.step()\n"
    ),
    "a sequential with adam and dropout": (
        "model = nn.Sequential(nn.Linear(2, 3), nn.Dropout(0.5), nn.ReLU(), nn.Linear(3, 1))\n"
        "opt = torch.optim.Adam(model.parameters(), lr=0.01)\n"
        "loss_fn = nn.MSELoss()\n"
        "x = torch.randn(4, 2)\n"
        "for i in range(10):\n"
        "    opt.zero_grad()\n"
        "    loss = loss_fn(model(x), torch.ones(4, 1))\n"
        "    loss.backward()\n"
        "    opt.step()\n"
    ),
    "a loader's batches": (
        "loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.randn(12, 2), torch.randn(12)),\n"
        "                                     batch_size=2, shuffle=True)\n"
        "model = nn.Linear(2, 1)\n"
        "opt = torch.optim.SGD(model.parameters(), lr=0.1)\n"
        "for xb, yb in loader:\n"
        "    opt.zero_grad()\n"
        "    loss = F.mse_loss(model(xb).squeeze(1), yb)\n"
        "    loss.backward()\n"
        "    opt.step()\n"
    ),
    "data made before the loop, changed in place": (
        "w = torch.tensor([0.5, -0.5], requires_grad=True)\n"
        "x = torch.tensor([1.0, 2.0])\n"
        "y = torch.tensor(3.0)\n"
        "for i in range(9):\n"
        "    loss = ((w * x).sum() - y) ** 2\n"
        "    loss.backward()\n"
        "    with torch.no_grad():\n"
        "        w -= 0.01 * w.grad\n"
        "        x.mul_(1.1)\n"
        "    w.grad.zero_()\n"
    ),
    "two passes per iteration": (
        "a = torch.tensor(1.0, requires_grad=True)\n"
        "b = torch.tensor(2.0, requires_grad=True)\n"
        "for i in range(5):\n"
        "    (a * b).backward()\n"
        "    torch.autograd.backward([a * i])\n"
    ),
}


class _Counting(explorer.recording.run.Recorder):
    made: list = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _Counting.made.append(self)


def _trace(source: str, light: bool, monkeypatch, limits=None) -> tuple[str, list]:
    monkeypatch.setattr(explorer.recording.run, "LIGHT_LOOPS", light)
    monkeypatch.setattr(explorer.recording.run, "Recorder", _Counting)
    _Counting.made = []
    try:
        out = explorer.recording.run.trace_in_process(source, limits=limits).to_dict()
    except ProgramError as e:
        out = {"error": e.to_dict()}
    return json.dumps(out, sort_keys=True), list(_Counting.made)


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_light_iterations_give_the_full_trace(name, monkeypatch):
    full, _ = _trace(PROGRAMS[name], False, monkeypatch)
    light, recorders = _trace(PROGRAMS[name], True, monkeypatch)
    assert light == full


@pytest.mark.parametrize("name", ["sgd", "adam", "nested loops", "a loop inside a function", "loop over tensor rows",
                                  "two passes per iteration", "manual sgd with .data",
                                  "a module class trained in a loop", "a sequential with adam and dropout",
                                  "data made before the loop, changed in place", "a constant that becomes a leaf",
                                  "a loader's batches"])
def test_training_loops_are_recorded_lightly_once(name, monkeypatch):
    _, recorders = _trace(PROGRAMS[name], True, monkeypatch)
    assert len(recorders) == 1, "the run was made twice"
    assert recorders[0].light_passes > 0


@pytest.mark.parametrize("name", ["losses kept in a list", "a sum carried across iterations",
                                  "a new leaf every iteration", "a light graph differentiated later",
                                  "a shown node reached only by a light pass"])
def test_light_iterations_that_matter_make_the_run_again(name, monkeypatch):
    _, recorders = _trace(PROGRAMS[name], True, monkeypatch)
    assert len(recorders) == 2 and recorders[0].light_passes > 0 and recorders[1].light_passes == 0


@pytest.mark.parametrize("name", ["a loop that may break", "a list the loop shortens", "create_graph in the loop"])
def test_loops_that_may_end_early_or_build_graphs_are_recorded_fully(name, monkeypatch):
    _, recorders = _trace(PROGRAMS[name], True, monkeypatch)
    assert recorders[-1].light_passes == 0
    assert sum(r.light_passes for r in recorders[:-1]) == 0 or name == "create_graph in the loop"


def test_the_node_limit_counts_light_nodes(monkeypatch):
    source = PROGRAMS["sgd"]
    full, _ = _trace(source, False, monkeypatch, limits={"max_ops": 900})
    light, _ = _trace(source, True, monkeypatch, limits={"max_ops": 900})
    assert '"kind": "limit"' in full and "900 graph nodes" in full
    assert light == full


def test_certain_passes_reads_the_loop_body():
    import ast

    from explorer.language.interpreter import certain_passes

    def body(src):
        return ast.parse(src).body[0].body

    assert certain_passes(body("for i in r:\n    y.backward()\n    opt.step()\n")) == 1
    assert certain_passes(body("for i in r:\n    g, = torch.autograd.grad(y, x)\n    y.backward()\n")) == 2
    assert certain_passes(body("for i in r:\n    if i:\n        y.backward()\n")) == 0
    assert certain_passes(body("for i in r:\n    y.backward()\n    if i:\n        continue\n")) == 0
    assert certain_passes(body("for i in r:\n    y = z.backward\n")) == 0
    assert certain_passes(body("for i in r:\n    f(y.backward())\n")) == 0


# --- random loops: light and full recording must always agree ----------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_BACKWARD_LINES = [
    "((w - i) ** 2).sum().backward()",
    "(h * i).sum().backward(retain_graph=True)",
    "torch.autograd.backward([(w * w).sum()])",
    "g, = torch.autograd.grad((w ** 3).sum(), w)",
    "loss = torch.sigmoid(w @ w + i)\n    loss.backward()",
]
_OTHER_LINES = [
    "keep.append(w * i)",
    "keep.append(h + i)",
    "acc = acc + (w * i).sum()",
    "acc = acc + float(i)",
    "v = torch.ones(2, requires_grad=True) * i",
    "u = torch.full((2,), float(i), requires_grad=True)",
    "if i == 1:\n        h.sum().backward(retain_graph=True)",
    "if w.grad is not None:\n        w.grad.zero_()",
    "w.data -= 0.01 * torch.ones(2)",
    "opt.step()",
    "opt.zero_grad()",
    "c = torch.ones(2) * i",
    "keep.append(c)",
    "print(i, acc)",
]
_AFTER_LINES = [
    "z = acc * 2",
    "if keep:\n    keep[0].sum().backward()",
    "last = keep[-1] if keep else w",
    "(w * 3).sum().backward()",
    "total = sum(keep) if keep else acc",
]


@st.composite
def loop_programs(draw) -> str:
    body = draw(st.lists(st.sampled_from(_OTHER_LINES), max_size=4))
    for line in draw(st.lists(st.sampled_from(_BACKWARD_LINES), min_size=1, max_size=2)):
        body.insert(draw(st.integers(0, len(body))), line)
    after = draw(st.lists(st.sampled_from(_AFTER_LINES), max_size=2))
    n = draw(st.integers(0, 9) | st.integers(5, 9))
    return (
        "w = torch.tensor([0.5, -1.0], requires_grad=True)\n"
        "h = w * 2\n"
        "keep = []\n"
        "acc = torch.tensor(0.0)\n"
        "opt = torch.optim.SGD([w], lr=0.1)\n"
        f"for i in range({n}):\n"
        + "".join(f"    {line}\n" for line in body)
        + "".join(f"{line}\n" for line in after)
    )


@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(source=loop_programs())
def test_random_loops_give_the_full_trace(source, monkeypatch):
    full, _ = _trace(source, False, monkeypatch)
    light, _ = _trace(source, True, monkeypatch)
    assert light == full, source


def test_the_first_attempt_is_freed_before_the_second_begins(monkeypatch):
    """A run made again must not hold the first attempt's tensors meanwhile (twice the memory)."""
    import gc
    import weakref

    alive_at_second: list[bool] = []
    first: list[weakref.ref] = []

    class Watched(explorer.recording.run.Recorder):
        def __init__(self, *args, **kwargs):
            if first:
                gc.collect()
                alive_at_second.append(first[0]() is not None)
            super().__init__(*args, **kwargs)
            first.append(weakref.ref(self))

    monkeypatch.setattr(explorer.recording.run, "Recorder", Watched)
    explorer.recording.run.trace_in_process(PROGRAMS["a sum carried across iterations"])
    assert alive_at_second == [False]
