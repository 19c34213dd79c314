"""Hooks of the program against plain torch: `t.register_hook(fn)` (a lambda or a def, on leaves and non-leaves, with
retain_grad, removed again with the handle), where the trace shows that a hook changed a gradient (before and after,
in the trace and in words), `torch.autograd.graph.saved_tensors_hooks(pack, unpack)`, and the mistakes a hook can
make, each a ProgramError in words.

Programs run through `explorer.trace(..., sandbox=False)` and as plain Python with torch (exec of OUR OWN trusted
test text, never user text), both seeded with 0.
"""
from __future__ import annotations

import pytest
import torch
from test_modules import HEAD, close, run_plain

import explorer
from explorer.drawing.explain import explain_node
from explorer.errors import ProgramError
from explorer.recording.model import Trace


def same(body: str) -> Trace:
    """Trace `body` and compare every tensor variable's value and .grad (leaves, and non-leaves that retain their
    grad) and what it printed with plain torch."""
    source = HEAD + body
    out, ns = run_plain(source)
    tr = explorer.trace(source, sandbox=False, backward="none")
    assert tr.stdout == out
    for name, v in ns.items():
        if not isinstance(v, torch.Tensor) or name.startswith("__"):
            continue
        assert close(tr.values[name], v.detach()), (name, tr.values[name], v)
        g = v.grad if (v.is_leaf or v.retains_grad) else None
        if g is None:
            assert name not in tr.grads, name
        else:
            assert close(tr.grads[name], g), (name, tr.grads[name], g)
    return tr


def error(body: str) -> ProgramError:
    with pytest.raises(ProgramError) as info:
        explorer.trace(HEAD + body, sandbox=False, backward="none")
    return info.value


# --- register_hook --------------------------------------------------------------------------------------------

def test_the_docstring_example():
    """backward() from the leaf itself: no node of torch's runs, yet the pass has the leaf's step and its history."""
    tr = same("""
v = torch.tensor([0., 0., 0.], requires_grad=True)
h = v.register_hook(lambda grad: grad * 2)  # double the gradient
v.backward(torch.tensor([1., 2., 3.]))
h.remove()  # removes the hook
""")
    (step,) = tr.backward_steps
    assert step.hook_before["data"] == [1.0, 2.0, 3.0] and step.grad_in["data"] == [2.0, 4.0, 6.0]
    (event,) = tr.grad_history("v")
    assert event.kind == "pass" and event.after["data"] == [2.0, 4.0, 6.0]


def test_hooks_on_leaves_and_non_leaves_with_retain_grad():
    same("""
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = x * 3
y.retain_grad()
def double(g):
    return g * 2
hy = y.register_hook(double)
hx = x.register_hook(lambda g: g + 1)
seen = []
hp = y.register_hook(lambda g: seen.append(g.sum().item()))
z = (y * y).sum()
z.backward()
print(seen)
""")


def test_several_hooks_run_in_order_and_removed_hooks_no_longer_run():
    same("""
x = torch.tensor([1.0, -1.0], requires_grad=True)
h1 = x.register_hook(lambda g: g * 10)
h2 = x.register_hook(lambda g: g + 1)
(x * x).sum().backward()
first = x.grad.clone()
h1.remove()
x.grad = None
(x * x).sum().backward()
h2.remove()
h2.remove()
x.grad = None
(x * x).sum().backward()
""")


def test_a_hook_in_a_training_loop():
    same("""
w = torch.tensor([0.5, -0.3], requires_grad=True)
h = w.register_hook(lambda g: g.clamp(-0.1, 0.1))
opt = torch.optim.SGD([w], lr=0.5)
for step in range(40):
    opt.zero_grad()
    loss = ((w - torch.tensor([2.0, 1.0])) ** 2).sum()
    loss.backward()
    opt.step()
""")


def test_the_trace_shows_where_a_hook_changed_a_gradient():
    tr = same("""
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = x * 3
y.register_hook(lambda g: g * 2)
loss = (y * y).sum()
loss.backward()
""")
    y = tr.by_name("y")
    x = tr.by_name("x")
    steps = {tr.nodes[s.node].name: s for s in tr.backward_steps}
    # dloss/dy = 2y = [6, 12]; the hook doubles it; x then gets 3 * [12, 24]
    assert steps["y"].hook_before["data"] == [6.0, 12.0]
    assert steps["y"].grad_in["data"] == [12.0, 24.0]
    assert steps["x"].hook_before is None and tr.grads["x"] == [36.0, 72.0]
    en, zh = explain_node(tr, y.id, "en"), explain_node(tr, y.id, "zh")
    assert "hook" in en["hook"] and "[6, 12]" in en["hook"] and "[12, 24]" in en["hook"]
    assert "hook" in zh["hook"] and "改变" in zh["hook"]
    assert "hook" not in explain_node(tr, x.id, "en")
    back = Trace.from_dict(tr.to_dict())
    assert back == tr and any(s.hook_before for s in back.backward_steps)


def test_a_hook_on_a_leaf_shows_before_and_after():
    tr = same("""
w = torch.tensor([1.0, 2.0], requires_grad=True)
w.register_hook(lambda g: -g)
(w * 5).sum().backward()
""")
    step = next(s for s in tr.backward_steps if tr.nodes[s.node].kind == "leaf")
    assert step.hook_before["data"] == [5.0, 5.0] and step.grad_in["data"] == [-5.0, -5.0]


def test_a_hook_that_returns_none_changes_nothing():
    tr = same("""
x = torch.tensor([1.0, 2.0], requires_grad=True)
x.register_hook(lambda g: print("grad", g))
(x * 2).sum().backward()
""")
    assert all(s.hook_before is None for s in tr.backward_steps)


def test_handles_can_be_kept_in_a_list():
    same("""
x = torch.ones(2, requires_grad=True)
handles = []
handles.append(x.register_hook(lambda g: g * 3))
(x * 2).sum().backward()
for h in handles:
    h.remove()
""")


@pytest.mark.parametrize("hook, words", [
    ("lambda g: 3", "a gradient hook returned a int"),
    ("lambda g: [g]", "a gradient hook returned a list"),
    ("lambda g: torch.ones(1000, 1000)", "shape [1000, 1000]"),
    ("lambda g: g.double()", "dtype float64"),
])
def test_what_a_hook_returns_is_checked(hook, words):
    err = error(f"x = torch.ones(3, requires_grad=True)\nh = x.register_hook({hook})\n(x * 2).sum().backward()\n")
    assert words in err.message and err.kind == "runtime"
    assert err.line == 6  # the line that registered the hook (a lambda's body is on it)


def test_an_error_inside_a_def_hook_is_at_its_line():
    err = error("x = torch.ones(3, requires_grad=True)\ndef hook(g):\n    h = g * 2\n    return h @ torch.ones(4)\n"
                "x.register_hook(hook)\n(x * 2).sum().backward()\n")
    assert err.kind == "runtime" and err.line == 8


def test_register_hook_needs_a_function_and_a_tensor_that_requires_grad():
    assert "needs a function" in error("x = torch.ones(3, requires_grad=True)\nx.register_hook(3)\n").message
    err = error("x = torch.ones(3)\nx.register_hook(lambda g: g)\n")
    assert err.kind == "runtime" and "require" in err.message


def test_module_hooks_are_refused_in_words():
    err = error("net = nn.Linear(2, 2)\nh = net.register_forward_hook(lambda m, i, o: o)\n")
    assert err.kind == "not-allowed" and "hooks" in err.message


# --- saved tensors hooks --------------------------------------------------------------------------------------

def test_the_docs_saved_tensors_hooks_example():
    same("""
def pack_hook(x):
    print("Packing", x)
    return x

def unpack_hook(x):
    print("Unpacking", x)
    return x

a = torch.ones(5, requires_grad=True)
b = torch.ones(5, requires_grad=True) * 2
with torch.autograd.graph.saved_tensors_hooks(pack_hook, unpack_hook):
    y = a * b

y.sum().backward()
""")


def test_pack_to_an_index_and_unpack_from_a_list():
    same("""
storage = []
def pack(t):
    storage.append(t.clone())
    return len(storage) - 1
def unpack(i):
    return storage[i]
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
with torch.autograd.graph.saved_tensors_hooks(pack, unpack):
    y = (x * x).exp()
y.sum().backward()
print(len(storage))
""")


@pytest.mark.parametrize("unpack, words", [
    ("lambda p: 3.0", "the unpack hook returned a float"),
    ("lambda p: torch.ones(1000)", "shape [1000]"),
    ("lambda p: p.double()", "dtype float64"),
])
def test_what_unpack_returns_is_checked(unpack, words):
    err = error("x = torch.ones(3, requires_grad=True)\n"
                f"with torch.autograd.graph.saved_tensors_hooks(lambda t: t, {unpack}):\n    y = x * x\n"
                "y.sum().backward()\n")
    assert words in err.message and err.kind == "runtime"


def test_saved_tensors_hooks_need_functions():
    err = error("with torch.autograd.graph.saved_tensors_hooks(1, 2):\n    y = 1\n")
    assert "needs a function" in err.message


def test_the_detail_panel_says_where_a_hook_changed_the_gradient():
    from explorer.app.views import render_detail

    def hook_lines(component) -> list[str]:
        """The text of every element of the panel marked data-field="hook"."""
        out, stack = [], [component]
        while stack:
            c = stack.pop()
            if isinstance(c, (list, tuple)):
                stack.extend(c)
            elif hasattr(c, "to_plotly_json"):
                props = c.to_plotly_json()["props"]
                if props.get("data-field") == "hook":
                    out.append(props.get("children"))
                stack.append(props.get("children"))
        return out

    tr = explorer.trace(HEAD + "x = torch.tensor([1.0, 2.0], requires_grad=True)\ny = x * 3\n"
                        "y.register_hook(lambda g: g * 2)\n(y * y).sum().backward()\n", sandbox=False)
    y = tr.by_name("y")
    for lang, words in (("en", "a hook you registered"), ("zh", "你注册的 hook")):
        (line,) = hook_lines(render_detail(tr, y.id, lang))
        assert words in line
    assert hook_lines(render_detail(tr, tr.by_name("x").id, "en")) == []
