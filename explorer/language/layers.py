"""torch.nn for programs: layers, losses and containers as real torch modules, made and called with checks.

* Making a layer (`nn.Linear(784, 32)`): plain arguments only; every size at most max_tensor_elements; then
  the layer is made on the meta device (shapes, no memory, no random numbers) and each parameter and buffer
  checked, before the real one is made.
* Calling a layer: the size of its result is worked out from its input and its real parameters first (a
  Linear(1, 4_000_000) on 1,000 rows would be 4e9 numbers), then torch's own module runs; the recorder sees
  its operations like any others. A Sequential is run here, child by child, so each child is checked too.
* What a program may read or call on a module is in allowlist.py (MODULE_METHODS, LAYER_ATTRIBUTES, ...):
  `parameters()` and friends hand back lists, never torch's generators; nothing reaches `_modules`, hooks,
  `state_dict` or `apply`. A module never contains itself (checked whenever one is put into another).
* torch.utils.data: TensorDataset and a DataLoader over it, in this process (num_workers stays 0), with
  torch's own sampler so that `shuffle=True` draws the same numbers as plain torch.
"""
from __future__ import annotations

import ast
import collections
import math
from typing import TYPE_CHECKING, Any

import torch
import torch.nn.functional as F
import torch.utils.data

from explorer.config import Limits
from explorer.errors import ProgramError
from explorer.language import allowlist as A
from explorer.language import guards
from explorer.language.objects import (
    BoundMethod,
    Fn,
    Instance,
    LazyMembers,
    Namespace,
    TypeRef,
    UserFunction,
    UserMethod,
)

if TYPE_CHECKING:
    from explorer.language.interpreter import Interpreter

MODULE_BASE = TypeRef("torch.nn.Module", torch.nn.Module, None)
# `class Pairs(Dataset):` is a plain class of the program; a DataLoader takes it if it defines __len__ and
# __getitem__ (through ProgramDataset)
DATASET_BASE = TypeRef("torch.utils.data.Dataset", torch.utils.data.Dataset, None)
MISSING = object()

# The real classes a program can hold an instance of (besides its own modules, classes.UserModule).
LAYER_TYPES: frozenset[type] = frozenset(getattr(torch.nn, name) for name in A.NN_MODULES)
CONTAINER_TYPES = (torch.nn.Sequential, torch.nn.ModuleList, torch.nn.ModuleDict)
DATA_OBJECT_TYPES = (torch.utils.data.DataLoader, torch.utils.data.TensorDataset, torch.utils.data.Subset)
# constructors that take layers or datasets (and check their kinds themselves)
TAKES_OBJECTS = (*CONTAINER_TYPES, torch.utils.data.DataLoader)
_PLAIN = (int, float, bool, str, type(None), torch.Size, torch.dtype)


def is_module(obj: Any) -> bool:
    return isinstance(obj, torch.nn.Module)


def is_user_module(obj: Any) -> bool:
    return isinstance(obj, torch.nn.Module) and "_explorer_class" in obj.__dict__


# --- making modules ------------------------------------------------------------------------------------------

def make_nn(interp: Interpreter, functional: Namespace, parameter: Fn) -> Namespace:
    """`torch.nn` for one run."""
    limits = interp.limits

    def member(name: str) -> Any:
        if name == "functional":
            return functional
        if name == "Parameter":
            return parameter
        if name == "Module":
            return MODULE_BASE
        if name == "init":
            return Namespace("torch.nn.init", LazyMembers(
                A.NN_INIT, lambda n: Fn(f"torch.nn.init.{n}", getattr(torch.nn.init, n))))
        if name == "utils":
            return Namespace("torch.nn.utils", LazyMembers(A.NN_UTILS, clip_grad))
        return layer_class(name, limits)

    return Namespace("torch.nn", LazyMembers(A.NN_MEMBERS, member),
                     {"Transformer": "not available here", "Upsample": "use F.interpolate"})


def clip_grad(name: str) -> Fn:
    """nn.utils.clip_grad_norm_ / clip_grad_value_, without implementation switches (as the optimizers)."""
    real = getattr(torch.nn.utils, name)

    def impl(*args: Any, **kwargs: Any) -> Any:
        if "foreach" in kwargs:
            raise ProgramError("not-allowed", "implementation switches (foreach) are not available here")
        return real(*args, **kwargs)

    return Fn(f"torch.nn.utils.{name}", impl)


def layer_class(name: str, limits: Limits) -> TypeRef:
    cls = getattr(torch.nn, name)
    if name in A.NN_CONTAINERS:
        return TypeRef(f"torch.nn.{name}", cls, lambda *a, **k: make_container(cls, a, k))

    def make(*args: Any, **kwargs: Any) -> Any:
        check_layer(name, cls, args, kwargs, limits)
        return cls(*args, **kwargs)

    return TypeRef(f"torch.nn.{name}", cls, make)


def check_layer(name: str, cls: type, args: tuple, kwargs: dict, limits: Limits) -> None:
    """Before a layer is made: its sizes, then its parameters' and buffers' sizes, made on the meta device."""
    for key in kwargs:
        if key.startswith("_"):
            raise ProgramError("not-allowed", f"nn.{name}: the keyword `{key}` is not allowed")
    if kwargs.get("sparse"):
        raise ProgramError("not-allowed", f"nn.{name}: sparse gradients are not shown here; leave sparse=False")
    if kwargs.get("device") is not None and str(kwargs["device"]).split(":")[0] != "cpu":
        raise ProgramError("not-allowed", "everything runs on the CPU; other devices are not available")
    check_sizes(f"nn.{name}", (args, kwargs), limits)
    if issubclass(cls, torch.nn.RNNBase):
        layers = kwargs.get("num_layers", args[2] if len(args) > 2 else 1)
        if isinstance(layers, int) and layers > A.MAX_RNN_LAYERS:
            raise guards.limit(f"nn.{name} with {layers} layers; the limit is {A.MAX_RNN_LAYERS}")
    if name in A.NN_WITH_PARAMETERS:
        with torch.no_grad():
            meta = cls(*args, **{**kwargs, "device": "meta"})
        for t in (*meta.parameters(), *meta.buffers()):
            guards.check_numel(t.numel(), limits)


def check_sizes(what: str, value: Any, limits: Limits) -> None:
    """Every whole number among a layer's or a spatial function's arguments is at most max_tensor_elements
    (torch refuses larger ones, but some of its kernels crash on them first)."""
    stack = [value]
    while stack:
        x = stack.pop()
        if isinstance(x, bool):
            continue
        if isinstance(x, int):
            if abs(x) > limits.max_tensor_elements:
                raise guards.limit(f"{what}: the size {x:,} is larger than the limit of "
                                   f"{limits.max_tensor_elements:,}", "use smaller sizes")
        elif isinstance(x, (tuple, list, torch.Size)):
            if len(x) > 64:
                raise guards.limit(f"{what}: more than 64 sizes")
            stack.extend(x)
        elif isinstance(x, dict):
            stack.extend(x.values())


def make_container(cls: type, args: tuple, kwargs: dict) -> torch.nn.Module:
    """nn.Sequential(*layers), nn.ModuleList([layers]), nn.ModuleDict({name: layer}): of modules only."""
    if kwargs:
        raise ProgramError("runtime", f"nn.{cls.__name__}() takes no keyword arguments here")
    if cls is torch.nn.Sequential and len(args) == 1 and isinstance(args[0], collections.OrderedDict):
        for key in args[0]:  # nn.Sequential(OrderedDict([("fc1", nn.Linear(4, 8)), ...])): named layers
            check_name("nn.Sequential", key)
        items = list(args[0].values())
    elif cls is torch.nn.Sequential:
        items = list(args)
    else:
        if len(args) > 1:
            kind = "list" if cls is torch.nn.ModuleList else "dict"
            raise ProgramError("runtime", f"nn.{cls.__name__}() takes one {kind}")
        given = args[0] if args else ([] if cls is torch.nn.ModuleList else {})
        if cls is torch.nn.ModuleDict:
            if not isinstance(given, dict):
                raise ProgramError("runtime", "nn.ModuleDict() takes a dict of name: layer")
            for key in given:
                check_name("nn.ModuleDict", key)
            items = list(given.values())
        else:
            if not isinstance(given, (list, tuple)):
                raise ProgramError("runtime", "nn.ModuleList() takes a list of layers")
            items = list(given)
        args = (given,)
    for m in items:
        if not is_module(m):
            raise ProgramError("runtime", f"nn.{cls.__name__} holds layers (modules), not a {_kind(m)}")
    return cls(*args)


def _kind(x: Any) -> str:
    from explorer.language.objects import type_name

    return type_name(x)


def check_name(what: str, name: Any) -> None:
    if not isinstance(name, str) or not name.isidentifier() or name.startswith("_"):
        raise ProgramError("not-allowed", f"{what}: a name must be a plain identifier not starting with _, "
                           f"not {name!r}")


# --- reading and writing modules -------------------------------------------------------------------------------

def registered(m: torch.nn.Module, name: str) -> Any:
    """A parameter, buffer or sub-module registered under `name`; MISSING if none is."""
    d = m.__dict__
    for store in ("_parameters", "_buffers", "_modules"):
        table = d.get(store)
        if table is not None and name in table:
            return table[name]
    return MISSING


def module_attr(m: torch.nn.Module, name: str, node: ast.AST | None) -> Any:
    """What a program reads from a module past its own attributes: registered members, the allowed methods
    (BoundMethod, run by module_method), `training`, a layer's plain settings."""
    value = registered(m, name)
    if value is not MISSING:
        return value
    if name in A.MODULE_METHODS or name in A.CONTAINER_METHODS.get(type(m).__name__, ()):
        if isinstance(m, CONTAINER_TYPES) and name == "forward" and not isinstance(m, torch.nn.Sequential):
            raise ProgramError("runtime", f"nn.{type(m).__name__} is not callable: loop over its layers").at(node)
        return BoundMethod(m, name)
    if name in A.MODULE_ATTRIBUTES:
        return m.training
    if not is_user_module(m) and name in A.LAYER_ATTRIBUTES and name in m.__dict__:
        value = m.__dict__[name]
        if isinstance(value, _PLAIN) or (isinstance(value, tuple) and all(isinstance(v, _PLAIN) for v in value)):
            return value
    reason = A.MODULE_REFUSED.get(name)
    if reason is None and name.startswith("register_") and name.endswith("hook"):
        reason = A.MODULE_REFUSED["register_forward_hook"]
    if reason is not None or hasattr(type(m), name) or name in m.__dict__:  # torch's, but not in the tables
        raise ProgramError("not-allowed", f"module.{name} is not available" + (f": {reason}" if reason else ""),
                           hint=None if reason else "see what a module offers in the help").at(node)
    raise ProgramError("runtime", f"'{_kind(m)}' object has no attribute '{name}'").at(node)


def registers(m: torch.nn.Module, name: str, value: Any) -> bool:
    """Whether `module.name = value` goes through torch's own __setattr__ (registration) or to our dict."""
    return (isinstance(value, (torch.nn.Module, torch.nn.Parameter)) or name == "training"
            or registered(m, name) is not MISSING)


def check_member(m: torch.nn.Module, name: str, value: Any, node: ast.AST | None) -> None:
    """Before `value` goes into module `m` (as an attribute, a list item, a dict entry)."""
    if name == "training" and not isinstance(value, bool):
        raise ProgramError("runtime", "training must be True or False").at(node)
    if isinstance(value, torch.nn.Module) and (value is m or any(sub is m for sub in value.modules())):
        raise ProgramError("not-allowed", "a module can't contain itself",
                           hint="keep the layers in a list or in another module").at(node)


def set_layer_attr(m: torch.nn.Module, name: str, value: Any, node: ast.AST) -> None:
    """On torch's own layers only a parameter may be replaced, by one of the same shape and dtype (the
    layer's settings and the checks made when it was built stay true)."""
    old = registered(m, name)
    if not isinstance(old, torch.nn.Parameter):
        raise ProgramError("not-allowed", f"can't set `.{name}` on a {type(m).__name__}",
                           hint="a layer's parameters can be replaced; its settings are fixed when it is made").at(node)
    if not isinstance(value, torch.nn.Parameter) or value.shape != old.shape or value.dtype != old.dtype:
        raise ProgramError("not-allowed", f".{name} must stay an nn.Parameter of shape {tuple(old.shape)} and dtype "
                           f"{str(old.dtype).replace('torch.', '')}",
                           hint="change its values inside `with torch.no_grad():` instead").at(node)
    setattr(m, name, value)


def set_container_item(m: torch.nn.Module, index: Any, value: Any, node: ast.AST) -> None:
    if not is_module(value):
        raise ProgramError("runtime", f"nn.{type(m).__name__} holds layers (modules), not a {_kind(value)}").at(node)
    if isinstance(m, torch.nn.ModuleDict):
        check_name("nn.ModuleDict", index)
    check_member(m, "", value, node)
    container: Any = m  # Sequential, ModuleList or ModuleDict: indexable
    container[index] = value


# --- calling module methods ------------------------------------------------------------------------------------

_LISTED = frozenset({"parameters", "buffers", "children", "modules", "named_parameters", "named_buffers",
                     "named_children", "named_modules"})
_LIST_KWARGS = frozenset({"recurse", "prefix", "remove_duplicate"})


def module_method(interp: Interpreter, m: torch.nn.Module, name: str, args: list, kwargs: dict,
                  node: ast.AST) -> Any:
    """Run one of MODULE_METHODS / CONTAINER_METHODS on a module, with its arguments checked."""
    if name == "forward":
        return interp.call_module(m, args, kwargs, node, forward=True)
    if name in _LISTED:
        if set(kwargs) - _LIST_KWARGS or any(not isinstance(a, (bool, str)) for a in (*args, *kwargs.values())):
            raise ProgramError("not-allowed", f"module.{name}() takes recurse=, prefix= here").at(node)
        return list(getattr(m, name)(*args, **kwargs))
    if name in ("add_module", "register_module", "register_buffer", "register_parameter"):
        if not is_user_module(m):
            raise ProgramError("not-allowed", f"{name} works on modules of your own classes, not on torch's "
                               f"{type(m).__name__}").at(node)
        return _register(interp, m, name, args, kwargs, node)
    if name in ("append", "insert", "extend", "update"):
        return _grow(m, name, args, kwargs, node)
    if name == "apply":
        return _apply(interp, m, args, kwargs, node)
    interp.check_data(args, node)
    interp.check_data(kwargs, node)
    if name in ("keys", "values", "items"):
        return list(getattr(m, name)())
    if name == "train":
        if any(not isinstance(a, bool) for a in (*args, *kwargs.values())) or set(kwargs) - {"mode"}:
            raise ProgramError("runtime", "train() takes True or False").at(node)
    elif name == "to":
        guards.check_devices(tuple(args), kwargs)
        if set(kwargs) - {"device", "dtype", "non_blocking"}:
            raise ProgramError("runtime", "module.to() takes a device or a dtype here").at(node)
        for a in (*args, *kwargs.values()):
            if isinstance(a, torch.dtype) and not (a.is_floating_point and a.itemsize >= 2):
                raise ProgramError("runtime", f"module.to({a}) needs a floating point dtype").at(node)
    elif (args or set(kwargs) - {"set_to_none", "requires_grad"}) and not (
            name == "requires_grad_" and len(args) == 1 and isinstance(args[0], bool)):
        raise ProgramError("runtime", f"module.{name}() takes no such arguments here").at(node)
    return interp.guarded(getattr(m, name), tuple(args), kwargs, node)


def _apply(interp: Interpreter, m: torch.nn.Module, args: list, kwargs: dict, node: ast.AST) -> torch.nn.Module:
    """`net.apply(init_weights)`: the program's function on every sub-module, children first and the module
    itself last, as torch's Module.apply visits them; run by the interpreter, never handed to torch."""
    if len(args) + len(kwargs) != 1 or set(kwargs) - {"fn"}:
        raise ProgramError("runtime", "module.apply(fn) takes one function").at(node)
    fn = args[0] if args else kwargs["fn"]
    if not isinstance(fn, (Fn, BoundMethod, UserFunction, UserMethod)):
        raise ProgramError("runtime", "module.apply(fn) takes a function of one argument, the module").at(node)
    order: list[torch.nn.Module] = []  # post-order, without recursion (a program may nest layers deeply)
    stack: list[tuple[torch.nn.Module, bool]] = [(m, False)]
    while stack:
        module, expanded = stack.pop()
        if expanded:
            order.append(module)
            continue
        stack.append((module, True))
        stack.extend((child, False) for child in reversed(list(module.children())))
        guards.check_length(len(stack) + len(order), interp.limits)
    for module in order:
        interp.call(fn, [module], {}, node)
    return m


def _register(interp: Interpreter, m: torch.nn.Module, name: str, args: list, kwargs: dict, node: ast.AST) -> Any:
    params = ["name", "tensor" if name == "register_buffer" else "param" if name == "register_parameter" else "module"]
    if name == "register_buffer":
        params.append("persistent")
    if len(args) > len(params) or set(kwargs) - set(params):
        raise ProgramError("runtime", f"module.{name} takes ({', '.join(params)})").at(node)
    given = dict(zip(params, args))
    given.update(kwargs)
    key, value = given.get("name"), given.get(params[1])
    check_name(f"module.{name}", key)
    assert isinstance(key, str)  # checked just above
    if name in ("add_module", "register_module"):
        if value is not None and not is_module(value):
            raise ProgramError("runtime", f"module.{name}: the second argument must be a layer (a module)").at(node)
        check_member(m, key, value, node)
    elif value is not None and not isinstance(value, torch.Tensor):
        raise ProgramError("runtime", f"module.{name}: the second argument must be a tensor").at(node)
    if "persistent" in given and not isinstance(given["persistent"], bool):
        raise ProgramError("runtime", "persistent must be True or False").at(node)
    if is_user_module(m):
        m.__dict__["_explorer_attrs"].pop(key, None)
    return interp.guarded(getattr(m, name), (), given, node)


def _grow(m: torch.nn.Module, name: str, args: list, kwargs: dict, node: ast.AST) -> Any:
    if kwargs:
        raise ProgramError("runtime", f"{type(m).__name__}.{name}() takes no keyword arguments").at(node)
    if name == "update":
        if len(args) != 1 or not isinstance(args[0], dict):
            raise ProgramError("runtime", "ModuleDict.update() takes a dict of name: layer").at(node)
        new = list(args[0].values())
        for key in args[0]:
            check_name("nn.ModuleDict", key)
    elif name == "extend":
        if len(args) != 1 or not isinstance(args[0], (list, tuple)) and not isinstance(args[0], CONTAINER_TYPES):
            raise ProgramError("runtime", f"{type(m).__name__}.extend() takes a list of layers").at(node)
        new = list(args[0])
    elif name == "insert":
        size = len(m._modules)
        if len(args) != 2 or not isinstance(args[0], int) or not -size <= args[0] <= size:
            raise ProgramError("runtime", f"{type(m).__name__}.insert(index, layer) with an index from "
                               f"{-size} to {size}").at(node)
        new = [args[1]]
    else:
        if len(args) != 1:
            raise ProgramError("runtime", f"{type(m).__name__}.append() takes one layer").at(node)
        new = [args[0]]
    for value in new:
        if not is_module(value):
            raise ProgramError("runtime",
                               f"nn.{type(m).__name__} holds layers (modules), not a {_kind(value)}").at(node)
        check_member(m, "", value, node)
    try:
        getattr(m, name)(*args)
    except (TypeError, IndexError, ValueError, KeyError) as e:
        raise ProgramError("runtime", f"{type(e).__name__}: {e}").at(node) from None
    return m if name in ("append", "extend") else None


# --- calling modules: the result's size first ----------------------------------------------------------------

def check_call(m: torch.nn.Module, args: tuple, kwargs: dict, limits: Limits) -> None:
    """The size of what calling torch's layer `m` gives, from its input and its real parameters, before it runs."""
    x = args[0] if args else next(iter(kwargs.values()), None)
    if not isinstance(x, torch.Tensor):
        return
    rows = x.numel() // max(x.shape[-1], 1) if x.dim() else 1
    kind = type(m).__name__
    if isinstance(m, (torch.nn.Linear, torch.nn.Bilinear)):
        guards.check_numel(rows * m.weight.shape[0], limits)
    elif isinstance(m, (torch.nn.Conv1d, torch.nn.Conv2d)):
        conv = F.conv1d if isinstance(m, torch.nn.Conv1d) else F.conv2d
        padding = m.padding if isinstance(m.padding, str) else m.padding
        guards.check_meta(conv, (x, m.weight, None, m.stride, padding, m.dilation, m.groups), {}, limits)
    elif isinstance(m, (torch.nn.AdaptiveAvgPool1d, torch.nn.AdaptiveAvgPool2d)):
        size = m.output_size if isinstance(m.output_size, tuple) else (m.output_size,) * (
            1 if isinstance(m, torch.nn.AdaptiveAvgPool1d) else 2)
        spatial = x.shape[-len(size):] if x.dim() >= len(size) else ()
        n = x.numel() // max(math.prod(spatial), 1)
        guards.check_numel(n * math.prod(s if s is not None else d for s, d in zip(size, spatial)), limits)
    elif isinstance(m, torch.nn.Embedding):
        guards.check_numel(x.numel() * m.weight.shape[1], limits)
    elif isinstance(m, torch.nn.RNNBase):
        width = (m.proj_size or m.hidden_size) * (2 if m.bidirectional else 1)
        guards.check_numel(rows * width * m.num_layers, limits)
    elif isinstance(m, torch.nn.RNNCellBase):
        guards.check_numel(rows * m.hidden_size, limits)
    elif kind in A.NN_ELEMENTWISE_LOSSES:
        guards.check_call(kind, args, kwargs, limits)


# --- torch.utils.data -----------------------------------------------------------------------------------------

class ProgramDataset(torch.utils.data.Dataset):
    """What a DataLoader holds for a dataset class of the program: len() and [i] run the program's __len__ and
    __getitem__ in the interpreter (torch's loader calls nothing else). Never handed to the program: the
    loader's `.dataset` is the program's own object."""

    def __init__(self, interp: Interpreter, obj: Instance) -> None:
        self.interp = interp
        self.obj = obj

    def __len__(self) -> int:
        n = self.interp.builtins["len"].impl(self.obj)
        guards.check_length(n, self.interp.limits)
        return n

    def __getitem__(self, index: int) -> Any:
        getitem = self.interp.classes.special(self.obj, "__getitem__")
        item = self.interp.call(getitem, [index], {}, self.interp.current_call)  # type: ignore[arg-type]
        self.interp.check_data(item, self.interp.current_call)  # tensors, numbers: what torch collates
        return item


def without_callbacks(callee: TypeRef, kwargs: dict) -> dict:
    """A call's keywords but the program's functions it may pass (DataLoader's collate_fn, checked by
    program_collate): the rest must be data, layers or datasets."""
    if callee.real is torch.utils.data.DataLoader and "collate_fn" in kwargs:
        return {k: v for k, v in kwargs.items() if k != "collate_fn"}
    return kwargs


def program_collate(interp: Interpreter, fn: Any) -> Any:
    """`DataLoader(..., collate_fn=f)`: torch hands each batch (a list of the dataset's items) to `f`, which the
    interpreter runs; what it returns must be data (tensors, numbers, tuples, lists, dicts of them), as a loop
    over the loader hands it to the program."""
    if not isinstance(fn, (UserFunction, UserMethod)):
        raise ProgramError("not-allowed", f"collate_fn must be a function of the program (a def or a lambda), "
                           f"not {_kind(fn)}")
    node = interp.current_call

    def collate(items: list) -> Any:
        batch = interp.call(fn, [items], {}, node)  # type: ignore[arg-type]
        interp.check_data(batch, node)
        return batch

    return collate


def make_data(interp: Interpreter) -> Namespace:
    limits = interp.limits

    def tensor_dataset(*tensors: Any) -> Any:
        if not tensors or not all(isinstance(t, torch.Tensor) for t in tensors):
            raise ProgramError("runtime", "TensorDataset(*tensors) takes tensors with the same first size")
        return torch.utils.data.TensorDataset(*tensors)

    def data_loader(dataset: Any, batch_size: Any = 1, shuffle: Any = False, **kwargs: Any) -> Any:
        unknown = set(kwargs) - A.LOADER_KWARGS
        if unknown:
            raise ProgramError("not-allowed", f"DataLoader: {', '.join(sorted(unknown))} is not available here",
                               hint="DataLoader takes a dataset, batch_size=, shuffle= and drop_last=")
        if kwargs.get("num_workers", 0) != 0:
            raise ProgramError("not-allowed", "DataLoader: num_workers must stay 0 (no worker processes here)")
        if isinstance(dataset, Instance):
            for special in ("__len__", "__getitem__"):
                if interp.classes.special(dataset, special) is None:
                    raise ProgramError("runtime", f"DataLoader needs a dataset with {special}: define it in "
                                       f"{dataset.cls.name}")
            dataset = ProgramDataset(interp, dataset)
        elif not isinstance(dataset, (torch.utils.data.TensorDataset, torch.utils.data.Subset)):
            raise ProgramError("runtime", "DataLoader takes a TensorDataset(x, y) or an object of a Dataset "
                               "class of your own (with __len__ and __getitem__)")
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
            raise ProgramError("runtime", "batch_size must be a whole number of at least 1")
        if not isinstance(shuffle, bool) or not isinstance(kwargs.get("drop_last", False), bool):
            raise ProgramError("runtime", "shuffle and drop_last must be True or False")
        guards.check_length(len(dataset), limits)
        collate = kwargs.get("collate_fn")
        return torch.utils.data.DataLoader(dataset, batch_size=batch_size, shuffle=shuffle,
                                           drop_last=kwargs.get("drop_last", False),
                                           collate_fn=None if collate is None else program_collate(interp, collate))

    def random_split(dataset: Any, lengths: Any, generator: Any = None) -> list:
        """`train, val = random_split(ds, [80, 20])` (or fractions [0.8, 0.2]): torch's own split, so the same
        seed picks the same items; the parts are Subsets a DataLoader takes."""
        if isinstance(dataset, Instance):
            dataset = ProgramDataset(interp, dataset)
        elif not isinstance(dataset, (torch.utils.data.TensorDataset, torch.utils.data.Subset)):
            raise ProgramError("runtime", "random_split takes a TensorDataset or a dataset of your own class")
        if (not isinstance(lengths, (list, tuple)) or not 1 <= len(lengths) <= 100
                or not all(isinstance(n, (int, float)) and not isinstance(n, bool) for n in lengths)):
            raise ProgramError("runtime", "random_split takes a list of lengths like [80, 20] or fractions "
                               "like [0.8, 0.2]")
        if generator is not None and not isinstance(generator, torch.Generator):
            raise TypeError("random_split's generator must be a torch.Generator()")
        guards.check_length(len(dataset), limits)
        kwargs = {} if generator is None else {"generator": generator}
        return list(torch.utils.data.random_split(dataset, list(lengths), **kwargs))

    members = {
        "random_split": Fn("torch.utils.data.random_split", random_split, torch_args=False),
        "TensorDataset": TypeRef("torch.utils.data.TensorDataset", torch.utils.data.TensorDataset,
                                    tensor_dataset),
        "DataLoader": TypeRef("torch.utils.data.DataLoader", torch.utils.data.DataLoader, data_loader),
    }
    members["Dataset"] = DATASET_BASE
    assert set(members) == A.DATA_MEMBERS
    data = Namespace("torch.utils.data", members)
    return Namespace("torch.utils", {"data": data})


def data_attr(obj: Any, name: str, node: ast.AST) -> Any:
    if isinstance(obj, torch.utils.data.DataLoader) and name in A.LOADER_ATTRIBUTES:
        value = getattr(obj, name)
        return value.obj if isinstance(value, ProgramDataset) else value
    if isinstance(obj, torch.utils.data.TensorDataset) and name in A.DATASET_ATTRIBUTES:
        return tuple(obj.tensors)
    if isinstance(obj, torch.utils.data.Subset) and name in A.SUBSET_ATTRIBUTES:
        if name == "indices":
            return list(obj.indices)
        return obj.dataset.obj if isinstance(obj.dataset, ProgramDataset) else obj.dataset
    raise ProgramError("not-allowed", f"a {type(obj).__name__} has no attribute `.{name}` here").at(node)


def batches(obj: Any, limits: Limits) -> list:
    """A DataLoader's batches or a dataset's items, as a for loop over it sees them."""
    guards.check_length(len(obj), limits)
    return list(obj)


# --- names in the trace ------------------------------------------------------------------------------------------

def named_tensors(name: str, value: Any) -> dict[str, torch.Tensor]:
    """The tensors a module-level variable holds besides itself: a module's parameters and buffers as
    "<name>.<path>" (the path as named_parameters() spells it: net.fc1.weight, model.0.bias), an instance's
    tensor attributes as "<name>.<attribute>"."""
    out: dict[str, torch.Tensor] = {}
    if isinstance(value, torch.nn.Module):
        for path, p in value.named_parameters():
            out[f"{name}.{path}"] = p
        for path, b in value.named_buffers():
            out[f"{name}.{path}"] = b
    elif isinstance(value, Instance):
        for attr, v in value.attrs.items():
            if isinstance(v, torch.Tensor):
                out[f"{name}.{attr}"] = v
    return out


def module_tensors(names: dict[str, Any]) -> dict[str, torch.Tensor]:
    """named_tensors of every variable, modules held inside other held modules first (so that, where a tensor
    has two names, the one through the outermost module is the one shown)."""
    modules = [v for v in names.values() if isinstance(v, torch.nn.Module)]
    inner: set[int] = set()
    for m in modules:
        inner.update(id(sub) for sub in m.modules() if sub is not m)
    out: dict[str, torch.Tensor] = {}
    for later in (False, True):
        for name, value in names.items():
            if isinstance(value, (torch.nn.Module, Instance)) and (id(value) not in inner) == later:
                out.update(named_tensors(name, value))
    return out
