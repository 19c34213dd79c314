"""`typing` and `collections` for programs: the few names tutorials import from them.

`from typing import List, Tuple` only feeds annotations, which the explorer never evaluates (a parameter's
`x: torch.Tensor` changes nothing); an alias such as `Batch = Tuple[torch.Tensor, torch.Tensor]` is evaluated,
so each typing name is a `TypeHint` that can be subscripted and called like `cast(T, x)` or `TypeVar("T")`,
and is nothing else. `collections` gives `OrderedDict` (for `nn.Sequential(OrderedDict([...]))`), `defaultdict`
and `Counter` as the real dict subclasses, made by the interpreter's bounded `dict`; their attributes are the
dict table's (plus `most_common`), so `default_factory` and the rest of their insides stay out of reach.
"""
from __future__ import annotations

import ast
import collections
from typing import TYPE_CHECKING, Any

from explorer.language.objects import BUILTIN_TYPES, BoundMethod, Fn, Namespace, UserFunction, UserMethod

if TYPE_CHECKING:
    from explorer.language.interpreter import Interpreter

TYPING_NAMES = frozenset(
    "Any List Tuple Dict Set FrozenSet Optional Union Callable Iterable Iterator Sequence Mapping Type Generator "
    "Literal Final ClassVar TypeVar Hashable Sized Collection MutableMapping NoReturn".split())
COLLECTIONS_REFUSED = {
    "namedtuple": "it makes a class from text; use a plain class or a tuple",
    "deque": "use a list (append, pop(0))",
    "ChainMap": "use a dict",
    "UserDict": "use a dict",
    "UserList": "use a list",
}


class TypeHint:
    """A name from `typing`: subscripting it (`List[int]`) gives it back, calling it gives its first argument
    (`cast(T, x)` gives x... through `cast`; `TypeVar("T")` gives a hint); it offers no attributes."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __getitem__(self, _item: Any) -> TypeHint:
        return self

    def __repr__(self) -> str:
        return f"typing.{self.name}"


def make_typing() -> Namespace:
    members: dict[str, Any] = {name: TypeHint(name) for name in TYPING_NAMES}
    members["TypeVar"] = Fn("typing.TypeVar", lambda name, *a, **k: TypeHint(str(name)), torch_args=False)
    members["cast"] = Fn("typing.cast", lambda _t, value: value, torch_args=False)
    members["TYPE_CHECKING"] = False
    return Namespace("typing", members)


def make_collections(interp: Interpreter) -> Namespace:
    as_dict = interp.builtins["dict"].impl  # the bounded dict(): iterators, ranges and sizes checked

    def ordered_dict(*args: Any, **kwargs: Any) -> collections.OrderedDict:
        return collections.OrderedDict(as_dict(*args, **kwargs))

    def default_dict(factory: Any = None, *args: Any, **kwargs: Any) -> collections.defaultdict:
        return collections.defaultdict(_factory(interp, factory), as_dict(*args, **kwargs))

    def counter(it: Any = (), **kwargs: Any) -> collections.Counter:
        if isinstance(it, dict):
            return collections.Counter(as_dict(it, **kwargs))
        return collections.Counter(interp.builtins["list"].impl(it), **kwargs)

    return Namespace("collections", {
        "OrderedDict": Fn("collections.OrderedDict", ordered_dict, torch_args=False),
        "defaultdict": Fn("collections.defaultdict", default_dict, torch_args=False),
        "Counter": Fn("collections.Counter", counter, torch_args=False),
    }, dict(COLLECTIONS_REFUSED))


def _factory(interp: Interpreter, factory: Any) -> Any:
    """What a defaultdict calls for a missing key: the program's `list`, `int`, a lambda..., run by the
    interpreter (never handed to Python as it is)."""
    if factory is None:
        return None
    if not isinstance(factory, (Fn, BoundMethod, UserFunction, UserMethod)):
        raise TypeError("first argument to defaultdict must be callable or None")
    return _Factory(interp, factory, interp.current_call or ast.Pass())


class _Factory:
    """A defaultdict's factory: calls the program's function through the interpreter, and prints as Python
    prints the factory (`defaultdict(<class 'list'>, {...})`)."""

    __slots__ = ("_interp", "_fn", "_node")

    def __init__(self, interp: Interpreter, fn: Any, node: Any) -> None:
        self._interp, self._fn, self._node = interp, fn, node

    def __call__(self) -> Any:
        return self._interp.call(self._fn, [], {}, self._node)

    def __repr__(self) -> str:
        fn = self._fn
        if isinstance(fn, Fn) and fn.name in BUILTIN_TYPES:
            return f"<class '{fn.name}'>"
        return repr(fn)


__all__ = ["TYPING_NAMES", "TypeHint", "make_collections", "make_typing"]
