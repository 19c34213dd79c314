"""The stages import one way only: language → recording → drawing → app, with the sandbox beside them.

Each module's imports (at the top or inside functions) are read from its source; an import of a later stage
from an earlier one fails here with the file and the line. See docs/architecture.md for the picture.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "explorer"

# stage -> the stages it may import (besides itself). "base" is the shared ground every stage stands on.
ALLOWED = {
    "base": set(),
    "language": {"base"},
    "recording": {"base", "language"},
    "sandbox": {"base", "language", "recording"},
    "drawing": {"base", "recording"},
    "api": {"base", "language", "recording", "sandbox", "drawing"},
    "app": {"base", "language", "recording", "sandbox", "drawing", "api"},
    "cli": {"base", "language", "recording", "sandbox", "drawing", "api", "app"},
}
BASE = {"config", "errors", "fastjson", "gcpause", "assets", "examples", "choices"}


def stage_of(module: str) -> str | None:
    """The stage of a dotted module name inside the package, None for explorer/__init__ and outside names."""
    parts = module.split(".")
    if parts[0] != "explorer" or len(parts) == 1:
        return None
    first = parts[1]
    if first in BASE:
        return "base"
    if first in ("__main__",):
        return "cli"
    return first if first in ALLOWED else "unknown:" + first


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, package: str | None = None) -> list[tuple[int, str]]:
    """(line, module) for every import in the file; relative imports resolved against `package`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    if package is None:
        package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            found.append((node.lineno, base))
            found += [(node.lineno, f"{base}.{a.name}") for a in node.names if f"{base}.{a.name}".count(".") >= 2]
    return found


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if p != PACKAGE / "__init__.py")


def test_every_module_belongs_to_a_stage():
    unknown = [module_name(p) for p in MODULES if stage_of(module_name(p)) in (None,)
               or stage_of(module_name(p)).startswith("unknown")]
    assert not unknown, f"add these to a stage in tests/test_architecture.py: {unknown}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE.parent)))
def test_imports_go_one_way(path: Path):
    own = stage_of(module_name(path))
    wrong = []
    for line, target in imports_of(path):
        stage = stage_of(target)
        if stage is None or stage == own:
            continue
        if stage not in ALLOWED[own]:
            wrong.append(f"{path.name}:{line} imports {target} ({own} must not import {stage})")
    assert not wrong, "\n".join(wrong)


def test_the_checker_sees_a_backward_import(tmp_path):
    """The rule above can fail: a recording module that imports the drawing stage is caught."""
    bad = PACKAGE / "recording" / "model.py"
    source = bad.read_text(encoding="utf-8") + "\n\ndef _late():\n    from ..drawing import figure\n"
    fake = tmp_path / "model.py"
    fake.write_text(source)
    targets = {stage_of(t) for _, t in imports_of(fake, package="explorer.recording")}
    assert "drawing" in targets
    assert "drawing" not in ALLOWED[stage_of("explorer.recording.model")]
