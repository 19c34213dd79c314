"""Tutorial Python that runs as learners paste it: imports, torch.manual_seed, str.format.

Each program is also run by plain Python + torch (our own trusted text), and the explorer must print the same
and reach the same numbers.
"""
from __future__ import annotations

import contextlib
import io

import pytest
import torch

import explorer


def run_plain(source: str) -> tuple[str, dict]:
    """The program in plain Python with torch, seeded as the explorer seeds every run (0)."""
    out = io.StringIO()
    ns: dict = {}
    with torch.random.fork_rng(devices=[]), contextlib.redirect_stdout(out):
        torch.manual_seed(0)
        exec(compile(source, "<tutorial>", "exec"), ns)  # noqa: S102 - our own test text, trusted
    return out.getvalue(), ns


def assert_same_as_plain(source: str) -> explorer.Trace:
    stdout, ns = run_plain(source)
    tr = explorer.trace(source, sandbox=False)
    assert tr.stdout == stdout
    for name, value in ns.items():
        if isinstance(value, torch.Tensor):
            assert torch.allclose(torch.tensor(tr.values[name]), value.detach().to(torch.float32)), name
            if value.is_leaf and value.grad is not None:
                assert torch.allclose(torch.tensor(tr.grads[name]), value.grad), name
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
