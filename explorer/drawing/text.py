"""Short, readable text for values and nodes: shared by the figure, the app's panels and the exports."""
from __future__ import annotations

import functools
import math
from itertools import chain, repeat
from typing import Any

from explorer.choices import DEFAULT_DIGITS, MAX_DIGITS, MIN_DIGITS, is_digits
from explorer.errors import ProgramError
from explorer.recording.model import Node


def checked_digits(digits: Any) -> int:
    """`digits` if it is a number of significant digits numbers can be written with (choices.is_digits), else
    a ProgramError saying what to give: a figure asked for with digits=0 or digits="x" says so, not a
    traceback from deep in the formatting."""
    if not is_digits(digits):
        raise ProgramError("runtime", f"digits must be a whole number from {MIN_DIGITS} to {MAX_DIGITS}, not "
                                      f"{digits!r}", hint=f"the significant digits of each number shown, e.g. "
                                                          f"digits=6; the default is {DEFAULT_DIGITS}")
    return digits


def number(x: Any, digits: int = DEFAULT_DIGITS) -> str:
    """3.3333334922790527 -> '3.333'; 17200.0 -> '1.720e+04' (`digits` significant digits: 4 by default);
    'nan' stays."""
    if type(x) is float:
        return _float(x, digits)
    if isinstance(x, bool):
        return str(x)
    if isinstance(x, int):
        return str(x)
    if isinstance(x, float):
        if x == 0:
            return "0"
        if math.isfinite(x) and (abs(x) >= 1e5 or abs(x) < 1e-3):
            return f"{x:.{digits - 1}e}"
        return f"{x:.{digits}g}"
    return str(x)


@functools.lru_cache(maxsize=8192)
def _float(x: float, digits: int) -> str:
    if x == 0:
        return "0"
    if math.isfinite(x) and (abs(x) >= 1e5 or abs(x) < 1e-3):
        return f"{x:.{digits - 1}e}"
    return f"{x:.{digits}g}"


def _flat(data: Any) -> list:
    """Nested lists (a tensor's `tolist()`: every row alike) -> one flat list, not to be changed. A vector
    is returned as it is and a matrix joined in one C call: a figure of 5,000 nodes flattens ~10,000 values."""
    if not isinstance(data, list):
        return [data]
    if not data or not isinstance(data[0], list):
        return data
    if not data[0] or not isinstance(data[0][0], list):
        return list(chain.from_iterable(data))
    out: list = []
    for row in data:
        out.extend(_flat(row))
    return out


# number() of single numbers in a value's data: a figure writes tens of thousands, and the same ones recur
# (a node's value on its label, in its hover text, in the animation). typed: True, 1 and 1.0 stay apart.
_number_in_data = functools.lru_cache(maxsize=8192, typed=True)(number)


def _joined(values: list, digits: int = DEFAULT_DIGITS) -> str:
    """'1.5, 2, 3.333': the numbers as `number` writes them."""
    if digits == DEFAULT_DIGITS:
        return ", ".join(map(_number_in_data, values))
    return ", ".join(map(_number_in_data, values, repeat(digits)))


def shape_text(shape: Any) -> str:
    return _shape_text(tuple(shape)) if shape else "scalar"


@functools.lru_cache(maxsize=1024)
def _shape_text(shape: tuple) -> str:
    """'2×4': few distinct shapes, written once each for every node's label and hover text."""
    return "×".join(map(str, shape))


SHORT_ELEMENTS = 4  # value_short writes the numbers of a value of up to this many elements
LONG_ELEMENTS = 16  # value_long writes up to this many numbers

# The few words of a value too big to write whole, by language (the numbers need none)
VALUE_WORDS = {
    "en": {"shape": "shape {shape}", "in_all": "{n} in all",
           "summary": "{shape}: min {min}, mean {mean}, max {max}; first {first}"},
    "zh": {"shape": "形状 {shape}", "in_all": "共 {n} 个",
           "summary": "{shape}：最小 {min}，平均 {mean}，最大 {max}；前几个 {first}"},
}


def _words(lang: str) -> dict[str, str]:
    return VALUE_WORDS.get(lang) or VALUE_WORDS["en"]


def value_short(value: dict | None, max_elements: int = SHORT_ELEMENTS, lang: str = "en",
                digits: int = DEFAULT_DIGITS) -> str:
    """A value small enough to print on the graph: '3.333', '[3.333, 1.333, 5.333]', or 'shape 2×10' (in
    `lang`'s words), each number with `digits` significant digits."""
    if not value:
        return ""
    data = value.get("data")
    shape = value.get("shape") or []
    if data is None:
        return _words(lang)["shape"].format(shape=shape_text(shape))
    if not isinstance(data, list):
        return number(data, digits)
    if math.prod(shape) > max_elements:
        return _words(lang)["shape"].format(shape=shape_text(shape))
    inner = _joined(_flat(data), digits)
    return f"[{inner}]" if len(shape) <= 1 else f"[{inner}] ({shape_text(shape)})"


def value_long(value: dict | None, max_elements: int = LONG_ELEMENTS, lang: str = "en",
               digits: int = DEFAULT_DIGITS) -> str:
    """For hover text and panels: every element up to `max_elements`, else the summary (in `lang`'s words),
    each number with `digits` significant digits."""
    if not value:
        return "—"
    data = value.get("data")
    shape = value.get("shape") or []
    if data is not None:
        if not isinstance(data, list):
            return number(data, digits)
        flat = _flat(data)
        head = _joined(flat[:max_elements], digits)
        more = f", … ({_words(lang)['in_all'].format(n=len(flat))})" if len(flat) > max_elements else ""
        return f"[{head}{more}]"
    s = value.get("summary")
    if s:
        return _words(lang)["summary"].format(shape=shape_text(shape), min=number(s["min"], digits),
                                              mean=number(s["mean"], digits), max=number(s["max"], digits),
                                              first=", ".join(number(v, digits) for v in s["first"]))
    return value.get("text", "—")


def wrap_list(words: str, width: int) -> list[str]:
    """`words` in lines of at most `width` characters, broken only after a comma and its space (the comma stays
    at the line's end): "[1.25, -0.5, ...]" keeps each number whole. A piece longer than `width` keeps its own
    line. assets/values.js wrapList does the same."""
    if len(words) <= width:
        return [words]
    pieces = words.split(", ")
    lines, line = [], pieces[0]
    for piece in pieces[1:]:
        if len(line) + 2 + len(piece) <= width:
            line += ", " + piece
        else:
            lines.append(line + ",")
            line = piece
    lines.append(line)
    return lines


def value_texts(value: dict | None, lang: str = "en", digits: int = DEFAULT_DIGITS) -> tuple[str, str]:
    """(value_short(value), value_long(value)), as a figure shows both for every node (label and hover).
    For a number, or a vector of up to SHORT_ELEMENTS numbers, both write the same numbers: written once."""
    data = value.get("data") if value else None
    if data is not None and not isinstance(data, list):
        words = number(data, digits)
        return words, words
    if isinstance(data, list):
        shape = value.get("shape") or []
        if math.prod(shape) <= SHORT_ELEMENTS:
            flat = _flat(data)
            if len(flat) <= LONG_ELEMENTS:
                inner = _joined(flat, digits)
                return (f"[{inner}]" if len(shape) <= 1 else f"[{inner}] ({shape_text(shape)})"), f"[{inner}]"
    return value_short(value, lang=lang, digits=digits), value_long(value, lang=lang, digits=digits)


def node_title(node: Node) -> str:
    """The first line on a node: 'x' for a leaf, 'mul · MulBackward0' for an op, '2' for a constant."""
    if node.kind == "op":
        return f"{node.label} · {node.op}"
    return node.label


def node_caption(node: Node) -> str:
    """The second line: where the tensor came from, 'z = y * y * 2', or just the source text."""
    if node.kind != "op":
        return ""
    src = node.span.text if node.span else ""
    if len(src) > 40:
        src = src[:38] + "…"
    if node.name and src:
        return f"{node.name} = {src}"
    return node.name or src


# --- how wide a label is drawn -----------------------------------------------------------------------------

# Advance widths of DejaVu Sans (the first font of every theme, explorer/drawing/themes.py FONT), regular and
# bold, in thousandths of the font size, for the printable ASCII characters (32 " " to 126 "~") and the few
# others labels use. Read once from the font's own tables (DejaVuSans.ttf, DejaVuSans-Bold.ttf 2.37); the
# fallbacks of FONT (Verdana, Arial) draw narrower or about as wide, so a box sized with these holds its text.
_REGULAR = (318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337, 636, 636, 636, 636, 636,
    636, 636, 636, 636, 636, 337, 337, 838, 838, 838, 531, 1000, 684, 686, 698, 770, 632, 575, 775, 752, 295, 295,
    656, 557, 863, 748, 787, 603, 787, 695, 635, 611, 732, 684, 989, 685, 611, 685, 390, 337, 390, 838, 500, 500,
    613, 635, 550, 635, 615, 352, 635, 634, 278, 278, 579, 278, 974, 634, 612, 635, 635, 411, 521, 392, 634, 592,
    818, 592, 592, 525, 636, 337, 636, 838)
_BOLD = (348, 456, 521, 838, 696, 1002, 872, 306, 457, 457, 523, 838, 380, 415, 380, 365, 696, 696, 696, 696, 696,
    696, 696, 696, 696, 696, 400, 400, 838, 838, 838, 580, 1000, 774, 762, 734, 830, 683, 683, 821, 837, 372, 372,
    775, 637, 995, 837, 850, 733, 850, 770, 720, 682, 812, 774, 1103, 771, 724, 725, 457, 365, 457, 838, 500, 500,
    675, 716, 593, 716, 678, 435, 716, 712, 343, 343, 665, 343, 1042, 712, 687, 716, 716, 493, 595, 478, 712, 652,
    924, 645, 652, 582, 712, 365, 712, 838)
_REGULAR_MORE = {"·": 318, "…": 1000, "×": 838, "−": 838, "²": 401, "—": 1000}
_BOLD_MORE = {"·": 380, "…": 1000, "×": 838, "−": 838, "²": 438, "—": 1000}
_WIDE = 0x2E80  # from here on (CJK and beyond) a character is drawn a full em wide
_OTHER = 0.72  # any other character: about a capital's width


class _Advances(dict):
    """Character -> advance width in thousandths of an em; a character not in the table is looked up once."""

    def __missing__(self, c: str) -> int:
        width = self[c] = 1000 if ord(c) >= _WIDE else int(_OTHER * 1000)
        return width


_ADVANCES = {False: _Advances({**dict(zip(map(chr, range(32, 127)), _REGULAR)), **_REGULAR_MORE}),
             True: _Advances({**dict(zip(map(chr, range(32, 127)), _BOLD)), **_BOLD_MORE})}


def text_ems(words: str, bold: bool = False) -> float:
    """How wide `words` is drawn, in ems (times the font size in px: pixels): the sum of its characters'
    advance widths in DejaVu Sans, bold or regular. Kerning is ignored (it only narrows)."""
    return text_milli_ems(words, bold) / 1000


# Widths already measured, by boldness: a figure measures each line of each label several times (to wrap it,
# to break the title, to size the box in each direction), and titles and source lines recur across nodes.
_MEASURED: dict[bool, dict[str, int]] = {False: {}, True: {}}
_MEASURED_MAX = 100_000  # texts kept per boldness; then forgotten all at once


def text_milli_ems(words: str, bold: bool = False) -> int:
    """text_ems in thousandths of an em, as an integer: exact, so the widths of two pieces add up to the
    width of the two written one after the other."""
    measured = _MEASURED[bold]
    milli = measured.get(words)
    if milli is None:
        if len(measured) >= _MEASURED_MAX:
            measured.clear()
        milli = measured[words] = sum(map(_ADVANCES[bold].__getitem__, words))
    return milli


def text_width(words: str, size: float, bold: bool = False) -> float:
    """Pixels `words` takes at a font size of `size` px (see text_ems)."""
    return text_ems(words, bold) * size


def remember_width(words: str, milli: int, bold: bool = False) -> None:
    """Note that `words` is `milli` thousandths of an em wide (text_milli_ems), as worked out from its pieces."""
    measured = _MEASURED[bold]
    if len(measured) < _MEASURED_MAX:
        measured[words] = milli
