"""Real exports: kaleido with the system's Chromium for images, plotly.js inlined for HTML."""
import json
import re
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET

import pytest

import explorer
from explorer.drawing.export import ExportError, export, to_image
from explorer.drawing.figure import figure
from explorer.examples import EXAMPLES, get

pytestmark = pytest.mark.browser


def traced(key):
    ex = get(key)
    return explorer.trace(ex.source, inputs=ex.inputs, backward=ex.backward, sandbox=False)


@pytest.mark.parametrize("key", [ex.key for ex in EXAMPLES])
def test_every_example_exports_to_every_format(key, tmp_path):
    tr = traced(key)
    fig = figure(tr)
    png = export(fig, tmp_path / "g.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5_000
    svg = export(fig, tmp_path / "g.svg").read_text()
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    ops = {n.op for n in tr.nodes.values() if n.kind == "op"}
    assert all(op in svg for op in ops)  # the node names are in the picture
    pdf = export(fig, tmp_path / "g.pdf").read_bytes()
    assert pdf[:5] == b"%PDF-" and len(pdf) > 1_000
    html = export(fig, tmp_path / "g.html").read_text()
    assert "ExplorerPlayer" in html and "plotly" in html.lower()
    # nothing is fetched from the network: no script, stylesheet or image from a URL (plotly.js itself is
    # inlined; its bundle mentions map-tile sites in strings, which never load without a map trace)
    assert not re.search(r"<(script|link|img)[^>]+(src|href)\s*=\s*[\"']?(https?:)?//", html, re.I)
    assert "explorer-graph" in html
    data = json.loads(export(tr, tmp_path / "g.json").read_text())
    assert explorer.Trace.from_dict(data) == tr


def test_concurrent_exports_get_their_own_images():
    # kaleido's kept server mixes up concurrent calls (upstream issue 444); the lock must prevent that
    keys = ["first-graph", "perceptron", "two-paths", "softmax", "dot", "detach"]
    figs = {k: figure(traced(k)) for k in keys}
    results: dict[str, str] = {}

    def run(k):
        results[k] = to_image(figs[k], "svg").decode()

    threads = [threading.Thread(target=run, args=(k,)) for k in keys]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for k in keys:
        tr = traced(k)
        ops = {n.op for n in tr.nodes.values() if n.kind == "op"}
        assert all(op in results[k] for op in ops), k


def test_unknown_extension_is_a_clear_error(tmp_path):
    with pytest.raises(ExportError, match=r"\.png"):
        export(traced("dot"), tmp_path / "g.bmp")


def run_cli(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "explorer", *args], input=stdin, capture_output=True,
                          text=True, timeout=120)


def test_cli_exports_an_example_and_a_program_from_stdin(tmp_path):
    out = tmp_path / "g.svg"
    r = run_cli("export", "--example", "first-graph", "-o", str(out), "--theme", "projector", "--direction", "TB")
    assert r.returncode == 0, r.stderr
    assert "MulBackward0" in out.read_text()
    out2 = tmp_path / "t.json"
    r = run_cli("trace", "-", "-o", str(out2), stdin="z = y * y * 2\n")
    assert r.returncode == 0, r.stderr
    assert json.loads(out2.read_text())["grads"]["y"] == 12.0


def test_cli_bad_program_exits_2_with_line_and_column(tmp_path):
    r = run_cli("export", "-", "-o", str(tmp_path / "g.png"), stdin="x = 1\ny = x +* 2\n")
    assert r.returncode == 2
    assert "line 2" in r.stderr and "column" in r.stderr and "Traceback" not in r.stderr
    r = run_cli("trace", "-", stdin="import sys\n")
    assert r.returncode == 2 and "not-allowed" in r.stderr and "Traceback" not in r.stderr


def test_gif_has_one_frame_per_step_and_shows_the_caption(tmp_path):
    from PIL import Image

    from explorer.drawing.figure import figure_meta, step_caption

    tr = traced("first-graph")
    fig = figure(tr)
    path = export(fig, tmp_path / "steps.gif")
    assert path.read_bytes()[:6] in (b"GIF87a", b"GIF89a")
    meta = figure_meta(fig)
    with Image.open(path) as im:
        assert im.n_frames == len(meta["steps"]) + 1  # the start frame, then every step
    last = step_caption(meta, len(meta["steps"]) - 1)
    assert last.startswith(f"backward {len(tr.backward_steps)}/{len(tr.backward_steps)}")
    assert "gets 1" not in step_caption(meta, meta["n_forward"] + 1)  # the second backward step is not the root


def test_an_image_asked_before_kaleidos_page_was_ready_is_asked_again(monkeypatch):
    """On a busy machine kaleido once ran its script before its page had loaded (`ReferenceError:
    kaleido_scopes is not defined`): the export asks once more instead of failing; other errors fail at once."""
    from explorer.drawing import export as ex

    calls = []
    real = ex.pio.to_image

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("{'className': 'ReferenceError', 'description': 'kaleido_scopes is not defined'}")
        return real(*args, **kwargs)

    monkeypatch.setattr(ex.pio, "to_image", flaky)
    fig = explorer.figure(explorer.trace("y = x * 2", inputs={"x": 1.0}, sandbox=False))
    assert ex.to_image(fig, "svg").startswith(b"<svg")
    assert len(calls) == 2

    def broken(*args, **kwargs):
        calls.append(1)
        raise RuntimeError("no browser")

    calls.clear()
    monkeypatch.setattr(ex.pio, "to_image", broken)
    with pytest.raises(ex.ExportError):
        ex.to_image(fig, "svg")
    assert len(calls) == 1


def test_drawing_options_for_a_ready_figure_are_refused_not_ignored(tmp_path):
    """`export(fig, path, digits=6)` of a Figure drawn at 4 digits would write 4: the user is told where the
    option goes instead. A Trace takes them."""
    tr = explorer.trace("x = torch.tensor(1.0, requires_grad=True)\ny = x / 3\ny.backward()")
    fig = figure(tr)
    with pytest.raises(ExportError, match=r"digits=.*explorer\.figure"):
        export(fig, tmp_path / "g.html", digits=6)
    with pytest.raises(ExportError, match=r"digits=, theme="):
        export(fig, tmp_path / "g.html", theme="dark", digits=6)
    assert not (tmp_path / "g.html").exists()
    html = export(tr, tmp_path / "t.html", digits=6).read_text()
    assert "0.333333" in html
