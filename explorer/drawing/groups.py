"""Groups in the picture: boxes around module calls, function calls and loop iterations, and groups collapsed
to one node each, so that a model of thousands of nodes reads as a handful of blocks.

`group_view(trace, collapse)` turns a trace into the trace as drawn: each collapsed group (or run of repeated
groups) becomes one node whose id is the group's id (`g3`), standing for every node inside; edges inside it
are dropped, edges crossing its border are kept (one per outside tensor going in), and the animation's steps
of the nodes inside become steps of the collapsed node, so it lights up while anything inside runs and the
caption names it by its module path. Everything downstream (layout, figure, animation) then works on that
trace as on any other.

What `collapse` may be (see `collapsed_runs`):
- None: nothing collapsed;
- an int N: module calls deeper than N modules drawn as one node each (0: every outermost module call);
- "repeated": the same module class, function or loop body done N times in a row drawn once, "×N";
- a list of group paths (`net.fc1`: every call of it) or group ids (`g3`: that one call);
- "auto": what reads best in the app's graph at 1280x720: nothing for a small graph (READABLE_MAX_NODES: its
  canvas grows until its text is readable) or one without groups; else the least collapsing of the choices
  below whose text reaches AUTO_LEGIBLE_PX there (`_readable_runs`), the largest if none does. First a loop's
  iterations but its last (the last one open, where a learner reads the ops: what a training loop of three
  shown steps needs), then with module calls collapsed deeper than N, then repeated blocks drawn once. Over
  AUTO_COLLAPSE_NODES nodes, laying out every choice would cost too much: the least collapsing that draws
  at most that many nodes. Decided on the trace alone (not the window), so every click and export agrees.
"""
from __future__ import annotations

import dataclasses
import re
import weakref
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from explorer.choices import AUTO_LEGIBLE_PX, READABLE_MAX_NODES
from explorer.recording.groups import chain
from explorer.recording.model import Edge, Group, Node, Step, Trace, make_node, make_step

DRAWN_KINDS = ("module", "function", "loop")  # the kinds drawn as boxes and collapsible (not lines)
AUTO_COLLAPSE_NODES = 300
MAX_LOOP_BOXES = 12  # a loop with more shown iterations than this gets no box per iteration (too many)

# The words a collapsed node and a group box show, by language.
GROUP_WORDS: dict[str, dict[str, str]] = {
    "en": {"params": "{n} parameter{s}", "nodes": "{n} node{s} inside", "call": "call {k}",
           "iteration": "iteration {k}", "iterations": "iterations {a}–{b}", "function": "function", "loop": "loop",
           "hidden": "{n} node{s} hidden in {g} collapsed group{gs}", "param_list": "parameters"},
    "zh": {"params": "{n} 个参数", "nodes": "内含 {n} 个节点", "call": "第 {k} 次调用", "iteration": "第 {k} 次迭代",
           "iterations": "第 {a}–{b} 次迭代",
           "function": "函数", "loop": "循环", "hidden": "{g} 个折叠的组里隐藏了 {n} 个节点", "param_list": "参数"},
}


@dataclass
class GroupView:
    """A trace as drawn with some groups collapsed (see the module docstring)."""

    trace: Trace  # the drawn trace: collapsed groups are nodes whose id is their first group's id
    runs: dict[str, tuple[str, ...]]  # collapsed node id -> the groups it stands for (several: repeated)
    members: dict[str, list[str]]  # collapsed node id -> the trace's node ids inside it
    boxes: list[str]  # groups drawn as boxes around their nodes, outermost first
    # box group id (or a group sharing its frame: shares) -> the drawn node ids inside
    box_members: dict[str, set[str]] = field(default_factory=dict)
    hidden: int = 0  # the trace's nodes drawn only as part of a collapsed node
    # box group id -> the groups inside it whose frame is this one (merge_frames): their labels follow its own
    shares: dict[str, tuple[str, ...]] = field(default_factory=dict)
    whole: tuple[str, ...] = ()  # open groups around every drawn node: named, not framed (merge_frames)

    @property
    def groups(self) -> dict[str, Group]:
        return self.trace.groups


def members_of(trace: Trace) -> dict[str, list[str]]:
    """Group id -> the ids of every node inside it (at any depth), in the trace's order."""
    out: dict[str, list[str]] = {gid: [] for gid in trace.groups}
    groups = trace.groups
    for n in trace.nodes.values():
        gid = n.group
        while gid is not None:
            out[gid].append(n.id)
            gid = groups[gid].parent
    return out


def module_depth(groups: dict[str, Group], gid: str) -> int:
    return sum(1 for g in chain(groups, gid) if g.kind == "module")


# --- which groups are collapsed -----------------------------------------------------------------------------
def collapsed_runs(trace: Trace, collapse: Any, members: dict[str, list[str]] | None = None,
                   constants: bool = False) -> list[tuple[str, ...]]:
    """The runs of groups to draw as one node each, outermost only (see the module docstring).

    `collapse` may also be {"base": one of the above, "open": [groups], "closed": [groups]}, each group by its
    id or its path: the base's choice, with the groups of `open` drawn open (the groups inside one then
    collapse as the base says: a depth opens one level at a time) and those of `closed` collapsed. What the
    app's clicks make (with ids)."""
    if collapse is None or collapse is False or not trace.groups:
        return []
    members = members if members is not None else members_of(trace)
    return _outermost(trace, _raw_runs(trace, collapse, members, constants))


def _raw_runs(trace: Trace, collapse: Any, members: dict[str, list[str]], constants: bool) -> list[tuple[str, ...]]:
    """collapsed_runs before keeping the outermost: a group inside a collapsed one may be listed too."""
    if collapse is None or collapse is False:
        return []
    if isinstance(collapse, dict):
        if set(collapse) - {"base", "open", "closed"}:
            raise ValueError('a collapse dict has the keys "base", "open" and "closed" only')
        opened = _named(trace, collapse.get("open"))
        closed = [(gid,) for gid in sorted(_named(trace, collapse.get("closed")), key=_id_order)]
        base = [run for run in _raw_runs(trace, collapse.get("base"), members, constants)
                if not opened.intersection(run)]
        return [*closed, *base]
    if isinstance(collapse, Runs):
        return list(collapse.runs)
    if collapse == "auto":
        return _auto(trace, members, constants)
    if collapse == "repeated":
        return repeated_runs(trace, members)
    if isinstance(collapse, bool):
        raise ValueError("collapse=True is not a depth: give a number, a list of groups, 'repeated' or 'auto'")
    if isinstance(collapse, int):
        if collapse < 0:
            raise ValueError("collapse must be a depth of 0 or more")
        return [(g.id,) for g in trace.groups.values()
                if g.kind == "module" and module_depth(trace.groups, g.id) > collapse]
    if isinstance(collapse, str):
        collapse = [collapse]
    if isinstance(collapse, (list, tuple, set, frozenset)):
        wanted = set(map(str, collapse))
        return [(g.id,) for g in trace.groups.values()
                if g.kind in DRAWN_KINDS and (g.id in wanted or g.label in wanted)]
    raise ValueError("collapse must be None, a depth, a list of group paths, 'repeated' or 'auto'")


def _named(trace: Trace, names: Any) -> set[str]:
    """The ids of the groups `names` lists, each by its id (`g3`: that one call) or its path (`net.fc1`: every
    call of it), as the list form of `collapse` takes them."""
    wanted = set(map(str, names or ()))
    return {g.id for g in trace.groups.values() if g.id in wanted or g.label in wanted}


def _id_order(gid: str) -> tuple[int, str]:
    return (int(gid[1:]) if gid[1:].isdigit() else -1, gid)


def _outermost(trace: Trace, runs: Iterable[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """Drop runs inside another run's groups (the outer one is drawn as one node anyway), and runs sharing a
    group with a longer one; in the order the groups began."""
    runs = sorted(runs, key=lambda r: -len(r))
    chosen = {gid for run in runs for gid in run}
    out: list[tuple[str, ...]] = []
    taken: set[str] = set()
    for run in runs:
        if any(gid in taken for gid in run) or any(g.id in chosen for g in chain(trace.groups, run[0])[:-1]):
            continue
        taken.update(run)
        out.append(run)
    return sorted(out, key=lambda r: int(r[0][1:]))


def repeated_runs(trace: Trace, members: dict[str, list[str]]) -> list[tuple[str, ...]]:
    """Sibling groups in a row that did the same thing (same key: module class, function, loop; same ops
    inside): each run of two or more, in order."""
    children: dict[str | None, list[Group]] = {}
    for g in trace.groups.values():
        if g.kind in DRAWN_KINDS:
            children.setdefault(_drawn_parent(trace.groups, g), []).append(g)
    nodes = trace.nodes
    signature = {}
    for g in trace.groups.values():
        if g.kind in DRAWN_KINDS:
            ops = Counter(nodes[n].op for n in members[g.id] if nodes[n].kind == "op")
            signature[g.id] = (g.key, tuple(sorted(ops.items())))
    runs: list[tuple[str, ...]] = []
    for kids in children.values():
        run: list[str] = []
        for g in kids:
            if run and signature[run[-1]] == signature[g.id]:
                run.append(g.id)
                continue
            if len(run) > 1:
                runs.append(tuple(run))
            run = [g.id]
        if len(run) > 1:
            runs.append(tuple(run))
    return runs


def _drawn_parent(groups: dict[str, Group], g: Group) -> str | None:
    gid = g.parent
    while gid is not None and groups[gid].kind not in DRAWN_KINDS:
        gid = groups[gid].parent
    return gid


@dataclass(frozen=True)
class Runs:
    """`collapse` given as the runs themselves (what "auto" chose): each a tuple of group ids drawn as one node."""

    runs: tuple[tuple[str, ...], ...]


def _auto(trace: Trace, members: dict[str, list[str]], constants: bool) -> list[tuple[str, ...]]:
    """See the module docstring ("auto"). Remembered per trace: every redraw, click and export asks again."""
    key = (id(trace), constants)
    known = _AUTO_CHOSEN.get(key)
    if known is not None and known[0]() is trace:
        return list(known[1])
    runs = _auto_runs(trace, members, constants)
    if len(_AUTO_CHOSEN) >= 64:
        _AUTO_CHOSEN.clear()
    _AUTO_CHOSEN[key] = (weakref.ref(trace), tuple(runs))
    return runs


# (id of a trace, constants shown) -> the trace (weakly: an id is reused once its trace is gone) and the runs
# "auto" chose for it. The app keeps its recent traces (callbacks.trace_for), so their choice is made once.
_AUTO_CHOSEN: dict[tuple[int, bool], tuple[weakref.ref, tuple[tuple[str, ...], ...]]] = {}


def _auto_runs(trace: Trace, members: dict[str, list[str]], constants: bool) -> list[tuple[str, ...]]:
    """The choice itself, candidates least collapsing first (the module docstring's order)."""
    open_count = sum(1 for n in trace.nodes.values() if constants or n.kind != "constant")
    if open_count <= READABLE_MAX_NODES:
        return []
    if not any(g.kind in DRAWN_KINDS for g in trace.groups.values()):
        return []
    groups = trace.groups
    deepest = max((module_depth(groups, g.id) for g in groups.values() if g.kind == "module"), default=0)
    repeated = repeated_runs(trace, members)
    but_last = [run[:-1] for run in repeated if groups[run[0]].kind == "loop"]
    depths = [_raw_runs(trace, d, members, constants) for d in range(deepest - 1, -1, -1)]  # deepest first
    candidates: list[list[tuple[str, ...]]] = []
    if but_last:  # the last iteration open: first alone, then with module calls collapsed deeper and deeper
        candidates += [but_last, *([*but_last, *by_depth] for by_depth in depths)]
    for by_depth in depths:  # at each depth, then also repeated blocks drawn once
        candidates += [by_depth, [*repeated, *by_depth]]
    top = [(g.id,) for g in groups.values() if g.kind in DRAWN_KINDS and _drawn_parent(groups, g) is None]
    candidates.append([*repeated, *top])
    if open_count <= AUTO_COLLAPSE_NODES:
        return _readable_runs(trace, [[], *candidates], constants)
    for runs in candidates:
        if drawn_count(trace, _outermost(trace, runs), members, constants) <= AUTO_COLLAPSE_NODES:
            return runs
    return candidates[-1]


def _readable_runs(trace: Trace, candidates: list[list[tuple[str, ...]]], constants: bool) -> list[tuple[str, ...]]:
    """The first of `candidates` whose text reaches AUTO_LEGIBLE_PX as the app draws it at 1280x720, else the
    one whose text is largest (the first of equals)."""
    from explorer.drawing.figure import text_px  # the drawing uses this module: asked only when needed

    best, best_px = candidates[0], -1.0
    seen: set[tuple[tuple[str, ...], ...]] = set()
    for runs in candidates:
        drawn = tuple(_outermost(trace, runs))
        if drawn in seen:
            continue
        seen.add(drawn)
        px = text_px(trace, Runs(drawn), constants)
        if px >= AUTO_LEGIBLE_PX:
            return runs
        if px > best_px:
            best, best_px = runs, px
    return best


def drawn_count(trace: Trace, runs: list[tuple[str, ...]], members: dict[str, list[str]], constants: bool) -> int:
    """How many nodes the picture has with `runs` collapsed."""
    inside = {n for run in runs for gid in run for n in members[gid]}
    shown = sum(1 for n in trace.nodes.values() if n.id not in inside and (constants or n.kind != "constant"))
    return shown + len(runs)


# --- the trace as drawn -------------------------------------------------------------------------------------
def group_view(trace: Trace, collapse: Any = None, constants: bool = False) -> GroupView:
    """The trace with the groups `collapse` names drawn as one node each (see the module docstring)."""
    members = members_of(trace)
    runs = collapsed_runs(trace, collapse, members, constants)
    rep: dict[str, str] = {}
    run_of: dict[str, tuple[str, ...]] = {}
    inside: dict[str, list[str]] = {}
    order = {nid: i for i, nid in enumerate(trace.nodes)} if runs else {}
    for run in runs:
        cid = run[0]
        run_of[cid] = run
        ids = {n for gid in run for n in members[gid]}
        inside[cid] = sorted(ids, key=order.__getitem__)
        for n in ids:
            rep[n] = cid
    nodes = _nodes(trace, rep, run_of, inside)
    edges, edge_map = _edges(trace, rep, run_of)
    drawn = replace_trace(trace, nodes, edges, rep, edge_map)
    boxes, box_members = _boxes(trace, members, rep, run_of, nodes)
    boxes, box_members = _shared_leaves_outside(boxes, box_members, nodes, edges)
    boxes, box_members, shares, whole = merge_frames(trace.groups, boxes, box_members, set(nodes))
    hidden = sum(len(ids) for ids in inside.values())
    return GroupView(drawn, run_of, inside, boxes, box_members, hidden, shares, whole)


def _nodes(trace: Trace, rep: dict[str, str], run_of: dict[str, tuple[str, ...]],
           inside: dict[str, list[str]]) -> dict[str, Node]:
    out: dict[str, Node] = {}
    leaving = {e.source for e in trace.edges if e.source in rep and rep[e.source] != rep.get(e.target)}
    for n in trace.nodes.values():
        cid = rep.get(n.id)
        if cid is None:
            out[n.id] = n
        elif cid not in out:
            out[cid] = collapsed_node(trace, run_of[cid], inside[cid], leaving)
    return out


def collapsed_node(trace: Trace, run: tuple[str, ...], ids: list[str], leaving: set[str]) -> Node:
    """The node a run of groups is drawn as: labelled with its path and class, carrying the value (and
    gradient) of what leaves it last (`leaving`: the nodes whose value goes out of their collapsed node)."""
    groups, nodes = trace.groups, trace.nodes
    first = groups[run[0]]
    outs = [nodes[n] for n in ids if n in leaving or nodes[n].is_output]
    out = outs[-1] if outs else nodes[ids[-1]]
    what = first.cls if first.kind == "module" else first.kind
    if len(run) > 1:
        what = f"{what} ×{len(run)}"
    return make_node(
        id=first.id, kind="op", op=what or first.kind, label=run_label([groups[g] for g in run]),
        shape=out.shape, dtype=out.dtype, value=out.value, grad=out.grad,
        is_output=any(nodes[n].is_output for n in ids), group=first.parent,
    )


def run_label(groups: list[Group]) -> str:
    """`net.fc1`; a run of repeated groups: `net.layers.0–2`, or the label once when all share it."""
    labels = [g.label for g in groups]
    if len(set(labels)) == 1:
        return labels[0]
    a, b = re.match(r"(.*\.)(\d+)$", labels[0]), re.match(r"(.*\.)(\d+)$", labels[-1])
    if a and b and a.group(1) == b.group(1):
        return f"{a.group(1)}{a.group(2)}–{b.group(2)}"
    return f"{labels[0]} … {labels[-1]}"


def _edges(trace: Trace, rep: dict[str, str], run_of: dict) -> tuple[list[Edge], dict[str, str]]:
    """Edges between drawn nodes: inside a collapsed node none; into one, one per outside tensor."""
    out: list[Edge] = []
    kept: dict[tuple, str] = {}
    edge_map: dict[str, str] = {}  # a trace's edge id -> the drawn edge standing for it
    for e in trace.edges:
        s, t = rep.get(e.source, e.source), rep.get(e.target, e.target)
        if s == t and (e.source in rep or e.target in rep):
            continue
        key: tuple = (s, t, e.source) if t in run_of else (e.id,)
        if key in kept:
            edge_map[e.id] = kept[key]
            continue
        kept[key] = edge_map[e.id] = e.id
        out.append(e if (s, t) == (e.source, e.target) else dataclasses.replace(e, source=s, target=t))
    return out, edge_map


def replace_trace(trace: Trace, nodes: dict[str, Node], edges: list[Edge], rep: dict[str, str],
                  edge_map: dict[str, str]) -> Trace:
    """The trace with drawn nodes and edges; every step of a node inside a collapsed one is a step of it."""
    if not rep:
        return trace

    def moved(s: Step) -> Step:
        node = rep.get(s.node, s.node)
        pairs: list[tuple[str, Any]] = []
        seen: set[str] = set()
        grads = s.grads_out if s.phase == "backward" else (None,) * len(s.edges)
        for e, g in zip(s.edges, grads):
            drawn = edge_map.get(e)
            if drawn is not None and drawn not in seen:
                seen.add(drawn)
                pairs.append((drawn, g))
        if node == s.node and len(pairs) == len(s.edges):
            return s
        fields = dict(vars(s))
        fields["node"] = node
        fields["edges"] = tuple(e for e, _ in pairs)
        if s.phase == "backward":
            fields["grads_out"] = tuple(g for _, g in pairs)
        return make_step(**fields)

    passes = tuple(dataclasses.replace(p, roots=tuple(dict.fromkeys(rep.get(r, r) for r in p.roots)),
                                       inputs=tuple(dict.fromkeys(rep.get(i, i) for i in p.inputs)))
                   for p in trace.passes)
    return dataclasses.replace(trace, nodes=nodes, edges=tuple(edges),
                               forward_steps=tuple(moved(s) for s in trace.forward_steps),
                               backward_steps=tuple(moved(s) for s in trace.backward_steps), passes=passes)


def _boxes(trace: Trace, members: dict[str, list[str]], rep: dict[str, str], run_of: dict,
           nodes: dict[str, Node]) -> tuple[list[str], dict[str, set[str]]]:
    """The expanded groups drawn as boxes, with the drawn nodes inside each."""
    groups = trace.groups
    collapsed = {gid for run in run_of.values() for gid in run}
    iterations = Counter(g.key for g in groups.values() if g.kind == "loop")
    out, inside = [], {}
    for g in groups.values():
        if g.kind not in DRAWN_KINDS or g.id in collapsed:
            continue
        if g.kind == "loop" and iterations[g.key] > MAX_LOOP_BOXES:
            continue  # a long loop's boxes would be clutter
        if any(a.id in collapsed for a in chain(groups, g.id)[:-1]):
            continue
        drawn = {rep.get(n, n) for n in members[g.id]} - {g.id}
        drawn = {n for n in drawn if n in nodes}
        if drawn:
            out.append(g.id)
            inside[g.id] = drawn
    return out, inside


def _shared_leaves_outside(boxes: list[str], inside: dict[str, set[str]], nodes: dict[str, Node],
                           edges: list[Edge]) -> tuple[list[str], dict[str, set[str]]]:
    """A leaf (a parameter, an input) is drawn inside a frame only if everything using it is: the weights a loop
    uses in each iteration are drawn outside the iterations' frames, not inside the first one's, which says
    the same weights go into each step, and keeps that frame from reaching across the whole picture."""
    users: dict[str, set[str]] = {}
    for e in edges:
        if nodes[e.source].kind == "leaf":
            users.setdefault(e.source, set()).add(e.target)
    out: dict[str, set[str]] = {}
    for gid in boxes:
        held = inside[gid]
        out[gid] = {n for n in held if n not in users or users[n] <= held}
    kept = [g for g in boxes if out[g]]
    return kept, {g: out[g] for g in kept}


def merge_frames(groups: dict[str, Group], boxes: list[str], inside: dict[str, set[str]], drawn: set[str]
                 ) -> tuple[list[str], dict[str, set[str]], dict[str, tuple[str, ...]], tuple[str, ...]]:
    """Fewer frames for the same story: each level of frame takes room around every box it holds, and three
    levels (a loop iteration, a module call, a layer) leave a small graph too little room to be read.

    - a group around every drawn node gets no frame: it frames nothing apart; the picture names it (`whole`);
    - a group holding the same nodes as its only framed child, or a loop iteration holding one module call
      (and the few ops that use its result: the loss), shares one frame with that child, labelled with both
      (`for step · iteration 20 › net · Net`): `shares` maps the frame's group to the groups it also stands for.
    Returns (boxes, box_members, shares, whole), boxes outermost first as before."""
    whole = tuple(g for g in boxes if inside[g] >= drawn and len(drawn) > 1)
    kept = [g for g in boxes if g not in whole]
    framed = set(kept)

    def drawn_parent(gid: str) -> str | None:
        p = groups[gid].parent
        while p is not None and p not in framed:
            p = groups[p].parent
        return p

    children: dict[str, list[str]] = {}
    for g in kept:
        p = drawn_parent(g)
        if p is not None:
            children.setdefault(p, []).append(g)
    shares: dict[str, tuple[str, ...]] = {}
    gone: set[str] = set()
    for g in kept:  # outermost first: a chain of single children folds into its outermost frame
        if g in gone:
            continue
        top, at = g, g
        while len(children.get(at, ())) == 1:
            only = children[at][0]
            same = inside[only] == inside[at]
            call_in_iteration = groups[at].kind == "loop" and groups[only].kind == "module" and at == top \
                and not shares.get(top)
            if not (same or call_in_iteration):
                break
            shares[top] = (*shares.get(top, ()), only)
            gone.add(only)
            at = only
        if at != top:
            children[top] = children.get(at, [])
    boxes = [g for g in kept if g not in gone]
    return boxes, {g: inside[g] for g in kept}, shares, whole


# --- words --------------------------------------------------------------------------------------------------
def group_title(g: Group, lang: str = "en") -> str:
    """A box's label: `net.fc1 · Linear`, `net.fc · Linear · call 2`, `for i in range(3) · iteration 2`."""
    w = GROUP_WORDS.get(lang, GROUP_WORDS["en"])
    if g.kind == "module":
        title = f"{g.label} · {g.cls}"
        return title + (f" · {w['call'].format(k=g.index + 1)}" if g.index else "")
    if g.kind == "loop":
        return f"{g.label} · {w['iteration'].format(k=g.index + 1)}"
    return g.label + (f" · {w['call'].format(k=g.index + 1)}" if g.index else "")


def run_title(groups: list[Group], lang: str = "en") -> str:
    """The title of a run of repeated groups drawn as one node (a group alone: group_title):
    `for step in range(200) · iterations 198–199`, `net.layers.0–2 · Block ×3`."""
    if len(groups) == 1:
        return group_title(groups[0], lang)
    first, last = groups[0], groups[-1]
    if first.kind == "loop":
        w = GROUP_WORDS.get(lang, GROUP_WORDS["en"])
        return f"{first.label} · {w['iterations'].format(a=first.index + 1, b=last.index + 1)}"
    what = f" · {first.cls}" if first.kind == "module" and first.cls else ""
    return f"{run_label(groups)}{what} ×{len(groups)}"


def plural(count: int) -> str:
    """The English plural's "s" for `count` things ("1 node", "2 nodes"); other languages' words ignore it."""
    return "" if count == 1 else "s"


def collapsed_caption(view: GroupView, cid: str, lang: str = "en") -> str:
    """The small line under a collapsed node's title: its parameters and the nodes it hides."""
    w = GROUP_WORDS.get(lang, GROUP_WORDS["en"])
    run = [view.groups[g] for g in view.runs[cid]]
    params = run[0].n_params if len({g.label for g in run}) == 1 else sum(g.n_params for g in run)
    inside = len(view.members[cid])
    parts = [w["nodes"].format(n=inside, s=plural(inside))]
    if params:
        parts.insert(0, w["params"].format(n=f"{params:,}", s=plural(params)))
    return " · ".join(parts)


def collapsed_hover(view: GroupView, cid: str, lang: str = "en") -> str:
    """Hover lines of a collapsed node: each parameter with its shape."""
    w = GROUP_WORDS.get(lang, GROUP_WORDS["en"])
    params = dict(p for gid in view.runs[cid] for p in view.groups[gid].params)
    if not params:
        return collapsed_caption(view, cid, lang)
    lines = [f"{name}: {'×'.join(map(str, shape)) or 'scalar'}" for name, shape in list(params.items())[:12]]
    if len(params) > 12:
        lines.append("…")
    return f"{collapsed_caption(view, cid, lang)}<br>{w['param_list']}: " + "<br>".join(lines)


def search_texts(original: Trace, view: GroupView) -> dict[str, str]:
    """Drawn node id -> the words a search finds it by, lower case: its variable names, torch's op and the
    plain word for it, its source text, the paths and classes of the modules around it, a parameter's name;
    a collapsed node's own paths, classes and parameters, and every word of the nodes inside it (each once)."""
    groups = original.groups
    around: dict[str | None, tuple[str, ...]] = {None: ()}

    def of_group(gid: str | None) -> tuple[str, ...]:
        if gid not in around:
            g = groups[gid]  # type: ignore[index]
            own = (g.label, g.cls or "") if g.kind != "line" else ()
            around[gid] = of_group(g.parent) + own
        return around[gid]

    def of_node(n: Node) -> list[str]:
        return [n.name or "", *n.aliases, n.op, n.label, n.span.text if n.span else "", *of_group(n.group)]

    out = {nid: " ".join(w for w in of_node(n) if w).lower() for nid, n in original.nodes.items()
           if nid in view.trace.nodes}
    for cid, run in view.runs.items():
        words: dict[str, None] = {}
        for gid in run:
            words.update(dict.fromkeys(of_group(gid)))
            words.update(dict.fromkeys(name for name, _ in groups[gid].params))
        for n in view.members[cid]:
            words.update(dict.fromkeys(of_node(original.nodes[n])))
        out[cid] = " ".join(w for w in words if w).lower()
    return out


def group_meta(view: GroupView, boxes: dict[str, list[float]], lang: str = "en") -> dict:
    """What the page needs about groups (the `groups` entry of the animation data, steps.py)."""
    out: dict[str, Any] = {}
    for gid in view.boxes:
        g = view.groups[gid]
        out[gid] = {"title": group_title(g, lang), "path": g.label, "kind": g.kind, "box": boxes.get(gid),
                    "collapsed": False}
        for sid in view.shares.get(gid, ()):  # drawn in gid's frame: its box when it holds the same nodes
            s = view.groups[sid]
            same = view.box_members.get(sid) == view.box_members[gid]
            out[sid] = {"title": group_title(s, lang), "path": s.label, "kind": s.kind,
                        "box": boxes.get(gid) if same else None, "collapsed": False}
    for gid in view.whole:
        g = view.groups[gid]
        out[gid] = {"title": group_title(g, lang), "path": g.label, "kind": g.kind, "box": None, "collapsed": False}
    for cid, run in view.runs.items():
        g = view.groups[cid]
        out[cid] = {"title": group_title(g, lang), "path": g.label, "kind": g.kind, "collapsed": True,
                    "groups": list(run), "hidden": len(view.members[cid])}
    return out


__all__ = ["AUTO_COLLAPSE_NODES", "DRAWN_KINDS", "GROUP_WORDS", "GroupView", "Runs", "collapsed_caption",
           "collapsed_hover", "collapsed_runs", "drawn_count", "group_meta", "group_title", "group_view",
           "members_of", "plural", "repeated_runs", "run_label", "run_title", "search_texts"]
