"""The gallery against plain torch: torch is the oracle for every value, every .grad and the backward order.

Each example runs twice: through `explorer.trace(..., sandbox=False)` (our interpreter), and as plain Python
with torch (exec of OUR OWN trusted example text, never user text), seeded the same way. The numbers the
tutorials print (the course notes' tutorial-programs.md) are asserted as literals copied from there, so nothing
outside the repository is read.
"""
from __future__ import annotations

import contextlib
import dataclasses
import functools
import io
import json
import math

import pytest
import torch
import torch.nn.functional as F

import explorer
from explorer import examples
from explorer.recording.model import Trace

RTOL, ATOL = 1e-5, 1e-6

# Examples whose program runs no backward itself: the explorer back-propagates from this output.
AUTO_BACKWARD = {"short-way": "z"}

# Every program of tutorial-programs.md has its own example.
TUTORIAL_KEYS = {
    "first-graph", "weighted-backward", "non-scalar-output", "short-way", "accumulate", "zero-grad",
    "quadratic", "quadratic-matrix", "quadratic-matrix-sum", "second-derivative", "many-inputs", "sgd",
    "himmelblau-adam", "dot", "detach", "control-flow", "two-paths", "chain-rule", "perceptron", "softmax",
    "relu-tanh", "mlp",
}

KEYS = [ex.key for ex in examples.EXAMPLES]


# --- running both sides -------------------------------------------------------------------------------------
@functools.cache
def traced(key: str, backward: str | None = None) -> Trace:
    ex = examples.get(key)
    return explorer.trace(ex.source, inputs=ex.inputs, backward=backward or ex.backward, sandbox=False)


def plain_torch(key: str, backward: str | None = None, profile: bool = False):
    """Run the example with plain torch. Returns (namespace, stdout, backward op names if profiled)."""
    ex = examples.get(key)
    backward = backward or ex.backward
    ns = {"torch": torch, "F": F, "math": math, "nn": torch.nn}
    for name, value in (ex.inputs or {}).items():
        ns[name] = torch.tensor(value, dtype=torch.float32, requires_grad=True)
    out = io.StringIO()
    prof_ctx = torch.autograd.profiler.profile() if profile else contextlib.nullcontext()
    with torch.random.fork_rng(devices=[]), contextlib.redirect_stdout(out), prof_ctx as prof:
        torch.manual_seed(0)
        exec(compile(ex.source, f"<example {key}>", "exec"), ns)  # noqa: S102 - trusted text of ours only
        out_name = AUTO_BACKWARD.get(key)
        if out_name is None and backward in ("sum", "mean", "ones"):
            out_name = last_tensor_with_grad_fn(ns)
        if out_name is not None:
            t = ns[out_name]
            if backward == "sum":
                t.sum().backward()
            elif backward == "mean":
                t.mean().backward()
            elif backward == "ones":
                t.backward(torch.ones_like(t))
            else:
                t.backward()
    ops = None
    if profile:
        ops = engine_order(prof)
    return ns, out.getvalue(), ops


def engine_order(prof) -> list[str]:
    """The autograd nodes the engine ran, in order, from profiler events.

    Each node the engine reaches is an "autograd::engine::evaluate_function: <name>" event; a node it really
    runs has a child event of its own name (Node::operator()). In torch.autograd.grad the asked-about inputs
    are reached only to capture their gradient, without running (no child event, no node hooks): left out,
    as is the engine's own GraphRoot that joins several outputs.
    """
    prefix = "autograd::engine::evaluate_function: "
    events = sorted((e for e in prof.function_events if e.name.startswith(prefix)), key=lambda e: e.time_range.start)
    ops = []
    for e in events:
        name = e.name[len(prefix):]
        if name.endswith("GraphRoot") or not any(c.name == name for c in e.cpu_children):
            continue
        ops.append(_plain_op(name))
    return ops


def last_tensor_with_grad_fn(ns: dict) -> str:
    return [n for n, v in ns.items() if isinstance(v, torch.Tensor) and v.grad_fn is not None][-1]


def _plain_op(name: str) -> str:
    return "AccumulateGrad" if name.endswith("AccumulateGrad") else name


@functools.cache
def reference(key: str, backward: str | None = None):
    ns, stdout, _ = plain_torch(key, backward)
    return ns, stdout


def tensors(ns: dict) -> dict[str, torch.Tensor]:
    """The tensor variables, and each module variable's parameters and buffers as "<variable>.<path>"."""
    out = {n: v for n, v in ns.items() if isinstance(v, torch.Tensor)}
    for name, v in ns.items():
        if isinstance(v, torch.nn.Module):
            out.update({f"{name}.{path}": p for path, p in v.named_parameters()})
            out.update({f"{name}.{path}": b for path, b in v.named_buffers()})
    return out


def as_tensor(x) -> torch.Tensor:
    assert x is not None
    assert not isinstance(x, dict), f"expected a full value, got a summary {x!r}"
    return torch.tensor(x, dtype=torch.float64)


def assert_close(got, want: torch.Tensor, what: str) -> None:
    g, w = as_tensor(got), want.detach().to(torch.float64)
    assert g.shape == w.shape, f"{what}: shape {tuple(g.shape)} vs torch {tuple(w.shape)}"
    assert torch.allclose(g, w, rtol=RTOL, atol=ATOL), f"{what}: explorer {got!r} vs torch {w.tolist()!r}"


def approx(got, want, tol=1e-4) -> bool:
    return torch.allclose(as_tensor(got), torch.tensor(want, dtype=torch.float64), rtol=0, atol=tol)


def ops_of(tr: Trace, steps) -> list[str]:
    return [tr.nodes[s.node].op for s in steps]


# --- the gallery itself ---------------------------------------------------------------------------------------
def test_every_tutorial_program_has_an_example():
    assert set(KEYS) >= TUTORIAL_KEYS, f"missing: {sorted(TUTORIAL_KEYS - set(KEYS))}"
    assert len(set(KEYS)) == len(KEYS)
    assert KEYS[0] == "first-graph"


@pytest.mark.parametrize("key", KEYS)
def test_example_fields(key):
    ex = examples.get(key)
    assert ex is examples.get(key) and ex.key == key
    for text in (ex.title_en, ex.title_zh, ex.summary_en, ex.summary_zh):
        assert text.strip() == text and text
    assert any("\u4e00" <= ch <= "\u9fff" for ch in ex.title_zh + ex.summary_zh)
    assert ex.title("en") == ex.title_en and ex.title("zh") == ex.title_zh and ex.title("zh-CN") == ex.title_zh
    assert ex.summary("en") == ex.summary_en and ex.summary("zh") == ex.summary_zh
    assert ex.source.endswith("\n") and not ex.source.startswith("\n")
    assert "#" in ex.source  # it teaches
    assert "import" not in ex.source and "lambda" not in ex.source
    assert ex.backward in ("auto", "none", "sum", "mean", "ones")
    with pytest.raises(dataclasses.FrozenInstanceError):
        ex.key = "other"  # frozen


def test_get_unknown_key_lists_the_keys():
    with pytest.raises(KeyError) as info:
        examples.get("no-such-example")
    msg = str(info.value)
    assert "no-such-example" in msg
    for key in KEYS:
        assert key in msg


def test_first_graph_titles():
    ex = examples.get("first-graph")
    assert ex.title("zh") == "第一张计算图"
    assert examples.get("accumulate").title("zh") == "梯度累加"


# --- torch is the oracle --------------------------------------------------------------------------------------
@pytest.mark.parametrize("key", KEYS)
def test_values_and_grads_match_plain_torch(key):
    tr = traced(key)
    ns, stdout = reference(key)
    want = tensors(ns)
    assert set(tr.values) == set(want), "named tensors differ"
    for name, t in want.items():
        assert_close(tr.values[name], t, f"value of {name}")
    leaf_grads = {n: t.grad for n, t in want.items() if t.is_leaf and t.grad is not None}
    assert set(tr.grads) == set(leaf_grads), "names with a .grad differ"
    for name, g in leaf_grads.items():
        assert_close(tr.grads[name], g, f"grad of {name}")
    assert tr.stdout == stdout


@pytest.mark.parametrize("key", KEYS)
def test_auto_backward_only_where_the_program_runs_none(key):
    tr = traced(key)
    auto = [p for p in tr.passes if p.kind == "auto"]
    if key in AUTO_BACKWARD:
        assert tr.output == AUTO_BACKWARD[key]
        assert len(auto) == 1 and len(tr.passes) == 1
        assert auto[0].roots == (tr.by_name(AUTO_BACKWARD[key]).id,) == (tr.output_node.id,)
    else:
        assert auto == []


@pytest.mark.parametrize("key", KEYS)
def test_backward_order_is_the_engines(key):
    """The steps, in order, are the nodes torch's engine evaluated (profiler events), pass after pass."""
    tr = traced(key)
    _, _, engine_ops = plain_torch(key, profile=True)
    got = ops_of(tr, tr.backward_steps)
    if tr.counts["passes_total"] == len(tr.passes):
        assert got == engine_ops
    else:  # older passes are summarised: the kept steps are the engine's last ones
        assert len(got) <= len(engine_ops)
        assert got == engine_ops[len(engine_ops) - len(got):]
    for p in tr.passes:  # passes tile the backward steps
        steps = tr.backward_steps[p.first_step:p.first_step + p.n_steps]
        assert all(s.pass_index == p.index for s in steps)
    assert sum(p.n_steps for p in tr.passes) == len(tr.backward_steps)
    assert [s.index for s in tr.backward_steps] == list(range(len(tr.backward_steps)))


@pytest.mark.parametrize("key", KEYS)
def test_round_trip_through_json(key):
    tr = traced(key)
    again = Trace.from_dict(json.loads(json.dumps(tr.to_dict())))
    assert again == tr


@pytest.mark.parametrize("key", KEYS)
def test_round_trip_through_packed_json(key):
    """The packed form a sandbox worker sends (format 2) gives back the same trace, strict JSON on the way."""
    tr = traced(key)
    again = Trace.from_dict(json.loads(json.dumps(tr.to_dict(packed=True), allow_nan=False)))
    assert again == tr


@pytest.mark.parametrize("key", KEYS)
def test_forward_steps_in_creation_order(key):
    tr = traced(key)
    ids = list(tr.nodes)
    assert [int(i[1:]) for i in ids] == sorted(int(i[1:]) for i in ids)
    step_nodes = [s.node for s in tr.forward_steps]
    assert step_nodes == [i for i in ids if tr.nodes[i].kind != "constant"]
    seqs = [tr.nodes[n].seq for n in step_nodes if tr.nodes[n].kind == "op"]
    assert all(s is not None for s in seqs)
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs), f"op seq not increasing: {seqs}"
    # every edge joins two shown nodes and enters an op
    for e in tr.edges:
        assert e.source in tr.nodes and tr.nodes[e.target].kind == "op"


@pytest.mark.parametrize("key", [k for k in KEYS if k != "non-scalar-output"])
def test_edge_gradients_sum_to_the_node_gradient(key):
    """What arrives at a node is the sum of what its consumers sent it along the edges (in that pass)."""
    tr = traced(key)
    passes_of: dict[str, set[int]] = {}
    for s in tr.backward_steps:
        passes_of.setdefault(s.node, set()).add(s.pass_index)
    one_backward = tr.counts["passes_total"] == 1 and tr.passes[0].kind != "grad"
    checked = 0
    for nid, node in tr.nodes.items():
        if node.grad is None or len(passes_of.get(nid, ())) != 1:
            continue  # not reached, or reached in several passes (node and edges keep their last pass)
        if node.kind == "leaf" and not one_backward:
            continue  # a leaf's grad is its final .grad, summed over passes (or untouched by autograd.grad)
        out = [e for e in tr.edges if e.source == nid and e.grad is not None]
        if not out or any(passes_of.get(e.target) != passes_of[nid] for e in out):
            continue  # a root, or a consumer that ran in another pass too
        total = functools.reduce(torch.add, [as_tensor(e.grad["data"]) for e in out])
        assert torch.allclose(total, as_tensor(node.grad["data"]), rtol=RTOL, atol=ATOL), f"node {nid} ({node.op})"
        checked += 1
    if key not in ("chain-rule", "many-inputs"):  # there, every non-root node is reached by several passes
        assert checked > 0


# --- the numbers of tutorial-programs.md (literals from that file) -------------------------------------------
def test_first_graph_numbers_and_shape():
    tr = traced("first-graph")
    assert approx(tr.grads["x"], [3.3333, 1.3333, 5.3333])
    assert [n.op for n in tr.nodes.values() if n.kind == "op"] == [
        "AddBackward0", "MulBackward0", "MulBackward0", "MeanBackward0"]
    # y * y: two data edges from y's node into one MulBackward0
    y = tr.by_name("y")
    into = [e for e in tr.edges if e.source == y.id and e.kind == "data"]
    assert len(into) == 2 and into[0].target == into[1].target
    assert tr.nodes[into[0].target].op == "MulBackward0"
    assert {e.input_index for e in into} == {0, 1}
    # each path sends 2*2*y/3 back; y's node receives their sum 4*(x+2)/3
    total = as_tensor(into[0].grad["data"]) + as_tensor(into[1].grad["data"])
    assert torch.allclose(total, as_tensor(y.grad["data"]), rtol=RTOL, atol=ATOL)
    assert approx(y.grad["data"], [3.3333, 1.3333, 5.3333])
    # the backward order: out, the outer mul, y*y, the add, x
    assert ops_of(tr, tr.backward_steps) == [
        "MeanBackward0", "MulBackward0", "MulBackward0", "AddBackward0", "AccumulateGrad"]


def test_weighted_backward_numbers():
    tr = traced("weighted-backward")
    assert approx(tr.grads["x"], [10, 8, 48])
    # the pass starts at z with the weights v, not with ones
    first = tr.backward_steps[0]
    assert first.node == tr.by_name("z").id == tr.passes[0].roots[0]
    assert first.grad_in["data"] == [1.0, 2.0, 3.0]


@pytest.mark.parametrize("key", ["first-graph", "short-way", "quadratic", "two-paths", "perceptron", "mlp"])
def test_a_scalar_pass_starts_from_one(key):
    tr = traced(key)
    first = tr.backward_steps[tr.passes[-1].first_step]
    assert first.node in tr.passes[-1].roots
    assert first.grad_in["shape"] == [] and first.grad_in["data"] == 1.0


def test_short_way_numbers():
    tr = traced("short-way")
    assert tr.inputs == {"y": 3.0}
    assert approx(tr.grads["y"], 12)


def test_free_input_default_value_is_fixed():
    tr1 = explorer.trace("z = y*y*2", sandbox=False)
    tr2 = explorer.trace("z = y*y*2", sandbox=False)
    assert tr1.inputs == tr2.inputs and tr1.grads == tr2.grads
    y = tr1.inputs["y"]
    assert approx(tr1.grads["y"], 4 * y)


def test_non_scalar_output_teaches_instead_of_raising():
    tr = traced("non-scalar-output")
    kinds = [n.kind for n in tr.notices]
    assert "non-scalar-output" in kinds
    msg = next(n.message for n in tr.notices if n.kind == "non-scalar-output")
    assert "grad can be implicitly created only for scalar outputs" in msg
    assert tr.backward_steps == () and tr.passes == () and tr.grads == {}
    # torch says the same
    ns, _ = reference("non-scalar-output")
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        ns["z"].backward()


@pytest.mark.parametrize("mode", ["sum", "mean", "ones"])
def test_non_scalar_output_with_a_reduction(mode):
    tr = traced("non-scalar-output", mode)
    ns, _ = reference("non-scalar-output", mode)
    assert_close(tr.grads["x"], ns["x"].grad, f"x.grad with backward={mode}")
    assert not any(n.kind == "non-scalar-output" for n in tr.notices)
    assert len(tr.passes) == 1 and tr.passes[0].kind == "auto" and tr.backward_steps
    if mode in ("sum", "ones"):
        assert approx(tr.grads["x"], [10, 4, 16])  # 4 * (x + 2)


def test_accumulate_and_zero_grad_numbers():
    assert approx(traced("accumulate").grads["w"], [9, 9, 9, 9])
    assert approx(traced("zero-grad").grads["w"], [3, 3, 3, 3])
    tr = traced("accumulate")
    assert len(tr.passes) == 3
    # the leaf step of each pass shows .grad after it: 3, then 6, then 9
    leaf_values = [s.value["data"] for s in tr.backward_steps if tr.nodes[s.node].kind == "leaf"]
    assert [v[0] for v in leaf_values] == [3.0, 6.0, 9.0]


def test_quadratic_numbers():
    assert approx(traced("quadratic").grads["x"], -2)
    assert approx(traced("quadratic-matrix").grads["x"], [[-2, -2], [0, 2]])
    assert approx(traced("quadratic-matrix-sum").grads["x"], [[-2, -2], [0, 2]])


def test_second_derivative_numbers_and_backward_graph():
    tr = traced("second-derivative")
    assert approx(tr.values["dy_dx"], -2)
    assert approx(tr.values["d2y_dx2"], 2)
    assert [p.kind for p in tr.passes] == ["grad", "grad"]
    assert tr.passes[0].create_graph and not tr.passes[1].create_graph
    # the second pass walks the graph the first one built: dy_dx's node and the ops behind it
    dy_dx = tr.by_name("dy_dx")
    assert dy_dx.kind == "op" and tr.passes[1].roots == (dy_dx.id,)
    second = [s.node for s in tr.backward_steps if s.pass_index == 1]
    assert second[0] == dy_dx.id
    assert all(tr.nodes[n].seq > tr.by_name("y").seq for n in second)  # made after the forward graph


def test_second_derivative_marks_the_backward_graph():
    tr = traced("second-derivative")
    made = [n for n in tr.nodes.values() if n.created_in_pass is not None]
    assert made, "the graph built by create_graph=True is missing"
    assert all(n.created_in_pass == 0 for n in made)
    assert all(n.kind == "op" for n in made)
    # dy_dx is one of them, and the second pass walks them
    assert tr.by_name("dy_dx").created_in_pass == 0
    second = {s.node for s in tr.backward_steps if s.pass_index == 1}
    assert {n.id for n in made} & second
    assert tr.passes[1].roots == (tr.by_name("dy_dx").id,)
    # the forward graph was made before any pass
    assert tr.by_name("y").created_in_pass is None


def test_many_inputs_numbers():
    v = traced("many-inputs").values
    assert approx([v["dy1_dx1"], v["dy1_dx2"]], [2, 1])
    assert approx([v["g1"], v["g2"]], [3, 2])
    assert traced("many-inputs").grads == {}  # autograd.grad does not touch .grad


def test_sgd_numbers_and_trimming():
    tr = traced("sgd")
    assert abs(tr.values["x"] - 1.0) < 1e-3
    assert abs(tr.values["y"]) < 1e-6
    assert tr.counts["passes_total"] == 500
    assert len(tr.passes) <= 3 and tr.counts["passes_shown"] == len(tr.passes)
    assert any(n.kind == "trimmed" for n in tr.notices)
    assert tr.counts["nodes_dropped"] > 0 and len(tr.nodes) < 100
    ns, _ = reference("sgd")
    assert_close(tr.grads["x"], ns["x"].grad, "x.grad after 500 steps")
    # the shown passes are the last ones; each is the same small graph
    per_pass = [ops_of(tr, tr.backward_steps[p.first_step:p.first_step + p.n_steps]) for p in tr.passes]
    assert per_pass and all(ops == per_pass[0] for ops in per_pass) and per_pass[0][-1] == "AccumulateGrad"
    # the leaf's value shown is where the last pass differentiated (x before the last step)
    x = tr.by_name("x")
    assert x.kind == "leaf" and 0.99 < x.value["data"] < 1.0


def test_himmelblau_heads_to_3_2():
    tr = traced("himmelblau-adam")
    start = 170.0  # himmelblau(0, 0) = 121 + 49
    assert tr.values["loss"] < start / 1000
    assert math.dist(tr.values["x"], [3.0, 2.0]) < 0.05
    assert tr.counts["passes_total"] == 200 and len(tr.passes) <= 3


def test_dot_detach_control_flow_numbers():
    assert approx(traced("dot").grads["x"], [0, 4, 8, 12])
    assert approx(traced("detach").grads["x"], [0, 1, 4, 9])
    tr = traced("control-flow")
    a, d, g = (torch.tensor(v) for v in (tr.values["a"], tr.values["d"], tr.grads["a"]))
    assert g == d / a  # exactly, as the tutorial asserts
    assert g == 4096.0


def test_detach_cuts_the_graph():
    tr = traced("detach")
    u = tr.by_name("u")
    assert u is not None and u.kind == "constant" and not u.requires_grad
    z = tr.by_name("z")
    assert any(e.source == u.id and e.target == z.id and e.kind == "constant" for e in tr.edges)


def test_two_paths_numbers():
    g = traced("two-paths").grads
    assert approx(g["x"], 17200.0, tol=1e-2)
    assert approx(g["a"], 1290.0, tol=1e-3)


def test_chain_rule_numbers():
    v = traced("chain-rule").values
    assert approx(v["dy2_dy1"], 2) and approx(v["dy1_dw1"], 1) and approx(v["dy2_dw1"], 2)
    assert len(traced("chain-rule").passes) == 3


def test_perceptron_numbers():
    tr = traced("perceptron")
    assert approx(tr.values["o"], [[0.7311, 0.7311]])
    assert approx(tr.grads["w"], [[-0.0529] * 10] * 2)


def test_softmax_and_relu_tanh():
    v = traced("softmax").values
    assert abs(sum(v["dp1_da"])) < 1e-6  # probabilities sum to 1, so their changes sum to 0
    assert v["dp1_da"][1] > 0 > v["dp1_da"][0]
    r = traced("relu-tanh").values
    assert r["dr_dx"] == [0.0, 0.0, 0.0, 1.0, 1.0]
    assert approx(r["dt_dx"], [1 - math.tanh(x) ** 2 for x in (-2.0, -0.5, 0.0, 0.5, 2.0)])


def test_mlp_graph():
    tr = traced("mlp")
    ops = [n.op for n in tr.nodes.values() if n.kind == "op"]
    assert ops.count("ReluBackward0") == 2
    assert "LogSoftmaxBackward0" in ops and "NllLossBackward0" in ops  # cross_entropy, opened up
    assert set(tr.grads) == {"w1", "b1", "w2", "b2", "w3", "b3"}
    assert tr.by_name("target").kind == "constant"


def test_class_mlp_names_its_parameters():
    tr = traced("class-mlp")
    names = {"net.fc1.weight", "net.fc1.bias", "net.fc2.weight", "net.fc2.bias"}
    assert set(tr.grads) == names
    assert names <= {n.label for n in tr.nodes.values() if n.kind == "leaf"}
    assert tr.stdout.startswith("Net(\n  (fc1): Linear(in_features=3, out_features=4, bias=True)")


def test_the_same_program_gives_the_same_trace():
    ex = examples.get("dot")
    first = explorer.trace(ex.source, inputs=ex.inputs, backward=ex.backward, sandbox=False)
    again = explorer.trace(ex.source, inputs=ex.inputs, backward=ex.backward, sandbox=False)
    assert again == first


def test_the_fast_constructors_make_the_same_objects_as_the_dataclasses():
    """model.maker skips frozen dataclasses' __init__ for speed: same fields, order, defaults, equality,
    hash, immutability, and the same TypeError for a wrong field."""
    import dataclasses

    import pytest

    from explorer.recording import model

    span = {"line": 1, "col": 0, "end_line": 1, "end_col": 3, "text": "x+2"}
    samples = {
        model.Node: {"id": "n1", "kind": "op", "op": "AddBackward0", "label": "add", "span": model.Span(**span),
                     "shape": (2,), "value": {"shape": [2], "dtype": "float32", "data": [1.0, 2.0]}},
        model.Edge: {"id": "e0", "source": "n0", "target": "n1", "input_index": 0},
        model.Step: {"index": 0, "phase": "backward", "node": "n1", "edges": ("e0",), "pass_index": 0},
        model.Pass: {"index": 0, "kind": "backward", "span": None, "roots": ("n1",)},
        model.Span: span,
        model.Notice: {"kind": "trimmed", "message": "m"},
    }
    for cls, values in samples.items():
        fast, slow = model.maker(cls)(**values), cls(**values)
        assert fast == slow and _hash(fast) == _hash(slow) and repr(fast) == repr(slow)
        assert list(vars(fast)) == list(vars(slow)) == [f.name for f in dataclasses.fields(cls)]
        with pytest.raises(dataclasses.FrozenInstanceError):
            fast.id = "other"  # type: ignore[misc]
        with pytest.raises(TypeError):
            model.maker(cls)(**values, unknown_field=1)
    a, b = model.make_node(id="a", kind="op", op="o", label="l"), model.make_node(id="b", kind="op", op="o", label="l")
    assert a.saved == {} and a.saved is not b.saved  # a default_factory: a new dict for each
    with pytest.raises(TypeError):
        model.make_edge(id="e0", source="n0")  # target, input_index missing


def _hash(x):
    try:
        return hash(x)
    except TypeError:  # a Node holds dicts (its value): unhashable either way
        return "unhashable"
