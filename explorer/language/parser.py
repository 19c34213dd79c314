"""Turn the user's text into a checked `ast.Module`, or a ProgramError that says what to change.

Checks happen in this order, each before the next can be hurt by a hostile text:
1. length, and bracket nesting (``ast.parse`` recurses and can exhaust the C stack or memory);
2. ``ast.parse`` itself, with MemoryError / RecursionError turned into `limit` errors;
3. the size of the tree (node count and depth), walked iteratively;
4. every node against the subset we run, with a specific message for each construct we refuse.
"""
from __future__ import annotations

import ast
import io
import symtable
import sys
import tokenize
import warnings

from explorer.config import Limits
from explorer.errors import ProgramError

# The statements and expressions the interpreter knows how to run. Anything else is refused below.
ALLOWED_NODES: frozenset[type] = frozenset(
    {
        ast.Module, ast.Expr, ast.Assign, ast.AugAssign, ast.AnnAssign, ast.For, ast.While, ast.If,
        ast.FunctionDef, ast.ClassDef, ast.Return, ast.Pass, ast.Break, ast.Continue, ast.With, ast.Assert, ast.Delete,
        ast.Import, ast.ImportFrom, ast.alias, ast.arguments, ast.arg, ast.keyword, ast.withitem, ast.comprehension,
        ast.Global, ast.Nonlocal, ast.Yield, ast.YieldFrom, ast.Lambda, ast.Try, ast.ExceptHandler, ast.Raise,
        ast.BoolOp, ast.BinOp, ast.UnaryOp, ast.IfExp, ast.Compare, ast.Call, ast.Attribute, ast.Subscript,
        ast.Starred, ast.Name, ast.Constant, ast.List, ast.Tuple, ast.Dict, ast.Set, ast.Slice,
        ast.ListComp, ast.GeneratorExp, ast.DictComp, ast.SetComp, ast.JoinedStr, ast.FormattedValue,
        ast.Load, ast.Store, ast.Del,
        ast.And, ast.Or, ast.Not, ast.UAdd, ast.USub, ast.Invert,
        ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow, ast.MatMult,
        ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Is, ast.IsNot, ast.In, ast.NotIn,
        ast.BitAnd, ast.BitOr, ast.BitXor, ast.LShift, ast.RShift,
    }
)

# Constructs we refuse, each with what to write instead.
_REFUSED: dict[str, str] = {
    "Match": "`match` is not supported; use if / elif / else",
    "Await": "async code is not supported",
    "AsyncFunctionDef": "async code is not supported",
    "AsyncFor": "async code is not supported",
    "AsyncWith": "async code is not supported",
    "NamedExpr": "the walrus operator `:=` is not supported; assign on its own line",
    "TryStar": "except* (exception groups) is not supported; use a plain except",
    "TypeAlias": "type aliases are not supported",
}

_DUNDER_HINT = "names with double underscores reach Python's internals, which programs here cannot use"

# The special methods a class of the program may define (each run by the interpreter itself: a constructor,
# calling an instance, len() and indexing, as a Dataset needs, and looping over it, as a wrapped DataLoader
# needs); any other dunder would be a hook for Python or torch to call behind the interpreter's back.
METHOD_DUNDERS = frozenset({"__init__", "__call__", "__len__", "__getitem__", "__iter__"})
_METHOD_DUNDERS_TEXT = "__init__, __call__, __len__, __getitem__ and __iter__"
# Decorators a method in a class body may carry besides those of DECORATORS below.
METHOD_DECORATORS = frozenset({"staticmethod", "classmethod"})

# Modules a program may import: each import binds a name to what the language already offers (the
# interpreter resolves the dotted path through the same tables as `torch.nn.functional` in an expression).
IMPORTABLE = ("torch", "math", "numpy", "random", "matplotlib", "mpl_toolkits", "typing", "collections", "os")
_IMPORTABLE_TEXT = ("torch (with torch.nn, torch.nn.functional, torch.optim, torch.autograd), math, random, numpy (a "
                    "small part of it), matplotlib (plots are skipped), typing, collections "
                    "(OrderedDict, defaultdict, Counter) and os (only os.environ.get and os.path.join)")

# Decorators a `def` may have: each names the last part of what it calls (`@torch.no_grad()`, `@no_grad()` after
# `from torch import no_grad`, or without the brackets); the interpreter checks what the name really is.
DECORATORS = frozenset({"no_grad", "enable_grad"})
_DECORATOR_HINT = "only @torch.no_grad() and @torch.enable_grad() can decorate a function here; call the function " \
                  "directly, or put its body inside `with torch.no_grad():`"


def parse_program(source: str, limits: Limits) -> ast.Module:
    """Parse and check `source`; raise ProgramError (kind syntax / not-allowed / limit) if it can't run."""
    if not isinstance(source, str):
        raise ProgramError("syntax", "the program must be text")
    if len(source) > limits.max_source_chars:
        raise ProgramError(
            "limit",
            f"the program is {len(source):,} characters long; the limit is {limits.max_source_chars:,}",
            hint="shorten it, or use a loop instead of repeating lines",
        )
    _check_nesting(source, limits)
    tree = _parse(source)
    _check_size(tree, limits)
    scoped = False
    classes = _ClassParts.of(tree)
    for node in ast.walk(tree):
        _check_node(node, classes)
        scoped = scoped or isinstance(node, (ast.Global, ast.Nonlocal, ast.Yield, ast.YieldFrom))
    _check_context(tree.body, in_function=False, in_loop=False)
    if scoped:
        _check_scopes(source, tree)
    return tree


class _ClassParts:
    """What is allowed only inside a class body: its methods (which may be named __init__ and the like and
    carry @staticmethod / @classmethod), and `<base>.__init__(...)` calls in them (`super().__init__()`,
    `super(Net, self).__init__()`, `nn.Module.__init__(self)`)."""

    def __init__(self) -> None:
        self.methods: set[int] = set()
        self.init_calls: set[int] = set()

    @classmethod
    def of(cls, tree: ast.Module) -> _ClassParts:
        parts = cls()
        for node in ast.walk(tree):
            if not isinstance(node, ast.ClassDef):
                continue
            for stmt in node.body:
                if not isinstance(stmt, ast.FunctionDef):
                    continue
                parts.methods.add(id(stmt))
                for inner in ast.walk(stmt):
                    if (isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute)
                            and inner.func.attr == "__init__"):
                        parts.init_calls.add(id(inner.func))
        return parts


def _check_scopes(source: str, tree: ast.Module) -> None:
    """`global` / `nonlocal` / `yield` follow Python's compile-time rules (a nonlocal with no binding, a name used
    before its global declaration, a yield inside a comprehension, ...): Python's own symbol-table pass, which
    reads the program without compiling or running any of it, says which. Then where a `yield` may stand here."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            symtable.symtable(source, "<program>", "exec")
    except SyntaxError as e:
        col = (e.offset - 1) if e.offset else None
        raise ProgramError("syntax", e.msg or "invalid syntax", line=e.lineno, col=col) from None
    except (MemoryError, RecursionError, ValueError):
        pass  # the tree was read already; the checks below still hold
    _check_yields(tree)


def _check_yields(tree: ast.Module) -> None:
    """A `yield` stands on its own line (`yield value`, `yield from values`) inside a `def`: not in a lambda, and
    not as a value (`x = yield v` sends values into a generator, which is not supported)."""
    alone: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, (ast.Yield, ast.YieldFrom)):
            alone.add(id(node.value))
        if isinstance(node, ast.Lambda):
            for inner in ast.walk(node.body):
                if isinstance(inner, (ast.Yield, ast.YieldFrom)):
                    raise _refuse(inner, "`yield` inside a lambda is not supported; write a `def` with the yield")
    for node in ast.walk(tree):
        if isinstance(node, (ast.Yield, ast.YieldFrom)) and id(node) not in alone:
            raise _refuse(node, "a `yield` must stand on its own line here, like `yield value`",
                          "sending values into a generator (`x = yield v`) is not supported")


def _check_context(body: list[ast.stmt], *, in_function: bool, in_loop: bool) -> None:
    """`return` only inside a def, `break`/`continue` only inside a loop: Python refuses them at compile time."""
    for stmt in body:
        if isinstance(stmt, ast.Return) and not in_function:
            raise ProgramError("syntax", "'return' outside a function").at(stmt)
        if isinstance(stmt, (ast.Break, ast.Continue)) and not in_loop:
            word = "break" if isinstance(stmt, ast.Break) else "continue"
            raise ProgramError("syntax", f"'{word}' outside a loop").at(stmt)
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, (ast.Yield, ast.YieldFrom)) and not in_function:
            raise ProgramError("syntax", "'yield' outside function").at(stmt)
        if isinstance(stmt, ast.FunctionDef):
            _check_context(stmt.body, in_function=True, in_loop=False)
        elif isinstance(stmt, ast.ClassDef):
            _check_context(stmt.body, in_function=False, in_loop=False)
        elif isinstance(stmt, (ast.For, ast.While)):
            _check_context(stmt.body, in_function=in_function, in_loop=True)
            _check_context(stmt.orelse, in_function=in_function, in_loop=in_loop)
        elif isinstance(stmt, ast.If):
            _check_context(stmt.body, in_function=in_function, in_loop=in_loop)
            _check_context(stmt.orelse, in_function=in_function, in_loop=in_loop)
        elif isinstance(stmt, ast.With):
            _check_context(stmt.body, in_function=in_function, in_loop=in_loop)


def _check_nesting(source: str, limits: Limits) -> None:
    """Refuse deeply nested brackets before ast.parse sees them (it recurses once per level)."""
    depth = 0
    line = 1
    for ch in source:
        if ch in "([{":
            depth += 1
            if depth > limits.max_nesting:
                raise ProgramError(
                    "limit",
                    f"brackets are nested more than {limits.max_nesting} deep",
                    line=line,
                    col=0,
                    hint="split the expression over several lines with names for the parts",
                )
        elif ch in ")]}":
            depth = max(0, depth - 1)
        elif ch == "\n":
            line += 1


def _parse(source: str) -> ast.Module:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. SyntaxWarning for "is" with a literal
            return ast.parse(source, mode="exec")
    except SyntaxError as e:
        tree = _parse_except_star(source, e)
        if tree is not None:
            return tree
        msg = e.msg or "invalid syntax"
        col = (e.offset - 1) if e.offset else None
        raise ProgramError("syntax", msg, line=e.lineno, col=col, hint=_syntax_hint(msg)) from None
    except (MemoryError, RecursionError):
        raise ProgramError(
            "limit",
            "the program is too deeply nested to read",
            hint="split long expressions into several lines",
        ) from None
    except ValueError as e:  # e.g. "source code string cannot contain null bytes"
        raise ProgramError("syntax", str(e)) from None


def _parse_except_star(source: str, error: SyntaxError) -> ast.Module | None:
    """Python 3.10 has no `except*` (3.11+ parses it to `ast.TryStar`, which is refused): give 3.10 the same answer.

    Each `except*` is read as `except` (the `*` becomes a space, so every position stays where it was) and the
    text parsed again; its `try`, marked `explorer_star`, is then refused by the node checks exactly as on 3.11,
    with the same message and position. None when this is not the case: a newer Python, no `except*` on the line
    Python stopped at, another mistake, or a `try` that 3.11 would refuse as syntax (a bare `except*:`, `except`
    mixed with `except*`).
    """
    if sys.version_info >= (3, 11):
        return None
    stars: set[tuple[int, int]] = set()  # (line, column) of each `*` right after an `except`
    handler_lines: set[int] = set()  # the lines of those `except` keywords
    except_line = 0  # the line of the token before, if that token is `except`
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if except_line and tok.type == tokenize.OP and tok.string == "*":
                stars.add(tok.start)
                handler_lines.add(except_line)
            if tok.type not in (tokenize.NL, tokenize.COMMENT):
                except_line = tok.start[0] if tok.type == tokenize.NAME and tok.string == "except" else 0
    except (tokenize.TokenError, SyntaxError):  # unclosed brackets or strings, bad indentation
        return None
    if error.lineno not in {line for line, _ in stars}:
        return None
    lines = io.StringIO(source).readlines()
    for line, col in stars:
        text = lines[line - 1]
        lines[line - 1] = text[:col] + " " + text[col + 1:]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse("".join(lines), mode="exec")
    except (SyntaxError, MemoryError, RecursionError, ValueError):
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and node.handlers:
            starred = [h.lineno in handler_lines for h in node.handlers]
            if any(starred) and (not all(starred) or any(h.type is None for h in node.handlers)):
                return None
            if all(starred):
                node.explorer_star = True  # type: ignore[attr-defined]  # refused as ast.TryStar is on 3.11+
    return tree


def _syntax_hint(msg: str) -> str | None:
    if "indent" in msg:
        return "indent the body of for / while / if / def by 4 spaces, consistently"
    if "was never closed" in msg or "unmatched" in msg:
        return "check that every bracket is closed"
    return None


def _check_size(tree: ast.Module, limits: Limits) -> None:
    """Count nodes and measure depth without recursion, so a huge tree can't overflow our stack."""
    count = 0
    stack: list[tuple[ast.AST, int, ast.AST]] = [(tree, 1, tree)]
    while stack:
        node, depth, placed = stack.pop()  # placed: the nearest node with a position (operators have none)
        if getattr(node, "lineno", None) is not None:
            placed = node
        count += 1
        if count > limits.max_ast_nodes:
            raise ProgramError(
                "limit",
                f"the program has more than {limits.max_ast_nodes:,} syntax elements",
                hint="shorten it, or use a loop instead of repeating lines",
            )
        if depth > limits.max_ast_depth:
            raise ProgramError(
                "limit",
                f"the program is nested more than {limits.max_ast_depth} levels deep",
                line=getattr(placed, "lineno", None),
                col=getattr(placed, "col_offset", None),
                hint="split long expressions into several lines with names for the parts",
            )
        stack.extend((child, depth + 1, placed) for child in ast.iter_child_nodes(node))


def _refuse(node: ast.AST, message: str, hint: str | None = None) -> ProgramError:
    return ProgramError("not-allowed", message, hint=hint).at(node)


def _is_dunder(name: str) -> bool:
    return "__" in name


# the dunder names tutorials read: `if __name__ == "__main__":`, `print(torch.__version__)` and
# `type(e).__name__`; only read, and the interpreter answers them itself (a string), never through Python's
# attribute of that name
READABLE_DUNDERS = {ast.Name: frozenset({"__name__"}), ast.Attribute: frozenset({"__version__", "__name__"})}


def _readable_dunder(node: ast.Name | ast.Attribute, name: str) -> bool:
    return name in READABLE_DUNDERS.get(type(node), ()) and isinstance(node.ctx, ast.Load)


def _check_node(node: ast.AST, classes: _ClassParts) -> None:
    kind = type(node).__name__
    if kind in _REFUSED:
        raise _refuse(node, _REFUSED[kind])
    if type(node) not in ALLOWED_NODES:
        raise _refuse(node, f"`{kind}` is not part of the Python subset the explorer runs")
    if isinstance(node, ast.Name) and _is_dunder(node.id) and not _readable_dunder(node, node.id):
        raise _refuse(node, f"the name `{node.id}` is not allowed", _DUNDER_HINT)
    # a single leading underscore is checked where the attribute is read or written, by the object it is on
    # (explorer/language/private.py): the program's own `self._hidden` works, torch's `x._version` does not
    if (isinstance(node, ast.Attribute) and _is_dunder(node.attr) and id(node) not in classes.init_calls
            and not _readable_dunder(node, node.attr)):
        if node.attr == "__init__":
            raise _refuse(node, "`.__init__` can only be called inside a class, as super().__init__(...)")
        raise _refuse(node, f"the attribute `.{node.attr}` is not allowed", _DUNDER_HINT)
    if isinstance(node, ast.FunctionDef):
        _check_function(node, method=id(node) in classes.methods)
    if isinstance(node, ast.ClassDef):
        _check_class(node)
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        _check_import(node)
    if isinstance(node, ast.Lambda):
        _check_parameters(node, node.args)
    if isinstance(node, (ast.Global, ast.Nonlocal)):
        word = "global" if isinstance(node, ast.Global) else "nonlocal"
        for name in node.names:
            if _is_dunder(name):
                raise _refuse(node, f"`{word} {name}`: the name `{name}` is not allowed", _DUNDER_HINT)
    if isinstance(node, ast.Try) and getattr(node, "explorer_star", False):  # except* read by Python 3.10
        raise _refuse(node, _REFUSED["TryStar"])
    if isinstance(node, ast.ExceptHandler) and node.name is not None and _is_dunder(node.name):
        raise _refuse(node, f"the name `{node.name}` is not allowed", _DUNDER_HINT)
    if isinstance(node, ast.arg) and _is_dunder(node.arg):
        raise _refuse(node, f"the parameter name `{node.arg}` is not allowed", _DUNDER_HINT)
    if isinstance(node, ast.keyword) and node.arg is not None and _is_dunder(node.arg):
        raise _refuse(node, f"the keyword `{node.arg}` is not allowed", _DUNDER_HINT)
    if isinstance(node, ast.FormattedValue) and node.format_spec is not None:
        _check_format_spec(node)
    if isinstance(node, ast.Constant) and isinstance(node.value, bytes):
        raise _refuse(node, "bytes literals are not supported")
    if isinstance(node, ast.AnnAssign) and node.value is None:
        raise _refuse(node, "a bare annotation assigns nothing; write `name = value`")


def _check_function(node: ast.FunctionDef, *, method: bool = False) -> None:
    _check_decorators(node, method=method)
    if _is_dunder(node.name):
        if method and node.name in METHOD_DUNDERS:
            pass
        elif method:
            raise _refuse(node, f"the method `{node.name}` is not supported here: a class can define "
                          f"{_METHOD_DUNDERS_TEXT} besides its own methods", _DUNDER_HINT)
        else:
            raise _refuse(node, f"the function name `{node.name}` is not allowed", _DUNDER_HINT)
    _check_parameters(node, node.args)


def _check_parameters(node: ast.FunctionDef | ast.Lambda, args: ast.arguments) -> None:
    if args.vararg or args.kwarg:
        raise _refuse(node, "`*args` and `**kwargs` parameters are not supported; name each parameter")
    if args.posonlyargs:
        raise _refuse(node, "positional-only parameters (`/`) are not supported")


def decorator_name(expr: ast.expr) -> str | None:
    """The last name of a decorator of the allowed shape: `name`, `a.b.name`, or either called with nothing."""
    if isinstance(expr, ast.Call) and not expr.args and not expr.keywords:
        expr = expr.func
    if isinstance(expr, ast.Name):
        return expr.id
    if isinstance(expr, ast.Attribute) and isinstance(expr.value, (ast.Name, ast.Attribute)):
        inner: ast.expr = expr.value
        while isinstance(inner, ast.Attribute):
            inner = inner.value
        return expr.attr if isinstance(inner, ast.Name) else None
    return None


def _check_decorators(node: ast.FunctionDef, *, method: bool = False) -> None:
    """`@torch.no_grad()` and `@torch.enable_grad()` (what the interpreter finds at that name is checked again when
    the def runs), and on a method in a class body `@staticmethod` / `@classmethod`; anything else is refused."""
    for deco in node.decorator_list:
        name = decorator_name(deco)
        if name in METHOD_DECORATORS:
            if method and isinstance(deco, ast.Name):
                continue
            raise _refuse(deco, f"@{name} belongs to a method inside a class", _DECORATOR_HINT)
        if name not in DECORATORS:
            raise _refuse(deco, "this decorator is not supported", _DECORATOR_HINT)


_CLASS_BODY = (ast.FunctionDef, ast.Assign, ast.AnnAssign, ast.Pass, ast.Expr)


def _check_class(node: ast.ClassDef) -> None:
    """`class Net(nn.Module):`, `class Foo:`, `class Foo(object):`, `class B(A):`: one base, named (not
    computed), no metaclass or decorator; a body of methods, class attributes and a docstring."""
    if _is_dunder(node.name):
        raise _refuse(node, f"the class name `{node.name}` is not allowed", _DUNDER_HINT)
    if node.decorator_list:
        raise _refuse(node.decorator_list[0], "decorators on a class are not supported")
    if node.keywords:
        raise _refuse(node.keywords[0], "class keywords (metaclass=...) are not supported")
    if len(node.bases) > 1:
        raise _refuse(node.bases[1], "a class can derive from one class here",
                      "derive from nn.Module (or one class of your program) and keep the others as attributes")
    for base in node.bases:
        if not isinstance(base, (ast.Name, ast.Attribute)):
            raise _refuse(base, "a class's base must be named, like nn.Module or a class defined above")
    for stmt in node.body:
        if not isinstance(stmt, _CLASS_BODY):
            what = "a class inside a class" if isinstance(stmt, ast.ClassDef) else f"`{type(stmt).__name__}`"
            raise _refuse(stmt, f"{what} is not supported in a class body",
                          "a class body holds methods (def) and class attributes (name = value)")
        if isinstance(stmt, ast.Expr) and not isinstance(stmt.value, ast.Constant):
            raise _refuse(stmt, "a class body holds methods (def), class attributes and a docstring",
                          "run code inside __init__ instead")


def _check_import(node: ast.Import | ast.ImportFrom) -> None:
    """`import torch`, `import torch.nn as nn`, `from torch import nn, optim`, `from __future__ import ...`:
    the module must be one we offer; the names are checked when the interpreter resolves them."""
    if isinstance(node, ast.ImportFrom):
        if node.level:
            raise _refuse(node, "relative imports are not supported; import from torch, math or numpy")
        module = node.module or ""
        if module == "__future__":
            return  # `from __future__ import annotations` and the like change nothing here
        if any(a.name == "*" for a in node.names):
            raise _refuse(node, f"`from {module} import *` is not supported",
                          f"name what you use: from {module} import ...")
        modules = [module]
        names = [n for a in node.names for n in (a.name, a.asname) if n]
    else:
        modules = [a.name for a in node.names]
        names = [a.asname for a in node.names if a.asname]
    for module in modules:
        if module.split(".")[0] not in IMPORTABLE:
            raise _refuse(node, f"the module `{module}` is not available here",
                          f"a program can import {_IMPORTABLE_TEXT}")
    for name in [*modules, *names]:
        if _is_dunder(name) or any(part.startswith("_") for part in name.split(".")):
            raise _refuse(node, f"the name `{name}` is not allowed", _DUNDER_HINT)


def _check_format_spec(node: ast.FormattedValue) -> None:
    """Only plain format specs (`{loss:.4f}`): no nested `{...}` inside the spec, and a bounded width."""
    spec = node.format_spec
    assert isinstance(spec, ast.JoinedStr)
    for part in spec.values:
        if not (isinstance(part, ast.Constant) and isinstance(part.value, str)):
            raise _refuse(
                node,
                "format specs inside f-strings must be plain, like {loss:.4f}; nested {...} is not allowed",
            )
