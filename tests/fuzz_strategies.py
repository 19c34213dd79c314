"""Hypothesis strategies for fuzzing the explorer's language, shared by tests/test_fuzz.py and tools/fuzz.py.

Three kinds of program text:

* `grammar_programs()`: small programs built from a vocabulary of tutorial statements, tensor ops,
  attribute names (hostile ones included: ``__class__``, ``_C``, ``os``, ``load``, ``numpy``, ...),
  calls, loops and literals. Mostly valid Python, so they reach the interpreter.
* `mutated_tutorials()`: the course notes' tutorial programs (tests/data/tutorial_programs.json) with
  characters or tokens deleted, duplicated, swapped or inserted.
* `raw_text()`: anything at all (``st.text()``).

`check_program(source)` is the property all three share: parsing and running raises nothing but
ProgramError (of a known kind, with a position inside the text when it has one), a successful trace turns
into strict JSON (what a sandbox worker must send back), and the process-wide torch state (default dtype,
grad mode, thread count, RNG state) is the same afterwards.
"""
from __future__ import annotations

import contextlib
import json
import random
import re
import signal
import sys
import threading
from collections.abc import Iterator

import torch
import tutorial_programs
from hypothesis import strategies as st

from explorer.errors import KINDS, ProgramError
from explorer.recording.run import trace_in_process

# Small bounds so that every generated program ends quickly.
FUZZ_LIMITS = {
    "time_seconds": 0.5,
    "max_loop_iterations": 1_000,
    "max_tensor_elements": 10_000,
    "max_collection_len": 10_000,
    "max_steps": 200_000,
    "max_ops": 2_000,
    "max_call_depth": 20,
    "max_backward_passes": 50,
    "max_stdout_chars": 5_000,
}

# A program that has not ended this long after its own time limit is a bug (a check that doesn't run).
WATCHDOG_SECONDS = 10.0

# --- the tutorial programs -------------------------------------------------------------------------------

# The course notes' tutorials (tests/data/tutorial_programs.json): the seeds of `mutated_tutorials()`.
TUTORIALS = tutorial_programs.TUTORIALS

# --- vocabulary --------------------------------------------------------------------------------------------

NAMES = ["x", "y", "z", "w", "b", "l", "d", "s", "n", "i", "loss", "out", "opt", "g", "f", "m", "net", "p"]

TENSOR_METHODS = [
    "sum", "mean", "pow", "exp", "log", "t", "view", "reshape", "detach", "backward", "item", "tolist",
    "zero_", "requires_grad_", "retain_grad", "norm", "dot", "matmul", "clamp", "add", "mul", "sqrt",
    "sigmoid", "relu", "tanh", "softmax", "max", "min", "argmax", "size", "dim", "numel", "unsqueeze",
    "squeeze", "flatten", "transpose", "expand", "repeat", "clone", "float", "double", "long", "to",
    "mm", "square", "add_", "mul_", "fill_", "cumsum", "sort", "topk", "chunk", "split", "unbind", "any",
    "all", "outer", "diag", "flip", "roll", "new_zeros", "new_full", "new_tensor", "copy_", "uniform_",
    "normal_", "index_select", "masked_fill", "where", "gather", "type_as", "half", "int", "bool",
]

# Attribute names people (or attackers) try: every one of these must be refused or harmless.
HOSTILE_ATTRIBUTES = [
    "__class__", "__dict__", "__globals__", "__subclasses__", "__mro__", "__bases__", "__builtins__",
    "__init__", "__code__", "__closure__", "__reduce__", "__getattribute__", "_C", "_dynamo", "_tensor",
    "_base", "_version", "os", "sys", "importlib", "load", "save", "from_file", "numpy", "storage",
    "untyped_storage", "data_ptr", "tofile", "register_hook", "hub", "ops", "jit", "library", "utils",
    "classes", "cuda", "apply_", "map_", "set_", "resize_", "share_memory_", "impl", "name", "members",
    "obj", "scope", "node", "defaults", "_fn", "next_functions", "param_groups", "state", "grad_fn",
    "grad", "data", "shape", "dtype", "device", "T", "is_leaf", "requires_grad", "values", "indices",
    "format", "format_map", "join", "split", "upper", "append", "keys", "items", "compile", "manual_seed",
    "set_default_dtype", "set_num_threads", "set_grad_enabled", "empty", "functional", "Parameter",
    "autograd", "optim", "nn", "linalg", "SGD", "Adam", "Module", "Linear", "no_grad", "enable_grad",
    "_modules", "_parameters", "state_dict", "apply", "register_forward_hook", "forward", "parameters",
    "training", "weight", "dataset", "fc", "k",
]

TORCH_FUNCTIONS = [
    "tensor", "zeros", "ones", "full", "arange", "linspace", "eye", "rand", "randn", "randint", "randperm",
    "zeros_like", "ones_like", "add", "mul", "exp", "log", "sqrt", "sin", "sigmoid", "relu", "tanh", "sum",
    "mean", "max", "min", "matmul", "mm", "outer", "cat", "stack", "where", "norm", "cumsum", "softmax",
    "reshape", "flatten", "squeeze", "unsqueeze", "einsum", "diag", "sort", "topk", "clamp", "allclose",
    "broadcast_to", "normal", "kron", "cdist", "tensordot", "split", "chunk", "unbind", "gather",
]

F_FUNCTIONS = ["relu", "sigmoid", "softmax", "log_softmax", "mse_loss", "cross_entropy", "linear", "one_hot",
               "dropout", "gelu", "normalize", "l1_loss", "binary_cross_entropy", "ctc_loss", "embedding_bag"]

BUILTINS = ["range", "len", "sum", "min", "max", "abs", "round", "float", "int", "bool", "str", "list",
            "tuple", "dict", "enumerate", "zip", "print", "sorted", "reversed", "any", "all",
            # refused ones
            "eval", "exec", "open", "getattr", "setattr", "vars", "type", "compile", "globals", "locals",
            "dir", "id", "hash", "iter", "next", "repr", "format", "isinstance", "map", "filter", "input",
            "breakpoint", "object", "super", "memoryview", "bytearray", "chr", "ord", "help", "exit"]

MODULES = ["torch", "F", "math", "nn", "torch.nn", "torch.autograd", "torch.optim", "torch.linalg",
           "torch.nn.functional"]

INT_LITERALS = ["0", "1", "2", "3", "-1", "10", "100", "10**3", "10**9", "2**62", "10**10**10", "True",
                "False"]
FLOAT_LITERALS = ["0.0", "0.5", "-1.5", "2.0", "1e-3", "1e300", "float('inf')", "float('nan')", "math.pi"]
STRING_LITERALS = ["'a'", "'abc'", "'{0.__class__}'", "'%s'", "'cpu'", "'cuda'", "''"]
DTYPES = ["torch.float32", "torch.float64", "torch.int64", "torch.bool", "torch.float16", "torch.long"]

TUTORIAL_LINES = [
    "x = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)",
    "w = torch.ones(4, requires_grad=True)",
    "b = torch.zeros(2, requires_grad=True)",
    "y = x + 2",
    "z = y * y * 2",
    "out = z.mean()",
    "out.backward()",
    "loss = (w * 3).sum()",
    "loss.backward()",
    "w.grad.zero_()",
    "opt = torch.optim.SGD([w], lr=0.01)",
    "opt.zero_grad()",
    "opt.step()",
    "g = torch.autograd.grad(out, x, create_graph=True)[0]",
    "g1, g2 = torch.autograd.grad([y.sum(), z.sum()], [x, x])",
    "u = y.detach()",
    "o = torch.sigmoid(torch.ones(1, 10) @ torch.full((2, 10), 0.1, requires_grad=True).t())",
    "loss = F.mse_loss(torch.ones(1, 2), torch.rand(1, 2))",
    "print(f'{loss.item():.4f}')",
    "with torch.no_grad():\n    w -= 0.1 * w.grad",
    "x.requires_grad = True",
    "x.grad = None",
    "y.retain_grad()",
    "m = nn.Linear(3, 2)",
    "out = m(torch.randn(4, 3))",
    "s = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))",
    "loss = nn.MSELoss()(s(torch.randn(2, 3)), torch.zeros(2, 1))",
    "opt = torch.optim.SGD(s.parameters(), lr=0.1)",
    "c = nn.Conv2d(1, 2, 3)",
    "e = nn.Embedding(5, 2)",
    "class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(3, 1)\n"
    "    def forward(self, v):\n        return self.fc(v)",
    "class P:\n    k = 2\n    def __init__(self, v):\n        self.v = v\n    def __call__(self, a):\n"
    "        return a * self.k",
    "net = Net()",
    "p = P(x)",
    "l = [1, 2, 3]",
    "d = {'a': 1}",
    "s = 'abc'",
    "n = 3",
]

# Tokens that make programs hit bugs already reported (see tests/test_fuzz.py): kept out of the default
# vocabulary so that the quick fuzz tests stay green; `tools/fuzz.py --known` puts them back.
KNOWN_BUG_SNIPPETS = [
    "torch.ones(3, device='meta')",  # a meta tensor ends the run with NotImplementedError, not ProgramError
    "torch.ones(2).to('meta')",
    "torch.tensor([1j, 2j])",  # a complex tensor gives a trace that isn't JSON
    "round(12345, -10**9)",  # hangs inside int.__round__
]


# --- grammar ------------------------------------------------------------------------------------------------
#
# Programs are built by a small random generator, one statement per seed, so that Hypothesis spends its time
# running programs rather than making thousands of tiny draws, and can still shrink a failing program by
# dropping statements.

HOSTILE_STATEMENTS = [
    "import os", "from torch import _C", "f = (lambda: 0).__code__", "global __builtins__",
    "class A(metaclass=type): pass", "raise ValueError",
    "try:\n    pass\nexcept Exception:\n    pass", "(n := 3)", "torch.manual_seed(1)",
    "torch.set_default_dtype(torch.float64)", "torch.set_grad_enabled(False)", "torch.set_num_threads(1)",
    "x.register_hook(print)", "torch.load('f')", "().__class__", "'{0.__class__}'.format(1)", "f'{x:{n}}'",
    "torch.sigmoid = print", "F.relu = 1", "x.foo = 1", "print(type(torch.sigmoid))", "s = str(torch.sigmoid)",
    "break", "return 1", "yield 1", "@print\ndef q(): pass", "x.numpy()", "torch.tensor(print)",
    "'%s' % x", "getattr(x, 'grad')", "eval('1')", "open('/etc/passwd')", "vars()", "x.data_ptr()",
    "F.importlib", "torch.os.system('ls')", "torch.utils.collect_env", "x.untyped_storage()", "math.__dict__",
]


class _Builder:
    def __init__(self, rng: random.Random) -> None:
        self.r = rng

    def pick(self, seq):
        return self.r.choice(seq)

    def args(self, depth: int, most: int) -> str:
        return ", ".join(self.expr(depth) for _ in range(self.r.randint(0, most)))

    def tensor(self) -> str:
        r = self.r
        n = r.randint(0, 4)
        rg = self.pick(["", "", ", requires_grad=True"])
        kind = r.randint(0, 7)
        if kind == 0:
            vals = [self.pick(["0.5", "-1.0", "2.0", "3", "0"]) for _ in range(r.randint(0, 4))]
            return f"torch.tensor([{', '.join(vals)}]{rg})"
        if kind == 1:
            return f"torch.tensor({self.pick(['2.0', '0.0', '-1.5', '3'])}{rg})"
        if kind == 2:
            return f"torch.ones({n}{rg})"
        if kind == 3:
            return f"torch.randn({n}, {r.randint(1, 3)}{rg})"
        if kind == 4:
            return f"torch.arange({self.pick(['4.0', '6', '3.0'])})"
        if kind == 5:
            return f"torch.zeros({n}, dtype={self.pick(DTYPES)})"
        if kind == 6:
            return f"torch.full(({n}, 2), 0.1{rg})"
        return f"torch.eye({n})"

    def atom(self) -> str:
        k = self.r.randint(0, 9)
        if k <= 3:
            return self.pick(NAMES)
        if k <= 5:
            return self.pick(INT_LITERALS + FLOAT_LITERALS + STRING_LITERALS + DTYPES + ["None"])
        if k <= 7:
            return self.tensor()
        if k == 8:
            return self.pick(MODULES)
        return self.pick(BUILTINS)

    def expr(self, depth: int = 2) -> str:
        r = self.r
        if depth <= 0 or r.random() < 0.35:
            return self.atom()

        def sub() -> str:
            return self.expr(depth - 1)

        k = r.randint(0, 15)
        if k == 0:
            op = self.pick(["+", "-", "*", "/", "//", "%", "**", "@", "&", "|", "^", "<<", ">>"])
            return f"({sub()} {op} {sub()})"
        if k == 1:
            op = self.pick(["<", "<=", "==", "!=", ">", "in", "not in", "is", "and", "or"])
            return f"({sub()} {op} {sub()})"
        if k == 2:
            return f"({self.pick(['-', 'not ', '~', '+'])}{sub()})"
        if k == 3:
            return f"{self.pick(NAMES)}.{self.pick(TENSOR_METHODS)}({self.args(depth - 1, 2)})"
        if k == 4:
            return f"{sub()}.{self.pick(HOSTILE_ATTRIBUTES)}"
        if k == 5:
            return f"torch.{self.pick(TORCH_FUNCTIONS)}({self.args(depth - 1, 3)})"
        if k == 6:
            return f"F.{self.pick(F_FUNCTIONS)}({self.args(depth - 1, 2)})"
        if k == 7:
            return f"{self.pick(BUILTINS)}({self.args(depth - 1, 2)})"
        if k == 8:
            return f"[{self.args(depth - 1, 3)}]"
        if k == 9:
            return f"({self.args(depth - 1, 3)},)"
        if k == 10:
            return f"{sub()}[{self.pick(['0', '-1', '1:', '::2', ':, 0', 'None', '...', 'x > 0'])}]"
        if k == 11:
            v = self.pick(["i", "v"])
            return f"[{sub()} for {v} in {sub()}]"
        if k == 12:
            return f"f'{{{sub()}{self.pick(['', ':.4f', '!r', ':>8', ':e', '!s'])}}}'"
        if k == 13:
            return f"({sub()} if {sub()} else {sub()})"
        if k == 14:
            kw = self.pick(["dim", "requires_grad", "dtype", "keepdim", "size", "device", "out", "lr",
                            "create_graph", "retain_graph"])
            return f"{sub()}({kw}={sub()})"
        return f"{{{sub()}: {sub()}}}"

    def block(self, depth: int) -> list[str]:
        lines = []
        for _ in range(self.r.randint(1, 3)):
            lines += self.stmt(depth + 1)
        return ["    " + line for line in lines]

    def stmt(self, depth: int = 0) -> list[str]:
        r = self.r

        def name() -> str:
            return self.pick(NAMES)

        k = r.randint(0, 99)
        if k < 30:
            return self.pick(TUTORIAL_LINES).split("\n")
        if k < 42:
            return [f"{name()} = {self.expr()}"]
        if k < 47:
            return [f"{name()} {self.pick(['+=', '-=', '*=', '/=', '**=', '//=', '@='])} {self.expr()}"]
        if k < 51:
            return [self.expr()]
        if k < 57:
            return [f"print({self.args(2, 3)})"]
        if k < 59:
            return [f"{name()}, {name()} = {self.expr()}"]
        if k < 61:
            return [f"{name()}.{self.pick(HOSTILE_ATTRIBUTES)} = {self.expr()}"]
        if k < 64:
            return [f"{name()}[{self.pick(['0', '-1', ':'])}] = {self.expr()}"]
        if k < 66:
            return [f"assert {self.expr()}"]
        if k < 67:
            return [f"del {name()}"]
        if k < 74:
            return self.pick(HOSTILE_STATEMENTS).split("\n")
        if k < 76 or depth >= 2:
            return [self.pick(["pass", "continue", "break"])]
        if k < 82:
            it = self.pick(["range(3)", "range(n)", "x", "l", "d", "s", "zip(l, l)", "enumerate(l)", "[1, 2]"])
            return [f"for {name()} in {it}:"] + self.block(depth)
        if k < 85:
            return ["i = 0", "while i < 5:", "    i += 1"] + self.block(depth)
        if k < 90:
            lines = [f"if {self.expr()}:"] + self.block(depth)
            return lines + (["else:"] + self.block(depth) if r.random() < 0.5 else [])
        if k < 95:
            fname = self.pick(["f", "h", "step"])
            params = self.pick(["", "a", "a, b=2", "a, *, k=1", "n"])
            call_args = self.pick(["", "1", "x", "x, b=3", "n - 1", "a=2", "k=1"])
            return ([f"def {fname}({params}):"] + self.block(depth) + [f"    return {self.expr()}"]
                    + [f"{name()} = {fname}({call_args})"])
        if k < 98:
            return [self.pick(["with torch.no_grad():", "with torch.enable_grad():", "with x:"])] + self.block(depth)
        return ["while True:"] + self.block(depth) + ["    break"]


PRELUDE = [
    "x = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)",
    "w = torch.ones(3, requires_grad=True)",
    "y = x * w + 1",
    "l = [1, 2, 3]",
    "d = {'a': 1, 'b': 2}",
    "s = 'abc'",
    "n = 3",
]


def build_program(seeds: list[int], known_bugs: bool = False, prelude: bool = False) -> str:
    lines: list[str] = list(PRELUDE) if prelude else []
    for s in seeds:
        b = _Builder(random.Random(s))
        lines += b.stmt()
        if known_bugs and s % 10 == 0:
            lines.append(f"q = {b.pick(KNOWN_BUG_SNIPPETS)}")
    return "\n".join(lines) + "\n"


def grammar_programs(known_bugs: bool = False) -> st.SearchStrategy[str]:
    """Programs of 1-8 statements; each statement comes from its own seed, so shrinking drops statements."""
    seeds = st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=8)
    return st.builds(lambda ss, pre: build_program(ss, known_bugs, pre), seeds, st.booleans())


# --- mutations ----------------------------------------------------------------------------------------------

_TOKEN = re.compile(r"\s+|\w+|[^\w\s]")
INSERT_TOKENS = (
    ["(", ")", "[", "]", "{", "}", ":", ",", ".", "*", "**", "-", "+", "=", "==", "@", "'", '"', "\\", "#", "\n",
     "    ", "\t", "lambda", "import", "__class__", "_C", "os", "torch", "F", "for", "while", "if", "def",
     "return", "break", "yield", "await", "global", "not", "None", "10**9", "1e308", "-0", "0", "x", "y",
     "backward()", ".grad", ".data", "requires_grad=True", "with torch.no_grad():", ":=", "!r", "f'{x}'"]
    + HOSTILE_ATTRIBUTES[:30]
)


@st.composite
def _mutate(draw, text: str) -> str:
    kind = draw(st.integers(0, 6))
    n = len(text)
    if kind == 0 and n:  # delete a character range
        i = draw(st.integers(0, n - 1))
        j = draw(st.integers(i + 1, min(n, i + 8)))
        return text[:i] + text[j:]
    if kind == 1 and n:  # duplicate a character range
        i = draw(st.integers(0, n - 1))
        j = draw(st.integers(i + 1, min(n, i + 30)))
        return text[:j] + text[i:j] + text[j:]
    if kind == 2 and n >= 2:  # swap two characters
        i, j = sorted(draw(st.lists(st.integers(0, n - 1), min_size=2, max_size=2, unique=True)))
        return text[:i] + text[j] + text[i + 1:j] + text[i] + text[j + 1:]
    tokens = _TOKEN.findall(text)
    if kind == 3:  # insert a token
        i = draw(st.integers(0, len(tokens)))
        tokens.insert(i, draw(st.sampled_from(INSERT_TOKENS)))
    elif kind == 4 and tokens:  # replace a token
        tokens[draw(st.integers(0, len(tokens) - 1))] = draw(st.sampled_from(INSERT_TOKENS))
    elif kind == 5 and tokens:  # delete a token
        del tokens[draw(st.integers(0, len(tokens) - 1))]
    elif kind == 6 and len(tokens) >= 2:  # swap two tokens
        i, j = draw(st.lists(st.integers(0, len(tokens) - 1), min_size=2, max_size=2, unique=True))
        tokens[i], tokens[j] = tokens[j], tokens[i]
    return "".join(tokens)


@st.composite
def mutated_tutorials(draw) -> str:
    text = draw(st.sampled_from(sorted(TUTORIALS.values())))
    for _ in range(draw(st.integers(1, 4))):
        text = draw(_mutate(text))
    return text


def raw_text() -> st.SearchStrategy[str]:
    return st.text(max_size=300)


def any_program(known_bugs: bool = False) -> st.SearchStrategy[str]:
    return st.one_of(grammar_programs(known_bugs=known_bugs), mutated_tutorials(), raw_text())


# --- the property ------------------------------------------------------------------------------------------


class Hung(BaseException):
    """Raised by the watchdog: not an Exception, so the interpreter's `except Exception` can't swallow it."""


@contextlib.contextmanager
def watchdog(seconds: float) -> Iterator[None]:
    """Interrupt a run that goes on far past its own time limit (works for loops in Python, not in C)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def fire(signum, frame):
        raise Hung(f"still running after {seconds:g} s")

    old = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def torch_state() -> tuple:
    return (
        torch.get_default_dtype(),
        torch.is_grad_enabled(),
        torch.get_num_threads(),
        bytes(torch.random.get_rng_state().numpy().tobytes()),
        sys.getrecursionlimit(),
    )


def _line_count(source: str) -> int:
    return len(re.split(r"\r\n|\r|\n", source))


def check_program(source: str, limits: dict | None = None) -> ProgramError | None:
    """The fuzz property. Returns the ProgramError the program ended with (None if it ran)."""
    before = torch_state()
    error: ProgramError | None = None
    try:
        with watchdog(WATCHDOG_SECONDS):
            tr = trace_in_process(source, limits=FUZZ_LIMITS if limits is None else limits)
        json.dumps(tr.to_dict(), allow_nan=False)  # what a worker sends back must be strict JSON
    except ProgramError as e:
        error = e
        assert e.kind in KINDS, e.kind
        assert isinstance(e.message, str) and e.message.strip(), repr(e.message)
        assert "internal error" not in e.message, e.message
        if e.line is not None:
            assert 1 <= e.line <= _line_count(source) + 1, (e.line, _line_count(source))
        json.dumps(e.to_dict(), allow_nan=False)
    after = torch_state()
    assert before == after, f"torch state changed: {before[:3]} -> {after[:3]} (or the RNG state)"
    return error
