"""The history of each leaf's `.grad` over a run: what each backward pass added, what `torch.autograd.grad`
returned, and where the program zeroed it, set it to None or gave it another value (model.GradEvent).

The recorder tells it when a pass starts and ends and which leaves the pass reaches; a leaf's AccumulateGrad
hook tells it what arrived. Changes the program made between passes are found by looking, not by watching
each statement: after every pass the leaf's `.grad` tensor and its version counter (bumped by every in-place
change: `zero_()`, `+=`) are noted, and at the next pass that reaches the leaf, or at the end, compared again:
  - .grad None now, a tensor before                  -> "none"   (w.grad = None, opt.zero_grad())
  - the same tensor, changed in place, all zeros      -> "zeroed" (w.grad.zero_(), zero_grad(set_to_none=False))
  - another tensor, or changed in place, not zeros   -> "set" (a new tensor of zeros reads "zeroed")
Light passes (capture.py, "Light stretches") only note the state: their events would be summarised anyway, and
this way the events of the shown passes are the same whichever way the early ones were recorded.
"""
from __future__ import annotations

from typing import Any

import torch

from explorer.config import KEEP_PASSES
from explorer.recording.model import GradEvent, make_grad_event
from explorer.recording.values import encode

STEPS = ("pass", "returned")  # the kinds of event a pass makes; the others are changes between passes


class GradLog:
    def __init__(self) -> None:
        self.events: dict[str, list[dict]] = {}  # leaf id -> its events, as GradEvent fields
        self._seen: dict[str, tuple[torch.Tensor | None, int]] = {}  # leaf id -> (.grad, its version) last seen
        self._before: dict[str, Any] = {}  # leaf id -> .grad when the running pass started

    def start(self, number: int, leaves: list[tuple[str, torch.Tensor]]) -> None:
        """Pass `number` (1-based) is about to run and reaches `leaves` (id, tensor): log what changed since."""
        bound = number - 1 - KEEP_PASSES  # passes up to this one will be summarised, whatever comes next
        for nid, t in leaves:
            self._look(nid, t, number)
            self._before[nid] = encode(t.grad)
            if bound > 0:
                _forget_before(self.events.get(nid), bound)

    def added(self, nid: str, number: int, grad: Any, after: Any) -> None:
        """The pass added `grad` into the leaf's .grad, which is now `after` (values encoded)."""
        before = self._before.get(nid)
        self.events.setdefault(nid, []).append({
            "kind": "pass", "number": number, "grad": grad, "before": before, "after": after,
            "accumulated": before is not None and not _zeros(before), "at": number})

    def returned(self, number: int, pairs: list[tuple[str, torch.Tensor, torch.Tensor | None]]) -> None:
        """torch.autograd.grad (pass `number`) returned a gradient for each (leaf id, leaf, gradient)."""
        for nid, t, g in pairs:
            self.events.setdefault(nid, []).append({
                "kind": "returned", "number": number, "grad": encode(g), "after": encode(t.grad), "at": number})

    def end(self, leaves: list[tuple[str, torch.Tensor]]) -> None:
        """A pass (full or light) reaching `leaves` is over: note each one's .grad as it is now."""
        for nid, t in leaves:
            g = t.grad
            self._seen[nid] = (g, g._version if g is not None else 0)

    def finish(self, leaves: dict[str, torch.Tensor], passes_total: int,
               first_kept: int) -> dict[str, tuple[GradEvent, ...]]:
        """The events of the shown passes (the program's passes after the first `first_kept`) and after them,
        for the leaves `leaves` (id -> tensor); changes since each leaf's last pass are looked for first."""
        out: dict[str, tuple[GradEvent, ...]] = {}
        for nid, t in leaves.items():
            self._look(nid, t, passes_total + 1)
            events = self.events.get(nid)
            if not events:
                continue
            _forget_before(events, first_kept)
            if events:
                out[nid] = tuple(_event(e, first_kept) for e in events)
        return out

    def _look(self, nid: str, t: torch.Tensor, at: int) -> None:
        """Log how the leaf's .grad changed since a pass last saw it (a first look: whether it holds a value),
        as seen when pass `at` starts (passes_total + 1: at the end)."""
        g = t.grad
        seen = self._seen.get(nid)
        old, version = seen if seen is not None else (None, 0)
        if g is None:
            if old is not None:
                self._log(nid, "none", None, at)
        elif g is not old or g._version != version:
            self._log(nid, "zeroed" if not bool(g.detach().any()) else "set", encode(g), at)
        self._seen[nid] = (g, g._version if g is not None else 0)

    def _log(self, nid: str, kind: str, after: Any, at: int) -> None:
        self.events.setdefault(nid, []).append({"kind": kind, "after": after, "at": at})


def _event(e: dict, first_kept: int) -> GradEvent:
    fields = {k: v for k, v in e.items() if k != "at"}
    if e["kind"] in STEPS:
        fields["pass_index"] = e["number"] - first_kept - 1
    return make_grad_event(**fields)


def _forget_before(events: list[dict] | None, last: int) -> None:
    """Drop, in place, the events seen up to pass `last` (a summarised pass): its own, and the changes seen
    when it started. They are the same whether the early passes were recorded in full or lightly."""
    if not events:
        return
    cut = 0
    while cut < len(events) and events[cut]["at"] <= last:
        cut += 1
    del events[:cut]


def _zeros(value: Any) -> bool:
    """An encoded value whose every element is 0 (a summary: min and max both 0)."""
    if "summary" in value:
        s = value["summary"]
        return s.get("min") == 0 and s.get("max") == 0
    data = value.get("data")
    if isinstance(data, list):
        stack = [data]
        while stack:
            for x in stack.pop():
                if isinstance(x, list):
                    stack.append(x)
                elif x != 0:
                    return False
        return True
    return data == 0
