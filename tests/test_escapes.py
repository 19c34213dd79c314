"""A corpus of known Python-sandbox escape techniques, each typed as a torch program, each of which must end in a
ProgramError of a sensible kind, write no file, leave torch's process-wide state alone, and leave the next normal
program working.

tests/test_rejections.py checks that each *construct* is refused with the right message and position; this file
collects *attacks*: full payloads as an attacker (or a curious student) would type them, built on the published
bypasses of simpleeval, asteval and RestrictedPython, plus torch-specific ones. Where a case repeats a construct
already in test_rejections.py, it reaches it a different way (through a tensor, torch.Size, a dtype, a grad_fn,
an optimizer, unicode normalisation, a string built at run time, ...).

Kinds accepted for each case (`kinds`):
  not-allowed / syntax / limit  - the explorer refused it;
  "probe"   - the program checks with `assert` whether the escape worked; "assertion failed" means it did not;
  "runtime" - only with `words`: torch's (or Python's) own refusal, e.g. an invalid device string.

Every case runs in-process (fast); the ones that try to write a file or change process-wide state, and the ones
that corrupt memory, also (or only) run through the real sandbox.
"""
from __future__ import annotations

import os
import random
import sys
from dataclasses import dataclass

import numpy as np
import pytest
import torch

import explorer
from explorer.errors import ProgramError

NA = "not-allowed"
SYNTAX = "syntax"
LIMIT = "limit"
PROBE = "probe"
RUNTIME = "runtime"
REFUSED = (NA, SYNTAX, LIMIT)

SANDBOX_OK = sys.platform.startswith("linux")

PRE = "x = torch.ones(3, requires_grad=True)\ny = (x * 2).sum()\n"  # a tensor and a grad_fn to start from
OPT = "w = torch.ones(2, requires_grad=True)\nopt = torch.optim.SGD([w], lr=0.1)\n"  # an optimizer
# a torch.autograd.Function of the program, with a line of its forward or of its backward to fill in
FN_FORWARD = ("class Twice(torch.autograd.Function):\n    @staticmethod\n    def forward(ctx, x):\n        {}\n"
              "        return x * 2\n    @staticmethod\n    def backward(ctx, g):\n        return g * 2\n"
              "y = Twice.apply(torch.ones(2, requires_grad=True))\n")
FN_BACKWARD = ("class Twice(torch.autograd.Function):\n    @staticmethod\n    def forward(ctx, x):\n"
               "        ctx.save_for_backward(x)\n        return x * 2\n    @staticmethod\n    def backward(ctx, g):\n"
               "        {}\n        return g * 2\nTwice.apply(torch.ones(2, requires_grad=True)).sum().backward()\n")
FN_DOUBLE = FN_FORWARD.format("pass").replace("Twice", "Double")


@dataclass(frozen=True)
class Escape:
    id: str
    source: str
    kinds: tuple = (NA,)
    words: tuple = ()  # for kind runtime: at least one must be in the message
    writes: bool = False  # tries to create or write a file (the path SENTINEL)
    state: bool = False  # tries to change process-wide state
    where: str = "process"  # "process", "both" (also in the sandbox), "sandbox" (only there)
    xfail: str | None = None


def E(id: str, source: str, kinds=(NA,), words=(), *, writes=False, state=False, where=None, xfail=None) -> Escape:
    if isinstance(kinds, str):
        kinds = (kinds,)
    if where is None:
        where = "both" if (writes or state) else "process"
    return Escape(id, source, tuple(kinds), tuple(words), writes, state, where, xfail)


ESCAPES: list[Escape] = [
    # --- dunder walks, from every kind of object a program can hold ----------------------------------------
    E("subclasses-wrap-close-system",
      "for c in ().__class__.__bases__[0].__subclasses__():\n"
      "    if c.__name__ == '_wrap_close':\n"
      "        c.__init__.__globals__['system']('touch SENTINEL')\n", writes=True),
    E("tensor-mro-subclasses", "x = torch.ones(2)\nsubs = x.__class__.__mro__[-1].__subclasses__()\n"),
    E("size-base-subclasses", "s = torch.ones(2, 3).shape\nsubs = s.__class__.__base__.__subclasses__()\n"),
    E("dtype-class-base", "d = torch.float32\nb = d.__class__.__base__\n"),
    E("dtype-plain-method", "d = torch.float32\nc = d.to_complex()\n"),
    E("grad-fn-private-real-node", PRE + "node = y.grad_fn._fn\nnode.register_hook(print)\n"),
    E("grad-fn-walk-to-variable", PRE + "leaf = y.grad_fn.next_functions[0][0].next_functions[0][0].variable\n"),
    E("grad-fn-name-self", PRE + "real = y.grad_fn.name.__self__\n"),
    E("optimizer-init-globals", OPT + "g = opt.__init__.__globals__['torch']\n"),
    E("optimizer-step-pre-hook", OPT + "opt.register_step_pre_hook(print)\nopt.step()\n"),
    E("optimizer-load-state-dict",
      OPT + "opt.load_state_dict({'state': {}, 'param_groups': [{'params': [0], 'lr': 1.0}]})\n"),
    E("optimizer-add-param-group", OPT + "opt.add_param_group({'params': [torch.ones(1, requires_grad=True)]})\n"),
    E("optimizer-step-closure", OPT + "def closure():\n    return w.sum()\nopt.step(closure)\n"),
    E("optimizer-implementation-switch", "w = torch.ones(2, requires_grad=True)\n"
      "opt = torch.optim.SGD([w], lr=0.1, fused=True)\n"),
    E("param-groups-function-into-optimizer",
      OPT + "opt.param_groups[0]['params'][0] = torch.sigmoid\nopt.step()\n"),
    E("param-groups-fused-heap-read",
      "w = torch.zeros(256, requires_grad=True)\n"
      "w.grad = torch.zeros(1).expand(256)\n"
      "opt = torch.optim.SGD([w], lr=1.0)\n"
      "opt.param_groups[0]['fused'] = True\n"
      "opt.step()\n"
      "leak = (-w.detach()).view(torch.int32)\n"
      "print(leak.tolist())\n"
      "assert (w != 0).any()\n",
      where="sandbox"),
    E("param-groups-append-fused-heap-write",
      "w = torch.zeros(4, requires_grad=True)\n"
      "w.grad = torch.ones(4)\n"
      "opt = torch.optim.SGD([w], lr=0.0)\n"
      "opt.param_groups.append({'params': [w], 'lr': 0.0, 'momentum': 1.0, 'dampening': 0.0,\n"
      "                         'weight_decay': 0.0, 'nesterov': False, 'maximize': False,\n"
      "                         'foreach': None, 'differentiable': False, 'fused': True})\n"
      "opt.param_groups.pop(0)\n"
      "opt.step()\n"
      "victims = [torch.zeros(4) for i in range(64)]\n"
      "w.data = torch.zeros(4096)\n"
      "w.grad = torch.full((4096,), 7.0)\n"
      "opt.step()\n"
      "assert any(v.abs().sum().item() != 0 for v in victims)\n",
      where="sandbox"),
    E("return-types-plain-attr", "x = torch.tensor([1.0, 3.0])\nr = torch.max(x, 0)\nn = r.n_fields\n"),
    E("return-types-reduce", "x = torch.tensor([1.0, 3.0])\nr = torch.sort(x)\nf, args = r.__reduce__()\n"),
    E("dict-keys-mapping", OPT + "k = opt.param_groups[0].keys()\nd = k.mapping\n"),
    # --- format strings: attribute access inside templates ---------------------------------------------------
    E("format-method-reference", OPT + "fmt = '{0.__init__.__globals__[os]}'.format\ns = fmt(opt)\n"),
    E("format-unbound-via-str", PRE + "s = str.format('{0.grad_fn.__class__}', x)\n"),
    E("format-built-dunder-name", PRE + "n = '_' + '_cla' + 'ss__'\ns = ('{0.' + n + '}').format(x)\n"),
    E("string-formatter-get-field", PRE + "v = string.Formatter().get_field('0.__class__', [x], {})\n"),
    E("string-template", "t = string.Template('$a').substitute(a=1)\n"),
    E("percent-mapping-format", PRE + "s = '%(t)r' % {'t': x.grad_fn}\n"),
    E("fstring-repr-function-probe", "s = f'{torch.sigmoid!r}'\nassert 'built-in' in s or '0x' in s\n", (PROBE,)),
    E("fstring-str-module-probe", "s = f'{torch!s}{F!s}'\nassert 'site-packages' in s or 'from' in s\n", (PROBE,)),
    E("fstring-ascii-grad-fn-probe", PRE + "s = f'{y.grad_fn!a}'\nassert '0x' in s\n", (PROBE,)),
    E("fstring-spec-as-attribute", PRE + "s = f'{x:.grad_fn}'\n", (RUNTIME,), ["format"]),
    E("fstring-nested-spec-dunder", PRE + "s = f'{x:{x.__class__}}'\n"),
    E("fstring-self-documenting-dunder", PRE + "s = f'{x.__class__=}'\n"),
    E("fstring-width-bomb", "s = f'{1:>999999999}'\n", (LIMIT,)),
    # --- builtins, modules by bare name, globals ------------------------------------------------------------
    E("bare-builtins-open", "builtins.open('SENTINEL', 'w').write('x')\n", writes=True),
    E("bare-os-system", "os.system('touch SENTINEL')\n", writes=True),
    E("bare-sys-modules", "sys.modules['os'].system('touch SENTINEL')\n", writes=True),
    E("dunder-builtins-dict-eval", "e = __builtins__.__dict__['eval']\ne('1')\n"),
    E("type-three-args", "T = type('T', (), {'f': print})\nt = T()\n"),
    E("type-subclasses", "subs = type.__subclasses__(type)\n"),
    E("object-subclasses", "subs = object.__subclasses__()\n"),
    E("exit-process", "exit(0)\n", state=True),
    E("help-pager", "help(torch)\n"),
    E("hasattr-probe", PRE + "h = hasattr(x, '__class__')\n"),
    # key= functions are called by the interpreter, with the same checks as any call of the program
    E("max-key-callback", "m = max([1, 2], key=torch.sigmoid)\n", (RUNTIME,), ["must be Tensor"]),
    E("sorted-key-callback", "s = sorted([3, 1], key=print)\n", (RUNTIME,), ["not supported between"]),
    E("print-to-file", PRE + "print(x, file=open('SENTINEL', 'w'))\n", writes=True),
    E("print-file-keyword", "print('x', file=torch)\n", (RUNTIME,), ["file"]),
    E("generic-alias-subscript", "A = list[int]\nb = A.mro()\n"),
    E("mro-plain-method", "m = torch.Size.mro()\n"),
    # --- generators, frames, code objects, tracebacks -------------------------------------------------------
    E("genexp-gi-frame", "g = (i for i in range(3))\nfr = g.gi_frame.f_back.f_globals\n"),
    E("generator-function-frame",
      "def gen():\n    yield 1\ng = gen()\nb = g.gi_frame.f_back.f_back.f_globals['__builtins__']\n"),
    E("function-code-consts", "def f():\n    return 1\nc = f.__code__.co_consts\n"),
    E("function-globals-builtins", "def f():\n    return 1\nb = f.__globals__['__builtins__']['eval']\n"),
    E("exception-traceback-frame",
      "try:\n    1 / 0\nexcept Exception as e:\n    g = e.__traceback__.tb_frame.f_back.f_globals\n"),
    E("exception-group-traceback",
      "try:\n    pass\nexcept* ValueError as eg:\n    g = eg.exceptions[0].__traceback__.tb_frame\n"),
    E("sys-exc-info", "t = sys.exc_info()[2].tb_frame.f_back.f_globals\n"),
    E("torch-sys-getframe", "fr = torch.sys._getframe(1).f_globals\n"),
    E("inspect-currentframe", "fr = inspect.currentframe().f_back.f_locals\n"),
    E("gc-get-objects", "objs = gc.get_objects()\n"),
    # --- functions reaching their module's globals ----------------------------------------------------------
    E("torch-function-globals", "g = torch.sigmoid.__globals__\n"),
    E("torch-function-self", "m = torch.sigmoid.__self__\n"),
    E("F-function-wrapped", "orig = F.relu.__wrapped__\n"),
    E("F-function-module", "m = torch.sys.modules[F.relu.__module__]\n"),
    E("F-handle-torch-function", PRE + "r = F.handle_torch_function(print, (x,), x)\n"),
    E("F-warnings-showwarning", "F.warnings.showwarning = print\n", state=True),
    E("F-numpy-save", PRE + "F.np.save('SENTINEL', [1, 2])\n", writes=True),
    E("module-loader", "os = math.__loader__.load_module('os')\n"),
    E("module-spec", "l = F.__spec__.loader\n"),
    E("getattribute", PRE + "g = x.__getattribute__('grad_fn')\n"),
    E("operator-attrgetter", PRE + "g = operator.attrgetter('grad_fn')(x)\n"),
    E("functools-partial-getattr", PRE + "g = functools.partial(getattr, x)('grad_fn')\n"),
    # --- decorators, lambda, walrus, match, classes --------------------------------------------------------
    E("decorator-with-call", "@torch.jit.script\ndef f(x):\n    return x\n"),
    E("lambda-default-import", "f = lambda os=__import__('os'): os.system('touch SENTINEL')\nf()\n", writes=True),
    E("walrus-in-comprehension", "l = [(c := s) for s in [1, 2]]\nprint(c)\n"),
    E("match-class-pattern-getattr",
      "x = torch.ones(2)\nmatch x:\n    case object(__class__=c):\n        print(c)\n"),
    E("init-subclass-hook", "class A:\n    def __init_subclass__(cls):\n        pass\n"),
    E("tensor-subclass-torch-function",
      "class T(torch.Tensor):\n    def __torch_function__(cls, func, types, args=(), kwargs=None):\n"
      "        return func\n"),
    E("class-getitem", "a = list.__class_getitem__(int)\n"),
    E("annotation-side-effect", "y: open('SENTINEL', 'w') = 1\nassert False\n", (NA, PROBE), writes=True),
    # --- pickle and the reduce protocol ---------------------------------------------------------------------
    E("tensor-reduce-ex", "x = torch.ones(2)\nf, args = x.__reduce_ex__(2)[:2]\n"),
    E("optimizer-getstate", OPT + "s = opt.__getstate__()\n"),
    E("dtype-reduce", "r = torch.float32.__reduce__()\n"),
    E("serialization-load", "m = torch.serialization.load('model.pt', weights_only=False)\n"),
    E("serialization-save", "x = torch.ones(2)\ntorch.serialization.save(x, 'SENTINEL')\n", writes=True),
    E("serialization-open-file", "f = torch.serialization._open_file('SENTINEL', 'wb')\n", writes=True),
    E("package-exporter", "e = torch.package.PackageExporter('SENTINEL')\n", writes=True),
    # --- torch modules that run code, load libraries or write files ------------------------------------------
    E("ops-load-library", "torch.ops.load_library('/tmp/evil.so')\n"),
    E("torch-C-private", "torch._C._set_grad_enabled(False)\n", state=True),
    E("jit-save", "def f(v):\n    return v\ntorch.jit.save(torch.jit.script(f), 'SENTINEL')\n", writes=True),
    E("cpp-extension-load-inline",
      "m = torch.utils.cpp_extension.load_inline('m', 'int f() { return system(\"touch SENTINEL\"); }')\n",
      writes=True),
    E("hub-download-to-file", "torch.hub.download_url_to_file('http://127.0.0.1/x', 'SENTINEL')\n", writes=True),
    E("profiler-export-trace",
      "p = torch.profiler.profile()\np.start()\nx = torch.ones(2) * 2\np.stop()\np.export_chrome_trace('SENTINEL')\n",
      writes=True),
    E("onnx-export", "torch.onnx.export(torch.nn.Identity(), (torch.ones(1),), 'SENTINEL')\n", writes=True),
    E("distributed-filestore", "s = torch.distributed.FileStore('SENTINEL', 1)\n", writes=True),
    E("multiprocessing-spawn", "torch.multiprocessing.spawn(print, nprocs=2)\n", state=True),
    E("torch-builtins-open", "f = torch.builtins.open('SENTINEL', 'w')\n", writes=True),
    E("torch-ctypes-system", "torch.ctypes.CDLL(None).system('touch SENTINEL')\n", writes=True),
    E("torch-storage-from-file", "s = torch.storage.UntypedStorage.from_file('SENTINEL', True, 16)\n", writes=True),
    E("storage-method-from-file", "x = torch.ones(2)\ns = x.untyped_storage().from_file('SENTINEL', True, 16)\n",
      writes=True),
    E("from-file-shared-create", "x = torch.from_file('SENTINEL', shared=True, size=16)\n", writes=True),
    E("numpy-tofile", "x = torch.ones(2)\nx.numpy().tofile('SENTINEL')\n", writes=True),
    E("frombuffer-raw-memory", "x = torch.frombuffer(bytearray(8), dtype=torch.uint8)\n"),
    E("as-strided-out-of-bounds", "x = torch.ones(2)\ny = x.as_strided((100000,), (1,))\n"),
    E("dlpack-capsule", "x = torch.ones(2)\nc = x.__dlpack__()\n"),
    E("post-accumulate-grad-hook", PRE + "x.register_post_accumulate_grad_hook(print)\ny.backward()\n"),
    E("overrides-function-mode", "m = torch.overrides.TorchFunctionMode()\n"),
    E("saved-tensors-hooks",
      "x = torch.ones(2, requires_grad=True)\nwith torch.autograd.graph.saved_tensors_hooks(print, print):\n"
      "    y = x * x\ny.sum().backward()\n", (RUNTIME,), ["unpack hook returned a NoneType"], state=True),
    E("global-module-forward-hook", "h = torch.nn.modules.module.register_module_forward_hook(print)\n", state=True),
    # --- monkeypatching --------------------------------------------------------------------------------------
    E("patch-tensor-method", "torch.Tensor.add = torch.sub\n", state=True),
    E("patch-tensor-dunder", "torch.Tensor.__add__ = torch.sub\n", state=True),
    E("patch-optimizer-class", "torch.optim.SGD = torch.optim.Adam\n", state=True),
    E("delete-torch-member", "del torch.sigmoid\n", state=True),
    E("tensor-class-assign", "x = torch.ones(2)\nx.__class__ = torch.nn.Parameter\n"),
    E("tensor-setattr-dunder", PRE + "x.__setattr__('grad_fn', None)\n"),
    # --- process-wide state ----------------------------------------------------------------------------------
    E("set-default-device", "torch.set_default_device('meta')\n", state=True),
    E("set-default-tensor-type", "torch.set_default_tensor_type(torch.DoubleTensor)\n", state=True),
    E("random-set-rng-state", "torch.random.set_rng_state(torch.zeros(5056, dtype=torch.uint8))\n", state=True),
    E("default-generator-seed", "torch.default_generator.manual_seed(1)\n", state=True),
    E("set-num-interop-threads", "torch.set_num_interop_threads(1)\n", state=True),
    E("set-flush-denormal", "torch.set_flush_denormal(True)\n", state=True),
    E("set-matmul-precision", "torch.set_float32_matmul_precision('medium')\n", state=True),
    E("backends-flag", "torch.backends.mkldnn.enabled = False\n", state=True),
    E("set-anomaly-enabled", "torch.set_anomaly_enabled(True)\n", state=True),
    E("detect-anomaly-context", "with torch.autograd.detect_anomaly():\n    y = torch.ones(2) * 2\nassert False\n",
      (PROBE,), state=True),
    E("inference-mode-context", "with torch.inference_mode():\n    y = torch.ones(2) * 2\nassert False\n", (PROBE,),
      state=True),
    E("grad-mode-manual-enter", "torch.no_grad().__enter__()\n", state=True),
    E("grad-mode-module-set", "torch.autograd.grad_mode.set_grad_enabled(False)\n", state=True),
    E("printoptions-private", "torch._tensor_str.PRINT_OPTS.precision = 1\n", state=True),
    E("no-grad-left-by-return-probe",
      "def f():\n    with torch.no_grad():\n        return 1\nf()\n"
      "z = torch.ones(1, requires_grad=True) * 2\nassert not z.requires_grad\n", (PROBE,), state=True),
    E("no-grad-left-by-break-probe",
      "for i in range(2):\n    with torch.no_grad():\n        break\n"
      "z = torch.ones(1, requires_grad=True) * 2\nassert not z.requires_grad\n", (PROBE,), state=True),
    # --- devices ---------------------------------------------------------------------------------------------
    E("device-meta-factory", "x = torch.zeros(3, device='meta')\n"),
    E("device-cuda-to", "x = torch.ones(2).to('cuda')\n"),
    E("device-built-at-runtime", "d = 'me' + 'ta'\nx = torch.ones(2).to(d)\n"),
    E("device-upper-case-index", "x = torch.ones(2, device='META:0')\n"),
    E("device-new-zeros-keyword", "x = torch.ones(2).new_zeros(3, device='privateuseone')\n"),
    E("device-fullwidth", "x = torch.ones(2).to('ｍｅｔａ')\n", (RUNTIME,), ["Invalid device"]),
    # torch's own refusal: a CPU build has no pinned-memory allocator; a CUDA build first looks for a driver
    E("device-pinned-memory", "x = torch.ones(2, pin_memory=True)\n", (RUNTIME,),
      ["pin_memory=True requires a CUDA or other accelerator backend", "Found no NVIDIA driver on your system",
       "no CUDA GPUs are available"]),
    # --- the program's own classes: class bodies reaching Python's internals -------------------------------
    E("class-method-self-class-mro",
      "class A:\n    def f(self):\n        return self.__class__.__mro__\nm = A().f()\n"),
    E("class-dict", "class A:\n    pass\nd = A.__dict__\n"),
    E("class-subclasses-of-base", "class A:\n    pass\nclass B(A):\n    pass\ns = A.__subclasses__()\n"),
    E("class-method-globals", "class A:\n    def f(self):\n        return 1\ng = A.f.__globals__['__builtins__']\n"),
    E("bound-method-func-code", "class A:\n    def f(self):\n        return 1\nc = A().f.__func__.__code__\n"),
    E("self-dict-write",
      "class A:\n    def __init__(self):\n        self.__dict__['forward'] = print\na = A()\n"),
    E("super-getattribute",
      "class A:\n    def f(self):\n        return super().__getattribute__('__class__')\nA().f()\n"),
    E("define-getattr", "class A:\n    def __getattr__(self, name):\n        return print\nA().anything\n"),
    E("define-index-size-bomb", "class I:\n    def __index__(self):\n        return 10**12\nx = torch.zeros(I())\n",
      where="both"),
    E("define-torch-function",
      "class T:\n    def __torch_function__(self, func, types, args=(), kwargs=None):\n        return func\n"
      "y = torch.add(T(), 1)\n"),
    E("define-del-writes", "class A:\n    def __del__(self):\n        open('SENTINEL', 'w')\na = A()\na = None\n",
      writes=True),
    E("define-eq", "class A:\n    def __eq__(self, other):\n        return print\nassert A() == 1\n"),
    E("define-hash", "class A:\n    def __hash__(self):\n        return 1\nd = {A(): 1}\n"),
    E("define-set-name", "class D:\n    def __set_name__(self, owner, name):\n        pass\nclass B:\n    d = D()\n"),
    E("define-class-getitem", "class A:\n    def __class_getitem__(cls, item):\n        return print\n"),
    E("define-bool-in-torch", "class B:\n    def __bool__(self):\n        return False\nt = torch.where(B(), 1, 2)\n"),
    E("metaclass-type", "class A(metaclass=type):\n    pass\n"),
    E("base-made-by-type", "class A(type('B', (), {})):\n    pass\n"),
    E("base-torch-tensor-subclass", "class T(torch.Tensor):\n    pass\nt = T()\n"),
    E("base-nn-linear-subclass", "class L(nn.Linear):\n    def forward(self, x):\n        return x\nl = L(2, 2)\n"),
    E("base-autograd-function-internals", "class G(torch.autograd.function.Function):\n    pass\n"),
    E("base-builtin-function", "class A(print):\n    pass\n"),
    E("staticmethod-called-directly", "f = staticmethod(print)\n"),
    E("property-on-method", "class A:\n    @property\n    def x(self):\n        return 1\n"),
    E("decorator-on-method-call", "class A:\n    @torch.jit.script\n    def f(self, x):\n        return x\n"),
    E("bound-method-internals", "class A:\n    def f(self):\n        return 1\nm = A().f\nfn = m.fn\n"),
    E("user-function-node", "def f():\n    return 1\nn = f.node\n"),
    E("class-mro-method", "class A:\n    pass\nb = A.mro()\n", (RUNTIME,), ["has no attribute 'mro'"]),
    E("super-of-a-number", "class A:\n    def f(self):\n        return super(A, 5).f()\nA().f()\n", (RUNTIME,),
      ["must be an instance"]),
    E("instance-into-torch", "class A:\n    pass\nt = torch.tensor([A()])\n"),
    E("class-into-torch", "class A:\n    pass\nt = torch.zeros(2) + A\n", (RUNTIME,), ["can't be used in arithmetic"]),
    E("dunder-keyword-into-init",
      "class A:\n    def __init__(self, x=0):\n        self.x = x\na = A(**{'__class__': 1})\n"),
    # --- nn modules: monkeypatching, internals, cycles -------------------------------------------------------
    E("patch-nn-linear-forward", "def f(self, x):\n    return x\nnn.Linear.forward = f\n", state=True),
    E("patch-F-relu-with-def", "def r(x):\n    return x\nF.relu = r\ny = F.relu(torch.ones(2))\n", state=True),
    E("patch-module-call", "torch.nn.Module.__call__ = print\n", state=True),
    E("patch-nn-namespace", "nn.Sequential = nn.ModuleList\n", state=True),
    E("patch-layer-instance-forward", "lin = nn.Linear(2, 2)\ndef f(x):\n    return x\nlin.forward = f\n"),
    E("patch-layer-settings-padding",
      "c = nn.Conv2d(1, 1, 3)\nc.padding = (3000, 3000)\ny = c(torch.ones(1, 1, 4, 4))\n"),
    E("replace-parameter-other-shape", "lin = nn.Linear(2, 2)\nlin.weight = nn.Parameter(torch.zeros(4000, 1000))\n"),
    E("replace-lstm-weight-none", "r = nn.LSTM(2, 2)\nr.weight_ih_l0 = None\ny = r(torch.ones(1, 1, 2))\n"),
    E("module-private-modules", "net = nn.Sequential(nn.ReLU())\nm = net._modules\n"),
    E("module-state-dict-of-sequential", "sd = nn.Sequential(nn.Linear(2, 2)).state_dict()\n"),
    E("module-load-state-dict", "net = nn.Linear(2, 2)\nnet.load_state_dict({'weight': torch.zeros(9, 9)})\n"),
    E("module-forward-hook", "net = nn.Linear(2, 2)\nh = net.register_forward_hook(print)\ny = net(torch.ones(2))\n"),
    E("module-full-backward-hook", "net = nn.Linear(2, 2)\nnet.register_full_backward_hook(print)\n"),
    E("module-apply-non-function", "net = nn.Sequential(nn.ReLU())\nnet.apply(torch)\n", (RUNTIME,),
      ("takes a function",)),
    E("module-named-modules-memo", "net = nn.Sequential(nn.ReLU())\nms = net.named_modules(memo=[])\n"),
    E("module-get-submodule", "net = nn.Sequential(nn.ReLU())\nm = net.get_submodule('0')\n"),
    E("module-type-cast", "net = nn.Linear(2, 2)\nnet.type(torch.float64)\n"),
    E("module-cuda", "net = nn.Linear(2, 2).cuda()\n"),
    E("module-share-memory", "net = nn.Linear(2, 2)\nnet.share_memory()\n", where="both"),
    E("module-to-meta", "net = nn.Linear(2, 2).to('meta')\ny = net(torch.ones(2).to('meta'))\n", where="both"),
    E("module-to-empty", "net = nn.Linear(2, 2)\nnet.to_empty(device='cpu')\n"),
    E("module-parameters-generator-frame", "net = nn.Linear(2, 2)\nf = net.parameters().gi_frame\n"),
    E("module-extra-repr-dict", "net = nn.Linear(2, 2)\nd = net.__dict__\n"),
    E("module-contains-itself",
      "class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.me = self\n"
      "net = Net()\nprint(net)\n", where="both"),
    E("sequential-appends-itself", "s = nn.Sequential(nn.ReLU())\ns.append(s)\nprint(s)\n"),
    E("modules-cycle-through-two", "a = nn.Sequential(nn.ReLU())\nb = nn.Sequential(a)\na.append(b)\nprint(b)\n"),
    E("moduledict-dunder-key", "d = nn.ModuleDict({'__class__': nn.ReLU()})\n"),
    E("add-module-private-name",
      "class N(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
      "        self.add_module('_parameters', nn.ReLU())\nn = N()\n"),
    E("register-buffer-on-torch-layer", "lin = nn.Linear(2, 2)\nlin.register_buffer('extra', torch.ones(2))\n"),
    E("super-forward-recursion",
      "class N(nn.Module):\n    def forward(self, x):\n        return super().forward(x)\ny = N()(torch.ones(2))\n",
      (RUNTIME,), ["no forward of its own"]),
    E("module-into-torch-function", "y = torch.add(nn.Linear(2, 2), 1)\n"),
    E("module-into-init-function", "nn.init.normal_(nn.Linear(2, 2))\n"),
    E("layer-device-meta", "lin = nn.Linear(2, 2, device='meta')\n"),
    E("layer-private-keyword", "e = nn.Embedding(3, 2, _weight=torch.ones(3, 2))\n"),
    E("layer-sparse-gradients", "e = nn.Embedding(3, 2, sparse=True)\n"),
    E("clip-grad-foreach-switch",
      "net = nn.Linear(2, 2)\nnet(torch.ones(2)).sum().backward()\n"
      "nn.utils.clip_grad_norm_(net.parameters(), 1.0, foreach=True)\n"),
    E("torch-device-meta", "d = torch.device('meta')\nx = torch.ones(2).to(d)\n"),
    E("cuda-set-device", "torch.cuda.set_device(0)\n", state=True),
    # --- nn modules: resource bombs ---------------------------------------------------------------------------
    E("huge-linear", "lin = nn.Linear(10**6, 10**6)\n", (LIMIT,), where="both"),
    E("huge-embedding", "e = nn.Embedding(10**7, 1000)\n", (LIMIT,)),
    E("huge-conv-kernel", "c = nn.Conv2d(1, 1, 2**40)\n", (LIMIT,)),
    E("huge-lstm-layer-count", "r = nn.LSTM(2, 2, num_layers=10**6)\n", (LIMIT,)),
    E("max-pool1d-crash-kernel", "p = nn.MaxPool1d(2**40)\ny = p(torch.ones(1, 1, 8))\n", (LIMIT,), where="both"),
    E("linear-output-bomb", "lin = nn.Linear(1, 4000000)\ny = lin(torch.ones(1000, 1))\n", (LIMIT,), where="both"),
    E("sequential-output-bomb",
      "m = nn.Sequential(nn.Linear(1, 2000), nn.Linear(2000, 2000))\ny = m(torch.ones(4000, 1))\n", (LIMIT,)),
    E("embedding-output-bomb", "e = nn.Embedding(4, 1000000)\ny = e(torch.zeros(1000, dtype=torch.long))\n", (LIMIT,)),
    E("conv-padding-bomb", "c = nn.Conv2d(1, 1, 1, padding=3000)\ny = c(torch.ones(1, 1, 1, 1))\n", (LIMIT,)),
    E("adaptive-pool-bomb", "p = nn.AdaptiveAvgPool2d(3000)\ny = p(torch.ones(1, 1, 2, 2))\n", (LIMIT,)),
    E("interpolate-bomb", "y = F.interpolate(torch.ones(1, 1, 2, 2), scale_factor=5000)\n", (LIMIT,)),
    E("pad-bomb", "y = F.pad(torch.ones(1, 1), (0, 10**9))\n", (LIMIT,)),
    E("rnn-output-bomb", "r = nn.RNN(1, 2000)\ny, h = r(torch.ones(4000, 1, 1))\n", (LIMIT,)),
    E("loss-broadcast-bomb", "l = nn.MSELoss(reduction='none')\ny = l(torch.ones(4000, 1), torch.ones(1, 4000))\n",
      (LIMIT,)),
    E("legacy-tensor-bomb", "t = torch.Tensor(10**5, 10**5)\n", (LIMIT,)),
    E("forward-recursion",
      "class R(nn.Module):\n    def forward(self, x):\n        return self(x)\ny = R()(torch.ones(1))\n",
      (LIMIT,), where="both"),
    E("getitem-recursion", "class D:\n    def __getitem__(self, i):\n        return self[i]\nx = D()[0]\n", (LIMIT,)),
    E("init-recursion", "class A:\n    def __init__(self):\n        self.a = A()\na = A()\n", (LIMIT,)),
    E("len-recursion", "class L:\n    def __len__(self):\n        return len(self)\nn = len(L())\n", (LIMIT,)),
    E("many-big-layers", "layers = [nn.Linear(2000, 2000) for i in range(500)]\n", (LIMIT,), where="sandbox"),
    # --- data loaders: processes, callbacks, internals ------------------------------------------------------
    E("dataloader-worker-processes",
      "d = torch.utils.data.TensorDataset(torch.ones(8, 2))\nl = torch.utils.data.DataLoader(d, num_workers=4)\n"
      "b = next(iter(l))\n", state=True),
    E("dataloader-collate-fn",
      "d = torch.utils.data.TensorDataset(torch.ones(8, 2))\nl = torch.utils.data.DataLoader(d, collate_fn=print)\n"),
    E("dataloader-worker-init-fn",
      "d = torch.utils.data.TensorDataset(torch.ones(8, 2))\n"
      "l = torch.utils.data.DataLoader(d, worker_init_fn=print)\n"),
    E("dataloader-private-iterator",
      "d = torch.utils.data.TensorDataset(torch.ones(8, 2))\nit = iter(torch.utils.data.DataLoader(d))\n"
      "r = it._it\n"),
    E("dataloader-sampler-attribute",
      "d = torch.utils.data.TensorDataset(torch.ones(8, 2))\ng = torch.utils.data.DataLoader(d).sampler\n"),
    E("dataset-item-is-a-function",
      "class D(torch.utils.data.Dataset):\n    def __len__(self):\n        return 2\n"
      "    def __getitem__(self, i):\n        return print\nb = next(iter(torch.utils.data.DataLoader(D())))\n"),
    E("dataset-length-bomb",
      "class D(torch.utils.data.Dataset):\n    def __len__(self):\n        return 10**12\n"
      "    def __getitem__(self, i):\n        return torch.ones(1)\n"
      "l = torch.utils.data.DataLoader(D(), shuffle=True)\nb = next(iter(l))\n", (LIMIT,), where="both"),
    E("iter-returns-self", "class I:\n    def __iter__(self):\n        return self\nfor v in I():\n    pass\n",
      (RUNTIME,), ["must give an iterator"]),
    E("iter-recursion", "class I:\n    def __iter__(self):\n        return iter(self)\nxs = list(I())\n", (LIMIT,)),
    E("iter-endless-generator", "class I:\n    def __iter__(self):\n        while True:\n            yield 1\n"
      "xs = list(I())\n", (LIMIT,)),
    E("dataset-without-getitem",
      "class D(torch.utils.data.Dataset):\n    def __len__(self):\n        return 2\n"
      "l = torch.utils.data.DataLoader(D())\n", (RUNTIME,), ["needs a dataset with __getitem__"]),
    E("legacy-tensor-uninitialised-probe", "t = torch.FloatTensor(4096)\nassert (t != 0).any()\n", (PROBE,)),
    # --- unicode normalisation (NFKC) and names built from strings -----------------------------------------
    E("nfkc-fullwidth-eval", "ｅｖａｌ('1')\n"),
    E("nfkc-mixed-dunder-attribute", "x = torch.ones(2)\nc = x.__ｃlass__\n"),
    E("nfkc-fullwidth-underscore-import", "os = _＿ｉｍｐｏｒｔ＿＿('os')\n"),
    E("nfkc-math-italic-getattr", "x = torch.ones(2)\ng = 𝘨𝘦𝘵𝘢𝘵𝘵𝘳(x, 'grad_fn')\n"),
    E("nfkc-fullwidth-torch-save", "x = torch.ones(2)\ntorch.ｓａｖｅ(x, 'SENTINEL')\n", writes=True),
    E("nfkc-keyword-string-not-normalised", "y = torch.ones(2).sum(**{'＿＿class＿＿': 1})\n"),
    E("dunder-keyword-via-double-star", "y = torch.ones(2).sum(**{'__class__': 1})\n"),
    E("escaped-dunder-keyword", "n = '\\x5f\\x5fclass\\x5f\\x5f'\ny = torch.ones(2).sum(**{n: 1})\n"),
    E("invisible-character-identifier", "x = torch.ones(2)\ng = x.gr\u200bad_fn\n", (SYNTAX,)),
    E("null-byte-truncation", "x = 1\n\x00import os\n", (SYNTAX,)),
    # --- lambdas: closures and defaults reach only what the program could reach anyway ---------------------
    E("lambda-code", "c = (lambda: 0).__code__.co_code\n"),
    E("lambda-globals", "b = (lambda: 0).__globals__['__builtins__']\n"),
    E("lambda-closure-cell", "def f():\n    x = 1\n    return lambda: x\nc = f().__closure__[0].cell_contents\n"),
    E("lambda-default-real-object", "f = lambda b=print: b.impl\ng = f()\n"),
    E("lambda-scope-attribute", "f = lambda: 0\ns = f.scope\n"),
    E("lambda-into-torch", "x = torch.ones(2)\ny = torch.add(x, lambda: 0)\n"),
    E("lambda-as-tensor-hook-reads-dunder", PRE + "h = x.register_hook(lambda g: g.__class__)\ny.backward()\n"),
    E("lambda-as-optimizer-closure", OPT + "opt.step(lambda: w.sum())\n"),
    E("lambda-key-reads-dunder", "s = sorted([1, 2], key=lambda v: v.__class__)\n"),
    E("lambda-attribute-set", "f = lambda: 0\nf.node = 1\n"),
    E("lambda-format-field", "f = lambda: 0\ns = '{0.node}'.format(f)\n"),
    E("lambda-repr-probe", "s = f'{(lambda: 0)!r}'\nassert '0x' in s or 'explorer' in s or 'Lambda' in s\n", (PROBE,)),
    E("lambda-star-kwargs", "f = lambda **kw: kw\n"),
    # --- generators: the program holds a generator, never a frame ------------------------------------------
    E("generator-gi-code", "def g():\n    yield 1\nc = g().gi_code.co_consts\n"),
    E("generator-gi-frame-locals", "def g():\n    yield 1\nit = g()\nnext(it)\nl = it.gi_frame.f_locals\n"),
    E("generator-throw", "def g():\n    yield 1\nit = g()\nit.throw(ValueError)\n"),
    E("generator-yieldfrom-attr", "def g():\n    yield from [1]\nv = g().gi_yieldfrom\n"),
    E("generator-into-torch", "def g():\n    yield 1.0\nx = torch.tensor(g())\n"),
    E("generator-self-advance", "def g():\n    yield next(it)\nit = g()\nv = next(it)\n", (RUNTIME,),
      ["already executing"]),
    E("generator-send-value", "def g():\n    x = yield 1\n    print(x)\n"),
    E("generator-leaves-no-grad-probe",
      "def g():\n    with torch.no_grad():\n        yield 1\nit = g()\nnext(it)\n"
      "z = torch.ones(1, requires_grad=True) * 2\nassert not z.requires_grad\n", (PROBE,), state=True),
    E("decorated-generator-leaves-no-grad-probe",
      "@torch.no_grad()\ndef g():\n    yield 1\nit = g()\nnext(it)\n"
      "z = torch.ones(1, requires_grad=True) * 2\nassert not z.requires_grad\n", (PROBE,), state=True),
    E("decorated-function-leaves-no-grad-probe",
      "@torch.no_grad()\ndef f():\n    return 1\nl = list(map(lambda v: f(), [1, 2]))\n"
      "z = torch.ones(1, requires_grad=True) * 2\nassert not z.requires_grad\n", (PROBE,), state=True),
    # --- decorators: only torch's grad modes, only on the program's own functions --------------------------
    E("no-grad-decorating-a-builtin", "g = torch.no_grad()(torch.sigmoid)\n"),
    E("decorator-dunder-expression", "@torch.no_grad().__class__\ndef f():\n    pass\n"),
    E("decorator-lambda", "@(lambda f: f)\ndef g():\n    pass\n"),
    E("decorator-rebound-name", "no_grad = print\n@no_grad\ndef f():\n    pass\n"),
    E("decorator-jit-alias", "from torch import jit\n@jit.script\ndef f(x):\n    return x\n"),
    E("decorator-staticmethod-outside-class", "@staticmethod\ndef f():\n    pass\n"),
    # --- global / nonlocal ---------------------------------------------------------------------------------
    E("global-builtins", "def f():\n    global __builtins__\n    __builtins__ = None\n"),
    E("nonlocal-interpreter-name", "def f():\n    nonlocal builtins\n", (SYNTAX,)),
    E("global-reads-no-namespace-member", "def f():\n    global sigmoid\n    return sigmoid(1)\nf()\n",
      (RUNTIME,), ["not defined"]),
    # --- sets, isinstance, map, filter, iter ---------------------------------------------------------------
    E("isinstance-type-as-tuple-member", "y = isinstance(1, (int, print))\n"),
    E("map-getattr", "l = list(map(getattr, [torch], ['load']))\n"),
    E("map-open-file", "l = list(map(open, ['SENTINEL'], ['w']))\n", writes=True),
    E("iter-callable-sentinel", "it = iter(print, None)\n", (RUNTIME,), ["iter(callable, sentinel)"]),
    E("set-of-functions-into-torch", "s = {torch.sigmoid}\nx = torch.tensor(list(s))\n"),
    E("filter-over-module", "l = list(filter(None, torch))\n", (RUNTIME,), ["can't be iterated"]),
    E("set-update-huge-range", "s = set()\ns.update(range(10**12))\n", (LIMIT,)),
    # --- numpy: numbers only, nothing of its internals -----------------------------------------------------
    E("np-ctypeslib", "import numpy as np\np = np.ctypeslib.as_ctypes(np.ones(2))\n"),
    E("np-load-pickle", "import numpy as np\na = np.load('SENTINEL', allow_pickle=True)\n"),
    E("np-save", "import numpy as np\nnp.save('SENTINEL', np.ones(2))\n", writes=True),
    E("np-savetxt", "import numpy as np\nnp.savetxt('SENTINEL', np.ones(2))\n", writes=True),
    E("np-memmap-write", "import numpy as np\nm = np.memmap('SENTINEL', mode='w+', shape=(4,))\n", writes=True),
    E("np-lib-format-open-memmap",
      "import numpy as np\nf = np.lib.format.open_memmap('SENTINEL', mode='w+', shape=(2,))\n", writes=True),
    E("np-ndarray-ctypes-data", "import numpy as np\na = np.ones(2)\np = a.ctypes.data\n"),
    E("np-ndarray-data-buffer", "import numpy as np\na = np.ones(2)\nb = a.data\n"),
    E("np-ndarray-base", "import numpy as np\nx = torch.ones(2)\nb = x.numpy().base\n"),
    E("np-array-interface", "import numpy as np\ni = np.ones(2).__array_interface__\n"),
    E("np-object-array-of-callables", "import numpy as np\na = np.array([print, open], dtype=object)\n"),
    E("np-object-array-from-functions", "import numpy as np\na = np.asarray([torch.sigmoid])\n"),
    E("np-object-dtype-string", "import numpy as np\na = np.zeros(2, dtype='O')\n"),
    E("np-structured-dtype", "import numpy as np\na = np.zeros(2, dtype=[('f', 'O')])\n"),
    E("np-frompyfunc", "import numpy as np\nf = np.frompyfunc(print, 1, 1)\n"),
    E("np-vectorize-callback", "import numpy as np\nf = np.vectorize(lambda v: v)\n"),
    E("np-frombuffer", "import numpy as np\na = np.frombuffer(bytearray(8))\n"),
    E("np-view-reinterpret", "import numpy as np\na = np.ones(2).view(np.int64)\n"),
    E("np-as-strided", "import numpy as np\nb = np.lib.stride_tricks.as_strided(np.ones(1), (10**6,), (0,))\n"),
    E("np-random-bit-generator", "import numpy as np\ng = np.random.bit_generator\n"),
    E("np-random-set-state", "import numpy as np\nnp.random.set_state(('MT19937', [0] * 624, 0))\n", state=True),
    E("np-random-seed-restored-probe", "import numpy as np\nnp.random.seed(123)\nassert False\n", (PROBE,),
      state=True),
    E("np-set-printoptions", "import numpy as np\nnp.set_printoptions(threshold=10**9)\n", state=True),
    E("np-seterr", "import numpy as np\nnp.seterr(all='raise')\n", state=True),
    E("np-ufunc-out-a-tensor", "import numpy as np\nx = torch.ones(2)\nnp.add(x, x, out=x)\n"),
    E("np-reduction-out", "import numpy as np\na = np.ones((2, 2))\nb = np.sum(a, axis=0, out=a[0])\n"),
    E("np-huge-zeros", "import numpy as np\na = np.zeros(10**10)\n", (LIMIT,)),
    E("np-array-data-swap-probe",
      "import numpy as np\nt = torch.zeros(1000)\na = np.asarray(t)\nb = t.numpy()\nt.data = torch.ones(1000)\n"
      "junk = [torch.full((1000,), 7.0) for i in range(50)]\nassert a.sum() != 0 or b.sum() != 0\n",
      (PROBE,), where="both"),
    E("tensor-out-resize-under-array",
      "x = torch.zeros(4)\na = x.numpy()\ny = torch.add(torch.ones(100000), 1.0, out=x)\nprint(a)\n",
      where="both"),
    E("import-numpy-private", "from numpy import _core\n"),
    # --- Python's random: the run's own generator, put back afterwards -------------------------------------
    E("random-getstate", "import random\ns = random.getstate()\n"),
    E("random-setstate", "import random\nrandom.setstate((3, (0,) * 625, None))\n", state=True),
    E("random-seed-from-os", "import random\nrandom.seed()\n", (RUNTIME,), ["whole number"]),
    E("random-seed-restored-probe", "import random\nrandom.seed(99)\nassert False\n", (PROBE,), state=True),
    E("random-system-random", "import random\nr = random.SystemRandom()\n"),
    E("random-private-instance", "import random\nr = random._inst\n"),
    E("random-module-os", "import random\nrandom._os.system('touch SENTINEL')\n", writes=True),
    E("random-sample-huge", "import random\ns = random.sample(range(10**12), 10**7)\n", (LIMIT,)),
    E("random-shuffle-a-tensor", "import random\nx = torch.ones(3)\nrandom.shuffle(x)\n", (RUNTIME,),
      ["in place"]),
    E("import-numpy-lib", "import numpy.lib as L\n"),
    E("import-numpy-ctypeslib", "from numpy.ctypeslib import as_array\n"),
    E("import-numpy-testing", "import numpy.testing\n"),
    # --- matplotlib: plots are skipped, nothing is drawn or written ----------------------------------------
    E("plt-savefig-writes-nothing",
      "import matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.savefig('SENTINEL')\nassert False\n",
      (PROBE,), writes=True),
    E("plt-reaches-no-real-module",
      "import matplotlib.pyplot as plt\nr = plt.os.system('touch SENTINEL')\nassert r == 0\n", (PROBE,), writes=True),
    E("plt-dict", "import matplotlib.pyplot as plt\nd = plt.__dict__\n"),
    E("plt-into-tensor-method", "import matplotlib.pyplot as plt\nx = torch.ones(2)\ny = x.add(plt.figure())\n"),
    E("plt-format-field", "import matplotlib.pyplot as plt\ns = '{0.figure}'.format(plt)\n"),
    E("mpl-toolkits-dunder", "from mpl_toolkits.mplot3d import Axes3D\ni = Axes3D.__init__\n"),
    # --- typing, collections, type(), out=, devices, generators, schedulers, print options -------------------
    E("typing-hint-dunder", "from typing import List\no = List.__origin__\n"),
    E("typing-subscript-walk", "from typing import Tuple\nT = Tuple[int]\nm = T.mro\n"),
    E("typevar-bound-walk", "from typing import TypeVar\nT = TypeVar('T', bound=print)\nb = T.bound\n"),
    E("typing-get-type-hints", "import typing\nh = typing.get_type_hints\n"),
    E("typing-cast-no-escape", "from typing import cast\nx = cast(int, print)\ny = torch.ones(2).add(x)\n"),
    E("collections-abc", "import collections.abc\n"),
    E("collections-namedtuple", "from collections import namedtuple\nP = namedtuple('P', 'x y')\n"),
    E("collections-deque", "import collections\nd = collections.deque([1])\n"),
    E("defaultdict-factory-read",
      "from collections import defaultdict\nd = defaultdict(list)\nf = d.default_factory\n"),
    E("defaultdict-missing-dunder", "from collections import defaultdict\nd = defaultdict(list)\nm = d.__missing__\n"),
    E("defaultdict-factory-recursion",
      "from collections import defaultdict\nd = defaultdict(lambda: d[len(d)])\nx = d[0]\n", (LIMIT,)),
    E("defaultdict-factory-not-callable", "from collections import defaultdict\nd = defaultdict(torch)\n",
      (RUNTIME,), ("callable",)),
    E("ordereddict-move-to-end", "from collections import OrderedDict\nd = OrderedDict(a=1)\nd.move_to_end('a')\n"),
    E("counter-elements", "from collections import Counter\nc = Counter('aab')\ne = c.elements()\n"),
    E("counter-huge", "from collections import Counter\nc = Counter(range(10**9))\n", (LIMIT,)),
    E("type-makes-nothing", "t = type(1)\nx = t('5')\n"),
    E("type-of-tensor-constructs-nothing", "t = type(torch.ones(1))\nx = t(10**12)\n"),
    E("type-of-function-globals", "def f():\n    pass\nt = type(f)\ng = t.__globals__\n"),
    E("type-of-namespace-mro", "t = type(torch)\nm = t.mro\n"),
    E("type-of-optimizer-attr", "w = torch.ones(1, requires_grad=True)\no = torch.optim.SGD([w], lr=0.1)\n"
      "t = type(o)\ns = t.step\n"),
    E("name-dunder-walk", "c = __name__.__class__\n"),
    E("name-dunder-store", "__name__ = 'x'\n"),
    E("version-on-other-module", "v = nn.__version__\n"),
    E("version-store", "torch.__version__ = '1'\n"),
    E("version-on-tensor", "v = torch.ones(1).__version__\n"),
    E("out-resize-under-numpy", "x = torch.ones(4)\nn = x.numpy()\ntorch.cat([x, x], out=x)\nprint(n)\n"),
    E("out-into-leaf-requiring-grad", "w = torch.ones(2, requires_grad=True)\ntorch.add(w, 1, out=w)\n",
      (RUNTIME,), ("automatic differentiation",)),
    E("out-not-a-tensor", "x = torch.ones(2)\ntorch.add(x, 1, out=print)\n", (RUNTIME,), ("must be Tensor",)),
    E("out-tuple-of-results", "x = torch.ones(2)\ntorch.max(x, 0, out=(x, x))\n", (RUNTIME,), ("must be Tensor",)),
    E("out-huge-factory", "y = torch.zeros(1)\ntorch.ones(10**6, 10**6, out=y)\n", (LIMIT,)),
    E("out-narrowing-cast", "x = torch.ones(2)\ny = torch.zeros(2, dtype=torch.long)\ntorch.add(x, 0.5, out=y)\n",
      (RUNTIME,), ("can't be cast",)),
    E("device-named-then-used", "d = torch.device('cuda')\nx = torch.ones(2).to(d)\n"),
    E("device-named-meta-factory", "d = torch.device('meta')\nx = torch.zeros(10**12, device=d)\n"),
    E("device-meta-module", "d = torch.device('meta')\nm = nn.Linear(2, 2).to(d)\n"),
    E("device-meta-layer-kwarg", "d = torch.device('meta')\nm = nn.Linear(10**6, 10**6, device=d)\n", (NA, LIMIT)),
    E("device-unknown-name", "d = torch.device('cuda' * 1000)\n", (RUNTIME, LIMIT), ("torch.device",)),
    E("generator-get-state", "g = torch.Generator()\ns = g.get_state()\n"),
    E("generator-set-state", "g = torch.Generator()\ng.set_state(torch.zeros(5, dtype=torch.uint8))\n"),
    E("generator-graphsafe", "g = torch.Generator()\ns = g.graphsafe_get_state()\n"),
    E("generator-on-meta", "g = torch.Generator(device='meta')\n"),
    E("generator-dunder", "g = torch.Generator()\nc = g.__class__\n"),
    E("generator-type-walk", "class A:\n    def kind(self):\n        return type(self)\nk = A().kind().__dict__\n"),
    E("isinstance-type-of-then-call", "t = type(1)\ny = isinstance(1, t)\nz = t.__call__\n"),
    E("printoptions-restored", "torch.set_printoptions(precision=12, sci_mode=True)\nassert False\n", (PROBE,),
      state=True),
    E("printoptions-full-profile-huge-print",
      "torch.set_printoptions(profile='full', linewidth=10**15)\nx = torch.zeros(200000)\nprint(x)\n"
      "assert len(str(x)) > 1000000\n", (PROBE, LIMIT), state=True),
    E("printoptions-not-a-number", "torch.set_printoptions(precision=print)\n", (RUNTIME,), ("must be a number",)),
    E("scheduler-optimizer-read", "w = torch.ones(1, requires_grad=True)\no = torch.optim.SGD([w], lr=0.1)\n"
      "s = torch.optim.lr_scheduler.StepLR(o, step_size=1)\np = s.optimizer\n"),
    E("scheduler-state-dict", "w = torch.ones(1, requires_grad=True)\no = torch.optim.SGD([w], lr=0.1)\n"
      "s = torch.optim.lr_scheduler.StepLR(o, step_size=1)\nd = s.state_dict()\n"),
    E("scheduler-lambda-read", "w = torch.ones(1, requires_grad=True)\no = torch.optim.SGD([w], lr=0.1)\n"
      "s = torch.optim.lr_scheduler.LambdaLR(o, lambda e: 1.0)\nf = s.lr_lambdas\n"),
    E("scheduler-lambda-loops-forever", "def f(e):\n    while True:\n        e = e + 1\n"
      "w = torch.ones(1, requires_grad=True)\no = torch.optim.SGD([w], lr=0.1)\n"
      "s = torch.optim.lr_scheduler.LambdaLR(o, f)\n", (LIMIT,)),
    E("scheduler-lambda-recursion", "def f(e):\n    return f(e)\n"
      "w = torch.ones(1, requires_grad=True)\no = torch.optim.SGD([w], lr=0.1)\n"
      "s = torch.optim.lr_scheduler.LambdaLR(o, f)\n", (LIMIT,)),
    E("scheduler-not-an-optimizer", "s = torch.optim.lr_scheduler.StepLR(print, step_size=1)\n",
      (RUNTIME,), ("optimizer",)),
    E("variable-of-a-function", "v = torch.autograd.Variable(print)\n"),
    E("subset-internals", "ds = torch.utils.data.TensorDataset(torch.ones(4))\n"
      "a, b = torch.utils.data.random_split(ds, [2, 2])\nd = a.__dict__\n"),
    E("subset-dataset-wrapper", "class D(torch.utils.data.Dataset):\n    def __len__(self):\n        return 4\n"
      "    def __getitem__(self, i):\n        return torch.ones(1)\n"
      "a, b = torch.utils.data.random_split(D(), [2, 2])\ni = a.dataset.interp\n", (RUNTIME,), ("no attribute",)),
    E("random-split-huge-lengths", "ds = torch.utils.data.TensorDataset(torch.ones(4))\n"
      "p = torch.utils.data.random_split(ds, list(range(1000)))\n", (RUNTIME,), ("list of lengths",)),
    E("random-split-odd-generator", "ds = torch.utils.data.TensorDataset(torch.ones(4))\n"
      "p = torch.utils.data.random_split(ds, [2, 2], generator=print)\n", (RUNTIME,), ("torch.Generator",)),
    E("inference-mode-not-bool", "with torch.inference_mode(print):\n    x = 1\n", (RUNTIME,), ("True or False",)),
    # --- try / except / raise: only the program's own runtime errors can be caught ------------------------
    E("except-traceback", "try:\n    1 / 0\nexcept ZeroDivisionError as e:\n    t = e.__traceback__\n"),
    E("except-with-traceback", "try:\n    1 / 0\nexcept Exception as e:\n    t = e.with_traceback\n"),
    E("except-args-walk", "try:\n    1 / 0\nexcept Exception as e:\n    c = e.args[0].__class__\n"),
    E("except-catches-size-limit", "try:\n    x = torch.zeros(10**6, 10**6)\nexcept:\n    x = 1\n", (LIMIT,)),
    E("except-catches-refusal", "try:\n    x = torch.load('weights.pt')\nexcept Exception:\n    x = 1\n"),
    E("except-around-endless-loop", "while True:\n    try:\n        while True:\n            pass\n    except:\n"
      "        pass\n", (LIMIT,)),
    E("finally-continue-past-limit", "while True:\n    try:\n        while True:\n            pass\n    finally:\n"
      "        continue\n", (LIMIT,)),
    E("finally-return-swallows-limit", "def f():\n    try:\n        while True:\n            pass\n    finally:\n"
      "        return 1\nwhile True:\n    f()\n", (LIMIT,)),
    E("recursion-through-except", "def f():\n    try:\n        f()\n    except:\n        f()\nf()\n", (LIMIT,)),
    E("raise-non-exception", "raise print\n", (RUNTIME,), ("derive from BaseException",)),
    E("raise-huge-message", "raise ValueError('x' * 10**8)\n", (LIMIT,)),
    E("except-names-non-exception", "try:\n    1 / 0\nexcept print:\n    pass\n"),
    E("exception-class-attribute", "c = ValueError.mro\n"),
    E("exception-name-then-dunder", "n = ValueError.__name__.__class__\n"),
    E("exception-of-a-function", "e = ValueError(print)\n"),
    E("name-of-namespace", "n = torch.__name__\n"),
    E("name-of-tensor", "n = torch.ones(1).__name__\n"),
    E("name-store", "def f():\n    pass\nf.__name__ = 'g'\n"),
    E("yield-inside-try", "def g():\n    try:\n        yield 1\n    finally:\n        pass\nfor v in g():\n    pass\n"),
    E("multinomial-huge", "p = torch.ones(3)\nx = torch.multinomial(p, 10**9, replacement=True)\n", (LIMIT,)),
    E("multinomial-method-huge-rows", "p = torch.ones(1000, 3)\nx = p.multinomial(10**6, replacement=True)\n",
      (LIMIT,)),
    # --- torch.autograd.functional and gradcheck: the program's function, called back from torch ----------------
    E("jacobian-bomb", "x = torch.ones(3000)\nJ = torch.autograd.functional.jacobian(lambda v: v * 2, x)\n", (LIMIT,)),
    E("jacobian-row-bomb",
      "x = torch.ones(1)\nJ = torch.autograd.functional.jacobian(lambda v: v.expand(6000), x)\n", (LIMIT,)),
    E("jacobian-tuple-output-bomb",
      "from torch.autograd.functional import jacobian\nx = torch.ones(100)\n"
      "J = jacobian(lambda v: (v.repeat(200), v.repeat(200)), x)\n", (LIMIT,)),
    E("hessian-bomb", "from torch.autograd.functional import hessian\nx = torch.ones(2500)\n"
      "H = hessian(lambda v: v.pow(2).sum(), x)\n", (LIMIT,)),
    E("jacobian-loops-forever",
      "def f(x):\n    while True:\n        x = x + 1\n    return x\n"
      "J = torch.autograd.functional.jacobian(f, torch.ones(2))\n", (LIMIT,)),
    E("jacobian-recurses", "def f(x):\n    return f(x)\nJ = torch.autograd.functional.jacobian(f, torch.ones(2))\n",
      (LIMIT,)),
    E("hessian-nested-in-itself",
      "from torch.autograd.functional import hessian\n"
      "def f(x):\n    return hessian(f, x).sum()\nH = hessian(f, torch.ones(2))\n", (LIMIT,)),
    E("vjp-returns-a-function", "out = torch.autograd.functional.vjp(lambda v: print, torch.ones(2))\n", (RUNTIME,),
      ["must return a tensor"]),
    E("jacobian-of-a-namespace", "J = torch.autograd.functional.jacobian(torch, torch.ones(2))\n", (RUNTIME,),
      ["needs a function"]),
    E("jacobian-vectorize-vmap", "J = torch.autograd.functional.jacobian(torch.sin, torch.ones(2), vectorize=True)\n"),
    E("jacobian-forward-mode",
      "J = torch.autograd.functional.jacobian(torch.sin, torch.ones(2), strategy='forward-mode')\n"),
    E("gradcheck-big-input",
      "x = torch.ones(5000, dtype=torch.double, requires_grad=True)\nok = torch.autograd.gradcheck(torch.sin, (x,))\n",
      (LIMIT,)),
    E("gradcheck-big-output",
      "x = torch.ones(2, dtype=torch.double, requires_grad=True)\n"
      "ok = torch.autograd.gradcheck(lambda v: v.repeat(3000), (x,))\n", (LIMIT,)),
    E("gradcheck-batched-vmap",
      "x = torch.ones(2, dtype=torch.double, requires_grad=True)\n"
      "ok = torch.autograd.gradcheck(torch.sin, (x,), check_batched_grad=True)\n"),
    E("gradgradcheck-forward-over-reverse",
      "x = torch.ones(2, dtype=torch.double, requires_grad=True)\n"
      "ok = torch.autograd.gradgradcheck(torch.sin, (x,), check_fwd_over_rev=True)\n"),
    E("gradcheck-option-is-a-function",
      "x = torch.ones(2, dtype=torch.double, requires_grad=True)\nok = torch.autograd.gradcheck(torch.sin, (x,), "
      "eps=print)\n", (RUNTIME,), ["must be a number"]),
    # --- grad_fn's saved values: read-only, never the node or its hooks -------------------------------------------
    E("saved-raw-variable", PRE.replace("(x * 2)", "(x * x)") + "r = y.grad_fn.next_functions[0][0]._raw_saved_self\n"),
    E("saved-raw-register-hooks",
      "x = torch.ones(3, requires_grad=True)\ny = x.pow(2)\ny.grad_fn._raw_saved_self.register_hooks(print, print)\n"),
    E("saved-tensor-then-node",
      "x = torch.ones(3, requires_grad=True)\ny = x.exp()\nn = y.grad_fn._saved_result.grad_fn._fn\n"),
    E("next-functions-register-hook", PRE + "y.grad_fn.next_functions[0][0].register_hook(print)\n"),
    E("next-functions-register-prehook", PRE + "y.grad_fn.register_prehook(print)\n"),
    E("grad-fn-metadata-dict", PRE + "m = y.grad_fn.metadata\nm['x'] = print\n"),
    E("grad-fn-hook-dicts", PRE + "d = y.grad_fn._forward_hooks\n"),
    E("saved-on-a-layer", "l = nn.Linear(2, 2)\nw = l._saved_weight\n"),
    E("saved-on-a-tensor", "x = torch.ones(2, requires_grad=True)\ns = x._saved_self\n"),
    E("saved-unknown-name-probe",
      "x = torch.ones(3, requires_grad=True)\ny = x.pow(2)\nv = y.grad_fn._saved_nothing_here\nassert False\n",
      (RUNTIME,), ["has no attribute"]),
    # --- the program's own _private attributes: never nn.Module's ---------------------------------------------
    E("own-module-set-modules",
      "class N(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self._modules = {}\n"
      "n = N()\n"),
    E("own-module-read-parameters",
      "class N(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(2, 2)\n"
      "n = N()\np = n._parameters\n"),
    E("own-module-forward-hooks",
      "class N(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
      "        self._forward_hooks[0] = print\nn = N()\n"),
    E("own-module-call-impl",
      "class N(nn.Module):\n    def forward(self, x):\n        return x\nn = N()\nc = n._call_impl\n"),
    E("own-module-explorer-attrs",
      "class N(nn.Module):\n    def forward(self, x):\n        return x\nn = N()\na = n._explorer_attrs\n"),
    E("own-module-super-apply",
      "class N(nn.Module):\n    def __init__(self):\n        super().__init__()\n        super()._apply(print)\n"
      "n = N()\n"),
    E("own-module-set-private-layer-internals",
      "class N(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
      "        self._buffers = nn.Linear(2, 2)\nn = N()\n"),
    E("private-on-torch-objects",
      "opt = torch.optim.SGD([torch.ones(2, requires_grad=True)], lr=0.1)\ns = opt._zero_grad_profile_name\n"),
    # --- os: only os.environ.get and os.path.join ------------------------------------------------------------
    E("os-system", "import os\nos.system('touch SENTINEL')\n", writes=True),
    E("os-popen", "import os\nr = os.popen('ls').read()\n"),
    E("os-environ-write", "import os\nos.environ['PATH'] = ''\n", state=True),
    E("os-environ-setdefault", "import os\nos.environ.setdefault('PYTHONPATH', '/tmp')\n", state=True),
    E("os-putenv", "import os\nos.putenv('PYTHONPATH', '/tmp')\n", state=True),
    E("os-private-exit", "import os\nos._exit(0)\n"),
    E("os-path-exists", "import os.path as p\ne = p.exists('/etc/passwd')\n"),
    E("os-listdir", "from os import listdir\nfiles = listdir('/')\n"),
    E("os-environ-reads-nothing",
      "import os\nh = os.environ.get('HOME')\nassert h is not None\n", (PROBE,)),
    E("os-path-join-huge", "import os\np = os.path.join('a' * 3000, 'b' * 3000)\n", (LIMIT,)),
    # --- DataLoader's collate_fn: the program's function, its result plain data -----------------------------
    E("collate-returns-a-function",
      "d = torch.utils.data.TensorDataset(torch.ones(8, 2))\n"
      "l = torch.utils.data.DataLoader(d, batch_size=2, collate_fn=lambda items: print)\nb = next(iter(l))\n"),
    E("collate-returns-the-loader",
      "d = torch.utils.data.TensorDataset(torch.ones(8, 2))\n"
      "def c(items):\n    return l\nl = torch.utils.data.DataLoader(d, batch_size=2, collate_fn=c)\n"
      "b = next(iter(l))\n"),
    E("collate-is-a-class",
      "class C:\n    pass\nd = torch.utils.data.TensorDataset(torch.ones(8, 2))\n"
      "l = torch.utils.data.DataLoader(d, collate_fn=C)\n"),
    E("collate-loops-forever",
      "def c(items):\n    while True:\n        pass\nd = torch.utils.data.TensorDataset(torch.ones(8, 2))\n"
      "l = torch.utils.data.DataLoader(d, collate_fn=c)\nfor b in l:\n    pass\n", (LIMIT,)),
    E("collate-returns-a-generator",
      "def c(items):\n    yield items\nd = torch.utils.data.TensorDataset(torch.ones(8, 2))\n"
      "l = torch.utils.data.DataLoader(d, collate_fn=c)\nb = next(iter(l))\n"),
    # --- torch.set_grad_enabled: True or False only; the mode never outlives the run ------------------------------
    E("set-grad-enabled-int", "torch.set_grad_enabled(1)\n", (RUNTIME,), ["True or False"]),
    E("set-grad-enabled-tensor", "torch.set_grad_enabled(torch.tensor(False))\n", (RUNTIME,), ["True or False"]),
    E("set-grad-enabled-outlives-the-run",
      "_ = torch.set_grad_enabled(False)\nassert torch.is_grad_enabled()\n", (PROBE,), state=True),
    E("set-grad-enabled-as-a-decorator-of-print", "f = torch.set_grad_enabled(False)(print)\n", state=True),
    E("variable-of-a-module", "v = torch.autograd.Variable(torch)\n"),
    E("variable-requires-grad-a-function", "v = torch.autograd.Variable(torch.ones(2), requires_grad=print)\n"),
    # --- torch.autograd.Function classes: the real class and torch's ctx stay out of reach ------------------
    E("fn-ctx-dict", FN_FORWARD.format("d = ctx.__dict__")),
    E("fn-ctx-private-real", FN_FORWARD.format("d = ctx._ctx")),
    E("fn-ctx-forward-cls", FN_FORWARD.format("c = ctx._forward_cls")),
    E("fn-ctx-set-private", FN_FORWARD.format("ctx._explorer_inputs = ()")),
    E("fn-ctx-set-member", FN_FORWARD.format("ctx.needs_input_grad = (True,)")),
    E("fn-ctx-saved-variables", FN_BACKWARD.format("v = ctx.saved_variables")),
    E("fn-ctx-next-functions", FN_BACKWARD.format("n = ctx.next_functions")),
    E("fn-ctx-register-hook", FN_BACKWARD.format("ctx.register_hook(print)")),
    E("fn-ctx-into-torch", FN_FORWARD.format("x = torch.add(x, ctx)")),
    E("fn-ctx-returned", FN_FORWARD.format("return ctx"), (RUNTIME,), ["forward returned a FunctionCtx"]),
    E("fn-ctx-kept-after-backward",
      "kept = []\n" + FN_BACKWARD.format("kept.append(ctx)") + "t = kept[0].saved_tensors\n", (RUNTIME,),
      ["backward through the graph"]),
    E("fn-type-of-ctx-makes-nothing", FN_FORWARD.format("c = type(ctx)(ctx)")),
    E("fn-type-of-ctx-probe", FN_FORWARD.format("assert 'explorer' in str(type(ctx))"), (PROBE,)),
    E("fn-apply-self", FN_DOUBLE + "s = Double.apply.__self__\n"),
    E("fn-apply-impl", FN_DOUBLE + "s = Double.apply.impl\n"),
    E("fn-backward-cls", FN_DOUBLE + "b = Double._backward_cls\n", (NA, RUNTIME), ["has no attribute"]),
    E("fn-torch-members-of-the-class", FN_DOUBLE + "b = Double.vjp\n", (RUNTIME,), ["has no attribute"]),
    E("fn-base-apply-call", "from torch.autograd import Function\ny = Function.apply(torch.ones(2))\n"),
    E("fn-base-apply-patch", "torch.autograd.Function.apply = print\n", state=True),
    E("fn-base-subclasses", "s = torch.autograd.Function.__subclasses__()\n"),
    E("fn-patch-apply", FN_DOUBLE + "Double.apply = lambda x: x\n"),
    E("fn-patch-forward", FN_DOUBLE + "Double.forward = print\n"),
    E("fn-instance", FN_DOUBLE + "d = Double()\n", (RUNTIME,), ["it is applied"]),
    E("fn-apply-a-function", FN_DOUBLE + "y = Double.apply(torch.ones(2), print)\n"),
    E("fn-next-functions-tamper",
      FN_DOUBLE + "y = Double.apply(torch.ones(2, requires_grad=True))\ny.grad_fn.next_functions[0] = None\n"),
    E("fn-node-saved-tensors",
      FN_DOUBLE + "y = Double.apply(torch.ones(2, requires_grad=True))\ns = y.grad_fn.saved_tensors\n"),
    E("fn-node-register-hook",
      FN_DOUBLE + "y = Double.apply(torch.ones(2, requires_grad=True))\ny.grad_fn.register_hook(print)\n"),
    E("fn-backward-recurses-forever",
      FN_BACKWARD.format("with torch.enable_grad():\n            t = g.detach().requires_grad_()\n"
                         "            Twice.apply(t).sum().backward()"), (LIMIT,), where="both"),
    E("fn-backward-grad-recurses-forever",
      FN_BACKWARD.format("with torch.enable_grad():\n            t = g.detach().requires_grad_()\n"
                         "            d, = torch.autograd.grad(Twice.apply(t).sum(), t)"), (LIMIT,)),
    E("fn-forward-recurses-forever", FN_FORWARD.format("x = Twice.apply(x)"), (LIMIT,)),
    E("fn-backward-loops-forever", FN_BACKWARD.format("while True:\n            pass"), (LIMIT,)),
    E("fn-gradcheck-huge",
      FN_DOUBLE + "x = torch.ones(100, 100, dtype=torch.double, requires_grad=True)\n"
      "ok = torch.autograd.gradcheck(Double.apply, x)\n", (LIMIT,)),
    E("fn-gradcheck-options", FN_DOUBLE + "x = torch.ones(2, dtype=torch.double, requires_grad=True)\n"
      "ok = torch.autograd.gradcheck(Double.apply, x, check_batched_grad=True)\n"),
    # --- hooks: what they return is checked, and they can't multiply ------------------------------------------
    E("hook-returns-huge", PRE + "x.register_hook(lambda g: torch.ones(100000, 100000))\ny.backward()\n", (LIMIT,)),
    E("hook-returns-bigger", PRE + "x.register_hook(lambda g: torch.ones(10**6))\ny.backward()\n", (RUNTIME,),
      ["gradient hook returned a tensor of shape [1000000]"], where="both"),
    E("hook-returns-a-function", PRE + "x.register_hook(lambda g: print)\ny.backward()\n", (RUNTIME,),
      ["gradient hook returned a function"]),
    E("hook-registers-hooks-endlessly",
      "x = torch.ones(3, requires_grad=True)\ndef h(g):\n    x.register_hook(h)\n    x.register_hook(h)\n"
      "    return g\nx.register_hook(h)\nfor i in range(100):\n    (x * 2).sum().backward()\n", (LIMIT,),
      where="both"),
    E("hook-backward-inside-hook",
      "x = torch.ones(3, requires_grad=True)\ndef h(g):\n    with torch.enable_grad():\n"
      "        (x * 2).sum().backward()\n    return g\nx.register_hook(h)\n(x * 2).sum().backward()\n", (LIMIT,)),
    E("hook-handle-internals", PRE + "h = x.register_hook(lambda g: g)\nd = h.hooks_dict_ref\n"),
    E("hook-handle-dunder", PRE + "h = x.register_hook(lambda g: g)\nd = h.__dict__\n"),
    E("hook-a-real-object", PRE + "h = x.register_hook(torch.autograd.graph)\n", (RUNTIME,), ["needs a function"]),
    E("pack-returns-a-function",
      "x = torch.ones(3, requires_grad=True)\nwith torch.autograd.graph.saved_tensors_hooks(lambda t: print, "
      "lambda p: p):\n    y = x * x\ny.sum().backward()\n", (RUNTIME,), ["unpack hook returned a function"]),
    E("unpack-returns-another-shape",
      "x = torch.ones(3, requires_grad=True)\nwith torch.autograd.graph.saved_tensors_hooks(lambda t: t, "
      "lambda p: torch.ones(10**6)):\n    y = x * x\ny.sum().backward()\n", (RUNTIME,),
      ["unpack hook returned a tensor of shape [1000000]"], where="both"),
    E("saved-tensors-hooks-disable", "with torch.autograd.graph.disable_saved_tensors_hooks('no'):\n    y = 1\n"),
    E("saved-tensors-hooks-in-arithmetic",
      "h = torch.autograd.graph.saved_tensors_hooks(lambda t: t, lambda p: p)\ny = h + 1\n", (RUNTIME,),
      ["arithmetic"]),
]


# --- helpers ---------------------------------------------------------------------------------------------------


def global_state() -> dict:
    """Everything process-wide a program might try to change, as comparable values."""
    import torch.nn.functional as F
    from torch.nn.modules import module as nn_module

    return {
        "dtype": torch.get_default_dtype(),
        "grad": torch.is_grad_enabled(),
        "inference": torch.is_inference_mode_enabled(),
        "threads": torch.get_num_threads(),
        "rng": torch.random.get_rng_state().clone(),
        "device": str(torch.get_default_device()),
        "anomaly": torch.is_anomaly_enabled(),
        "deterministic": torch.are_deterministic_algorithms_enabled(),
        "matmul": torch.get_float32_matmul_precision(),
        "precision": torch._tensor_str.PRINT_OPTS.precision,
        "mkldnn": torch.backends.mkldnn.enabled,
        "patched": (torch.Tensor.add, torch.Tensor.__add__, torch.sigmoid, torch.optim.SGD, F.relu),
        "hooks": (len(nn_module._global_forward_hooks), len(nn_module._global_forward_pre_hooks)),
        "warnings": F.warnings.showwarning,
        "np_rng": repr(np.random.get_state()),
        "py_rng": random.getstate(),
        "np_print": np.get_printoptions(),
        "np_err": np.geterr(),
    }


def assert_same_state(before: dict, after: dict) -> None:
    assert torch.equal(before.pop("rng"), after.pop("rng")), "RNG state changed"
    assert before == after, {k: (before[k], after[k]) for k in before if before[k] != after[k]}


NORMAL = ("x = torch.randn(2)\nprint(x.tolist())\nprint(torch.tensor(1.0).dtype)\n"
          "w = torch.tensor(1.5, requires_grad=True)\ny = w * w\n")


def seeded_randn() -> list:
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        return torch.randn(2).tolist()


def assert_normal_run(sandbox: bool) -> None:
    tr = explorer.trace(NORMAL, sandbox=sandbox)
    lines = tr.stdout.splitlines()
    assert [float(v) for v in lines[0].strip("[]").split(",")] == pytest.approx(seeded_randn(), abs=0)
    assert lines[1] == "torch.float32"
    assert tr.grads["w"] == 3.0


def check_error(case: Escape, err: ProgramError) -> None:
    if err.kind == RUNTIME and PROBE in case.kinds:
        assert err.message.startswith("assertion failed"), f"probe failed differently: {err.message}"
        return
    if err.kind == RUNTIME and RUNTIME in case.kinds:
        assert any(w in err.message for w in case.words), (case.words, err.message)
        assert "internal error" not in err.message and "crashed" not in err.message, err.message
        return
    assert err.kind in case.kinds and err.kind in REFUSED, (err.kind, err.message)


def attempt(case: Escape, tmp_path, sandbox: bool) -> None:
    sentinel = tmp_path / "escaped.txt"
    source = case.source.replace("SENTINEL", str(sentinel))
    before = global_state()
    with pytest.raises(ProgramError) as info:
        explorer.trace(source, sandbox=sandbox)
    assert_same_state(before, global_state())
    assert not sentinel.exists(), "the program wrote a file"
    assert os.listdir(tmp_path) == [], f"the program created {os.listdir(tmp_path)}"
    check_error(case, info.value)
    assert_normal_run(sandbox)


def params(where: set[str]) -> list:
    out = []
    for c in ESCAPES:
        if c.where not in where:
            continue
        marks = [pytest.mark.xfail(strict=True, reason=c.xfail)] if c.xfail else []
        out.append(pytest.param(c, id=c.id, marks=marks))
    return out


# --- tests -----------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pool():
    if not SANDBOX_OK:
        pytest.skip("the sandbox is Linux-only")
    from explorer.sandbox import default_pool

    p = default_pool()
    assert p.wait_ready(timeout=120), "sandbox workers did not start"
    return p


@pytest.fixture
def in_tmp_cwd(tmp_path, monkeypatch):
    """Run in an empty temporary directory: a relative path a program writes to would show up here."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("case", params({"process", "both"}))
def test_escape_in_process(case, in_tmp_cwd):
    attempt(case, in_tmp_cwd, sandbox=False)


@pytest.mark.parametrize("case", params({"both", "sandbox"}))
def test_escape_in_sandbox(case, pool, in_tmp_cwd):
    attempt(case, in_tmp_cwd, sandbox=True)


def test_fresh_sandbox_run_has_default_state_after_state_changing_attempts(pool, tmp_path):
    for case in ESCAPES:
        if case.state and case.where != "process":
            with pytest.raises(ProgramError):
                explorer.trace(case.source.replace("SENTINEL", str(tmp_path / "s")))
    first = explorer.trace(NORMAL)
    second = explorer.trace(NORMAL)
    assert first.stdout == second.stdout
    assert_normal_run(sandbox=True)
    out = explorer.trace("print(torch.tensor(1.0).dtype)\n"
                         "print(torch.ones(1, requires_grad=True).mul(2).requires_grad)\n")
    assert out.stdout == "torch.float32\nTrue\n"


def test_corpus_is_large_and_distinct():
    ids = [c.id for c in ESCAPES]
    assert len(ids) == len(set(ids)), "duplicate ids"
    sources = [c.source for c in ESCAPES]
    assert len(sources) == len(set(sources)), "duplicate sources"
    assert len(ESCAPES) >= 100
    in_sandbox = [c for c in ESCAPES if c.where != "process"]
    assert len(in_sandbox) >= 15
    assert all(c.where != "process" for c in ESCAPES if c.writes or c.state)


# --- guards checked before the work: an object with __index__ standing in for an int ---------------------------

@pytest.mark.parametrize("source", [
    pytest.param("s = 'a' * 30000000\n", id="int-count"),
    pytest.param("s = 'a' * torch.tensor(30000000)\n", id="tensor-count-str"),
    pytest.param("l = [0.0] * torch.tensor(4000000)\n", id="tensor-count-list"),
    pytest.param("t = torch.tensor(30000000) * 'a'\n", id="tensor-count-str-reflected"),
])
def test_sequence_repeat_is_refused_before_it_is_built(source):
    """`seq * n` is a memory bomb: it must be refused from the sizes alone, with nothing built first."""
    import tracemalloc

    tracemalloc.start()
    try:
        with pytest.raises(ProgramError) as info:
            explorer.trace(source, sandbox=False)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert info.value.kind == LIMIT
    assert peak < 16 * 2**20, f"{peak / 2**20:.0f} MB were allocated before the refusal"


# --- the quiz's answer box: text the server reads, never runs ------------------------------------------------

@pytest.mark.parametrize("answer", [
    pytest.param("__import__('os').system('true')", id="import-call"),
    pytest.param("().__class__.__base__.__subclasses__()", id="dunder-walk"),
    pytest.param("open('/etc/passwd').read()", id="open"),
    pytest.param("[1] * 10**9", id="list-bomb"),
    pytest.param("9 ** 9 ** 9", id="power-bomb"),
    pytest.param("[" * 1000 + "]" * 1000, id="deep-json"),
    pytest.param("(" * 1000 + ")" * 1000, id="deep-tuple"),
    pytest.param("9" * 1999, id="huge-int"),
    pytest.param("1" * 5000, id="too-long"),
    pytest.param("lambda: 1", id="lambda"),
    pytest.param("{'a': 1}", id="dict"),
])
def test_a_quiz_answer_is_read_as_numbers_never_evaluated(answer):
    """explorer.drawing.quiz.parse_answer: JSON or Python literals only, bounded; anything else is no answer
    (and Question.check says wrong), never an exception or a side effect."""
    from explorer.drawing.quiz import parse_answer, quiz

    assert parse_answer(answer) is None
    tr = explorer.trace("x = torch.tensor(2.0, requires_grad=True)\ny = x * 3\ny.backward()", sandbox=False)
    assert not any(q.check(answer) for q in quiz(tr))
