"""The rasteriser's input, prepared once per mask: edges, monotone chains, their turns, discs.

:func:`plan` turns :class:`~maskrender.draw.shapes.Shapes` into flat arrays that both
back-ends (numpy in :mod:`maskrender.draw.sweep`, compiled in :mod:`maskrender.draw.kernels`)
read the same way:

* *isolated* ring edges, each with its signed level ``q = direction x level``;
* *classified* ring edges grouped into **monotone chains** (maximal runs of a ring going
  down, or up, in y; horizontal edges belong to the run they follow).  Each ring is rotated to
  start at a chain, so a chain's edges are contiguous, and chains are numbered in order;
* the **turns** between consecutive chains of a ring (a local top or bottom of the outline,
  a vertex or a horizontal run), where two chains begin or end together;
* discs, isolated or classified, and the exact-area table of their radius.

The direction of a boundary is +1 where a left-to-right scan enters the shape and -1 where it
leaves (exteriors counter-clockwise, holes clockwise: ``d = -sign(dy)``).

>>> import shapely
>>> from maskrender.draw.shapes import from_geometries
>>> p = plan(from_geometries(polygons=[shapely.box(0, 0, 2, 2), shapely.box(1, 1, 3, 3)], levels=[255, 255],
...                          size=(4, 4)))
>>> p.chain_d.tolist(), (p.turn_y // 1024).tolist(), p.turn_top.tolist()
([-1, 1, -1, 1], [2, 0, 3, 1], [False, True, False, True])
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from maskrender.draw.shapes import YQ, Shapes, disc_values

STRIP = YQ // 4
"""The rasteriser's strip (:data:`maskrender.draw.sweep.STRIP`)."""

__all__ = ["Plan", "plan"]

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
Bool = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Plan:
    """Flat arrays for the rasteriser (see the module).  Edges are ``(yt, yb, xt, slope)``: top
    and bottom in fixed-point y (``yt < yb``), x at the top, and dx per y unit."""

    width: int
    height: int
    levels: I64
    # isolated edges
    iso_yt: I64
    iso_yb: I64
    iso_xt: F64
    iso_slope: F64
    iso_q: I64
    # classified edges and their chains
    edge_yt: I64
    edge_yb: I64
    edge_xt: F64
    edge_slope: F64
    edge_chain: I64
    chain_ymin: I64
    chain_ymax: I64
    chain_d: I64
    chain_level: I64
    # turns between consecutive chains: chains a, b meet at (turn_x, turn_y); top: they go down from it
    turn_a: I64
    turn_b: I64
    turn_y: I64
    turn_x: F64
    turn_top: Bool
    # discs
    iso_cx: F64
    iso_cy: I64
    iso_level: I64
    disc_cx: F64
    disc_cy: I64
    disc_level: I64
    k0: int
    half: F64
    above: F64
    disc_keys: I64
    """The offsets ``k`` from a disc's top (:data:`~maskrender.draw.shapes.YQ` units, ``0 .. -2 k0``)
    at which ``half`` and ``above`` hold the disc's half-width and area above: only those the
    discs' strips inside the box meet (a disc far larger than the box costs what the box does)."""

    def disc_slot(self, k: I64) -> I64:
        """Where offsets ``k`` are in ``half`` and ``above`` (they are always among the keys)."""
        out: I64 = np.searchsorted(self.disc_keys, k)
        return out


def _edges(s: Shapes, rings: Bool) -> tuple[I64, I64, F64, F64, I64, I64, I64, I64]:
    """Edges ``(y0, y1, x0, x1)`` of the selected rings in ring order, their ring and ring start."""
    counts = np.diff(s.ring_start)
    sel = np.flatnonzero(rings & (counts >= 2))
    n = counts[sel]
    total = int(n.sum())
    ring = np.repeat(np.arange(len(sel)), n)
    first = (np.cumsum(n) - n).astype(np.int64)
    local = np.arange(total) - np.repeat(first, n)
    base = np.repeat(s.ring_start[sel], n)
    i0 = base + local
    i1 = base + (local + 1) % np.repeat(n, n)
    return s.y[i0], s.y[i1], s.x[i0], s.x[i1], ring.astype(np.int64), first.astype(np.int64), \
        s.ring_level[sel], n.astype(np.int64)


def _as_edges(y0: I64, y1: I64, x0: F64, x1: F64) -> tuple[Bool, I64, I64, F64, F64]:
    """Non-horizontal edges as ``(keep, yt, yb, xt, slope)``."""
    keep = y0 != y1
    y0, y1, x0, x1 = y0[keep], y1[keep], x0[keep], x1[keep]
    down = y1 > y0
    yt = np.where(down, y0, y1)
    yb = np.where(down, y1, y0)
    xt = np.where(down, x0, x1)
    xb = np.where(down, x1, x0)
    slope = (xb - xt) / (yb - yt)
    return keep, yt, yb, xt, slope


def plan(s: Shapes) -> Plan:
    """Prepare :class:`~maskrender.draw.shapes.Shapes` for either rasteriser back-end."""
    e = np.empty(0, dtype=np.int64)
    f = np.empty(0)
    # isolated rings: edges with their signed levels, no structure needed
    y0, y1, x0, x1, ring, _, level, _ = _edges(s, s.ring_isolated)
    keep, iyt, iyb, ixt, islope = _as_edges(y0, y1, x0, x1)
    iq = (-np.sign(y1 - y0) * level[ring])[keep]

    # classified rings: rotate each to start at a chain, then number the chains
    y0, y1, x0, x1, ring, first, level, n = _edges(s, ~s.ring_isolated)
    sdy = np.sign(y1 - y0)
    idx = np.arange(len(sdy))
    nz = np.where(sdy != 0, idx, -1)
    if len(sdy):
        last_nz = np.maximum.reduceat(nz, first)
        ok_ring = last_nz >= 0  # a ring with no slanted edge has no area
        prev_nz = np.maximum.accumulate(nz)
        prev_nz = np.where(prev_nz >= first[ring], prev_nz, last_nz[ring])
        filled = sdy[np.maximum(prev_nz, 0)]
        prev = np.where(idx == first[ring], first[ring] + n[ring] - 1, idx - 1)
        start = filled != filled[prev]
        local = idx - first[ring]
        rot = np.minimum.reduceat(np.where(start, local, np.iinfo(np.int64).max), first)
        ok_ring &= rot < n
        keep_e = ok_ring[ring]
        rot_e = np.where(keep_e, rot[ring], 0)
        order = (first[ring] + (local + rot_e) % n[ring])[keep_e]
        y0, y1, ring, sdy, filled = y0[order], y1[order], ring[order], sdy[order], filled[order]
        x0, x1, start = x0[order], x1[order], start[order]
    chain = np.cumsum(start) - 1 if len(sdy) else e
    cs = np.flatnonzero(start) if len(sdy) else e
    n_chain = len(cs)
    if n_chain:
        ch_dir = filled[cs]
        ch_ring = ring[cs]
        ch_level = level[ch_ring]
        ch_ymin = np.minimum.reduceat(np.minimum(y0, y1), cs)
        ch_ymax = np.maximum.reduceat(np.maximum(y0, y1), cs)
        last_slanted = np.maximum.reduceat(np.where(sdy != 0, np.arange(len(sdy)), -1), cs)
        x_start = x0[cs]
        x_end = x1[last_slanted]
        down = ch_dir > 0
        # the next chain of the same ring (cyclically)
        nxt = np.arange(1, n_chain + 1)
        same = np.r_[ch_ring[1:] == ch_ring[:-1], False]
        ring_first_chain = np.full(int(ch_ring.max()) + 1, -1, dtype=np.int64)
        heads = np.flatnonzero(np.r_[True, ch_ring[1:] != ch_ring[:-1]])
        ring_first_chain[ch_ring[heads]] = heads
        nxt = np.where(same, nxt, ring_first_chain[ch_ring])
        turn_y = np.where(down, ch_ymax, ch_ymin)
        turn_x = (x_end + x_start[nxt]) * 0.5
        turn_top = ~down  # an up chain followed by a down chain: both go down from the turn
        keep_c, eyt, eyb, ext, eslope = _as_edges(y0, y1, x0, x1)
        echain = chain[keep_c]
        ch_d = -ch_dir
    else:
        ch_ymin = ch_ymax = ch_d = ch_level = nxt = turn_y = echain = eyt = eyb = e
        turn_x = ext = eslope = f
        turn_top = np.empty(0, dtype=bool)
    k0, keys = _disc_keys(s)
    half, above = disc_values(s.radius, keys) if len(keys) else (f, f)
    iso_d = s.disc_isolated
    return Plan(
        s.width, s.height, s.levels,
        iyt, iyb, ixt, islope, iq.astype(np.int64),
        eyt, eyb, ext, eslope, echain.astype(np.int64),
        ch_ymin, ch_ymax, ch_d.astype(np.int64), ch_level.astype(np.int64),
        np.arange(n_chain, dtype=np.int64), nxt.astype(np.int64), turn_y, turn_x, turn_top,
        s.cx[iso_d], s.cy[iso_d], s.disc_level[iso_d], s.cx[~iso_d], s.cy[~iso_d], s.disc_level[~iso_d],
        k0, half, above, keys,
    )


def _disc_keys(s: Shapes) -> tuple[int, I64]:
    """``k0`` and the offsets from the discs' tops that drawing them inside the box reads: the
    top and the bottom, and every strip's edge and centre line (multiples of half a strip)."""
    if not len(s.cx):
        return 0, np.empty(0, dtype=np.int64)
    k0 = -math.ceil(s.radius * YQ)
    top = s.cy + k0
    step = STRIP // 2
    first = np.maximum(top, 0) // step
    last = np.minimum(s.cy - k0, s.height * YQ) // step + 1
    n = np.maximum(last - first + 1, 0)
    j = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n) + np.repeat(first, n)
    span = -2 * k0
    k = np.r_[np.clip(j * step - np.repeat(top, n), 0, span), 0, span]
    if span <= 4 * len(k) + 65536:  # the usual radius: mark the offsets met (a sort of k took ~10 ms for 5,000 pores)
        met = np.zeros(span + 1, dtype=bool)
        met[k] = True
        return k0, np.flatnonzero(met).astype(np.int64)
    keys = np.sort(k)  # np.unique's values (np.unique itself imports numpy.ma, ~8 ms)
    return k0, keys[np.r_[True, keys[1:] != keys[:-1]]]
