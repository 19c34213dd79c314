"""Step 5 of the layout: coordinates along the layers, and the polyline of every edge."""
from __future__ import annotations

import bisect
from collections.abc import Hashable

from explorer.drawing.layout.long_edges import PARALLEL_GAP, LayeredGraph
from explorer.drawing.layout.model import Point

LAYER_GAP = 56.0  # space between two layers, where edges slope; more where they are steep
MAX_SLOPE = 4.0  # a gap widens (up to 3x) until its steepest edge rises at most this much per unit
# A tight layout (layered_layout(gap=TIGHT_GAP)): half the gap, and steep edges allowed twice as steep before
# the gap widens, for a small graph that would not be readable on its canvas otherwise (figure._fitted_layout).
TIGHT_GAP = 28.0


def layer_lines(
    g: LayeredGraph, order: list[list[int]], cross: list[float], primary_size: list[float],
    layer_gap: float = LAYER_GAP, room: list[float] | None = None,
) -> tuple[list[float], list[float]]:
    """Centre line and half thickness of each layer along the edges' direction. The gap after a layer
    (`layer_gap`, at least) grows with the steepest segment crossing it, so that edges stay readable: up to
    MAX_SLOPE per unit across for the usual gap, proportionally steeper for a narrower one. `room[k]`: more
    before layer k (the frames' borders and labels there: frames.frame_gaps)."""
    # This runs once per layer and per segment, so min() and max() are spelled out as comparisons: a call
    # costs more than the comparison it makes.
    n = g.n
    half = []
    for layer in order:
        thickest = -1.0  # no box yet
        for v in layer:
            if v < n and primary_size[v] > thickest:
                thickest = primary_size[v]
        half.append(thickest / 2 if thickest >= 0 else 0.0)
    gap_segments = g.gap_segments
    widest = 3 * layer_gap
    slope = MAX_SLOPE * LAYER_GAP / layer_gap
    line = half[0]
    lines = [line]
    for k in range(1, g.layer_count):
        rise = 0.0
        for a, b in gap_segments[k - 1]:
            if abs(cross[a] - cross[b]) > rise:
                rise = abs(cross[a] - cross[b])
        # the gap: LAYER_GAP, or wider for a steep segment, up to `widest`
        gap = rise / slope
        if not gap > layer_gap:
            gap = layer_gap
        elif widest < gap:
            gap = widest
        if room is not None:
            gap += room[k]
        line = line + half[k - 1] + gap + half[k]
        lines.append(line)
    return lines, half


def route_edges(
    g: LayeredGraph,
    keys: list[Hashable],
    pairs: list[tuple[int, int]],
    turned: set[int],
    lines: list[float],
    half: list[float],
    cross: list[float],
    secondary_size: list[float],
    primary_size: list[float],
    low: float,
    lr: bool,
) -> tuple[dict[Hashable, tuple[Point, ...]], float, float]:
    """Polylines for every edge (by key): level inside each layer, sloping only in the gaps, with the points
    where nothing bends left out. Parallel edges are shifted apart, all but at their ends.

    They are worked out as (along, across) and returned in screen coordinates: `low` subtracted across the
    layers, and (along, across) as (x, y) if `lr`, else (y, x). Also returns how far the polylines of parallel
    edges and self-loops reach across the layers (lowest, highest; before the shift): every other polyline
    passes only through the centres of boxes and helper points, so only these can reach beyond a box."""
    trunk_lines = [_trunk_polyline(trunk, g, lines, half, cross) for trunk in g.trunks]
    layer = g.layer_of
    together: dict[tuple[int, int], list[int]] = {}  # parallel edges (same two ends) are drawn together
    for i, pair in enumerate(pairs):
        if pair in together:
            together[pair].append(i)
        else:
            together[pair] = [i]
    routes: dict[Hashable, tuple[Point, ...]] = {}
    reach_low, reach_high = float("inf"), float("-inf")
    for (u, v), members in together.items():
        ku, kv = layer[u], layer[v]
        if kv - ku == 1 and len(members) == 1:  # most edges: alone, into the next layer
            i = members[0]
            cu, cv = cross[u], cross[v]
            if cu == cv:  # level with its neighbour: straight, made in screen coordinates right away
                if lr:
                    ends = ((lines[ku], cu - low), (lines[kv], cv - low))
                else:
                    ends = ((cu - low, lines[ku]), (cv - low, lines[kv]))
                routes[keys[i]] = ends[::-1] if i in turned else ends
                continue
            # level inside each layer, sloping in the gap
            pts = _corners(
                [(lines[ku], cu), (lines[ku] + half[ku], cu), (lines[kv] - half[kv], cv), (lines[kv], cv)]
            )
            if i in turned:
                pts.reverse()
            routes[keys[i]] = _to_screen(pts, low, lr)
            continue
        # parallel edges fan out by PARALLEL_GAP, but never beyond the middle 80% of either end's box
        step = 0.0
        if len(members) > 1:
            step = min(PARALLEL_GAP, 0.8 * min(secondary_size[u], secondary_size[v]) / (len(members) - 1))
        for rank, i in enumerate(members):
            shift = (rank - (len(members) - 1) / 2) * step
            if u == v:
                pts = _self_loop(lines[ku], cross[u], primary_size[u], secondary_size[u], shift)
            elif ((kv - ku > 1 and i not in g.edge_trunk)  # over the helper budget: straight
                  or (kv - ku == 1 and not shift and cross[u] == cross[v])):  # level and unshifted: straight too
                pts = [(lines[ku], cross[u]), (lines[kv], cross[v])]
            else:
                pts = [(lines[ku], cross[u]), (lines[ku] + half[ku], cross[u] + shift)]
                if i in g.edge_trunk:
                    t = g.edge_trunk[i]
                    trunk, (corners, alongs) = g.trunks[t], trunk_lines[t]
                    first = layer[trunk[0]]
                    start, end = lines[ku + 1] - half[ku + 1], lines[kv - 1] + half[kv - 1]
                    pts.append((start, cross[trunk[ku + 1 - first]] + shift))
                    first_in = bisect.bisect_right(alongs, start + 1e-6)
                    inside = corners[first_in : bisect.bisect_left(alongs, end - 1e-6)]
                    pts.extend((a, b + shift) for a, b in inside)
                    pts.append((end, cross[trunk[kv - 1 - first]] + shift))
                pts.append((lines[kv] - half[kv], cross[v] + shift))
                pts.append((lines[kv], cross[v]))
                pts = _corners(pts)
            if i in turned:
                pts.reverse()
            routes[keys[i]] = _to_screen(pts, low, lr)
            if u == v or len(members) > 1:
                for _, b in pts:
                    if b < reach_low:
                        reach_low = b
                    if b > reach_high:
                        reach_high = b
    return routes, reach_low, reach_high


def _to_screen(pts: list[Point], low: float, lr: bool) -> tuple[Point, ...]:
    """A polyline (along, across) in screen coordinates: see `route_edges`."""
    if lr:
        return tuple([(a, b - low) for a, b in pts])
    return tuple([(b - low, a) for a, b in pts])


def _trunk_polyline(
    trunk: list[int], g: LayeredGraph, lines: list[float], half: list[float], cross: list[float]
) -> tuple[list[Point], list[float]]:
    """The corners of a trunk's polyline, and their positions along the layers (for slicing)."""
    pts = []
    for h in trunk:
        k = g.layer_of[h]
        pts.append((lines[k] - half[k], cross[h]))
        pts.append((lines[k] + half[k], cross[h]))
    corners = _corners(pts)
    return corners, [a for a, _ in corners]


def _corners(pts: list[Point]) -> list[Point]:
    """The polyline without repeated points and without points in the middle of a straight stretch."""
    out = [pts[0]]
    ax = ay = 0.0  # the corner before the last one (once there are two)
    bx, by = pts[0]  # the last corner
    for p in pts[1:]:
        px, py = p
        if abs(px - bx) < 1e-9 and abs(py - by) < 1e-9:
            continue
        if len(out) >= 2:
            turn = (bx - ax) * (py - by) - (by - ay) * (px - bx)
            onward = (bx - ax) * (px - bx) + (by - ay) * (py - by)
            if abs(turn) < 1e-6 and onward >= 0:  # b lies on the straight line from a to p
                out[-1] = p
                bx, by = px, py
                continue
        out.append(p)
        ax, ay, bx, by = bx, by, px, py
    return out


def _self_loop(along: float, across: float, length: float, thickness: float, shift: float) -> list[Point]:
    """A small loop leaving the far side of the box and coming back (autograd graphs have none)."""
    out = along + length / 2 + LAYER_GAP / 3 + abs(shift)
    return [(along, across), (out, across - thickness / 4), (out, across + thickness / 4), (along, across)]
