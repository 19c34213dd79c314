"""Run a checked AST, one node at a time, with every name, attribute and call resolved through our tables.

There is no `eval`, `exec` or `compile` of user text anywhere: each expression is evaluated here, so each
can be checked (size, type, allowlist) before it runs and reported to the recorder after.

Python semantics kept where tutorials rely on them: `+=` on a tensor is in place (it calls `__iadd__`),
`and`/`or` short-circuit and return an operand, comprehensions have their own scope, default arguments
are evaluated once at `def`.
"""
from __future__ import annotations

import ast
import contextlib
import dataclasses
import operator
import re
import string
import time
import unicodedata
from collections.abc import Generator, Iterable, Iterator, Sequence
from typing import Any, cast

import numpy as np
import torch

from explorer.config import KEEP_PASSES, Limits
from explorer.errors import ProgramError
from explorer.language import allowlist as A
from explorer.language import (
    autograd_ns,
    guards,
    hooks,
    layers,
    numpy_ns,
    os_ns,
    private,
    random_ns,
    schedulers,
    stdlib_ns,
)
from explorer.language.builtins import SUPER, make_builtins
from explorer.language.classes import Classes, UserModule, is_user_kind
from explorer.language.errors import runtime_error
from explorer.language.functions import View
from explorer.language.names import bound_by_import
from explorer.language.namespaces import make_namespaces, methods_for
from explorer.language.objects import (
    DATA_TYPES,
    EXCEPTIONS,
    OPTIMIZER_TYPES,
    BoundMethod,
    ErrorValue,
    Fn,
    GradFnView,
    GradMode,
    Instance,
    Namespace,
    ParamGroup,
    ParamGroups,
    Super,
    TypeRef,
    UserClass,
    UserFunction,
    UserIterator,
    UserMethod,
    error_value,
    type_name,
)
from explorer.language.plotting import Plot, make_plotting

BINOPS = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow,
    ast.MatMult: operator.matmul, ast.BitAnd: operator.and_, ast.BitOr: operator.or_,
    ast.BitXor: operator.xor, ast.LShift: operator.lshift, ast.RShift: operator.rshift,
}
INPLACE = {
    ast.Add: operator.iadd, ast.Sub: operator.isub, ast.Mult: operator.imul, ast.Div: operator.itruediv,
    ast.FloorDiv: operator.ifloordiv, ast.Mod: operator.imod, ast.Pow: operator.ipow,
    ast.MatMult: operator.imatmul, ast.BitAnd: operator.iand, ast.BitOr: operator.ior,
    ast.BitXor: operator.ixor, ast.LShift: operator.ilshift, ast.RShift: operator.irshift,
}
# the plain operator each in-place one is checked as
PLAIN_OF = {INPLACE[k]: v for k, v in BINOPS.items()}
COMPARE = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge, ast.Is: operator.is_, ast.IsNot: operator.is_not,
    ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b,
}
UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Not: operator.not_, ast.Invert: operator.invert}

_SPEC_NUMBER = re.compile(r"\d+")
_ARRAY_LIKE = (torch.Tensor, np.ndarray, numpy_ns.NumpyType)  # comparisons that need the checks of arithmetic
_IMPORT_HINTS = {"np": "import it first: import numpy as np", "numpy": "import it first: import numpy as np",
                 "random": "import it first: import random",
                 "os": "import it first: import os (only os.environ.get and os.path.join are there)",
                 "plt": "import it first: import matplotlib.pyplot as plt (plotting is skipped here)",
                 "matplotlib": "import it first: import matplotlib.pyplot as plt (plotting is skipped here)",
                 "pyplot": "import it first: import matplotlib.pyplot as plt (plotting is skipped here)"}
# `torch.__version__` and `np.__version__` as plain strings, by the name of the namespace read
VERSIONS = {"torch": str(torch.__version__), "numpy": str(np.__version__)}
_FORMATTER = string.Formatter()  # only its parser is used: fields are looked up by str_format


class _Break(Exception):
    pass


def statement_error(e: Exception, stmt: ast.AST) -> ProgramError:
    """The ProgramError for an exception a statement raised that was not one already."""
    if isinstance(e, RecursionError):
        return ProgramError("limit", "the program nests calls too deeply").at(stmt)
    if isinstance(e, MemoryError):
        return ProgramError("limit", "the program ran out of memory", hint="use smaller tensors").at(stmt)
    return runtime_error(e).at(stmt)


class _Continue(Exception):
    pass


class _Return(Exception):
    def __init__(self, value: Any) -> None:
        self.value = value


class Scope:
    """Names visible at one level: a function call or comprehension has its own, reading through parents."""

    __slots__ = ("vars", "parent", "local_names", "redirect", "method")

    def __init__(self, parent: Scope | None = None, local_names: frozenset = frozenset(),
                 redirect: dict[str, Scope] | None = None) -> None:
        self.vars: dict[str, Any] = {}
        self.parent = parent
        self.local_names = local_names  # a function's assigned names: local even before they get a value
        self.redirect = redirect  # names the function declares global / nonlocal: the scope that holds each
        self.method: tuple[UserClass, str | None] | None = None  # a method's call: its class, its first parameter

    def holder(self, name: str) -> Scope:
        """The scope an assignment to `name` here binds it in: this one, or where `global`/`nonlocal` points."""
        scope = self
        while scope.redirect is not None and name in scope.redirect:
            scope = scope.redirect[name]
        return scope

    def method_of(self) -> tuple[UserClass, str | None] | None:
        """The innermost method call this scope is in (what `super()` needs), or None."""
        scope: Scope | None = self
        while scope is not None:
            if scope.method is not None:
                return scope.method
            scope = scope.parent
        return None

    def lookup(self, name: str) -> Any:
        scope: Scope | None = self
        while scope is not None:
            if scope.redirect is not None and name in scope.redirect:
                scope = scope.redirect[name]
                continue
            if name in scope.vars:
                return scope.vars[name]
            if name in scope.local_names:
                raise ProgramError(
                    "runtime", f"local variable '{name}' is used before it gets a value",
                    hint=f"a function that assigns {name} anywhere makes it local; pass it in as an argument")
            scope = scope.parent
        raise KeyError(name)


def assigned_names(body: list[ast.stmt]) -> frozenset:
    """Names a function body assigns (its locals, as Python decides them), not looking into nested defs, and not
    those it declares global or nonlocal."""
    names: set[str] = set()
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
            stack.extend(node.decorator_list)
            continue
        if isinstance(node, ast.Lambda):
            continue  # its parameters belong to it
        if isinstance(node, (ast.ListComp, ast.GeneratorExp, ast.DictComp, ast.SetComp)):
            continue  # their loop variables belong to them
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update(bound_by_import(node))
        stack.extend(ast.iter_child_nodes(node))
    return frozenset(names - {name for name, _ in declared_names(body)})


def _own_nodes(body: list[ast.stmt]) -> Iterator[ast.AST]:
    """Every node of a function body that belongs to it: not those inside a nested def or lambda."""
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, ast.FunctionDef):
            stack.extend(node.decorator_list)
            stack.extend(node.args.defaults)
            stack.extend(d for d in node.args.kw_defaults if d is not None)
            continue
        if isinstance(node, ast.Lambda):
            stack.extend(node.args.defaults)
            stack.extend(d for d in node.args.kw_defaults if d is not None)
            continue
        stack.extend(ast.iter_child_nodes(node))


def declared_names(body: list[ast.stmt]) -> tuple[tuple[str, str], ...]:
    """(name, "global" | "nonlocal") for each name a function body declares."""
    out: list[tuple[str, str]] = []
    for node in _own_nodes(body):
        if isinstance(node, (ast.Global, ast.Nonlocal)):
            kind = "global" if isinstance(node, ast.Global) else "nonlocal"
            out.extend((name, kind) for name in node.names)
    return tuple(out)


def has_yield(body: list[ast.stmt]) -> bool:
    """Whether a function body is a generator's: a `yield` of its own (not one of a nested def)."""
    return any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in _own_nodes(body))


# iterate() gives what the body can't resize (a copy, for a dict, a tensor, a loader or a list of layers)
_FIXED_LENGTH = (range, tuple, str, torch.Size, dict, torch.Tensor, *layers.CONTAINER_TYPES, *layers.DATA_OBJECT_TYPES)


def certain_passes(body: list[ast.stmt]) -> int:
    """How many backward passes one run of `body` surely makes: its top-level statements that are a
    `t.backward(...)`, `torch.autograd.backward(...)` or `torch.autograd.grad(...)` call (alone, or
    assigned). Each either runs one pass or ends the program with an error. 0 if a break, continue or
    return anywhere inside could cut an iteration short."""
    for stmt in body:
        for n in ast.walk(stmt):
            if isinstance(n, (ast.Break, ast.Continue, ast.Return)):
                return 0
    count = 0
    for stmt in body:
        if isinstance(stmt, (ast.Expr, ast.Assign)) and isinstance(stmt.value, ast.Call):
            func = stmt.value.func
            tensor_backward = isinstance(func, ast.Attribute) and func.attr == "backward" and isinstance(stmt, ast.Expr)
            autograd_call = (isinstance(func, ast.Attribute) and func.attr in ("grad", "backward")
                             and isinstance(func.value, ast.Attribute) and func.value.attr == "autograd"
                             and isinstance(func.value.value, ast.Name) and func.value.value.id == "torch")
            if tensor_backward or autograd_call:
                count += 1
    return count


class NullRecorder:
    """What the interpreter reports to when nobody is tracing (language tests, fuzzing)."""

    light = False

    def on_value(self, value, node, operands=None):
        pass

    def on_assign(self, name, value):
        pass

    def run_pass(self, kind, node, roots, run, **kw):
        return run()

    def enter(self, kind, what, node, index=None):
        pass

    def leave(self, result=None, args=(), node=None):
        pass

    def write(self, text):
        pass

    def notice(self, kind, message, line=None):
        pass

    def on_hook(self, tensor, before, after):
        pass


class Interpreter:
    def __init__(self, tree: ast.Module, *, limits: Limits, recorder: Any = None,
                 inputs: dict[str, Any] | None = None, deadline: float | None = None,
                 light_loops: bool = True) -> None:
        self.tree = tree
        self.limits = limits
        self.rec = recorder if recorder is not None else NullRecorder()
        self.globals = Scope()
        self.globals.vars.update(inputs or {})
        self.steps = 0
        self.loop_iterations = 0
        self.call_depth = 0
        self.deadline = deadline if deadline is not None else time.monotonic() + limits.time_seconds
        self.light_loops = light_loops  # may tell the recorder which loop iterations will be summarised
        self._passes_per_iteration: dict[int, int] = {}
        self.assigned: list[str] = []  # module-level names bound to tensors, in order
        self.lone_output: str | None = None
        self._made_outputs: dict[str, Any] = {}  # name -> tensor a lone expression was given (`out`)
        self.backward_calls = 0
        self.current_call: ast.AST | None = None  # the call being made, for passes started inside it
        self._handling: list[ProgramError] = []  # the errors of the except clauses running now (bare `raise`)
        self.module_call: ast.AST | None = None  # the call of a program's module being run (for its errors)
        self.builtins = make_builtins(self)
        self.namespaces = make_namespaces(self)
        self._numpy: Namespace | None = None  # made on `import numpy`
        self._random: Namespace | None = None  # made on `import random`
        self._yielding: dict[int, bool] = {}  # statement id -> whether a yield is inside it (generators)
        self.classes = Classes(self)

    def release(self) -> None:
        """Drop the run's state. The builtins, namespaces and the program's own functions point back at the
        interpreter (or at the scope holding them), so without this the whole run, tensors and recorder
        included, would wait for the cyclic collector instead of being freed when the caller lets go."""
        self.builtins = {}
        self.namespaces = {}
        self._numpy = None
        self._random = None
        self.globals.vars.clear()
        self._made_outputs.clear()
        self.classes.release()

    # --- entry -------------------------------------------------------------------------------------------
    def run(self) -> None:
        printing = dataclasses.replace(torch._tensor_str.PRINT_OPTS)  # torch.set_printoptions is process-wide
        try:
            self.exec_block(self.tree.body, self.globals)
        except _Return:
            raise ProgramError("syntax", "'return' outside a function") from None
        except (_Break, _Continue):
            raise ProgramError("syntax", "'break' or 'continue' outside a loop") from None
        finally:
            torch._tensor_str.PRINT_OPTS = printing

    # --- statements ----------------------------------------------------------------------------------------
    def exec_block(self, body: list[ast.stmt], scope: Scope) -> None:
        for stmt in body:
            try:
                getattr(self, "exec_" + type(stmt).__name__)(stmt, scope)
            except ProgramError as e:
                e.at(stmt)  # the same error, with this statement's place if it has none yet
                raise
            except (_Break, _Continue, _Return):
                raise
            except Exception as e:  # noqa: BLE001 - anything else is the program's runtime error
                raise statement_error(e, stmt) from None

    def exec_Expr(self, node: ast.Expr, scope: Scope) -> None:
        value = self.eval(node.value, scope)
        # A lone expression that computes something differentiable (`y*y*2`) is the program's output.
        if (scope is self.globals and isinstance(value, torch.Tensor) and value.requires_grad
                and not _is_inplace_call(node.value)):
            self._lone_output(value)

    def _lone_output(self, value: torch.Tensor) -> None:
        """A lone expression's tensor becomes the output. One the program already named (`loss` on a line of
        its own, as a notebook cell shows a value) keeps its name; a new one is called `out` -- or `out2`, ...
        when the program has an `out` of its own, which must keep its value (`out.backward()` may follow)."""
        vars_ = self.globals.vars
        named = next((name for name, v in vars_.items() if v is value), None)
        if named is not None:
            self.lone_output = named
            return
        name, k = "out", 1
        while name in vars_ and vars_[name] is not self._made_outputs.get(name):  # the program's own `out`
            k += 1
            name = f"out{k}"
        self._made_outputs[name] = value
        vars_[name] = value
        self.lone_output = name
        self.rec.on_assign(name, value)
        self._note_assigned(name, value)

    def exec_Assign(self, node: ast.Assign, scope: Scope) -> None:
        value = self.eval(node.value, scope)
        for target in node.targets:
            self.assign(target, value, scope)

    def exec_AnnAssign(self, node: ast.AnnAssign, scope: Scope) -> None:
        assert node.value is not None  # the parser refuses a bare annotation
        self.assign(node.target, self.eval(node.value, scope), scope)

    def exec_AugAssign(self, node: ast.AugAssign, scope: Scope) -> None:
        op = INPLACE[type(node.op)]
        target = node.target
        if isinstance(target, ast.Name):
            current = self.load_name(target.id, scope, target)
            result = self.binop(op, current, self.eval(node.value, scope), node)
            self.assign(target, result, scope)
        elif isinstance(target, ast.Subscript):
            obj = self.eval(target.value, scope)
            index = self.eval(target.slice, scope)
            current = self.subscript(obj, index, target)
            result = self.binop(op, current, self.eval(node.value, scope), node)
            self.set_item(obj, index, result, target)
        elif isinstance(target, ast.Attribute):
            obj = self.eval(target.value, scope)
            current = self.get_attr(obj, target.attr, target)
            result = self.binop(op, current, self.eval(node.value, scope), node)
            self.set_attr(obj, target.attr, result, target)
        else:
            raise ProgramError("syntax", "this kind of target can't be updated with an operator").at(target)

    def exec_For(self, node: ast.For, scope: Scope) -> None:
        value = self.eval(node.iter, scope)
        items = self.loop_items(value, node.iter)
        per = self._certain_passes(node) if self.light_loops and isinstance(value, _FIXED_LENGTH) else 0
        rec, outer_light = self.rec, self.rec.light
        total = len(cast(Sequence, items)) if per else 0
        broke = False
        try:
            for i, item in enumerate(items):
                self.tick_loop(node)
                if per and not outer_light:
                    # more than KEEP_PASSES passes still to come after this iteration: it will be summarised
                    rec.light = (total - 1 - i) * per > KEEP_PASSES
                self.assign(node.target, item, scope)
                if self._iteration(node.body, scope, node, i):
                    broke = True
                    break
        finally:
            rec.light = outer_light
        if not broke and node.orelse:
            self.exec_block(node.orelse, scope)

    def _iteration(self, body: list[ast.stmt], scope: Scope, loop: ast.AST, index: int) -> bool:
        """One run of a loop body (the recorder's group for iteration `index`); True if it ended with `break`."""
        self.rec.enter("loop", None, loop, index)
        try:
            self.exec_block(body, scope)
        except _Break:
            return True
        except _Continue:
            pass
        finally:
            self.rec.leave()
        return False

    def _certain_passes(self, node: ast.For) -> int:
        """Backward passes every iteration of this loop surely runs (0 if one might not), from its text."""
        key = id(node)
        if key not in self._passes_per_iteration:
            self._passes_per_iteration[key] = certain_passes(node.body)
        return self._passes_per_iteration[key]

    def exec_While(self, node: ast.While, scope: Scope) -> None:
        broke = False
        iteration = 0
        while self.truth(self.eval(node.test, scope), node.test):
            self.tick_loop(node)
            iteration += 1
            if self._iteration(node.body, scope, node, iteration - 1):
                broke = True
                break
        if not broke and node.orelse:
            self.exec_block(node.orelse, scope)

    def exec_If(self, node: ast.If, scope: Scope) -> None:
        if self.truth(self.eval(node.test, scope), node.test):
            self.exec_block(node.body, scope)
        elif node.orelse:
            self.exec_block(node.orelse, scope)

    def exec_FunctionDef(self, node: ast.FunctionDef, scope: Scope) -> None:
        self.assign(ast.Name(id=node.name, ctx=ast.Store()), self.make_function(node, scope), scope)

    def make_function(self, node: ast.FunctionDef, scope: Scope, closure: Scope | None = None,
                      decorators: list[ast.expr] | None = None) -> UserFunction:
        """A `def`: its defaults and decorators (those of a grad mode: `decorators`, all of them if None) evaluated
        now in `scope`; its body will read names from `closure` (a method's is the scope around its class, not the
        class body, as in Python)."""
        args = node.args
        defaults: dict[str, Any] = {}
        positional = args.args
        for arg, default in zip(positional[len(positional) - len(args.defaults):], args.defaults):
            defaults[arg.arg] = self.eval(default, scope)
        for arg, kw_default in zip(args.kwonlyargs, args.kw_defaults):
            if kw_default is not None:
                defaults[arg.arg] = self.eval(kw_default, scope)
        grad_mode = self.decorators(node.decorator_list if decorators is None else decorators, scope)
        return UserFunction(node, defaults, closure or scope, assigned_names(node.body), declared_names(node.body),
                            has_yield(node.body), grad_mode)

    def exec_ClassDef(self, node: ast.ClassDef, scope: Scope) -> None:
        cls = self.classes.define(node, scope)
        self.assign(ast.Name(id=node.name, ctx=ast.Store()), cls, scope)

    def exec_Return(self, node: ast.Return, scope: Scope) -> None:
        raise _Return(self.eval(node.value, scope) if node.value is not None else None)

    def exec_Pass(self, node: ast.Pass, scope: Scope) -> None:
        pass

    def exec_Break(self, node: ast.Break, scope: Scope) -> None:
        raise _Break()

    def exec_Continue(self, node: ast.Continue, scope: Scope) -> None:
        raise _Continue()

    def exec_Assert(self, node: ast.Assert, scope: Scope) -> None:
        if not self.truth(self.eval(node.test, scope), node.test):
            msg = self.eval(node.msg, scope) if node.msg is not None else None
            text = ast.unparse(node.test)
            raise ProgramError("runtime", f"assertion failed: {text}" + (f": {msg}" if msg is not None else ""))

    # --- try / except / raise ----------------------------------------------------------------------------
    # Only the program's own runtime errors can be caught (torch's and Python's exceptions, and what `raise`
    # makes): a limit (time, memory, sizes) or a refusal ends the run whatever the program wrote, and a
    # `finally` does not run after one, so that no `finally: continue` can keep a run past its limits.
    def exec_Try(self, node: ast.Try, scope: Scope) -> None:
        try:
            self.exec_block(node.body, scope)
        except ProgramError as e:
            if not _catchable(e):
                raise
            handler = self.handler_for(node.handlers, e, scope)
            if handler is None:
                self.run_finally(node, scope)
                raise
            self.handle(handler, e, scope, node)
        except (_Break, _Continue, _Return):
            self.run_finally(node, scope)
            raise
        else:
            if node.orelse:
                try:
                    self.exec_block(node.orelse, scope)
                except ProgramError as e:
                    if _catchable(e):
                        self.run_finally(node, scope)
                    raise
                except (_Break, _Continue, _Return):
                    self.run_finally(node, scope)
                    raise
        self.run_finally(node, scope)

    def handle(self, handler: ast.ExceptHandler, e: ProgramError, scope: Scope, node: ast.Try) -> None:
        """Run an `except` body with `as name` bound to the error, as Python does (the name is unbound after)."""
        if handler.name:
            self.assign(ast.Name(id=handler.name, ctx=ast.Store()), caught_value(e), scope)
        self._handling.append(e)
        try:
            self.exec_block(handler.body, scope)
        except ProgramError as again:
            if _catchable(again):
                self.run_finally(node, scope)
            raise
        except (_Break, _Continue, _Return):
            self.run_finally(node, scope)
            raise
        finally:
            self._handling.pop()
            if handler.name:
                scope.holder(handler.name).vars.pop(handler.name, None)

    def run_finally(self, node: ast.Try, scope: Scope) -> None:
        if node.finalbody:
            self.exec_block(node.finalbody, scope)

    def handler_for(self, handlers: list[ast.ExceptHandler], e: ProgramError, scope: Scope) -> Any:
        """The first `except` clause that names one of the error's classes (a bare `except:` takes any)."""
        names = e.exception or ("Exception", "BaseException")
        for handler in handlers:
            if handler.type is None:
                return handler
            wanted = self.eval(handler.type, scope)
            for w in (wanted if isinstance(wanted, tuple) else (wanted,)):
                if not (isinstance(w, TypeRef) and w.real in EXCEPTIONS.values()):
                    raise ProgramError("not-allowed", "except names exception classes here, like except "
                                       "RuntimeError or except (ValueError, TypeError)").at(handler.type)
                if w.name in names:
                    return handler
        return None

    def exec_Raise(self, node: ast.Raise, scope: Scope) -> None:
        """`raise ValueError("...")`, `raise e`, or a bare `raise` in an except clause to raise its error again."""
        if node.exc is None:
            if not self._handling:
                raise ProgramError("runtime", "RuntimeError: No active exception to reraise").at(node)
            raise self._handling[-1]
        value = self.eval(node.exc, scope)
        if isinstance(value, TypeRef) and value.real in EXCEPTIONS.values():
            value = error_value(value.real, ())
        if not isinstance(value, ErrorValue):
            raise ProgramError("runtime", "TypeError: exceptions must derive from BaseException",
                               hint="raise an exception like raise ValueError('what went wrong')").at(node)
        message = value.text if value.name == "RuntimeError" else f"{value.name}: {value.text}".rstrip(": ")
        error = ProgramError("runtime", message).at(node)
        error.exception, error.exception_text = value.names, value.text
        raise error

    def exec_Delete(self, node: ast.Delete, scope: Scope) -> None:
        for target in node.targets:
            if isinstance(target, ast.Name):
                holder = scope.holder(target.id)
                if target.id not in holder.vars:
                    raise ProgramError("runtime", f"name '{target.id}' is not defined").at(target)
                del holder.vars[target.id]
            elif isinstance(target, ast.Subscript):
                obj = self.eval(target.value, scope)
                if not isinstance(obj, (list, dict)):
                    raise ProgramError("not-allowed", "del works on names, list items and dict keys").at(target)
                del obj[self.eval(target.slice, scope)]
            else:
                raise ProgramError("not-allowed", "del works on names, list items and dict keys").at(target)

    # imports bind names to what the language already offers, resolved through the same tables as an
    # expression: `import torch.nn as nn` is `nn = torch.nn`, `from torch import optim` is `optim = torch.optim`
    def exec_Import(self, node: ast.Import, scope: Scope) -> None:
        for alias in node.names:
            module = self.import_module(alias.name, node)
            if alias.asname:
                self.assign(ast.Name(id=alias.asname, ctx=ast.Store()), module, scope)
            else:  # `import torch.nn` binds `torch`, as in Python
                root = alias.name.split(".")[0]
                self.assign(ast.Name(id=root, ctx=ast.Store()), self.module(root), scope)

    def exec_ImportFrom(self, node: ast.ImportFrom, scope: Scope) -> None:
        if node.module == "__future__":
            return
        module = self.import_module(node.module or "", node)
        for alias in node.names:
            value = self.get_attr(module, alias.name, node)
            self.assign(ast.Name(id=alias.asname or alias.name, ctx=ast.Store()), value, scope)

    def import_module(self, dotted: str, node: ast.AST) -> Any:
        """The namespace at a dotted path (`torch.nn.functional`), each step through get_attr's tables."""
        root, *rest = dotted.split(".")
        value: Any = self.module(root)
        if value is None:  # the parser lets through only the modules we offer
            raise ProgramError("not-allowed", f"the module `{dotted}` is not available here").at(node)
        if isinstance(value, Plot):
            self.rec.notice("plotting-skipped", A.PLOTTING_NOTICE, getattr(node, "lineno", None))
        for part in rest:
            value = self.get_attr(value, part, node)
            if not isinstance(value, (Namespace, Plot)):
                raise ProgramError("not-allowed", f"`{dotted}` is not a module: write `from "
                                   f"{dotted.rpartition('.')[0]} import {part}`").at(node)
        return value

    def module(self, root: str) -> Any:
        """What `import root` binds: torch, math, numpy, or a plotting stand-in; None for anything else."""
        if root in self.namespaces and root not in ("F", "nn"):
            return self.namespaces[root]
        if root == "numpy":
            if self._numpy is None:
                self._numpy = numpy_ns.make_numpy(self)
            return self._numpy
        if root == "random":
            if self._random is None:
                self._random = random_ns.make_random(self)
            return self._random
        if root in A.PLOTTING_MODULES:
            return make_plotting()
        if root == "typing":
            return stdlib_ns.make_typing()
        if root == "collections":
            return stdlib_ns.make_collections(self)
        if root == "os":
            return os_ns.make_os()
        return None

    def exec_With(self, node: ast.With, scope: Scope) -> None:
        mode = self.with_mode(node, scope)
        with _grad_mode(mode):
            self.exec_block(node.body, scope)

    def with_mode(self, node: ast.With, scope: Scope) -> bool | None | hooks.SavedTensorsHooks:
        """The grad mode a `with` statement sets: torch.no_grad() / torch.enable_grad(); None for a plotting
        context (`with plt.style.context('ggplot'):`), which does nothing here; the program's saved-tensors hooks
        (torch.autograd.graph.saved_tensors_hooks(pack, unpack))."""
        if len(node.items) != 1 or node.items[0].optional_vars is not None:
            raise ProgramError("not-allowed",
                               "only `with torch.no_grad():` (or torch.enable_grad()) is supported").at(node)
        mode = self.eval(node.items[0].context_expr, scope)
        if isinstance(mode, Plot):
            return None
        if isinstance(mode, autograd_ns.GradSwitch):  # the call switched already; the block restores the mode
            autograd_ns.undo(mode)                     # from before it, as torch's set_grad_enabled does
        if isinstance(mode, hooks.SavedTensorsHooks):
            return mode
        if not isinstance(mode, GradMode):
            raise ProgramError(
                "not-allowed", "only `with torch.no_grad():` (or torch.enable_grad()) is supported"
            ).at(node.items[0].context_expr)
        return mode.enabled

    # global / nonlocal are declarations: a call of the function reads them (UserFunction.declared)
    def exec_Global(self, node: ast.Global, scope: Scope) -> None:
        pass

    def exec_Nonlocal(self, node: ast.Nonlocal, scope: Scope) -> None:
        pass

    # --- assignment ----------------------------------------------------------------------------------------
    def assign(self, target: ast.expr, value: Any, scope: Scope) -> None:
        if isinstance(target, ast.Name):
            if scope.redirect is not None:  # a name the function declared global or nonlocal
                scope = scope.holder(target.id)
            scope.vars[target.id] = value
            self.rec.on_assign(target.id, value)
            if scope is self.globals:
                self._note_assigned(target.id, value)
                if isinstance(value, (torch.nn.Module, Instance)):  # net -> net.fc1.weight, ...
                    for name, t in layers.named_tensors(target.id, value).items():
                        self.rec.on_assign(name, t)
        elif isinstance(target, (ast.Tuple, ast.List)):
            self._unpack(target, value, scope)
        elif isinstance(target, ast.Subscript):
            obj = self.eval(target.value, scope)
            self.set_item(obj, self.eval(target.slice, scope), value, target)
        elif isinstance(target, ast.Attribute):
            self.set_attr(self.eval(target.value, scope), target.attr, value, target)
        else:
            raise ProgramError("syntax", "can't assign to this").at(target)

    def _note_assigned(self, name: str, value: Any) -> None:
        if isinstance(value, torch.Tensor):
            if name in self.assigned:
                self.assigned.remove(name)
            self.assigned.append(name)

    def _unpack(self, target: ast.Tuple | ast.List, value: Any, scope: Scope) -> None:
        items = self.iterate(value, target)
        stars = [i for i, e in enumerate(target.elts) if isinstance(e, ast.Starred)]
        n = len(target.elts)
        if not stars:
            if len(items) != n:
                raise ProgramError("runtime", f"expected {n} values to unpack, got {len(items)}").at(target)
            for elt, item in zip(target.elts, items):
                self.assign(elt, item, scope)
            return
        s = stars[0]
        after = n - s - 1
        if len(items) < n - 1:
            raise ProgramError("runtime", f"expected at least {n - 1} values to unpack, got {len(items)}").at(target)
        for elt, item in zip(target.elts[:s], items[:s]):
            self.assign(elt, item, scope)
        starred = cast(ast.Starred, target.elts[s])  # found by its type above
        self.assign(starred.value, list(items[s:len(items) - after]), scope)
        for elt, item in zip(target.elts[s + 1:], items[len(items) - after:]):
            self.assign(elt, item, scope)

    def set_item(self, obj: Any, index: Any, value: Any, node: ast.AST) -> None:
        if isinstance(obj, (torch.Tensor, np.ndarray)):
            index = self.array_index(index, node)
        if isinstance(obj, torch.Tensor):
            self.check_data(index, node)
            self.check_data(value, node)
            self.guarded(operator.setitem, (obj, index, value), {}, node)
        elif isinstance(obj, ParamGroup):
            try:
                obj[index] = value
            except (PermissionError, TypeError) as e:
                raise ProgramError("not-allowed", f"can't set param_groups[...][{index!r}]: {e}").at(node) from None
        elif isinstance(obj, dict):
            self.check_data(value, node, objects=True)
            obj[index] = value
        elif isinstance(obj, list):
            obj[index] = value
        elif isinstance(obj, np.ndarray):
            self.check_data(index, node)
            self.check_data(value, node)
            self.guarded(numpy_ns.numbers_only, ((index, value), self.limits), {}, node)
            self.guarded(guards.check_array_index, (obj, index, self.limits), {}, node)
            self.guarded(guards.shape_of, (value, self.limits), {}, node)
            self.guarded(operator.setitem, (obj, index, numpy_ns.as_array(value)), {}, node)
        elif isinstance(obj, Plot):
            pass  # plt.rcParams['figure.figsize'] = ...: plotting is skipped
        elif isinstance(obj, layers.CONTAINER_TYPES):
            self.guarded(layers.set_container_item, (obj, index, value, node), {}, node)
        else:
            raise ProgramError("not-allowed", f"items of a {type_name(obj)} can't be assigned").at(node)

    def set_attr(self, obj: Any, name: str, value: Any, node: ast.AST) -> None:
        if private.is_private(name):
            private.check_write(obj, name, node)
        if isinstance(obj, torch.Tensor) and name in A.TENSOR_SETTABLE:
            if name == "requires_grad" and not isinstance(value, bool):
                raise ProgramError("runtime", "requires_grad must be True or False").at(node)
            if (name in ("grad", "data") and not (value is None and name == "grad")
                    and not isinstance(value, torch.Tensor)):
                raise ProgramError("runtime", f".{name} must be set to a tensor").at(node)
            if (name in ("grad", "data") and value is not None
                    and (value.shape != obj.shape or value.dtype != obj.dtype)):
                raise ProgramError(
                    "not-allowed", f".{name} must keep the tensor's shape {tuple(obj.shape)} and dtype "
                    f"{str(obj.dtype).replace('torch.', '')}",
                    hint="make a new tensor instead of changing .data").at(node)
            self.guarded(setattr, (obj, name, value), {}, node)
            return
        if isinstance(obj, (Instance, UserClass, UserModule)):
            self.classes.set_attr(obj, name, value, node)
            return
        if isinstance(obj, torch.nn.Module):
            layers.set_layer_attr(obj, name, value, node)
            return
        if isinstance(obj, Plot):
            return  # ax.xaxis.label.fontsize = ...: plotting is skipped
        if isinstance(obj, View):
            obj.set(self, name, value, node)
            return
        allowed = ", ".join("." + n for n in sorted(A.TENSOR_SETTABLE))
        raise ProgramError(
            "not-allowed", f"can't set `.{name}` on a {type_name(obj)}", hint=f"only {allowed} of a tensor can be set"
        ).at(node)

    # --- expressions ---------------------------------------------------------------------------------------
    def eval(self, node: ast.expr, scope: Scope) -> Any:
        self.steps += 1
        if self.steps > self.limits.max_steps or self.steps & 1023 == 0:
            self._check_budget()
        return getattr(self, "eval_" + type(node).__name__)(node, scope)

    def _check_budget(self) -> None:
        if self.steps > self.limits.max_steps:
            raise ProgramError("limit", f"the program took more than {self.limits.max_steps:,} steps",
                               hint="use fewer loop iterations")
        if time.monotonic() > self.deadline:
            raise ProgramError("limit", f"the program ran longer than {self.limits.time_seconds:g} s",
                               hint="look for a loop that never ends, or make the tensors smaller")

    def tick_loop(self, node: ast.AST) -> None:
        self.loop_iterations += 1
        if self.loop_iterations > self.limits.max_loop_iterations:
            raise ProgramError(
                "limit", f"loops ran more than {self.limits.max_loop_iterations:,} times in all",
                hint="check the loop's condition; a while loop needs something that makes it false",
            ).at(node)
        if self.loop_iterations & 255 == 0:
            self._check_budget()

    def eval_Constant(self, node: ast.Constant, scope: Scope) -> Any:
        return node.value

    def eval_Name(self, node: ast.Name, scope: Scope) -> Any:
        return self.load_name(node.id, scope, node)

    def load_name(self, name: str, scope: Scope, node: ast.AST) -> Any:
        try:
            return scope.lookup(name)
        except KeyError:
            pass
        if name == "__name__":  # a program runs as the main module: `if __name__ == "__main__":` runs its body
            return "__main__"
        if name in self.namespaces:
            return self.namespaces[name]
        if name in self.builtins:
            return self.builtins[name]
        if name in A.MODULE_NAMES:
            raise ProgramError("not-allowed", f"`{name}` is not available here",
                               hint=_IMPORT_HINTS.get(name, "torch, F (torch.nn.functional) and math are already "
                                                            "there; numpy and matplotlib can be imported")).at(node)
        if name in A.BUILTIN_REFUSED:
            raise ProgramError("not-allowed", f"`{name}` is not available: {A.BUILTIN_REFUSED[name]}").at(node)
        raise ProgramError("runtime", f"name '{name}' is not defined", hint="give it a value before this line").at(node)

    def eval_BinOp(self, node: ast.BinOp, scope: Scope) -> Any:
        left = self.eval(node.left, scope)
        right = self.eval(node.right, scope)
        result = self.binop(BINOPS[type(node.op)], left, right, node)
        self.rec.on_value(result, node, ((left, node.left), (right, node.right)))
        return result

    def binop(self, op: Any, left: Any, right: Any, node: ast.AST | None) -> Any:
        self.check_operand(left, node)
        self.check_operand(right, node)
        if isinstance(left, np.ndarray) or isinstance(right, np.ndarray):  # numpy turns a list into an array
            self.check_data((left, right), node if node is not None else self.current_call)
            self.guarded(numpy_ns.numbers_only, ((left, right), self.limits), {}, node)
        self.guarded(guards.check_binop, (PLAIN_OF.get(op, op), left, right, self.limits), {}, node)
        result = self.guarded(op, (left, right), {}, node)
        if isinstance(result, (str, list, tuple)):
            guards.check_length(len(result), self.limits)
        if not isinstance(result, (int, float)):  # numbers need no check (numpy's are not int or float here)
            self.guarded(guards.check_result, (result, self.limits), {}, node)
        return result

    def eval_UnaryOp(self, node: ast.UnaryOp, scope: Scope) -> Any:
        operand = self.eval(node.operand, scope)
        if isinstance(node.op, ast.Not):
            return not self.truth(operand, node.operand)
        self.check_operand(operand, node)
        result = self.guarded(UNARY[type(node.op)], (operand,), {}, node)
        self.rec.on_value(result, node, ((operand, node.operand),))
        return result

    def eval_BoolOp(self, node: ast.BoolOp, scope: Scope) -> Any:
        is_and = isinstance(node.op, ast.And)
        value = None
        for expr in node.values:
            value = self.eval(expr, scope)
            if self.truth(value, expr) != is_and:
                return value
        return value

    def eval_Compare(self, node: ast.Compare, scope: Scope) -> Any:
        left = self.eval(node.left, scope)
        result: Any = True
        for op, right_node in zip(node.ops, node.comparators):
            right = self.eval(right_node, scope)
            result = self.compare(COMPARE[type(op)], left, right, node)
            if len(node.ops) > 1 and not self.truth(result, node):
                return result
            left = right
        return result

    def compare(self, op: Any, left: Any, right: Any, node: ast.AST) -> Any:
        """One comparison: elementwise ones between tensors or arrays are checked for size like arithmetic;
        `a.dtype == np.float32` compares the dtypes."""
        if isinstance(left, _ARRAY_LIKE) or isinstance(right, _ARRAY_LIKE):
            return self.compare_arrays(op, left, right, node)
        return self.guarded(op, (left, right), {}, node)

    def compare_arrays(self, op: Any, left: Any, right: Any, node: ast.AST) -> Any:
        if isinstance(left, numpy_ns.NumpyType):
            left = left.dtype
        if isinstance(right, numpy_ns.NumpyType):
            right = right.dtype
        if op is not operator.is_ and op is not operator.is_not:
            self.check_operand(left, node)
            self.check_operand(right, node)
            if isinstance(left, np.ndarray) or isinstance(right, np.ndarray):
                self.check_data((left, right), node)
                self.guarded(numpy_ns.numbers_only, ((left, right), self.limits), {}, node)
            self.guarded(guards.check_binop, (operator.add, left, right, self.limits), {}, node)
        result = self.guarded(op, (left, right), {}, node)
        self.guarded(guards.check_result, (result, self.limits), {}, node)
        return result

    def eval_IfExp(self, node: ast.IfExp, scope: Scope) -> Any:
        if self.truth(self.eval(node.test, scope), node.test):
            return self.eval(node.body, scope)
        return self.eval(node.orelse, scope)

    def truth(self, value: Any, node: ast.AST) -> bool:
        return self.guarded(bool, (value,), {}, node)

    def eval_List(self, node: ast.List, scope: Scope) -> list:
        return self._elements(node.elts, scope)

    def eval_Tuple(self, node: ast.Tuple, scope: Scope) -> tuple:
        return tuple(self._elements(node.elts, scope))

    def eval_Set(self, node: ast.Set, scope: Scope) -> set:
        return self.guarded(set, (self._elements(node.elts, scope),), {}, node)

    def _elements(self, elts: list[ast.expr], scope: Scope) -> list:
        out: list = []
        for e in elts:
            if isinstance(e, ast.Starred):
                out.extend(self.iterate(self.eval(e.value, scope), e))
                guards.check_length(len(out), self.limits)
            else:
                out.append(self.eval(e, scope))
        return out

    def eval_Dict(self, node: ast.Dict, scope: Scope) -> dict:
        out: dict = {}
        for k, v in zip(node.keys, node.values):
            if k is None:
                more = self.eval(v, scope)
                if not isinstance(more, dict):
                    raise ProgramError("runtime", "** in a dict needs a dict").at(v)
                out.update(more)
            else:
                out[self.guarded(_hashable, (self.eval(k, scope),), {}, k)] = self.eval(v, scope)
        return out

    def eval_Starred(self, node: ast.Starred, scope: Scope) -> Any:
        raise ProgramError("syntax", "*value can only be used inside a call, a list or a tuple").at(node)

    def eval_Slice(self, node: ast.Slice, scope: Scope) -> slice:
        lo = self.eval(node.lower, scope) if node.lower is not None else None
        hi = self.eval(node.upper, scope) if node.upper is not None else None
        st = self.eval(node.step, scope) if node.step is not None else None
        return slice(lo, hi, st)

    def eval_Subscript(self, node: ast.Subscript, scope: Scope) -> Any:
        obj = self.eval(node.value, scope)
        index = self.eval(node.slice, scope)
        result = self.subscript(obj, index, node)
        self.rec.on_value(result, node)
        return result

    def array_index(self, index: Any, node: ast.AST) -> Any:
        """An index into a tensor or array, with each range in it as a list of its numbers (counted first):
        `x[range(n), target]` picks one element per row, as torch and numpy read it."""
        if isinstance(index, range):
            return self.materialize(index, node)
        if isinstance(index, tuple) and any(isinstance(i, range) for i in index):
            return tuple(self.materialize(i, node) if isinstance(i, range) else i for i in index)
        return index

    def subscript(self, obj: Any, index: Any, node: ast.AST) -> Any:
        if isinstance(obj, (torch.Tensor, np.ndarray)):
            index = self.array_index(index, node)
        if isinstance(obj, torch.Tensor):
            self.check_data(index, node)
            self.guarded(guards.check_index, (obj, index, self.limits), {}, node)
        elif isinstance(obj, np.ndarray):
            self.check_data(index, node)
            self.guarded(numpy_ns.numbers_only, (index, self.limits), {}, node)
            self.guarded(guards.check_array_index, (obj, index, self.limits), {}, node)
        elif isinstance(obj, Plot):
            return obj.item(index)
        elif isinstance(obj, stdlib_ns.TypeHint):  # `Tuple[torch.Tensor, int]` in a type alias
            return obj
        elif isinstance(obj, (Instance, UserModule)):
            getitem = self.classes.special(obj, "__getitem__")
            if getitem is None:
                raise ProgramError("runtime", f"'{type_name(obj)}' object is not subscriptable",
                                   hint="define __getitem__(self, i) in its class").at(node)
            return self.call(getitem, [index], {}, node)
        elif isinstance(obj, (*layers.CONTAINER_TYPES, torch.utils.data.TensorDataset, torch.utils.data.Subset)):
            if not isinstance(index, (int, slice, str)):
                raise ProgramError("runtime",
                                   f"a {type(obj).__name__} is indexed by a number, a slice or a name").at(node)
        elif not isinstance(obj, (list, tuple, dict, str, range, torch.Size, ParamGroups, ParamGroup)):
            raise ProgramError("not-allowed", f"a {type_name(obj)} can't be indexed").at(node)
        result = self.guarded(operator.getitem, (obj, index), {}, node)
        self.guarded(guards.check_result, (result, self.limits), {}, node)
        return result

    def eval_JoinedStr(self, node: ast.JoinedStr, scope: Scope) -> str:
        parts = []
        for part in node.values:
            if isinstance(part, ast.Constant):
                parts.append(str(part.value))
            else:
                parts.append(self._format(cast(ast.FormattedValue, part), scope))  # the only other kind
        text = "".join(parts)
        guards.check_length(len(text), self.limits)
        return text

    def _format(self, node: ast.FormattedValue, scope: Scope) -> str:
        """One `{value!r:spec}`: the value, its conversion, then `format(value, spec)` with a plain spec."""
        value = self.eval(node.value, scope)
        spec = ""
        if node.format_spec is not None:  # the parser lets through only plain specs: constants in a JoinedStr
            spec = "".join(str(cast(ast.Constant, p).value) for p in cast(ast.JoinedStr, node.format_spec).values)
        conversion = chr(node.conversion) if node.conversion > 0 else None
        return self.format_value(value, conversion, spec, node)

    def format_value(self, value: Any, conversion: str | None, spec: str, node: ast.AST) -> str:
        """What f-strings and str.format share: a bounded repr, the conversion, a plain spec of small numbers."""
        self.guarded(guards.check_repr, (value, self.limits), {}, node)
        if conversion == "r":
            value = self.guarded(repr, (value,), {}, node)
        elif conversion == "s":
            value = self.guarded(str, (value,), {}, node)
        elif conversion == "a":
            value = self.guarded(ascii, (value,), {}, node)
        if any(int(n) > 1000 for n in _SPEC_NUMBER.findall(spec)):
            raise ProgramError("limit", "format widths and precisions above 1000 are not allowed").at(node)
        if not isinstance(value, (*DATA_TYPES, list, tuple, dict, set, np.ndarray, np.generic, np.dtype)):
            value = repr(value)
        return self.guarded(format, (value, spec), {}, node)

    def str_format(self, template: str, args: list, kwargs: dict, node: ast.AST) -> str:
        """`'step {}: x = {:.3f}'.format(step, x)`: fields are positions or names only (`{0}`, `{}`, `{lr}`),
        never `{0.attr}` or `{0[key]}`, which would read attributes past the tables; specs are plain."""
        parts: list[str] = []
        auto = 0
        try:
            fields = list(_FORMATTER.parse(template))
        except ValueError as e:
            raise ProgramError("runtime", f"ValueError: {e}").at(node) from None
        for literal, field, spec, conversion in fields:
            parts.append(literal)
            if field is None:
                continue
            if "." in field or "[" in field:
                raise ProgramError("not-allowed", f"the format field {{{field}}} reads an attribute or an item",
                                   hint="format the value itself: '{}'.format(x.shape) or an f-string").at(node)
            if spec and "{" in spec:
                raise ProgramError("not-allowed", "nested {...} inside a format spec is not allowed").at(node)
            if field == "":
                index: int | str = auto
                auto += 1
            else:
                index = int(field) if field.isdigit() else field
            try:
                value = args[index] if isinstance(index, int) else kwargs[index]
            except (IndexError, KeyError):
                raise ProgramError("runtime", f"the format field {{{field}}} has no value to take",
                                   hint="pass one argument per {} in the text").at(node) from None
            parts.append(self.format_value(value, conversion, spec or "", node))
            guards.check_length(sum(map(len, parts)), self.limits)
        return "".join(parts)

    def eval_FormattedValue(self, node: ast.FormattedValue, scope: Scope) -> str:
        return self._format(node, scope)

    # comprehensions: eager, bounded, with their own scope
    def eval_ListComp(self, node: ast.ListComp, scope: Scope) -> list:
        out: list = []
        self._comprehend(node.generators, Scope(scope), lambda s: out.append(self.eval(node.elt, s)))
        return out

    def eval_GeneratorExp(self, node: ast.GeneratorExp, scope: Scope) -> UserIterator:
        """Lazy, as in Python: the first iterable is evaluated now, everything else as items are asked for (so
        `any(v > 5 for v in endless())` stops); whoever consumes it bounds how far it goes."""
        first = self.loop_items(self.eval(node.generators[0].iter, scope), node.generators[0].iter)
        return UserIterator(self._lazy_comprehension(node, Scope(scope), first), "generator", "<genexpr>")

    def _lazy_comprehension(self, node: ast.GeneratorExp, scope: Scope, first: Iterable[Any]) -> Iterator[Any]:
        def level(i: int, items: Iterable[Any]) -> Iterator[Any]:
            gen = node.generators[i]
            for item in items:
                self.tick_loop(gen)
                self.assign(gen.target, item, scope)
                if all(self.truth(self.eval(cond, scope), cond) for cond in gen.ifs):
                    if i + 1 < len(node.generators):
                        nxt = node.generators[i + 1]
                        yield from level(i + 1, self.loop_items(self.eval(nxt.iter, scope), nxt.iter))
                    else:
                        yield self.eval(node.elt, scope)

        return level(0, first)

    def eval_SetComp(self, node: ast.SetComp, scope: Scope) -> set:
        out: set = set()
        self._comprehend(node.generators, Scope(scope),
                         lambda s: out.add(self.guarded(_hashable, (self.eval(node.elt, s),), {}, node.elt)))
        return out

    def eval_DictComp(self, node: ast.DictComp, scope: Scope) -> dict:
        out: dict = {}

        def add(s: Scope) -> None:
            out[self.guarded(_hashable, (self.eval(node.key, s),), {}, node.key)] = self.eval(node.value, s)

        self._comprehend(node.generators, Scope(scope), add)
        return out

    def _comprehend(self, generators: list[ast.comprehension], scope: Scope, emit: Any) -> None:
        gen, rest = generators[0], generators[1:]
        for item in self.loop_items(self.eval(gen.iter, scope), gen.iter):
            self.tick_loop(gen)
            self.assign(gen.target, item, scope)
            if all(self.truth(self.eval(cond, scope), cond) for cond in gen.ifs):
                if rest:
                    self._comprehend(rest, scope, emit)
                else:
                    emit(scope)

    def iterate(self, value: Any, node: ast.AST) -> Sequence[Any]:
        """Materialise what a for loop or unpacking walks over, refusing anything unbounded."""
        if isinstance(value, (Instance, UserModule)):
            return self.iterate(self.iter_of(value, node), node)
        if isinstance(value, range):
            return value  # ranges iterate lazily; the loop counter bounds them
        if isinstance(value, (list, tuple, str, torch.Size)):
            return value
        if isinstance(value, dict):
            return list(value)
        if isinstance(value, torch.Tensor):
            if value.dim() == 0:
                raise ProgramError("runtime", "iteration over a 0-d tensor", hint="use .item() for its number").at(node)
            self.guarded(guards.check_rows, (value, self.limits), {}, node)
            return self.guarded(list, (value,), {}, node)
        if isinstance(value, (set, frozenset)):
            return list(value)
        if isinstance(value, np.ndarray):
            if value.ndim == 0:
                raise ProgramError("runtime", "iteration over a 0-d array", hint="use .item() for its number").at(node)
            self.guarded(guards.check_rows, (value, self.limits), {}, node)
            return list(value)
        if isinstance(value, UserIterator):
            out: list = []
            for item in self.drain(value, node):
                out.append(item)
                if len(out) > self.limits.max_collection_len:
                    self.guarded(guards.check_length, (len(out), self.limits), {}, node)
            return out
        if isinstance(value, Plot):
            return value.items()
        if isinstance(value, (torch.nn.Sequential, torch.nn.ModuleList)):
            return list(value)
        if isinstance(value, torch.nn.ModuleDict):
            return list(value.keys())
        if isinstance(value, layers.DATA_OBJECT_TYPES):
            return self.guarded(layers.batches, (value, self.limits), {}, node)
        raise ProgramError("runtime", f"a {type_name(value)} can't be looped over").at(node)

    def materialize(self, value: Any, node: ast.AST) -> list:
        """A list of what `iterate` gives, a range's numbers included (counted first)."""
        if isinstance(value, range):
            self.guarded(guards.check_length, (len(value), self.limits), {}, node)
        return list(self.iterate(value, node))

    def loop_items(self, value: Any, node: ast.AST) -> Iterable[Any]:
        """What a for loop or a comprehension walks over: a generator's items one at a time (it may never end:
        the loop limit stops it), anything else as `iterate` gives it."""
        if isinstance(value, UserIterator):
            return self.drain(value, node)
        if isinstance(value, (Instance, UserModule)):
            return self.loop_items(self.iter_of(value, node), node)
        return self.iterate(value, node)

    def iter_of(self, obj: Any, node: ast.AST) -> Any:
        """What the program's own __iter__ of an instance gives (a generator, an iterator, a list...)."""
        method = self.classes.special(obj, "__iter__")
        if method is None:
            raise ProgramError("runtime", f"'{type_name(obj)}' object is not iterable",
                               hint="define __iter__ in its class (a generator: yield each item)").at(node)
        items = self.call(method, [], {}, node)
        if isinstance(items, (Instance, UserModule)):
            raise ProgramError("runtime", "__iter__ must give an iterator: yield the items, or return iter(a list)"
                               ).at(node)
        return items

    def drain(self, it: UserIterator, node: ast.AST) -> Iterator[Any]:
        """A UserIterator's items, for our own loops (a program's `next(g)` is a builtin)."""
        while True:
            try:
                item = it.advance()
            except StopIteration:
                return
            except ProgramError as e:
                e.at(node)
                raise
            except Exception as e:  # noqa: BLE001 - e.g. a generator that advances itself
                raise runtime_error(e).at(node) from None
            yield item

    # --- functions, lambdas, generators --------------------------------------------------------------------
    def decorators(self, decorators: list[ast.expr], scope: Scope) -> bool | None:
        """The grad mode `@torch.no_grad()` / `@torch.enable_grad()` give the function (the innermost decides),
        None without one. The parser let through only those names; here they must really be torch's."""
        mode: bool | None = None
        for deco in decorators:
            value = self.eval(deco, scope)
            if isinstance(value, Fn) and value.name in ("torch.no_grad", "torch.enable_grad"):
                value = value.impl()
            if not isinstance(value, GradMode):
                raise ProgramError("not-allowed", "only @torch.no_grad() and @torch.enable_grad() can decorate a "
                                                  "function here").at(deco)
            mode = value.enabled
        return mode

    def eval_Lambda(self, node: ast.Lambda, scope: Scope) -> UserFunction:
        args = node.args
        defaults: dict[str, Any] = {}
        positional = args.args
        for arg, default in zip(positional[len(positional) - len(args.defaults):], args.defaults):
            defaults[arg.arg] = self.eval(default, scope)
        for arg, kw_default in zip(args.kwonlyargs, args.kw_defaults):
            if kw_default is not None:
                defaults[arg.arg] = self.eval(kw_default, scope)
        return UserFunction(node, defaults, scope)

    def redirects(self, fn: UserFunction) -> dict[str, Scope] | None:
        """Where each name a function declares global or nonlocal lives, for one call of it."""
        if not fn.declared:
            return None
        out: dict[str, Scope] = {}
        for name, kind in fn.declared:
            if kind == "global":
                out[name] = self.globals
                continue
            scope: Scope | None = fn.scope
            while scope is not None and scope is not self.globals:
                if scope.redirect is not None and name in scope.redirect:
                    out[name] = scope.holder(name)
                    break
                if name in scope.vars or name in scope.local_names:
                    out[name] = scope
                    break
                scope = scope.parent
            else:
                raise ProgramError("syntax", f"no binding for nonlocal '{name}' found")
        return out

    def run_user(self, fn: UserFunction, scope: Scope, node: ast.AST) -> Any:
        """Run a called function's body in its new scope (a generator function's call makes a generator)."""
        if fn.generator:
            return UserIterator(self.generate(fn, scope, node), "generator", fn.name)
        self.call_depth += 1
        grouped = isinstance(fn.node, ast.FunctionDef) and not (
            fn.name == "forward" and fn.owner is not None and fn.owner.module)  # a module's forward: its module's group
        if grouped:
            self.rec.enter("function", fn.name, node)
        try:
            with _grad_mode(fn.grad_mode):
                if isinstance(fn.node, ast.Lambda):
                    return self.eval(fn.node.body, scope)
                self.exec_block(fn.node.body, scope)
        except _Return as r:
            return r.value
        except (_Break, _Continue):
            raise ProgramError("syntax", "'break' or 'continue' outside a loop").at(node) from None
        finally:
            self.call_depth -= 1
            if grouped:
                self.rec.leave()
        return None

    def generate(self, fn: UserFunction, scope: Scope, node: ast.AST) -> Iterator[Any]:
        """A generator function's body, run one stretch at a time: each `next` runs it to its next `yield`, as a
        call (counted in the call depth, inside the function's grad mode), and leaves the caller's grad mode
        as it was in between."""
        body = self.gen_block(cast(ast.FunctionDef, fn.node).body, scope)
        while True:
            if self.call_depth >= self.limits.max_call_depth:
                raise ProgramError("limit", f"functions call each other more than {self.limits.max_call_depth} deep",
                                   hint="recursion needs a case that stops it").at(node)
            self.call_depth += 1
            try:
                with _grad_mode(fn.grad_mode):
                    item = next(body)
            except (StopIteration, _Return):
                return
            except (_Break, _Continue):
                raise ProgramError("syntax", "'break' or 'continue' outside a loop").at(node) from None
            finally:
                self.call_depth -= 1
            yield item

    def yields(self, stmt: ast.stmt) -> bool:
        key = id(stmt)
        if key not in self._yielding:
            self._yielding[key] = has_yield([stmt])
        return self._yielding[key]

    def gen_block(self, body: list[ast.stmt], scope: Scope) -> Iterator[Any]:
        """`exec_block` for a generator's body: statements with a `yield` inside run here, one stretch per item,
        the others as usual."""
        for stmt in body:
            if not self.yields(stmt):
                self.exec_block([stmt], scope)
                continue
            try:
                yield from getattr(self, "gen_" + type(stmt).__name__)(stmt, scope)
            except ProgramError as e:
                e.at(stmt)
                raise
            except (_Break, _Continue, _Return):
                raise
            except Exception as e:  # noqa: BLE001 - anything else is the program's runtime error
                raise statement_error(e, stmt) from None

    def gen_Expr(self, node: ast.Expr, scope: Scope) -> Iterator[Any]:
        value = node.value
        if isinstance(value, ast.Yield):
            yield self.eval(value.value, scope) if value.value is not None else None
        elif isinstance(value, ast.YieldFrom):
            for item in self.loop_items(self.eval(value.value, scope), value.value):
                self.tick_loop(node)
                yield item

    def gen_For(self, node: ast.For, scope: Scope) -> Iterator[Any]:
        broke = False
        for item in self.loop_items(self.eval(node.iter, scope), node.iter):
            self.tick_loop(node)
            self.assign(node.target, item, scope)
            broke = yield from self.gen_iteration(node.body, scope)
            if broke:
                break
        if not broke and node.orelse:
            yield from self.gen_block(node.orelse, scope)

    def gen_iteration(self, body: list[ast.stmt], scope: Scope) -> Generator[Any, None, bool]:
        """One pass of a loop body inside a generator; returns True when the body ran `break`."""
        try:
            yield from self.gen_block(body, scope)
        except _Break:
            return True
        except _Continue:
            pass
        return False

    def gen_While(self, node: ast.While, scope: Scope) -> Iterator[Any]:
        broke = False
        while self.truth(self.eval(node.test, scope), node.test):
            self.tick_loop(node)
            broke = yield from self.gen_iteration(node.body, scope)
            if broke:
                break
        if not broke and node.orelse:
            yield from self.gen_block(node.orelse, scope)

    def gen_If(self, node: ast.If, scope: Scope) -> Iterator[Any]:
        if self.truth(self.eval(node.test, scope), node.test):
            yield from self.gen_block(node.body, scope)
        elif node.orelse:
            yield from self.gen_block(node.orelse, scope)

    def gen_Try(self, node: ast.Try, scope: Scope) -> Iterator[Any]:
        raise ProgramError("not-allowed", "a yield inside try is not supported here",
                           hint="compute the value inside the try, and yield it after")
        yield  # a generator method, as the other gen_ ones

    def gen_With(self, node: ast.With, scope: Scope) -> Iterator[Any]:
        """`with torch.no_grad():` around a yield: the mode holds while the body runs, not while the caller
        does (as torch's own decorator does for a generator)."""
        mode = self.with_mode(node, scope)
        body = self.gen_block(node.body, scope)
        while True:
            with _grad_mode(mode):
                try:
                    item = next(body)
                except StopIteration:
                    return
            yield item

    # --- attributes ----------------------------------------------------------------------------------------
    def eval_Attribute(self, node: ast.Attribute, scope: Scope) -> Any:
        obj = self.eval(node.value, scope)
        result = self.get_attr(obj, node.attr, node)
        if isinstance(result, torch.Tensor):
            self.rec.on_value(result, node)
        return result

    def get_attr(self, obj: Any, name: str, node: ast.AST) -> Any:
        """Every attribute read goes through here: by the type of `obj`, from its table, or refused."""
        if name == "__name__":  # `type(e).__name__`, `f.__name__`: a string of ours, never Python's attribute
            if isinstance(obj, (TypeRef, UserClass)):
                return obj.name.rpartition(".")[2]
            if isinstance(obj, (UserFunction, Fn)):
                return obj.name.rpartition(".")[2]
            raise ProgramError("not-allowed", "__name__ can be read only from a class or a function here",
                               hint="names with double underscores reach Python's internals, which "
                                    "programs here cannot use").at(node)
        if name == "__version__":  # `print(torch.__version__)`: a string of ours, never Python's attribute
            version = VERSIONS.get(obj.name) if isinstance(obj, Namespace) else None
            if version is None:
                raise ProgramError("not-allowed", "only torch.__version__ and np.__version__ can be read here",
                                   hint="names with double underscores reach Python's internals, which "
                                        "programs here cannot use").at(node)
            return version
        if private.is_private(name):
            private.check_read(obj, name, node)
            if isinstance(obj, GradFnView):
                return autograd_ns.saved_value(self, obj, name, node)
        if isinstance(obj, Namespace):
            if name in obj.members:
                return obj.members[name]
            reason = obj.refused.get(name)
            raise ProgramError(
                "not-allowed", f"`{obj.name}.{name}` is not available" + (f": {reason}" if reason else ""),
                hint=None if reason else f"see the list of what {obj.name} offers in the help",
            ).at(node)
        if isinstance(obj, torch.Tensor):
            if name == "register_hook":
                return hooks.register_hook_of(self, obj)
            if name in A.TENSOR_ATTRIBUTES:
                value = self.guarded(getattr, (obj, name), {}, node)
                if name == "grad_fn":
                    return GradFnView(value) if value is not None else None
                return value
            if name in A.TENSOR_METHODS:
                return BoundMethod(obj, name)
            reason = A.TENSOR_REFUSED.get(name)
            raise ProgramError(
                "not-allowed", f"tensor.{name} is not available" + (f": {reason}" if reason else ""),
            ).at(node)
        if isinstance(obj, (np.ndarray, np.generic)):
            return self.guarded(numpy_ns.get_attr, (obj, name), {}, node)
        if isinstance(obj, Plot):
            return obj.member(name)
        if is_user_kind(obj):
            return self.classes.get_attr(obj, name, node)
        if isinstance(obj, torch.nn.Module):
            return layers.module_attr(obj, name, node)
        if isinstance(obj, TypeRef) and obj is layers.MODULE_BASE and name == "__init__":  # nn.Module.__init__(self)
            return Fn("nn.Module.__init__", lambda this, *a, **k: self.classes.base_init(this, True, a, k, node), False)
        if isinstance(obj, layers.DATA_OBJECT_TYPES):
            return layers.data_attr(obj, name, node)
        if isinstance(obj, ErrorValue) and name == "args":
            return obj.args
        if isinstance(obj, torch.device) and name in ("type", "index"):  # `torch.device('cuda').index`
            return getattr(obj, name)
        if isinstance(obj, View):  # a ctx, a hook's handle: what they offer is theirs to say (functions.py)
            return obj.attr(self, name, node)
        table = methods_for(obj)
        if table is not None and name in table:
            if isinstance(obj, OPTIMIZER_TYPES) and name == "param_groups":
                return ParamGroups(obj)
            if type(obj).__module__ == "torch.return_types" and name in A.RETURN_TYPE_ATTRIBUTES:
                return getattr(obj, name)
            if isinstance(obj, GradFnView):
                return obj.next_functions if name == "next_functions" else Fn("grad_fn.name", obj.name, False)
            return BoundMethod(obj, name)
        if isinstance(obj, str) and name in A.STR_REFUSED:
            raise ProgramError("not-allowed", A.STR_REFUSED[name]).at(node)
        raise ProgramError("not-allowed", f"a {type_name(obj)} has no attribute `.{name}` here").at(node)

    # --- calls ---------------------------------------------------------------------------------------------
    def eval_Call(self, node: ast.Call, scope: Scope) -> Any:
        operands: list[tuple[Any, ast.AST]] = []
        if isinstance(node.func, ast.Attribute):
            receiver = self.eval(node.func.value, scope)
            callee = self.get_attr(receiver, node.func.attr, node.func)
            if isinstance(receiver, torch.Tensor):
                operands.append((receiver, node.func.value))
        else:
            callee = self.eval(node.func, scope)
        args: list[Any] = []
        for a in node.args:
            if isinstance(a, ast.Starred):
                args.extend(self.iterate(self.eval(a.value, scope), a))
            else:
                v = self.eval(a, scope)
                args.append(v)
                operands.append((v, a))
        kwargs: dict[str, Any] = {}
        for kw in node.keywords:
            v = self.eval(kw.value, scope)
            if kw.arg is None:
                if not isinstance(v, dict) or not all(isinstance(k, str) and k.isidentifier()
                                                      and "__" not in unicodedata.normalize("NFKC", k) for k in v):
                    raise ProgramError("not-allowed", "** in a call needs a dict with plain names as keys").at(kw)
                kwargs.update(v)
            else:
                kwargs[kw.arg] = v
                operands.append((v, kw.value))
        if callee is SUPER:
            return self.classes.make_super(args, scope, node)
        result = self.call(callee, args, kwargs, node)
        self.rec.on_value(result, node, operands)
        return result

    def call(self, callee: Any, args: list, kwargs: dict, node: ast.AST) -> Any:
        if isinstance(callee, UserFunction):
            return self.call_user(callee, args, kwargs, node)
        if isinstance(callee, UserMethod):
            return self.call_user(callee.fn, [callee.obj, *args], kwargs, node)
        if isinstance(callee, UserClass):
            return self.classes.instantiate(callee, args, kwargs, node)
        if isinstance(callee, Instance):
            call = self.classes.special(callee, "__call__")
            if call is None:
                raise ProgramError("runtime", f"'{callee.cls.name}' object is not callable",
                                   hint="define __call__(self, ...) in its class").at(node)
            return self.call(call, args, kwargs, node)
        if isinstance(callee, torch.nn.Module):
            return self.call_module(callee, args, kwargs, node)
        if isinstance(callee, Fn):
            self.current_call = node
            if callee.torch_args and "out" in kwargs:  # computed as usual, then copied into `out`
                out = kwargs.pop("out")
                result = self.call(callee, args, kwargs, node)
                return self.guarded(guards.write_out, (callee.name, out, result), {}, node)
            if callee.torch_args:
                self.check_data(args, node)
                self.check_data(kwargs, node)
                self.guarded(guards.check_devices, (tuple(args), kwargs), {}, node)
                self.guarded(guards.check_call, (callee.name, tuple(args), kwargs, self.limits), {}, node)
            result = self.guarded(callee.impl, tuple(args), kwargs, node)
        elif isinstance(callee, BoundMethod):
            result = self.call_method(callee, args, kwargs, node)
        elif isinstance(callee, Plot):
            result = callee.call(args, kwargs)
        elif isinstance(callee, GradMode):
            result = self.decorate(callee, args, kwargs, node)
        elif isinstance(callee, TypeRef):
            if callee.make is None and callee.real in (torch.nn.Module, torch.utils.data.Dataset):
                raise ProgramError("not-allowed", f"{callee.name} is a base class: write `class Net(nn.Module):` "
                                   "(or `class Pairs(Dataset):`) and make an instance of it").at(node)
            if callee.make is None:
                raise ProgramError("not-allowed", f"{callee.name} names a type for isinstance(x, {callee.name}) only",
                                   hint="make an array with np.array(...) or np.zeros(...)").at(node)
            if callee.real in layers.TAKES_OBJECTS:  # layers or a dataset: they check their arguments' kinds
                self.check_data(args, node, objects=True)
                self.check_data(layers.without_callbacks(callee, kwargs), node, objects=True)
            else:
                self.check_data(args, node)
                self.check_data(kwargs, node)
                if callee.real is not torch.device:  # naming a device is harmless; putting data on one is not
                    self.guarded(guards.check_devices, (tuple(args), kwargs), {}, node)
            self.current_call = node
            result = self.guarded(callee.make, tuple(args), kwargs, node)
        else:
            raise ProgramError("runtime", f"a {type_name(callee)} is not callable").at(node)
        self.check_value(result, node)
        self.guarded(guards.check_result, (result, self.limits), {}, node)
        return result

    def sort_list(self, items: list, args: list, kwargs: dict, node: ast.AST) -> None:
        """`values.sort(key=lambda v: ...)`: sorted as the builtin sorted(key=) sorts (the interpreter calls the key,
        the comparisons are bounded), then put back into the same list."""
        if args or set(kwargs) - {"key", "reverse"}:
            raise ProgramError("not-allowed", "list.sort() takes only key= and reverse= here").at(node)
        self.current_call = node
        ordered = self.guarded(self.builtins["sorted"].impl, (items,), kwargs, node)
        items[:] = ordered

    def decorate(self, mode: GradMode, args: list, kwargs: dict, node: ast.AST) -> UserFunction:
        """`torch.no_grad()(f)`: what the decorator does, for the program's own functions only."""
        if isinstance(mode, autograd_ns.GradSwitch):  # torch.set_grad_enabled(False)(f): f switches, not the call
            autograd_ns.undo(mode)
        if len(args) != 1 or kwargs or not isinstance(args[0], UserFunction):
            raise ProgramError("not-allowed", f"{mode!r} can decorate only a function of the program",
                               hint="write `with torch.no_grad():` around the lines instead").at(node)
        return dataclasses.replace(args[0], grad_mode=mode.enabled)

    def call_module(self, m: torch.nn.Module, args: list, kwargs: dict, node: ast.AST, forward: bool = False) -> Any:
        """`net(x)`: a module of the program runs through torch's Module.__call__ into its forward (run_forward);
        a Sequential runs here, child by child; any other layer is checked (its arguments, its result's size)
        and then run by torch. forward=True: `m.forward(x)`, past the program's own __call__."""
        if type(m) is UserModule:
            call = None if forward else self.classes.special(m, "__call__")
            if call is not None:
                return self.call(call, args, kwargs, node)
            outer, self.module_call = self.module_call, node
            self.rec.enter("module", m, node)
            try:
                run = m.forward if forward else m
                return self.guarded(run, tuple(args), kwargs, node)
            finally:
                self.module_call = outer
                self.rec.leave()
        if isinstance(m, torch.nn.Sequential):
            if len(args) != 1 or kwargs:
                raise ProgramError("runtime", "a Sequential takes one input").at(node)
            x = args[0]
            self.rec.enter("module", m, node)
            try:
                for child in list(m):
                    x = self.call_module(child, [x], {}, node)
            finally:
                self.rec.leave()
            return x
        self.check_data(args, node)
        self.check_data(kwargs, node)
        self.guarded(guards.check_devices, (tuple(args), kwargs), {}, node)
        self.guarded(layers.check_call, (m, tuple(args), kwargs, self.limits), {}, node)
        self.current_call = node
        self.rec.enter("module", m, node)
        result = None
        try:  # the layer's nodes are recorded before its group ends (leave)
            result = self.guarded(m.forward if forward else m, tuple(args), kwargs, node)
            self.check_value(result, node)
            guards.check_result(result, self.limits)
        finally:
            self.rec.leave(result, args, node)
        return result

    def run_forward(self, m: UserModule, args: tuple, kwargs: dict) -> Any:
        """What torch's Module.__call__ runs for a module of the program: its forward, in this interpreter."""
        node = cast(ast.AST, self.module_call)  # set by call_module; errors without it take the statement's place
        cls = m.__dict__["_explorer_class"]
        own = m.__dict__["_explorer_attrs"]
        if "forward" in own:  # `self.forward = f`: an instance attribute wins, as in Python
            return self.call(own["forward"], list(args), kwargs, node)
        found = cls.lookup("forward")
        if found is None:
            raise ProgramError("runtime", f"{cls.name} has no forward method",
                               hint="define forward(self, x) in the class: it is what calling the module runs")
        return self.call(self.classes.bind(found[1], m, cls), list(args), kwargs, node)

    def call_method(self, m: BoundMethod, args: list, kwargs: dict, node: ast.AST) -> Any:
        obj, name = m.obj, m.name
        if isinstance(obj, torch.nn.Module):
            return layers.module_method(self, obj, name, args, kwargs, node)
        if isinstance(obj, list) and name == "sort":
            return self.sort_list(obj, args, kwargs, node)
        if isinstance(obj, (list, set, dict, str)):  # list.extend(gen), s.update(range(3)), ', '.join(map(...))
            args = [self.materialize(a, node) if isinstance(a, (UserIterator, range)) else a for a in args]
        containers = isinstance(obj, (list, dict))  # a list or dict may hold layers and instances too
        self.check_data(args, node, objects=containers)
        self.check_data(kwargs, node, objects=containers)
        if isinstance(obj, (np.ndarray, np.generic)):
            return self.guarded(numpy_ns.call_method, (obj, name, args, kwargs, self.limits), {}, node)
        if isinstance(obj, set):
            for a in args:
                if hasattr(a, "__len__"):
                    self.guarded(guards.check_length, (len(obj) + len(a), self.limits), {}, node)
        if isinstance(obj, torch.Tensor):
            if name == "backward":
                return self.backward(obj, args, kwargs, node)
            if name == "numpy":
                return self.guarded(tensor_numpy, (obj, *args), kwargs, node)
            self.guarded(guards.check_devices, (tuple(args), kwargs), {}, node)
            self.guarded(guards.check_method, (obj, name, tuple(args), kwargs, self.limits), {}, node)
            self.guarded(guards.check_call, (name, (obj, *args), kwargs, self.limits), {}, node)
        elif isinstance(obj, str) and name == "format":
            return self.str_format(obj, args, kwargs, node)
        elif isinstance(obj, OPTIMIZER_TYPES):
            if args or set(kwargs) - {"set_to_none"}:
                raise ProgramError("not-allowed", f"optimizer.{name}() takes no closure or arguments here").at(node)
        elif isinstance(obj, (list, str)) and name in ("extend", "join", "insert", "append"):
            if name == "join" and args and isinstance(args[0], (list, tuple)):
                items = args[0]
                size = len(obj) * max(len(items) - 1, 0) + sum(len(a) if isinstance(a, str) else 1 for a in items)
            elif name == "extend" and args and hasattr(args[0], "__len__"):
                size = len(obj) + len(args[0])
            else:
                size = len(obj) + 1
            self.guarded(guards.check_length, (size, self.limits), {}, node)
        result = self.guarded(getattr(obj, name), tuple(args), kwargs, node)
        if isinstance(obj, dict) and name in ("keys", "values", "items"):
            result = list(result)
        return result

    def call_user(self, fn: UserFunction, args: list, kwargs: dict, node: ast.AST) -> Any:
        if self.call_depth >= self.limits.max_call_depth:
            raise ProgramError("limit", f"functions call each other more than {self.limits.max_call_depth} deep",
                               hint="recursion needs a case that stops it").at(node)
        scope = Scope(fn.scope, fn.local_names, self.redirects(fn))
        params = fn.node.args
        names = [a.arg for a in params.args]
        if fn.owner is not None:
            scope.method = (fn.owner, names[0] if names else None)
        if len(args) > len(names):
            raise ProgramError("runtime",
                               f"{fn.name}() takes {len(names)} arguments but {len(args)} were given").at(node)
        for n, v in zip(names, args):
            scope.vars[n] = v
        allowed = set(names) | {a.arg for a in params.kwonlyargs}
        for k, v in kwargs.items():
            if k not in allowed:
                raise ProgramError("runtime", f"{fn.name}() got an unexpected keyword argument '{k}'").at(node)
            if k in scope.vars:
                raise ProgramError("runtime", f"{fn.name}() got multiple values for argument '{k}'").at(node)
            scope.vars[k] = v
        for n in allowed:
            if n not in scope.vars:
                if n not in fn.defaults:
                    raise ProgramError("runtime", f"{fn.name}() is missing the argument '{n}'").at(node)
                scope.vars[n] = fn.defaults[n]
        return self.run_user(fn, scope, node)

    def backward(self, t: torch.Tensor, args: list, kwargs: dict, node: ast.AST) -> None:
        names = ["gradient", "retain_graph", "create_graph", "inputs"]
        if len(args) > len(names) or set(kwargs) - set(names):
            raise ProgramError("runtime", "backward() takes gradient=, retain_graph=, create_graph=, inputs=").at(node)
        opts = dict(zip(names, args))
        opts.update(kwargs)
        self.backward_calls += 1
        inputs = opts.get("inputs")
        inputs = [inputs] if isinstance(inputs, torch.Tensor) else list(inputs or [])
        return self.rec.run_pass(
            "backward", node, [t], lambda: self.guarded(t.backward, (), opts, node),
            inputs=inputs, create_graph=bool(opts.get("create_graph")), retain_graph=bool(opts.get("retain_graph")),
        )

    def autograd_grad(self, outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
                      allow_unused=None, materialize_grads=False, node=None):
        outs = [outputs] if isinstance(outputs, torch.Tensor) else list(outputs)
        ins = [inputs] if isinstance(inputs, torch.Tensor) else list(inputs)
        self.backward_calls += 1

        def run():
            return torch.autograd.grad(outs, ins, grad_outputs=grad_outputs, retain_graph=retain_graph,
                                       create_graph=create_graph, allow_unused=allow_unused,
                                       materialize_grads=materialize_grads)

        node = node or self.current_call
        return self.rec.run_pass("grad", node, outs, run, inputs=ins, create_graph=bool(create_graph),
                                 retain_graph=bool(retain_graph if retain_graph is not None else create_graph))

    def autograd_backward(self, tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None,
                          node=None):
        roots = [tensors] if isinstance(tensors, torch.Tensor) else list(tensors)
        self.backward_calls += 1
        node = node or self.current_call
        return self.rec.run_pass(
            "backward", node, roots,
            lambda: torch.autograd.backward(roots, grad_tensors=grad_tensors, retain_graph=retain_graph,
                                            create_graph=create_graph, inputs=inputs),
            create_graph=bool(create_graph), retain_graph=bool(retain_graph),
        )

    # --- checks --------------------------------------------------------------------------------------------
    def guarded(self, fn: Any, args: tuple, kwargs: dict, node: ast.AST | None) -> Any:
        """Call into Python or torch; anything it raises becomes a ProgramError pointing at `node` (None: no place
        yet; the call or statement around it gives one)."""
        try:
            return fn(*args, **kwargs)
        except ProgramError as e:
            e.at(node)  # the same error, with this place if it has none yet
            raise
        except (_Break, _Continue, _Return):
            raise
        except RecursionError:
            raise ProgramError("limit", "the program nests calls too deeply").at(node) from None
        except MemoryError:
            raise ProgramError("limit", "the program ran out of memory", hint="use smaller tensors").at(node) from None
        except Exception as e:  # noqa: BLE001
            raise runtime_error(e).at(node) from None

    def check_data(self, value: Any, node: ast.AST | None, objects: bool = False) -> None:
        """Only plain data may go into torch or a container method: never a function or a module.
        Walks containers once each (shared references and cycles included), within a total budget.
        objects=True: also layers (modules) and instances of the program's classes (into a list, a dict,
        an nn.Sequential), never functions."""
        if isinstance(value, DATA_TYPES):
            return
        budget = self.limits.max_tensor_elements  # bounds the time of this walk; sizes are checked later
        passable = (*DATA_TYPES, *OPTIMIZER_TYPES, np.dtype, numpy_ns.NumpyType,
                    *((torch.nn.Module, Instance, View, *layers.DATA_OBJECT_TYPES) if objects else ()))
        stack, seen = [value], set()
        while stack:
            x = stack.pop()
            if isinstance(x, passable):
                continue
            if isinstance(x, (np.ndarray, np.generic)):
                self.guarded(guards.check_array, (x, self.limits), {}, node)
                continue
            if isinstance(x, (list, tuple, dict, set, frozenset)):
                if id(x) in seen:
                    continue
                seen.add(id(x))
                items = x.values() if isinstance(x, dict) else x
                budget -= len(items)
                if budget < 0:
                    raise ProgramError("limit",
                                       f"more than {self.limits.max_tensor_elements:,} items passed in one call",
                                       hint="use a tensor for large data").at(node)
                stack.extend(v for v in items if not isinstance(v, (int, float, bool)))
                continue
            raise ProgramError("not-allowed",
                               f"a {type_name(x)} can't be passed here; pass tensors or numbers").at(node)

    def check_operand(self, value: Any, node: ast.AST | None) -> None:
        if isinstance(value, (Fn, Namespace, BoundMethod, UserFunction, GradFnView, GradMode, UserIterator, TypeRef,
                              Plot, UserMethod, UserClass, Super, Instance, torch.nn.Module, View)):
            raise ProgramError("runtime", f"a {type_name(value)} can't be used in arithmetic").at(node)

    def check_value(self, value: Any, node: ast.AST) -> None:
        """What torch hands back must be data we know, never an object that leads elsewhere."""
        if isinstance(value, (*DATA_TYPES, list, tuple, dict, range, GradMode, GradFnView, set, frozenset, UserIterator,
                              UserFunction, Plot, np.ndarray, np.generic, np.dtype)):
            if (isinstance(value, tuple) and type(value) not in (tuple, torch.Size)
                    and type(value).__module__ != "torch.return_types"):
                raise ProgramError("not-allowed", f"a {type_name(value)} can't be used here").at(node)
            return
        if isinstance(value, (*OPTIMIZER_TYPES, Fn, ParamGroups, ParamGroup, *layers.DATA_OBJECT_TYPES, View)):
            return
        if isinstance(value, (TypeRef, UserClass, stdlib_ns.TypeHint, ErrorValue, *schedulers.SCHEDULER_TYPES)):
            return  # type(x), typing.TypeVar("T"), an lr scheduler
        if isinstance(value, torch.nn.Module) and (type(value) in layers.LAYER_TYPES or type(value) is UserModule):
            return
        raise ProgramError("not-allowed",
                           f"this call returned a {type_name(value)}, which programs here can't use").at(node)


def tensor_numpy(t: torch.Tensor, force: bool = False) -> np.ndarray:
    """`t.numpy()`: an array over the tensor's numbers, as torch gives it (torch's own error for a tensor that
    requires grad, unless force=True). Its base is a detached alias of the tensor, never the program's tensor
    object: the array stays valid whatever the program later does to that tensor (`t.data = ...` gives the tensor
    new memory; the alias keeps the old)."""
    if t.requires_grad and not force:
        return t.numpy()  # raises torch's "Can't call numpy() on Tensor that requires grad"
    return t.detach().numpy(force=force)


def _catchable(e: ProgramError) -> bool:
    """An error `except` may catch: a runtime error of the program, never a limit or a refusal."""
    return e.kind == "runtime"


def caught_value(e: ProgramError) -> ErrorValue:
    """What `except ... as e` binds: the error as the program's exception (torch's own text for torch's)."""
    names = e.exception or ("Exception", "BaseException")
    text = e.exception_text if e.exception_text is not None else e.message
    return ErrorValue(names, (text,), text)


def _grad_mode(enabled: bool | None | hooks.SavedTensorsHooks) -> Any:
    """The context a decorated function or a `with` runs in: torch's grad mode switched, the program's saved-tensors
    hooks, or nothing."""
    if isinstance(enabled, hooks.SavedTensorsHooks):
        return enabled.context()
    return contextlib.nullcontext() if enabled is None else torch.set_grad_enabled(enabled)


def _hashable(x: Any) -> Any:
    hash(x)
    return x


def _is_inplace_call(node: ast.expr) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and (node.func.attr.endswith("_") or node.func.attr in ("backward", "step", "zero_grad", "append")))
