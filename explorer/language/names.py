"""Free names: `z = y*y*2` with `y` never given a value makes `y` an input the user can set."""
from __future__ import annotations

import ast

from explorer.language import allowlist as A

KNOWN = (frozenset({"torch", "F", "math", "nn", "True", "False", "None", "__name__"}) | A.BUILTINS
         | frozenset(A.BUILTIN_REFUSED) | A.MODULE_NAMES | A.EXCEPTION_NAMES)


def free_names(tree: ast.Module) -> list[str]:
    """Names read somewhere but bound nowhere in the program (and not called), in order of first use."""
    bound: set[str] = set()
    called: set[str] = set()
    loads: list[tuple[int, int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, (ast.Store, ast.Del)):
                bound.add(node.id)
            else:
                loads.append((node.lineno, node.col_offset, node.id))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update(bound_by_import(node))
        elif isinstance(node, ast.ClassDef):
            bound.add(node.name)
        elif isinstance(node, ast.FunctionDef):
            bound.add(node.name)
            bound.update(a.arg for a in node.args.args + node.args.kwonlyargs)
        elif isinstance(node, ast.Lambda):
            bound.update(a.arg for a in node.args.args + node.args.kwonlyargs)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            called.add(node.func.id)
    out: list[str] = []
    for _, _, name in sorted(loads):
        if name not in bound and name not in called and name not in KNOWN and name not in out:
            out.append(name)
    return out


def bound_by_import(node: ast.Import | ast.ImportFrom) -> list[str]:
    """The names an import statement binds: `import torch.nn as nn` -> nn, `import torch.nn` -> torch."""
    if isinstance(node, ast.ImportFrom):
        return [] if node.module == "__future__" else [a.asname or a.name for a in node.names]
    return [a.asname or a.name.split(".")[0] for a in node.names]
