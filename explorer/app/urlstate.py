"""The app's state <-> a URL query string, so that a link reproduces the same graph and numbers.

    q = encode(UrlState(program="z = y*y*2", inputs={"y": 3.0}, theme="dark"))
    # "v=1&p=eJyrUlQ...&in=eyJ5IjozLjB9&th=dark"
    decode(q) == UrlState(program="z = y*y*2", inputs={"y": 3.0}, theme="dark")

Parameters (all optional; a default is never written):
    ex   a gallery example's key, when the program is exactly that example's text (short links)
    p    the program: raw-deflate of its UTF-8 text, base64url without padding
    in   the inputs: base64url of compact JSON {name: number or nested list of numbers}
    b    backward mode       th   theme       dir  direction      lang language      (explorer.choices lists each)
    c    show constants (1)  seed the run's seed
    digits  significant digits of the numbers on the graph (one of explorer.choices DIGITS)
    all  show every value and gradient at once (1), instead of revealing them as they flow
    quiz quiz mode (1): the learner predicts each gradient before it is revealed (a teacher's link)

The query is untrusted. `decode` never raises and never evaluates anything: unknown keys are ignored, bad
values become defaults, the program is only ever *text* (what the user would type into the editor, run in
the sandbox like any typed program), and every part is bounded (query length, inflated size, number of
inputs and of their elements: explorer.choices), so a hostile link can't make the server inflate a zip bomb
or allocate much.
"""
from __future__ import annotations

import base64
import binascii
import json
import math
import re
import zlib
from dataclasses import asdict, dataclass, field, replace
from typing import Any
from urllib.parse import parse_qsl, urlencode

from explorer.choices import (
    BACKWARD_MODES,
    DEFAULT_BACKWARD,
    DEFAULT_DIGITS,
    DEFAULT_DIRECTION,
    DEFAULT_THEME,
    DIGITS,
    DIRECTIONS,
    LANGS,
    MAX_INPUT_DEPTH,
    MAX_LINK_INPUT_ELEMENTS,
    MAX_LINK_INPUTS,
    MAX_QUERY_CHARS,
    THEMES,
)
from explorer.config import Limits

VERSION = "1"
MAX_PROGRAM_CHARS = Limits().max_source_chars
MAX_SEED = 2**63 - 1
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


@dataclass(frozen=True)
class UrlState:
    program: str | None = None  # None: the URL names no program (the app shows its default example)
    example: str | None = None  # the gallery key the program came from, if it is unchanged
    inputs: dict[str, Any] = field(default_factory=dict)
    backward: str = DEFAULT_BACKWARD
    theme: str = DEFAULT_THEME
    direction: str = DEFAULT_DIRECTION
    constants: bool = False
    lang: str | None = None  # None: keep the language the browser remembers
    seed: int = 0
    show_all: bool = False
    quiz: bool = False
    digits: int = DEFAULT_DIGITS

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict | None) -> UrlState:
        d = d or {}
        return clean(cls(**{k: d[k] for k in cls.__dataclass_fields__ if k in d}))


# --- encoding ---------------------------------------------------------------------------------------------


def encode(state: UrlState) -> str:
    """The query string (without '?') for `state`; only what differs from the defaults is written."""
    state = clean(state)
    params: list[tuple[str, str]] = [("v", VERSION)]
    if state.program is not None:
        if state.example and _example_source(state.example) == state.program:
            params.append(("ex", state.example))
        else:
            params.append(("p", pack_text(state.program)))
    if state.inputs:
        params.append(("in", _b64(json.dumps(state.inputs, separators=(",", ":"), allow_nan=False).encode())))
    defaults = UrlState()
    for key, attr in (("b", "backward"), ("th", "theme"), ("dir", "direction")):
        if getattr(state, attr) != getattr(defaults, attr):
            params.append((key, getattr(state, attr)))
    if state.constants:
        params.append(("c", "1"))
    if state.lang:
        params.append(("lang", state.lang))
    if state.seed:
        params.append(("seed", str(state.seed)))
    if state.show_all:
        params.append(("all", "1"))
    if state.quiz:
        params.append(("quiz", "1"))
    if state.digits != defaults.digits:
        params.append(("digits", str(state.digits)))
    return urlencode(params)


def pack_text(text: str) -> str:
    """UTF-8, raw deflate, base64url without padding: about half the length of the text for code."""
    raw = text.encode("utf-8", "surrogatepass")
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return _b64(c.compress(raw) + c.flush())


def unpack_text(token: str, max_chars: int = MAX_PROGRAM_CHARS) -> str | None:
    """The text `pack_text` packed, or None for anything malformed or inflating past the bound."""
    data = _unb64(token)
    if data is None:
        return None
    d = zlib.decompressobj(-15)
    limit = 4 * max_chars + 4  # UTF-8 needs at most 4 bytes per character
    try:
        raw = d.decompress(data, limit)
        if d.unconsumed_tail or not d.eof:
            return None  # truncated, or more than the bound: refuse, never inflate further
    except zlib.error:
        return None
    try:
        text = raw.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        return None
    return text if len(text) <= max_chars else None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(token: str) -> bytes | None:
    if not isinstance(token, str) or not re.fullmatch(r"[A-Za-z0-9_-]*", token):
        return None
    try:
        return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        return None


# --- decoding ---------------------------------------------------------------------------------------------


def decode(query: str | None) -> UrlState:
    """The state a query string (with or without '?') describes; defaults for whatever is missing or bad."""
    if not isinstance(query, str) or len(query) > MAX_QUERY_CHARS:
        return UrlState()
    query = query.removeprefix("?")
    try:
        params = dict(parse_qsl(query, keep_blank_values=False, max_num_fields=64))
    except ValueError:
        return UrlState()
    program, example = None, None
    if "ex" in params and _example_source(params["ex"]) is not None:
        example = params["ex"]
        program = _example_source(example)
    if "p" in params:
        text = unpack_text(params["p"])
        if text is not None:
            program, example = text, None
    inputs: dict[str, Any] = {}
    if "in" in params:
        raw = _unb64(params["in"])
        if raw is not None and len(raw) <= 64 * MAX_LINK_INPUT_ELEMENTS:
            try:
                inputs = clean_inputs(json.loads(raw.decode("utf-8")))
            except (ValueError, UnicodeDecodeError, RecursionError):
                inputs = {}
    elif example is not None:
        inputs = dict(_example_inputs(example) or {})
    seed = 0
    if re.fullmatch(r"\d{1,19}", params.get("seed", "")):
        seed = int(params["seed"])
    state = UrlState(
        program=program, example=example, inputs=inputs,
        backward=params.get("b", DEFAULT_BACKWARD), theme=params.get("th", DEFAULT_THEME),
        direction=params.get("dir", DEFAULT_DIRECTION),
        constants=params.get("c") == "1", lang=params.get("lang"), seed=seed,
        show_all=params.get("all") == "1", quiz=params.get("quiz") == "1",
        digits=next((d for d in DIGITS if params.get("digits") == str(d)), DEFAULT_DIGITS),
    )
    return clean(state)


def clean(state: UrlState) -> UrlState:
    """`state` with every field forced into its allowed set (bad values become defaults)."""
    d = UrlState()
    program = state.program if isinstance(state.program, str) and len(state.program) <= MAX_PROGRAM_CHARS else None
    example = state.example if isinstance(state.example, str) and _example_source(state.example) is not None else None
    seed = state.seed if _is_seed(state.seed) else 0
    return replace(
        state,
        program=program,
        example=example,
        inputs=clean_inputs(state.inputs),
        backward=state.backward if state.backward in BACKWARD_MODES else d.backward,
        theme=state.theme if state.theme in THEMES else d.theme,
        direction=state.direction if state.direction in DIRECTIONS else d.direction,
        constants=bool(state.constants) if isinstance(state.constants, (bool, int)) else False,
        lang=state.lang if state.lang in LANGS else None,
        seed=seed,
        show_all=state.show_all is True,
        quiz=state.quiz is True,
        digits=clean_digits(state.digits),
    )


def clean_digits(value: Any) -> int:
    """`value` if it is one of the digits the app offers (explorer.choices DIGITS), else the default: what the
    page's control, a link or the store sends is never trusted to be one."""
    return value if type(value) is int and value in DIGITS else DEFAULT_DIGITS


def _is_seed(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_SEED


def clean_inputs(value: Any) -> dict[str, Any]:
    """Only {identifier: finite number or nested list of finite numbers}, bounded; anything else dropped."""
    if not isinstance(value, dict):
        return {}
    out: dict[str, Any] = {}
    budget = [MAX_LINK_INPUT_ELEMENTS]
    for name, v in list(value.items())[:MAX_LINK_INPUTS]:
        if isinstance(name, str) and _NAME.match(name):
            ok = _clean_value(v, 0, budget)
            if ok is not None:
                out[name] = ok
    return out


def _clean_value(v: Any, depth: int, budget: list[int]) -> Any:
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        budget[0] -= 1
        if budget[0] < 0 or not math.isfinite(v) or abs(v) > 1e300:
            return None
        return float(v)
    if isinstance(v, list) and depth < MAX_INPUT_DEPTH and len(v) <= budget[0]:
        items = [_clean_value(x, depth + 1, budget) for x in v]
        return None if any(x is None for x in items) else items
    return None


def parse_input_text(text: Any) -> Any:
    """What a user typed into an input box ('3', '[1, 2]', '1, 2') -> a clean value, or None if it isn't one."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return _clean_value(text, 0, [MAX_LINK_INPUT_ELEMENTS])
    if not isinstance(text, str) or len(text) > 20 * MAX_LINK_INPUT_ELEMENTS:
        return None
    s = text.strip()
    if not s:
        return None
    if not s.startswith("[") and "," in s:
        s = f"[{s}]"
    try:
        value = json.loads(s)
    except (ValueError, RecursionError):
        return None
    return _clean_value(value, 0, [MAX_LINK_INPUT_ELEMENTS])


def format_input(value: Any) -> str:
    """A value for an input box: 3.0 -> '3.0', [1.0, 2.0] -> '[1.0, 2.0]'."""
    return json.dumps(value, separators=(", ", ": "))


# --- examples ---------------------------------------------------------------------------------------------


def _example_source(key: Any) -> str | None:
    from explorer.examples import EXAMPLES

    return next((ex.source for ex in EXAMPLES if ex.key == key), None)


def _example_inputs(key: str) -> dict | None:
    from explorer.examples import EXAMPLES

    return next((ex.inputs for ex in EXAMPLES if ex.key == key), None)
