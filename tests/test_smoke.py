"""The first tutorial graph, end to end in this process, against plain torch."""
import torch

import explorer


def test_first_graph_matches_plain_torch():
    src = "x = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)\ny = x + 2\nz = y * y * 2\nout = z.mean()\nout.backward()\n"
    tr = explorer.trace(src, sandbox=False)
    x = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
    ((x + 2) * (x + 2) * 2).mean().backward()
    assert torch.allclose(torch.tensor(tr.grads["x"]), x.grad)
    ops = [n.op for n in tr.nodes.values() if n.kind == "op"]
    assert ops == ["AddBackward0", "MulBackward0", "MulBackward0", "MeanBackward0"]


def test_public_functions_survive_submodule_imports():
    import importlib

    for name in ("explorer.figure", "explorer.export", "explorer.trace.model", "explorer.graph", "explorer.layout"):
        importlib.import_module(name)
    assert callable(explorer.figure) and callable(explorer.export) and callable(explorer.trace)
