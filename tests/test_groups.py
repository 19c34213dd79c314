"""Groups (Trace.groups, Node.group): every node knows the module call, function call, loop iteration and line it
was made in, and module paths are spelled as torch's own `named_modules()` spells them."""
from __future__ import annotations

import json

import pytest
import torch
from torch import nn

from explorer.recording.groups import chain, depth, module_of
from explorer.recording.model import Trace
from explorer.recording.run import trace_in_process

HEADER = "import torch\nimport torch.nn as nn\n"


def run(body: str) -> Trace:
    return trace_in_process(HEADER + body)


def module_labels(tr: Trace) -> set[str]:
    return {g.label for g in tr.groups.values() if g.kind == "module"}


def torch_paths(name: str, m: nn.Module, called_only: bool = False) -> set[str]:
    """What named_modules() says, under the program's variable."""
    return {f"{name}.{p}" if p else name for p, sub in m.named_modules()
            if not (called_only and isinstance(sub, (nn.ModuleList, nn.ModuleDict)))}


def group_of(tr: Trace, node) -> str:
    return tr.groups[node.group].label


def ops_in(tr: Trace, label: str, op: str) -> list:
    return [n for n in tr.nodes.values() if n.op == op and any(g.label == label for g in chain(tr.groups, n.group))]


def test_sequential_paths_are_named_modules():
    tr = run("model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 1))\n"
             "x = torch.ones(2, 4)\nloss = model(x).sum()\nloss.backward()\n")
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 1))
    assert module_labels(tr) == torch_paths("model", model) == {"model", "model.0", "model.1", "model.2"}
    addmm = [n for n in tr.nodes.values() if n.op == "AddmmBackward0"]
    assert [group_of(tr, n) for n in addmm] == ["model.0", "model.2"]
    assert [g.label for g in chain(tr.groups, addmm[0].group)] == ["model", "model.0"]
    relu = next(n for n in tr.nodes.values() if n.op == "ReluBackward0")
    assert group_of(tr, relu) == "model.1"
    # parameters sit in their module, and their gradients are torch's
    weight = tr.by_name("model.2.weight")
    assert weight is not None and group_of(tr, weight) == "model.2"
    model(torch.ones(2, 4)).sum().backward()
    assert torch.allclose(torch.tensor(tr.grads["model.2.weight"]), model[2].weight.grad)
    # the input carries no gradient: a constant of the caller, outside the model
    x = next(n for n in tr.nodes.values() if n.kind == "constant" and n.label == "x")
    assert module_of(tr.groups, x.group) is None


NESTED = """
class Block(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.fc = nn.Linear(n, n)
        self.act = nn.Tanh()
    def forward(self, x):
        return self.act(self.fc(x))

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = Block(3)
        self.layers = nn.ModuleList([Block(3) for _ in range(2)])
        self.head = nn.Linear(3, 1)
    def forward(self, x):
        x = self.encoder(x)
        for layer in self.layers:
            x = layer(x)
        return self.head(x)

net = Net()
x = torch.ones(2, 3)
loss = net(x).sum()
loss.backward()
"""


class Block(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.fc = nn.Linear(n, n)
        self.act = nn.Tanh()

    def forward(self, x):
        return self.act(self.fc(x))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = Block(3)
        self.layers = nn.ModuleList([Block(3) for _ in range(2)])
        self.head = nn.Linear(3, 1)

    def forward(self, x):
        x = self.encoder(x)
        for layer in self.layers:
            x = layer(x)
        return self.head(x)


def test_nested_modules_and_module_list_follow_named_modules():
    tr = run(NESTED)
    torch.manual_seed(0)
    net = Net()
    # every module that was called, named as named_modules() names it; a ModuleList is never called itself
    assert module_labels(tr) == torch_paths("net", net, called_only=True)
    assert "net.layers" in torch_paths("net", net) and "net.layers" not in module_labels(tr)
    fc = [g for g in tr.groups.values() if g.label == "net.layers.1.fc"]
    assert len(fc) == 1 and fc[0].cls == "Linear"
    assert [g.label for g in chain(tr.groups, fc[0].id) if g.kind == "module"] == ["net", "net.layers.1",
                                                                                     "net.layers.1.fc"]
    assert depth(tr.groups, fc[0].id) == 3
    blocks = [g for g in tr.groups.values() if g.cls == "Block"]
    assert [g.label for g in blocks] == ["net.encoder", "net.layers.0", "net.layers.1"]
    assert len({g.key for g in blocks}) == 1  # the same class: what "collapse repeated" folds
    # parameters: names, shapes and counts as named_parameters() gives them
    top = next(g for g in tr.groups.values() if g.label == "net")
    assert top.cls == "Net"
    assert top.n_params == sum(p.numel() for p in net.parameters())
    assert list(top.params) == [(f"net.{name}", tuple(p.shape)) for name, p in net.named_parameters()]
    # the loop inside forward has one group per iteration, inside net
    loops = [g for g in tr.groups.values() if g.kind == "loop"]
    assert [g.index for g in loops] == [0, 1] and {tr.groups[g.parent].label for g in loops} == {"net"}
    # gradients as torch gives them
    net(torch.ones(2, 3)).sum().backward()
    for name, p in net.named_parameters():
        assert torch.allclose(torch.tensor(tr.grads[f"net.{name}"]), p.grad, atol=1e-6), name


def test_a_shared_module_called_twice_has_one_path_and_two_calls():
    tr = run("class Twice(nn.Module):\n"
             "    def __init__(self):\n"
             "        super().__init__()\n"
             "        self.fc = nn.Linear(2, 2)\n"
             "    def forward(self, x):\n"
             "        return self.fc(self.fc(x))\n"
             "net = Twice()\nloss = net(torch.ones(1, 2)).sum()\nloss.backward()\n")
    calls = [g for g in tr.groups.values() if g.label == "net.fc"]
    assert [g.index for g in calls] == [0, 1]
    first, second = (ops_in(tr, "net.fc", "AddmmBackward0")[i] for i in (0, 1))
    assert first.group != second.group
    assert tr.groups[first.group].index == 0 and tr.groups[second.group].index == 1
    assert group_of(tr, tr.by_name("net.fc.weight")) == "net.fc"
    assert tr.groups[tr.by_name("net.fc.weight").group].index == 0
    torch.manual_seed(0)
    twice = nn.Linear(2, 2)
    assert torch_paths("net", nn.ModuleDict({"fc": twice})) == {"net", "net.fc"}


def test_helper_functions_and_loops_are_groups():
    tr = run("def square_plus(v, c):\n"
             "    return v * v + c\n"
             "w = torch.tensor(2.0, requires_grad=True)\n"
             "y = w\n"
             "for i in range(3):\n"
             "    y = square_plus(y, 1.0)\n"
             "y.backward()\n")
    loops = [g for g in tr.groups.values() if g.kind == "loop"]
    assert [(g.label, g.index) for g in loops] == [("for i in range(3)", i) for i in range(3)]
    calls = [g for g in tr.groups.values() if g.kind == "function"]
    assert [(g.label, g.index) for g in calls] == [("square_plus()", i) for i in range(3)]
    assert [tr.groups[g.parent].index for g in calls] == [0, 1, 2]
    muls = [n for n in tr.nodes.values() if n.op == "MulBackward0"]
    assert [[g.kind for g in chain(tr.groups, n.group)] for n in muls] == [["loop", "function", "line"]] * 3
    assert [tr.groups[n.group].label for n in muls] == ["return v * v + c"] * 3
    assert [tr.groups[n.group].line for n in muls] == [4] * 3
    w = torch.tensor(2.0, requires_grad=True)
    y = w
    for _ in range(3):
        y = y * y + 1.0
    y.backward()
    assert tr.grads["w"] == pytest.approx(w.grad.item())


def test_a_module_no_variable_holds_is_named_by_its_class_and_path():
    tr = run("class Net(nn.Module):\n"
             "    def __init__(self):\n"
             "        super().__init__()\n"
             "        self.fc = nn.Linear(2, 1)\n"
             "    def forward(self, x):\n"
             "        return self.fc(x)\n"
             "def main():\n"
             "    return Net()(torch.ones(1, 2)).sum()\n"
             "loss = main()\nloss.backward()\n")
    assert module_labels(tr) == {"Net", "Net.fc"}


def test_a_training_loop_puts_parameters_in_their_first_shown_call():
    tr = run("model = nn.Sequential(nn.Linear(2, 2), nn.Tanh(), nn.Linear(2, 1))\n"
             "opt = torch.optim.SGD(model.parameters(), lr=0.1)\n"
             "x = torch.ones(4, 2)\n"
             "for step in range(20):\n"
             "    opt.zero_grad()\n"
             "    loss = model(x).pow(2).mean()\n"
             "    loss.backward()\n"
             "    opt.step()\n")
    weight = tr.by_name("model.0.weight")
    home = chain(tr.groups, weight.group)
    assert home[-1].label == "model.0"
    loops = [g for g in tr.groups.values() if g.kind == "loop"]
    assert [g.index for g in loops] == [17, 18, 19]  # the iterations shown (the last KEEP_PASSES)
    assert home[0] == loops[0]
    x = next(n for n in tr.nodes.values() if n.label == "x")  # made once, used by every iteration: outside
    assert x.group is None or chain(tr.groups, x.group)[0].kind != "loop"


def test_groups_round_trip():
    tr = run(NESTED)
    assert tr.groups and all(n.group is None or n.group in tr.groups for n in tr.nodes.values())
    again = Trace.from_dict(json.loads(json.dumps(tr.to_dict())))
    assert again == tr
    assert again.groups == tr.groups
    # a trace written before groups existed still loads
    old = tr.to_dict()
    del old["groups"]
    for nd in old["nodes"]:
        del nd["group"]
    assert Trace.from_dict(old).groups == {}


def test_a_loop_that_makes_no_node_makes_no_group():
    tr = run("total = 0\n"
             "for i in range(1000):\n"
             "    total = total + i\n"
             "w = torch.tensor(1.0, requires_grad=True)\n"
             "y = w * total\n"
             "y.backward()\n")
    assert {g.kind for g in tr.groups.values()} == {"line"}
    from explorer.config import Limits
    from explorer.recording.capture import Recorder

    rec = Recorder("x\n", Limits())
    for i in range(1000):  # what the interpreter tells the recorder: kept on a stack, nothing made
        rec.enter("loop", None, None, i)
        rec.leave()
    assert rec.group_log.groups == {}


def test_sequential_inputs_stay_outside_and_groups_are_made_once():
    tr = run("model = nn.Sequential(nn.Sequential(nn.Linear(2, 2), nn.Tanh()), nn.Linear(2, 1))\n"
             "x = torch.ones(3, 2)\n"
             "for i in range(2):\n"
             "    loss = model(x).sum()\n"
             "loss.backward()\n")
    labels = [(g.label, g.index) for g in tr.groups.values() if g.kind == "module"]
    assert labels == [(p, i) for i in range(2) for p in ("model", "model.0", "model.0.0", "model.0.1", "model.1")]
    x = next(n for n in tr.nodes.values() if n.label == "x")
    assert [g.kind for g in chain(tr.groups, x.group)] == ["loop", "line"]
