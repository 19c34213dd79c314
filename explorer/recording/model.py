"""The trace: plain, frozen data about one program run. No torch objects, no Dash, no plotly.

Everything a view needs is here: nodes (leaves, operations, constants) with their values and gradients,
edges with the gradient that flowed back along each, the forward and backward timelines in the engine's
real order, and the final values and `.grad` of every named tensor. `to_dict()` is JSON-safe and
`Trace.from_dict(trace.to_dict()) == trace`; so is `to_dict(packed=True)`, the compact form a sandbox worker
sends (each value once, its numbers as base64 float arrays: explorer/recording/packing.py).

Each leaf's `.grad` has a history (`grad_events`, read with `Trace.grad_history("w")`): what every backward
pass added to it, what `torch.autograd.grad` returned for it without touching it, and where the program
zeroed it, set it to None or gave it another value in between. Only the shown passes' part is kept (the
last KEEP_PASSES; the first kept pass's `before` says what the earlier ones left).

Tensor values are stored as dicts: ``{"shape": [3], "dtype": "float32", "data": [...]}`` when small, or
``{"shape": [...], "dtype": ..., "summary": {"min", "max", "mean", "first"}}`` when too large to keep whole.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import MISSING, dataclass, field, fields
from operator import itemgetter
from typing import Any

from explorer.gcpause import without_gc
from explorer.recording.packing import Packer, unpack

TensorValue = dict  # see the module docstring

NODE_KINDS = ("leaf", "op", "constant")
EDGE_KINDS = ("data", "constant")
GRAD_EVENT_KINDS = ("pass", "returned", "zeroed", "none", "set")


@dataclass(frozen=True)
class Span:
    """Where in the program text something came from (1-based lines, 0-based columns, like `ast`)."""

    line: int
    col: int
    end_line: int
    end_col: int
    text: str


@dataclass(frozen=True)
class Node:
    id: str  # "n0", "n1", ... in forward creation order: stable across runs of the same program
    kind: str  # leaf | op | constant
    op: str  # torch's name: "MulBackward0", "AccumulateGrad" for a leaf, "Constant" for a constant
    label: str  # plain words for the picture: "mul", "x", "2"
    name: str | None = None  # the variable the tensor was last assigned to, if any
    aliases: tuple[str, ...] = ()  # every variable name it was assigned to, in order
    span: Span | None = None  # the source text that produced it: `y*y` inside `z = y*y*2`
    shape: tuple[int, ...] = ()
    dtype: str = "float32"
    value: TensorValue | None = None  # forward value (a leaf: its value when last used)
    grad: TensorValue | None = None  # leaf: final .grad; op: gradient that arrived in its last pass
    requires_grad: bool = True
    is_output: bool = False
    saved: dict[str, Any] = field(default_factory=dict)  # saved tensors torch exposes (_saved_self, ...)
    created_in_pass: int | None = None  # made during backward pass k (create_graph=True)
    seq: int | None = None  # torch's sequence number: forward creation order
    group: str | None = None  # the innermost Group it was made in (Trace.groups), None outside every group


GROUP_KINDS = ("module", "function", "loop", "line")


@dataclass(frozen=True)
class Group:
    """A stretch of the program a node was made in: a module call, a call of one of the program's functions,
    one iteration of a loop, or one source line. Groups nest (`parent`): `net` > `net.fc1` > a line.

    A module's `label` is its path as `named_modules()` spells it under the program's variable (`net.fc1`,
    `model.0`); a module called twice gives two groups with the same label, told apart by `index` (0, 1, ...).
    A function's label is `name()`, a loop's its header (`for i in range(3)`, `index` the iteration), a line's
    its text. `key` is what repeats: two groups with the same key did the same thing (the same module class,
    the same loop's body)."""

    id: str  # "g0", "g1", ... in the order the program entered them
    kind: str  # GROUP_KINDS
    label: str
    parent: str | None = None
    index: int = 0  # module / function: which call of it; loop: which iteration
    line: int | None = None  # the source line of the call, the loop or the line
    cls: str | None = None  # module: its class name (Linear, or the program's class: Net)
    key: str = ""
    params: tuple[tuple[str, tuple[int, ...]], ...] = ()  # module: (full parameter name, shape), as named_parameters()
    n_params: int = 0  # module: numbers in its parameters


@dataclass(frozen=True)
class Edge:
    id: str  # "e0", ...
    source: str  # the input (producer) node id; forward values flow source -> target
    target: str  # the consuming op node id; gradients flow target -> source
    input_index: int  # position of this input in the target's next_functions / operands
    kind: str = "data"  # data | constant (a constant carries no gradient)
    grad: TensorValue | None = None  # gradient sent along this edge in the last pass that used it


@dataclass(frozen=True)
class Step:
    """One frame of the animation. Forward: `node` produced `value` from the inputs on `edges`.
    Backward: `node` received `grad_in` and sent `grads_out[i]` back along `edges[i]`."""

    index: int
    phase: str  # forward | backward
    node: str
    edges: tuple[str, ...] = ()
    value: TensorValue | None = None  # forward: the value made; backward at a leaf: .grad afterwards
    grad_in: TensorValue | None = None
    grads_out: tuple[TensorValue | None, ...] = ()
    pass_index: int | None = None
    hook_before: TensorValue | None = None  # backward: the gradient before the program's hooks made it grad_in


@dataclass(frozen=True)
class Pass:
    """One backward pass the program ran: `z.backward()`, `torch.autograd.grad(...)`, or ours ("auto")."""

    index: int
    kind: str  # backward | grad | auto
    span: Span | None
    roots: tuple[str, ...]  # node ids the gradient started from
    inputs: tuple[str, ...] = ()  # for torch.autograd.grad: the node ids asked about
    create_graph: bool = False
    retain_graph: bool = False
    first_step: int = 0  # index into Trace.backward_steps
    n_steps: int = 0


@dataclass(frozen=True)
class GradEvent:
    """One thing that happened to a leaf's `.grad`, in the order the program did it.

    kind "pass":     backward pass `number` reached the leaf and added `grad` into .grad (`before` -> `after`);
                     `accumulated` when `before` held a gradient (not None, not all zeros), as torch adds
    kind "returned": torch.autograd.grad (pass `number`) returned `grad` for this leaf; .grad is untouched
    kind "zeroed":   .grad was filled with zeros (x.grad.zero_(), opt.zero_grad(set_to_none=False))
    kind "none":     .grad was set to None (w.grad = None, opt.zero_grad(), zero_grad(set_to_none=True))
    kind "set":      .grad was given some other value (w.grad = t, an in-place change, or held one before)

    A change between passes is seen at the next pass that reaches the leaf, or at the end of the program; it
    is listed there, so several changes in one gap read as their net effect. `after` is .grad once the event
    is done (None: .grad is None)."""

    kind: str  # GRAD_EVENT_KINDS
    number: int | None = None  # pass / returned: the pass's number in the program, 1-based, shown or not
    pass_index: int | None = None  # pass / returned: its index in Trace.passes
    grad: TensorValue | None = None  # pass: what it added; returned: what autograd.grad returned
    before: TensorValue | None = None  # pass: .grad when the pass started
    after: TensorValue | None = None
    accumulated: bool = False


@dataclass(frozen=True)
class Notice:
    """Something the user should read that is not an error: a lesson, a warning torch printed."""

    kind: str  # non-scalar-output | no-grad-output | no-output | torch-warning | trimmed | stdout-truncated |
    #            plotting-skipped
    message: str
    line: int | None = None


@dataclass(frozen=True)
class Trace:
    source: str
    nodes: dict[str, Node]  # in forward creation order
    edges: tuple[Edge, ...]
    forward_steps: tuple[Step, ...]
    backward_steps: tuple[Step, ...]
    passes: tuple[Pass, ...]
    values: dict[str, Any]  # final value of every named tensor: nested lists, or a summary dict if huge
    grads: dict[str, Any]  # final .grad of every named tensor that has one
    stdout: str = ""
    inputs: dict[str, Any] = field(default_factory=dict)  # free names made inputs, with the values used
    output: str | None = None  # the variable back-propagated from, when the explorer chose or was told
    notices: tuple[Notice, ...] = ()
    counts: dict[str, int] = field(default_factory=dict)  # ops_total, passes_total, nodes_dropped, ...
    seed: int = 0
    grad_events: dict[str, tuple[GradEvent, ...]] = field(default_factory=dict)  # leaf id -> its .grad's history
    groups: dict[str, Group] = field(default_factory=dict)  # id -> Group, parents before children (see Group)

    def __repr__(self) -> str:
        """One line, not every field: a notebook cell that ends with `tr` shows what the run made, not pages
        of nodes (they are in `tr.nodes`; `explorer.figure(tr)` draws them)."""
        passes = len(self.passes)
        out = f", output {self.output}" if self.output else ""
        grads = ", ".join(f"{name}.grad" for name in self.grads)
        return (f"<Trace: {len(self.nodes)} nodes, {len(self.edges)} edges, {passes} backward "
                f"pass{'' if passes == 1 else 'es'} shown{out}{'; ' + grads if grads else ''}>")

    # --- views --------------------------------------------------------------------------------------------
    def node(self, node_id: str) -> Node:
        return self.nodes[node_id]

    def edges_into(self, node_id: str) -> list[Edge]:
        return [e for e in self.edges if e.target == node_id]

    def by_name(self, name: str) -> Node | None:
        """The node whose tensor was last assigned to `name` (None if that name never held one)."""
        found = None
        for node in self.nodes.values():
            if name in node.aliases:
                found = node
        return found

    def grad_history(self, leaf: str) -> tuple[GradEvent, ...]:
        """What happened to the .grad of the leaf named `leaf` (a variable, or a node id), in order: see
        GradEvent. `tr.grad_history("w")[-1].after` is w.grad at the end, when the program's last word on it
        was a pass. () for a leaf nothing happened to; KeyError for a name that is not a leaf."""
        node = self.nodes.get(leaf) or self.by_name(leaf)
        if node is None or node.kind != "leaf":
            node = next((n for n in self.nodes.values() if n.kind == "leaf" and leaf in n.aliases), None)
        if node is None:
            raise KeyError(f"{leaf!r} is not a leaf tensor of this trace")
        return self.grad_events.get(node.id, ())

    @property
    def first_pass_number(self) -> int:
        """The program's number (1-based) of Trace.passes[0]: passes before it are summarised, not shown."""
        return int(self.counts.get("passes_total", len(self.passes))) - len(self.passes) + 1

    @property
    def output_node(self) -> Node | None:
        return next((n for n in self.nodes.values() if n.is_output), None)

    def to_networkx(self):
        """A networkx MultiDiGraph (a DiGraph subclass: `y*y` gives two parallel edges) with the same ids."""
        from explorer.recording.graph import to_networkx

        return to_networkx(self)

    # --- (de)serialisation --------------------------------------------------------------------------------
    def to_dict(self, packed: bool = False) -> dict:
        """JSON-safe, and cheap: values are already plain dicts and lists, so only tuples and spans change
        (dataclasses.asdict would deep-copy every number of every value).

        `packed=True` gives the compact form a sandbox worker sends (format 2, see explorer/recording/packing.py):
        every distinct value once, its numbers as base64 float arrays, nodes, edges and steps as columns
        (one list per field) and spans as a table. `from_dict` reads both."""
        if packed:
            return _packed_dict(self)
        return {
            "format": 1,
            "source": self.source,
            "nodes": [_node_dict(n) for n in self.nodes.values()],
            "edges": [dict(vars(e)) for e in self.edges],
            "forward_steps": [_step_dict(s) for s in self.forward_steps],
            "backward_steps": [_step_dict(s) for s in self.backward_steps],
            "passes": [_pass_dict(p) for p in self.passes],
            "values": self.values,
            "grads": self.grads,
            "stdout": self.stdout,
            "inputs": self.inputs,
            "output": self.output,
            "notices": [dict(vars(n)) for n in self.notices],
            "counts": dict(self.counts),
            "seed": self.seed,
            "grad_events": {nid: [dict(vars(e)) for e in events] for nid, events in self.grad_events.items()},
            "groups": [_group_dict(g) for g in self.groups.values()],
        }

    @classmethod
    @without_gc
    def from_dict(cls, d: dict) -> Trace:
        if d.get("format") == PACKED_FORMAT:
            try:
                return _from_packed(cls, d)
            except (KeyError, IndexError, TypeError, AttributeError, StopIteration) as exc:
                raise ValueError(f"not a packed trace: {type(exc).__name__}: {exc}") from None
        nodes = {}
        for nd in d["nodes"]:
            nd = dict(nd)
            nd["span"] = _span(nd.get("span"))
            nd["shape"] = tuple(nd.get("shape", ()))
            nd["aliases"] = tuple(nd.get("aliases", ()))
            nodes[nd["id"]] = make_node(**nd)
        passes = []
        for p in d["passes"]:
            p = dict(p)
            p["span"] = _span(p.get("span"))
            p["roots"] = tuple(p["roots"])
            p["inputs"] = tuple(p.get("inputs", ()))
            passes.append(make_pass(**p))
        return cls(
            source=d["source"],
            nodes=nodes,
            edges=tuple(make_edge(**e) for e in d["edges"]),
            forward_steps=tuple(_step(s) for s in d["forward_steps"]),
            backward_steps=tuple(_step(s) for s in d["backward_steps"]),
            passes=tuple(passes),
            values=d["values"],
            grads=d["grads"],
            stdout=d.get("stdout", ""),
            inputs=d.get("inputs", {}),
            output=d.get("output"),
            notices=tuple(make_notice(**n) for n in d.get("notices", ())),
            counts=d.get("counts", {}),
            seed=d.get("seed", 0),
            grad_events={nid: tuple(make_grad_event(**e) for e in events)
                         for nid, events in d.get("grad_events", {}).items()},
            groups={g["id"]: _group(g) for g in d.get("groups", ())},
        )


def maker(cls: type) -> Callable[..., Any]:
    """`cls(**fields)` for a frozen dataclass, without its __init__'s object.__setattr__ per field: a Node
    costs 0.9 us instead of 3.6, and the trace of a 5,000-node graph makes some 20,000 nodes, edges and
    steps (again in the app, from JSON). The same object: fields in declaration order, defaults filled,
    and a TypeError for a missing or unknown field."""
    specs = fields(cls)
    names = frozenset(f.name for f in specs)
    template = {f.name: (f.default if f.default is not MISSING else None) for f in specs}
    factories = [(f.name, f.default_factory) for f in specs if f.default_factory is not MISSING]
    required = frozenset(f.name for f in specs if f.default is MISSING and f.default_factory is MISSING)
    new = object.__new__

    def make(**values: Any) -> Any:
        if not (required <= values.keys() <= names):
            raise TypeError(f"{cls.__name__} takes {sorted(names)}, needs {sorted(required)}; got {sorted(values)}")
        obj: Any = new(cls)
        d = obj.__dict__
        d.update(template)
        for name, factory in factories:
            if name not in values:
                d[name] = factory()
        d.update(values)
        return obj

    return make


def built(cls: type, values: dict) -> Any:
    """`cls(**values)` for a frozen dataclass when `values` holds every field, on the recorder's hot path:
    no defaults to fill, no checks (0.2 us a node instead of `maker`'s 0.9), and `values` becomes the
    instance's __dict__."""
    obj: Any = object.__new__(cls)
    obj.__dict__.update(values)
    return obj


make_node, make_edge, make_step, make_pass, make_span, make_notice, make_grad_event, make_group = map(
    maker, (Node, Edge, Step, Pass, Span, Notice, GradEvent, Group))


def _group(d: dict) -> Group:
    d = dict(d)
    d["params"] = tuple((name, tuple(shape)) for name, shape in d.get("params", ()))
    return make_group(**d)


def _group_dict(g: Group) -> dict:
    d = dict(vars(g))
    d["params"] = [[name, list(shape)] for name, shape in g.params]
    return d


def _span(d: dict | None) -> Span | None:
    return make_span(**d) if d else None


def _step(d: dict) -> Step:
    d = dict(d)
    d["edges"] = tuple(d.get("edges", ()))
    d["grads_out"] = tuple(d.get("grads_out", ()))
    return make_step(**d)


def _span_dict(span: Span | None) -> dict | None:
    return dict(vars(span)) if span is not None else None


def _node_dict(n: Node) -> dict:
    d = dict(vars(n))
    d["span"] = _span_dict(n.span)
    d["shape"] = list(n.shape)
    d["aliases"] = list(n.aliases)
    return d


def _step_dict(s: Step) -> dict:
    d = dict(vars(s))
    d["edges"] = list(s.edges)
    d["grads_out"] = list(s.grads_out)
    return d


def _pass_dict(p: Pass) -> dict:
    d = dict(vars(p))
    d["span"] = _span_dict(p.span)
    d["roots"] = list(p.roots)
    d["inputs"] = list(p.inputs)
    return d


# --- the packed form (format 2): what a sandbox worker sends ------------------------------------------------
PACKED_FORMAT = 2
NODE_FIELDS = tuple(f.name for f in fields(Node))
EDGE_FIELDS = tuple(f.name for f in fields(Edge))
STEP_FIELDS = tuple(f.name for f in fields(Step))
GROUP_FIELDS = tuple(f.name for f in fields(Group))
_TENSOR_REF = "#"  # a saved value that is a tensor: {"#": its index in the value table}


def _packed_dict(tr: Trace) -> dict:
    """Trace -> format 2 (see Trace.to_dict). Columns cost one list per field instead of one dict per row,
    and repeat no key; values shared in the trace are written once."""
    pack = Packer()
    ref, refs = pack.ref, pack.refs
    spans: list[list] = []
    span_index: dict[int, int] = {}

    def span_ref(span: Span | None) -> int | None:
        if span is None:
            return None
        i = span_index.get(id(span))
        if i is None:
            i = span_index[id(span)] = len(spans)
            spans.append([span.line, span.col, span.end_line, span.end_col, span.text])
        return i

    nodes = list(tr.nodes.values())
    cols = _columns(nodes, NODE_FIELDS)
    cols["span"] = [span_ref(s) for s in cols["span"]]
    cols["shape"] = [list(s) for s in cols["shape"]]
    cols["aliases"] = [list(a) for a in cols["aliases"]]
    cols["value"] = [ref(v) for v in cols["value"]]
    cols["grad"] = [ref(v) for v in cols["grad"]]
    cols["saved"] = [_saved_out(s, ref) for s in cols["saved"]]
    edges = _columns(tr.edges, EDGE_FIELDS)
    edges["grad"] = [ref(v) for v in edges["grad"]]
    steps = []
    for group in (tr.forward_steps, tr.backward_steps):
        c = _columns(group, STEP_FIELDS)
        c["edges"] = [list(e) for e in c["edges"]]
        for name in ("value", "grad_in", "hook_before"):
            c[name] = [ref(v) for v in c[name]]
        c["grads_out"] = [refs(g) for g in c["grads_out"]]
        steps.append(c)
    passes = []
    for p in tr.passes:
        pd = _pass_dict(p)
        pd["span"] = span_ref(p.span)
        passes.append(pd)
    grad_events = {}
    for nid, events in tr.grad_events.items():
        out = []
        for e in events:
            ed = dict(vars(e))
            ed["grad"], ed["before"], ed["after"] = ref(e.grad), ref(e.before), ref(e.after)
            out.append(ed)
        grad_events[nid] = out
    return {
        "format": PACKED_FORMAT,
        "source": tr.source,
        "spans": spans,
        "nodes": cols,
        "edges": edges,
        "forward_steps": steps[0],
        "backward_steps": steps[1],
        "passes": passes,
        "values": tr.values,
        "grads": tr.grads,
        "stdout": tr.stdout,
        "inputs": tr.inputs,
        "output": tr.output,
        "notices": [dict(vars(n)) for n in tr.notices],
        "counts": dict(tr.counts),
        "seed": tr.seed,
        "grad_events": grad_events,
        "groups": _group_columns(tr),
        **pack.finish(),
    }


def _group_columns(tr: Trace) -> dict[str, list]:
    cols = _columns(tr.groups.values(), GROUP_FIELDS)
    cols["params"] = [[[name, list(shape)] for name, shape in params] for params in cols["params"]]
    return cols


def _columns(rows: Any, names: tuple[str, ...]) -> dict[str, list]:
    """{field: [its value in each row]}, the transposing done by itemgetter and zip (in C)."""
    table = list(map(itemgetter(*names), (r.__dict__ for r in rows)))
    if not table:
        return {name: [] for name in names}
    return {name: list(column) for name, column in zip(names, zip(*table))}


def _saved_out(saved: dict, ref: Callable[[Any], Any]) -> dict:
    if not saved:
        return saved
    return {k: ({_TENSOR_REF: ref(v)} if isinstance(v, dict) and "shape" in v else v) for k, v in saved.items()}


def _saved_in(saved: dict, table: list) -> dict:
    if not saved:
        return {}
    return {k: (table[v[_TENSOR_REF]] if isinstance(v, dict) and _TENSOR_REF in v else v) for k, v in saved.items()}


def _looked_up(indexes: list, table: list) -> list:
    return [None if i is None else table[i] for i in indexes]


def _instances(cls: type, cols: dict, names: tuple[str, ...]) -> list:
    """One instance of a frozen dataclass per row of `cols` (every field a column of the same length), made
    without __init__ and its per-field checks, as `maker` does: the rows come from our own to_dict."""
    columns = [cols[name] for name in names]
    if len({len(c) for c in columns}) > 1 or not all(isinstance(c, list) for c in columns):
        raise ValueError("the columns of a packed trace differ in length")
    new = object.__new__
    out: list[Any] = []
    append = out.append
    for row in zip(*columns):
        obj: Any = new(cls)
        obj.__dict__.update(zip(names, row))
        append(obj)
    return out


def _from_packed(cls: type[Trace], d: dict) -> Trace:
    table = unpack(d)
    spans = [make_span(line=s[0], col=s[1], end_line=s[2], end_col=s[3], text=s[4]) for s in d["spans"]]
    cols = dict(d["nodes"])
    cols["span"] = _looked_up(cols["span"], spans)
    cols["shape"] = [tuple(s) for s in cols["shape"]]
    cols["aliases"] = [tuple(a) for a in cols["aliases"]]
    cols["value"] = _looked_up(cols["value"], table)
    cols["grad"] = _looked_up(cols["grad"], table)
    cols["saved"] = [_saved_in(s, table) for s in cols["saved"]]
    nodes = {node.id: node for node in _instances(Node, cols, NODE_FIELDS)}
    edge_cols = dict(d["edges"])
    edge_cols["grad"] = _looked_up(edge_cols["grad"], table)
    edges = tuple(_instances(Edge, edge_cols, EDGE_FIELDS))
    steps = []
    for name in ("forward_steps", "backward_steps"):
        c = dict(d[name])
        c["edges"] = [tuple(e) for e in c["edges"]]
        for key in ("value", "grad_in", "hook_before"):
            c[key] = _looked_up(c[key], table)
        c["grads_out"] = [tuple(_looked_up(g, table)) for g in c["grads_out"]]
        steps.append(tuple(_instances(Step, c, STEP_FIELDS)))
    passes = []
    for p in d["passes"]:
        p = dict(p)
        p["span"] = None if p.get("span") is None else spans[p["span"]]
        p["roots"] = tuple(p["roots"])
        p["inputs"] = tuple(p.get("inputs", ()))
        passes.append(make_pass(**p))
    grad_events = {}
    for nid, events in d.get("grad_events", {}).items():
        out = []
        for e in events:
            e = dict(e)
            for key in ("grad", "before", "after"):
                e[key] = None if e.get(key) is None else table[e[key]]
            out.append(make_grad_event(**e))
        grad_events[nid] = tuple(out)
    return cls(
        source=d["source"],
        nodes=nodes,
        edges=edges,
        forward_steps=steps[0],
        backward_steps=steps[1],
        passes=tuple(passes),
        values=d["values"],
        grads=d["grads"],
        stdout=d.get("stdout", ""),
        inputs=d.get("inputs", {}),
        output=d.get("output"),
        notices=tuple(make_notice(**n) for n in d.get("notices", ())),
        counts=d.get("counts", {}),
        seed=d.get("seed", 0),
        grad_events=grad_events,
        groups=_groups_from_columns(d["groups"]),
    )


def _groups_from_columns(cols: dict) -> dict[str, Group]:
    cols = dict(cols)
    cols["params"] = [tuple((name, tuple(shape)) for name, shape in params) for params in cols["params"]]
    return {group.id: group for group in _instances(Group, cols, GROUP_FIELDS)}
