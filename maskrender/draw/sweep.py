"""The rasteriser, in numpy: a mask's shapes to every pixel's exact integral of the winning level.

Each pixel row is cut into :data:`STRIPS` horizontal strips.  Within a strip every boundary is
a *piece* whose exact area contribution is accumulated (:mod:`maskrender.draw.accumulate`):
coverage is exact in both axes, not sampled.  What a piece contributes (the change it makes to
the covered level; often 0, a boundary inside another shape counts for nothing) is decided
exactly too:

1. the pieces of a strip whose x ranges overlap or touch (joined also by the horizontal runs of
   the outlines between them) form *clusters*.  Between two clusters no boundary passes, so the
   winding numbers there are the same from the strip's top to its bottom: each cluster starts
   from those the clusters left of it leave (a cluster's net change per level is the sum of its
   pieces' direction x height, over the strip's height);
2. a cluster is cut into *slabs* at its pieces' ends (vertices, turns, the poles of discs) and,
   round after round, at the y where two neighbouring pieces cross (to 1/1024 px), so that in a
   slab every piece spans it and no two cross: the covered level between two pieces is then the
   same all along the slab, and one sweep of the slab's middle line (per level the winding
   number; the largest level whose number is not zero is covered) gives each piece its exact
   value there;
3. a piece's consecutive slabs of one value are drawn as one piece.

So the union of overlapping shapes, and the largest level where levels overlap, are exact up
to the rounding of a crossing's y to 1/1024 px.  Cost: a cluster of ``k`` pieces makes a record
per piece and slab, at most :func:`_budget` (``64 k + 1024``).  Past it (the ends of thousands
of pieces in one strip, a hostile sawtooth) that cluster's piece ends are first moved to the
nearest 1/64 px (:data:`SNAP`; at most 16 slabs a strip), and splitting at crossings stops at
``4 k + 256`` records, or after :data:`ROUNDS` rounds, leaving those slabs decided on their
middle lines (off by a sliver where pieces cross inside them: strokes far wider than the box
crossing everywhere, hundreds of lines through one point).  Every cluster costs linear time.

Shapes that meet no other shape skip all this (their winding is 0 or 1 everywhere) and are
accumulated directly, a row at a time.  Rows go in bands of a bounded number of pieces.

>>> import shapely
>>> from maskrender.draw.plan import plan
>>> from maskrender.draw.shapes import from_geometries
>>> sq = shapely.box(1.5, 0.25, 3.5, 1.75)
>>> s = from_geometries(polygons=[sq, sq], levels=[255, 255], size=(5, 2))   # twice: counted once
>>> alpha(plan(s), 1.0).tolist()
[[0, 96, 191, 96, 0], [0, 96, 191, 96, 0]]
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import numpy.typing as npt

from maskrender.draw.accumulate import contributions, tiled, to_alpha, to_coverage
from maskrender.draw.plan import Plan
from maskrender.draw.shapes import YQ

__all__ = ["BAND_PIECES", "STRIPS", "alpha", "bands", "coverage", "integral_rows"]

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
Bool = npt.NDArray[np.bool_]

STRIPS = 4
"""Strips per pixel row in which the union of overlapping shapes is decided."""
STRIP = YQ // STRIPS
XQ = 4096
"""Resolution of the crossings' sort key (1/4096 px)."""
XSPAN = 1 << 44
"""Sort keys order x from ``-XSPAN / 2 / XQ`` to ``XSPAN / 2 / XQ`` pixels (+-2 billion): geometry
reaching further is clipped to the box first (:data:`maskrender.draw.shapes.FAR`)."""


def _xq(v: F64) -> I64:
    """Positions in units of 1/XQ px (already scaled and rounded) as non-negative sort keys."""
    out: I64 = np.clip(v + XSPAN // 2, 0, XSPAN - 1).astype(np.int64)
    return out

BAND_PIECES = 250_000
"""About this many pieces are made, used and dropped at a time (memory stays that of a band)."""

BAND_PIXELS = 1 << 19
"""At most this many pixels per band (rows x box width; at least 8 rows): the band's per-pixel
integrals are int64, so a band of a large box stays a few MB."""


def bands(p: Plan, budget: int = BAND_PIECES) -> list[tuple[int, int]]:
    """Row ranges ``[r0, r1)`` each holding about ``budget`` pieces (at least one row each).

    >>> import shapely
    >>> from maskrender.draw.plan import plan
    >>> from maskrender.draw.shapes import from_geometries
    >>> bands(plan(from_geometries(polygons=[shapely.box(0, 0, 9, 9)], levels=[255], size=(10, 10))), budget=4)
    [(0, 2), (2, 4), (4, 6), (6, 8), (8, 10)]
    """
    h = p.height
    if h <= 0:
        return []
    weight = np.zeros(h + 1)

    def add(yt: I64, yb: I64, per_row: float | F64) -> None:
        r0 = np.clip(yt // YQ, 0, h)
        r1 = np.clip(-((-yb) // YQ), 0, h)
        ok = r1 > r0
        wt = np.broadcast_to(np.asarray(per_row, dtype=np.float64), yt.shape)[ok]
        weight[:] += np.bincount(r0[ok], weights=wt, minlength=h + 1)[: h + 1]
        weight[:] -= np.bincount(r1[ok], weights=wt, minlength=h + 1)[: h + 1]

    add(p.iso_yt, p.iso_yb, 1.0 + np.abs(p.iso_slope) * YQ)
    add(p.edge_yt, p.edge_yb, STRIPS + np.abs(p.edge_slope) * YQ)
    r = -p.k0
    add(p.iso_cy - r, p.iso_cy + r, 2.0 * STRIPS)
    add(p.disc_cy - r, p.disc_cy + r, 2.0 * STRIPS)
    per_row = np.cumsum(weight[:h])
    cum = np.cumsum(per_row)
    total = float(cum[-1])
    cuts: I64 = (np.searchsorted(cum, np.arange(budget, total, budget), side="left") + 1 if total > budget
                 else np.empty(0, dtype=np.int64))
    step = max(8, BAND_PIXELS // max(p.width, 1))
    edges = np.unique(np.r_[0, np.minimum(cuts, h), np.arange(step, h, step), h])
    return [(int(a), int(b)) for a, b in itertools.pairwise(edges) if b > a]


def _in_band(yt: I64, yb: I64, lo: int, hi: int) -> I64:
    out: I64 = np.flatnonzero((yb > lo) & (yt < hi))
    return out


def _expand(yt: I64, yb: I64, lo: int, hi: int, strip: int) -> tuple[I64, I64]:
    """(item, strip) pairs for items spanning ``[yt, yb)``, strips of ``strip`` units inside ``[lo, hi)``."""
    ms = np.maximum(yt // strip, lo // strip)
    me = np.minimum((yb - 1) // strip, hi // strip - 1)
    n = np.maximum(me - ms + 1, 0)
    item = np.repeat(np.arange(len(yt)), n)
    m = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n) + np.repeat(ms, n)
    return item, m


def _edge_pieces(yt: I64, yb: I64, xt: F64, slope: F64, m: I64, strip: int) -> tuple[I64, I64, F64, F64]:
    ya = np.maximum(yt, m * strip)
    yb2 = np.minimum(yb, (m + 1) * strip)
    return ya, yb2, xt + (ya - yt) * slope, xt + (yb2 - yt) * slope


def _disc_pieces(p: Plan, cx: F64, cy: I64, m: I64, strip: int) -> tuple[I64, I64, F64, F64, F64, F64]:
    """Left and right pieces of discs in strips: exact strip areas as corrected chords."""
    top = cy + p.k0
    ya = np.maximum(top, m * strip)
    yb = np.minimum(cy - p.k0, (m + 1) * strip)
    sa, sb = p.disc_slot(ya - top), p.disc_slot(yb - top)  # where offsets from the top are in the table
    area = p.above[sb] - p.above[sa]
    wa, wb = p.half[sa], p.half[sb]
    dy = (yb - ya) / YQ
    delta = (area - dy * (wa + wb)) / (2.0 * dy)
    return ya, yb, cx - wa - delta, cx - wb - delta, cx + wa + delta, cx + wb + delta


SNAP = 16
"""A cluster over its budget has the ends of its pieces moved to the nearest multiple of this many
y units (1/64 px) first: at most 16 slabs a strip, at most that much off."""

ROUNDS = 8
"""Rounds of splitting slabs where pieces cross (each splits at every crossing of neighbours)."""


def _unique(a: I64) -> I64:
    """Sorted distinct values (a sort: faster here than numpy's hashing)."""
    a = np.sort(a)
    return a[np.r_[True, a[1:] != a[:-1]]] if len(a) else a


def _budget(k: I64, crossings: bool = False) -> I64:
    """Records (a piece in a slab) a cluster of ``k`` pieces may make (splitting at crossings
    stops sooner): linear in its pieces."""
    out: I64 = 4 * k + 256 if crossings else 64 * k + 1024
    return out


def _x_at(xa: F64, xb: F64, ya: I64, yb: I64, y: I64) -> F64:
    """x of pieces at ``y`` (exactly their ends at their ends)."""
    sl = (xb - xa) / (yb - ya)
    out: F64 = np.where(y == ya, xa, np.where(y == yb, xb, xa + (y - ya) * sl))
    return out


def _clusters(m: I64, xa: F64, xb: F64, links: tuple[I64, F64, F64]) -> I64:
    """Per piece its cluster: pieces of a strip whose x ranges overlap or touch, transitively
    (``links``, the horizontal runs ``(m, x0, x1)`` between pieces inside a strip, join them too),
    numbered by strip then x.  Between two clusters no boundary passes in the strip, so the
    winding numbers there are the same from the strip's top to its bottom."""
    lm, l0, l1 = links
    mm = np.r_[m, lm]
    lo = mm * XSPAN + _xq(np.floor(np.r_[np.minimum(xa, xb), np.minimum(l0, l1)] * XQ))
    hi = mm * XSPAN + _xq(np.ceil(np.r_[np.maximum(xa, xb), np.maximum(l0, l1)] * XQ))
    order = np.argsort(lo, kind="stable")
    reach = np.maximum.accumulate(hi[order])
    start = np.r_[True, lo[order][1:] > reach[:-1]]
    out = np.empty(len(mm), dtype=np.int64)
    out[order] = np.cumsum(start) - 1
    cl = out[: len(m)]
    has = np.zeros(int(out.max(initial=-1)) + 1, dtype=bool)  # clusters of links alone hold no piece
    has[cl] = True
    res: I64 = (np.cumsum(has) - 1)[cl]
    return res


def _links(p: Plan, ee: I64, lo: int, hi: int, top: tuple[I64, F64, F64], bottom: tuple[I64, F64, F64]
           ) -> tuple[I64, F64, F64]:
    """Horizontal runs of the outlines inside the band's strips, ``(strip, x0, x1)``: between the
    consecutive edges of a chain, at turns, and the flat tops and bottoms of discs' strip pieces
    (``top`` and ``bottom``: their y, left x and right x)."""
    n = len(p.edge_yt)
    e = ee[(ee + 1 < n)]
    e = e[p.edge_chain[e] == p.edge_chain[np.minimum(e + 1, n - 1)]]
    f = e + 1
    y = np.where(p.edge_yb[e] == p.edge_yt[f], p.edge_yb[e], p.edge_yt[e])
    t = np.flatnonzero((p.turn_y >= lo) & (p.turn_y < hi) & (p.turn_y % STRIP != 0))
    last = np.searchsorted(p.edge_chain, p.turn_a[t], side="right") - 1
    first = np.searchsorted(p.edge_chain, p.turn_b[t], side="left")
    e, f, y = np.r_[e, last], np.r_[f, first], np.r_[y, p.turn_y[t]]
    x0 = p.edge_xt[e] + (y - p.edge_yt[e]) * p.edge_slope[e]
    x1 = p.edge_xt[f] + (y - p.edge_yt[f]) * p.edge_slope[f]
    dy = np.r_[top[0], bottom[0]]
    y, x0, x1 = np.r_[y, dy], np.r_[x0, top[1], bottom[1]], np.r_[x1, top[2], bottom[2]]
    keep = (y >= lo) & (y < hi) & (y % STRIP != 0) & (x0 != x1)
    return y[keep] // STRIP, x0[keep], x1[keep]


def _slabs(cl: I64, top: I64, ya: I64, yb: I64, alive: Bool) -> tuple[I64, I64, I64, I64, I64]:
    """Elementary slabs of each cluster (between its strip's edges and its pieces' ends) and the
    records ``(piece, slab)`` of the pieces spanning them.  Returns slab cluster, y0, y1 and the
    records."""
    n_cl = int(cl.max()) + 1 if len(cl) else 0
    ctop = np.zeros(n_cl, dtype=np.int64)
    ctop[cl] = top
    used = np.flatnonzero(np.bincount(cl[alive], minlength=n_cl))
    key = _unique(np.r_[used * 512, used * 512 + STRIP, (cl * 512 + ya - top)[alive], (cl * 512 + yb - top)[alive]])
    kc = key // 512
    nxt = np.r_[kc[1:] == kc[:-1], False][: len(kc)]
    slab_of_key = np.cumsum(nxt) - nxt
    s_cl = kc[nxt]
    s_y0 = ctop[s_cl] + key[nxt] % 512
    s_y1 = ctop[s_cl] + key[np.flatnonzero(nxt) + 1] % 512
    piece = np.flatnonzero(alive)
    ia = slab_of_key[np.searchsorted(key, (cl * 512 + ya - top)[piece])]
    ib = slab_of_key[np.searchsorted(key, (cl * 512 + yb - top)[piece]) - 1] + 1
    n = ib - ia
    r_piece = np.repeat(piece, n)
    r_slab = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n) + np.repeat(ia, n)
    return s_cl, s_y0, s_y1, r_piece, r_slab


def _refine(pc: tuple[F64, F64, I64, I64, I64], cl: I64, k: I64, slabs: tuple[I64, I64, I64],
            r_piece: I64, r_slab: I64) -> tuple[I64, I64, I64, I64, I64]:
    """Split slabs at the y where neighbouring pieces cross, round after round, until no two
    pieces of a slab cross inside it (to the y unit), each cluster within its budget."""
    xa, xb, ya, yb, src = pc
    s_cl, s_y0, s_y1 = slabs
    n_cl = len(k)
    budget = _budget(k, crossings=True)
    done = np.bincount(r_slab, minlength=len(s_cl)) < 2  # a piece alone crosses nothing
    rec = np.bincount(cl[r_piece], minlength=n_cl)
    for _ in range(ROUNDS):
        ri = np.flatnonzero(~done[r_slab])
        if not len(ri):
            break
        pi, si = r_piece[ri], r_slab[ri]
        # orders half a unit inside the slab: a pair crossing nearer its edge than that counts as
        # crossed there (its split would round onto the edge) and does not hide the others
        sl = (xb[pi] - xa[pi]) / (yb[pi] - ya[pi])
        xt = xa[pi] + ((s_y0[si] + 0.5) - ya[pi]) * sl
        xbo = xa[pi] + ((s_y1[si] - 0.5) - ya[pi]) * sl
        o = np.lexsort((src[pi], xbo, xt, si))
        so, xto, xbs = si[o], xt[o], xbo[o]
        i = np.flatnonzero((so[1:] == so[:-1]) & (xbs[:-1] > xbs[1:]))
        dt, db, s = xto[i + 1] - xto[i], xbs[i] - xbs[i + 1], so[i]
        yc = s_y0[s] + np.rint(0.5 + dt / (dt + db) * (s_y1[s] - s_y0[s] - 1)).astype(np.int64)
        ok = (yc > s_y0[s]) & (yc < s_y1[s])
        sk = _unique(s[ok] * 512 + (yc[ok] - s_y0[s[ok]]))
        sp_s = sk // 512
        n_split = np.bincount(sp_s, minlength=len(s_cl))
        k_slab = np.bincount(r_slab, minlength=len(s_cl))
        add = np.bincount(s_cl, weights=n_split * k_slab, minlength=n_cl).astype(np.int64)
        allowed = rec + add <= budget
        apply = (n_split > 0) & allowed[s_cl]
        done |= ~apply
        if not apply.any():
            break
        rec += np.where(allowed, add, 0)
        keep = apply[sp_s]
        sp_s, sp_y = sp_s[keep], s_y0[sp_s[keep]] + sk[keep] % 512
        bs, by = np.r_[np.arange(len(s_cl)), sp_s], np.r_[s_y0, sp_y]
        o = np.lexsort((by, bs))
        bs, by = bs[o], by[o]
        last = np.r_[bs[1:] != bs[:-1], True]
        ny1 = np.r_[by[1:], 0]
        ny1[last] = s_y1[bs[last]]
        cnt = np.bincount(bs, minlength=len(s_cl))
        first = np.cumsum(cnt) - cnt
        rc = cnt[r_slab]
        r_piece, r_slab = (np.repeat(r_piece, rc), np.repeat(first[r_slab], rc) + np.arange(int(rc.sum()))
                           - np.repeat(np.cumsum(rc) - rc, rc))
        s_cl, s_y0, s_y1, done = s_cl[bs], by, ny1, done[bs]
    return s_cl, s_y0, s_y1, r_piece, r_slab


def _sweep_slabs(pc: tuple[F64, F64, I64, I64, I64], d: I64, lev: I64, cl: I64, m: I64,
                 slabs: tuple[I64, I64, I64], r_piece: I64, r_slab: I64, alone: I64) -> tuple[I64, I64]:
    """The change each piece makes to the covered level in each of its slabs (``q`` per record):
    every slab's pieces swept along its middle line from the winding numbers its cluster starts
    with (those of the clusters left of it in the strip); and ``q`` of the pieces ``alone`` in
    their cluster (one slab, nothing to sort)."""
    xa, xb, ya, yb, src = pc
    s_cl, s_y0, s_y1 = slabs
    n_cl = int(cl.max()) + 1
    alive = yb > ya
    c_m = np.zeros(n_cl, dtype=np.int64)
    c_m[cl] = m
    strip_start = np.r_[True, c_m[1:] != c_m[:-1]]
    c_first = np.maximum.accumulate(np.where(strip_start, np.arange(n_cl), 0))
    pi, si = r_piece, r_slab
    sl = (xb[pi] - xa[pi]) / (yb[pi] - ya[pi])
    xm = xa[pi] + ((s_y0[si] + s_y1[si]) * 0.5 - ya[pi]) * sl
    o = np.lexsort((src[pi], d[pi] > 0, _xq(np.rint(xm * XQ)), si))
    po, so = pi[o], si[o]
    do, lo_ = d[po], lev[po]
    start = np.r_[True, so[1:] != so[:-1]][: len(so)]
    base_idx = np.maximum.accumulate(np.where(start, np.arange(len(so)), 0))
    after, before = np.zeros(len(so), dtype=np.int64), np.zeros(len(so), dtype=np.int64)
    a_after, a_before = np.zeros(len(alone), dtype=np.int64), np.zeros(len(alone), dtype=np.int64)
    c_o = s_cl[so]
    for lv in np.unique(lev[alive]):
        mine = alive & (lev == lv)
        net = np.rint(np.bincount(cl[mine], weights=(d * (yb - ya))[mine], minlength=n_cl)).astype(np.int64) // STRIP
        cum = np.cumsum(net) - net
        enter = cum - cum[c_first]
        own = np.where(lo_ == lv, do, 0)
        cs = np.cumsum(own)
        w_after = enter[c_o] + cs - (cs[base_idx] - own[base_idx])
        after = np.where(w_after != 0, lv, after)
        before = np.where(w_after - own != 0, lv, before)
        w_alone = enter[cl[alone]]
        a_after = np.where(w_alone + np.where(lev[alone] == lv, d[alone], 0) != 0, lv, a_after)
        a_before = np.where(w_alone != 0, lv, a_before)
    q = np.empty(len(so), dtype=np.int64)
    q[o] = after - before
    return q, a_after - a_before


def _classified(p: Plan, lo: int, hi: int, r0: int) -> tuple[I64, ...] | None:
    """Pieces ``(row, ya, yb, xa, xb, q)`` of the classified shapes in strips ``[lo, hi)`` (y units)."""
    ee = _in_band(p.edge_yt, p.edge_yb, lo, hi)
    de = _in_band(p.disc_cy + p.k0, p.disc_cy - p.k0, lo, hi)
    if not len(ee) and not len(de):
        return None
    e_item, e_m = _expand(p.edge_yt[ee], p.edge_yb[ee], lo, hi, STRIP)
    e = ee[e_item]
    eyt, eyb, ext, esl = p.edge_yt[e], p.edge_yb[e], p.edge_xt[e], p.edge_slope[e]
    ya, yb, xa, xb = _edge_pieces(eyt, eyb, ext, esl, e_m, STRIP)
    ech = p.edge_chain[e]
    d_item, d_m = _expand(p.disc_cy[de] + p.k0, p.disc_cy[de] - p.k0, lo, hi, STRIP)
    di = de[d_item]
    dya, dyb, lxa, lxb, rxa, rxb = _disc_pieces(p, p.disc_cx[di], p.disc_cy[di], d_m, STRIP)
    ne, nd = len(e), len(di)
    m = np.concatenate([e_m, d_m, d_m])
    pya, pyb = np.concatenate([ya, dya, dya]), np.concatenate([yb, dyb, dyb])
    pxa, pxb = np.concatenate([xa, lxa, rxa]), np.concatenate([xb, lxb, rxb])
    d = np.concatenate([p.chain_d[ech], np.ones(nd, dtype=np.int64), -np.ones(nd, dtype=np.int64)])
    lev = np.concatenate([p.chain_level[ech], p.disc_level[di], p.disc_level[di]])
    n_edges = len(p.edge_yt)
    src = np.concatenate([e, n_edges + 2 * di, n_edges + 2 * di + 1])

    d_top = (dya == p.disc_cy[di] + p.k0) & (dya % STRIP != 0)
    d_bot = (dyb == p.disc_cy[di] - p.k0) & (dyb % STRIP != 0)
    lm, l0, l1 = _links(p, ee, lo, hi, (dya[d_top], lxa[d_top], rxa[d_top]), (dyb[d_bot], lxb[d_bot], rxb[d_bot]))
    cl = _clusters(m - lo // STRIP, pxa, pxb, (lm - lo // STRIP, l0, l1))
    top = m * STRIP
    n_cl = int(cl.max()) + 1
    k = np.bincount(cl, minlength=n_cl)
    inner = _unique(np.r_[(cl * 512 + pya - top)[pya > top], (cl * 512 + pyb - top)[pyb < top + STRIP]])
    ev = np.bincount(inner // 512, minlength=n_cl)
    over = k * (ev + 1) > _budget(k)
    snapped = over[cl]
    if snapped.any():  # too many ends in one cluster and strip: ends to the nearest 1/64 px
        pya = np.where(snapped, (pya + SNAP // 2) // SNAP * SNAP, pya)
        pyb = np.where(snapped, (pyb + SNAP // 2) // SNAP * SNAP, pyb)
    alive = pyb > pya
    pc = (pxa, pxb, pya, pyb, src)
    alone = np.flatnonzero(k[cl] == 1)  # most pieces (a cluster of one spans its strip)
    s_cl, s_y0, s_y1, r_piece, r_slab = _slabs(cl, top, pya, pyb, alive & (k[cl] > 1))
    s_cl, s_y0, s_y1, r_piece, r_slab = _refine(pc, cl, k, (s_cl, s_y0, s_y1), r_piece, r_slab)
    q_r, q_alone = _sweep_slabs(pc, d, lev, cl, m, (s_cl, s_y0, s_y1), r_piece, r_slab, alone)

    # runs: a piece's consecutive slabs with one value
    o = np.lexsort((s_y0[r_slab], r_piece))
    rp, ry0, ry1, rq = r_piece[o], s_y0[r_slab[o]], s_y1[r_slab[o]], q_r[o]
    new = np.r_[True, (rp[1:] != rp[:-1]) | (rq[1:] != rq[:-1])][: len(rp)]
    first = np.flatnonzero(new)
    last = np.r_[first[1:], len(rp)][: len(first)] - 1
    run_p, run_q = np.r_[rp[first], alone], np.r_[rq[first], q_alone]
    run_ya, run_yb = np.r_[ry0[first], pya[alone]], np.r_[ry1[last], pyb[alone]]
    n_runs = np.bincount(run_p, minlength=len(m))
    single_q = np.full(len(m), np.iinfo(np.int64).min, dtype=np.int64) + np.arange(len(m))
    one = np.flatnonzero((n_runs == 1) & ~snapped)
    qs = np.zeros(len(m), dtype=np.int64)
    qs[run_p] = run_q
    single_q[one] = qs[one]

    # an edge crossing a whole row with one value in its four strips is one row piece
    e_first, e_keep = _merge_rows(eyt, eyb, e_m, single_q[:ne])
    merged = np.zeros(len(m), dtype=bool)
    merged[:ne] = ~e_keep
    emit = ~merged[run_p]
    run_p, run_q, run_ya, run_yb = run_p[emit], run_q[emit], run_ya[emit], run_yb[emit]
    rxa = _x_at(pxa[run_p], pxb[run_p], pya[run_p], pyb[run_p], run_ya)
    rxb = _x_at(pxa[run_p], pxb[run_p], pya[run_p], pyb[run_p], run_yb)
    e_row = e_m[e_first] // STRIPS
    rya = e_row * YQ
    ryb = rya + YQ
    et, ext_, esl_ = eyt[e_first], ext[e_first], esl[e_first]
    return (np.concatenate([m[run_p] // STRIPS, e_row]) - r0,
            np.concatenate([run_ya, rya]), np.concatenate([run_yb, ryb]),
            np.concatenate([rxa, ext_ + (rya - et) * esl_]), np.concatenate([rxb, ext_ + (ryb - et) * esl_]),
            np.concatenate([run_q, single_q[:ne][e_first]]))


def _merge_rows(yt: I64, yb: I64, m: I64, q: I64) -> tuple[Bool, Bool]:
    """Which strip pieces (of items listed strip by strip, strips ascending) merge into row pieces.

    An item covering a whole row whose four strip pieces carry one value gives one piece for
    that row.  Returns a mask of the first strip piece of each merged row and a mask of the
    strip pieces kept as they are.
    """
    row = m // STRIPS
    n = len(q)
    first = (yt <= row * YQ) & (yb >= (row + 1) * YQ) & (m % STRIPS == 0)
    for k in range(1, STRIPS):
        same = np.zeros(n, dtype=bool)
        same[: n - k] = q[k:] == q[: n - k]
        first &= same
    merged = first.copy()  # and the strip pieces that a merged row starting at a first piece covers
    for k in range(1, STRIPS):
        merged[k:] |= first[: n - k]
    return first, ~merged


def _isolated(p: Plan, lo: int, hi: int, r0: int) -> tuple[I64, ...] | None:
    """Pieces of the isolated shapes, each with its own signed level: edges a whole row at a time,
    discs a strip at a time (an arc is not straight: a row's chord would misplace the area near
    the poles of larger discs)."""
    ee = _in_band(p.iso_yt, p.iso_yb, lo, hi)
    de = _in_band(p.iso_cy + p.k0, p.iso_cy - p.k0, lo, hi)
    if not len(ee) and not len(de):
        return None
    item, m = _expand(p.iso_yt[ee], p.iso_yb[ee], lo, hi, YQ)
    e = ee[item]
    ya, yb, xa, xb = _edge_pieces(p.iso_yt[e], p.iso_yb[e], p.iso_xt[e], p.iso_slope[e], m, YQ)
    ditem, dm = _expand(p.iso_cy[de] + p.k0, p.iso_cy[de] - p.k0, lo, hi, STRIP)
    d = de[ditem]
    dya, dyb, lxa, lxb, rxa, rxb = _disc_pieces(p, p.iso_cx[d], p.iso_cy[d], dm, STRIP)
    lev = p.iso_level[d]
    rows = np.concatenate([m, dm // STRIPS, dm // STRIPS]) - r0
    return (rows, np.concatenate([ya, dya, dya]), np.concatenate([yb, dyb, dyb]),
            np.concatenate([xa, lxa, rxa]), np.concatenate([xb, lxb, rxb]),
            np.concatenate([p.iso_q[e], lev, -lev]))



def integral_rows(p: Plan) -> Iterator[tuple[int, I64]]:
    """Band by band: ``(r0, integrals)``, each pixel's integral of the level (units of
    :data:`~maskrender.draw.accumulate.FULL`) for rows ``r0 ..``."""
    w = p.width
    for r0, r1 in bands(p):
        lo, hi = r0 * YQ, r1 * YQ
        parts = [x for x in (_isolated(p, lo, hi, r0), _classified(p, lo, hi, r0)) if x is not None]
        if not parts or w <= 0:
            yield r0, np.zeros((r1 - r0, max(w, 0)), dtype=np.int64)
            continue
        row, ya, yb, xa, xb, q = (np.concatenate(c) for c in zip(*parts, strict=True))
        nz = q != 0
        rows, cols, vals = contributions(row[nz], ya[nz], yb[nz], xa[nz], xb[nz], q[nz], w)
        yield r0, tiled(rows, cols, vals, w, r1 - r0)


def _render(p: Plan, convert: Callable[[I64], npt.NDArray[Any]], dtype: type) -> npt.NDArray[Any]:
    out: npt.NDArray[Any] = np.zeros((max(p.height, 0), max(p.width, 0)), dtype=dtype)
    for r0, block in integral_rows(p):
        out[r0:r0 + len(block)] = convert(block)
    return out


def alpha(p: Plan, opacity: float) -> npt.NDArray[np.uint8]:
    """8-bit alpha ``round(opacity x integral of the level over each pixel)`` (see the module)."""
    out: npt.NDArray[np.uint8] = _render(p, lambda v: to_alpha(v, opacity), np.uint8)
    return out


def coverage(p: Plan) -> npt.NDArray[np.float32]:
    """Coverage 0..1 (float32) for shapes of level 255."""
    out: npt.NDArray[np.float32] = _render(p, to_coverage, np.float32)
    return out
