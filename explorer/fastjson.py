"""JSON for the big payloads: a trace (worker to server) and a figure's animation data (server to browser).

A 1,000-node trace is about 1.5 MB of readable JSON, mostly floats (a worker sends the packed form instead,
a third of that: explorer/recording/packing.py). The standard `json` module takes 60-75 ms to write the
readable one and 40-60 ms to read it back on this project's reference machine, more than running the program; orjson
(a compiled encoder, also what plotly and Dash use for figures when it is installed) takes a few ms. orjson is
a dependency; the standard module is the fallback for platforms without a wheel, giving the same values.

Reading is strict either way: data only, and no NaN or Infinity (not JSON; a Trace has none, see
trace/values.clean).
"""
from __future__ import annotations

import json
from typing import Any

try:
    import orjson
except ImportError:  # pragma: no cover - orjson is a dependency; kept working without it
    orjson = None  # type: ignore[assignment]  # the module's name stands for "not installed"

_OPTIONS = orjson.OPT_NON_STR_KEYS if orjson is not None else 0


def dumps(obj: Any) -> bytes:
    """Compact UTF-8 JSON. Falls back to `json` for what orjson refuses (integers beyond 64 bits)."""
    if orjson is not None:
        try:
            return orjson.dumps(obj, option=_OPTIONS)
        except TypeError:  # orjson.JSONEncodeError is a TypeError; json decides (and may raise) instead
            pass
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def dumps_text(obj: Any) -> str:
    """`dumps` as a str, for JSON that travels inside other JSON (a figure's layout.meta)."""
    return dumps(obj).decode("utf-8")


def loads(data: bytes | str) -> Any:
    """Parse JSON text. Raises ValueError (orjson.JSONDecodeError is one) when it is not valid JSON."""
    if orjson is not None:
        return orjson.loads(data)
    return json.loads(data, parse_constant=_not_json)


def _not_json(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


__all__ = ["dumps", "dumps_text", "loads"]
