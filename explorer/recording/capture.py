"""Fill a Trace while a program runs: which autograd node each expression made, and what the engine did.

Forward: the interpreter reports every value an expression produced (`on_value`) and every name it bound
(`on_assign`). A tensor with a new `grad_fn` is walked through `next_functions` until known nodes, so ops
made inside one call (cross_entropy = log_softmax + nll_loss) are found too and share that call's source.

Backward: every pass (`backward`, `torch.autograd.grad`, or the explorer's own) first hooks every node
reachable from its roots that has no hook yet. Facts this relies on (torch 2.2 to 2.13):
- a node's (post-)hook sees both the gradient that arrived at it and the gradients it sends to each input,
  in `next_functions` order, so per-edge gradients come from the consumer's hook, and no pre-hook is needed;
- a node whose output is used twice runs once, with the contributions already summed;
- hooks run in the engine's real execution order, on the calling thread, on CPU.
Light stretches. Only the last KEEP_PASSES backward passes are shown step by step, and nodes made before them
are dropped unless still reachable. A `for` loop over a fixed number of items, whose body runs a backward pass
on every iteration, knows that its early iterations will be summarised: the interpreter marks them `light`,
and the recorder then only counts their nodes (so ids and counts stay those of a full recording) and hooks
nothing. If a light node or pass turns out to matter for what is shown (a tensor made in a light iteration
used later, a node whose last gradient came from a light pass), the recorder raises `Rerun` and the run is
made again, fully recorded: the trace is always the one a full recording gives.

A node keeps its one hook for the whole run (a leaf's AccumulateGrad, or a graph kept with retain_graph,
takes part in many passes); the hook writes into whichever pass is running. Registering is the expensive
part of a hook (a loop of 500 optimizer steps hooks 2,500 nodes), so each node is hooked once, and all the
hooks are removed when the run ends (`release`).
"""
from __future__ import annotations

import ast
import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, cast

import torch

from explorer.config import FULL_NAMED_ELEMENTS, FULL_NAMED_TOTAL, KEEP_PASSES, Limits
from explorer.errors import ProgramError
from explorer.language.hooks import peek
from explorer.recording.gradlog import GradLog
from explorer.recording.groups import GroupLog
from explorer.recording.model import (
    Edge,
    Node,
    Notice,
    Pass,
    Span,
    Step,
    Trace,
    built,
    make_pass,
)
from explorer.recording.values import dtype_name, encode, number, plain

ACCUMULATE = "AccumulateGrad"
LIGHT = "~"  # the id of a node made in a light stretch: counted, never shown


class Rerun(BaseException):
    """Something recorded lightly is needed after all: make the run again with every stretch fully recorded.
    A BaseException, so that the interpreter's error handling lets it through untouched."""


def op_name(fn: Any) -> str:
    name = fn.name()
    return ACCUMULATE if name.endswith("AccumulateGrad") else name


@functools.lru_cache(maxsize=1024)
def plain_words(op: str) -> str:
    """'MulBackward0' -> 'mul', 'NllLossBackward0' -> 'nll_loss', 'MmBackward0' -> 'mm'."""
    base = re.sub(r"Backward\d*$", "", op)
    return re.sub(r"(?<!^)(?=[A-Z])", "_", base).lower() or op


@dataclass(slots=True)
class _Node:
    """Mutable while capturing; frozen into model.Node at the end."""

    id: str
    kind: str
    op: str
    label: str
    order: int
    epoch: int  # backward passes completed when it was made
    name: str | None = None
    aliases: list[str] = field(default_factory=list)
    span: Span | None = None
    shape: tuple[int, ...] = ()
    dtype: str = "float32"
    value: dict | None = None
    grad: dict | None = None
    requires_grad: bool = True
    saved: dict = field(default_factory=dict)
    created_in_pass: int | None = None
    seq: int | None = None
    hooked: bool = False
    light_pass: int | None = None  # a light pass reached it, and no full pass has since
    tensor: torch.Tensor | None = None  # leaves only: the live tensor, for its final .grad
    group: str | None = None  # the innermost group it was made in (groups.py)


@dataclass(slots=True)
class _Pass:
    index: int
    kind: str
    span: Span | None
    roots: list[str]
    inputs: list[str]
    create_graph: bool
    retain_graph: bool
    nodes: set[str] = field(default_factory=set)
    steps: list[dict] = field(default_factory=list)
    light: bool = False


class Recorder:
    """Collects nodes, edges and passes for one run; `finish()` turns them into a frozen Trace."""

    def __init__(self, source: str, limits: Limits) -> None:
        self.source = source
        self.limits = limits
        self._lines = [line.encode("utf-8") for line in source.splitlines(keepends=True)] or [b""]
        self.nodes: dict[str, _Node] = {}
        self.edges: dict[tuple[str, int, str], dict] = {}  # (target, index, kind) -> edge fields
        self._fn_ids: dict[int, str] = {}  # id(grad_fn or AccumulateGrad) -> node id
        self._tensor_ids: dict[int, str] = {}  # id(leaf or constant tensor) -> node id
        self._names: dict[int, str] = {}  # id(tensor) -> last name bound to it
        self._alive: list[Any] = []  # keeps every object whose id() we use alive, so ids stay unique
        self.passes: list[_Pass] = []
        self._stdout: list[str] = []
        self._stdout_len = 0
        self.notices: list[Notice] = []
        self._active_pass: _Pass | None = None
        self._handles: list[Any] = []  # one hook per node that took part in a pass; removed by release()
        self._spans: dict[ast.AST, Span | None] = {}
        self.light = False  # set by the interpreter around iterations whose passes will all be summarised
        self.light_passes = 0
        self._count = 0  # nodes made so far, light ones included: the next node's id
        self._light_epoch = -1  # the latest epoch of a light node
        self._seq_base = _next_sequence_nr()  # torch's counter is process-wide; store seq relative to this run
        self.grad_log = GradLog()  # each leaf's .grad, pass by pass (gradlog.py)
        self._hooked: dict[tuple[int, str], dict | None] = {}  # (pass, node id) -> gradient before the program's hooks
        self.group_log = GroupLog(self._lines)  # module calls, function calls, loop iterations, lines (groups.py)

    # --- source spans -------------------------------------------------------------------------------------
    def span(self, node: ast.AST | None) -> Span | None:
        """The source span of an expression; a loop runs the same expression many times, so it is kept."""
        if node is None:
            return None
        span: Span | None | Literal[False] = self._spans.get(node, False)
        if span is False:
            located = getattr(node, "lineno", None) is not None
            span = self._spans[node] = make_span(self._lines, cast(_Located, node)) if located else None
        return span

    # --- forward ------------------------------------------------------------------------------------------
    def on_value(self, value: Any, node: ast.AST | None,
                 operands: Iterable[tuple[Any, ast.AST | None]] | None = None):
        """An expression produced `value`; record any autograd node it made."""
        if isinstance(value, torch.Tensor):
            self._tensor(value, node, operands)
        elif isinstance(value, (tuple, list)) and len(value) <= 64:
            for v in value:
                if isinstance(v, torch.Tensor):
                    self._tensor(v, node, None)

    def on_assign(self, name: str, value: Any) -> None:
        if not isinstance(value, torch.Tensor):
            return
        self._names[id(value)] = name
        self._alive.append(value)
        nid = self._node_id_of(value)
        if nid is not None and nid is not LIGHT:
            n = self.nodes[nid]
            n.name = name
            if name not in n.aliases:
                n.aliases.append(name)

    def _node_id_of(self, t: torch.Tensor) -> str | None:
        fn = t.grad_fn
        if fn is not None:
            return self._fn_ids.get(id(fn))
        return self._tensor_ids.get(id(t))

    def _tensor(self, t: torch.Tensor, node: ast.AST | None, operands) -> None:
        fn = t.grad_fn
        if fn is None:
            if t.requires_grad and id(t) not in self._tensor_ids:
                self._leaf(t, node)
            return
        if id(fn) in self._fn_ids:
            return
        if self.light:
            self._light_discover(fn)
            if operands:
                self._light_constants(operands)
            return
        span = self.span(node)
        top = self._one_new_op(fn, t, span)
        if top is None:
            self._discover(fn, span)
            top = self.nodes[self._fn_ids[id(fn)]]
        if t.output_nr == 0 or top.value is None:
            top.value = encode(t)
            top.shape = tuple(t.shape)
        if operands:
            self._constants(top, operands)

    def _new_node(self, kind: str, op: str, label: str, span: Span | None) -> _Node:
        nid = f"n{self._reserve()}"
        n = _Node(nid, kind, op, label, order=self._count - 1, epoch=len(self.passes), span=span,
                  group=self.group_log.current(span))
        if self._active_pass is not None:
            n.created_in_pass = self._active_pass.index
        self.nodes[nid] = n
        return n

    def _reserve(self) -> int:
        """The next node id's number; a program may make at most max_ops nodes, light ones included."""
        if self._count >= self.limits.max_ops:
            raise ProgramError(
                "limit",
                f"the program made more than {self.limits.max_ops:,} graph nodes",
                hint="use fewer loop iterations or smaller programs",
            )
        self._count += 1
        return self._count - 1

    def _leaf(self, t: torch.Tensor, node: ast.AST | None) -> str:
        name = self._names.get(id(t))
        n = self._new_node("leaf", ACCUMULATE, name or "leaf", self.span(node))
        n.shape, n.dtype, n.value, n.tensor = tuple(t.shape), dtype_name(t.dtype), encode(t), t
        if name:
            n.name, n.aliases = name, [name]
        self._tensor_ids[id(t)] = n.id
        self._alive.append(t)
        return n.id

    def _discover(self, root: Any, span: Span | None) -> None:
        """Give ids to every node reachable from `root` not seen before, in creation order, with edges."""
        known = self._fn_ids
        new = self._new_ops(root)
        for seq, fn, op, _ in new:
            n = self._op_node(fn, op, seq, span)
            meta = getattr(fn, "_input_metadata", None)
            if meta:
                n.shape = tuple(meta[0].shape)
                n.dtype = dtype_name(meta[0].dtype)
        for _, fn, _, nexts in new:
            target = known[id(fn)]
            for i, (nf, _) in enumerate(nexts):
                if nf is not None and id(nf) in known:
                    self._edge(known[id(nf)], target, i, "data")

    def _new_ops(self, root: Any) -> list[tuple[int, Any, str, tuple]]:
        """The operation nodes reachable from `root` not seen before, in creation order; leaves met on the
        way are recorded (a leaf is shown even when the ops around it are not)."""
        new = []
        stack = [root]
        seen: set[int] = set()
        known = self._fn_ids
        while stack:
            fn = stack.pop()
            if fn is None or id(fn) in seen or id(fn) in known:
                continue
            seen.add(id(fn))
            op = op_name(fn)
            if op == ACCUMULATE:
                leaf = fn.variable
                known[id(fn)] = self._tensor_ids.get(id(leaf)) or self._leaf(leaf, None)
                self._alive.append(fn)
                continue
            nexts = fn.next_functions
            new.append((_seq(fn), fn, op, nexts))
            stack.extend(nf for nf, _ in nexts)
        new.sort(key=lambda item: item[0])
        return new

    # --- light stretches: count, hook nothing ----------------------------------------------------------------
    def _light_constants(self, operands) -> None:
        """The constants `_constants` would make, with the same ids: a tensor's in full, as a leaf's is (a
        training loop's data, made before the loop, is used again by the iterations that are shown); a number's
        only reserved (each use of a number is a node of its own, fed to a node of this stretch)."""
        for value, expr in operands:
            if isinstance(value, torch.Tensor):
                if not value.requires_grad and id(value) not in self._tensor_ids:
                    self._tensor_constant(value, expr)
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                self._reserve()

    def _light_discover(self, root: Any) -> None:
        """Reserve the ids `_discover` would give (leaves met on the way are made in full, as there)."""
        known = self._fn_ids
        self._light_epoch = len(self.passes)
        if all(nf is None or id(nf) in known for nf, _ in root.next_functions) and op_name(root) != ACCUMULATE:
            new = [root]  # the common case, without the walk
        else:
            new = [fn for _, fn, _, _ in self._new_ops(root)]
        for fn in new:
            self._reserve()
            known[id(fn)] = LIGHT
            self._alive.append(fn)

    def _light_pass(self, kind: str, node: ast.AST | None, roots: list[torch.Tensor], run: Callable[[], Any],
                    create_graph: bool, retain_graph: bool) -> Any:
        """A pass that will be summarised: counted, not hooked. Shown nodes it reaches are marked, because
        their gradient is now the one this pass sends; a later full pass through them clears the mark."""
        for r in roots:
            self._tensor(r, node, None)
        p = _Pass(len(self.passes), kind, None, roots=[], inputs=[], create_graph=create_graph,
                  retain_graph=bool(retain_graph), light=True)
        leaves = []
        for fn in _reachable([r.grad_fn for r in roots]):
            nid = self._fn_ids.get(id(fn))
            if nid is None:
                self._light_discover(fn)
            elif nid is not LIGHT:
                n = self.nodes[nid]
                n.light_pass = p.index
                if n.tensor is not None:
                    leaves.append((nid, n.tensor))
        leaves += [(nid, t) for nid, t, _ in self._leaf_roots(roots)]
        self.passes.append(p)
        self.light_passes += 1
        try:
            return run()
        finally:
            self.grad_log.end(leaves)

    def _check_light(self, keep: set[str], first_kept: int) -> None:
        """The light stretches hold nothing that is shown; else Rerun."""
        if self.light_passes == 0 and self._light_epoch < 0:  # nothing was recorded lightly
            return
        if self._light_epoch >= first_kept or any(p.light for p in self.passes[first_kept:]):
            raise Rerun
        if LIGHT in keep or any(self.nodes[i].light_pass is not None for i in keep):
            raise Rerun

    def _one_new_op(self, fn: Any, t: torch.Tensor, span: Span | None) -> _Node | None:
        """The common case, made cheap: `fn` is the only new node (its inputs are all known). None otherwise."""
        known = self._fn_ids
        nexts = fn.next_functions
        for nf, _ in nexts:
            if nf is not None and id(nf) not in known:
                return None
        op = fn.name()
        if op.endswith(ACCUMULATE):
            return None
        n = self._op_node(fn, op, _seq(fn), span)
        if t.output_nr == 0:  # t is the node's first output: its shape and dtype, without asking the node
            n.shape, n.dtype = tuple(t.shape), dtype_name(t.dtype)
        else:
            meta = fn._input_metadata
            n.shape, n.dtype = tuple(meta[0].shape), dtype_name(meta[0].dtype)
        target = n.id
        for i, (nf, _) in enumerate(nexts):
            if nf is not None:
                self._edge(known[id(nf)], target, i, "data")
        return n

    def _op_node(self, fn: Any, op: str, seq: int, span: Span | None) -> _Node:
        n = self._new_node("op", op, plain_words(op), span)
        n.seq = seq - self._seq_base if seq >= self._seq_base else seq
        n.saved = _saved(fn)
        self._fn_ids[id(fn)] = n.id
        self._alive.append(fn)
        return n

    def _edge(self, source: str, target: str, index: int, kind: str) -> None:
        if source is LIGHT:  # a shown node computed from a tensor made in a light stretch
            raise Rerun
        key = (target, index, kind)
        if key not in self.edges:
            self.edges[key] = {"source": source, "target": target, "input_index": index, "kind": kind}

    def _constants(self, top: _Node, operands) -> None:
        """Operands that carry no gradient (`2` in `y*2`, a tensor without requires_grad) become constants."""
        for index, (value, expr) in enumerate(operands):
            if isinstance(value, torch.Tensor):
                if value.requires_grad:
                    continue
                nid = self._tensor_ids.get(id(value))
                if nid is None:
                    nid = self._tensor_constant(value, expr)
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                sp = self.span(expr)
                c = self._new_node("constant", "Constant", sp.text if sp else repr(value), sp)
                c.shape, c.dtype, c.requires_grad = (), "python", False
                c.value = {"shape": [], "dtype": "python", "data": number(value)}
                nid = c.id
            else:
                continue
            self._edge(nid, top.id, index, "constant")

    def _tensor_constant(self, value: torch.Tensor, expr: ast.AST | None) -> str:
        """The node of a tensor that carries no gradient, seen for the first time as an operand."""
        name = self._names.get(id(value))
        span = self.span(expr)
        text = name or (span.text if span is not None else "tensor")
        c = self._new_node("constant", "Constant", text, span)
        c.shape, c.dtype, c.value = tuple(value.shape), dtype_name(value.dtype), encode(value)
        c.requires_grad = False
        if name:
            c.name, c.aliases = name, [name]
        self._tensor_ids[id(value)] = c.id
        self._alive.append(value)
        return c.id

    # --- groups -------------------------------------------------------------------------------------------
    def enter(self, kind: str, what: Any, node: ast.AST | None, index: int | None = None) -> None:
        """The interpreter starts a module call (what: the module), a call of a program's function (what: its
        name) or a loop iteration (index): the nodes made until `leave` belong to it (groups.py)."""
        self.group_log.enter(kind, what, node, index)

    def leave(self, result: Any = None, args: Iterable[Any] = (), node: ast.AST | None = None) -> None:
        """The stretch `enter` started ends. A torch layer's call gives its `result` (and the arguments it was
        called with, `node` the call): its nodes are recorded here, while still inside the layer's group."""
        first = self._count
        try:
            if result is not None:
                given = list(args)
                exprs: list[ast.AST | None] = [None] * len(given)
                if isinstance(node, ast.Call) and len(node.args) == len(given):
                    exprs = list(node.args)
                self.on_value(result, node, list(zip(given, exprs)))
        finally:
            self.group_log.leave()
        for i in range(first, self._count):  # the layer's inputs that carry no gradient: the caller's
            n = self.nodes.get(f"n{i}")
            if n is not None and n.kind == "constant":
                n.group = self.group_log.caller(node, n.span)

    # --- backward -----------------------------------------------------------------------------------------
    def run_pass(
        self,
        kind: str,
        node: ast.AST | None,
        roots: list[torch.Tensor],
        run: Callable[[], Any],
        *,
        inputs: Iterable[torch.Tensor] = (),
        create_graph: bool = False,
        retain_graph: bool = False,
    ) -> Any:
        """Hook every node reachable from `roots`, call `run()` (which calls torch), unhook, return its result."""
        if len(self.passes) >= self.limits.max_backward_passes:
            raise ProgramError("limit",
                               f"the program ran more than {self.limits.max_backward_passes:,} backward passes")
        if self.light and not create_graph:
            return self._light_pass(kind, node, roots, run, create_graph, retain_graph)
        span = self.span(node)
        inputs = list(inputs)
        for r in roots:
            self._tensor(r, node, None)
        p = _Pass(
            len(self.passes), kind, span,
            roots=[i for i in (self._node_id_of(r) for r in roots) if i],
            inputs=[i for i in (self._node_id_of(t) for t in inputs) if i],
            create_graph=create_graph, retain_graph=bool(retain_graph),
        )
        fns = _reachable([r.grad_fn for r in roots])
        leaves = []
        for fn in fns:
            nid = self._fn_ids.get(id(fn))
            if nid is None:
                self._discover(fn, span)
                nid = self._fn_ids[id(fn)]
            if nid is LIGHT:  # a graph made in a light stretch, differentiated where it is shown
                raise Rerun
            p.nodes.add(nid)
            n = self.nodes[nid]
            if n.kind == "leaf" and n.tensor is not None:
                n.value = encode(n.tensor)  # the value this pass differentiates at (an optimizer moves it)
                n.light_pass = None
                leaves.append((nid, n.tensor))
            if not n.hooked:
                n.hooked = True
                self._handles.append(fn.register_hook(self._hook(nid)))
        leaf_roots = self._leaf_roots(roots)  # `v.backward(g)` on a leaf itself: no node of torch's runs
        for nid, t, _ in leaf_roots:
            p.nodes.add(nid)
            self.nodes[nid].value = encode(t)
            leaves.append((nid, t))
        self.passes.append(p)
        old = len(self.passes) - 1 - KEEP_PASSES
        if old >= 0:  # this pass will be summarised, whatever the program does next: drop its steps now
            self.passes[old].steps.clear()
            self.passes[old].nodes.clear()
        outer, self._active_pass = self._active_pass, p  # outer: a pass the program's backward started
        self.grad_log.start(p.index + 1, leaves)
        try:
            result = run()
            for nid, t, before in leaf_roots:
                self._leaf_root_step(p, nid, t, before)
            if kind == "grad":
                self._returned(p, inputs, result)
            if create_graph:  # the gradients have graphs of their own: find them while the pass is active
                self._discover_made_by(p, result)
            return result
        finally:
            self._active_pass = outer
            self.grad_log.end(leaves)

    def _leaf_roots(self, roots: list[torch.Tensor]) -> list[tuple[str, torch.Tensor, torch.Tensor | None]]:
        """The roots that are leaves themselves (`v.backward(g)`), with their node id and .grad before the pass."""
        out = []
        for r in roots:
            if r.grad_fn is None and r.requires_grad:
                nid = self._tensor_ids.get(id(r))
                if nid is not None and nid is not LIGHT:
                    out.append((nid, r, None if r.grad is None else r.grad.detach().clone()))
        return out

    def _leaf_root_step(self, p: _Pass, nid: str, t: torch.Tensor, before: torch.Tensor | None) -> None:
        """The step of a leaf a pass started from: what the pass added to its .grad (torch ran no node for it)."""
        after = t.grad
        if after is None:
            return
        step: dict[str, Any] = {"node": nid, "grad_in": encode(after - before if before is not None else after),
                                "sent": [], "value": encode(after)}
        hooked = self._hooked.pop((p.index, nid), None)
        if hooked is not None:
            step["hook_before"] = hooked
        p.steps.append(step)
        self.grad_log.added(nid, p.index + 1, step["grad_in"], step["value"])

    def on_hook(self, t: torch.Tensor, before: torch.Tensor, after: torch.Tensor) -> None:
        """A hook of the program (t.register_hook) replaced the gradient arriving at t: keep the first one it
        replaced in this pass; the node's step shows it beside the gradient the node then received."""
        p = self._active_pass
        nid = self._node_id_of(t)
        if p is None or nid is None or nid is LIGHT:
            return
        self._hooked.setdefault((p.index, nid), encode(before))

    def _returned(self, p: _Pass, inputs: list[torch.Tensor], result: Any) -> None:
        """torch.autograd.grad returned `result`, a gradient per input: log the leaves' (gradlog.py)."""
        if not isinstance(result, (tuple, list)) or len(result) != len(inputs):
            return
        pairs = []
        for t, g in zip(inputs, result):
            nid = self._node_id_of(t) if isinstance(t, torch.Tensor) else None
            if nid and nid is not LIGHT and self.nodes[nid].kind == "leaf":
                pairs.append((nid, t, g))
        self.grad_log.returned(p.index + 1, pairs)

    def _discover_made_by(self, p: _Pass, result: Any) -> None:
        """Nodes of the graph that a create_graph=True pass built (what `dy_dx` is made of)."""
        made = list(result) if isinstance(result, (tuple, list)) else []
        for i in p.nodes:
            node = self.nodes[i]
            if node.kind == "leaf" and node.tensor is not None:
                made.append(node.tensor.grad)
        for t in made:
            if isinstance(t, torch.Tensor) and t.grad_fn is not None:
                self._tensor(t, None, None)

    def _hook(self, nid: str):
        node = self.nodes[nid]
        edges = self.edges

        def hook(grad_inputs, grad_outputs):
            p = self._active_pass
            if p is None:  # a pass the explorer did not start (none should exist): nothing to write into
                return
            node.light_pass = None
            step: dict[str, Any] = {"node": nid, "grad_in": encode(_first(grad_outputs)), "sent": []}
            if self._hooked:
                before = self._hooked.pop((p.index, nid), None)
                if before is not None:
                    step["hook_before"] = before
            p.steps.append(step)
            if node.kind == "leaf":  # a leaf's grad is its final .grad, read at the end
                step["value"] = encode(node.tensor.grad) if node.tensor is not None else None
                self.grad_log.added(nid, p.index + 1, step["grad_in"], step["value"])
                return
            node.grad = step["grad_in"]
            sent = step["sent"]
            for i, g in enumerate(grad_inputs):
                key = (nid, i, "data")
                if g is not None and key in edges:
                    enc = encode(g)
                    edges[key]["grad"] = enc
                    sent.append((key, enc))

        return hook

    def release(self) -> None:
        """Unhook every node and let go of the run's tensors (a hook refers back to this recorder)."""
        for h in self._handles:
            h.remove()
        self._handles.clear()
        self._alive.clear()
        self.grad_log = GradLog()  # it holds the leaves' .grad tensors
        self.group_log = GroupLog(self._lines)  # it holds the modules

    # --- output -------------------------------------------------------------------------------------------
    def write(self, text: str) -> None:
        room = self.limits.max_stdout_chars - self._stdout_len
        if room <= 0:
            return
        if len(text) > room:
            text = text[:room]
            self.notices.append(
                Notice("stdout-truncated", f"print output was cut at {self.limits.max_stdout_chars:,} characters"))
        self._stdout.append(text)
        self._stdout_len += len(text)

    def notice(self, kind: str, message: str, line: int | None = None) -> None:
        if not any(n.kind == kind and n.message == message for n in self.notices):
            self.notices.append(Notice(kind, message, line))

    # --- the end ------------------------------------------------------------------------------------------
    def finish(
        self,
        named: dict[str, Any],
        *,
        output: str | None,
        inputs: dict[str, Any],
        seed: int,
    ) -> Trace:
        """Freeze everything into a Trace. `named` is the program's variables at the end."""
        for name, value in named.items():  # the program's final names win over names inside functions
            if isinstance(value, torch.Tensor) and self._node_id_of(value):
                if self._node_id_of(value) is LIGHT:
                    raise Rerun
                self.on_assign(name, value)
        out_node = None
        if output is not None and isinstance(named.get(output), torch.Tensor):
            out_node = self._node_id_of(named[output])
        keep = self._kept_nodes(named)
        passes_total = len(self.passes)
        first_kept = max(0, passes_total - KEEP_PASSES)
        self._check_light(keep, first_kept)
        if first_kept:
            self.notice(
                "trimmed",
                f"the program ran {passes_total} backward passes; the last {KEEP_PASSES} are shown step by step",
            )

        nodes: dict[str, Node] = {}
        live: dict[str, torch.Tensor] = {}  # shown leaf id -> its tensor
        for n in self.nodes.values():
            nid = n.id
            if nid not in keep:
                continue
            grad = n.grad
            leaf = n.kind == "leaf"
            if leaf and n.tensor is not None:
                grad = encode(n.tensor.grad)
                live[nid] = n.tensor
            nodes[nid] = built(Node, {
                "id": nid, "kind": n.kind, "op": n.op, "label": (n.name or n.label) if leaf else n.label,
                "name": n.name, "aliases": tuple(n.aliases), "span": n.span, "shape": tuple(n.shape),
                "dtype": n.dtype, "value": n.value, "grad": grad, "requires_grad": n.requires_grad,
                "is_output": nid == out_node, "saved": n.saved, "created_in_pass": n.created_in_pass, "seq": n.seq,
                "group": n.group,
            })
        groups, homes = self.group_log.finish(nodes, named, live)
        for nid, node in nodes.items():  # still being made: nobody has seen them frozen yet
            node.__dict__["group"] = homes.get(nid)
        edge_ids: dict[tuple, str] = {}
        edges: list[Edge] = []
        into: dict[str, list[str]] = {}
        for key, e in self.edges.items():
            target = e["target"]
            if e["source"] in nodes and target in nodes:
                eid = f"e{len(edges)}"
                edge_ids[key] = eid
                edges.append(built(Edge, {"id": eid, "source": e["source"], "target": target,
                                          "input_index": e["input_index"], "kind": e["kind"],
                                          "grad": e.get("grad")}))
                into.setdefault(target, []).append(eid)
        forward = [
            built(Step, {"index": i, "phase": "forward", "node": n.id, "edges": tuple(into.get(n.id, ())),
                         "value": n.value, "grad_in": None, "grads_out": (), "pass_index": None,
                         "hook_before": None})
            for i, n in enumerate(n for n in nodes.values() if n.kind != "constant")
        ]
        backward: list[Step] = []
        passes: list[Pass] = []
        for p in self.passes[first_kept:]:
            first = len(backward)
            pass_index = len(passes)
            for s in p.steps:
                if s["node"] not in nodes:
                    continue
                sent = s["sent"]
                if all(k in edge_ids for k, _ in sent):
                    step_edges = tuple(edge_ids[k] for k, _ in sent)
                    grads_out = tuple(g for _, g in sent)
                else:
                    kept = [(edge_ids[k], g) for k, g in sent if k in edge_ids]
                    step_edges, grads_out = tuple(e for e, _ in kept), tuple(g for _, g in kept)
                backward.append(built(Step, {
                    "index": len(backward), "phase": "backward", "node": s["node"], "edges": step_edges,
                    "value": s.get("value"), "grad_in": s["grad_in"], "grads_out": grads_out,
                    "pass_index": pass_index, "hook_before": s.get("hook_before"),
                }))
            passes.append(
                make_pass(
                    index=len(passes), kind=p.kind, span=p.span,
                    roots=tuple(r for r in p.roots if r in nodes), inputs=tuple(i for i in p.inputs if i in nodes),
                    create_graph=p.create_graph, retain_graph=p.retain_graph,
                    first_step=first, n_steps=len(backward) - first,
                )
            )
        values, grads = {}, {}
        room = FULL_NAMED_TOTAL  # elements kept whole over all named values and grads, in the order of `named`
        for name, value in named.items():
            if isinstance(value, torch.Tensor):
                full = min(FULL_NAMED_ELEMENTS, room)
                values[name] = plain(value, full)
                room -= value.numel() if value.numel() <= full else 0
                g = value.grad if (value.is_leaf or value.retains_grad) else None
                if g is not None:
                    full = min(FULL_NAMED_ELEMENTS, room)
                    grads[name] = plain(g, full)
                    room -= g.numel() if g.numel() <= full else 0
        leaves = {n.id: n.tensor for n in self.nodes.values()
                  if n.id in nodes and n.kind == "leaf" and n.tensor is not None}
        grad_events = self.grad_log.finish(leaves, passes_total, first_kept)
        counts = {
            "nodes_total": self._count,
            "nodes_shown": len(nodes),
            "nodes_dropped": self._count - len(nodes),
            "passes_total": passes_total,
            "passes_shown": len(passes),
        }
        return Trace(
            source=self.source, nodes=nodes, edges=tuple(edges), forward_steps=tuple(forward),
            backward_steps=tuple(backward), passes=tuple(passes), values=values, grads=grads,
            stdout="".join(self._stdout), inputs=inputs, output=output, notices=tuple(self.notices),
            counts=counts, seed=seed, grad_events=grad_events, groups=groups,
        )

    def _kept_nodes(self, named: dict[str, Any]) -> set[str]:
        """All nodes, except those made for backward passes that are summarised rather than shown."""
        first_kept = max(0, len(self.passes) - KEEP_PASSES)
        if first_kept == 0:
            return set(self.nodes)
        keep = {n.id for n in self.nodes.values() if n.epoch >= first_kept or n.kind == "leaf"}
        for p in self.passes[first_kept:]:
            keep |= p.nodes
        for value in named.values():
            if isinstance(value, torch.Tensor) and value.grad_fn is not None:
                keep |= {self._fn_ids[id(f)] for f in _reachable([value.grad_fn]) if id(f) in self._fn_ids}
        # constants follow the ops they feed
        for e in self.edges.values():
            if e["kind"] == "constant" and e["target"] in keep:
                keep.add(e["source"])
        return keep


def _reachable(roots: list[Any]) -> list[Any]:
    """Every autograd node reachable from `roots` (AccumulateGrad included), in a deterministic order."""
    out, seen, stack = [], set(), [r for r in roots if r is not None]
    while stack:
        fn = stack.pop()
        if id(fn) in seen:
            continue
        seen.add(id(fn))
        out.append(fn)
        stack.extend(nf for nf, _ in fn.next_functions if nf is not None)
    return out


def _next_sequence_nr() -> int:
    """The sequence number the next autograd node made on this thread will get."""
    with torch.enable_grad():
        probe = torch.zeros((), requires_grad=True) * 1
    return _seq(probe.grad_fn) + 1


def _seq(fn: Any) -> int:
    try:
        return fn._sequence_nr()
    except Exception:  # noqa: BLE001 - older torch: fall back to discovery order
        return 0


_SAVED_ATTRS: dict[type, list[str]] = {}


def _saved(fn: Any) -> dict:
    """The saved tensors and arguments torch exposes on a node (`_saved_self`, `_saved_other`, ...)."""
    attrs = _SAVED_ATTRS.get(type(fn))
    if attrs is None:
        attrs = _SAVED_ATTRS[type(fn)] = [a for a in dir(fn) if a.startswith("_saved_")]
    out: dict = {}
    if not attrs:
        return out
    with peek():  # the program's unpack hooks are for torch's use of the tensors, not for this reading
        for a in attrs:
            try:
                v = getattr(fn, a)
            except Exception:  # noqa: BLE001 - freed after backward, or not readable
                continue
            out[a[len("_saved_"):]] = number(v)
    return out


def _first(grads: tuple) -> torch.Tensor | None:
    return next((g for g in grads if g is not None), None)


class _Located(Protocol):
    """An AST node with its place in the source, as `ast.parse` gives expressions and statements."""

    lineno: int
    col_offset: int
    end_lineno: int
    end_col_offset: int


def make_span(lines: list[bytes], node: _Located) -> Span | None:
    """A Span with character (not UTF-8 byte, as `ast` gives) columns and the exact source text."""
    first, last = node.lineno - 1, node.end_lineno - 1
    if last >= len(lines):
        return None
    if first == last:
        raw = lines[first][node.col_offset:node.end_col_offset]
    else:
        raw = lines[first][node.col_offset:] + b"".join(lines[first + 1:last]) + lines[last][:node.end_col_offset]
    col = len(lines[first][:node.col_offset].decode("utf-8", "replace"))
    end_col = len(lines[last][:node.end_col_offset].decode("utf-8", "replace"))
    return Span(node.lineno, col, node.end_lineno, end_col, raw.decode("utf-8", "replace"))


__all__ = ["LIGHT", "Recorder", "Rerun", "make_span", "op_name", "plain_words"]
