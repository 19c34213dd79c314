"""Turn live tensors into plain, JSON-safe values: whole when small, a summary when large, never dropped."""
from __future__ import annotations

import math
from itertools import chain
from typing import Any

import torch

from explorer.config import FULL_VALUE_ELEMENTS, SUMMARY_FIRST_ELEMENTS

_DTYPE_NAMES: dict[torch.dtype, str] = {}


def dtype_name(dtype: torch.dtype) -> str:
    name = _DTYPE_NAMES.get(dtype)
    if name is None:
        name = _DTYPE_NAMES[dtype] = str(dtype).replace("torch.", "")
    return name


def encode(t: torch.Tensor | None, full: int = FULL_VALUE_ELEMENTS) -> dict | None:
    """{"shape", "dtype", "data"} for a tensor of at most `full` elements, else {"shape", "dtype", "summary"}."""
    if t is None:
        return None
    dtype = t.dtype
    if dtype is torch.float32:  # the commonest values by far, made fast: a scalar (a loss), a short vector
        shape = t.shape
        if not shape:
            data = t.item()
            return {"shape": [], "dtype": "float32", "data": data if math.isfinite(data) else clean(data)}
        if len(shape) == 1 and shape[0] <= full:
            numbers: list = t.tolist()
            return {"shape": [shape[0]], "dtype": "float32",
                    "data": numbers if all(map(math.isfinite, numbers)) else clean(numbers)}
    out: dict[str, Any] = {"shape": list(t.shape), "dtype": dtype_name(dtype)}
    n = t.numel()
    if dtype.is_complex:
        out["text"] = str(t.tolist()) if n <= full else f"complex tensor of {n} elements"
    elif n <= full:
        out["data"] = _data(t)
    else:
        out["summary"] = summary(t)
    return out


def _data(t: torch.Tensor) -> Any:
    data: Any = t.tolist()  # a number for a 0-d tensor, else nested lists
    if t.dtype.is_floating_point:
        dim = t.dim()
        if dim == 0:
            return data if math.isfinite(data) else clean(data)
        if dim == 1:
            return data if all(map(math.isfinite, data)) else clean(data)
        if dim == 2:  # a weight matrix: check the rows without rebuilding them
            return data if all(map(math.isfinite, chain.from_iterable(data))) else clean(data)
        return clean(data)
    return data


def summary(t: torch.Tensor) -> dict:
    flat = t.detach().reshape(-1)
    as_float = flat.double() if flat.dtype != torch.bool else flat.to(torch.float64)
    return {
        "numel": flat.numel(),
        "min": clean(as_float.min().item()),
        "max": clean(as_float.max().item()),
        "mean": clean(as_float.mean().item()),
        "first": clean(flat[:SUMMARY_FIRST_ELEMENTS].tolist()),
    }


def plain(t: torch.Tensor, full: int) -> Any:
    """Nested lists (what `tensor.tolist()` gives) when at most `full` elements, else a summary dict."""
    t = t.detach()
    if t.numel() <= full and not t.is_complex():
        return _data(t)
    return {"shape": list(t.shape), "dtype": dtype_name(t.dtype), "summary": summary(t)}


def clean(x: Any) -> Any:
    """JSON has no NaN or infinity: they become the strings "nan", "inf", "-inf"."""
    if isinstance(x, float):
        if math.isfinite(x):
            return x
        return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")
    if isinstance(x, list):
        return [clean(v) for v in x]
    return x


def number(x: Any) -> Any:
    """A JSON-safe number or short text for a non-tensor saved value (an int, a float, a tuple of ints)."""
    if isinstance(x, bool) or x is None:
        return x
    if isinstance(x, (int, float)):
        return clean(float(x)) if isinstance(x, float) else x
    if isinstance(x, (tuple, list)) and len(x) <= 16 and all(isinstance(v, (int, float, bool)) for v in x):
        return [number(v) for v in x]
    if isinstance(x, torch.Tensor):
        return encode(x)
    return str(x)[:80]
