"""The compact form of a Trace's tensor values, for the trace a sandbox worker sends to the server.

A trace's JSON is mostly numbers, and most of them are the same few values seen from several places: a
node's value is also its forward step's, the gradient that reached a node is also its backward step's.
`Packer` gives every distinct value (by identity: the recorder shares one dict between all its uses) a
place in one table, and the places that held it get the index. The numbers of float tensors go, in table
order, into two arrays of little-endian float32 and float64 bytes, sent as base64 text: no number is
formatted as text by the worker, none parsed by the server, and float32 values travel as the 4 bytes they
are (so they come back as exactly the same Python floats `tensor.tolist()` gave). Values without a float
`data` (a summary, complex text, integers, booleans) stay as they are.

`unpack` makes the table back into the same dicts, once per value: places that shared a value share it
again. Non-finite numbers come back as the strings "nan", "inf", "-inf", as the recorder writes them.
Plain data in, plain data out: no torch, no numpy.
"""
from __future__ import annotations

import base64
import math
import sys
from array import array
from itertools import chain
from typing import Any

F32_DTYPES = frozenset({"float32", "float16", "bfloat16"})  # exactly representable as float32
F64_DTYPES = frozenset({"float64"})
_NON_FINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}
_LITTLE = sys.byteorder == "little"


class Packer:
    """Collects the distinct values of one trace: `ref(value)` gives its index in the table."""

    def __init__(self) -> None:
        self._index: dict[int, int] = {}  # id(value) -> index; the trace holds every value alive meanwhile
        self._kinds: list[str] = []  # per value: "f" (numbers in the float32 array), "d" (float64), "j" (as is)
        self._shape_of: list[int | None] = []  # per value: its shape's index in _shapes
        self._shapes: list[list[int]] = []  # the distinct shapes
        self._shape_index: dict[tuple[int, ...], int] = {}
        self._dtypes: list[str | None] = []
        self._as_is: list[dict] = []  # the "j" values, in order
        self._f32 = array("f")
        self._f64 = array("d")

    def ref(self, value: dict | None) -> int | None:
        if value is None:
            return None
        index = self._index.get(id(value))
        if index is not None:
            return index
        index = self._index[id(value)] = len(self._kinds)
        shape = value.get("shape")
        if value.get("dtype") == "float32" and len(value) == 3 and type(shape) is list and len(shape) == 1:
            # the commonest value by far, a float32 vector, without the general path's questions
            data = value.get("data")
            pool = self._f32
            at = len(pool)
            if type(data) is list:
                try:
                    pool.extend(data)
                except TypeError:  # "nan" and friends, or not numbers: the general path decides
                    del pool[at:]
                else:
                    self._kinds.append("f")
                    self._shape_of.append(self._shape_index_of(shape))
                    self._dtypes.append("float32")
                    return index
        self._add(value)
        return index

    def _shape_index_of(self, shape: list) -> int:
        key = tuple(shape)
        index = self._shape_index.get(key)
        if index is None:
            index = self._shape_index[key] = len(self._shapes)
            self._shapes.append(shape)
        return index

    def refs(self, values: tuple) -> list:
        ref = self.ref
        return [ref(v) for v in values]

    def _add(self, value: dict) -> None:
        kind = self._pooled(value)
        self._kinds.append(kind)
        if kind == "j":
            self._shape_of.append(None)
            self._dtypes.append(None)
            self._as_is.append(value)

    def _pooled(self, value: dict) -> str:
        """Put a float value's numbers in its array and note its shape and dtype: "f" or "d"; else "j"."""
        dtype = value.get("dtype")
        data = value.get("data")
        if len(value) != 3 or data is None or "shape" not in value:
            return "j"
        if dtype in F32_DTYPES:
            pool, kind = self._f32, "f"
        elif dtype in F64_DTYPES or (dtype == "python" and type(data) is float):
            pool, kind = self._f64, "d"
        else:
            return "j"
        shape = value["shape"]
        if len(shape) > 1 and 0 in shape:  # [[], []]: no numbers to tell its shape by
            return "j"
        flat = _flatten(data, len(shape))
        if flat is None:
            return "j"
        at = len(pool)
        try:
            pool.extend(flat)
        except TypeError:  # "nan", "inf", "-inf" among the numbers: extend stopped there, numbers before kept
            del pool[at:]
            numbers: list[Any] = [_NON_FINITE.get(v, v) if type(v) is str else v for v in flat]
            if not all(type(v) is float for v in numbers):
                return "j"
            pool.extend(numbers)
        self._shape_of.append(self._shape_index_of(shape))
        self._dtypes.append(dtype)
        return kind

    def finish(self) -> dict:
        """The table as columns, the values kept as they are, and the two arrays: JSON-safe."""
        return {
            "tensors": {"kind": "".join(self._kinds), "shape": self._shape_of, "dtype": self._dtypes,
                        "shapes": self._shapes, "as_is": self._as_is},
            "f32": _b64(self._f32),
            "f64": _b64(self._f64),
        }


def _flatten(data: Any, dim: int) -> list | None:
    """The numbers of nested lists `dim` deep, in order; None when they are not all floats (or their text)."""
    if dim == 0:
        return [data] if type(data) is float or data in _NON_FINITE else None
    flat = data
    for _ in range(dim - 1):
        flat = list(chain.from_iterable(flat))
    return flat if isinstance(flat, list) else None


def _b64(numbers: array) -> str:
    if not _LITTLE:  # pragma: no cover - every platform torch ships wheels for is little-endian
        numbers = array(numbers.typecode, numbers)
        numbers.byteswap()
    return base64.b64encode(numbers.tobytes()).decode("ascii")


def _numbers(text: str, typecode: str) -> list:
    """The floats of a base64 array; non-finite ones as their text, as values.clean writes them."""
    numbers = array(typecode)
    numbers.frombytes(base64.b64decode(text, validate=True))
    if not _LITTLE:  # pragma: no cover
        numbers.byteswap()
    out: list[Any] = numbers.tolist()
    if not math.isfinite(sum(out)):  # some number is not finite (or the sum overflowed): look at each
        out = [v if math.isfinite(v) else ("nan" if v != v else ("inf" if v > 0 else "-inf")) for v in out]
    return out


def unpack(d: dict) -> list[dict]:
    """The values of a packed table, in order (what `Packer.finish` wrote): each float value's numbers follow
    the previous one's in its array. Values of one shape share their `shape` list: a trace is read, never
    changed, and this is one object fewer per value to make and to collect."""
    pools = {"f": _numbers(d.get("f32", ""), "f"), "d": _numbers(d.get("f64", ""), "d")}
    at = {"f": 0, "d": 0}
    t = d["tensors"]
    kinds, shape_of, dtypes, as_is = t["kind"], t["shape"], t["dtype"], iter(t["as_is"])
    shapes = [list(s) for s in t["shapes"]]
    sizes = [math.prod(s) for s in shapes]
    if not (len(kinds) == len(shape_of) == len(dtypes)):
        raise ValueError("the columns of a packed value table differ in length")
    out: list[dict] = []
    append = out.append
    for kind, si, dtype in zip(kinds, shape_of, dtypes):
        if kind == "j":
            append(next(as_is))
            continue
        pool = pools[kind]
        start = at[kind]
        shape = shapes[si]
        if len(shape) == 1:
            end = at[kind] = start + sizes[si]
            data = pool[start:end]
        elif not shape:
            at[kind] = start + 1
            data = pool[start]
        else:
            end = at[kind] = start + sizes[si]
            data = _nest(pool[start:end], shape)
        append({"shape": shape, "dtype": dtype, "data": data})
    if at["f"] != len(pools["f"]) or at["d"] != len(pools["d"]):
        raise ValueError("a packed value table does not match its arrays")
    return out


def _nest(flat: list, shape: list) -> list:
    """Flat numbers -> nested lists of `shape` (at least two dimensions), as tensor.tolist() gives."""
    rows = flat
    for size in reversed(shape[1:]):
        rows = [rows[i:i + size] for i in range(0, len(rows), size)]
    return rows


__all__ = ["Packer", "unpack"]
