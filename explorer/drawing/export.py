"""Files for slides and notes: PNG, SVG, PDF, GIF (kaleido + the system's Chromium), HTML, JSON.

Kaleido 1.x drives a real browser. A one-shot export pays a browser start (about 2.7 s here); a kept
sync server answers in about 0.2 s but is not thread-safe (concurrent calls get each other's images,
upstream Kaleido issue 444), so every image goes through one lock.
"""
from __future__ import annotations

import functools
import re
import subprocess
import threading
import time
import warnings
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio

from explorer import fastjson
from explorer.choices import DEFAULT_LANG
from explorer.recording.model import Trace

IMAGE_FORMATS = ("png", "svg", "pdf")
FORMATS = IMAGE_FORMATS + ("html", "json", "gif")

_kaleido_lock = threading.Lock()
_server_started = False


class ExportError(RuntimeError):
    """An export that could not be made, with what to do about it."""


def export(obj: Trace | go.Figure, path: str | Path, *, scale: float = 2.0, step: int | None = None,
           **figure_options: Any) -> Path:
    """Write `obj` (a Trace, or a Figure from explorer.drawing.figure) to `path`, choosing the format by extension.

    A picture (PNG, SVG, PDF) shows everything: every value and gradient. With `step=k` it shows the graph as
    the player does at step k (0-based, -1 before the first): only what is computed by then, the step lit,
    the gradients its edges carry. HTML and GIF play the steps, revealing as they go."""
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise ExportError(f"can't export to .{fmt}; use one of: {', '.join('.' + f for f in FORMATS)}")
    if fmt == "json":
        if not isinstance(obj, Trace):
            raise ExportError(".json export needs a Trace (the figure is drawn from it)")
        path.write_bytes(fastjson.dumps(obj.to_dict()))
        return path
    drawing = sorted(set(figure_options) - {"lang"})
    if isinstance(obj, go.Figure) and drawing:  # silently ignored, they would surprise: say so
        given = ", ".join(f"{o}=" for o in drawing)
        raise ExportError(f"{given} {'is an option' if len(drawing) == 1 else 'are options'} of drawing, and "
                          f"this Figure is drawn already: draw it with explorer.figure(trace, {given}...) and "
                          f"export that, or export the Trace with {given}...")
    fig = obj if isinstance(obj, go.Figure) else _figure(obj, **figure_options)
    lang = figure_options.get("lang", DEFAULT_LANG)
    if fmt == "html":
        path.write_text(to_html(fig, lang=lang), encoding="utf-8")
    elif fmt == "gif":
        path.write_bytes(to_gif(fig, lang=lang))
    else:
        if step is not None:
            from explorer.drawing.figure import figure_at_step

            fig = figure_at_step(fig, int(step), lang)
        path.write_bytes(to_image(fig, fmt, scale=scale))
    return path


def _figure(trace: Trace, **options: Any) -> go.Figure:
    from explorer.drawing.figure import figure

    return figure(trace, **options)


def to_image(fig: go.Figure, fmt: str, *, scale: float = 2.0, width: int | None = None,
             height: int | None = None) -> bytes:
    """PNG/SVG/PDF bytes of `fig`, through one kept kaleido server, one call at a time."""
    if fmt not in IMAGE_FORMATS:
        raise ExportError(f"image format must be one of {', '.join(IMAGE_FORMATS)}")
    width, height = width or _auto_size(fig)[0], height or _auto_size(fig)[1]
    fig = _labels_fitted(fig, width, height)
    _warn_if_no_chinese_font(fig)
    with _kaleido_lock:
        _start_server()
        for attempt in range(2):
            try:
                with warnings.catch_warnings():
                    warnings.filterwarnings("ignore", message="The kopts argument is ignored")
                    return pio.to_image(fig, format=fmt, scale=scale, width=width, height=height)
            except Exception as e:
                if attempt == 0 and _transient(e):
                    time.sleep(0.2)
                    continue
                raise ExportError(_browser_hint(e)) from e
    raise AssertionError("unreachable")


def _transient(error: Exception) -> bool:
    """kaleido asked its page before the page's own script had loaded (`ReferenceError: kaleido_scopes is not
    defined`, seen on a machine busy with other work): the same image, asked again, comes out."""
    return "ReferenceError" in str(error)


def _start_server() -> None:
    global _server_started
    if _server_started:
        return
    try:
        import kaleido
    except ImportError:
        raise ExportError("image export needs kaleido, a dependency of the explorer: install the explorer "
                          "again (`pip install -e .` in its checkout), or `pip install kaleido`") from None
    start = getattr(kaleido, "start_sync_server", None)
    if start is not None:
        try:
            start(silence_warnings=True)
        except TypeError:
            start()
        except Exception:  # noqa: BLE001 - fall back to one browser per image
            return
    _server_started = True


_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_font_warned = False


@functools.lru_cache(maxsize=1)
def _chinese_font_missing() -> bool:
    """True when fontconfig lists no font for Chinese (Chromium would draw every Han character as a box)."""
    try:
        found = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):  # no fontconfig (not Linux): nothing to say
        return False
    return found.returncode == 0 and not found.stdout.strip()


def _warn_if_no_chinese_font(fig: go.Figure) -> None:
    global _font_warned
    if _font_warned or not _chinese_font_missing():
        return
    if _has_han(fig.to_plotly_json() if isinstance(fig, go.Figure) else fig):
        _font_warned = True
        warnings.warn("the figure has Chinese text, but no Chinese font is installed: the image will show empty "
                      "boxes instead. Install one, e.g. `apt-get install fonts-noto-cjk` on Debian/Ubuntu",
                      stacklevel=3)


def _has_han(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _HAN.search(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
        elif getattr(item, "dtype", None) is not None and item.dtype.kind in "UO":  # numpy text arrays
            stack.extend(item.ravel().tolist())
    return False


def _browser_hint(e: BaseException) -> str:
    text = str(e)
    if "chrome" in text.lower() or "browser" in text.lower() or "executable" in text.lower():
        return ("image export needs Chrome or Chromium, which was not found. Install one, e.g. "
                "`apt-get install chromium` on Debian/Ubuntu, or set BROWSER_PATH to its executable. "
                f"({text.splitlines()[0] if text else type(e).__name__})")
    return f"image export failed: {text.splitlines()[0] if text else type(e).__name__}"


def _auto_size(fig: go.Figure) -> tuple[int, int]:
    """Pixels for an image: layout units are pixels at zoom 1; within sensible bounds."""
    try:
        x0, x1 = fig.layout.xaxis.range
        y1, y0 = fig.layout.yaxis.range
        w, h = abs(x1 - x0), abs(y1 - y0)
    except (TypeError, ValueError):
        return 1200, 700
    try:  # the notes above the picture (figure.py _add_notes) make the top margin taller
        top = max(0.0, float(fig.layout.margin.t or 0) - float(fig.layout.margin.b or 0))
    except (TypeError, ValueError):
        top = 0.0
    width = int(min(max(w + 40, 400), 4000))
    height = int(min(max(h + 40 + top, 250), 4000))
    return width, height


def _labels_fitted(fig: go.Figure, width: int, height: int) -> go.Figure:
    """`fig` as it fits an image of width x height px: labels are text of a fixed size, boxes are drawn in layout
    units, so when the image is smaller than the graph (a graph beyond _auto_size's bounds), a copy whose labels
    are shrunk as much as the boxes (their lines' sizes are relative to the trace's font: figure.node_text)."""
    from explorer.drawing.figure import NODE_LABELS

    try:
        x0, x1 = fig.layout.xaxis.range
        y1, y0 = fig.layout.yaxis.range
        margin = fig.layout.margin
        room_w = width - (margin.l or 0) - (margin.r or 0)
        room_h = height - (margin.t or 0) - (margin.b or 0)
        zoom = min(room_w / abs(x1 - x0), room_h / abs(y1 - y0))
    except (TypeError, ValueError, ZeroDivisionError):
        return fig
    if zoom >= 0.999:
        return fig
    out = go.Figure(fig)
    for trace in out.data:
        if trace.name == NODE_LABELS and trace.textfont.size:
            trace.textfont.size = trace.textfont.size * zoom
    return out


def to_html(fig: go.Figure, lang: str = DEFAULT_LANG) -> str:
    """One self-contained, offline HTML file: plotly.js inlined, no external URL, the step controls working,
    its captions and buttons in `lang`."""
    from explorer.drawing.figure import NODE_LABELS, PLOTLY_CONFIG, figure_meta
    from explorer.drawing.html_player import config_element, player_config, player_script

    if figure_meta(fig).get("steps"):  # the player shows the labels, revealed step by step
        fig = go.Figure(fig)
        fig.update_traces(selector=dict(name=NODE_LABELS), visible=False)
    html = pio.to_html(fig, include_plotlyjs=True, full_html=True, config=dict(PLOTLY_CONFIG),
                       div_id="explorer-graph", post_script=player_script())
    # the player's settings, in the page before any script that reads them
    return html.replace("<body>", "<body>\n" + config_element(player_config(lang)), 1)


def to_gif(fig: go.Figure, *, seconds_per_step: float = 0.9, max_frames: int = 120, scale: float = 1.0,
           lang: str = DEFAULT_LANG) -> bytes:
    """The forward and backward animation as an animated GIF: one frame per step, with its caption (in `lang`).

    Each frame is the figure with the step highlighted exactly as the browser player does it
    (assets/animation.js), rendered by kaleido, so a slide shows what the app shows."""
    try:
        from PIL import Image
    except ImportError:
        raise ExportError("GIF export needs Pillow, a dependency of the explorer: install the explorer "
                          "again (`pip install -e .` in its checkout), or `pip install pillow`") from None
    import io

    from explorer.drawing.figure import figure_meta, highlight_step

    meta = figure_meta(fig)
    steps = list(range(-1, len(meta["steps"])))
    if len(steps) > max_frames:  # keep the first, the last and an even spread between
        stride = len(steps) / max_frames
        steps = sorted({steps[int(i * stride)] for i in range(max_frames)} | {steps[-1]})
    width, height = _auto_size(fig)
    height += 40  # room for the caption
    frames = []
    for k in steps:
        frame = highlight_step(fig, meta, k, lang)
        png = to_image(frame, "png", scale=scale, width=width, height=height)
        frames.append(Image.open(io.BytesIO(png)).convert("RGB"))
    out = io.BytesIO()
    durations = [int(seconds_per_step * 1000)] * len(frames)
    durations[-1] = 3000  # linger on the end state
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:], duration=durations, loop=0,
                   optimize=True)
    return out.getvalue()
