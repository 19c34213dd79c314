"""The builtins a program can call (`print`, `len`, `range`, `sum`, `zip`, ...): bounded versions of the
harmless ones, made for one run (`make_builtins`). The names offered are `allowlist.BUILTINS`."""
from __future__ import annotations

import builtins
import operator
from typing import TYPE_CHECKING, Any

import torch

from explorer.language import allowlist as A
from explorer.language import guards
from explorer.language.objects import Fn, type_name

if TYPE_CHECKING:
    from explorer.language.interpreter import Interpreter


def make_builtins(interp: Interpreter) -> dict[str, Fn]:
    b = _Builtins(interp)
    return {name: Fn(name, getattr(b, name), torch_args=False) for name in A.BUILTINS}


class _Builtins:
    """Bounded versions of the harmless builtins: anything that would walk an iterable in C is checked first.

    The methods are named after the builtins they stand for, so inside this class `list`, `int` and `bool`
    name methods: annotations spell the types `builtins.list` and so on."""

    def __init__(self, interp: Interpreter) -> None:
        self.i = interp

    def _items(self, it: Any) -> list:
        if isinstance(it, range):
            guards.check_length(len(it), self.i.limits)
            return list(it)
        if isinstance(it, (list, tuple, str, dict, torch.Size)):
            return list(it)
        if isinstance(it, torch.Tensor):
            if it.dim() == 0:
                raise TypeError("iteration over a 0-d tensor")
            guards.check_rows(it, self.i.limits)
            return list(it)
        raise TypeError(f"a {type_name(it)} can't be iterated here")

    def _tick(self, i: int) -> None:
        if i & 255 == 255:
            self.i._check_budget()

    def range(self, *args: Any) -> range:
        if not all(isinstance(a, int) for a in args):
            raise TypeError("range() needs whole numbers (use int(...) for a tensor's value)")
        return range(*args)

    def len(self, x: Any) -> int:
        return len(x)

    def sum(self, it: Any, start: Any = 0) -> Any:
        total = start
        for i, v in enumerate(self._items(it)):
            self._tick(i)
            total = self.i.binop(operator.add, total, v, None)
        return total

    def min(self, *args: Any, **kw: Any) -> Any:
        self._no_key(kw)
        return min(self._items(args[0]) if len(args) == 1 else args, **kw)

    def max(self, *args: Any, **kw: Any) -> Any:
        self._no_key(kw)
        return max(self._items(args[0]) if len(args) == 1 else args, **kw)

    def _no_key(self, kw: dict) -> None:
        if set(kw) - {"default"}:
            raise TypeError("key= is not supported here")

    def abs(self, x: Any) -> Any:
        return abs(x)

    def round(self, x: Any, ndigits: Any = None) -> Any:
        if ndigits is not None and isinstance(ndigits, int) and abs(ndigits) > 400:
            raise guards.limit("round() takes at most 400 digits")
        return round(x) if ndigits is None else round(x, ndigits)

    def float(self, x: Any = 0.0) -> float:
        return float(x)

    def int(self, x: Any = 0) -> int:
        return int(x)

    def bool(self, x: Any = False) -> bool:
        return bool(x)

    def str(self, x: Any = "") -> str:
        guards.check_repr(x, self.i.limits)
        return str(x)

    def list(self, it: Any = ()) -> list:
        return self._items(it)

    def tuple(self, it: Any = ()) -> tuple:
        return tuple(self._items(it))

    def dict(self, *args: Any, **kw: Any) -> dict:
        return dict(*[self._items(a) if not isinstance(a, dict) else a for a in args], **kw)

    def enumerate(self, it: Any, start: builtins.int = 0) -> builtins.list:
        return list(enumerate(self._items(it), start))

    def zip(self, *its: Any) -> builtins.list:
        return list(zip(*[self._items(it) for it in its]))

    def sorted(self, it: Any, reverse: builtins.bool = False) -> builtins.list:
        if isinstance(it, torch.Tensor) and it.dim() == 1:  # same elements, sorted in C, not by 0-d compares
            guards.check_rows(it, self.i.limits)
            return list(torch.sort(it, descending=bool(reverse)).values)
        return sorted(self._items(it), reverse=reverse)

    def reversed(self, it: Any) -> builtins.list:
        return list(reversed(self._items(it)))

    def any(self, it: Any) -> builtins.bool:
        return any(self._items(it))

    def all(self, it: Any) -> builtins.bool:
        return all(self._items(it))

    def print(self, *args: Any, sep: Any = " ", end: Any = "\n") -> None:
        if not isinstance(sep, str) or not isinstance(end, str):
            raise TypeError("sep and end must be strings")
        guards.check_repr(list(args), self.i.limits)
        guards.check_length(len(sep) * len(args) + len(end), self.i.limits)
        self.i.rec.write(sep.join(str(a) for a in args) + end)
