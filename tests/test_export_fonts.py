"""Chinese labels in exported images are drawn with real glyphs, not as empty boxes.

Chromium (through kaleido) draws a character no installed font has as a box, the same box for every such
character. So the same graph is rendered three times, differing only in one variable's name: two Chinese
names and two private-use characters (U+E000, U+E001), which no font draws. With a CJK font installed
(Debian: fonts-noto-cjk) the three images differ where the name is drawn; without one all three are the same
boxes. A second test renders in a Chromium that sees no CJK font, to show that this check does fail then.
"""
from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import plotly.graph_objects as go
import pytest

import explorer
from explorer.drawing import export as export_module
from explorer.drawing.export import to_image
from explorer.drawing.figure import figure

ROOT = Path(__file__).resolve().parent.parent
NAMES = {"gradient": "梯度", "tensor": "张量", "boxes": "\ue000\ue001"}
PROGRAM = "梯度 = torch.tensor([1.0, 2.0], requires_grad=True)\n损失 = (梯度 * 3).sum()\n"


def _replaced(value, old: str, new: str):
    if isinstance(value, str):
        return value.replace(old, new)
    if isinstance(value, dict):
        return {k: _replaced(v, old, new) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_replaced(v, old, new) for v in value]
    return value


def render_names() -> dict[str, bytes]:
    """Grey pixels of the graph PNG for each name in NAMES (same figure, only the leaf's name changed)."""
    from PIL import Image

    base = figure(explorer.trace(PROGRAM, sandbox=False)).to_dict()
    pixels = {}
    for key, name in NAMES.items():
        png = to_image(go.Figure(_replaced(base, NAMES["gradient"], name)), "png", scale=1.0)
        with Image.open(io.BytesIO(png)) as im:
            pixels[key] = im.convert("L").tobytes()
    return pixels


def differing(a: bytes, b: bytes) -> int:
    assert len(a) == len(b)  # the same geometry: only the drawn text can differ
    return sum(abs(x - y) > 40 for x, y in zip(a, b))


@pytest.mark.browser
def test_chinese_labels_are_drawn_as_glyphs():
    px = render_names()
    # each Chinese name draws differently from the other and from the boxes: real glyphs, a few hundred pixels
    names = differing(px["gradient"], px["tensor"])
    boxes = min(differing(px["gradient"], px["boxes"]), differing(px["tensor"], px["boxes"]))
    assert names > 30, f"two Chinese names look the same ({names} pixels differ): is a CJK font missing?"
    assert boxes > 30, f"Chinese text is drawn as boxes ({boxes} pixels differ): is a CJK font missing?"


@pytest.mark.browser
def test_the_check_fails_without_a_cjk_font(tmp_path):
    """The same renders in a Chromium whose fontconfig lists only the Latin fonts: all three come out alike,
    and the export says why."""
    latin = [d for d in ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/truetype/liberation") if
             Path(d).is_dir()]
    if not latin or not shutil.which("fc-list"):
        pytest.skip("needs fontconfig and the DejaVu fonts (Debian: fonts-dejavu-core)")
    conf = tmp_path / "fonts.conf"
    conf.write_text("<?xml version='1.0'?>\n<!DOCTYPE fontconfig SYSTEM 'fonts.dtd'>\n<fontconfig>\n"
                    + "".join(f"  <dir>{d}</dir>\n" for d in latin)
                    + f"  <cachedir>{tmp_path / 'cache'}</cachedir>\n</fontconfig>\n")
    env = {**os.environ, "FONTCONFIG_FILE": str(conf), "PYTHONPATH": str(ROOT)}
    code = ("from tests.test_export_fonts import differing, render_names\n"
            "px = render_names()\n"
            "print(differing(px['gradient'], px['tensor']), differing(px['gradient'], px['boxes']))\n")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                       timeout=180)
    assert r.returncode == 0, r.stderr
    between_names, name_vs_boxes = map(int, r.stdout.split())
    assert between_names <= 30 and name_vs_boxes <= 30, r.stdout  # boxes everywhere: the first test would fail
    assert r.stderr.count("no Chinese font is installed") == 1, r.stderr  # warned, once
    assert "fonts-noto-cjk" in r.stderr


def test_export_warns_only_for_chinese_text_without_a_font(monkeypatch):
    monkeypatch.setattr(export_module, "_font_warned", False)
    monkeypatch.setattr(export_module, "_chinese_font_missing", lambda: True)
    latin = go.Figure(go.Scatter(x=[0], y=[0], text=["grad"], mode="text"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        export_module._warn_if_no_chinese_font(latin)
    chinese = go.Figure(layout={"annotations": [{"text": "损失 = (梯度 * 3).sum()"}]})
    with pytest.warns(UserWarning, match="fonts-noto-cjk"):
        export_module._warn_if_no_chinese_font(chinese)
    monkeypatch.setattr(export_module, "_font_warned", False)
    monkeypatch.setattr(export_module, "_chinese_font_missing", lambda: False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        export_module._warn_if_no_chinese_font(chinese)
