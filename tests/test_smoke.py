"""The first tutorial graph, end to end in this process, against plain torch; and what `import explorer` costs."""
import subprocess
import sys

import torch

import explorer


def test_first_graph_matches_plain_torch():
    src = ("x = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)\n"
           "y = x + 2\nz = y * y * 2\nout = z.mean()\nout.backward()\n")
    tr = explorer.trace(src, sandbox=False)
    x = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
    ((x + 2) * (x + 2) * 2).mean().backward()
    assert torch.allclose(torch.tensor(tr.grads["x"]), x.grad)
    ops = [n.op for n in tr.nodes.values() if n.kind == "op"]
    assert ops == ["AddBackward0", "MulBackward0", "MulBackward0", "MeanBackward0"]


def test_public_functions_survive_submodule_imports():
    import importlib

    for name in ("explorer.drawing.figure", "explorer.drawing.export", "explorer.recording.model",
                 "explorer.recording.graph", "explorer.drawing.layout", "explorer.recording"):
        importlib.import_module(name)
    assert callable(explorer.figure) and callable(explorer.export) and callable(explorer.trace)
    assert explorer.trace.__module__ == "explorer.api"


def _modules_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys; print(' '.join(sys.modules))"],
                         capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_tracing_in_a_notebook_never_imports_dash_or_plotly():
    program = "x = torch.tensor(2.0, requires_grad=True)\\ny = x * x"
    loaded = _modules_after(f"import explorer\ntr = explorer.trace('{program}', sandbox=False)\n"
                            "assert tr.grads['x'] == 4.0")
    assert "explorer.recording.run" in loaded  # the program really ran here
    assert not {m for m in loaded if m.split(".")[0] in ("dash", "plotly", "flask")}


def test_import_explorer_alone_imports_no_torch():
    loaded = _modules_after("import explorer")
    assert "torch" not in loaded and "explorer.api" not in loaded
    loaded = _modules_after("import explorer; explorer.Limits")
    assert "explorer.config" in loaded and "torch" not in loaded
