"""Errors a user can cause, and how they are reported.

Everything a typed program can do wrong ends as one exception type, so the app, the command line and a
notebook can all show it the same way, with the line and column it points at::

    ValueError
    └── ProgramError            .kind, .line, .col, .message, .hint
          kind = "syntax"       the text is not Python, or not the subset we run
          kind = "not-allowed"  valid Python we refuse: imports, dunders, callables off the allowlist
          kind = "limit"        too long, too deep, too many steps, too big a tensor, too slow
          kind = "runtime"      the program ran and failed: torch's own error, in torch's words, plus a hint
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
