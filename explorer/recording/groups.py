"""Which module call, function call, loop iteration and source line each node was made in (model.Group).

The interpreter tells the recorder when it enters and leaves a stretch (`Recorder.enter` / `leave`, which land
here); every node made meanwhile belongs to the innermost one. A node with a source span also gets a group for
its line inside that stretch, made the first time the line makes a node there. Inside a torch layer
(`nn.Linear`) there is no program text, so its nodes belong to the layer's group itself.

Module paths are worked out at the end, from the program's variables, exactly as `named_modules()` spells them
under the variable that holds the outermost module (`net`, `net.fc1`, `model.0`). A module no variable holds is
named by the path from the module call around it, or else by its class.

Light stretches (capture.py) make groups like any other; groups left without a shown node are dropped at the
end, so the trace keeps only groups that hold something.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

import torch

from explorer.recording.model import Group, Node, Span, make_group


@dataclass(slots=True)
class _Group:
    """A group while the program runs: the live module is kept to name it and read its parameters at the end."""

    id: str
    kind: str
    label: str
    parent: str | None
    index: int
    line: int | None
    module: Any = None
    layer: bool = False  # a torch layer: its nodes have no source line of their own
    key: str = ""
    call: int = 0  # id() of the call's AST node


class GroupLog:
    """The recorder's part for groups: a stack while running, the Group table at the end.

    A stretch entered is only noted on the stack; its group is made when the first node is made inside it (or
    inside a stretch within it). A loop of 100,000 iterations that makes no node costs no group."""

    def __init__(self, lines: list[bytes]) -> None:
        self._lines = lines
        self.groups: dict[str, _Group] = {}
        self._stack: list[list[Any]] = []  # [kind, what, node, index, its _Group once made]
        self._made = 0  # the stack's entries below this have their group made
        self._line_groups: dict[tuple[str | None, int], str] = {}
        self._calls: dict[Any, int] = {}  # a module's id or a function's name -> calls so far
        self._alive: list[Any] = []  # the modules whose id() is used

    # --- while running --------------------------------------------------------------------------------------
    def enter(self, kind: str, what: Any, node: ast.AST | None, index: int | None = None) -> None:
        """Start a stretch: kind "module" (what: the module), "function" (what: its name), "loop" (what: unused,
        index: the iteration). Calls are counted now, so that a call's index is its place among all calls."""
        if kind == "module":
            index = self._calls.get(id(what), 0)
            self._calls[id(what)] = index + 1
            self._alive.append(what)
        elif kind == "function":
            index = self._calls.get(what, 0)
            self._calls[what] = index + 1
        self._stack.append([kind, what, node, index or 0, None])

    def leave(self) -> None:
        self._stack.pop()
        if self._made > len(self._stack):
            self._made = len(self._stack)

    def _make(self, entry: list[Any], parent: str | None) -> _Group:
        kind, what, node, index, _ = entry
        line = getattr(node, "lineno", None)
        gid = f"g{len(self.groups)}"
        if kind == "module":
            layer = "_explorer_class" not in what.__dict__ and not isinstance(what, torch.nn.Sequential)
            g = _Group(gid, kind, "", parent, index, line, module=what, layer=layer, key=module_class(what),
                       call=id(node))
        elif kind == "function":
            g = _Group(gid, kind, f"{what}()", parent, index, line, key=f"function {what}")
        else:
            g = _Group(gid, kind, self._header(line), parent, index, line, key=f"loop {line}")
        self.groups[gid] = g
        return g

    def _top(self) -> _Group | None:
        """The innermost stretch's group, made now (with those around it) if not yet."""
        stack = self._stack
        if not stack:
            return None
        while self._made < len(stack):
            parent = stack[self._made - 1][4].id if self._made else None
            stack[self._made][4] = self._make(stack[self._made], parent)
            self._made += 1
        return stack[-1][4]

    def caller(self, node: ast.AST | None, span: Span | None) -> str | None:
        """The group of a layer's input made at its call `node`: outside the modules that call made (a
        Sequential's, whose first child is the one being left)."""
        k = len(self._stack)
        while k and self._stack[k - 1][0] == "module" and self._stack[k - 1][2] is node:
            k -= 1
        inner, self._stack = self._stack[k:], self._stack[:k]
        made = self._made
        self._made = min(made, k)
        try:
            return self.current(span)
        finally:
            self._stack.extend(inner)
            if made >= k:  # the inner entries were made already; else none was, and the outer ones are now
                self._made = made

    def current(self, span: Span | None) -> str | None:
        """The group a node made now belongs to: its line's group inside the innermost stretch."""
        top = self._top()
        if span is None or (top is not None and top.layer):
            return top.id if top is not None else None
        parent = top.id if top is not None else None
        key = (parent, span.line)
        gid = self._line_groups.get(key)
        if gid is None:
            gid = f"g{len(self.groups)}"
            self.groups[gid] = _Group(gid, "line", self._text(span.line), parent, 0, span.line, key=f"line {span.line}")
            self._line_groups[key] = gid
        return gid

    def _text(self, line: int) -> str:
        if 0 < line <= len(self._lines):
            return self._lines[line - 1].decode("utf-8", "replace").strip()[:80]
        return f"line {line}"

    def _header(self, line: int | None) -> str:
        text = self._text(line) if line else "loop"
        head = text.split("#", 1)[0].rstrip()  # `for xb, yb in loader:  # 3 batches`: without the comment
        if head.endswith(":"):
            text = head
        return text[:-1].rstrip() if text.endswith(":") else text

    # --- the end ----------------------------------------------------------------------------------------------
    def finish(self, nodes: dict[str, Node], named: dict[str, Any],
               leaves: dict[str, Any]) -> tuple[dict[str, Group], dict[str, str]]:
        """The Group table for the shown `nodes` (groups holding none dropped, ids numbered again), and the group of
        every node that has one. A parameter leaf (`leaves`: leaf node id -> its tensor) is put in the first shown
        call of the module that holds it."""
        moves = self._parameter_homes(nodes, leaves)
        self._out_of_hidden_iterations(nodes, moves)
        used = _with_ancestors((moves.get(n.id, n.group) for n in nodes.values()), self.groups)
        paths = module_paths(named)
        out: dict[str, Group] = {}
        labels: dict[str, str] = {}
        # numbered again over the groups kept, so that a light recording (which makes no line groups for the
        # iterations it summarises) gives the ids a full one gives
        new_id = {old: f"g{i}" for i, old in enumerate(gid for gid in self.groups if gid in used)}
        for g in self.groups.values():
            if g.id not in used:
                continue
            label = g.label
            params: tuple[tuple[str, tuple[int, ...]], ...] = ()
            count = 0
            cls = None
            if g.kind == "module":
                label = self._module_label(g, paths, labels)
                cls = module_class(g.module)
                named_params = list(g.module.named_parameters())
                params = tuple((f"{label}.{name}", tuple(p.shape)) for name, p in named_params)
                count = sum(p.numel() for _, p in named_params)
            labels[g.id] = label
            gid = new_id[g.id]
            out[gid] = make_group(id=gid, kind=g.kind, label=label, parent=new_id.get(g.parent or ""), index=g.index,
                                  line=g.line, cls=cls, key=g.key, params=params, n_params=count)
        homes = {}
        for n in nodes.values():
            home = moves.get(n.id, n.group)
            if home is not None:
                homes[n.id] = new_id[home]
        return out, homes

    def _out_of_hidden_iterations(self, nodes: dict[str, Node], moves: dict[str, str | None]) -> None:
        """A leaf or constant first used in a loop iteration that is not shown (a training loop's data, made
        once and used by every iteration) is drawn outside the loop."""
        with_ops = _with_ancestors((n.group for n in nodes.values() if n.kind == "op"), self.groups)
        for n in nodes.values():
            if n.kind == "op":
                continue
            gid = moves.get(n.id, n.group)
            target = gid
            while gid is not None:
                g = self.groups[gid]
                if g.kind == "loop" and gid not in with_ops:
                    target = g.parent
                gid = g.parent
            if target != moves.get(n.id, n.group):
                moves[n.id] = target

    def _module_label(self, g: _Group, paths: dict[int, str], labels: dict[str, str]) -> str:
        path = paths.get(id(g.module))
        if path is not None:
            return path
        outer = self._enclosing_module(g)
        if outer is not None:
            for sub, m in outer.module.named_modules():
                if m is g.module and sub:
                    return f"{labels.get(outer.id) or outer.label}.{sub}"
        return module_class(g.module)

    def _enclosing_module(self, g: _Group) -> _Group | None:
        gid = g.parent
        while gid is not None:
            up = self.groups[gid]
            if up.kind == "module":
                return up
            gid = up.parent
        return None

    def _parameter_homes(self, nodes: dict[str, Node], leaves: dict[str, Any]) -> dict[str, str | None]:
        """A module's parameter is made where the module first used it, perhaps in a loop iteration that is not
        shown: it is drawn in the first shown call of its module instead (`leaves`: leaf node id -> tensor)."""
        owner: dict[int, Any] = {}  # id(parameter) -> the module that holds it directly
        for g in self.groups.values():
            if g.kind == "module":
                for p in g.module.parameters(recurse=False):
                    owner[id(p)] = g.module
        if not owner:
            return {}
        with_ops = _with_ancestors((n.group for n in nodes.values() if n.kind == "op"), self.groups)
        home: dict[int, str] = {}  # id(module) -> its first call holding a shown op
        for g in self.groups.values():
            if g.kind == "module" and g.id in with_ops and id(g.module) not in home:
                home[id(g.module)] = g.id
        out: dict[str, str | None] = {}
        for nid, t in leaves.items():
            m = owner.get(id(t))
            if m is not None and id(m) in home:
                out[nid] = home[id(m)]
        return out


def _with_ancestors(ids: Any, groups: dict[str, _Group]) -> set[str]:
    """The groups `ids` and every group around them."""
    out: set[str] = set()
    for gid in ids:
        while gid is not None and gid not in out:
            out.add(gid)
            gid = groups[gid].parent
    return out


def module_class(m: Any) -> str:
    """The class name a learner wrote: the program's own (Net) or torch's (Linear)."""
    cls = m.__dict__.get("_explorer_class") if hasattr(m, "__dict__") else None
    return cls.name if cls is not None else type(m).__name__


def module_paths(named: dict[str, Any]) -> dict[int, str]:
    """id(module) -> its path under the program's variables, as `named_modules()` spells it; a module held
    inside another held module is named through the outermost one (as its parameters are)."""
    modules = [(name, v) for name, v in named.items() if isinstance(v, torch.nn.Module)]
    inner: set[int] = set()
    for _, m in modules:
        inner.update(id(sub) for sub in m.modules() if sub is not m)
    paths: dict[int, str] = {}
    for later in (False, True):
        for name, m in modules:
            if (id(m) not in inner) == later:
                for sub, child in m.named_modules():
                    paths[id(child)] = f"{name}.{sub}" if sub else name
    return paths


# --- reading groups back ------------------------------------------------------------------------------------
def chain(groups: dict[str, Group], gid: str | None) -> list[Group]:
    """The groups around `gid`, outermost first, ending with it."""
    out: list[Group] = []
    while gid is not None:
        g = groups[gid]
        out.append(g)
        gid = g.parent
    return out[::-1]


def module_of(groups: dict[str, Group], gid: str | None) -> Group | None:
    """The innermost module call around a group (None outside every module)."""
    for g in reversed(chain(groups, gid)):
        if g.kind == "module":
            return g
    return None


def depth(groups: dict[str, Group], gid: str) -> int:
    """How many module calls a group is inside, itself included when it is one (`net` 1, `net.fc1` 2)."""
    return sum(1 for g in chain(groups, gid) if g.kind == "module")


__all__ = ["GroupLog", "chain", "depth", "module_class", "module_of", "module_paths"]
