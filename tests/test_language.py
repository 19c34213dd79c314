"""What the explorer accepts runs like Python and torch.

Every expected value here comes from running the same text in real Python + torch (trusted test text, so
the test side may use exec; the explorer side never does), never from the explorer's own output.
"""
from __future__ import annotations

import contextlib
import io
import math

import pytest
import torch
import torch.nn.functional as F

import explorer
from explorer.config import DEFAULT_INPUT_VALUES, DEFAULT_SEED
from explorer.errors import ProgramError


def run(source: str, **kw) -> explorer.Trace:
    return explorer.trace(source, sandbox=False, **kw)


def error_of(source: str, **kw) -> ProgramError:
    with pytest.raises(ProgramError) as info:
        run(source, **kw)
    return info.value


def python(source: str, seed: int = DEFAULT_SEED) -> tuple[str, dict]:
    """Run trusted test text in plain Python + torch: its stdout and its variables."""
    ns = {"torch": torch, "F": F, "math": math}
    out = io.StringIO()
    with torch.random.fork_rng(devices=[]), contextlib.redirect_stdout(out):
        torch.manual_seed(seed)
        exec(source, ns)  # noqa: S102 - the oracle side: our own test text, never user input
    return out.getvalue(), ns


def plain(value):
    return value.detach().tolist() if isinstance(value, torch.Tensor) else value


def close(a, b, tol: float = 1e-6) -> bool:
    """Nested lists of numbers equal within `tol` (NaN equal to NaN)."""
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(close(x, y, tol) for x, y in zip(a, b))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=tol, abs_tol=tol)
    return a == b


def assert_like_python(source: str) -> explorer.Trace:
    """Same printed text as Python, and the same value for every tensor variable."""
    expected_out, ns = python(source)
    tr = run(source)
    assert tr.stdout == expected_out
    for name, v in ns.items():
        if isinstance(v, torch.Tensor):
            assert close(tr.values[name], plain(v)), (name, tr.values[name], plain(v))
    return tr


# --- programs whose printed output must be Python's, character for character --------------------------------

PROGRAMS = {
    "tuple-unpacking": """
a, b = 1, 2
(c, d), e = (3, 4), 5
a, b = b, a
x, y = torch.tensor([1.0, 2.0])
print(a, b, c, d, e, x, y)
""",
    "starred-unpacking": """
first, *rest = [1, 2, 3, 4]
*init, last = "abc"
h, *m, t = (1, 2, 3, 4, 5)
p, *q = [9]
print(first, rest, init, last, h, m, t, p, q)
""",
    "augassign-numbers": """
n = 5
n += 2
n -= 1
n *= 3
n /= 4
k = 17
k //= 3
k %= 4
k **= 3
print(n, k)
""",
    "augassign-lists-in-place": """
l = [1]
alias = l
l += [2, 3]
l *= 2
t = (1, 2)
u = t
u += (3,)
print(l, alias, l is alias, t, u)
""",
    "augassign-tensor-in-place": """
x = torch.ones(3)
alias = x
x += 1
x -= 0.5
x *= 4
x /= 2
print(x, alias, x is alias)
""",
    "augassign-matmul": """
a = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
a @= a
print(a)
""",
    "arithmetic-ints-floats": """
print(7 + 2, 7 - 2, 7 * 2, 7 / 2, 7 // 2, 7 % 3, -7 // 2, -7 % 3, 7 // -2, 2 ** 10, 2 ** -1)
print(7.5 // 2, 7.5 % 2, -7.5 % 2, -(3), -3.5, +4, ~5, -2 ** 2, (-2) ** 2, 2 ** 3 ** 2)
print(5 & 3, 5 | 3, 5 ^ 3, 1 << 4, 256 >> 2, True + True, 10 ** -2)
""",
    "arithmetic-tensors": """
a = torch.tensor([[1.0, -2.0], [3.0, 4.5]])
b = torch.tensor([[5.0, 6.0], [-7.0, 8.0]])
print(a + b, a - b, a * b, a / b, a // 3, a % 3, a ** 2, 2 ** a, a @ b, -a, +a)
print(a + 1, 1 - a, 3 * a, 1 / b, a @ b[0], torch.tensor(7) // 2, torch.tensor(-7) % 3)
""",
    "chained-comparisons": """
print(1 < 2 < 3, 1 < 3 < 2, 1 == 1.0 != 2, 3 > 2 >= 2 > 1, 1 < 2 > 0 == 0, 'a' < 'b' <= 'b')
x = torch.tensor(2.0)
print(0 < x < 3, 0 < x < 1)
""",
    "and-or-return-operands": """
print(0 or 5, 3 and 4, [] or 'x', None and 1, 0 and 1 / 0, 1 or 1 / 0, '' or 0 or None, 1 and 2 and 3)
print(not 0, not [1], (0 or []) is not None)
""",
    "comprehensions": """
sq = [i * i for i in range(6) if i % 2 == 0]
d = {k: k * 2 for k in range(3)}
nested = [(i, j) for i in range(3) for j in range(i) if j != 1]
s = sum(x * x for x in range(10))
total = sum([v for v in [1.5, 2.5]])
m = max(len(w) for w in ['a', 'abc', 'ab'])
t = sum(torch.tensor([1.0, 2.0]) * k for k in range(3))
i = 100
leak = [i for i in range(2)]
print(sq, d, nested, s, total, m, t, i)
""",
    "functions": """
def fact(n):
    if n <= 1:
        return 1
    return n * fact(n - 1)

def outer(a, b=10, *, c=5):
    def inner(x, y=2):
        return x * y + a
    return inner(b, y=c)

def no_return():
    pass

def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)

print(fact(10), fact(0), outer(1), outer(1, 2), outer(1, c=3), outer(a=2, b=3, c=4), no_return(), fib(12))
""",
    "closures-read-enclosing": """
scale = 10
def f(v):
    return v * scale
scale = 20
def g(v, acc=[]):
    acc.append(v)
    return len(acc)
print(f(2), g(1), g(2), g(3))
""",
    "while-break-continue": """
i = 0
out = []
while True:
    i += 1
    if i % 2 == 0:
        continue
    if i > 9:
        break
    out.append(i)
n = 0
while n < 3:
    n += 1
else:
    out.append('while-else')
print(out, i, n)
""",
    "for-else": """
found = []
for k in [1, 2, 3]:
    pass
else:
    found.append('else-ran')
for k in [1, 2, 3]:
    if k == 2:
        break
else:
    found.append('never')
for k in []:
    found.append('no')
else:
    found.append('empty-else')
print(found, k)
""",
    "enumerate-zip": """
for i, (a, b) in enumerate(zip([1, 2, 3], 'abc')):
    print(i, a, b)
print(list(enumerate('xy', 1)), list(zip([1, 2, 3], (4, 5))), dict(zip('ab', [1, 2])))
for j, row in enumerate(torch.tensor([[1.0, 2.0], [3.0, 4.0]])):
    print(j, row)
""",
    "slicing-lists": """
l = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
s = 'abcdef'
print(l[2:5], l[::-2], l[-3:], l[1:8:3], l[:], l[100:], l[-100:2], s[1:-1], s[::-1], (1, 2, 3)[1:])
""",
    "slicing-tensors": """
t = torch.arange(10.0)
m = torch.arange(12.0).reshape(3, 4)
print(t[2:5], t[::2], t[-3:], m[1:, ::2], m[:, 1], m[-1], m[..., 0], m[None, 0].shape, m[m > 5], m[0, 1])
""",
    "f-strings": """
loss = torch.tensor(0.123456789)
name = 'w'
print(f'loss={loss.item():.4f} {name!r} {3:>5} {2.5:e} {"s"!r:>6} {1000000:,} {0.25:.1%} {[1, 2]} {loss}')
""",
    "print-forms": """
print()
print(1, 'a', None, True, 2.5, [1, (2, 3)], {'k': 1})
print('a', 'b', sep='-', end='!\\n')
print(torch.ones(2, 2), torch.tensor(3.0, requires_grad=True))
""",
    "strings-dicts-lists": """
d = {'a': 1}
d['b'] = 2
print(d.get('c', 3), list(d.items()), sorted(d.keys()), d, len(d), 'a' in d)
s = 'Hello World'
print(s.upper(), s.split(), '-'.join(['a', 'b']), s.find('W'), s.startswith('He'), s.lower().count('l'))
l = [3, 1, 2]
l.append(4)
l.sort()
l.insert(0, 0)
v = l.pop()
del l[0]
print(l, v, sorted([3, 1, 2], reverse=True), list(reversed(l)), any([0, 1]), all([1, 0]), min(l), max(4, 7))
print(abs(-3), round(3.14159, 2), round(2.5), float('1.5'), int(3.9), bool(0), str(12), tuple([1, 2]))
""",
    "float64": """
x = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
y = (x * x / 3).sum()
y.backward()
print(x.dtype, y.dtype, (x * 2).dtype, x.grad, x.grad.dtype, torch.ones(2, dtype=torch.float64) + 1)
""",
    "randn": """
a = torch.randn(3)
b = torch.randn(2, 2)
c = torch.rand(2)
print(a, b, c, torch.randint(0, 10, (4,)))
""",
    "no-grad-update": """
w = torch.tensor([1.0, -2.0], requires_grad=True)
lr = 0.1
for step in range(3):
    loss = (w * w).sum()
    loss.backward()
    with torch.no_grad():
        w -= lr * w.grad
    w.grad.zero_()
print(w, w.requires_grad, w.is_leaf, loss)
""",
    "autograd-basics": """
x = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
y = x + 2
z = y * y * 2
out = z.mean()
out.backward()
print(x.grad, y.grad_fn.name(), out.item())
g = torch.tensor(2.0, requires_grad=True)
h = g ** 3
d1, = torch.autograd.grad(h, g, create_graph=True)
d2, = torch.autograd.grad(d1, g)
print(d1, d2)
""",
    "optimizer": """
x = torch.tensor([1.0, -2.0], requires_grad=True)
opt = torch.optim.SGD([x], lr=0.1)
for i in range(3):
    opt.zero_grad()
    loss = (x ** 2).sum()
    loss.backward()
    opt.step()
print(x)
""",
}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_runs_like_python(name):
    assert_like_python(PROGRAMS[name])


def test_tensor_augassign_changes_the_same_object():
    tr = run("x = torch.ones(3)\ny = x\nx += 1\nx *= 3\n")
    x = torch.ones(3)
    y = x
    x += 1
    x *= 3
    assert tr.values["x"] == x.tolist() == y.tolist()
    assert tr.values["y"] == y.tolist()


def test_inplace_on_leaf_requiring_grad_is_torchs_runtime_error():
    src = "x = torch.ones(3, requires_grad=True)\nx += 1\n"
    try:
        x = torch.ones(3, requires_grad=True)
        x += 1
    except RuntimeError as e:
        torch_message = str(e).splitlines()[0]
    else:  # pragma: no cover
        pytest.fail("torch accepted an in-place op on a leaf")
    err = error_of(src)
    assert err.kind == "runtime"
    assert err.line == 2
    assert err.message == torch_message
    assert "torch.no_grad" in (err.hint or "")


def test_no_grad_update_matches_torch_grads():
    src = PROGRAMS["no-grad-update"]
    _, ns = python(src)
    tr = run(src)
    assert tr.values["w"] == pytest.approx(ns["w"].tolist())
    assert tr.grads["w"] == pytest.approx(ns["w"].grad.tolist())


def test_float64_kept():
    tr = run("x = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)\ny = (x * x).sum()\n")
    assert {n.dtype for n in tr.nodes.values() if n.kind != "constant"} == {"float64"}
    x = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    (x * x).sum().backward()
    assert tr.grads["x"] == x.grad.tolist()


def test_randn_is_deterministic_per_seed():
    src = "a = torch.randn(5)\nb = torch.rand(2, 2)\n"
    first = run(src)
    again = run(src)
    other = run(src, seed=1)
    assert first.values == again.values
    assert first.values["a"] != other.values["a"]
    for seed, tr in ((DEFAULT_SEED, first), (1, other)):
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            a = torch.randn(5)
            b = torch.rand(2, 2)
        assert tr.values["a"] == a.tolist()
        assert tr.values["b"] == b.tolist()


def test_free_names_become_inputs_with_defaults():
    tr = run("z = y * y * 2\nw = z + q\n")
    y0, q0 = DEFAULT_INPUT_VALUES[0], DEFAULT_INPUT_VALUES[1]
    assert tr.inputs == {"y": y0, "q": q0}
    y = torch.tensor(y0, requires_grad=True)
    q = torch.tensor(q0, requires_grad=True)
    w = y * y * 2 + q
    w.backward()
    assert tr.values["w"] == pytest.approx(w.item())
    assert tr.grads["y"] == pytest.approx(y.grad.item())
    assert tr.grads["q"] == pytest.approx(q.grad.item())


def test_an_input_the_program_does_not_use_is_refused_or_dropped():
    with pytest.raises(ProgramError, match="does not leave free"):
        run("z = y * y * 2\n", inputs={"y": 3.0, "gone": 1.0})
    tr = run("z = y * y * 2\n", inputs={"y": 3.0, "gone": 1.0}, drop_unused_inputs=True)
    assert tr.inputs == {"y": 3.0} and tr.grads["y"] == pytest.approx(12.0)


def test_inputs_override_and_list_value():
    tr = run("z = y * y * 2\n", inputs={"y": 3.5})
    assert tr.inputs == {"y": 3.5}
    assert tr.values["z"] == pytest.approx(3.5 * 3.5 * 2)
    assert tr.grads["y"] == pytest.approx(4 * 3.5)
    tr = run("z = (y * y).sum()\n", inputs={"y": [1.0, 2.0, -3.0]})
    y = torch.tensor([1.0, 2.0, -3.0], requires_grad=True)
    (y * y).sum().backward()
    assert tr.inputs == {"y": [1.0, 2.0, -3.0]}
    assert tr.grads["y"] == y.grad.tolist()


def test_inputs_for_a_name_that_is_not_free_is_an_error():
    err = error_of("y = 1.0\nz = y * 2\n", inputs={"y": 3.0})
    assert err.kind == "runtime"
    assert "y" in err.message


def test_lone_expression_becomes_out():
    tr = run("x = torch.tensor(2.0, requires_grad=True)\nx * x + 1\n")
    assert tr.output == "out"
    assert tr.values["out"] == 5.0
    assert tr.grads["x"] == 4.0


def test_print_is_captured_not_written(capsys):
    tr = run("for i in range(3):\n    print('line', i)\n")
    assert tr.stdout == "line 0\nline 1\nline 2\n"
    assert capsys.readouterr().out == ""


def test_assert_failure_is_a_runtime_error_with_its_line():
    err = error_of("x = 3\nassert x == 3\nassert x > 5, 'too small'\n")
    assert err.kind == "runtime"
    assert err.line == 3
    assert "x > 5" in err.message and "too small" in err.message


def test_runtime_errors_carry_torchs_words_and_line():
    src = "a = torch.ones(2, 3)\nb = torch.ones(4, 5)\nc = a @ b\n"
    with pytest.raises(RuntimeError) as real:
        torch.ones(2, 3) @ torch.ones(4, 5)
    err = error_of(src)
    assert (err.kind, err.line) == ("runtime", 3)
    assert err.message == str(real.value).splitlines()[0]
    assert err.hint


# --- bugs found: accepted Python that does not run like Python --------------------------------------------------



@pytest.mark.parametrize("src", [
    "print(list(range(5)))",
    "print(sum(range(5)))",
    "print(len(range(5)))",
    "for i, v in enumerate(range(3)):\n    print(i, v)",
    "print(list(zip(range(2), 'ab')))",
    "print(sorted(range(3), reverse=True), max(range(4)), tuple(range(2)), list(reversed(range(3))))",
])
def test_range_passed_to_builtins(src):
    assert_like_python(src)


@pytest.mark.parametrize("src", [
    "x = torch.ones(2, 3)\nprint(x.size())",
    "x = torch.ones(4)\ny = x.view(x.size())\nprint(y)",
    "print(torch.Size([2, 3]))",
    "print(torch.broadcast_shapes((2, 1), (1, 3)))",
])
def test_size_returned_by_a_call(src):
    assert_like_python(src)


def test_shape_attribute_works():
    assert_like_python("x = torch.ones(2, 3)\nprint(x.shape, x.shape[1], x.size(0), len(x), x.ndim)\n"
                       "a, b = x.shape\nprint(a, b)")


def test_long_range_loop_that_breaks_early():
    assert_like_python("for i in range(300000):\n    if i > 3:\n        break\nprint(i)")


def test_str_of_a_function_is_harmless():
    tr = run("s = str(torch.sigmoid)\nprint(s)")
    assert tr.stdout == "<function torch.sigmoid>\n"


def test_printing_a_function_does_not_show_the_real_object():
    tr = run("f = torch.sigmoid\nprint(f)\nprint(f'{f!r} {f}')\nprint(f(torch.tensor(0.0)))")
    assert tr.stdout.splitlines()[:2] == ["<function torch.sigmoid>",
                                          "<function torch.sigmoid> <function torch.sigmoid>"]
    assert "built-in" not in tr.stdout and "0x" not in tr.stdout


@pytest.mark.parametrize("src, line", [("x = 1\nreturn x\n", 2), ("x = 1\nif x:\n    break\n", 3),
                                       ("if False:\n    continue\n", 2)])
def test_return_break_outside_is_a_syntax_error_with_line(src, line):
    with pytest.raises(SyntaxError):
        compile(src, "<program>", "exec")
    err = error_of(src)
    assert (err.kind, err.line) == ("syntax", line)


def test_overflow_hint_is_not_about_indices():
    err = error_of("x = 1e300\ny = x ** 2\n")
    assert err.kind == "runtime"
    assert "indices" not in (err.hint or "")


@pytest.mark.parametrize("src", [
    "n = 1\ndef f():\n    n += 1\n    return n\nprint(f(), n)\n",
    "x = 1\ndef f():\n    print(x)\n    x = 2\nf()\n",
])
def test_unbound_local_like_python(src):
    with pytest.raises(UnboundLocalError):
        python(src)
    err = error_of(src)
    assert err.kind == "runtime"
    assert err.line == 3


def test_lone_name_keeps_its_name():
    """`loss` on a line of its own (a notebook habit) names the output `loss`; no `out` appears."""
    tr = run("x = torch.tensor(2.0, requires_grad=True)\nloss = x * x + 1\nloss\nloss.backward()\n")
    node = next(n for n in tr.nodes.values() if n.op == "AddBackward0")
    assert node.name == "loss"
    assert node.aliases == ("loss",)
    assert "out" not in tr.values


def test_lone_expression_leaves_the_programs_out_alone():
    """A program's own `out` keeps its value when a lone expression follows it; the expression is `out2`."""
    src = ("x = torch.tensor([1.0, 2.0], requires_grad=True)\nout = (x * x).sum()\nx * 3\nout.backward()\n")
    tr = run(src)
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    out = (x * x).sum()
    out.backward()
    assert tr.grads["x"] == x.grad.tolist()
    assert tr.values["out"] == out.item()
    assert tr.values["out2"] == [3.0, 6.0]


def test_two_lone_expressions_reuse_out():
    tr = run("x = torch.tensor(2.0, requires_grad=True)\nx * x\nx * x + 1\n")
    assert tr.output == "out"
    assert tr.values["out"] == 5.0
    assert "out2" not in tr.values
