"""Size checks made BEFORE the work is done, so a bomb is refused instead of run.

`10**10**10` would run inside C and never return; `torch.randn(10**5, 10**5)` would ask for 40 GB. Each
check here works out the size from the arguments alone and raises a `limit` ProgramError with its own
message. What can't be known in advance (a value-dependent size) is caught by the check on every result
(`check_result`) and, in a worker, by its address-space limit.
"""
from __future__ import annotations

import math
import operator
from typing import Any

import numpy as np
import torch

from explorer.config import Limits
from explorer.errors import ProgramError


def limit(message: str, hint: str | None = None) -> ProgramError:
    return ProgramError("limit", message, hint=hint)


def too_many_elements(n: int, limits: Limits) -> ProgramError:
    return limit(
        f"this would make a tensor of {n:,} elements; the limit is {limits.max_tensor_elements:,}",
        "use smaller sizes",
    )


# --- Python numbers and sequences ----------------------------------------------------------------------


def check_binop(op: Any, a: Any, b: Any, limits: Limits) -> None:
    """Refuse integer results above max_int_bits and sequences above max_collection_len."""
    if _is_int(a) and _is_int(b):
        bits = limits.max_int_bits
        if op is operator.pow and b > 0 and abs(a) > 1:
            if b > 10 * bits or math.log2(abs(a)) * b > bits:
                raise limit(f"{a} ** {b} is too large a number (more than {bits:,} bits)")
        elif op is operator.mul and a.bit_length() + b.bit_length() > bits:
            raise limit(f"the product is too large a number (more than {bits:,} bits)")
        elif op is operator.lshift and b > 0 and a.bit_length() + b > bits:
            raise limit(f"{a} << {b} is too large a number (more than {bits:,} bits)")
        return
    if op is operator.mul:
        seq, times = (a, b) if isinstance(a, (str, list, tuple)) else (b, a)
        if isinstance(seq, (str, list, tuple)) and not isinstance(times, (str, list, tuple)):
            try:
                times = operator.index(times)  # a tensor can stand for the count too
            except TypeError:
                return
            if times > 0:
                check_length(len(seq) * times, limits)
    elif op is operator.add and isinstance(a, (str, list, tuple)) and isinstance(b, (str, list, tuple)):
        check_length(len(a) + len(b), limits)
    elif op is operator.mod and isinstance(a, str):
        raise ProgramError(
            "not-allowed", "`%` formatting of strings is not supported", hint="use an f-string like f'{loss:.4f}'"
        )
    if isinstance(a, (torch.Tensor, np.ndarray)) or isinstance(b, (torch.Tensor, np.ndarray)):
        _check_broadcast(op, a, b, limits)


def _check_broadcast(op: Any, a: Any, b: Any, limits: Limits) -> None:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):  # numpy also turns a list operand into an array
        sa_, sb_ = shape_of(a, limits), shape_of(b, limits)
        check_numel(matmul_numel(sa_, sb_) if op is operator.matmul else broadcast_numel(sa_, sb_), limits)
        return
    sa = a.shape if isinstance(a, torch.Tensor) else ()
    sb = b.shape if isinstance(b, torch.Tensor) else ()
    if op is operator.matmul:
        if isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor):
            check_matmul(a, b, limits)
        return
    if len(sa) + len(sb) > 1:
        check_numel(broadcast_numel(sa, sb), limits)


def broadcast_numel(a: tuple, b: tuple) -> int:
    """Elements of the broadcast of shapes a and b (torch.broadcast_shapes is ~100x slower for two shapes).
    Mismatched shapes return the larger size; torch then refuses them in its own words."""
    n = 1
    for i in range(1, max(len(a), len(b)) + 1):
        da = a[-i] if i <= len(a) else 1
        db = b[-i] if i <= len(b) else 1
        n *= max(da, db)
    return n


def check_length(n: int, limits: Limits) -> None:
    if n > limits.max_collection_len:
        raise limit(
            f"this would make a list or string of {n:,} items; the limit is {limits.max_collection_len:,}",
            "use a tensor for large data",
        )


def _is_int(x: Any) -> bool:
    return isinstance(x, int)


# --- tensors --------------------------------------------------------------------------------------------


def check_numel(n: int, limits: Limits) -> None:
    if n > limits.max_tensor_elements:
        raise too_many_elements(n, limits)


def check_result(value: Any, limits: Limits) -> None:
    """Every tensor or array a call returns is checked, views included (`expand` makes no copy but a huge view)."""
    if isinstance(value, torch.Tensor):
        _check_tensor(value, limits)
    elif isinstance(value, (np.ndarray, np.generic)):
        check_array(value, limits)
    elif isinstance(value, (tuple, list)) and len(value) <= 64:
        for v in value:
            if isinstance(v, torch.Tensor):
                _check_tensor(v, limits)
            elif isinstance(v, (np.ndarray, np.generic)):
                check_array(v, limits)


NUMERIC_KINDS = "biuf"  # bool, int, unsigned, float: the only numpy dtypes a program may hold


def check_array(a: np.ndarray | np.generic, limits: Limits) -> None:
    """An ndarray (or numpy scalar) a program may hold: numbers only (no objects, strings, complex or structured
    records), within the element limit."""
    if a.dtype.kind not in NUMERIC_KINDS:
        what = "Python objects" if a.dtype.kind == "O" else str(a.dtype)
        raise ProgramError("not-allowed", f"arrays of {what} are not supported here; use numbers")
    check_numel(a.size, limits)


def shape_of(x: Any, limits: Limits) -> tuple:
    """The shape numpy would give `x`: an array's or tensor's own, a nested list's from the lengths along its first
    elements (counted within the limit first), () for a number."""
    if isinstance(x, (torch.Tensor, np.ndarray, np.generic)):
        return tuple(x.shape)
    if not isinstance(x, (list, tuple)):
        return ()
    count_elements(x, limits)
    shape: list[int] = []
    for _ in range(64):
        if isinstance(x, (torch.Tensor, np.ndarray)):
            return (*shape, *x.shape)
        if not isinstance(x, (list, tuple)):
            break
        shape.append(len(x))
        if not x:
            break
        x = x[0]
    return tuple(shape)


def check_broadcast(values: list, limits: Limits) -> None:
    """Elementwise numpy functions broadcast their array arguments together: the result's size, first."""
    shape: tuple = ()
    for v in values:
        shape = broadcast_shape(shape, shape_of(v, limits))
    check_numel(math.prod(shape), limits)


def matmul_numel(sa: tuple, sb: tuple) -> int:
    """Elements of `a @ b` for numpy shapes (wrong inner sizes: numpy's own error comes later)."""
    if not sa or not sb:
        return 0
    a = sa if len(sa) > 1 else (1, *sa)
    b = sb if len(sb) > 1 else (*sb, 1)
    return broadcast_numel(a[:-2], b[:-2]) * a[-2] * b[-1]


def dot_numel(sa: tuple, sb: tuple) -> int:
    """Elements of `np.dot(a, b)`: a product with a number, of vectors, or over a's last and b's second-last axis."""
    if not sa or not sb:
        return math.prod(sa or sb)
    if len(sb) == 1:
        return math.prod(sa[:-1])
    return math.prod(sa[:-1]) * math.prod(sb[:-2]) * sb[-1]


def _check_tensor(t: torch.Tensor, limits: Limits) -> None:
    check_numel(t.numel(), limits)
    if t.is_complex():
        raise ProgramError("not-allowed", "complex tensors are not supported here; use real numbers")
    if t.device.type != "cpu":
        raise ProgramError("not-allowed", "everything runs on the CPU; other devices are not available")


def check_rows(t: torch.Tensor | np.ndarray, limits: Limits) -> None:
    """Looping over a tensor makes one Python tensor per row: bound the rows like a list."""
    if t.shape[0] > limits.max_collection_len:
        raise ProgramError("limit", f"looping over {t.shape[0]:,} rows one by one is too slow here",
                           hint="use tensor operations such as x.sum() or x.max() instead of a loop")


def _sizes(args: tuple, kwargs: dict) -> list[int] | None:
    """The size a factory is asked for: `f(2, 3)`, `f((2, 3))`, `f(size=(2, 3))`; None if not plain ints."""
    size = kwargs.get("size")
    if size is None:
        if len(args) == 1 and isinstance(args[0], (tuple, list, torch.Size)):
            size = args[0]
        else:
            size = args
    try:
        return [_as_int(s) for s in size]
    except (TypeError, ValueError):
        return None


def _as_int(x: Any) -> int:
    """An int, a numpy integer, or a 0-d integer tensor's or array's value (torch takes each as a size)."""
    if _is_int(x):
        return x
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, torch.Tensor) and x.numel() == 1 and not x.is_floating_point() and not x.is_complex():
        return int(x.item())
    if isinstance(x, np.ndarray) and x.size == 1 and x.dtype.kind in "iu":
        return int(x.item())
    raise TypeError("not a size")


def _size_or_none(x: Any) -> int | None:
    try:
        return _as_int(x)
    except TypeError:
        return None


def _product(sizes: list[int], limits: Limits) -> int:
    n = 1
    for s in sizes:
        n *= max(int(s), 0)
        if n > limits.max_tensor_elements:
            raise too_many_elements(n if n < 10**30 else 10**30, limits)
    return n


def check_factory(name: str, args: tuple, kwargs: dict, limits: Limits) -> None:
    """Work out how many elements torch.<name>(...) would allocate, before it does."""
    if name in ("zeros", "ones", "rand", "randn"):
        sizes = _sizes(args, kwargs)
    elif name == "full":
        sizes = _sizes(args[:1], {k: v for k, v in kwargs.items() if k == "size"})
    elif name == "randint":
        size = kwargs.get("size", args[-1] if args and isinstance(args[-1], (tuple, list, torch.Size)) else None)
        sizes = _sizes((size,), {}) if size is not None else None
        sizes = _sizes((size,), {}) if size is not None else None
    elif name == "eye":
        n = args[0] if args else kwargs.get("n", 0)
        m = args[1] if len(args) > 1 else kwargs.get("m", n)
        rows = _size_or_none(n)
        cols = rows if m is None else _size_or_none(m)
        sizes = [rows, cols] if rows is not None and cols is not None else None
    elif name == "normal":
        size = kwargs.get("size", args[2] if len(args) > 2 else None)
        sizes = _sizes((size,), {}) if size is not None else None
    elif name == "randperm":
        first = _size_or_none(args[0]) if args else None
        sizes = [first] if first is not None else None
    elif name in ("linspace", "logspace"):
        steps = args[2] if len(args) > 2 else kwargs.get("steps")
        sizes = [_as_int(steps)] if steps is not None else None
    elif name == "arange":
        sizes = [_arange_count(args, kwargs)]
    elif name in ("tensor", "as_tensor"):
        data = args[0] if args else kwargs.get("data")
        sizes = [count_elements(data, limits)]
    else:  # *_like: as big as a tensor that already exists
        sizes = None
    if sizes is not None:
        _product(sizes, limits)


def _arange_count(args: tuple, kwargs: dict) -> int:
    nums = [a.item() if isinstance(a, torch.Tensor) and a.numel() == 1 else a for a in args]
    # the numbers as the program gave them (torch decides what it accepts)
    start: Any = 0
    end: Any = None
    step: Any = 1
    if len(nums) == 1:
        end = nums[0]
    elif len(nums) == 2:
        start, end = nums
    elif len(nums) >= 3:
        start, end, step = nums[:3]
    start = kwargs.get("start", start)
    end = kwargs.get("end", end)
    step = kwargs.get("step", step)
    try:
        count = math.ceil((float(end) - float(start)) / float(step))
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return 0  # torch will explain the bad arguments
    return max(count, 0) if math.isfinite(count) else 0


def count_elements(data: Any, limits: Limits) -> int:
    """Elements torch.tensor(data) would make, from the lengths along the first elements only: torch needs
    rectangular data, so this is exact for anything it accepts, and it never walks shared references
    (`[[0]*10**5]*10**5` is 10**10) or cycles (a list that contains itself)."""
    total = 1
    x = data
    for _ in range(64):  # torch allows at most 64 dimensions
        if isinstance(x, torch.Tensor):
            total *= x.numel()
            break
        if isinstance(x, np.ndarray):
            total *= x.size
            break
        if not isinstance(x, (list, tuple)):
            break
        total *= len(x)
        if total > limits.max_tensor_elements:
            raise too_many_elements(total, limits)
        if not x:
            break
        x = x[0]
    else:
        raise limit("the data is nested more than 64 levels deep")
    if total > limits.max_tensor_elements:
        raise too_many_elements(total, limits)
    return total


def check_matmul(a: torch.Tensor, b: torch.Tensor, limits: Limits, fn: Any = torch.matmul) -> None:
    """The size of `a @ b` before computing it: by its formula for vectors and matrices (a layer's
    `h @ w.t()`: a meta run costs ~50 us per product), else by a meta run. Wrong inner sizes are left to
    torch's own error."""
    da, db = a.dim(), b.dim()
    if da == 2 and db == 2:
        check_numel(a.shape[0] * b.shape[1], limits)
    elif da == 2 and db == 1:
        check_numel(a.shape[0], limits)
    elif da == 1 and db == 2:
        check_numel(b.shape[1], limits)
    elif not (da == 1 and db == 1):
        check_meta(fn, (a, b), {}, limits)


def check_meta(fn: Any, args: tuple, kwargs: dict, limits: Limits) -> None:
    """Run `fn` on the 'meta' device (shapes only, no memory) to learn its result size first."""
    try:
        with torch.no_grad():
            meta_args = tuple(a.to("meta") if isinstance(a, torch.Tensor) else a for a in args)
            meta_kwargs = {k: v.to("meta") if isinstance(v, torch.Tensor) else v for k, v in kwargs.items()}
            out = fn(*meta_args, **meta_kwargs)
    except Exception:  # noqa: BLE001 - the real call will raise torch's own message
        return
    for t in (out if isinstance(out, (tuple, list)) else (out,)):
        if isinstance(t, torch.Tensor):
            check_numel(t.numel(), limits)


def check_method(t: torch.Tensor, name: str, args: tuple, kwargs: dict, limits: Limits) -> None:
    """Tensor methods whose result can be much larger than the tensor."""
    if name in ("repeat", "expand", "new_zeros", "new_ones", "new_full"):
        sizes = _sizes(args if name != "new_full" else args[:1], kwargs)
        if sizes is None:
            return
        if name == "repeat":
            shape = [1] * (len(sizes) - t.dim()) + list(t.shape)
            _product([a * b for a, b in zip(shape, sizes)] if len(shape) == len(sizes) else sizes, limits)
        elif name == "expand":
            _product([s if s != -1 else 1 for s in sizes], limits)
        else:
            _product(sizes, limits)
    elif name in ("matmul", "mm", "mv") and len(args) == 1 and not kwargs and isinstance(args[0], torch.Tensor):
        check_matmul(t, args[0], limits, getattr(torch, name))
    elif name in ("outer", "matmul", "mm", "bmm", "mv", "multinomial"):
        check_meta(getattr(torch, name), (t, *args), kwargs, limits)
    elif name == "new_tensor":
        count_elements(args[0] if args else kwargs.get("data"), limits)
    elif name == "type" and (len(args) + len(kwargs) > 1 or any(
            not isinstance(a, torch.dtype) for a in (*args, *kwargs.values()))):
        raise ProgramError("not-allowed", "tensor.type() takes a dtype here, like x.type(torch.float32)",
                           hint="or use x.to(torch.float32)")


def broadcast_shape(a: tuple, b: tuple) -> tuple:
    return tuple(
        max(a[-i] if i <= len(a) else 1, b[-i] if i <= len(b) else 1)
        for i in range(max(len(a), len(b)), 0, -1)
    )


def write_out(name: str, out: Any, result: Any) -> torch.Tensor:
    """`torch.matmul(a, b, out=c)`: the result, computed as usual, copied into `c`, as torch would write it.

    torch itself would resize an out= tensor of another shape in place, freeing the memory that an array from
    `.numpy()` may still see; here the result is computed first and copied only into a tensor of its own shape,
    so `c`'s memory is never reallocated. torch's own rules hold: no out= where autograd would need a graph,
    and no copy into a dtype the result can't be cast to."""
    if not isinstance(out, torch.Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if not isinstance(result, torch.Tensor):
        raise ProgramError("not-allowed", f"out= with {name}, which gives several results, is not supported here",
                           hint="assign the results instead: values, indices = torch.max(x, dim=0)")
    if torch.is_grad_enabled() and (result.requires_grad or out.requires_grad):
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic differentiation, "
                           "but one of the arguments requires grad.")
    if tuple(out.shape) != tuple(result.shape):
        raise ProgramError("not-allowed", f"out= needs a tensor of the result's shape {tuple(result.shape)} here; "
                           f"this one has shape {tuple(out.shape)}",
                           hint=f"assign the result instead: y = {name}(...)")
    if not torch.can_cast(result.dtype, out.dtype):
        raise RuntimeError(f"result type {_dtype_word(result.dtype)} can't be cast to the desired output type "
                           f"{_dtype_word(out.dtype)}")
    with torch.no_grad():
        out.copy_(result)
    return out


def _dtype_word(dtype: torch.dtype) -> str:
    """torch's word for a dtype in its messages: Float, Long, Double, ..."""
    return {torch.float32: "Float", torch.float64: "Double", torch.float16: "Half", torch.int64: "Long",
            torch.int32: "Int", torch.bool: "Bool", torch.uint8: "Byte"}.get(dtype, str(dtype))


def check_call(name: str, args: tuple, kwargs: dict, limits: Limits) -> None:
    """Checks made before any torch call (function or tensor method) whose result can outgrow its inputs."""
    if "out" in kwargs:  # the interpreter takes out= off first (write_out); it never reaches torch
        raise ProgramError("not-allowed", "out= is not supported here",
                           hint="assign the result instead: y = torch.add(a, b)")
    tensors = [a for a in (*args, *kwargs.values()) if isinstance(a, torch.Tensor)]
    if len(tensors) >= 2:  # elementwise ops broadcast their tensor arguments together
        shape: tuple = ()
        for t in tensors:
            shape = broadcast_shape(shape, tuple(t.shape))
        check_numel(math.prod(shape), limits)
    short = name.rsplit(".", 1)[-1]
    if short in ("cat", "concat", "stack", "hstack", "vstack") and args and isinstance(args[0], (list, tuple)):
        check_numel(sum(t.numel() for t in args[0] if isinstance(t, torch.Tensor)), limits)
    elif short in ("diag", "diag_embed") and args and isinstance(args[0], torch.Tensor) and args[0].dim() == 1:
        n = args[0].shape[0]
        check_numel(n * n, limits)
    elif short == "one_hot" and args and isinstance(args[0], torch.Tensor):
        classes = kwargs.get("num_classes", args[1] if len(args) > 1 else None)
        if classes is None or not _is_int(classes) or classes < 1:
            raise ProgramError("not-allowed", "F.one_hot needs num_classes=, a positive whole number")
        check_numel(args[0].numel() * classes, limits)
    elif short == "index_select" and len(args) >= 3 and isinstance(args[2], torch.Tensor):
        src, dim, index = args[0], args[1], args[2]
        if isinstance(src, torch.Tensor) and _is_int(dim) and src.dim():
            check_numel(src.numel() // max(src.shape[dim], 1) * index.numel(), limits)
    elif short == "tolist" and args and isinstance(args[0], torch.Tensor):
        check_length(args[0].numel(), limits)


def check_index(obj: torch.Tensor, index: Any, limits: Limits) -> None:
    """`x[idx]` with an index tensor or list makes idx.numel() rows: check before gathering them."""
    first = index[0] if isinstance(index, tuple) and index else index
    if isinstance(first, list):
        n = count_elements(first, limits)
    elif isinstance(first, torch.Tensor) and first.dtype != torch.bool and first.dim() > 0:
        n = first.numel()
    else:
        return
    if obj.dim():
        check_numel(n * (obj.numel() // max(obj.shape[0], 1)), limits)


def check_array_index(a: np.ndarray, index: Any, limits: Limits) -> None:
    """`a[idx]` with index arrays or lists (numpy's fancy indexing) makes a row for each index: the result's size,
    first. Boolean masks select, so they never make more than the array has."""
    parts = index if isinstance(index, tuple) else (index,)
    if len(parts) > 64:
        return  # numpy refuses too many indices itself
    fancy: list[tuple] = []
    indexed = 1  # the sizes of the axes the index arrays pick from
    dims = list(a.shape)
    split = next((i for i, p in enumerate(parts) if p is Ellipsis), len(parts))
    for side, seq in ((0, parts[:split]), (1, parts[split + 1:][::-1])):
        axis = 0 if side == 0 else len(dims) - 1
        for p in seq:
            step = 1 if side == 0 else -1
            if p is None:
                continue
            if isinstance(p, (list, tuple, np.ndarray, torch.Tensor)):
                if _is_mask(p):
                    axis += step * max(len(shape_of(p, limits)), 1)
                    continue
                fancy.append(shape_of(p, limits))
                if 0 <= axis < len(dims):
                    indexed *= max(dims[axis], 1)
            axis += step
    if not fancy:
        return
    shape: tuple = ()
    for f in fancy:
        shape = broadcast_shape(shape, f)
    check_numel(math.prod(shape) * (a.size // max(indexed, 1)), limits)


def _is_mask(p: Any) -> bool:
    if isinstance(p, np.ndarray):
        return p.dtype == np.bool_
    if isinstance(p, torch.Tensor):
        return p.dtype == torch.bool
    for _ in range(64):
        if isinstance(p, (list, tuple)) and p:
            p = p[0]
        else:
            break
    return isinstance(p, (bool, np.bool_))


def check_repr(value: Any, limits: Limits) -> None:
    """str() of nested lists is as long as everything in them, shared references included: count first."""
    budget = limits.max_collection_len
    stack, seen = [value], 0
    while stack:
        x = stack.pop()
        if isinstance(x, (list, tuple, set, dict)):
            seen += len(x)
            if seen > budget:
                raise limit(f"this would make a list or string of more than {budget:,} items",
                            "print a slice or a summary")
            stack.extend(x.values() if isinstance(x, dict) else x)
        elif isinstance(x, str):
            seen += len(x) // 8
            if seen > budget:
                raise limit(f"this would make a list or string of more than {budget:,} items",
                            "print a slice or a summary")
        elif isinstance(x, (torch.Tensor, np.ndarray)):
            seen += printed_elements(tuple(x.shape))
            if seen > budget:
                raise limit(f"printing this would show more than {budget:,} numbers",
                            "print a slice, a summary (.shape, .sum()) or fewer dimensions")


def printed_elements(shape: tuple) -> int:
    """Numbers torch and numpy print for an array: all of them up to 1,000, else the first and last 3 along each
    axis (so an array of many short axes, like (2,) * 21, still prints every one of its 2 million numbers)."""
    n = math.prod(shape)
    return n if n <= 1000 else math.prod(min(d, 6) for d in shape)


DEVICE_WORDS = frozenset(
    "cuda meta mps xla xpu hpu ipu mtia lazy vulkan ort mkldnn opengl opencl ideep hip ve fpga maia "
    "privateuseone".split()
)


def check_devices(args: tuple, kwargs: dict) -> None:
    """Everything runs on the CPU: a device other than 'cpu' is refused (meta tensors hold no values)."""
    for a in (*args, *kwargs.values()):
        if isinstance(a, torch.device) and a.type != "cpu":
            raise ProgramError("not-allowed", f"device {a.type!r} is not available; everything runs on the CPU")
        if isinstance(a, str) and a.split(":")[0].lower() in DEVICE_WORDS:
            raise ProgramError("not-allowed", f"device {a!r} is not available; everything runs on the CPU")
