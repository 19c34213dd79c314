"""A run frees itself: nothing of it waits for Python's cyclic collector (which costs time in a notebook or
the server, and memory until it runs)."""
from __future__ import annotations

import gc

import pytest

import explorer
from explorer.errors import ProgramError

PROGRAMS = {
    "function and optimizer": (
        "def loss_of(w):\n"
        "    return ((w - 1) ** 2).sum()\n"
        "w = torch.zeros(3, requires_grad=True)\n"
        "opt = torch.optim.SGD([w], lr=0.1)\n"
        "for i in range(4):\n"
        "    opt.zero_grad()\n"
        "    loss = loss_of(w)\n"
        "    loss.backward()\n"
        "    opt.step()\n"
    ),
    "grad with create_graph": (
        "x = torch.tensor(2.0, requires_grad=True)\n"
        "y = x ** 3\n"
        "g, = torch.autograd.grad(y, x, create_graph=True)\n"
        "g.backward()\n"
    ),
    # (an undefined name would not do: it becomes an input of the program)
    "an error half way": "x = torch.ones(2, requires_grad=True)\ny = (x * 2).sum()\nz = y + 'text'\n",
    # recorded lightly, then again in full: the total carries every iteration's graph to the end
    "a loop recorded twice": (
        "w = torch.tensor(1.0, requires_grad=True)\n"
        "total = torch.tensor(0.0)\n"
        "for i in range(8):\n"
        "    loss = (w * i) ** 2\n"
        "    loss.backward()\n"
        "    total = total + loss\n"
    ),
    # classes: a method holds its class (for super()), a module of the program holds the interpreter
    "classes and modules": (
        "class Base:\n    def __init__(self, k):\n        self.k = k\n"
        "class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.fc = nn.Linear(2, 1)\n        self.helper = Base(2)\n"
        "    def forward(self, x):\n        return self.fc(x) * self.helper.k\n"
        "net = Net()\nopt = torch.optim.SGD(net.parameters(), lr=0.1)\n"
        "for i in range(3):\n    opt.zero_grad()\n    loss = net(torch.ones(3, 2)).sum()\n"
        "    loss.backward()\n    opt.step()\n"
    ),
    # the second pass fails inside torch, with the graph's nodes hooked by the first
    "an error in a backward pass": (
        "x = torch.ones(2, requires_grad=True)\ny = (x * 2).sum()\ny.backward()\ny.backward()\n"
    ),
}


def _collect_all() -> None:
    """Collect until nothing more is found. One collection is not always enough for what earlier tests left: a
    tensor whose C++ side holds a program's hook (a lambda, its closure, an interpreter) lets go of it only when
    the tensor is collected, and those objects are found by the next collection (seen after a test whose hook
    raised inside backward)."""
    for _ in range(10):
        if gc.collect() == 0:
            return


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_a_run_leaves_no_reference_cycles(name):
    source = PROGRAMS[name]
    for _ in range(2):  # torch sets itself up the first time (an optimizer's first use makes new types)
        try:
            explorer.trace(source, sandbox=False)
        except ProgramError:
            pass
    _collect_all()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        try:
            explorer.trace(source, sandbox=False)
            failed = False
        except ProgramError:
            failed = True
        assert failed == name.startswith("an error")
        gc.collect()
        kinds = sorted({type(o).__name__ for o in gc.garbage})
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert kinds == [], f"left for the cyclic collector: {kinds}"


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_a_run_frees_its_recorder(name, monkeypatch):
    """Hooks on autograd nodes are held by torch's C++ side, where the cyclic collector cannot see them: a hook
    left behind would keep the recorder (and every tensor of the run) alive for good."""
    import weakref

    import explorer.recording.run

    made = []

    class Watched(explorer.recording.run.Recorder):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(weakref.ref(self))

    monkeypatch.setattr(explorer.recording.run, "Recorder", Watched)
    try:
        explorer.trace(PROGRAMS[name], sandbox=False)
    except ProgramError:
        assert name.startswith("an error")
    gc.collect()
    assert len(made) == (2 if name == "a loop recorded twice" else 1)
    assert all(r() is None for r in made), "a recorder of the run is still alive after the run"
