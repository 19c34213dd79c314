"""The autograd API tutorials show, each compared with plain torch: torch.autograd.functional (jacobian, hessian,
vjp, jvp, vhp, hvp), gradcheck / gradgradcheck, torch.set_grad_enabled / is_grad_enabled, a grad_fn's saved values
(`_saved_self`, ...), `import os`, DataLoader's collate_fn and the program's own `_private` attributes.

Each program runs twice, in plain Python + torch and through `explorer.trace`, with the same seed; the named
tensors' values and grads must agree. The attacks on this surface are in tests/test_escapes.py.
"""
from __future__ import annotations

import contextlib
import io
from typing import Any

import pytest
import torch

import explorer
from explorer.config import Limits
from explorer.errors import ProgramError

TOL = 1e-6


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """torch on one thread, as in a sandbox worker (on a busy machine torch's threads fight for the cores)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def plain(source: str) -> tuple[dict[str, Any], str]:
    """Run `source` in plain Python with torch, seeded as the explorer seeds a run: its names and what it printed."""
    ns: dict[str, Any] = {}
    out = io.StringIO()
    with torch.random.fork_rng(devices=[]), torch.enable_grad(), contextlib.redirect_stdout(out):
        torch.manual_seed(0)
        exec(compile(source, "<plain>", "exec"), ns)  # noqa: S102 - the test's own programs
    return ns, out.getvalue()


def as_tensor(value: Any) -> torch.Tensor:
    return torch.tensor(value, dtype=torch.float64)


def same(source: str, values: list[str], grads: list[str] = ()) -> explorer.Trace:
    """The explorer's values of `values` and grads of `grads` equal plain torch's; it printed the same."""
    ns, printed = plain(source)
    tr = explorer.trace(source, sandbox=False)
    assert tr.stdout == printed
    for name in values:
        want = ns[name].detach().to(torch.float64)
        assert name in tr.values, name
        got = as_tensor(tr.values[name])
        assert got.shape == want.shape, (name, got.shape, want.shape)
        assert torch.allclose(got, want, rtol=TOL, atol=TOL), (name, got, want)
    for name in grads:
        want = ns[name].grad.to(torch.float64)
        got = as_tensor(tr.grads[name])
        assert torch.allclose(got, want, rtol=TOL, atol=TOL), (name, got, want)
    return tr


def refused(source: str, **kw: Any) -> ProgramError:
    with pytest.raises(ProgramError) as info:
        explorer.trace(source, sandbox=False, **kw)
    return info.value


# --- torch.autograd.functional ----------------------------------------------------------------------------------

def test_jacobian_of_a_def_and_of_a_lambda():
    same("import torch\n"
         "def f(x):\n    return x.exp().sum(dim=1)\n"
         "x = torch.rand(2, 2)\n"
         "J = torch.autograd.functional.jacobian(f, x)\n"
         "K = torch.autograd.functional.jacobian(lambda v: v.sin() * 3, x[0])\n", ["J", "K"])


def test_jacobian_of_two_inputs_and_two_outputs():
    same("import torch\nfrom torch.autograd.functional import jacobian\n"
         "def f(x, y):\n    return 2 * x.exp() + 3 * y, x * y\n"
         "a, b = torch.rand(3), torch.rand(3)\n"
         "((Jaa, Jab), (Jba, Jbb)) = jacobian(f, (a, b))\n", ["Jaa", "Jab", "Jba", "Jbb"])


def test_jacobian_create_graph_is_differentiable():
    same("import torch\nfrom torch.autograd.functional import jacobian\n"
         "x = torch.rand(3, requires_grad=True)\n"
         "J = jacobian(lambda v: v.pow(3), x, create_graph=True)\n"
         "J.sum().backward()\n", ["J"], ["x"])


def test_jacobian_of_a_module_and_of_a_torch_function():
    same("import torch\nfrom torch import nn\n"
         "net = nn.Sequential(nn.Linear(3, 2), nn.Tanh())\n"
         "x = torch.rand(3)\n"
         "J = torch.autograd.functional.jacobian(net, x)\n"
         "S = torch.autograd.functional.jacobian(torch.sigmoid, x)\n", ["J", "S"])


def test_jacobian_strict_says_what_torch_says():
    source = ("import torch\nx = torch.rand(2)\n"
              "J = torch.autograd.functional.jacobian(lambda v: torch.ones(2), x, strict=True)\n")
    with pytest.raises(RuntimeError) as torch_error:
        plain(source)
    err = refused(source)
    assert err.kind == "runtime"
    assert str(torch_error.value).splitlines()[0][:60] in err.message


def test_hessian_with_and_without_create_graph():
    same("import torch\nfrom torch.autograd.functional import hessian\n"
         "def pow_reducer(x):\n    return x.pow(3).sum()\n"
         "x = torch.rand(2, 2, requires_grad=True)\n"
         "H = hessian(pow_reducer, x)\n"
         "G = hessian(pow_reducer, x, create_graph=True)\n"
         "G.sum().backward()\n"
         "a, b = torch.rand(2), torch.rand(2)\n"
         "((Haa, Hab), (Hba, Hbb)) = hessian(lambda u, v: (2 * u.pow(2) + 3 * v.pow(2) * u).sum(), (a, b))\n",
         ["H", "G", "Haa", "Hab", "Hba", "Hbb"], ["x"])


def test_vjp_jvp_vhp_hvp():
    same("import torch\nimport torch.autograd.functional as AF\n"
         "def f(x):\n    return x.exp() * x.sum()\n"
         "def s(x):\n    return (x.pow(3) * x.sin()).sum()\n"
         "x = torch.rand(3)\nv = torch.tensor([0.1, 1.0, 0.0001])\n"
         "out1, vjp1 = AF.vjp(f, x, v=v)\n"
         "out2, jvp2 = AF.jvp(f, x, v)\n"
         "out3, vhp3 = AF.vhp(s, x, v)\n"
         "out4, hvp4 = AF.hvp(s, x, v)\n"
         "out5, vjp5 = AF.vjp(s, x)\n",
         ["out1", "vjp1", "out2", "jvp2", "out3", "vhp3", "out4", "hvp4", "out5", "vjp5"])


def test_vjp_create_graph_is_differentiable():
    same("import torch\n"
         "x = torch.rand(3, requires_grad=True)\n"
         "out, g = torch.autograd.functional.vjp(lambda v: (v * v).sum(), x, create_graph=True)\n"
         "g.sum().backward()\n", ["out", "g"], ["x"])


def test_functional_checks_its_arguments():
    assert "needs a function" in refused("J = torch.autograd.functional.jacobian(3, torch.ones(2))\n").message
    assert "tuple of tensors" in refused("J = torch.autograd.functional.jacobian(torch.sin, [1.0])\n").message
    assert "True or False" in refused("J = torch.autograd.functional.jacobian(torch.sin, torch.ones(2), "
                                      "create_graph=1)\n").message
    assert refused("J = torch.autograd.functional.jacobian(torch.sin, torch.ones(2), vectorize=True)\n"
                   ).kind == "not-allowed"
    assert "hess" in refused("H = torch.autograd.functional.hessian(torch.sin)\n").message


def test_jacobian_size_is_checked_before_torch_runs_its_passes():
    err = refused("calls = []\n"
                  "def f(v):\n    calls.append(1)\n    return v.repeat(1000)\n"
                  "J = torch.autograd.functional.jacobian(f, torch.ones(10))\n")
    assert err.kind == "limit" and "backward passes" in err.message
    err = refused("H = torch.autograd.functional.hessian(lambda v: v.sum(), torch.ones(2001))\n")
    assert err.kind == "limit" and "2,001 × 2,001" in err.message


def test_the_run_time_limit_holds_inside_torchs_jacobian_passes():
    err = refused("W = torch.randn(4000, 900)\nx = torch.randn(900)\n"
                  "J = torch.autograd.functional.jacobian(lambda v: torch.tanh(W @ v), x)\n",
                  limits=Limits(time_seconds=0.3))
    assert err.kind == "limit" and "longer than" in err.message and err.line == 3


def test_an_error_in_the_function_points_into_it():
    err = refused("def f(x):\n    return x @ torch.ones(5)\n"
                  "J = torch.autograd.functional.jacobian(f, torch.ones(3))\n")
    assert err.kind == "runtime" and err.line == 2


# --- gradcheck -------------------------------------------------------------------------------------------------

def test_gradcheck_and_gradgradcheck_pass_on_float64():
    tr = same("import torch\n"
              "x = torch.randn(4, 3, dtype=torch.double, requires_grad=True)\n"
              "w = torch.randn(3, dtype=torch.double, requires_grad=True)\n"
              "print(torch.autograd.gradcheck(lambda a, b: (a * b).tanh(), (x, w)))\n"
              "print(torch.autograd.gradgradcheck(lambda a: a.pow(3).sum(), (x,)))\n"
              "print(torch.autograd.gradcheck(torch.sigmoid, x, eps=1e-6, atol=1e-4, fast_mode=True))\n", ["x"])
    assert tr.stdout == "True\nTrue\nTrue\n"


def test_gradcheck_of_the_docs_size_runs():
    """The docs' extending example checks a linear function of 20x20 and 30x20 float64 inputs (1,000 numbers)."""
    tr = same("import torch\nfrom torch.autograd import gradcheck\n"
              "def linear(a, w):\n    return a.mm(w.t())\n"
              "input = (torch.randn(20, 20, dtype=torch.double, requires_grad=True), "
              "torch.randn(30, 20, dtype=torch.double, requires_grad=True))\n"
              "test = gradcheck(linear, input, eps=1e-6, atol=1e-4)\nprint(test)\n", [])
    assert tr.stdout == "True\n"


def test_gradcheck_failure_returns_false_or_raises_torchs_message():
    source = ("import torch\nx = torch.randn(3, dtype=torch.double, requires_grad=True)\n"
              "ok = torch.autograd.gradcheck(torch.exp, (x,), eps=1e-3, atol=1e-12, rtol=1e-12, "
              "raise_exception=False)\nprint(ok)\n")
    _, printed = plain(source)
    assert printed == "False\n"
    assert explorer.trace(source, sandbox=False).stdout == printed
    raising = source.replace(", raise_exception=False", "")
    with pytest.raises(RuntimeError) as torch_error:
        plain(raising)
    err = refused(raising)
    assert err.kind == "runtime" and err.line == 3
    assert str(torch_error.value).strip().splitlines()[0] in err.message


def test_gradcheck_refuses_big_inputs_before_running():
    err = refused("calls = []\n"
                  "def f(a):\n    calls.append(1)\n    return a.sin()\n"
                  "ok = torch.autograd.gradcheck(f, (torch.ones(3000, dtype=torch.double, requires_grad=True),))\n")
    assert err.kind == "limit" and "2048" in err.message
    err = refused("x = torch.ones(1000, dtype=torch.double, requires_grad=True)\n"
                  "ok = torch.autograd.gradcheck(lambda v: v.repeat(5), (x,))\n")
    assert err.kind == "limit" and "1,000 × 5,000" in err.message


# --- set_grad_enabled ------------------------------------------------------------------------------------------

def test_set_grad_enabled_as_a_context_and_as_a_call():
    tr = same("import torch\nx = torch.tensor([1.], requires_grad=True)\n"
              "with torch.set_grad_enabled(False):\n    a = x * 2\n    print(torch.is_grad_enabled())\n"
              "print(a.requires_grad, torch.is_grad_enabled())\n"
              "_ = torch.set_grad_enabled(False)\nb = x * 2\nprint(b.requires_grad, torch.is_grad_enabled())\n"
              "with torch.set_grad_enabled(True):\n    c = x * 3\n"
              "print(c.requires_grad, torch.is_grad_enabled())\n"
              "torch.set_grad_enabled(True)\nd = (x * 4).sum()\nd.backward()\n", ["a", "b", "c", "d"], ["x"])
    assert tr.stdout == "False\nFalse True\nFalse False\nTrue False\n"


def test_set_grad_enabled_does_not_outlive_the_run():
    assert torch.is_grad_enabled()
    explorer.trace("_ = torch.set_grad_enabled(False)\nx = torch.ones(2, requires_grad=True) * 2\n", sandbox=False)
    assert torch.is_grad_enabled()
    assert "True or False" in refused("torch.set_grad_enabled('no')\n").message


# --- grad_fn._saved_* ------------------------------------------------------------------------------------------

def test_saved_values_are_torchs():
    tr = same("import torch\n"
              "x = torch.randn(5, requires_grad=True)\n"
              "y = x.pow(2)\n"
              "print(x.equal(y.grad_fn._saved_self), x is y.grad_fn._saved_self, y.grad_fn._saved_exponent)\n"
              "z = x.exp()\n"
              "r = z.grad_fn._saved_result\n"
              "print(z.equal(r), z is r)\n"
              "w = torch.randn(5, requires_grad=True)\n"
              "p = x * w\n"
              "o = p.grad_fn._saved_other\n"
              "print(p.grad_fn.name(), len(p.grad_fn.next_functions))\n"
              "s = x.sum(dim=0, keepdim=True)\n"
              "print(s.grad_fn._saved_self_sym_sizes, s.grad_fn._saved_dim, s.grad_fn._saved_keepdim)\n",
              ["r", "o"])
    assert tr.stdout.splitlines()[0] == "True True 2"


def test_saved_values_after_backward_freed_them_say_so():
    err = refused("x = torch.randn(2, requires_grad=True)\ny = x.exp()\ny.sum().backward()\n"
                  "r = y.grad_fn._saved_result\n")
    assert err.kind == "runtime" and err.line == 4 and "freed" in err.message


# --- import os -------------------------------------------------------------------------------------------------

def test_os_offers_an_empty_environment_and_path_join():
    tr = explorer.trace("import os\nfrom os import path\n"
                        "print(os.environ.get('FASHION_MNIST_ROOT'), os.environ.get('EPOCHS', '3'),\n"
                        "      os.getenv('X', 1))\n"
                        "print(os.path.join('data', 'train'), path.join('/tmp', 'a'))\n", sandbox=False)
    assert tr.stdout == "None 3 1\ndata/train /tmp/a\n"
    err = refused("import os\nos.remove('x')\n")
    assert err.kind == "not-allowed" and "`os.remove`" in err.message


# --- DataLoader: collate_fn, drop_last -------------------------------------------------------------------------

def test_collate_fn_and_drop_last_match_torch():
    same("import torch\nfrom torch.utils.data import TensorDataset, DataLoader\n"
         "x = torch.arange(10.).reshape(5, 2)\ny = torch.arange(5.)\n"
         "def collate(items):\n"
         "    xs = torch.stack([a for a, b in items])\n"
         "    ys = torch.stack([b for a, b in items])\n"
         "    return xs * 2, ys + 1\n"
         "w = torch.ones(2, requires_grad=True)\n"
         "loader = DataLoader(TensorDataset(x, y), batch_size=2, collate_fn=collate, drop_last=True)\n"
         "n = 0\n"
         "for xb, yb in loader:\n"
         "    n += 1\n"
         "    loss = ((xb @ w - yb) ** 2).mean()\n"
         "    loss.backward()\n"
         "print(n, len(loader))\n"
         "shuffled = DataLoader(TensorDataset(x, y), batch_size=3, shuffle=True, collate_fn=lambda b: b)\n"
         "first = next(iter(shuffled))\n"
         "f0 = first[0][0]\n", ["loss", "f0"], ["w"])


# --- the program's own _private attributes ---------------------------------------------------------------------

def test_private_attributes_of_the_programs_classes():
    tr = same("import torch\nfrom torch import nn\n"
              "class Net(nn.Module):\n"
              "    def __init__(self):\n"
              "        super().__init__()\n"
              "        self._hidden = 3\n"
              "        self._fc = nn.Linear(2, self._hidden)\n"
              "        self.out = nn.Linear(self._hidden, 1)\n"
              "    def _body(self, x):\n"
              "        return torch.relu(self._fc(x))\n"
              "    def forward(self, x):\n"
              "        return self.out(self._body(x))\n"
              "class Counter:\n"
              "    _made = 0\n"
              "    def __init__(self):\n"
              "        self._count = 0\n"
              "    def _tick(self):\n"
              "        self._count += 1\n"
              "        return self._count\n"
              "net = Net()\nc = Counter()\nc._tick()\nc._tick()\n"
              "print(c._count, Counter._made, [n for n, p in net.named_parameters()])\n"
              "loss = net(torch.ones(4, 2)).sum()\nloss.backward()\n", ["loss"],
              )
    assert tr.stdout.startswith("2 0 ['_fc.weight', '_fc.bias', 'out.weight', 'out.bias']")
    assert "net._fc.weight" in tr.grads


def test_private_attributes_of_torch_objects_stay_refused():
    for source in ("x = torch.ones(2)\nv = x._version\n", "c = torch._C\n",
                   "net = nn.Linear(2, 2)\nm = net._parameters\n"):
        err = refused(source)
        assert err.kind == "not-allowed" and "private" in err.message, source

