"""`import os` for programs: only what a tutorial reads from it, with nothing of the machine behind it.

Tutorials import os for paths and settings (`os.path.join(root, "data")`, `os.environ.get("SPHINX", "0")`); the
explorer runs without files, processes or an environment of the program's. So `os.environ` is empty and
read-only (`get` gives the default), `os.getenv` likewise, `os.path.join` joins text; anything else of os is
refused with its name.
"""
from __future__ import annotations

from typing import Any

from explorer.errors import ProgramError
from explorer.language.objects import Fn, Namespace

_NOTHING = "the explorer runs programs without files, processes or environment variables"


class _EveryName(dict):
    """A refusal table that has a reason for any name: what os offers is the short list of members."""

    def get(self, key: Any, default: Any = None) -> Any:
        return _NOTHING


def _environ_get(key: Any, default: Any = None) -> Any:
    """`os.environ.get(name, default)`: the environment is empty here, so the default."""
    if not isinstance(key, str):
        raise ProgramError("runtime", f"os.environ.get takes the variable's name as text, not {type(key).__name__}")
    return default


def _path_join(*parts: Any) -> str:
    """`os.path.join("data", "train")`: plain text joined with '/' (no file is ever opened here)."""
    if not parts or not all(isinstance(p, str) for p in parts):
        raise ProgramError("runtime", "os.path.join takes pieces of text")
    if sum(len(p) for p in parts) > 4_096:
        raise ProgramError("limit", "os.path.join: the path is longer than 4,096 characters")
    out = parts[0]
    for p in parts[1:]:
        out = p if p.startswith("/") else (out + p if out == "" or out.endswith("/") else out + "/" + p)
    return out


def make_os() -> Namespace:
    environ = Namespace("os.environ", {"get": Fn("os.environ.get", _environ_get, False)},
                        _EveryName())
    path = Namespace("os.path", {"join": Fn("os.path.join", _path_join, False)}, _EveryName())
    return Namespace("os", {"environ": environ, "getenv": Fn("os.getenv", _environ_get, False), "path": path,
                            "sep": "/"}, _EveryName())
