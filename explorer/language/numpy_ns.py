"""numpy, the small part tutorials use: what `import numpy as np` binds, and what an ndarray offers.

Every function is a wrapper made for one run (`make_numpy`). Before numpy does anything it checks, in order:
1. the arguments: at most as many positional ones as the function takes before numpy's own `out`, only the
   keywords named for it (`out=` only for elementwise ufuncs, and only an existing array), plain data only (no
   functions, modules or plot objects: numpy would make an array of Python objects out of them), dtypes from a
   short list of numbers (`as_dtype`);
2. the size of what it would make, from the arguments alone (guards: shape_of, check_broadcast, dot_numel,
   matmul_numel, _product), so `np.zeros(10**10)` is a `limit` error and nothing is allocated;
3. tensors become arrays of their own (`as_array`): an array never keeps a program's tensor object as its base,
   so nothing a program later does to that tensor (`t.data = ...`) can leave the array pointing at freed memory.
What a call returns is checked by the interpreter like any result (guards.check_result: numbers only, within
the element limit). Nothing here reaches numpy's internals: no files, raw memory, ctypes, per-element Python
callbacks or the random generator's state (the run seeds it and puts it back: recording/run.py).
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.linalg
import numpy.random  # loaded now: a sandbox worker is forked later and can't import anything then
import torch

from explorer.config import Limits
from explorer.errors import ProgramError
from explorer.language import allowlist as A
from explorer.language import guards
from explorer.language.objects import BoundMethod, Fn, LazyMembers, Namespace, TypeRef

if TYPE_CHECKING:
    from explorer.language.interpreter import Interpreter

NDARRAY = TypeRef("numpy.ndarray", np.ndarray)


@dataclass(frozen=True, eq=False)
class NumpyType(Fn):
    """`np.float32` and the like: callable (`np.float32(1.5)`), and a dtype wherever one is taken
    (`dtype=np.float32`, `a.astype(np.float32)`, `a.dtype == np.float32`)."""

    dtype: Any = None


_BUILTIN_DTYPES = {"float": np.dtype(np.float64), "int": np.dtype(np.int64), "bool": np.dtype(np.bool_)}
_DTYPE_HINT = "use np.float32, np.float64, np.int64, np.int32, np.uint8, np.bool_, float, int or bool"


def as_dtype(value: Any) -> np.dtype | None:
    """The numpy dtype a program names, if it is one of numbers; else a ProgramError."""
    if value is None:
        return None
    if isinstance(value, NumpyType):
        return value.dtype
    if isinstance(value, Fn) and value.name in _BUILTIN_DTYPES:  # the builtins float, int, bool
        return _BUILTIN_DTYPES[value.name]
    if isinstance(value, np.dtype):
        dt = value
    elif isinstance(value, str) and len(value) <= 32:
        try:
            dt = np.dtype(value)
        except TypeError:
            raise ProgramError("runtime", f"data type {value!r} not understood", hint=_DTYPE_HINT) from None
    else:
        raise ProgramError("not-allowed", "this is not a numpy dtype that can be used here", hint=_DTYPE_HINT)
    if dt.kind not in guards.NUMERIC_KINDS:
        raise ProgramError("not-allowed", f"arrays of {dt} are not supported here; use numbers", hint=_DTYPE_HINT)
    return dt


def as_array(x: Any) -> Any:
    """A tensor handed to numpy: an array over the same numbers whose base is a detached alias of the tensor,
    never the program's tensor object (torch's own error if it requires grad, as in plain Python)."""
    if isinstance(x, torch.Tensor):
        return x.numpy() if x.requires_grad else x.detach().numpy()
    return x


_TEXT_KEYWORDS = frozenset({"indexing"})  # the only keywords that take a string (meshgrid's 'xy' / 'ij')


def numbers_only(values: Any, limits: Limits) -> None:
    """numpy's arguments are numbers, arrays and tensors (in lists and tuples): a string would make an array of
    strings as wide as the longest one times every element (`np.full((2000, 2000), 'x' * 10**5)` asks for 1.6 TB)
    before the result could be refused. Each list is walked once, within a budget."""
    budget = limits.max_tensor_elements
    stack, seen = [values], set()
    while stack:
        x = stack.pop()
        if isinstance(x, (bool, int, float, np.generic, np.ndarray, np.dtype, torch.Tensor, type(None), slice,
                          type(Ellipsis))):
            continue
        if isinstance(x, (list, tuple)):
            if id(x) in seen:
                continue
            seen.add(id(x))
            budget -= len(x)
            if budget < 0:
                raise guards.too_many_elements(limits.max_tensor_elements - budget, limits)
            stack.extend(v for v in x if not isinstance(v, (int, float)))
            continue
        what = "text" if isinstance(x, str) else f"a {type(x).__name__}"
        raise ProgramError("not-allowed", f"numpy functions here take numbers, arrays and tensors, not {what}")


def _ints(value: Any) -> list[int] | None:
    """A size as numpy takes it (an int or a tuple of ints) as a list of ints; None if it is something else."""
    if isinstance(value, (int, np.integer)):
        return [int(value)]
    if isinstance(value, (list, tuple)) and len(value) <= 64 and all(isinstance(v, (int, np.integer)) for v in value):
        return [int(v) for v in value]
    return None


def check_size(value: Any, limits: Limits, what: str = "a size") -> None:
    """`size=`/shape arguments: whole numbers only (an object with __index__ could stand for 10**10), in the limit."""
    if value is None:
        return
    dims = _ints(value)
    if dims is None:
        raise ProgramError("runtime", f"{what} must be a whole number or a tuple of whole numbers")
    guards._product(dims, limits)


def _count(values: Any, limits: Limits) -> None:
    for v in values:
        guards.shape_of(v, limits)


def _sum_of_sizes(seq: Any, limits: Limits) -> int:
    if not isinstance(seq, (list, tuple)):
        return math.prod(guards.shape_of(seq, limits))
    guards.check_length(len(seq), limits)
    return sum(math.prod(guards.shape_of(v, limits)) for v in seq)


def _arange_count(args: tuple, kwargs: dict) -> int:
    """Elements of np.arange([start,] stop[, step]): ceil((stop - start) / step), as numpy counts them."""
    pos = list(args[:3])
    start: Any = 0
    stop: Any = kwargs.get("stop")
    step: Any = kwargs.get("step", 1)
    if len(pos) == 1:
        if stop is None:
            stop = pos[0]
        else:
            start = pos[0]
    elif len(pos) == 2:
        start, stop = pos
    elif len(pos) == 3:
        start, stop, step = pos
    try:
        count = math.ceil((float(stop) - float(start)) / float(step))
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return 0  # numpy explains the bad arguments
    return max(count, 0)


# --- the checks, one per kind of function: (args, kwargs, limits) -> None, raising a limit error -------------

def _elementwise(args: tuple, kwargs: dict, limits: Limits) -> None:
    if "out" in kwargs and not isinstance(kwargs["out"], np.ndarray):
        raise ProgramError("not-allowed", "out= must be an existing numpy array (numpy writes the result into it)")
    guards.check_broadcast([*args, *kwargs.values()], limits)


def _counted(args: tuple, kwargs: dict, limits: Limits) -> None:
    _count([*args, *kwargs.values()], limits)


def _array(args: tuple, kwargs: dict, limits: Limits) -> None:
    guards.count_elements(args[0] if args else kwargs.get("object"), limits)


def _shape_first(args: tuple, kwargs: dict, limits: Limits) -> None:
    check_size(args[0] if args else kwargs.get("shape"), limits, "a shape")
    _count([*args[1:], *kwargs.values()], limits)


def _like(args: tuple, kwargs: dict, limits: Limits) -> None:
    _count([*args, *kwargs.values()], limits)


def _eye(args: tuple, kwargs: dict, limits: Limits) -> None:
    n = args[0] if args else kwargs.get("N")
    m = args[1] if len(args) > 1 else kwargs.get("M")
    check_size((n, n if m is None else m), limits, "np.eye's sizes")


def _identity(args: tuple, kwargs: dict, limits: Limits) -> None:
    n = args[0] if args else kwargs.get("n")
    check_size((n, n), limits, "np.identity's size")


def _arange(args: tuple, kwargs: dict, limits: Limits) -> None:
    guards.check_numel(_arange_count(args, kwargs), limits)


def _linspace(args: tuple, kwargs: dict, limits: Limits) -> None:
    num = args[2] if len(args) > 2 else kwargs.get("num", 50)
    if not isinstance(num, (int, np.integer)):
        raise ProgramError("runtime", "np.linspace's num must be a whole number")
    shape: tuple = ()
    for v in (*args[:2], kwargs.get("start"), kwargs.get("stop")):
        shape = guards.broadcast_shape(shape, guards.shape_of(v, limits))
    guards._product([int(num), math.prod(shape)], limits)


def _meshgrid(args: tuple, kwargs: dict, limits: Limits) -> None:
    if len(args) > 8:
        raise ProgramError("limit", "np.meshgrid takes at most 8 arrays here")
    guards._product([math.prod(guards.shape_of(v, limits)) for v in args], limits)


def _dot(args: tuple, kwargs: dict, limits: Limits) -> None:
    if len(args) == 2:
        guards.check_numel(guards.dot_numel(guards.shape_of(args[0], limits), guards.shape_of(args[1], limits)), limits)


def _matmul(args: tuple, kwargs: dict, limits: Limits) -> None:
    if len(args) == 2:
        sa, sb = guards.shape_of(args[0], limits), guards.shape_of(args[1], limits)
        guards.check_numel(guards.matmul_numel(sa, sb), limits)


def _outer(args: tuple, kwargs: dict, limits: Limits) -> None:
    guards._product([math.prod(guards.shape_of(v, limits)) for v in args], limits)


def _joined(args: tuple, kwargs: dict, limits: Limits) -> None:
    guards.check_numel(_sum_of_sizes(args[0] if args else kwargs.get("arrays", ()), limits), limits)


@dataclass(frozen=True)
class Spec:
    positional: int  # positional arguments taken (numpy's next one is often `out`)
    keywords: frozenset
    check: Callable[[tuple, dict, Limits], None]
    dtype_at: int | None = None  # the position of a dtype given positionally


def _spec(positional: int, keywords: str, check: Callable[[tuple, dict, Limits], None],
          dtype_at: int | None = None) -> Spec:
    return Spec(positional, frozenset(keywords.split()), check, dtype_at)


_REDUCE = _spec(2, "axis keepdims ddof dtype", _counted)
SPECS: dict[str, Spec] = {
    # ufuncs may write into an existing array (`np.add(a, 1, out=a)`): never resized, so never reallocated
    **{name: _spec(1, "out", _elementwise) for name in A.NUMPY_UNARY},
    **{name: _spec(2, "out", _elementwise) for name in A.NUMPY_BINARY},
    **{name: _REDUCE for name in A.NUMPY_REDUCTIONS},
    "array": _spec(2, "dtype", _array, 1), "asarray": _spec(2, "dtype", _array, 1),
    "zeros": _spec(2, "dtype", _shape_first, 1), "ones": _spec(2, "dtype", _shape_first, 1),
    "full": _spec(3, "dtype", _shape_first, 2),
    "eye": _spec(4, "M k dtype", _eye, 3), "identity": _spec(2, "dtype", _identity, 1),
    "arange": _spec(4, "stop step dtype", _arange, 3),
    "linspace": _spec(3, "num endpoint dtype", _linspace),
    "zeros_like": _spec(2, "dtype", _like, 1), "ones_like": _spec(2, "dtype", _like, 1),
    "full_like": _spec(3, "dtype", _like, 2),
    "meshgrid": _spec(8, "indexing sparse", _meshgrid),
    "dot": _spec(2, "", _dot), "matmul": _spec(2, "", _matmul), "outer": _spec(2, "", _outer),
    "where": _spec(3, "", _elementwise),
    "clip": _spec(3, "a_min a_max min max", _elementwise),
    "round": _spec(2, "decimals", _counted), "around": _spec(2, "decimals", _counted),
    "reshape": _spec(2, "shape newshape", _counted), "transpose": _spec(2, "axes", _counted),
    "squeeze": _spec(2, "axis", _counted), "expand_dims": _spec(2, "axis", _counted),
    "ravel": _spec(1, "", _counted),
    "concatenate": _spec(2, "axis dtype", _joined), "stack": _spec(2, "axis dtype", _joined),
    "vstack": _spec(1, "dtype", _joined), "hstack": _spec(1, "dtype", _joined),
    "allclose": _spec(4, "rtol atol equal_nan", _elementwise),
    "isclose": _spec(4, "rtol atol equal_nan", _elementwise),
    "sort": _spec(2, "axis", _counted), "argsort": _spec(2, "axis", _counted), "unique": _spec(1, "", _counted),
    "shape": _spec(1, "", _counted),
}


def _random_size(names: tuple[str, ...], defaults: tuple) -> Callable[[tuple, dict, Limits], None]:
    """np.random.normal(loc, scale, size) and the like: `size` if given, else the broadcast of the parameters."""
    def check(args: tuple, kwargs: dict, limits: Limits) -> None:
        values = dict(zip(names, defaults))
        values.update(zip(names, args))
        values.update(kwargs)
        if values.get("size") is not None:
            check_size(values["size"], limits)
            _count([v for k, v in values.items() if k != "size"], limits)
        else:
            guards.check_broadcast([v for k, v in values.items() if k != "size"], limits)
    return check


def _dims(args: tuple, kwargs: dict, limits: Limits) -> None:
    check_size(tuple(args), limits, "each size")


def _choice(args: tuple, kwargs: dict, limits: Limits) -> None:
    a = args[0] if args else kwargs.get("a")
    if isinstance(a, (int, np.integer)):
        guards.check_numel(int(a), limits)  # numpy may make np.arange(a) first
    check_size(args[1] if len(args) > 1 else kwargs.get("size"), limits)
    _count([a, kwargs.get("p")], limits)


def _permutation(args: tuple, kwargs: dict, limits: Limits) -> None:
    x = args[0] if args else None
    if isinstance(x, (int, np.integer)):
        guards.check_numel(int(x), limits)
    _count(args, limits)


def _shuffle(args: tuple, kwargs: dict, limits: Limits) -> None:
    if not args or not isinstance(args[0], (np.ndarray, list)):
        raise ProgramError("runtime", "np.random.shuffle takes an array or a list, shuffled in place")


RANDOM_SPECS: dict[str, Spec] = {
    "rand": _spec(32, "", _dims), "randn": _spec(32, "", _dims),
    "randint": _spec(4, "high size dtype", _random_size(("low", "high", "size"), (None, None, None)), 3),
    "normal": _spec(3, "loc scale size", _random_size(("loc", "scale", "size"), (0.0, 1.0, None))),
    "uniform": _spec(3, "low high size", _random_size(("low", "high", "size"), (0.0, 1.0, None))),
    "random": _spec(1, "size", _random_size(("size",), (None,))),
    "permutation": _spec(1, "", _permutation), "shuffle": _spec(1, "", _shuffle),
    "choice": _spec(4, "size replace p", _choice),
}
LINALG_SPECS: dict[str, Spec] = {"norm": _spec(3, "ord axis keepdims", _counted)}


def seed(value: Any = None) -> None:
    """np.random.seed(n) seeds this run's numpy generator (put back after the run). Returns None."""
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or not 0 <= int(value) < 2**32:
        raise ProgramError("runtime", "np.random.seed needs a whole number from 0 to 2**32 - 1")
    np.random.seed(int(value))


def make_numpy(interp: Interpreter) -> Namespace:
    """The `numpy` namespace for one run."""
    limits = interp.limits

    def prepare(qualname: str, spec: Spec, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
        if len(args) > spec.positional:
            raise ProgramError("not-allowed", f"{qualname}() takes at most {spec.positional} positional "
                                              "arguments here", hint="name the others, like axis=0")
        unknown = sorted(set(kwargs) - spec.keywords)
        if unknown:
            offered = ", ".join(f"{k}=" for k in sorted(spec.keywords)) or "no keywords"
            raise ProgramError("not-allowed", f"{qualname}() does not take {', '.join(k + '=' for k in unknown)} "
                                              f"here", hint=f"it takes {offered}")
        if "dtype" in kwargs:
            kwargs = {**kwargs, "dtype": as_dtype(kwargs["dtype"])}
        if spec.dtype_at is not None and len(args) > spec.dtype_at:
            args = (*args[:spec.dtype_at], as_dtype(args[spec.dtype_at]), *args[spec.dtype_at + 1:])
        interp.check_data((args, kwargs), interp.current_call)
        numbers_only((args, [v for k, v in kwargs.items() if k not in _TEXT_KEYWORDS]), limits)
        spec.check(args, kwargs, limits)
        return tuple(as_array(a) for a in args), {k: as_array(v) for k, v in kwargs.items()}

    def function(qualname: str, real: Callable[..., Any], spec: Spec) -> Fn:
        def impl(*args: Any, **kwargs: Any) -> Any:
            args, kwargs = prepare(qualname, spec, args, kwargs)
            return real(*args, **kwargs)

        return Fn(qualname, impl, torch_args=False)

    def scalar_type(name: str) -> NumpyType:
        dt = np.dtype(np.bool_ if name in ("bool_", "bool") else name)

        def impl(value: Any = 0) -> Any:
            interp.check_data(value, interp.current_call)
            numbers_only(value, limits)
            guards.count_elements(value, limits)
            return dt.type(as_array(value))

        return NumpyType(f"np.{name}", impl, False, dt)

    def random_member(name: str) -> Fn:
        if name == "seed":
            return Fn("np.random.seed", seed, torch_args=False)
        return function(f"np.random.{name}", getattr(np.random, name), RANDOM_SPECS[name])

    random_ns = Namespace("numpy.random", LazyMembers(A.NUMPY_RANDOM, random_member), A.NUMPY_RANDOM_REFUSED)
    linalg_ns = Namespace("numpy.linalg", LazyMembers(
        A.NUMPY_LINALG, lambda n: function(f"np.linalg.{n}", getattr(np.linalg, n), LINALG_SPECS[n])))

    def member(name: str) -> Any:
        if name in A.NUMPY_VALUES:
            return A.NUMPY_VALUES[name]
        if name in A.NUMPY_DTYPES or name == "bool":
            return scalar_type(name)
        if name == "random":
            return random_ns
        if name == "linalg":
            return linalg_ns
        if name == "ndarray":
            return NDARRAY
        return function(f"np.{name}", getattr(np, name), SPECS[name])

    names = (A.NUMPY_FUNCTIONS | frozenset(A.NUMPY_VALUES) | A.NUMPY_DTYPES
             | frozenset({"bool", "random", "linalg", "ndarray"}))
    return Namespace("numpy", LazyMembers(names, member), A.NUMPY_REFUSED)


# --- what an ndarray (or a numpy number) offers -------------------------------------------------------------

def get_attr(obj: np.ndarray | np.generic, name: str) -> Any:
    """`a.shape`, `a.T`, `a.sum` ...: from the tables, or refused."""
    if isinstance(obj, np.ndarray):
        if name in A.NDARRAY_ATTRIBUTES:
            return getattr(obj, name)
        if name in A.NDARRAY_METHODS:
            return BoundMethod(obj, name)
        reason = A.NDARRAY_REFUSED.get(name)
        raise ProgramError("not-allowed", f"ndarray.{name} is not available" + (f": {reason}" if reason else ""))
    if name in A.NUMPY_SCALAR_ATTRIBUTES:
        return getattr(obj, name)
    if name in A.NUMPY_SCALAR_METHODS:
        return BoundMethod(obj, name)
    raise ProgramError("not-allowed", f"a numpy {obj.dtype} number has no attribute `.{name}` here",
                       hint="use .item() for a plain Python number")


_METHOD_SPECS: dict[str, Spec] = {
    **{name: _spec(1, "axis keepdims ddof dtype", _counted)
       for name in "sum mean max min prod std var argmax argmin cumsum any all".split()},
    "reshape": _spec(64, "", _counted), "transpose": _spec(64, "", _counted),
    "astype": _spec(1, "", _counted, 0), "tolist": _spec(0, "", _counted), "copy": _spec(0, "", _counted),
    "flatten": _spec(0, "", _counted), "ravel": _spec(0, "", _counted), "item": _spec(64, "", _counted),
    "squeeze": _spec(1, "axis", _counted), "dot": _spec(1, "", _counted), "clip": _spec(2, "min max", _counted),
    "round": _spec(1, "decimals", _counted), "fill": _spec(1, "", _counted),
}


def call_method(obj: np.ndarray | np.generic, name: str, args: list, kwargs: dict, limits: Limits) -> Any:
    """An ndarray's (or numpy number's) method, with its arguments and its result's size checked first (the
    interpreter has checked that the arguments are plain data)."""
    spec = _METHOD_SPECS[name]
    if len(args) > spec.positional:
        raise ProgramError("not-allowed", f"ndarray.{name}() takes at most {spec.positional} positional arguments "
                                          "here", hint="name the others, like axis=0")
    unknown = sorted(set(kwargs) - spec.keywords)
    if unknown:
        raise ProgramError("not-allowed", f"ndarray.{name}() does not take {', '.join(k + '=' for k in unknown)} here")
    if "dtype" in kwargs:
        kwargs = {**kwargs, "dtype": as_dtype(kwargs["dtype"])}
    if name != "astype":
        numbers_only((args, list(kwargs.values())), limits)
    if name == "astype":
        args = [as_dtype(args[0] if args else None)]
        if args[0] is None:
            raise ProgramError("runtime", "astype() needs a dtype, like a.astype(np.float32)")
    _count([*args, *kwargs.values()], limits)
    shape = tuple(obj.shape)
    if name == "tolist":
        guards.check_length(obj.size, limits)
    elif name == "dot" and args:
        guards.check_numel(guards.dot_numel(shape, guards.shape_of(args[0], limits)), limits)
    elif name in ("clip", "fill"):
        guards.check_broadcast([obj, *args, *kwargs.values()], limits)
    return getattr(obj, name)(*args, **kwargs)
