"""trace_tensor and record: graphs of trusted, ordinary PyTorch code, checked against torch itself."""
import json

import pytest
import torch

import explorer


def test_trace_tensor_names_leaves_and_follows_grad_fn():
    w = torch.randn(3, 2, requires_grad=True)
    x = torch.randn(4, 3)
    loss = torch.relu(x @ w).pow(2).mean()
    tr = explorer.trace_tensor(loss, params={"w": w})
    ops = [n.op for n in tr.nodes.values() if n.kind == "op"]
    # the chain torch records, read independently from grad_fn
    expected, fn = [], loss.grad_fn
    while fn is not None and fn.name() != "torch::autograd::AccumulateGrad":
        expected.append(fn.name())
        fn = fn.next_functions[0][0]
    assert sorted(ops) == sorted(expected)
    leaves = [n for n in tr.nodes.values() if n.kind == "leaf"]
    assert [leaf.label for leaf in leaves] == ["w"]
    assert tr.output_node.op == loss.grad_fn.name()
    assert w.grad is None  # walking the graph runs nothing


def test_record_captures_module_forward_and_backward():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Tanh())
    x = torch.randn(4, 3)
    with explorer.record() as rec:
        out = model(x).sum()
        out.backward()
    tr = rec.trace()
    names = {n.name for n in tr.nodes.values()}
    assert {"Linear.weight", "Linear.bias", "Linear", "Tanh"} <= names
    weight = tr.by_name("Linear.weight")
    assert torch.allclose(torch.tensor(weight.grad["data"]), model[0].weight.grad)
    assert len(tr.passes) == 1
    assert tr.backward_steps[0].node == tr.output_node.id



def test_record_takes_its_hooks_off_the_users_graph():
    """The user's tensors outlive the `with` block; the recorder must not live on through hooks on their graph,
    and a later backward outside the block must not be recorded."""
    import gc
    import weakref

    w = torch.tensor([1.0, 2.0], requires_grad=True)
    with explorer.record() as rec:
        loss = (w * w).sum()
        loss.backward(retain_graph=True)
    steps = len(rec.trace().backward_steps)
    recorder = weakref.ref(rec._rec)
    trace = rec.trace()
    del rec
    gc.collect()
    assert recorder() is None, "the recorder is kept alive by hooks left on the graph"
    loss.backward()  # the same graph again, outside the block
    assert len(trace.backward_steps) == steps
    assert torch.equal(w.grad, 4 * w.detach())


PROGRAM = "import torch\nx = torch.tensor(2.0, requires_grad=True)\ny = x ** 3\ny.backward()\n"


def test_figure_export_and_quiz_take_a_programs_text(tmp_path):
    """In a notebook the obvious first try is explorer.figure("...program..."): it is traced (sandboxed) first,
    and draws what the trace draws; export and quiz take the text too."""
    x = torch.tensor(2.0, requires_grad=True)
    (x ** 3).backward()
    assert explorer.figure(PROGRAM).to_dict() == explorer.figure(explorer.trace(PROGRAM)).to_dict()
    questions = list(explorer.quiz(PROGRAM))
    assert questions and questions[-1].check(str(x.grad.item()))  # the last: what reaches x, torch's 12
    data = json.loads(explorer.export(PROGRAM, tmp_path / "g.json").read_text())
    assert data["grads"]["x"] == x.grad.item()


def test_figure_of_something_else_says_what_it_takes():
    with pytest.raises(TypeError, match=r"takes a Trace .* or a program's text, not int"):
        explorer.figure(3)


def test_a_trace_shows_itself_in_one_line():
    """A notebook cell ending with `tr` shows a summary, not pages of nodes."""
    text = repr(explorer.trace(PROGRAM))
    assert "\n" not in text and len(text) < 200
    assert text == "<Trace: 3 nodes, 2 edges, 1 backward pass shown, output y; x.grad>"
