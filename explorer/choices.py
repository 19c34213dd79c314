"""What a user may choose, and how much a caller may send: one place for each, read everywhere else.

The command line, the notebook API, the run, the figure, the app's controls and its URL all take their
lists and bounds from here; the browser's JavaScript gets them from the page (explorer.app.browser renders
them into a JSON element that assets/animation.js and assets/app.js read once at load), so none of them
is typed again in JavaScript. The bounds of one run (time, memory, steps, tensor sizes) are
explorer.config.Limits, which a server may change; the ones here are fixed.
"""
from __future__ import annotations

# --- choices ----------------------------------------------------------------------------------------------

# How the explorer back-propagates when the program calls no backward() itself: `auto` from a scalar output
# (a notice otherwise), `sum` or `mean` of the output first, `ones` a gradient of ones, `none` not at all.
BACKWARD_MODES = ("auto", "none", "sum", "mean", "ones")
DEFAULT_BACKWARD = "auto"

# The figure's look (explorer.drawing.themes has each one's colours and sizes); presentation mode draws in
# PRESENTATION_THEME whatever the chosen one.
THEMES = ("light", "dark", "projector")
DEFAULT_THEME = "light"
PRESENTATION_THEME = "projector"

# Which way the graph runs: left to right, top to bottom, or `auto`: the one of the two in which the graph's
# labels come out largest on the canvas it is drawn on (explorer.drawing.figure.choose_direction).
DIRECTIONS = ("auto", "LR", "TB")
DEFAULT_DIRECTION = "auto"
LAID_OUT_DIRECTIONS = ("LR", "TB")  # what `auto` resolves to: the layout knows only these

# Readable in front of a class: on a graph of up to READABLE_MAX_NODES nodes, no node text is drawn smaller
# than READABLE_PX CSS pixels in the app. The canvas grows taller (up to MAX_CANVAS_PX) when that is what it
# takes; a bigger graph is fitted to the window, and its labels shrink with it (zoom in to read them). Text is
# never drawn more than MAX_TEXT_ZOOM times its theme's size (a 3-node graph needn't fill a wall).
READABLE_PX = 14.0
READABLE_MAX_NODES = 30
# "Automatic" groups (explorer/drawing/groups.py) collapse a bigger graph with loops or modules until its text is
# at least this big at 1280x720: read on a laptop without zooming; the least collapsing such view keeps the most
# ops in sight (a training loop's last iteration open), where READABLE_PX would often hide them all in one block.
AUTO_LEGIBLE_PX = 12.0
MAX_CANVAS_PX = 4000  # a 30-node chain top to bottom, its text at READABLE_PX: five screens to scroll at 720 px
MAX_TEXT_ZOOM = 2.0

# Languages of the app, the hover text and the step captions; the tag each gives <html lang>.
LANGS = ("en", "zh")
DEFAULT_LANG = "en"
LANG_TAGS = {"en": "en", "zh": "zh-CN"}

# Speeds of the animation: the choice shown (times normal) -> milliseconds per step.
SPEEDS = {"0.5": 1400, "1": 700, "2": 350, "4": 175}
DEFAULT_SPEED = "1"

# How many significant digits every number on the graph is written with (labels, hover texts, step captions,
# gradients on edges, the detail panel, exports): the app offers DIGITS (2 or 3 for big, short labels on a
# projector; 6 to check a gradient against one's own calculation); the notebook API and the command line take
# any whole number from MIN_DIGITS to MAX_DIGITS (9 digits tell every float32 apart).
DIGITS = (2, 3, 4, 6)
DEFAULT_DIGITS = 4
MIN_DIGITS, MAX_DIGITS = 1, 9


def normalize_lang(lang: object) -> str:
    """'zh', 'zh-CN', 'zh_Hans' -> 'zh'; anything else (None, junk) -> DEFAULT_LANG."""
    first = str(lang or "").strip().lower().replace("_", "-").split("-")[0]
    return first if first in LANGS else DEFAULT_LANG


def is_digits(value: object) -> bool:
    """A number of significant digits the figure can write numbers with: a whole number (not a bool) from
    MIN_DIGITS to MAX_DIGITS."""
    return type(value) is int and MIN_DIGITS <= value <= MAX_DIGITS


def backward_modes_shown() -> tuple[str, ...]:
    """The backward modes in the order the app lists them: turning backward off comes last."""
    return tuple(sorted(BACKWARD_MODES, key=lambda m: m == "none"))


# --- how much a caller may send -------------------------------------------------------------------------

# Inputs (the numbers given to a program's free names). Two bounds, for two reasons:
# - one input of any run (a notebook, the command line, a worker) holds at most MAX_INPUT_ELEMENTS numbers:
#   a trace keeps its inputs whole (as many as explorer.config.FULL_NAMED_ELEMENTS keeps of a named value);
# - the inputs of a run in the app travel in its link (see MAX_QUERY_CHARS), so all of them together hold at
#   most MAX_LINK_INPUT_ELEMENTS numbers, in at most MAX_LINK_INPUTS names, nested at most MAX_INPUT_DEPTH
#   deep: a link stays short enough to share, and a hostile one costs little to read.
MAX_INPUT_ELEMENTS = 100_000
MAX_LINK_INPUT_ELEMENTS = 4_096
MAX_LINK_INPUTS = 32
MAX_INPUT_DEPTH = 4

# A longer query string is ignored whole (browsers and proxies cut URLs near 8-64 KB).
MAX_QUERY_CHARS = 16_000
