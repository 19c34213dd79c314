"""The builtins a program can call (`print`, `len`, `range`, `sum`, `zip`, ...): bounded versions of the
harmless ones, made for one run (`make_builtins`). The names offered are `allowlist.BUILTINS`."""
from __future__ import annotations

import builtins
import operator
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from explorer.errors import ProgramError
from explorer.language import allowlist as A
from explorer.language import guards, layers
from explorer.language.classes import UserModule, user_class_of
from explorer.language.functions import View
from explorer.language.objects import (
    EXCEPTIONS,
    BoundMethod,
    ErrorValue,
    Fn,
    Instance,
    Namespace,
    TypeOf,
    TypeRef,
    UserClass,
    UserFunction,
    UserIterator,
    UserMethod,
    error_value,
    type_name,
)

if TYPE_CHECKING:
    from explorer.language.interpreter import Interpreter


# `super` is answered by the interpreter itself (it needs the method it is called in): this is its name's value.
SUPER = Fn("super", lambda *a: None, torch_args=False)


def make_builtins(interp: Interpreter) -> dict[str, Any]:
    b = _Builtins(interp)
    made: dict[str, Any] = {name: Fn(name, getattr(b, name), torch_args=False)
                            for name in A.BUILTINS if name != "super"}
    made["super"] = SUPER
    for name, cls in EXCEPTIONS.items():  # `except ValueError:`, `raise ValueError("...")`
        made[name] = TypeRef(name, cls, _raiser(cls))
    return made


def _raiser(cls: type) -> Any:
    def make(*args: Any) -> ErrorValue:
        if len(args) > 8 or not all(isinstance(a, (str, int, float, bool, type(None))) for a in args):
            raise TypeError(f"{cls.__name__}(...) takes a message (text or numbers) here")
        return error_value(cls, args)

    return make


class _Builtins:
    """Bounded versions of the harmless builtins: anything that would walk an iterable in C is checked first.

    The methods are named after the builtins they stand for, so inside this class `list`, `int` and `bool`
    name methods: annotations spell the types `builtins.list` and so on."""

    def __init__(self, interp: Interpreter) -> None:
        self.i = interp

    def _items(self, it: Any) -> list:
        if isinstance(it, (torch.nn.Module, Instance, *layers.DATA_OBJECT_TYPES)):  # layers, batches, __iter__
            return list(self.i.iterate(it, self._node()))
        if isinstance(it, range):
            guards.check_length(len(it), self.i.limits)
            return list(it)
        if isinstance(it, (list, tuple, str, dict, torch.Size, set, frozenset)):
            return list(it)
        if isinstance(it, (torch.Tensor, np.ndarray)):
            if it.ndim == 0:
                raise TypeError(f"iteration over a 0-d {'tensor' if isinstance(it, torch.Tensor) else 'array'}")
            guards.check_rows(it, self.i.limits)
            return list(it)
        if isinstance(it, UserIterator):
            return list(self.i.iterate(it, self._node()))
        raise TypeError(f"a {type_name(it)} can't be iterated here")

    def _node(self) -> Any:
        return self.i.current_call

    def _lazy(self, it: Any) -> Iterator[Any]:
        """Items one at a time: a generator's as it makes them (it may never end: each item counts as a loop
        iteration, so `all(iter(range(10**12)))` meets the loop limit), anything else's at once."""
        if isinstance(it, UserIterator):
            return self._ticking(it)
        return iter(self._items(it))

    def _ticking(self, it: UserIterator) -> Iterator[Any]:
        node = self._node()
        for item in self.i.drain(it, node):
            self.i.tick_loop(node)
            yield item

    def _check_comparisons(self, values: builtins.list, sorting: builtins.bool) -> None:
        """Sorting (or taking the min of) lists and tuples compares them item by item, in C, with no clock: bound
        the items compared before it starts (`sorted([l] * 10**5)` with a long `l` would run for hours)."""
        n = len(values)
        if n < 2:
            return
        items = sum(len(v) for v in values if isinstance(v, (builtins.list, builtins.tuple)))
        rounds = max(1, n.bit_length()) if sorting else 1
        if items * rounds > 20 * self.i.limits.max_collection_len:
            raise guards.limit("sorting these would compare too many items one by one",
                               "sort by a number: key=lambda row: row[0]")

    def _call(self, fn: Any, args: builtins.list) -> Any:
        """A function the program passed in (key=, map, filter), called as the program would call it."""
        if not isinstance(fn, (Fn, BoundMethod, UserFunction, UserMethod)):
            raise TypeError(f"a {type_name(fn)} is not callable")
        return self.i.call(fn, args, {}, self._node())

    def _tick(self, i: int) -> None:
        if i & 255 == 255:
            self.i._check_budget()

    def range(self, *args: Any) -> range:
        if not all(isinstance(a, (int, np.integer)) for a in args):
            raise TypeError("range() needs whole numbers (use int(...) for a tensor's value)")
        return range(*(int(a) for a in args))

    def len(self, x: Any) -> int:
        if isinstance(x, UserIterator):
            raise TypeError(f"object of type '{x.kind}' has no len()")
        if isinstance(x, (Instance, UserModule)):
            length = self.i.classes.special(x, "__len__")
            if length is None:
                raise TypeError(f"object of type '{type_name(x)}' has no len() (define __len__ in its class)")
            n = self.i.call(length, [], {}, self._node())
            if not isinstance(n, int) or isinstance(n, bool) or n < 0:
                raise TypeError("__len__() should return a whole number >= 0")
            return n
        return len(x)

    def sum(self, it: Any, start: Any = 0) -> Any:
        total = start
        for i, v in enumerate(self._items(it)):
            self._tick(i)
            total = self.i.binop(operator.add, total, v, None)
        return total

    def min(self, *args: Any, **kw: Any) -> Any:
        return self._extreme(min, "min", args, kw)

    def max(self, *args: Any, **kw: Any) -> Any:
        return self._extreme(max, "max", args, kw)

    def _extreme(self, pick: Any, name: builtins.str, args: tuple, kw: dict) -> Any:
        if builtins.set(kw) - {"default", "key"}:
            raise TypeError(f"{name}() takes only key= and default= here")
        if not args:
            raise TypeError(f"{name} expected at least 1 argument, got 0")
        items = self._items(args[0]) if len(args) == 1 else builtins.list(args)
        if "default" in kw and len(args) > 1:
            raise TypeError(f"Cannot specify a default for {name}() with multiple positional arguments")
        if not items:
            if "default" in kw:
                return kw["default"]
            raise ValueError(f"{name}() iterable argument is empty")
        key = kw.get("key")
        if key is None:
            self._check_comparisons(items, sorting=False)
            return pick(items)
        keys = self._keys(key, items)
        self._check_comparisons(keys, sorting=False)
        return items[pick(range(len(items)), key=keys.__getitem__)]

    def _keys(self, key: Any, items: builtins.list) -> builtins.list:
        keys = []
        for i, v in enumerate(items):
            self._tick(i)
            keys.append(self._call(key, [v]))
        return keys

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

    def repr(self, x: Any) -> builtins.str:
        """repr() as Python writes it: quotes on text, `ValueError('...')` for an exception; the objects a
        program holds print as str() shows them (their reprs are the explorer's own)."""
        guards.check_repr(x, self.i.limits)
        return builtins.repr(x)

    def list(self, it: Any = ()) -> list:
        return self._items(it)

    def tuple(self, it: Any = ()) -> tuple:
        return tuple(self._items(it))

    def dict(self, *args: Any, **kw: Any) -> dict:
        return dict(*[self._items(a) if not isinstance(a, dict) else a for a in args], **kw)

    def enumerate(self, it: Any, start: builtins.int = 0) -> Any:
        if not isinstance(start, builtins.int):
            raise TypeError("enumerate's start must be a whole number")
        if isinstance(it, UserIterator):
            return UserIterator(enumerate(self._lazy(it), start), "enumerate")
        return list(enumerate(self._items(it), start))

    def zip(self, *its: Any) -> Any:
        if any(isinstance(it, UserIterator) for it in its):
            return UserIterator(zip(*[self._lazy(it) for it in its]), "zip")
        return list(zip(*[self._items(it) for it in its]))

    def sorted(self, it: Any, key: Any = None, reverse: builtins.bool = False) -> builtins.list:
        if key is None and isinstance(it, torch.Tensor) and it.dim() == 1:  # sorted in C, not by 0-d compares
            guards.check_rows(it, self.i.limits)
            return list(torch.sort(it, descending=bool(reverse)).values)
        items = self._items(it)
        if key is None:
            self._check_comparisons(items, sorting=True)
            return sorted(items, reverse=reverse)
        keys = self._keys(key, items)
        self._check_comparisons(keys, sorting=True)
        return [items[i] for i in sorted(range(len(items)), key=keys.__getitem__, reverse=reverse)]

    def reversed(self, it: Any) -> builtins.list:
        if isinstance(it, UserIterator):
            raise TypeError(f"'{it.kind}' object is not reversible")
        return list(reversed(self._items(it)))

    def set(self, it: Any = ()) -> builtins.set:
        return builtins.set(self._items(it))

    def isinstance(self, x: Any, types: Any) -> builtins.bool:
        wanted = self._types(types)
        real = tuple(t for t in wanted if not isinstance(t, UserClass))
        if isinstance(x, ErrorValue):  # an exception the program caught or made: by its class names
            return any(isinstance(t, type) and t.__name__ in x.names for t in real)
        if real and isinstance(x, real):
            return True
        cls = user_class_of(x)  # an instance of the program's classes: along its class's chain
        return cls is not None and any(cls.is_subclass_of(t) for t in wanted if isinstance(t, UserClass))

    def type(self, *args: Any) -> Any:
        """`type(x)`, to print or compare (`type(x) == float`): the program's class for its instances, else a
        TypeOf, which prints as Python does and offers nothing else. type(name, bases, dict) is refused."""
        if len(args) != 1:
            raise ProgramError("not-allowed", "type() takes one argument here: type(x) tells what x is",
                               hint="to make a class, write a class statement")
        cls = user_class_of(args[0])
        if cls is not None:
            return cls
        if isinstance(args[0], ErrorValue):
            real_error = EXCEPTIONS.get(args[0].name)
            return TypeOf(args[0].name, real_error or Exception)
        real = builtins.type(args[0])
        if isinstance(args[0], (Fn, BoundMethod, UserFunction, UserMethod, Namespace, UserIterator, TypeRef,
                                UserClass, View)):
            return TypeOf(type_name(args[0]), real)
        name = real.__qualname__ if real.__module__ == "builtins" else f"{real.__module__}.{real.__qualname__}"
        return TypeOf(name, real)

    def _types(self, types: Any) -> builtins.tuple:
        if isinstance(types, tuple) and len(types) <= 16:
            return tuple(t for each in types for t in self._types(each))
        if isinstance(types, TypeRef):  # and a TypeOf: isinstance(y, type(x))
            return (types.real,)
        if isinstance(types, UserClass):
            return (types,)
        if isinstance(types, Fn):
            name = types.name
            if name in A.ISINSTANCE_BUILTINS and self.i.builtins.get(name) is types:
                return (A.ISINSTANCE_BUILTINS[name],)
        if isinstance(types, Fn) and types.name == "torch.nn.Parameter":
            return (torch.nn.Parameter,)
        allowed = ", ".join([*A.ISINSTANCE_BUILTINS, "torch.Tensor", "np.ndarray", "nn.Module", "nn.Linear (any layer)",
                             "a class of the program"])
        raise ProgramError("not-allowed", "isinstance(x, T) checks only these types here: " + allowed,
                           hint="compare shapes or values instead")

    def iter(self, it: Any, *sentinel: Any) -> UserIterator:
        if sentinel:
            raise TypeError("iter() takes one argument here: iter(callable, sentinel) is not supported")
        if isinstance(it, UserIterator):
            return it
        if isinstance(it, torch.utils.data.DataLoader):  # batches drawn as torch draws them, one at a time
            return UserIterator(builtins.iter(it), "dataloader_iterator")
        if isinstance(it, (Instance, UserModule)):  # the program's own __iter__
            return self.iter(self.i.iter_of(it, self._node()))
        kinds: builtins.dict[type, builtins.str] = {
            builtins.list: "list_iterator", builtins.tuple: "tuple_iterator", range: "range_iterator",
            builtins.str: "str_ascii_iterator", builtins.dict: "dict_keyiterator"}
        kind = kinds.get(type(it), "iterator")
        if isinstance(it, range):
            return UserIterator(builtins.iter(it), kind)  # lazily: every consumer bounds how far it goes
        return UserIterator(builtins.iter(self._items(it)), kind)

    def next(self, it: Any, *default: Any) -> Any:
        if not isinstance(it, UserIterator):
            raise TypeError(f"'{type_name(it)}' object is not an iterator (iter(...) makes one)")
        if len(default) > 1:
            raise TypeError("next expected at most 2 arguments")
        try:
            return it.advance()
        except StopIteration:
            if default:
                return default[0]
            raise

    def map(self, fn: Any, *its: Any) -> UserIterator:
        if not its:
            raise TypeError("map() must have at least two arguments.")
        sources = [self._lazy(it) for it in its]

        def items() -> Iterator[Any]:
            for args in zip(*sources):
                yield self._call(fn, builtins.list(args))

        return UserIterator(items(), "map")

    def filter(self, fn: Any, it: Any) -> UserIterator:
        source = self._lazy(it)

        def items() -> Iterator[Any]:
            for v in source:
                if self.i.truth(v if fn is None else self._call(fn, [v]), self._node()):
                    yield v

        return UserIterator(items(), "filter")

    def divmod(self, a: Any, b: Any) -> Any:
        self.i.check_operand(a, None)
        self.i.check_operand(b, None)
        return divmod(a, b)

    def pow(self, base: Any, exp: Any, mod: Any = None) -> Any:
        if mod is None:
            return self.i.binop(operator.pow, base, exp, None)
        if not all(isinstance(v, builtins.int) for v in (base, exp, mod)):
            raise TypeError("pow() 3rd argument not allowed unless all arguments are integers")
        return pow(base, exp, mod)

    def chr(self, i: Any) -> builtins.str:
        return chr(i)

    def ord(self, c: Any) -> builtins.int:
        return ord(c)

    def any(self, it: Any) -> builtins.bool:
        return any(self.i.truth(v, self._node()) for v in self._lazy(it))  # stops at the first true one

    def all(self, it: Any) -> builtins.bool:
        return all(self.i.truth(v, self._node()) for v in self._lazy(it))

    def print(self, *args: Any, sep: Any = " ", end: Any = "\n", flush: Any = False) -> None:
        sep = " " if sep is None else sep
        end = "\n" if end is None else end
        if not isinstance(sep, str) or not isinstance(end, str):
            raise TypeError("sep and end must be strings")
        guards.check_repr(list(args), self.i.limits)
        guards.check_length(len(sep) * len(args) + len(end), self.i.limits)
        self.i.rec.write(sep.join(str(a) for a in args) + end)
