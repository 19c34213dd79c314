"""Numbers travel as numbers: the compact form of a figure the web app sends (figure_dict(compact=True)).

A figure's text is mostly numbers written out again and again: each node's value and gradient on its
label, again (longer) in its hover text, again in the animation's steps. The compact form sends each value
once, as numbers, in one shared table, and the page writes the text (assets/values.js, which mirrors
explorer/drawing/text.py exactly; tests/test_golden_text.py holds both to the text figures showed before):

    layout.meta["explorer"] (a JSON string) holds the step format (explorer/drawing/steps.py) with
      steps[i]["v"], steps[i]["g"][j]:  value indices (int, -1: none) instead of texts, and
      "table": {
        "nums":   {"dtype": "f4" | "f8", "bdata": base64},  # every number of every value, one after the other
                                        # (float32 when every one is a float32 exactly: most traces)
        "count":  [int, ...],           # per value: how many numbers it has in "nums"
        "shape":  [int, ...],           # per value: its shape, an index into "shapes"
        "kind":   "fflib...",           # per value: f floats, i ints, b bools (a list); F I B: one number (0-d);
                                        # x: written as "other" says
        "shapes": [[2, 3], ...],
        "other":  {value index: [short text, long text]},  # written by Python: a summary, a complex tensor...
        "strings": [str, ...],          # texts used more than once, referred to by index
        "nodes":  {                     # per node, in the order of "ids"
          "ids": [node id, ...], "value": [value index], "grad": [value index, -1: no gradient],
          "name": [string index, -1: none], "shape": [shape index, -1: scalar], "dtype": [string index],
          "line": [line number, -1: no source], "src": [string index], "made": [pass, -1: not made in a pass],
          "more": {node index: "an extra hover line"}, "label": [[line, ...], ...]},
        "words":  the hover and value words of the figure's language (HOVER_WORDS, text.VALUE_WORDS),
        "style":  {"small": "font-size:0.8462em", "value": colour, "grad": colour, "muted": colour},
        "lang":   the figure's language,
        "digits": how many significant digits every number is written with (text.number's `digits`)
      }
    a label line: a string index (a whole line: its first character says how it is drawn: "b" bold title,
    "s" small, "v" value colour, "g" gradient colour, then the words), or [kind, value index, length, ...]:
    the value's short text (value or "grad " + gradient) cut in pieces of those lengths (wrapped lines).

The node labels trace then carries no text and the hover markers no hover text: the page fills both from the
table (ExplorerValues.labels / .hovers). `decode_meta` turns the compact meta back into the plain step
format, for Python's readers of an app figure (explorer/app/callbacks.py stats_of).
"""
from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import numpy as np

from explorer.drawing import text
from explorer.recording.model import Node

# The largest integer a float64 holds exactly: bigger ones (int64 tensors) travel as the trace has them.
EXACT_INT = 2 ** 53


class ValueTable:
    """Values (the trace's value dicts) -> indices into one table of numbers, each dict once (by identity:
    a step shows the very dict its node's label shows)."""

    def __init__(self, lang: str = "en", digits: int = text.DEFAULT_DIGITS) -> None:
        self.lang = lang  # the language of the few words of a value Python writes itself ("other")
        self.digits = digits  # ... and how many significant digits its numbers have
        self._index: dict[int, int] = {}
        self._same: dict[tuple, int] = {}  # (kind, shape, numbers...) -> index
        self._keep: list[Any] = []  # holds the dicts, so that no id() is reused while the table lives
        self.nums: list[float] = []
        self.count: list[int] = []
        self.shape: list[int] = []
        self.kind: list[str] = []
        self.shapes: dict[tuple, int] = {}
        self.other: dict[str, Any] = {}

    def add(self, value: Any) -> int:
        """The index of `value` (a value dict; None or {}: -1, no value)."""
        if not value:
            return -1
        hit = self._index.get(id(value))
        if hit is not None:
            return hit
        self._keep.append(value)
        shape = tuple(value.get("shape") or ())
        data = value.get("data")
        if type(data) is float:  # most values: one float, or a short vector of floats (as _numbers_of says)
            kind, flat = "F", [data]
        elif type(data) is list and data and type(data[0]) is float and all(type(v) is float for v in data):
            kind, flat = "f", data
        else:
            kind, flat = _numbers_of(data) if data is not None else ("x", [])
        if kind != "x":  # the same numbers in another dict (a gradient sent, then received): once
            key = (kind, shape, *flat)
            hit = self._same.get(key)
            if hit is not None:
                self._index[id(value)] = hit
                return hit
        i = self._index[id(value)] = len(self.kind)
        if kind != "x":
            self._same[key] = i
        self.shape.append(self.shapes.setdefault(shape, len(self.shapes)))
        if kind == "x":  # written here, as today: a summary, a complex tensor's text, huge integers
            self.other[str(i)] = [text.value_short(value, lang=self.lang, digits=self.digits),
                                  text.value_long(value, lang=self.lang, digits=self.digits)]
        self.kind.append(kind)
        self.count.append(len(flat))
        self.nums.extend(flat)
        return i

    def to_dict(self) -> dict:
        array = np.array(self.nums, dtype="<f8")
        narrow = array.astype("<f4")
        if np.array_equal(narrow.astype("<f8"), array, equal_nan=True):  # float32 values: half the bytes, exactly
            array = narrow
        dtype = "f4" if array.dtype == np.float32 else "f8"
        return {"nums": {"dtype": dtype, "bdata": base64.b64encode(array.tobytes()).decode("ascii")},
                "count": self.count, "shape": self.shape, "kind": "".join(self.kind),
                "shapes": [list(s) for s in self.shapes], "other": self.other}


_KINDS = {float: "f", int: "i", bool: "b"}
_SPECIAL = {"nan": float("nan"), "inf": float("inf"), "-inf": float("-inf")}


def _numbers_of(data: Any) -> tuple[str, list]:
    """(kind, the numbers as floats) of a value's data; kind "x" when it does not travel as numbers."""
    if not isinstance(data, list):
        kind, flat = _flat_kind([data])
        return kind.upper(), flat
    return _flat_kind(text._flat(data))


def _flat_kind(flat: list) -> tuple[str, list]:
    types = set(map(type, flat))
    if str in types:  # nan and infinities are written "nan", "inf", "-inf" in a trace (JSON has none)
        if not all(type(v) is float or v in _SPECIAL for v in flat):
            return "x", []
        flat = [_SPECIAL[v] if type(v) is str else v for v in flat]
        types = {float}
    if len(types) > 1:
        return "x", []
    kind = _KINDS.get(next(iter(types))) if types else "f"
    if kind is None or (kind == "i" and any(abs(v) > EXACT_INT for v in flat)):
        return "x", []
    return kind, flat if kind == "f" else [float(v) for v in flat]


class Strings:
    """Texts -> indices into one list, each text once."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}

    def add(self, words: str | None) -> int:
        if words is None:
            return -1
        i = self.index.get(words)
        if i is None:
            i = self.index[words] = len(self.index)
        return i

    def to_list(self) -> list[str]:
        return list(self.index)


def label_lines(plain: tuple[str, ...], kinds: str, node: Node, short: Callable[[Any], str], grad_word: str,
                values: ValueTable, strings: Strings) -> list:
    """A node's label (figure.NodeText's plain words and the kind of each line) as label lines of the table:
    value and gradient lines by reference to their value, the others by their words."""
    out: list = []
    i = 0
    n = len(plain)
    while i < n:
        kind = kinds[i]
        if kind == "v" or kind == "g":
            value = node.value if kind == "v" else node.grad
            whole = short(value) if kind == "v" else f"{grad_word} " + short(value)
            end = i + 1
            while end < n and kinds[end] == kind:
                end += 1
            run = plain[i:end]
            cuts = _cuts(whole, run)
            if cuts is not None:
                out.append([kind, values.add(value), *cuts] if len(run) > 1 else [kind, values.add(value)])
                i = end
                continue
        out.append(strings.add(kind + plain[i]))
        i += 1
    return out


def _cuts(whole: str, pieces: list[str]) -> list[int] | None:
    """The lengths in `whole` of each piece with the spaces after it (the last: its own), when `pieces` are
    `whole` cut at spaces and stripped on the right (figure._wrapped); None if they are not."""
    out, pos = [], 0
    for piece in pieces:
        if not whole.startswith(piece, pos):
            return None
        end = pos + len(piece)
        while end < len(whole) and whole[end] == " ":
            end += 1
        out.append(end - pos)
        pos = end
    return out if pos == len(whole) else None


def narrowed(data: list[dict]) -> None:
    """Every float64 typed array of the traces (coordinates, marker sizes and angles) as float32, in place:
    half the bytes, and a float32 still places a point within a sixteenth of a pixel on a canvas a million
    pixels wide. NaN (a gap in a line) stays NaN."""
    for trace in data:
        for key, value in list(trace.items()):
            if isinstance(value, dict):
                if value.get("dtype") == "f8" and "bdata" in value:
                    trace[key] = _f4(value)
                elif key == "marker":
                    narrowed([value])


def _f4(spec: dict) -> dict:
    array = np.frombuffer(base64.b64decode(spec["bdata"]), dtype="<f8").astype("<f4")
    return {"dtype": "f4", "bdata": base64.b64encode(array.tobytes()).decode("ascii")}


# --- back to the plain step format (Python's readers of an app figure) ----------------------------------


def short_texts(table: dict, lang: str = "en") -> list[str]:
    """text.value_short of each of the table's values, the words in `lang`, the numbers with the table's
    digits."""
    digits = table.get("digits", text.DEFAULT_DIGITS)
    nums = np.frombuffer(base64.b64decode(table["nums"]["bdata"]),
                         dtype="<f4" if table["nums"]["dtype"] == "f4" else "<f8").astype("<f8").tolist()
    out: list[str] = []
    pos = 0
    for i, (n, shape, kind) in enumerate(zip(table["count"], table["shape"], table["kind"])):
        part, pos = nums[pos:pos + n], pos + n
        if kind == "x":
            out.append(table["other"][str(i)][0])
            continue
        cast = {"f": float, "i": int, "b": bool}[kind.lower()]
        data: Any = [cast(v) for v in part]
        dims = table["shapes"][shape]
        out.append(text.value_short({"shape": dims, "data": data[0] if kind.isupper() else data}, lang=lang,
                                    digits=digits))
    return out


def decode_meta(meta: dict, lang: str = "en") -> dict:
    """The plain step format (texts in the steps) of a compact meta; a plain one is returned as it is."""
    table = meta.get("table")
    if not table:
        return meta
    texts = short_texts(table, table.get("lang", lang))

    def short(i: int) -> str:
        return texts[i - 1] if i > 0 else ""

    steps = []
    for s in meta["steps"]:
        plain = dict(s, v=short(s["v"]))
        if "g" in s:
            plain["g"] = [short(g) for g in s["g"]]
        steps.append(plain)
    out = {k: v for k, v in meta.items() if k != "table"}
    out["steps"] = steps
    return out


def node_table(trace: Any, ids: list[str], labels: dict[str, Any], values: ValueTable, strings: Strings,
               short: Callable[[Any], str], colors: dict[str, str], grad_word: str,
               more: dict[str, str]) -> dict:
    """The table's "nodes": what each node's hover text and label are written from (the module docstring).
    `labels`: node id -> figure.NodeText; `more`: node id -> an extra hover line (a collapsed group's)."""
    columns = ("value", "grad", "name", "shape", "dtype", "line", "src", "made", "label")
    out: dict[str, list] = {k: [] for k in columns}
    # one pass, node by node (the table's strings and values are numbered in the order they are met);
    # the appends bound once: this runs once per node
    value, grad, name, shape, dtype, line, src, made, label = (out[k].append for k in columns)
    add, add_words, shapes, nodes = values.add, strings.add, values.shapes, trace.nodes
    for nid in ids:
        node = nodes[nid]
        value(add(node.value))
        g = node.grad
        grad(-1 if g is None else (add(g) if g else -2))
        name(add_words(node.name or None))
        shape(shapes.setdefault(tuple(node.shape), len(shapes)) if node.shape else -1)
        dtype(add_words(node.dtype))
        span = node.span
        line(span.line if span else -1)
        src(add_words(span.text[:60]) if span else -1)
        made(-1 if node.created_in_pass is None else node.created_in_pass)
        t = labels[nid]
        label(label_lines(t.plain, t.kinds, node, short, grad_word, values, strings))
    index = {nid: i for i, nid in enumerate(ids)}
    return {"ids": ids, **out, "more": {str(index[n]): m for n, m in more.items() if n in index}}


def table_dict(values: ValueTable, strings: Strings, nodes: dict, words: dict, style: dict, lang: str,
               digits: int = text.DEFAULT_DIGITS) -> dict:
    """The whole "table" of a compact meta."""
    return {**values.to_dict(), "strings": strings.to_list(), "nodes": nodes, "words": words, "style": style,
            "lang": lang, "digits": digits}
