"""torch.autograd.Function subclasses of the program against plain torch: values, gradients, double backward, ctx,
the recorded node (its name, its step in the engine's order, its words), and the errors a learner can make in
forward and backward, each a ProgramError at the right line.

Programs run through `explorer.trace(..., sandbox=False)` and, for the comparison, as plain Python with torch
(exec of OUR OWN trusted test text, never user text), both seeded with 0 (test_modules.assert_same).
"""
from __future__ import annotations

import pytest
import torch
from test_modules import HEAD, assert_same

import explorer
from explorer.drawing.explain import explain_node
from explorer.errors import ProgramError
from explorer.recording.model import Trace

LEGENDRE = """
class LegendrePolynomial3(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return 0.5 * (5 * input ** 3 - 3 * input)

    @staticmethod
    def backward(ctx, grad_output):
        input, = ctx.saved_tensors
        return grad_output * 1.5 * (5 * input ** 2 - 1)
"""


def trace(body: str) -> Trace:
    return explorer.trace(HEAD + body, sandbox=False, backward="none")


def error(body: str) -> ProgramError:
    with pytest.raises(ProgramError) as info:
        trace(body)
    return info.value


def line_of(body: str, text: str) -> int:
    """The line of `text` in the program as traced (HEAD's lines first)."""
    lines = (HEAD + body).splitlines()
    return next(i for i, line in enumerate(lines, 1) if text in line)


# --- values and gradients, as torch gives them --------------------------------------------------------------

def test_legendre_values_and_grads_match_torch():
    assert_same(LEGENDRE + """
x = torch.linspace(-1.0, 1.0, 7)
c = torch.tensor(0.1, requires_grad=True)
d = torch.tensor(0.3, requires_grad=True)
P3 = LegendrePolynomial3.apply
y = P3(c + d * x)
loss = (y - torch.sin(x)).pow(2).sum()
loss.backward()
print(loss.item(), c.grad, d.grad)
""")


def test_training_loop_with_a_function_matches_torch():
    assert_same(LEGENDRE + """
x = torch.linspace(-math.pi, math.pi, 50)
y = torch.sin(x)
a = torch.full((), 0.0, requires_grad=True)
b = torch.full((), -1.0, requires_grad=True)
c = torch.full((), 0.0, requires_grad=True)
d = torch.full((), 0.3, requires_grad=True)
for t in range(30):
    y_pred = a + b * LegendrePolynomial3.apply(c + d * x)
    loss = (y_pred - y).pow(2).sum()
    loss.backward()
    with torch.no_grad():
        for p in [a, b, c, d]:
            p -= 1e-4 * p.grad
            p.grad = None
print(loss.item())
""")


def test_from_torch_autograd_import_function_and_ctx_members():
    """The docs' LinearFunction (optional bias, needs_input_grad), a constant kept on ctx, several outputs."""
    assert_same("""
from torch.autograd import Function

class LinearFunction(Function):
    @staticmethod
    def forward(ctx, input, weight, bias=None):
        ctx.save_for_backward(input, weight, bias)
        output = input.mm(weight.t())
        if bias is not None:
            output += bias.unsqueeze(0).expand_as(output)
        return output

    @staticmethod
    def backward(ctx, grad_output):
        input, weight, bias = ctx.saved_tensors
        grad_input = grad_weight = grad_bias = None
        if ctx.needs_input_grad[0]:
            grad_input = grad_output.mm(weight)
        if ctx.needs_input_grad[1]:
            grad_weight = grad_output.t().mm(input)
        if bias is not None and ctx.needs_input_grad[2]:
            grad_bias = grad_output.sum(0)
        return grad_input, grad_weight, grad_bias

class MulConstant(Function):
    @staticmethod
    def forward(ctx, tensor, constant):
        ctx.constant = constant
        return tensor * constant

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output * ctx.constant, None

class SortTwo(Function):
    @staticmethod
    def forward(ctx, x):
        values, indices = x.sort()
        ctx.mark_non_differentiable(indices)
        ctx.save_for_backward(indices)
        return values, indices

    @staticmethod
    def backward(ctx, g, g_indices):
        indices, = ctx.saved_tensors
        grad = torch.zeros_like(g)
        grad[indices] = g
        return grad

x = torch.randn(4, 3, requires_grad=True)
w = torch.randn(2, 3, requires_grad=True)
b = torch.randn(2, requires_grad=True)
no_bias = torch.randn(2, 3, requires_grad=True)
out = LinearFunction.apply(x, w, b) + LinearFunction.apply(x, no_bias)
scaled = MulConstant.apply(out, 2.5)
v = torch.tensor([3.0, 1.0, 2.0], requires_grad=True)
values, indices = SortTwo.apply(v)
total = scaled.sum() + (values * torch.tensor([1.0, 10.0, 100.0])).sum()
total.backward()
print(indices, indices.requires_grad, values.requires_grad)
""")


def test_setup_context_and_materialize_grads():
    assert_same("""
class Cube(torch.autograd.Function):
    @staticmethod
    def forward(x, k):
        return x ** 3 * k

    @staticmethod
    def setup_context(ctx, inputs, output):
        x, k = inputs
        ctx.save_for_backward(x)
        ctx.k = k
        ctx.set_materialize_grads(False)

    @staticmethod
    def backward(ctx, grad):
        if grad is None:
            return None, None
        x, = ctx.saved_tensors
        return grad * 3 * x ** 2 * ctx.k, None

x = torch.tensor([1.0, -2.0, 0.5], requires_grad=True)
y = Cube.apply(x, 2.0)
y.sum().backward()
""")


def test_double_backward_matches_torch():
    """A backward written with differentiable ops: create_graph=True gives a gradient that is differentiated again."""
    body = LEGENDRE + """
x = torch.tensor([0.3, -0.7, 1.2], requires_grad=True)
y = LegendrePolynomial3.apply(x).sum()
g, = torch.autograd.grad(y, x, create_graph=True)
g.sum().backward()
first = g.detach()
"""
    tr = assert_same(body)
    x = torch.tensor([0.3, -0.7, 1.2])
    assert torch.allclose(torch.tensor(tr.values["first"]), 1.5 * (5 * x ** 2 - 1))
    assert torch.allclose(torch.tensor(tr.grads["x"]), 15 * x)  # P3'' = 15x
    assert any(p.create_graph for p in tr.passes)


def test_function_calling_another_function_in_backward_double_backward():
    """The double backward tutorial's Cube, whose backward is another Function: gradgradcheck passes."""
    tr = trace("""
class Cube(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, grad_out):
        x, = ctx.saved_tensors
        return CubeBackward.apply(grad_out, x)

class CubeBackward(torch.autograd.Function):
    @staticmethod
    def forward(ctx, grad_out, x):
        ctx.save_for_backward(x, grad_out)
        return grad_out * 3 * x ** 2

    @staticmethod
    def backward(ctx, grad_out):
        x, sav_grad_out = ctx.saved_tensors
        return grad_out * 3 * x ** 2, grad_out * sav_grad_out * 6 * x

x = torch.tensor(2.0, requires_grad=True, dtype=torch.double)
ok = torch.autograd.gradcheck(Cube.apply, x) and torch.autograd.gradgradcheck(Cube.apply, x)
print(ok)
g, = torch.autograd.grad(Cube.apply(x), x, create_graph=True)
g.backward()
""")
    assert tr.stdout == "True\n"
    assert tr.grads["x"] == pytest.approx(12.0)  # d²(x³)/dx² = 6x
    ops = {n.op for n in tr.nodes.values()}
    assert {"CubeBackward", "CubeBackwardBackward"} <= ops


# --- the recorded node --------------------------------------------------------------------------------------

def test_the_node_is_recorded_with_its_name_numbers_and_words():
    tr = trace(LEGENDRE + """
c = torch.tensor([0.2, -0.4], requires_grad=True)
y = LegendrePolynomial3.apply(c)
loss = (y * y).sum()
loss.backward()
""")
    node = next(n for n in tr.nodes.values() if n.op == "LegendrePolynomial3Backward")
    c = torch.tensor([0.2, -0.4], requires_grad=True)
    y = 0.5 * (5 * c ** 3 - 3 * c)
    (y * y).sum().backward()
    assert node.span is not None and node.span.text == "LegendrePolynomial3.apply(c)"
    assert tr.by_name("c").aliases == ("c",)  # backward's `input, = ctx.saved_tensors` names nothing
    assert torch.allclose(torch.tensor(node.value["data"]), y.detach())
    assert torch.allclose(torch.tensor(node.grad["data"]), 2 * y.detach())  # what arrived: dloss/dy
    edge = next(e for e in tr.edges if e.target == node.id)
    assert torch.allclose(torch.tensor(edge.grad["data"]), c.grad)  # what our backward sent to c
    order = [tr.nodes[s.node].op for s in tr.backward_steps]
    assert order == ["SumBackward0", "MulBackward0", "LegendrePolynomial3Backward", "AccumulateGrad"]
    en, zh = explain_node(tr, node.id, "en"), explain_node(tr, node.id, "zh")
    assert "your Function LegendrePolynomial3" in en["what"] and "backward" in en["what"]
    assert "你的 Function LegendrePolynomial3" in zh["what"]
    assert Trace.from_dict(tr.to_dict()) == tr


def test_gradcheck_calls_are_not_the_programs_graph():
    tr = trace(LEGENDRE + """
x = torch.randn(3, dtype=torch.double, requires_grad=True)
print(torch.autograd.gradcheck(LegendrePolynomial3.apply, (x,), eps=1e-6, atol=1e-4))
y = LegendrePolynomial3.apply(x).sum()
""")
    assert tr.stdout == "True\n"
    assert sum(n.op == "LegendrePolynomial3Backward" for n in tr.nodes.values()) == 1


# --- errors a learner can make ------------------------------------------------------------------------------

BAD_BACKWARD = """
class Twice(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, y):
        return x * 2 + y

    @staticmethod
    def backward(ctx, g):
        return RESULT

a = torch.ones(3, requires_grad=True)
b = torch.ones(3, requires_grad=True)
Twice.apply(a, b).sum().backward()
"""


@pytest.mark.parametrize("result, words", [
    ("g * 2", "must return one gradient per input of forward (2), not 1"),
    ("g * 2, g, g", "must return one gradient per input of forward (2), not 3"),
    ("g * 2, 3", "returned a int as the gradient of input 2"),
    ("g * 2, torch.ones(4)", "returned a gradient of shape [4] for input 2, which has shape [3]"),
    ("[g, g]", "must return one gradient per input of forward (2), not 1"),
])
def test_what_backward_returns_is_checked_at_its_return(result, words):
    body = BAD_BACKWARD.replace("RESULT", result)
    err = error(body)
    assert words in err.message
    assert err.line == line_of(body, "return " + result)
    assert "Traceback" not in str(err)


def test_trailing_nones_and_a_broadcastable_gradient_are_fine():
    assert_same(BAD_BACKWARD.replace("RESULT", "g * 2, g.expand(2, 3) / 2, None, None"))


def test_an_exception_in_backward_is_at_its_line():
    body = """
class Broken(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, g):
        h = g * 2
        return h @ torch.ones(5, 5)

x = torch.ones(3, requires_grad=True)
Broken.apply(x).sum().backward()
"""
    err = error(body)
    assert err.kind == "runtime"
    assert err.line == line_of(body, "return h @")


def test_an_error_in_forward_is_at_its_line():
    body = """
class Broken(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x @ torch.ones(5, 5)

    @staticmethod
    def backward(ctx, g):
        return g

y = Broken.apply(torch.ones(2, requires_grad=True))
"""
    err = error(body)
    assert err.kind == "runtime" and err.line == line_of(body, "return x @")


@pytest.mark.parametrize("body, words", [
    ("class F(torch.autograd.Function):\n    def forward(ctx, x):\n        return x\n", "must be a @staticmethod"),
    ("class F(torch.autograd.Function):\n    @staticmethod\n    def backward(ctx, g):\n        return g\n"
     "y = F.apply(torch.ones(2))\n", "has no forward"),
    ("class F(torch.autograd.Function):\n    pass\nf = F()\n", "it is applied"),
    (LEGENDRE + "y = LegendrePolynomial3.apply(input=torch.ones(2))\n", "by position"),
    (LEGENDRE + "LegendrePolynomial3.apply = print\n", "can't be replaced"),
    ("class F(torch.autograd.Function):\n    @staticmethod\n    def forward(ctx, x):\n"
     "        ctx.save_for_backward([x])\n        return x\ny = F.apply(torch.ones(2))\n", "takes tensors"),
    ("class F(torch.autograd.Function):\n    @staticmethod\n    def forward(ctx, x):\n"
     "        t = ctx.saved_tensors\n        return x\ny = F.apply(torch.ones(2))\n", "only in backward"),
    ("class F(torch.autograd.Function):\n    @staticmethod\n    def forward(ctx, x):\n        return x, print\n"
     "y = F.apply(torch.ones(2))\n", "forward returned a function"),
    ("class F(torch.autograd.Function):\n    @staticmethod\n    def forward(ctx, x):\n        return x * 2\n"
     "y = F.apply(torch.ones(2, requires_grad=True)).sum()\ny.backward()\n", "has no backward"),
])
def test_mistakes_are_explained(body, words):
    err = error(body)
    assert words in err.message, err.message


def test_a_backward_that_never_ends_stops_at_the_time_limit():
    from explorer.config import Limits

    src = HEAD + """
class Forever(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, g):
        while True:
            g = g + 0
        return g

Forever.apply(torch.ones(2, requires_grad=True)).sum().backward()
"""
    with pytest.raises(ProgramError) as info:
        explorer.trace(src, sandbox=False, limits=Limits(time_seconds=0.5))
    assert info.value.kind == "limit"
