"""What a program reaches by name and by attribute: the modules `torch`, `F`, `math` and `nn`, made for one
run (`make_namespaces`), and the table of attributes each other kind of value offers (`methods_for`)."""
from __future__ import annotations

import collections
import math
from typing import TYPE_CHECKING, Any

import torch

from explorer.errors import ProgramError
from explorer.language import allowlist as A
from explorer.language import autograd_ns, functions, guards, layers, schedulers
from explorer.language.objects import OPTIMIZER_TYPES, Fn, GradFnView, GradMode, LazyMembers, Namespace, TypeRef

if TYPE_CHECKING:
    from explorer.language.interpreter import Interpreter


_TORCH_EXTRAS = frozenset({"no_grad", "enable_grad", "Size", "autograd", "optim", "nn", "linalg", "manual_seed",
                           "utils", "cuda", "accelerator", "backends", "device", "Generator",
                           "set_printoptions", "inference_mode"})
# torch's legacy tensor types: usable in isinstance(x, T), and as constructors (`torch.Tensor([1.0])`)
LEGACY_TENSORS: dict[str, torch.dtype | None] = {
    "Tensor": None, "FloatTensor": torch.float32, "DoubleTensor": torch.float64, "LongTensor": torch.int64,
    "IntTensor": torch.int32, "BoolTensor": torch.bool, "ByteTensor": torch.uint8,
}
_TORCH_NAMES = (frozenset(A.TORCH_FUNCTIONS) | frozenset(A.TORCH_VALUES) | _TORCH_EXTRAS | frozenset(LEGACY_TENSORS)
                | autograd_ns.TORCH_MEMBERS)


def make_namespaces(interp: Interpreter) -> dict[str, Namespace]:
    """`torch`, `F`, `math` and `nn` for one run. Members are made on first use (see LazyMembers); the
    factories and autograd entries are bound to this run's limits and interpreter."""
    import torch.nn.functional as F

    limits = interp.limits

    def factory(name: str) -> Fn:
        made = A.ZEROED_FACTORIES.get(name, name)
        real = getattr(torch, made)

        def impl(*args: Any, **kwargs: Any) -> Any:
            guards.check_factory(made, args, kwargs, limits)
            return real(*args, **kwargs)

        return Fn(f"torch.{name}", impl)

    def expanding(qualname: str, real: Any) -> Fn:
        second = _PRODUCT_OPERAND.get(qualname)

        def impl(*args: Any, **kwargs: Any) -> Any:
            a = args[0] if args else kwargs.get("input")
            b = args[1] if len(args) > 1 else kwargs.get(second or "other")
            if (second is not None and isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor)
                    and len(args) + len(kwargs) == 2):  # a product: by its formula (a meta run costs ~0.5 ms)
                guards.check_matmul(a, b, limits, real)
            else:
                guards.check_meta(real, args, kwargs, limits)
            return real(*args, **kwargs)

        return Fn(qualname, impl)

    def grad(*args: Any, **kwargs: Any) -> Any:
        return interp.autograd_grad(*args, **kwargs)

    def backward(*args: Any, **kwargs: Any) -> Any:
        return interp.autograd_backward(*args, **kwargs)

    def optimizer(name: str) -> Fn:
        cls = getattr(torch.optim, name)

        def impl(params: Any, *args: Any, **kwargs: Any) -> Any:
            params = list(params) if isinstance(params, (list, tuple)) else [params]
            if not params or not all(isinstance(p, torch.Tensor) and p.is_leaf for p in params):
                raise TypeError(f"torch.optim.{name} needs a list of leaf tensors that require grad, like [w, b]")
            if set(kwargs) & {"foreach", "fused", "capturable", "differentiable"}:
                raise ProgramError("not-allowed",
                                   "implementation switches (foreach, fused, ...) are not available here")
            return cls(params, *args, **kwargs)

        return Fn(f"torch.optim.{name}", impl)

    def optim_member(name: str) -> Any:
        return schedulers.make_lr_scheduler(interp) if name == "lr_scheduler" else optimizer(name)

    def f_member(name: str) -> Fn:
        real = getattr(F, name)
        if name in A.F_SPATIAL:
            def spatial(*args: Any, **kwargs: Any) -> Any:
                layers.check_sizes(f"F.{name}", (args[1:], kwargs), limits)  # the sizes after the input
                guards.check_meta(real, args, kwargs, limits)
                return real(*args, **kwargs)

            return Fn(f"F.{name}", spatial)
        return expanding(f"F.{name}", real) if name in A.F_EXPANDING else Fn(f"F.{name}", real)

    def parameter(data: Any, requires_grad: bool = True) -> torch.Tensor:
        return torch.nn.Parameter(data, requires_grad=requires_grad)

    f_ns = Namespace("F", LazyMembers(frozenset(A.F_FUNCTIONS), f_member),
                     {"ctc_loss": "it can crash the process", "embedding_bag": "it can crash the process"})
    nn = layers.make_nn(interp, f_ns, Fn("torch.nn.Parameter", parameter))

    def torch_member(name: str) -> Any:
        if name in A.TORCH_VALUES:
            return A.TORCH_VALUES[name]
        if name == "no_grad":
            return Fn("torch.no_grad", lambda: GradMode(False), False)
        if name == "enable_grad":
            return Fn("torch.enable_grad", lambda: GradMode(True), False)
        if name == "inference_mode":  # for what a program sees, no_grad (no graph is recorded inside)
            return Fn("torch.inference_mode", inference_mode, False)
        if name == "Size":
            return Fn("torch.Size", lambda *a: torch.Size(*a))
        if name in LEGACY_TENSORS:
            return TypeRef(f"torch.{name}", getattr(torch, name), legacy_constructor(name, limits))
        if name == "manual_seed":
            return Fn("torch.manual_seed", manual_seed, False)
        if name == "set_printoptions":
            return Fn("torch.set_printoptions", set_printoptions, False)
        if name == "Generator":
            return Fn("torch.Generator", generator, False)
        if name == "autograd":
            return autograd_ns.make_autograd(interp, {"grad": Fn("torch.autograd.grad", grad),
                                                      "backward": Fn("torch.autograd.backward", backward),
                                                      "Variable": Fn("torch.autograd.Variable", variable),
                                                      "set_detect_anomaly": Fn("torch.autograd.set_detect_anomaly",
                                                                               detect_anomaly, False),
                                                      "detect_anomaly": Fn("torch.autograd.detect_anomaly",
                                                                           detect_anomaly, False),
                                                      **functions.autograd_members(interp)})
        if name in autograd_ns.TORCH_MEMBERS:
            return autograd_ns.torch_member(name)
        if name == "optim":
            return Namespace("torch.optim", LazyMembers(frozenset(A.OPTIMIZERS) | {"lr_scheduler"}, optim_member))
        if name == "nn":
            return nn
        if name == "utils":
            return layers.make_data(interp)
        if name in ("cuda", "accelerator"):  # `device = "cuda" if torch.cuda.is_available() else "cpu"`
            return Namespace(f"torch.{name}", {
                "is_available": Fn(f"torch.{name}.is_available", lambda: False, False),
                "device_count": Fn(f"torch.{name}.device_count", lambda: 0, False)},
                {n: "there is no GPU here; everything runs on the CPU" for n in
                 ("manual_seed", "manual_seed_all", "set_device", "synchronize", "empty_cache",
                  "current_accelerator", "current_device")})
        if name == "backends":  # `torch.backends.mps.is_available()`: no
            mps = Namespace("torch.backends.mps", {
                "is_available": Fn("torch.backends.mps.is_available", lambda: False, False)})
            return Namespace("torch.backends", {"mps": mps},
                             {n: f"not allowed: {A._STATE}" for n in ("cudnn", "mkldnn", "cuda", "opt_einsum")})
        if name == "device":
            return TypeRef("torch.device", torch.device, device)
        if name == "linalg":
            return Namespace("torch.linalg", LazyMembers(
                frozenset(A.LINALG_FUNCTIONS), lambda n: Fn(f"torch.linalg.{n}", getattr(torch.linalg, n))))
        if name in A.TORCH_FACTORIES:
            return factory(name)
        if name in A.EXPANDING:
            return expanding(f"torch.{name}", getattr(torch, name))
        return Fn(f"torch.{name}", getattr(torch, name))

    torch_ns = Namespace("torch", LazyMembers(_TORCH_NAMES, torch_member), A.TORCH_REFUSED)
    math_ns = Namespace("math", LazyMembers(
        frozenset(A.MATH_FUNCTIONS) | frozenset(A.MATH_VALUES),
        lambda n: A.MATH_VALUES[n] if n in A.MATH_VALUES else Fn(f"math.{n}", _bounded_math(n))))
    return {"torch": torch_ns, "F": f_ns, "math": math_ns, "nn": nn}


# products whose size guards.check_matmul works out from the shapes: torch's name for the second operand
_PRODUCT_OPERAND = {"torch.matmul": "other", "torch.mm": "mat2", "torch.mv": "vec"}


def device(kind: Any, index: Any = None) -> torch.device:
    """`torch.device("cpu")`. A device object of another kind may be made (`torch.device('cuda')` is only a
    name, as in torch without a GPU); putting anything on it is refused, as everywhere (guards.check_devices)."""
    if isinstance(kind, torch.device):
        kind = str(kind)
    if not isinstance(kind, str) or (index is not None and not isinstance(index, int)) or len(kind) > 32:
        raise TypeError("torch.device takes a name like 'cpu'")
    if kind.split(":")[0].lower() not in guards.DEVICE_WORDS | {"cpu"}:
        raise RuntimeError(f"Expected one of cpu, cuda, mps, ... device type at start of device string: {kind}")
    return torch.device(kind) if index is None else torch.device(kind, index)


def legacy_constructor(name: str, limits: Any) -> Any:
    """`torch.Tensor([1.0, 2.0])`, `torch.LongTensor([1, 2])`: a tensor of that data, in the type's dtype (the
    default float for torch.Tensor); `torch.LongTensor(t)` of a tensor of that dtype: t's values, as torch gives.
    Sizes alone (`torch.Tensor(2, 3)`) give zeros: torch would hand out uninitialised memory, never shown here."""
    dtype = LEGACY_TENSORS[name]

    def make(*args: Any, **kwargs: Any) -> torch.Tensor:
        if kwargs:
            raise TypeError(f"torch.{name}(...) takes no keywords here; use torch.tensor(data, dtype=..., "
                            "requires_grad=...)")
        want = dtype or torch.get_default_dtype()
        if not args:
            return torch.tensor([], dtype=want)
        if len(args) == 1 and isinstance(args[0], torch.Tensor):
            if args[0].dtype != want:
                raise TypeError(f"torch.{name}(t) needs a tensor of dtype {want}, not {args[0].dtype}; "
                                f"use t.to({want})")
            return args[0].detach()
        if all(isinstance(a, int) and not isinstance(a, bool) for a in args) or (
                len(args) == 1 and isinstance(args[0], torch.Size)):
            guards.check_factory("zeros", args, {}, limits)
            return torch.zeros(*args, dtype=want)
        if len(args) > 1:
            raise TypeError(f"torch.{name}() takes sizes (2, 3) or data ([1.0, 2.0])")
        guards.check_factory("tensor", args, {}, limits)
        return torch.tensor(args[0], dtype=want)

    return make


# the largest `threshold` a program may set: printing costs time per number (profile="full" means this)
PRINT_THRESHOLD_MAX = 10_000


def set_printoptions(precision: Any = None, threshold: Any = None, edgeitems: Any = None, linewidth: Any = None,
                     profile: Any = None, sci_mode: Any = None) -> None:
    """`torch.set_printoptions(precision=2)`: how this run prints tensors. The options are torch's, process-wide,
    so the interpreter puts them back when the run ends (Interpreter.run); numbers are bounded so that a
    print can't turn into millions of digits."""
    def whole(name: str, value: Any, low: int, high: int) -> Any:
        if value is None:
            return None
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise TypeError(f"set_printoptions: {name} must be a number")
        if value != value or value < low:  # nan or too small
            raise ValueError(f"set_printoptions: {name} must be at least {low}")
        return min(int(value) if value != float("inf") else high, high)

    if profile not in (None, "default", "short", "full"):
        raise ValueError("set_printoptions: profile is 'default', 'short' or 'full'")
    if sci_mode not in (None, True, False):
        raise TypeError("set_printoptions: sci_mode is True, False or None")
    torch.set_printoptions(precision=whole("precision", precision, 0, 16),
                           threshold=whole("threshold", threshold, 1, PRINT_THRESHOLD_MAX),
                           edgeitems=whole("edgeitems", edgeitems, 1, 100),
                           linewidth=whole("linewidth", linewidth, 10, 1000),
                           profile=None if profile == "full" else profile, sci_mode=sci_mode)
    if profile == "full":
        torch.set_printoptions(threshold=PRINT_THRESHOLD_MAX)


def detect_anomaly(mode: Any = True, check_nan: Any = True) -> GradMode:
    """`with torch.autograd.set_detect_anomaly(True):` (or detect_anomaly()): torch's anomaly mode only makes its
    error messages longer; here every error already names its line, so the block just runs."""
    if not isinstance(mode, bool) or not isinstance(check_nan, bool):
        raise TypeError("set_detect_anomaly takes True or False")
    return GradMode(None)


def inference_mode(mode: Any = True) -> GradMode:
    """`with torch.inference_mode():` records no graph, as torch.no_grad(); `inference_mode(False)` changes
    nothing."""
    if not isinstance(mode, bool):
        raise TypeError("torch.inference_mode takes True or False")
    return GradMode(False) if mode else GradMode(None)


def variable(data: Any, requires_grad: bool = False, volatile: bool = False) -> torch.Tensor:
    """`torch.autograd.Variable(t, requires_grad=True)`, from before tensors carried autograd themselves: as in
    torch today, a new leaf sharing t's data (t's history, if any, is not kept)."""
    if not isinstance(data, torch.Tensor):
        raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
    if not isinstance(requires_grad, bool):
        raise TypeError("Variable's requires_grad must be True or False")
    return data.detach().requires_grad_(requires_grad)


def generator(device: Any = "cpu") -> torch.Generator:
    """`torch.Generator().manual_seed(2147483647)`: a random generator of the program's own, for `generator=g`.
    Programs reach only manual_seed, initial_seed and seed on it (GENERATOR_METHODS), never its raw state."""
    if str(device) != "cpu":
        raise ProgramError("not-allowed", f"device {str(device)!r} is not available; everything runs on the CPU")
    return torch.Generator()


def manual_seed(seed: Any) -> None:
    """`torch.manual_seed(n)` in a program seeds this run's random numbers (the CPU generator only: the run's
    torch state is put back afterwards, and a worker serves one run). Returns None rather than torch's
    Generator, which a program could otherwise reach into."""
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise TypeError(f"torch.manual_seed needs a whole number, not {type(seed).__name__}")
    torch.random.default_generator.manual_seed(seed)


def _bounded_math(name: str) -> Any:
    real = getattr(math, name)
    if name != "pow":
        return real

    def pow_(a: Any, b: Any) -> float:
        return math.pow(float(a), float(b))

    return pow_


def methods_for(obj: Any) -> frozenset | None:
    """The attributes a value of this kind offers (its table in the allowlist); None for a tensor, a namespace
    or anything else `Interpreter.get_attr` handles itself or refuses."""
    if isinstance(obj, list):
        return A.LIST_METHODS
    if isinstance(obj, set):
        return A.SET_METHODS
    if isinstance(obj, torch.Size):
        return A.SIZE_METHODS
    if isinstance(obj, tuple):
        if type(obj).__module__ == "torch.return_types":
            return A.RETURN_TYPE_ATTRIBUTES | A.TUPLE_METHODS
        return A.TUPLE_METHODS
    if isinstance(obj, collections.Counter):
        return A.DICT_METHODS | A.COUNTER_METHODS
    if isinstance(obj, dict):
        return A.DICT_METHODS
    if isinstance(obj, str):
        return A.STR_METHODS
    if isinstance(obj, torch.Generator):
        return A.GENERATOR_METHODS
    if isinstance(obj, schedulers.SCHEDULER_TYPES):
        return schedulers.SCHEDULER_METHODS
    if isinstance(obj, OPTIMIZER_TYPES):
        return A.OPTIMIZER_METHODS | A.OPTIMIZER_ATTRIBUTES
    if isinstance(obj, GradFnView):
        return A.GRAD_FN_ATTRIBUTES
    return None
