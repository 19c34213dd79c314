"""The values a program can hold besides data: allowed functions, namespaces, methods, its own functions.

None of these hands out the real object behind it: `torch.sigmoid` in a program is an `Fn`, `torch` a
`Namespace`, `x.sum` a `BoundMethod`, `y.grad_fn` a `GradFnView`. The interpreter is the only thing that
calls through them, after its checks.
"""
from __future__ import annotations

import ast
import builtins
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import torch

from explorer.language import allowlist as A

# Plain data: the only things that may be passed into torch, or stored in a list handed to torch.
DATA_TYPES = (torch.Tensor, int, float, bool, complex, str, type(None), torch.dtype, torch.device,
              torch.Size, slice, type(Ellipsis), torch.Generator)
OPTIMIZER_TYPES = (torch.optim.Optimizer,)


@dataclass(frozen=True, eq=False)
class Fn:
    """An allowed callable: `impl` is what runs, `name` what the user sees, `torch_args` whether the
    arguments go into torch (and so must be plain data, never a function)."""

    name: str
    impl: Callable[..., Any]
    torch_args: bool = True

    def __repr__(self) -> str:
        return f"<function {self.name}>"


class LazyMembers(Mapping):
    """A namespace's members, each made the first time a program uses it.

    Why: `torch` alone offers some 300 functions, and a typical program calls five. Making all of them for
    every run cost more than running a small program, and more still in a sandbox worker, where every
    object touched is a page copied from the process it was forked from."""

    def __init__(self, names: frozenset[str], make: Callable[[str], Any]) -> None:
        self._names = names
        self._make = make
        self._made: dict[str, Any] = {}

    def __contains__(self, name: object) -> bool:
        return name in self._names

    def __getitem__(self, name: str) -> Any:
        try:
            return self._made[name]
        except KeyError:
            if name not in self._names:
                raise
        member = self._made[name] = self._make(name)
        return member

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._names))

    def __len__(self) -> int:
        return len(self._names)


@dataclass(frozen=True, eq=False)
class Namespace:
    """`torch`, `F`, `math`, `torch.optim`, ...: attribute access goes through `members` only."""

    name: str
    members: Mapping[str, Any]
    refused: dict[str, str] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"<module {self.name}>"


@dataclass(frozen=True, eq=False)
class BoundMethod:
    """`x.sum` before it is called: the receiver and the method name, checked against the tables."""

    obj: Any
    name: str

    def __repr__(self) -> str:
        return f"<method {type(self.obj).__name__}.{self.name}>"


@dataclass(eq=False)
class UserFunction:
    """A `def` or a `lambda` in the program: run by the interpreter, never by Python or torch."""

    node: ast.FunctionDef | ast.Lambda
    defaults: dict[str, Any]
    scope: Any  # the Scope it was defined in (closures read from it)
    local_names: frozenset = frozenset()  # names its body assigns: local to each call
    declared: tuple = ()  # (name, "global" | "nonlocal") its body declares
    generator: bool = False  # its body has a `yield`: a call makes a UserGenerator
    grad_mode: bool | None = None  # @torch.no_grad() (False) / @torch.enable_grad() (True) around each run
    owner: Any = None  # the UserClass whose body defined it (a method): what `super()` starts from

    @property
    def name(self) -> str:
        return self.node.name if isinstance(self.node, ast.FunctionDef) else "<lambda>"

    def __repr__(self) -> str:
        return f"<function {self.name}>"


class UserIterator:
    """What a generator function, `iter(...)`, `map` and `filter` give: items one at a time, made by the
    interpreter's own code. Programs reach nothing inside it (no gi_frame, gi_code, send or throw); only the
    interpreter advances it, through `advance`."""

    __slots__ = ("_items", "kind", "name")

    def __init__(self, items: Iterator, kind: str, name: str = "") -> None:
        self._items = items
        self.kind = kind  # generator, list_iterator, map, filter, zip, enumerate, ...
        self.name = name

    def advance(self) -> Any:
        """The next item; StopIteration when there is none."""
        return next(self._items)

    def __repr__(self) -> str:
        return f"<generator object {self.name}>" if self.kind == "generator" else f"<{self.kind} object>"


@dataclass(frozen=True, eq=False)
class TypeRef:
    """A type a program may name (`torch.Tensor`, `np.ndarray`, `nn.Linear`, `nn.Module`): for `isinstance(x, T)`,
    and called only through `make` where there is one (torch's legacy constructors: `torch.Tensor([1.0, 2.0])`;
    a layer's checked constructor: `nn.Linear(784, 32)`); without one, a type to test against or (nn.Module,
    Dataset) to derive a class from. No attributes, never the real class."""

    name: str
    real: type
    make: Callable[..., Any] | None = None

    def __repr__(self) -> str:
        return f"<class '{self.name}'>"


class TypeOf(TypeRef):
    """What `type(x)` gives for a value that is not an instance of the program's classes: it prints like Python's
    (`<class 'float'>`, `<class 'torch.Tensor'>`) and equals the builtin or TypeRef naming the same type, so
    `type(x) == float` and `type(t) == torch.Tensor` read as in Python."""

    def __eq__(self, other: object) -> bool:
        if isinstance(other, TypeRef):
            return self.real is other.real
        if isinstance(other, Fn) and other.torch_args is False:  # the program's `float`, `int`, `list`, ...
            return BUILTIN_TYPES.get(other.name) is self.real
        return False

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return hash(self.real)


# the builtins that name a type, for `type(x) == float`
BUILTIN_TYPES: dict[str, type] = {"int": int, "float": float, "str": str, "bool": bool, "list": list,
                                  "tuple": tuple, "dict": dict, "set": set}


# The exceptions a program may name, to catch (`except RuntimeError as e:`) or raise (`raise ValueError("...")`)
EXCEPTIONS: dict[str, type] = {name: getattr(builtins, name) for name in sorted(A.EXCEPTION_NAMES)}


class ErrorValue:
    """An exception as a program holds it: made by `ValueError("...")` or bound by `except ... as e`. It prints
    as Python prints the exception (`str(e)` is its text, torch's own words for torch's errors) and offers only
    `.args`; the exception object itself, its traceback and frames never reach the program."""

    __slots__ = ("names", "args", "text")

    def __init__(self, names: tuple[str, ...], args: tuple, text: str) -> None:
        self.names = names  # class names, most specific first: ("ValueError", "Exception", "BaseException")
        self.args = args
        self.text = text

    @property
    def name(self) -> str:
        return self.names[0]

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"{self.name}({', '.join(repr(a) for a in self.args)})"


def error_value(cls: type, args: tuple) -> ErrorValue:
    """`ValueError("x must be positive")` in a program."""
    text = str(args[0]) if len(args) == 1 else (str(args) if args else "")
    return ErrorValue(tuple(c.__name__ for c in cls.__mro__ if c is not object), tuple(args), text)


class GradFnView:
    """What `y.grad_fn` shows: the node's name and its next_functions, nothing else of the real node."""

    __slots__ = ("_fn",)

    def __init__(self, fn: Any) -> None:
        self._fn = fn

    def name(self) -> str:
        n = self._fn.name()
        return "AccumulateGrad" if n.endswith("AccumulateGrad") else n

    @property
    def next_functions(self) -> tuple:
        return tuple((GradFnView(f) if f is not None else None, i) for f, i in self._fn.next_functions)

    def __repr__(self) -> str:
        return f"<{self.name()} object>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, GradFnView) and other._fn is self._fn

    def __hash__(self) -> int:
        return hash(id(self._fn))


@dataclass(frozen=True)
class GradMode:
    """What `torch.no_grad()` / `torch.enable_grad()` give: usable only in a `with` statement."""

    enabled: bool | None  # None: the mode stays as it is (torch.inference_mode(False))

    def __repr__(self) -> str:
        if self.enabled is None:
            return "torch.inference_mode(False)"
        return "torch.enable_grad()" if self.enabled else "torch.no_grad()"


# Hyper-parameters a program may read and change through opt.param_groups[i][key]; everything else of the
# real dict (params, fused, foreach, capturable, ...) stays out of reach: changing those switches torch to
# kernels that trust sizes and strides (out-of-bounds reads and writes with a mismatched .grad or .data).
TUNABLE = frozenset({"lr", "momentum", "dampening", "weight_decay", "nesterov", "betas", "eps", "alpha",
                     "amsgrad", "maximize", "lr_decay", "initial_accumulator_value", "centered"})


class ParamGroup:
    """One of `opt.param_groups`: its hyper-parameters readable and settable, `params` readable only."""

    __slots__ = ("_group",)

    def __init__(self, group: dict) -> None:
        self._group = group

    def __getitem__(self, key: Any) -> Any:
        if key == "params":
            return tuple(self._group["params"])
        if key not in TUNABLE:
            raise KeyError(f"{key!r}: a parameter group shows {', '.join(sorted(TUNABLE & set(self._group)))}")
        return self._group[key]

    def __setitem__(self, key: Any, value: Any) -> None:
        if key not in TUNABLE or key not in self._group:
            raise PermissionError(f"only these can be changed: {', '.join(sorted(TUNABLE & set(self._group)))}")
        ok = (isinstance(value, (int, float)) or
              (isinstance(value, tuple) and all(isinstance(v, (int, float)) for v in value)))
        if not ok:
            raise TypeError(f"{key} must be a number")
        self._group[key] = value

    def __len__(self) -> int:
        return len(TUNABLE & set(self._group)) + 1

    def __repr__(self) -> str:
        shown = {k: v for k, v in self._group.items() if k in TUNABLE}
        return f"{{'params': [{len(self._group['params'])} tensors], " + repr(shown)[1:]


class ParamGroups:
    """What `opt.param_groups` gives: a read-only list of ParamGroup views (no append, no replacing)."""

    __slots__ = ("_groups",)

    def __init__(self, optimizer: Any) -> None:
        self._groups = optimizer.param_groups

    def __getitem__(self, i: int) -> ParamGroup:
        if not isinstance(i, int):
            raise TypeError("param_groups is indexed by a whole number")
        return ParamGroup(self._groups[i])

    def __len__(self) -> int:
        return len(self._groups)

    def __iter__(self):
        return (ParamGroup(g) for g in self._groups)

    def __repr__(self) -> str:
        return "[" + ", ".join(repr(ParamGroup(g)) for g in self._groups) + "]"


# --- the program's own classes ------------------------------------------------------------------------------
# A `class` statement makes a UserClass: our own object, not a Python class. Its instances are Instances
# (plain classes) or UserModules (classes deriving from nn.Module, see explorer/language/classes.py); their
# attributes live in dicts of ours, read and written only by the interpreter.


@dataclass(eq=False)
class UserClass:
    """A `class` statement of the program: its name, its one base, its attributes (methods are UserFunctions,
    wrapped in StaticMethod/ClassMethod when decorated)."""

    name: str
    base: UserClass | None
    module: bool  # derives from nn.Module (directly or through its base)
    attrs: dict[str, Any]

    def lookup(self, name: str) -> tuple[UserClass, Any] | None:
        """The class along the chain (self first) that defines `name`, with its value; None if none does."""
        cls: UserClass | None = self
        while cls is not None:
            if name in cls.attrs:
                return cls, cls.attrs[name]
            cls = cls.base
        return None

    def is_subclass_of(self, other: UserClass) -> bool:
        cls: UserClass | None = self
        while cls is not None:
            if cls is other:
                return True
            cls = cls.base
        return False

    def __repr__(self) -> str:
        return f"<class '__main__.{self.name}'>"


class Instance:
    """An instance of a plain class of the program: its class and its attributes, in a dict of ours."""

    __slots__ = ("cls", "attrs")

    def __init__(self, cls: UserClass) -> None:
        self.cls = cls
        self.attrs: dict[str, Any] = {}

    def __repr__(self) -> str:
        return f"<__main__.{self.cls.name} object>"


@dataclass(frozen=True, eq=False)
class UserMethod:
    """A program's function bound to its first argument (`net.forward`, `Foo.make` of a classmethod)."""

    fn: UserFunction
    obj: Any

    @property
    def name(self) -> str:
        return self.fn.name

    def __repr__(self) -> str:
        return f"<bound method {self.fn.name}>"


@dataclass(frozen=True, eq=False)
class StaticMethod:
    """`@staticmethod` in a class body: the function, bound to nothing."""

    fn: UserFunction


@dataclass(frozen=True, eq=False)
class ClassMethod:
    """`@classmethod` in a class body: the function, bound to the class it is read from."""

    fn: UserFunction


@dataclass(frozen=True, eq=False)
class Super:
    """What `super()` gives inside a method: attribute reads start after `cls` along the object's chain."""

    cls: UserClass
    obj: Any

    def __repr__(self) -> str:
        return f"<super: {self.cls.name}>"


def type_name(value: Any) -> str:
    if isinstance(value, (Fn, BoundMethod, UserFunction, UserMethod)):
        return "function"
    if isinstance(value, Namespace):
        return "module"
    if isinstance(value, UserIterator):
        return value.kind
    if isinstance(value, TypeRef):
        return "type"
    if isinstance(value, UserClass):
        return "class"
    if isinstance(value, Instance):
        return value.cls.name
    user_class = getattr(value, "__dict__", {}).get("_explorer_class") if isinstance(value, torch.nn.Module) else None
    if user_class is not None:
        return user_class.name
    return type(value).__name__
