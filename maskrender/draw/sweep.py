"""The rasteriser, in numpy: a mask's shapes to every pixel's exact integral of the winning level.

Each pixel row is cut into :data:`STRIPS` horizontal strips.  Within a strip every boundary is
a *piece* whose exact area contribution is accumulated (:mod:`maskrender.draw.accumulate`):
coverage is exact in both axes, not sampled.  What a piece contributes comes from the
strip's centre line, where the union is decided exactly:

1. every monotone chain (:mod:`maskrender.draw.plan`) or disc side that crosses the centre
   line is a *crossing*; crossings are sorted along the line and swept, keeping per level
   the winding number; the covered level at any x is the largest level whose winding is not
   zero (non-zero rule, largest intensity wins), and each crossing gets the change it makes
   to that level (``v``, often 0: a boundary inside another shape counts for nothing);
2. a chain (or disc side) in the strip that misses the centre line (near a top or bottom of
   an outline) carries its own level above the one the centre line has at its end;
3. where the chains that meet at turns inside a strip carry values that do not balance (a cap
   of one shape partly covered by another), the difference is carried on by a vertical
   *extension* from the turn until the books of its cluster of overlapping turns balance
   again, or to the strip's edge: every line of every strip sums to zero, so nothing leaks
   to the right of a shape, and one place's imbalance is never paid back by another's.

Shapes that meet no other shape skip all this (their winding is 0 or 1 everywhere) and are
accumulated directly, a whole row at a time.  A shape alone is therefore exact (up to 1/1024
px); where shapes overlap, the union is exact along every centre line and off by at most a
thin sliver inside a strip (a quarter of a pixel tall) where two outlines turn.

Rows are processed in bands holding a bounded number of pieces, so memory stays bounded for
any input and the cost is linear in the total height of the edges.

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
HALF = STRIP // 2
XQ = 4096
"""Resolution of the crossings' sort key (1/4096 px)."""
XSPAN = 1 << 44
"""Sort keys order x from ``-XSPAN / 2 / XQ`` to ``XSPAN / 2 / XQ`` pixels (+-2 billion): geometry
reaching further is clipped to the box first (:data:`maskrender.draw.shapes.FAR`).  Crossings
outside the box are ordered by their true x too: a near-horizontal piece may reach into the box
from a crossing far outside it."""


def _xkey(x: F64) -> I64:
    out: I64 = np.clip(np.rint(x * XQ) + XSPAN // 2, 0, XSPAN - 1).astype(np.int64)
    return out

BAND_PIECES = 250_000
"""About this many pieces are made, used and dropped at a time (memory stays that of a band)."""

BAND_PIXELS = 1 << 19
"""At most this many pixels per band (rows x box width; at least 8 rows): the band's per-pixel
integrals are int64, so a band of a large box stays a few MB."""


def _ceil_div(a: Any, b: int) -> Any:
    return -((-a) // b)


# ---------------------------------------------------------------------------------------------
# bands
# ---------------------------------------------------------------------------------------------


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
        r1 = np.clip(_ceil_div(yb, YQ), 0, h)
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


# ---------------------------------------------------------------------------------------------
# pieces
# ---------------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------------
# classification along the centre lines
# ---------------------------------------------------------------------------------------------


def _sweep(group: I64, x: F64, d: I64, level: I64, levels: I64, w: int) -> tuple[I64, I64, I64, I64]:
    """Sweep crossings along lines (one line per ``group``), left to right.

    Returns, in the input order, the covered level after each crossing and the change it makes
    (``v``); and the sorted keys with the covered level after each sorted crossing (to look up
    the level on a line at any x).  The covered level is the largest level whose winding number
    is not zero.
    """
    key = (group * XSPAN + _xkey(x)) * 2 + (d > 0)
    order = np.argsort(key, kind="stable")
    ds = d[order]
    if len(levels) == 1:
        after = (np.cumsum(ds) != 0) * levels[0]
    else:
        ls = level[order]
        after = np.zeros(len(ds), dtype=np.int64)
        for lv in levels:
            winding = np.cumsum(np.where(ls == lv, ds, 0))
            after = np.where(winding != 0, lv, after)
    v_sorted = np.diff(after, prepend=0)
    v = np.empty_like(v_sorted)
    v[order] = v_sorted
    after_in = np.empty_like(after)
    after_in[order] = after
    return after_in, v, key[order], after


def _level_at(keys: I64, after: I64, m: I64, x: F64, w: int) -> I64:
    """The covered level on strip ``m``'s centre line at ``x`` (after crossings at that x)."""
    key = (m * XSPAN + _xkey(x)) * 2 + 1
    pos = np.searchsorted(keys, key, side="right") - 1
    ok = pos >= 0
    pos = np.maximum(pos, 0)
    same = ok & (keys[pos] // (2 * XSPAN) == m) if len(keys) else np.zeros(len(m), dtype=bool)
    out: I64 = np.where(same, after[pos] if len(keys) else 0, 0)
    return out


def _extensions(m: I64, y: I64, x: F64, top: Bool, dr_parts: I64, xlo: F64, xhi: F64
                ) -> tuple[I64, I64, I64, F64, I64]:
    """Vertical extensions balancing each strip's books after turns (see the module).

    ``dr_parts`` is ``q_a + q_b`` of the two chains at each turn, ``[xlo, xhi]`` the x range of
    their pieces in the strip.  Turns of one half strip whose ranges overlap form a cluster
    (they may balance one another: a stroke's two end caps through its straight edge); within a
    cluster, moving out from the centre line, an imbalance is carried on at its turn's x until
    the cluster's books balance again, or to the strip's edge.  Clusters never pay back one
    another.  Returns pieces ``(m, ya, yb, x, q)``.
    """
    yc = m * STRIP + HALF
    upper = (y < yc) | ((y == yc) & ~top)  # a turn on the line: its chains are on one side
    toward = np.where(upper, top, ~top)  # the chains run from the turn to the centre line
    dr = np.where(toward, -dr_parts, dr_parts)
    if not (dr != 0).any():
        e = np.empty(0, dtype=np.int64)
        return e, e, e, np.empty(0), e
    half = m * 2 + upper
    lo_q = np.floor(xlo * XQ).astype(np.int64) + XSPAN // 2
    hi_q = np.ceil(xhi * XQ).astype(np.int64) + XSPAN // 2
    order = np.lexsort((lo_q, half))
    reach = np.maximum.accumulate(half[order] * XSPAN + hi_q[order])
    starts = np.r_[True, half[order][1:] * XSPAN + lo_q[order][1:] >= reach[:-1]]
    cluster = np.empty(len(m), dtype=np.int64)
    cluster[order] = np.cumsum(starts) - 1
    sel = np.flatnonzero(dr != 0)
    m, y, x, upper, dr, yc, cluster = m[sel], y[sel], x[sel], upper[sel], dr[sel], yc[sel], cluster[sel]
    dist = np.abs(y - yc)
    order = np.lexsort((dist, cluster))
    m, y, upper, dr, dist, cluster = m[order], y[order], upper[order], dr[order], dist[order], cluster[order]
    x = x[order]
    n = len(dr)
    new_group = np.r_[True, cluster[1:] != cluster[:-1]]
    run_end = np.r_[(cluster[1:] != cluster[:-1]) | (dist[1:] != dist[:-1]), True]
    csum = np.cumsum(dr)
    base = np.maximum.accumulate(np.where(new_group, np.arange(n), 0))
    balance = csum - (csum[base] - dr[base])  # running books within the cluster
    run_id = np.cumsum(np.r_[True, run_end[:-1]]) - 1
    run_last = np.flatnonzero(run_end)
    zero_run = balance[run_last] == 0
    big = np.iinfo(np.int64).max
    nxt = np.minimum.accumulate(np.where(zero_run, np.arange(len(run_last)), big)[::-1])[::-1]
    close_run = nxt[run_id]
    close_at = run_last[np.minimum(close_run, len(run_last) - 1)]
    closes = (close_run != big) & (cluster[close_at] == cluster)
    y_close = np.where(closes, y[close_at], np.where(upper, m * STRIP, (m + 1) * STRIP))
    ya = np.minimum(y, y_close)
    yb = np.maximum(y, y_close)
    keep = yb > ya
    return m[keep], ya[keep], yb[keep], x[keep], -dr[keep]


def _classified(p: Plan, lo: int, hi: int, r0: int) -> tuple[I64, ...] | None:
    """Pieces ``(row, ya, yb, xa, xb, q)`` of the classified shapes in strips ``[lo, hi)`` (y units)."""
    w = p.width
    s0 = lo // STRIP
    # polygon chains in the band and their passages (chain, strip)
    ce = _in_band(p.chain_ymin, p.chain_ymax, lo, hi)
    cms = np.maximum(p.chain_ymin[ce] // STRIP, s0)
    cme = np.minimum((p.chain_ymax[ce] - 1) // STRIP, hi // STRIP - 1)
    cn = np.maximum(cme - cms + 1, 0)
    coff = np.cumsum(cn) - cn
    n_cpass = int(cn.sum())
    local = np.full(len(p.chain_d), -1, dtype=np.int64)
    local[ce] = np.arange(len(ce))
    # disc passages: two per disc and strip
    de = _in_band(p.disc_cy + p.k0, p.disc_cy - p.k0, lo, hi)
    if not len(ce) and not len(de):
        return None
    dcx, dcy, dlev = p.disc_cx[de], p.disc_cy[de], p.disc_level[de]
    dms = np.maximum((dcy + p.k0) // STRIP, s0)
    dme = np.minimum((dcy - p.k0 - 1) // STRIP, hi // STRIP - 1)
    dn = np.maximum(dme - dms + 1, 0)
    doff = n_cpass + 2 * (np.cumsum(dn) - dn)
    n_pass = n_cpass + 2 * int(dn.sum())

    pass_m = np.empty(n_pass, dtype=np.int64)
    pass_d = np.empty(n_pass, dtype=np.int64)
    pass_level = np.empty(n_pass, dtype=np.int64)
    pass_cc = np.zeros(n_pass, dtype=bool)
    pass_x = np.zeros(n_pass)  # crossing x (CC) or reference x (not CC)
    pass_ymax = np.empty(n_pass, dtype=np.int64)  # the bottom of the outline the passage is on
    # chain passages
    c_of = np.repeat(ce, cn)
    pm = np.arange(n_cpass) - np.repeat(coff, cn) + np.repeat(cms, cn)
    pass_m[:n_cpass] = pm
    pass_d[:n_cpass] = p.chain_d[c_of]
    pass_level[:n_cpass] = p.chain_level[c_of]
    ymin, ymax = p.chain_ymin[c_of], p.chain_ymax[c_of]
    pass_ymax[:n_cpass] = ymax
    yc = pm * STRIP + HALF
    cc = (ymin < yc) & (yc < ymax)  # an outline that only touches the line (a turn on it) is a cap
    pass_cc[:n_cpass] = cc
    # edge pieces; the one containing its strip's centre gives its chain's crossing
    ee = _in_band(p.edge_yt, p.edge_yb, lo, hi)
    e_item, e_m = _expand(p.edge_yt[ee], p.edge_yb[ee], lo, hi, STRIP)
    e = ee[e_item]
    eyt, eyb, ext, esl = p.edge_yt[e], p.edge_yb[e], p.edge_xt[e], p.edge_slope[e]
    ya, yb, xa, xb = _edge_pieces(eyt, eyb, ext, esl, e_m, STRIP)
    lc = local[p.edge_chain[e]]
    e_pass = coff[lc] + e_m - cms[lc]
    eyc = e_m * STRIP + HALF
    e_cc = (eyt <= eyc) & (eyc < eyb)
    pass_x[e_pass[e_cc]] = (ext + (eyc - eyt) * esl)[e_cc]
    # disc passages and pieces
    d_item, d_m = _expand(dcy + p.k0, dcy - p.k0, lo, hi, STRIP)
    d_pass = doff[d_item] + 2 * (d_m - dms[d_item])
    dyc = d_m * STRIP + HALF
    d_top, d_bot = dcy[d_item] + p.k0, dcy[d_item] - p.k0
    d_cc = (d_top < dyc) & (dyc < d_bot)
    half_c = p.half[p.disc_slot(np.clip(dyc - d_top, 0, -2 * p.k0))] if len(p.half) else np.zeros(len(d_m))
    dx = dcx[d_item]
    for side, sign in ((0, 1), (1, -1)):
        idx = d_pass + side
        pass_m[idx] = d_m
        pass_d[idx] = sign
        pass_level[idx] = dlev[d_item]
        pass_cc[idx] = d_cc
        pass_ymax[idx] = d_bot
        pass_x[idx] = dx - sign * half_c

    dya, dyb, lxa, lxb, rxa, rxb = _disc_pieces(p, dx, dcy[d_item], d_m, STRIP)
    # a cap's place on its line: the middle of the x range its pieces span
    caps = np.flatnonzero(~pass_cc)
    if len(caps):
        owner = np.concatenate([e_pass, d_pass, d_pass + 1])
        sel = np.flatnonzero(~pass_cc[owner])
        lo_x = np.concatenate([np.minimum(xa, xb), np.minimum(lxa, lxb), np.minimum(rxa, rxb)])[sel]
        hi_x = np.concatenate([np.maximum(xa, xb), np.maximum(lxa, lxb), np.maximum(rxa, rxb)])[sel]
        xmin = np.full(n_pass, np.inf)
        xmax = np.full(n_pass, -np.inf)
        np.minimum.at(xmin, owner[sel], lo_x)
        np.maximum.at(xmax, owner[sel], hi_x)
        pass_x[caps] = (xmin[caps] + xmax[caps]) * 0.5

    # sweep the crossings, then give the others their level above the centre line's
    cc_idx = np.flatnonzero(pass_cc)
    q = np.zeros(n_pass, dtype=np.int64)
    _, v, keys, after = _sweep(pass_m[cc_idx] - s0, pass_x[cc_idx], pass_d[cc_idx], pass_level[cc_idx],
                               p.levels, w)
    q[cc_idx] = v
    if len(caps):
        # caps (passages missing the centre line) are swept among themselves, per half strip, over
        # the level the centre line has where each one is
        under = _level_at(keys, after, pass_m[caps] - s0, pass_x[caps], w)
        upper = (pass_ymax[caps] <= pass_m[caps] * STRIP + HALF).astype(np.int64)
        c_after, c_v, _, _ = _sweep((pass_m[caps] - s0) * 2 + upper, pass_x[caps], pass_d[caps],
                                    pass_level[caps], p.levels, w)
        q[caps] = np.maximum(under, c_after) - np.maximum(under, c_after - c_v)

    # turns inside the band's strips: chain turns and disc tops and bottoms, with their two passages
    t = np.flatnonzero((p.turn_y >= lo) & (p.turn_y < hi) & (p.turn_y % STRIP != 0))
    tm = p.turn_y[t] // STRIP
    la, lb = local[p.turn_a[t]], local[p.turn_b[t]]
    pa, ty, tx, ttop, tms = [coff[la] + tm - cms[la]], [p.turn_y[t]], [p.turn_x[t]], [p.turn_top[t]], [tm]
    pb = [coff[lb] + tm - cms[lb]]
    for yy, is_top in ((dcy + p.k0, True), (dcy - p.k0, False)):
        inside = np.flatnonzero((yy >= lo) & (yy < hi) & (yy % STRIP != 0))
        mm = yy[inside] // STRIP
        base = doff[inside] + 2 * (mm - dms[inside])
        tms.append(mm)
        ty.append(yy[inside])
        tx.append(dcx[inside])
        ttop.append(np.full(len(inside), is_top))
        pa.append(base)
        pb.append(base + 1)
    ev_a, ev_b = np.concatenate(pa), np.concatenate(pb)
    ev_lo, ev_hi = _passage_ranges(n_pass, ev_a, ev_b, (e_pass, xa, xb), (d_pass, lxa, lxb), (d_pass + 1, rxa, rxb))
    xm, xya, xyb, xx, xq = _extensions(np.concatenate(tms), np.concatenate(ty), np.concatenate(tx),
                                       np.concatenate(ttop), q[ev_a] + q[ev_b], ev_lo, ev_hi)

    # pieces: an edge crossing a whole row with one value in its four strips is one row piece (exact
    # for a straight edge); discs keep their strip pieces (an arc is not straight)
    qe = q[e_pass]
    e_first, e_keep = _merge_rows(eyt, eyb, e_m, qe)
    e_row = e_m[e_first] // STRIPS
    rya = e_row * YQ
    ryb = rya + YQ
    et, ext_, esl_ = eyt[e_first], ext[e_first], esl[e_first]
    rows = np.concatenate([e_m[e_keep] // STRIPS, e_row, d_m // STRIPS, d_m // STRIPS, xm // STRIPS]) - r0
    return (rows,
            np.concatenate([ya[e_keep], rya, dya, dya, xya]),
            np.concatenate([yb[e_keep], ryb, dyb, dyb, xyb]),
            np.concatenate([xa[e_keep], ext_ + (rya - et) * esl_, lxa, rxa, xx]),
            np.concatenate([xb[e_keep], ext_ + (ryb - et) * esl_, lxb, rxb, xx]),
            np.concatenate([qe[e_keep], qe[e_first], q[d_pass], q[d_pass + 1], xq]))


def _passage_ranges(n_pass: int, a: I64, b: I64, *pieces: tuple[I64, F64, F64]) -> tuple[F64, F64]:
    """The x range spanned by the pieces of passages ``a`` and ``b`` together, per pair."""
    want = np.zeros(n_pass, dtype=bool)
    want[a] = True
    want[b] = True
    xmin = np.full(n_pass, np.inf)
    xmax = np.full(n_pass, -np.inf)
    for owner, xa, xb in pieces:
        sel = np.flatnonzero(want[owner])
        np.minimum.at(xmin, owner[sel], np.minimum(xa[sel], xb[sel]))
        np.maximum.at(xmax, owner[sel], np.maximum(xa[sel], xb[sel]))
    return np.minimum(xmin[a], xmin[b]), np.maximum(xmax[a], xmax[b])


def _unmerged(first: Bool) -> Bool:
    """The strip pieces not covered by a merged row that starts at a ``first`` piece."""
    n = len(first)
    merged = first.copy()
    for k in range(1, STRIPS):
        merged[k:] |= first[: n - k]
    out: Bool = ~merged
    return out


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
    return first, _unmerged(first)


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


# ---------------------------------------------------------------------------------------------
# entry points
# ---------------------------------------------------------------------------------------------


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
