"""Errors a user can cause, and how they are reported.

Everything a typed program can do wrong ends as one exception type, so the app, the command line and a
notebook can all show it the same way, with the line and column it points at::

    ValueError
    └── ProgramError            .kind, .line, .col, .message, .hint
          kind = "syntax"       the text is not Python, or not the subset we run
          kind = "not-allowed"  valid Python we refuse: imports, dunders, callables off the allowlist
          kind = "limit"        too long, too deep, too many steps, too big a tensor, too slow
          kind = "runtime"      the program ran and failed: torch's own error, in torch's words, plus a hint

An exception caught anywhere on the way (the interpreter, a run, a sandbox worker, the server) becomes a
ProgramError in one place, `from_exception`, told where it was caught.
"""
from __future__ import annotations

from typing import Any

KINDS = ("syntax", "not-allowed", "limit", "runtime")


class ProgramError(ValueError):
    """A problem with the user's program, with where it is and what to do about it."""

    def __init__(
        self,
        kind: str,
        message: str,
        *,
        line: int | None = None,
        col: int | None = None,
        hint: str | None = None,
        end_line: int | None = None,
        end_col: int | None = None,
    ) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown ProgramError kind {kind!r}")
        self.kind = kind
        self.message = message
        self.line = line
        self.col = col
        self.end_line = end_line
        self.end_col = end_col
        self.hint = hint
        # for `except RuntimeError as e:` in a program: the class names of the exception this error stands for
        # (most specific first) and its own text; None for the explorer's own checks
        self.exception: tuple[str, ...] | None = None
        self.exception_text: str | None = None
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line is not None else ""
        if where and self.col is not None:
            where += f", column {self.col + 1}"
        text = f"{where}: {self.message}" if where else self.message
        if self.hint:
            text += f" ({self.hint})"
        return text

    def at(self, node: Any) -> ProgramError:
        """Fill in the position from an AST node if none is set yet; returns self for `raise e.at(node)`."""
        if self.line is None and getattr(node, "lineno", None) is not None:
            self.line = node.lineno
            self.col = node.col_offset
            self.end_line = getattr(node, "end_lineno", None)
            self.end_col = getattr(node, "end_col_offset", None)
            self.args = (self.__str__(),)
        return self

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "message": self.message,
            "line": self.line,
            "col": self.col,
            "end_line": self.end_line,
            "end_col": self.end_col,
            "hint": self.hint,
        }

    @classmethod
    def from_dict(cls, d: dict) -> ProgramError:
        return cls(
            d["kind"],
            d["message"],
            line=d.get("line"),
            col=d.get("col"),
            hint=d.get("hint"),
            end_line=d.get("end_line"),
            end_col=d.get("end_col"),
        )


# --- from an exception to a ProgramError: the one mapping -----------------------------------------------
#
# Whatever catches an exception asks `from_exception(exc, where)`. Where it was caught says whose fault it
# was, and so how it reads:
PROGRAM = "program"  # raised by the typed program as it ran (the interpreter): torch's words, with a hint
RUN = "run"  # escaped a whole run in this process (explorer.recording.run.run_request): a bug of ours
RUNNER = "runner"  # escaped the runner a sandbox worker called (explorer.sandbox.worker)
WORKER = "worker"  # escaped the worker process around the runner: setting up, confining itself
REPLYING = "replying"  # a worker could not write its reply as JSON
STARTING = "starting"  # the server could not start a worker (explorer.sandbox.pool)
EXCHANGING = "exchanging"  # the server failed while a worker ran a program
RECEIVING = "receiving"  # the server could not read a worker's reply
PLACES = (PROGRAM, RUN, RUNNER, WORKER, REPLYING, STARTING, EXCHANGING, RECEIVING)

MEMORY_HINT = "make the tensors smaller or use fewer of them"
CRASH_HINT = "the explorer is fine — try smaller or simpler arguments"

# Torch's messages with what to do about them: (a phrase in torch's message, the hint to add). First match wins.
HINTS: tuple[tuple[str, str], ...] = (
    ("grad can be implicitly created only for scalar outputs",
     "backward() needs a single number to start from: call out.sum().backward() or out.mean().backward(), "
     "or pass a gradient of the same shape: out.backward(torch.ones_like(out))"),
    ("Trying to backward through the graph a second time",
     "the first backward freed the graph's saved values: pass retain_graph=True to it, or run the forward "
     "pass again before each backward"),
    ("a leaf Variable that requires grad is being used in an in-place operation",
     "update parameters inside `with torch.no_grad():`, or assign a new tensor instead of changing it in place"),
    ("does not require grad and does not have a grad_fn",
     "create the input with requires_grad=True, e.g. torch.tensor(2.0, requires_grad=True)"),
    ("modified by an inplace operation",
     "a value autograd saved was changed in place later; use out-of-place ops (x = x * 2 instead of x *= 2)"),
    ("One of the differentiated Tensors appears to not have been used in the graph",
     "that input does not affect the output; pass allow_unused=True to get None for it"),
    ("shapes cannot be multiplied",
     "check the shapes with print(a.shape, b.shape); matrix products need a (n, k) @ (k, m)"),
    ("must match the size of tensor", "the shapes do not broadcast; check them with print(x.shape)"),
    ("only supported for floating point",
     "use float tensors for gradients: torch.tensor([1.0, 2.0]) or dtype=torch.float32"),
    ("Only Tensors of floating point",
     "use float tensors for gradients: torch.tensor([1.0, 2.0]) or dtype=torch.float32"),
    ("Boolean value of Tensor with more than one", "use .any() or .all(), or compare a single element"),
    ("can't convert", "a tensor with requires_grad can't become a number or list directly: call .detach() first"),
    ("Can't call numpy", "detach it first: x.detach().numpy() (the array has no gradient)"),
    ("index out of range", "indices start at 0 and stop one before the length"),
    ("is out of bounds for dimension", "indices start at 0 and stop one before the length"),
)

# Torch's words for an allocation that failed (its CPU allocator under the worker's address-space limit).
MEMORY_PHRASES = ("can't allocate memory", "DefaultCPUAllocator", "not enough memory", "std::bad_alloc")

# What an exception that is none of the program's fault says, by where it was caught: {name} is its type,
# {text} its words.
_OURS: dict[str, tuple[str, str | None]] = {
    RUN: ("internal error: {name}: {text}", None),
    RUNNER: ("the explorer failed: {name}: {text}", None),
    WORKER: ("the worker failed: {name}: {text}", None),
    REPLYING: ("the result could not be turned into JSON: {text}", None),
    STARTING: ("the explorer could not start a worker process: {text}", None),
    EXCHANGING: ("the explorer failed to run the program: {text}", None),
    RECEIVING: ("the worker sent back a result that is not valid JSON", CRASH_HINT),
}


def from_exception(exc: BaseException, where: str = PROGRAM, *, memory_mb: int | None = None) -> ProgramError:
    """The ProgramError that `exc`, caught at `where` (one of PLACES), tells the user. A ProgramError is
    itself. Memory is a `limit` everywhere (in a worker, `memory_mb` is what it was allowed), and so is depth
    in the program; anything else is `runtime`: in the program, torch's own words with a hint (HINTS); past
    it, a failure of the explorer's, said as such."""
    if isinstance(exc, ProgramError):
        return exc
    if where == PROGRAM:
        return _program_error(exc)
    if where not in _OURS:
        raise ValueError(f"unknown place {where!r}; choose one of {', '.join(PLACES)}")
    if where == RUN and isinstance(exc, RecursionError):
        return ProgramError("limit", "the program nests too deeply")
    if where == RUN and isinstance(exc, MemoryError):
        return ProgramError("limit", "the program ran out of memory")
    if where in (RUNNER, WORKER, REPLYING) and (
            isinstance(exc, MemoryError)
            or (where == RUNNER and isinstance(exc, RuntimeError) and "can't allocate memory" in str(exc))):
        return memory_limit_error(memory_mb)
    message, hint = _OURS[where]
    # a runner's RuntimeError is named so whatever its subclass (torch raises many)
    name = "RuntimeError" if where == RUNNER and isinstance(exc, RuntimeError) else type(exc).__name__
    return ProgramError("runtime", message.format(name=name, text=exc), hint=hint)


def memory_limit_error(memory_mb: int | None) -> ProgramError:
    """A worker ran out of the memory it was allowed."""
    allowed = f"the {memory_mb} MB allowed" if memory_mb is not None else "allowed"
    return ProgramError("limit", f"the program needed more memory than {allowed}", hint=MEMORY_HINT)


def _program_error(exc: BaseException) -> ProgramError:
    """The program's own failure: `limit` for memory and depth, else `runtime` in torch's words plus a hint."""
    if isinstance(exc, RecursionError):
        return ProgramError("limit", "the program nests calls too deeply")
    if isinstance(exc, MemoryError):
        return ProgramError("limit", "the program ran out of memory", hint="use smaller tensors")
    text = str(exc).strip() or type(exc).__name__
    first = text.splitlines()[0] if text else text
    if len(first) > 400:
        first = first[:400] + "…"
    if any(p in text for p in MEMORY_PHRASES):
        return ProgramError("limit", "the program needed more memory than allowed", hint="use smaller tensors")
    name = type(exc).__name__
    message = first if name in ("RuntimeError",) else f"{name}: {first}"
    hint = next((h for phrase, h in HINTS if phrase in text), None)
    error = ProgramError("runtime", message, hint=hint)
    error.exception = tuple(c.__name__ for c in type(exc).__mro__ if c is not object)
    error.exception_text = str(exc)
    return error
