"""Every class of refusal: the right kind, the line (and column) it points at, a message that says what to do,
and torch's process-wide state untouched afterwards."""
from __future__ import annotations

import pytest
import torch

import explorer
from explorer.errors import ProgramError

NA = "not-allowed"


def torch_state() -> tuple:
    return (
        torch.get_default_dtype(),
        torch.is_grad_enabled(),
        torch.get_num_threads(),
        torch.random.get_rng_state().clone(),
    )


def same_state(a: tuple, b: tuple) -> bool:
    return a[:3] == b[:3] and torch.equal(a[3], b[3])


def refuse(source: str, **kw) -> ProgramError:
    """The ProgramError `source` ends with, checking that torch's global state is the same afterwards."""
    before = torch_state()
    with pytest.raises(ProgramError) as info:
        explorer.trace(source, sandbox=False, **kw)
    assert same_state(before, torch_state()), "torch global state changed"
    return info.value


def text_of(err: ProgramError) -> str:
    return f"{err.message} {err.hint or ''}".lower()


# (id, source, kind, line, col or None for "don't check", words of which at least one must be in message + hint)
CASES = [
    # --- constructs refused by the parser ------------------------------------------------------------------
    ("import", "import sys\n", NA, 1, 0, ["`sys` is not available"]),
    ("import-from", "x = 1\nfrom subprocess import run\n", NA, 2, 0, ["`subprocess` is not available"]),
    ("os-system", "import os\nos.system('ls')\n", NA, 2, 0, ["`os.system` is not available"]),
    ("os-unimported", "e = os.environ.get('HOME')\n", NA, 1, 4, ["import os"]),
    ("import-star", "from torch import *\n", NA, 1, 0, ["name what you use"]),
    ("import-relative", "from . import x\n", NA, 1, 0, ["relative imports"]),
    ("import-private", "from torch import _C\n", NA, 1, 0, ["not allowed"]),
    ("import-refused-member", "from torch import load\n", NA, 1, 0, ["reading files"]),
    ("import-not-a-module", "import torch.nn.functional.relu as r\n", NA, 1, 0,
     ["from torch.nn.functional import relu"]),
    # global / nonlocal / yield follow Python's compile-time rules
    ("global-dunder", "def f():\n    global __builtins__\n", NA, 2, 4, ["double underscores"]),
    ("global-after-use", "x = 1\ndef f():\n    print(x)\n    global x\n", "syntax", 4, 4,
     ["used prior to global declaration"]),
    ("global-parameter", "def f(x):\n    global x\n", "syntax", 2, 4, ["parameter and global"]),
    ("nonlocal-no-binding", "def f():\n    def g():\n        nonlocal y\n", "syntax", 3, 8, ["no binding"]),
    ("nonlocal-module-level", "nonlocal x\n", "syntax", 1, 0, ["module level"]),
    ("nonlocal-dunder", "def f():\n    x = 1\n    def g():\n        nonlocal __x\n", NA, 4, 8, ["double underscores"]),
    ("class-two-bases", "class A:\n    pass\nclass B:\n    pass\nclass C(A, B):\n    pass\n", NA, 5, 11,
     ["one class"]),
    ("class-metaclass", "class A(metaclass=print):\n    pass\n", NA, 1, 8, ["metaclass"]),
    ("class-decorator", "@print\nclass A:\n    pass\n", NA, 1, 1, ["decorators"]),
    ("class-computed-base", "class A(list[int]):\n    pass\n", NA, 1, 8, ["named"]),
    ("class-body-loop", "class A:\n    for i in range(3):\n        pass\n", NA, 2, 4, ["methods"]),
    ("class-body-call", "class A:\n    print(1)\n", NA, 2, 4, ["__init__"]),
    ("class-nested", "class A:\n    class B:\n        pass\n", NA, 2, 4, ["class inside a class"]),
    ("class-dunder-method", "class A:\n    def __eq__(self, other):\n        return True\n", NA, 2, 4,
     ["__init__, __call__, __len__, __getitem__ and __iter__"]),
    ("class-method-decorator", "class A:\n    @property\n    def x(self):\n        return 1\n", NA, 2, 5,
     ["decorator"]),
    ("class-base-layer", "class L(nn.Linear):\n    pass\n", NA, 1, 8, ["nn.Module"]),
    ("class-base-tensor", "class T(torch.Tensor):\n    pass\n", NA, 1, 8, ["subclassed"]),
    ("class-base-function", "class A(print):\n    pass\n", NA, 1, 8, ["nn.Module, object"]),
    ("init-outside-class", "x = torch.ones(2)\nx.__init__()\n", NA, 2, 0, ["super().__init__"]),
    ("super-outside-method", "s = super()\n", "runtime", 1, 4, ["inside a method"]),
    ("decorator", "@print\ndef f():\n    pass\n", NA, 1, 1, ["call the function directly"]),
    ("decorator-with-arguments", "@torch.no_grad(1)\ndef f():\n    pass\n", NA, 1, 1, ["torch.no_grad()"]),
    ("decorator-staticmethod", "@staticmethod\ndef f():\n    pass\n", NA, 1, 1, ["inside a class"]),
    ("decorator-name-not-torch", "def no_grad():\n    return 1\n@no_grad()\ndef f():\n    pass\n", NA, 3, 1,
     ["torch.no_grad()"]),
    ("decorator-inference-mode", "@torch.inference_mode()\ndef f():\n    pass\n", NA, 1, 1, ["torch.no_grad()"]),
    ("no-grad-called-on-builtin", "f = torch.no_grad()(print)\n", NA, 1, 4, ["function of the program"]),
    ("lambda-star-args", "f = lambda *a: a\n", NA, 1, 4, ["name each parameter"]),
    ("lambda-yield", "f = lambda: (yield)\n", NA, 1, 13, ["lambda"]),
    ("match", "x = 1\nmatch x:\n    case 1:\n        pass\n", NA, 2, 0, ["if / elif"]),
    ("yield-as-value", "def g():\n    x = yield 1\n", NA, 2, 8, ["own line"]),
    ("yield-outside-function", "x = 1\nyield x\n", "syntax", 2, 0, ["outside function"]),
    ("yield-in-comprehension", "def g():\n    return [(yield i) for i in range(3)]\n", "syntax", 2, None,
     ["comprehension"]),
    ("generator-attribute", "def g():\n    yield 1\nf = g().gi_frame\n", NA, 3, 4, ["no attribute"]),
    ("generator-send", "def g():\n    yield 1\nv = g().send(None)\n", NA, 3, 4, ["no attribute"]),
    ("lambda-attribute", "f = lambda: 0\nc = f.code\n", NA, 2, 4, ["no attribute"]),
    ("async-def", "async def f():\n    pass\n", NA, 1, 0, ["async"]),
    ("await", "x = 1\nawait x\n", NA, 2, 0, ["async"]),
    ("walrus", "if (n := 3) > 2:\n    pass\n", NA, 1, 4, ["own line"]),
    ("yield-in-try", "def g():\n    try:\n        yield 1\n    finally:\n        pass\nfor v in g():\n    pass\n",
     NA, 2, 4, ["yield inside try"]),
    ("except-non-class", "try:\n    x = 1 / 0\nexcept print:\n    pass\n", NA, 3, 7, ["exception classes"]),
    ("type-three-arguments", "T = type('A', (), {})\n", NA, 1, 4, ["one argument"]),
    ("set-of-unhashable", "s = {[1], [2]}\n", "runtime", 1, 4, ["unhashable"]),
    ("set-method-unknown", "s = {1}\ns.mro()\n", NA, 2, 0, ["no attribute"]),
    ("star-args", "def f(*args):\n    pass\n", NA, 1, 0, ["name each parameter"]),
    ("bytes", "b = b'abc'\n", NA, 1, 4, ["bytes"]),
    # --- dunder and private names --------------------------------------------------------------------------
    ("dunder-attribute", "x = ().__class__\n", NA, 1, 4, ["double underscores"]),
    ("dunder-attribute-chain", "x = 1\ny = x.__class__.__mro__\n", NA, 2, 4, ["double underscores"]),
    ("dunder-name", "print(__builtins__)\n", NA, 1, 6, ["double underscores"]),
    ("dunder-import", "os = __import__('os')\n", NA, 1, 5, ["double underscores"]),
    ("dunder-function-name", "def __init__():\n    pass\n", NA, 1, 0, ["double underscores"]),
    ("dunder-keyword", "x = torch.ones(2)\ny = x.sum(__x=1)\n", NA, 2, None, ["double underscores"]),
    ("private-attribute", "c = torch._C\n", NA, 1, 4, ["private"]),
    ("private-attribute-tensor", "x = torch.ones(2)\nv = x._version\n", NA, 2, 4, ["private"]),
    # --- string formatting that can read attributes --------------------------------------------------------
    ("str-format", "x = torch.ones(2)\ns = '{0.__class__}'.format(x)\n", NA, 2, 4, ["f-string"]),
    ("str-format-map", "s = '{a}'.format_map({'a': 1})\n", NA, 1, 4, ["f-string"]),
    ("percent-format", "x = 5\ns = '%s' % x\n", NA, 2, None, ["f-string"]),  # col: see test below
    ("nested-fstring-spec", "w = 3\ns = f'{1:{w}}'\n", NA, 2, 4, ["plain", "{loss:.4f}"]),
    # --- builtins that reach Python's internals ------------------------------------------------------------
    *[(f"builtin-{name}", f"x = 1\ny = {name}({arg})\n", NA, 2, 4, ["not available"])
      for name, arg in [("eval", "'1'"), ("open", "'/etc/passwd'"), ("getattr", "torch, 'load'"), ("vars", ""),
                        ("exec", "'1'"), ("compile", "'1', 'f', 'exec'"), ("globals", ""),
                        ("locals", ""), ("setattr", "x, 'a', 1"), ("dir", "torch"), ("id", "x"),
                        ("format", "x, ''"), ("input", ""), ("breakpoint", ""), ("object", ""),
                        ("memoryview", "x"), ("hash", "x"), ("callable", "x")]],
    # --- builtins with arguments they do not take ----------------------------------------------------------
    ("isinstance-other-type", "x = 1\ny = isinstance(x, print)\n", NA, 2, 4, ["isinstance"]),
    ("isinstance-range", "y = isinstance(1, range)\n", NA, 1, 4, ["isinstance"]),
    ("isinstance-module", "y = isinstance(1, torch)\n", NA, 1, 4, ["isinstance"]),
    ("next-of-list", "y = next([1, 2])\n", "runtime", 1, 4, ["not an iterator"]),
    ("next-exhausted", "it = iter([])\ny = next(it)\n", "runtime", 2, 4, ["StopIteration"]),
    ("map-not-callable", "y = list(map(3, [1]))\n", "runtime", 1, 4, ["not callable"]),
    ("len-of-generator", "def g():\n    yield 1\nn = len(g())\n", "runtime", 3, 4, ["no len()"]),
    ("sorted-key-builtin-refused", "y = sorted([1], key=open)\n", NA, 1, 20, ["not available"]),

    # --- torch members that are refused --------------------------------------------------------------------
    ("torch.load", "m = torch.load('model.pt')\n", NA, 1, 4, ["reading files"]),
    ("torch.save", "x = torch.ones(2)\ntorch.save(x, 'x.pt')\n", NA, 2, 0, ["writing files"]),
    ("torch.from_file", "x = torch.from_file('x.bin')\n", NA, 1, 4, ["reading files"]),
    ("torch.hub", "m = torch.hub.load('a', 'b')\n", NA, 1, 4, ["downloading"]),
    ("torch.ops", "f = torch.ops.aten.add\n", NA, 1, 4, ["operator"]),
    ("torch.library", "lib = torch.library.Library('x', 'DEF')\n", NA, 1, 6, ["operators"]),
    ("torch.jit", "f = torch.jit.script\n", NA, 1, 4, ["compilation"]),
    ("torch.compile", "f = torch.compile\n", NA, 1, 4, ["compilation"]),
    ("torch.utils", "torch.utils.collect_env.run('ls')\n", NA, 1, 0, ["torch.utils"]),
    ("torch.os", "torch.os.system('ls')\n", NA, 1, 0, ["torch.os", "help"]),
    ("torch.sys", "m = torch.sys.modules\n", NA, 1, 4, ["torch.sys", "help"]),
    ("F.torch", "f = F.torch.load\n", NA, 1, 4, ["f.torch", "help"]),
    ("F.importlib", "m = F.importlib.import_module('os')\n", NA, 1, 4, ["f.importlib", "help"]),
    ("torch.Tensor-keywords", "T = torch.Tensor([1.0], requires_grad=True)\n", "runtime", 1, 4, ["torch.tensor"]),
    ("torch.Tensor-attribute", "m = torch.Tensor.add\n", NA, 1, 4, ["no attribute"]),
    ("torch.nn.Module()", "m = torch.nn.Module()\n", NA, 1, 4, ["class Net(nn.Module)"]),
    ("nn.Linear.forward", "f = nn.Linear.forward\n", NA, 1, 4, ["no attribute"]),
    ("module-state-dict", "m = nn.Linear(2, 3)\ns = m.state_dict()\n", NA, 2, 4, ["named_parameters"]),
    ("module-apply-not-a-function", "m = nn.Linear(2, 3)\nm.apply(torch)\n", "runtime", 2, 0, ["takes a function"]),
    ("module-hook", "m = nn.Linear(2, 3)\nh = m.register_forward_hook(print)\n", NA, 2, 4, ["hooks"]),
    ("nn.Linear-huge", "m = nn.Linear(100000, 100000)\n", "limit", 1, 4, ["10,000,000,000"]),
    ("DataLoader-workers", "d = torch.utils.data.TensorDataset(torch.ones(4))\n"
     "l = torch.utils.data.DataLoader(d, num_workers=2)\n", NA, 2, 4, ["num_workers"]),
    ("torch.autograd.forward_ad", "f = torch.autograd.forward_ad\n", NA, 1, 4, ["help"]),
    ("tensor.type-string", "x = torch.ones(3)\ny = x.type('torch.cuda.FloatTensor')\n", NA, 2, 4, ["dtype"]),
    ("F.ctc_loss", "f = F.ctc_loss\n", NA, 1, 4, ["crash"]),
    # --- tensor members that are refused -------------------------------------------------------------------
    *[(f"tensor.{name}", f"x = torch.ones(3)\ny = x.{name}{call}\n", NA, 2, 4, words)
      for name, call, words in [
          ("storage", "()", ["storage"]),
          ("untyped_storage", "()", ["storage"]), ("tofile", "('x.bin')", ["files"]),
          ("data_ptr", "()", ["memory addresses"]),
          ("apply_", "(print)", ["tensor operations"]), ("cuda", "()", ["cpu"]),
          ("set_", "(torch.ones(2))", ["storage"]), ("resize_", "(10)", ["reshape"]),
          ("share_memory_", "()", ["shared memory"]), ("__dict__", "", ["double underscores"]),
      ]],
    ("tensor.numpy-requires-grad", "x = torch.ones(3, requires_grad=True)\ny = x.numpy()\n", "runtime", 2, 4,
     ["x.detach().numpy()"]),
    # --- numpy: what the subset leaves out -----------------------------------------------------------------
    ("np-without-import", "a = np.zeros(2)\n", NA, 1, 4, ["import numpy as np"]),
    ("np-load", "import numpy as np\na = np.load('x.npy')\n", NA, 2, 4, ["files"]),
    ("np-empty", "import numpy as np\na = np.empty(3)\n", NA, 2, 4, ["np.zeros"]),
    ("np-vectorize", "import numpy as np\nf = np.vectorize(abs)\n", NA, 2, 4, ["array operations"]),
    ("np-unknown", "import numpy as np\nf = np.fft\n", NA, 2, 4, ["help"]),
    ("np-out-keyword", "import numpy as np\na = np.ones(2)\nb = np.mean(a, out=a)\n", NA, 3, 4, ["out="]),
    ("np-out-not-an-array", "import numpy as np\na = np.ones(2)\nb = np.add(a, a, out=[0, 0])\n", NA, 3, 4,
     ["existing numpy array"]),
    ("np-out-positional", "import numpy as np\na = np.ones(2)\nb = np.sin(a, a)\n", NA, 3, 4, ["positional"]),
    ("np-object-dtype", "import numpy as np\na = np.array([1], dtype='O')\n", NA, 2, 4, ["numbers"]),
    ("np-string-array", "import numpy as np\na = np.array(['a', 'b'])\n", NA, 2, 4, ["numbers"]),
    ("np-complex-array", "import numpy as np\na = np.ones(2) * 1j\n", NA, 2, 4, ["numbers"]),
    ("np-ndarray-call", "import numpy as np\na = np.ndarray((2,))\n", NA, 2, 4, ["isinstance"]),
    ("np-size-float", "import numpy as np\na = np.zeros(2.5)\n", "runtime", 2, 4, ["whole number"]),
    ("np-seed-float", "import numpy as np\nnp.random.seed(1.5)\n", "runtime", 2, 0, ["whole number"]),
    ("random-without-import", "x = random.random()\n", NA, 1, 4, ["import random"]),
    ("random-getstate", "import random\ns = random.getstate()\n", NA, 2, 4, ["random.seed(n)"]),
    ("random-seed-string", "import random\nrandom.seed('a')\n", "runtime", 2, 0, ["whole number"]),
    ("np-random-state", "import numpy as np\ns = np.random.get_state()\n", NA, 2, 4, ["np.random.seed"]),
    ("np-default-rng", "import numpy as np\nr = np.random.default_rng(0)\n", NA, 2, 4, ["np.random.seed"]),
    ("ndarray-tofile", "import numpy as np\nnp.ones(2).tofile('x.bin')\n", NA, 2, 0, ["files"]),
    ("ndarray-ctypes", "import numpy as np\np = np.ones(2).ctypes\n", NA, 2, 4, ["raw memory"]),
    ("ndarray-setattr", "import numpy as np\na = np.ones(4)\na.shape = (2, 2)\n", NA, 3, 0, ["can't set"]),
    ("ndarray-method-out", "import numpy as np\na = np.ones(4)\ns = a.sum(out=a)\n", NA, 3, 4, ["out="]),
    ("ndarray-of-function-via-operator", "import numpy as np\na = np.ones(1) + [print]\n", NA, 2, 4,
     ["pass tensors or numbers"]),
    ("np-scalar-attribute", "import numpy as np\nv = np.float64(1.0).real\n", NA, 2, 4, [".item()"]),
    # --- plotting is skipped, and its objects stay inert ---------------------------------------------------
    ("plt-without-import", "plt.plot([1])\n", NA, 1, 0, ["import matplotlib.pyplot as plt"]),
    ("plot-in-arithmetic", "import matplotlib.pyplot as plt\nx = plt.figure() + 1\n", "runtime", 2, 4, ["arithmetic"]),
    ("plot-into-torch", "import matplotlib.pyplot as plt\nx = torch.tensor(plt.figure())\n", NA, 2, 4,
     ["pass tensors or numbers"]),
    ("import-seaborn", "import seaborn as sns\n", NA, 1, 0, ["`seaborn` is not available"]),
    # --- process-wide state --------------------------------------------------------------------------------
    ("set_default_dtype", "torch.set_default_dtype(torch.float64)\n", NA, 1, 0, ["dtype=torch.float64"]),
    ("manual-seed-float", "torch.manual_seed(1.5)\n", "runtime", 1, 0, ["whole number"]),
    ("str-format-index", "s = '{0[0]}'.format([1])\n", NA, 1, 4, ["an attribute or an item"]),
    ("str-format-nested-spec", "s = '{:{}}'.format(1, 5)\n", NA, 1, 4, ["nested"]),
    ("str-format-wide", "s = '{:99999}'.format(1)\n", "limit", 1, 4, ["1000"]),
    ("seed", "torch.seed()\n", NA, 1, 0, ["seed"]),
    ("set_num_threads", "torch.set_num_threads(1)\n", NA, 1, 0, ["every user"]),
    ("set_grad_enabled-not-bool", "torch.set_grad_enabled(1)\n", "runtime", 1, 0, ["true or false"]),
    ("use_deterministic_algorithms", "torch.use_deterministic_algorithms(True)\n", NA, 1, 0, ["every user"]),
    # --- monkeypatching ------------------------------------------------------------------------------------
    ("patch-torch", "torch.sigmoid = torch.tanh\n", NA, 1, 0, ["can't set"]),
    ("patch-F", "F.relu = torch.tanh\n", NA, 1, 0, ["can't set"]),
    ("patch-math", "math.pi = 3\n", NA, 1, 0, ["can't set"]),
    ("patch-tensor-new-attr", "x = torch.ones(2)\nx.foo = 1\n", NA, 2, 0, [".grad", ".requires_grad"]),
    ("set-tensor-shape", "x = torch.ones(2)\nx.shape = (1, 2)\n", NA, 2, 0, [".grad", ".requires_grad"]),
    ("set-tensor-grad_fn", "x = torch.ones(2)\nx.grad_fn = None\n", NA, 2, 0, [".grad", ".requires_grad"]),
    ("set-tensor-dtype", "x = torch.ones(2)\nx.dtype = torch.float64\n", NA, 2, 0, [".grad", ".requires_grad"]),
    ("augassign-tensor-attr", "x = torch.ones(2)\nx.ndim += 1\n", NA, 2, 0, [".grad", ".requires_grad"]),
    ("patch-function", "def f():\n    return 1\nf.x = 2\n", NA, 3, 0, ["can't set"]),
    ("set-item-of-module", "torch['sigmoid'] = 1\n", NA, 1, 0, ["can't be assigned"]),
    # --- functions passed into torch -----------------------------------------------------------------------
    ("tensor-of-function", "x = torch.tensor(print)\n", NA, 1, 4, ["pass tensors or numbers"]),
    ("tensor-of-list-with-function", "x = torch.tensor([1.0, torch.sigmoid])\n", NA, 1, 4, ["pass tensors or numbers"]),
    ("kwarg-function", "x = torch.ones(3)\ny = x.sum(dim=torch.sigmoid)\n", NA, 2, 4, ["pass tensors or numbers"]),
    ("user-function-into-torch", "def f(v):\n    return v\nx = torch.ones(2).sum(dim=f)\n", NA, 3, 4,
     ["pass tensors or numbers"]),
    ("module-into-torch", "x = torch.tensor(torch)\n", NA, 1, 4, ["pass tensors or numbers"]),
    ("method-into-torch", "x = torch.ones(2)\ny = torch.add(x, x.sum)\n", NA, 2, 4, ["pass tensors or numbers"]),
    ("function-as-index", "x = torch.ones(3)\ny = x[print]\n", NA, 2, 4, ["pass tensors or numbers"]),
    ("function-into-setitem", "x = torch.ones(3)\nx[0] = print\n", NA, 2, 0, ["pass tensors or numbers"]),
    ("function-into-list-method", "l = []\nl.append(torch.sigmoid)\n", NA, 2, 0, ["pass tensors or numbers"]),
    ("function-into-optimizer", "x = torch.ones(2, requires_grad=True)\nopt = torch.optim.SGD([x], lr=print)\n",
     NA, 2, 6, ["pass tensors or numbers"]),
    # --- handed-out callables never give the real object ---------------------------------------------------
    ("name-of-tensor", "x = torch.ones(1)\nn = x.__name__\n", NA, 2, 4, ["class or a function"]),
    ("attribute-of-function", "f = torch.sigmoid\ng = f.impl\n", NA, 2, 4, ["no attribute"]),
    ("attribute-of-method", "x = torch.ones(2)\nm = x.sum\no = m.obj\n", NA, 3, 4, ["no attribute"]),
    ("attribute-of-user-function", "def f():\n    pass\nn = f.node\n", NA, 3, 4, ["no attribute"]),
    ("attribute-of-module", "m = torch.members\n", NA, 1, 4, ["help"]),
    ("grad_fn-real-node", "x = torch.ones(2, requires_grad=True)\ny = (x * 2).sum()\nh = y.grad_fn.register_hook\n",
     NA, 3, 4, ["no attribute"]),
    ("grad_fn-metadata", "x = torch.ones(2, requires_grad=True)\ny = (x * 2).sum()\nh = y.grad_fn.metadata\n",
     NA, 3, 4, ["no attribute"]),
    ("device-attribute", "x = torch.ones(2)\nd = x.device.index_select\n", NA, 2, 4, ["no attribute"]),
    ("optimizer-state", "x = torch.ones(1, requires_grad=True)\nopt = torch.optim.SGD([x], lr=0.1)\ns = opt.state\n",
     NA, 3, 4, ["no attribute"]),
    ("with-other-object", "x = torch.ones(2)\nwith x:\n    pass\n", NA, 2, None, ["torch.no_grad"]),
    ("with-as", "with torch.no_grad() as g:\n    pass\n", NA, 1, None, ["torch.no_grad"]),
]


@pytest.mark.parametrize("source, kind, line, col, words", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_refused(source, kind, line, col, words):
    err = refuse(source)
    assert err.kind == kind, (err.kind, err.message)
    assert err.line == line, (err.line, err.message)
    if col is not None:
        assert err.col == col, (err.col, err.message)
    text = text_of(err)
    assert any(w.lower() in text for w in words), (words, err.message, err.hint)
    assert str(err).startswith(f"line {line}")


def test_case_ids_are_unique():
    ids = [c[0] for c in CASES]
    assert len(ids) == len(set(ids))


def test_refusal_leaves_next_run_working():
    refuse("torch.set_default_dtype(torch.float64)\n")
    tr = explorer.trace("x = torch.tensor(1.5, requires_grad=True)\ny = x * x\n", sandbox=False)
    assert tr.grads["x"] == 3.0
    assert torch.get_default_dtype() == torch.float32


def test_state_restored_after_a_program_that_runs():
    """Programs may use no_grad and RNG freely: after the run, grad mode and the RNG state are as before."""
    before = torch_state()
    explorer.trace(
        "with torch.no_grad():\n    a = torch.randn(100)\n    b = torch.rand(3)\nx = torch.ones(2)\nx.uniform_()\n"
        "d = F.dropout(torch.ones(10), 0.5)\ny = torch.ones(2, dtype=torch.float64)\n",
        sandbox=False,
    )
    assert same_state(before, torch_state())


def test_state_restored_after_an_error_inside_no_grad():
    before = torch_state()
    with pytest.raises(ProgramError):
        explorer.trace("with torch.no_grad():\n    a = torch.randn(3)\n    b = 1 / 0\n", sandbox=False)
    assert same_state(before, torch_state())
    assert torch.is_grad_enabled()


def test_str_of_function_never_reveals_the_real_object():
    """`s = str(torch.sigmoid)` is harmless: either it is refused, or it shows our own name for it."""
    try:
        tr = explorer.trace("s = str(torch.sigmoid)\nprint(s)\nprint(torch.sigmoid)\n", sandbox=False)
    except ProgramError as e:
        assert e.kind == NA
        return
    assert "built-in" not in tr.stdout and "0x" not in tr.stdout  # pragma: no cover - when str() is allowed


@pytest.mark.parametrize("source", [
    "f = torch.sigmoid\nprint(f, [f], {'f': f}, (f,))\n",
    "x = torch.ones(2)\nprint(x.sum, f'{x.sum!r}')\n",
    "def g():\n    pass\nprint(g, f'{g!r}')\n",
    "print(torch, F, math, torch.optim, torch.nn)\n",
    "x = torch.ones(2, requires_grad=True)\ny = (x * 2).sum()\nprint(y.grad_fn, y.grad_fn.next_functions)\n",
    "print(torch.no_grad())\n",
])
def test_printing_handed_out_objects_shows_no_internals(source):
    tr = explorer.trace(source, sandbox=False)
    assert "0x" not in tr.stdout
    assert "built-in" not in tr.stdout
    assert "explorer" not in tr.stdout
    assert "Fn(" not in tr.stdout and "impl" not in tr.stdout


# --- holes found ---------------------------------------------------------------------------------------------


def test_function_hidden_after_10000_items_is_refused():
    err = refuse("l = [0.0] * 10001\nl.append(1.0)\nl[10001] = torch.sigmoid\nx = torch.tensor(l)\n")
    assert err.kind == NA


def test_function_stored_into_param_groups_is_refused():
    err = refuse(
        "w = torch.ones(2, requires_grad=True)\nopt = torch.optim.SGD([w], lr=0.1)\n"
        "opt.param_groups[0]['params'] = [torch.sigmoid]\nopt.step()\n"
    )
    assert err.kind == NA
    assert err.line == 3


def test_percent_format_points_at_the_expression():
    err = refuse("x = 5\ns = '%s' % x\n")
    assert (err.line, err.col) == (2, 4)
