"""The rasteriser's compiled back-end: the same arithmetic as :mod:`maskrender.draw.sweep`, in loops.

Optional (``pip install "maskrender[accel]"`` installs numba); importing this module fails
without numba and :mod:`maskrender.draw.raster` then uses numpy.  Every value is computed
with the same floating-point operations in the same order as the numpy back-end and summed
as integers, so both give byte-identical pictures (the tests check it on generated
workloads).  What changes is the cost: no temporary arrays, the pieces of a band are made
twice (once to classify, once to accumulate) instead of stored, and the accumulation is a
dense row buffer.  Kernels release the GIL and are cached on disk after their first compile.

>>> import shapely
>>> from maskrender.draw.plan import plan
>>> from maskrender.draw.shapes import from_geometries
>>> from maskrender.draw import sweep
>>> p = plan(from_geometries(polygons=[shapely.box(0.3, 0.3, 2.6, 1.9)], levels=[255], size=(3, 2)))
>>> alpha(p, 1.0).tolist() == sweep.alpha(p, 1.0).tolist()
True
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np
import numpy.typing as npt

from maskrender.draw.accumulate import ALPHA_SHIFT, FQ, FULL, alpha_factor
from maskrender.draw.kernels_sort import _centre_lines, _grouped_argsort, _key, _sweep, blend_rgb
from maskrender.draw.plan import Plan
from maskrender.draw.shapes import YQ
from maskrender.draw.sweep import HALF, STRIP, XQ, XSPAN, bands

__all__ = ["alpha", "blend_rgb", "coverage"]

_jit = numba.njit(cache=True, nogil=True)


@_jit
def _add_piece(buf: Any, row: int, ya: int, yb: int, xa: float, xb: float, q: int, w: int) -> None:
    """Add one piece's contributions to ``buf`` (see :func:`maskrender.draw.accumulate.contributions`)."""
    if q == 0:
        return
    lo = np.floor(min(xa, xb))
    hi = np.floor(max(xa, xb))
    if lo >= w:
        return
    first = max(lo + 1, 0.0)
    last = min(hi, float(w))
    n_split = np.int64(max(last - first + 1, 0.0))
    rising = xb >= xa
    dy = float(yb - ya)
    span = xb - xa
    dyx = dy / span if span != 0 else 0.0
    for k in range(n_split + 1):
        if rising:
            b_in = first + k - 1
            b_out = first + k
        else:
            b_in = last - k + 1
            b_out = last - k
        xs = xa if k == 0 else b_in
        xe = xb if k == n_split else b_out
        ys = ya if k == 0 else min(max(ya + np.int64(np.rint((xs - xa) * dyx)), ya), yb)
        ye = yb if k == n_split else min(max(ya + np.int64(np.rint((xe - xa) * dyx)), ya), yb)
        height = ye - ys
        col = np.int64(np.floor(min(xs, xe)))
        mid = (xs + xe) * 0.5 - col
        if col < 0:
            col = 0
            mid = 0.0
        if col >= w or height == 0:
            continue
        right = np.int64(np.rint(height * mid * FQ))
        buf[row, col] += q * (height * FQ - right)
        nxt = q * right
        if col + 1 < w and nxt != 0:
            buf[row, col + 1] += nxt
        if col < buf[row, w]:
            buf[row, w] = col
        if col + 2 > buf[row, w + 1]:
            buf[row, w + 1] = min(col + 2, w)


@_jit
def _disc_piece(cx: float, cy: int, m: int, strip: int, k0: int, half: Any, above: Any
                ) -> tuple[int, int, float, float, float, float]:
    top = cy + k0
    ya = max(top, m * strip)
    yb = min(cy - k0, (m + 1) * strip)
    ka = ya - top
    kb = yb - top
    area = above[kb] - above[ka]
    wa = half[ka]
    wb = half[kb]
    dy = (yb - ya) / YQ
    delta = (area - dy * (wa + wb)) / (2.0 * dy)
    return ya, yb, cx - wa - delta, cx - wb - delta, cx + wa + delta, cx + wb + delta


@_jit
def _level_at(keys: Any, after: Any, m: int, x: float, w: int) -> int:
    xk = w * XQ + 2
    key = _key(m, x, 1, xk)
    pos = np.searchsorted(keys, key, side="right") - 1
    if pos < 0 or keys[pos] // (2 * XSPAN) != m:
        return 0
    return int(after[pos])


@_jit
def _extend(buf: Any, r0: int, ev_m: Any, ev_y: Any, ev_x: Any, ev_top: Any, ev_sum: Any, ev_lo: Any, ev_hi: Any,
            w: int) -> None:
    """Accumulate the balancing extensions of the turns (see :func:`maskrender.draw.sweep._extensions`)."""
    n = len(ev_m)
    if n == 0:
        return
    dr = np.empty(n, np.int64)
    half = np.empty(n, np.int64)
    dist = np.empty(n, np.int64)
    lo_key = np.empty(n, np.int64)
    hi_key = np.empty(n, np.int64)
    any_dr = False
    for i in range(n):
        yc = ev_m[i] * STRIP + HALF
        upper = ev_y[i] < yc or (ev_y[i] == yc and not ev_top[i])
        toward = ev_top[i] if upper else not ev_top[i]
        dr[i] = -ev_sum[i] if toward else ev_sum[i]
        any_dr = any_dr or dr[i] != 0
        half[i] = ev_m[i] * 2 + (1 if upper else 0)
        dist[i] = abs(ev_y[i] - yc)
        lo_key[i] = half[i] * XSPAN + np.int64(np.floor(ev_lo[i] * XQ)) + XSPAN // 2
        hi_key[i] = half[i] * XSPAN + np.int64(np.ceil(ev_hi[i] * XQ)) + XSPAN // 2
    if not any_dr:
        return
    h0 = half.min()
    order = _grouped_argsort(half - h0, lo_key)
    cluster = np.empty(n, np.int64)
    c = -1
    reach = np.int64(-1)
    for t in range(n):
        i = order[t]
        if t == 0 or lo_key[i] >= reach:
            c += 1
        reach = hi_key[i] if t == 0 or lo_key[i] >= reach else max(reach, hi_key[i])
        cluster[i] = c
    sel = np.flatnonzero(dr != 0)
    key = cluster[sel] * (4 * STRIP) + dist[sel]
    order = sel[np.argsort(key, kind="mergesort")]
    ns = len(order)
    start = 0
    while start < ns:
        g = cluster[order[start]]
        end = start
        while end < ns and cluster[order[end]] == g:
            end += 1
        # one cluster: runs of equal distance; open extensions close when its books balance
        balance = 0
        open_from = start
        k = start
        while k < end:
            run_end = k
            while run_end < end and dist[order[run_end]] == dist[order[k]]:
                balance += dr[order[run_end]]
                run_end += 1
            if balance == 0:
                y_close = ev_y[order[k]]
                for t in range(open_from, run_end):
                    i = order[t]
                    ya = min(ev_y[i], y_close)
                    yb = max(ev_y[i], y_close)
                    if yb > ya:
                        _add_piece(buf, ev_m[i] // (YQ // STRIP) - r0, ya, yb, ev_x[i], ev_x[i], -dr[i], w)
                open_from = run_end
            k = run_end
        for t in range(open_from, end):
            i = order[t]
            m = ev_m[i]
            upper = half[i] % 2 == 1
            y_close = m * STRIP if upper else (m + 1) * STRIP
            ya = min(ev_y[i], y_close)
            yb = max(ev_y[i], y_close)
            if yb > ya:
                _add_piece(buf, m // (YQ // STRIP) - r0, ya, yb, ev_x[i], ev_x[i], -dr[i], w)
        start = end


@_jit
def _isolated(buf: Any, lo: int, hi: int, r0: int, w: int, yt: Any, yb: Any, xt: Any, slope: Any, eq: Any,
              cx: Any, cy: Any, lev: Any, k0: int, half: Any, above: Any) -> None:
    for e in range(len(yt)):
        if yb[e] <= lo or yt[e] >= hi:
            continue
        ms = max(yt[e] // YQ, lo // YQ)
        me = min((yb[e] - 1) // YQ, hi // YQ - 1)
        for m in range(ms, me + 1):
            ya = max(yt[e], m * YQ)
            yb2 = min(yb[e], (m + 1) * YQ)
            _add_piece(buf, m - r0, ya, yb2, xt[e] + (ya - yt[e]) * slope[e], xt[e] + (yb2 - yt[e]) * slope[e],
                       eq[e], w)
    for i in range(len(cx)):
        top = cy[i] + k0
        bot = cy[i] - k0
        if bot <= lo or top >= hi:
            continue
        ms = max(top // STRIP, lo // STRIP)
        me = min((bot - 1) // STRIP, hi // STRIP - 1)
        for m in range(ms, me + 1):
            ya, yb2, lxa, lxb, rxa, rxb = _disc_piece(cx[i], cy[i], m, STRIP, k0, half, above)
            row = m // (YQ // STRIP) - r0
            _add_piece(buf, row, ya, yb2, lxa, lxb, lev[i], w)
            _add_piece(buf, row, ya, yb2, rxa, rxb, -lev[i], w)


@_jit
def _classified(buf: Any, lo: int, hi: int, r0: int, w: int, levels: Any,
                ch_ymin: Any, ch_ymax: Any, ch_d: Any, ch_level: Any,
                e_yt: Any, e_yb: Any, e_xt: Any, e_sl: Any, e_ch: Any,
                t_a: Any, t_b: Any, t_y: Any, t_x: Any, t_top: Any,
                d_cx: Any, d_cy: Any, d_lev: Any, k0: int, half: Any, above: Any) -> None:
    s0 = lo // STRIP
    s1 = hi // STRIP
    rows_per = YQ // STRIP
    # chains in the band and their passages (chain, strip)
    local = np.full(len(ch_ymin), -1, np.int64)
    ce = np.flatnonzero((ch_ymax > lo) & (ch_ymin < hi))
    nce = len(ce)
    cms = np.empty(nce, np.int64)
    coff = np.empty(nce, np.int64)
    n_pass = 0
    for j in range(nce):
        c = ce[j]
        local[c] = j
        cms[j] = max(ch_ymin[c] // STRIP, s0)
        cme = min((ch_ymax[c] - 1) // STRIP, s1 - 1)
        coff[j] = n_pass
        n_pass += max(cme - cms[j] + 1, 0)
    de = np.flatnonzero((d_cy - k0 > lo) & (d_cy + k0 < hi))
    nde = len(de)
    dms = np.empty(nde, np.int64)
    doff = np.empty(nde, np.int64)
    for j in range(nde):
        i = de[j]
        dms[j] = max((d_cy[i] + k0) // STRIP, s0)
        dme = min((d_cy[i] - k0 - 1) // STRIP, s1 - 1)
        doff[j] = n_pass
        n_pass += 2 * max(dme - dms[j] + 1, 0)
    if n_pass == 0:
        return
    p_m = np.empty(n_pass, np.int64)
    p_owner = np.empty(n_pass, np.int64)  # chain j >= 0, disc j side s: -(2 j + s) - 1
    p_d = np.empty(n_pass, np.int64)
    p_lev = np.empty(n_pass, np.int64)
    p_cc = np.zeros(n_pass, np.bool_)
    p_x = np.zeros(n_pass)
    p_ymax = np.empty(n_pass, np.int64)
    p_xmin = np.full(n_pass, np.inf)
    p_xmax = np.full(n_pass, -np.inf)
    for j in range(nce):
        c = ce[j]
        cme = min((ch_ymax[c] - 1) // STRIP, s1 - 1)
        for m in range(cms[j], cme + 1):
            i = coff[j] + m - cms[j]
            yc = m * STRIP + HALF
            p_m[i] = m
            p_owner[i] = j
            p_d[i] = ch_d[c]
            p_lev[i] = ch_level[c]
            p_ymax[i] = ch_ymax[c]
            p_cc[i] = ch_ymin[c] < yc and yc < ch_ymax[c]
    ee = np.flatnonzero((e_yb > lo) & (e_yt < hi))
    for e in ee:
        lc = local[e_ch[e]]
        ms = max(e_yt[e] // STRIP, s0)
        me = min((e_yb[e] - 1) // STRIP, s1 - 1)
        for m in range(ms, me + 1):
            i = coff[lc] + m - cms[lc]
            yc = m * STRIP + HALF
            if e_yt[e] <= yc and yc < e_yb[e]:
                p_x[i] = e_xt[e] + (yc - e_yt[e]) * e_sl[e]
            ya = max(e_yt[e], m * STRIP)
            yb = min(e_yb[e], (m + 1) * STRIP)
            xa = e_xt[e] + (ya - e_yt[e]) * e_sl[e]
            xb = e_xt[e] + (yb - e_yt[e]) * e_sl[e]
            p_xmin[i] = min(p_xmin[i], min(xa, xb))
            p_xmax[i] = max(p_xmax[i], max(xa, xb))
    for j in range(nde):
        di = de[j]
        top = d_cy[di] + k0
        bot = d_cy[di] - k0
        dme = min((bot - 1) // STRIP, s1 - 1)
        for m in range(dms[j], dme + 1):
            base = doff[j] + 2 * (m - dms[j])
            yc = m * STRIP + HALF
            cc = top < yc and yc < bot
            half_c = half[min(max(yc - top, 0), len(half) - 1)]
            _, _, lxa, lxb, rxa, rxb = _disc_piece(d_cx[di], d_cy[di], m, STRIP, k0, half, above)
            for side in range(2):
                sign = 1 if side == 0 else -1
                i = base + side
                p_m[i] = m
                p_owner[i] = -(2 * j + side) - 1
                p_d[i] = sign
                p_lev[i] = d_lev[di]
                p_cc[i] = cc
                p_ymax[i] = bot
                p_x[i] = d_cx[di] - sign * half_c
                xa, xb = (lxa, lxb) if side == 0 else (rxa, rxb)
                p_xmin[i] = min(p_xmin[i], min(xa, xb))
                p_xmax[i] = max(p_xmax[i], max(xa, xb))
    # classification: the crossings of each centre line, kept sorted from one strip to the next
    q = np.zeros(n_pass, np.int64)
    keys, after = _centre_lines(p_cc, p_owner, p_m, p_x, p_d, p_lev, levels, w, s0, s1, q)
    caps = np.flatnonzero(~p_cc)
    if len(caps):
        nc = len(caps)
        under = np.empty(nc, np.int64)
        grp = np.empty(nc, np.int64)
        cx_ = np.empty(nc)
        for k in range(nc):
            i = caps[k]
            cx_[k] = (p_xmin[i] + p_xmax[i]) * 0.5
            under[k] = _level_at(keys, after, p_m[i] - s0, cx_[k], w)
            grp[k] = (p_m[i] - s0) * 2 + (1 if p_ymax[i] <= p_m[i] * STRIP + HALF else 0)
        c_after, c_v, _, _ = _sweep(grp, cx_, p_d[caps], p_lev[caps], levels, w)
        for k in range(nc):
            q[caps[k]] = max(under[k], c_after[k]) - max(under[k], c_after[k] - c_v[k])
    # turns: chains', then disc tops and bottoms
    tsel = np.flatnonzero((t_y >= lo) & (t_y < hi) & (t_y % STRIP != 0))
    n_ev = len(tsel)
    for j in range(nde):
        for yy in (d_cy[de[j]] + k0, d_cy[de[j]] - k0):
            if yy >= lo and yy < hi and yy % STRIP != 0:
                n_ev += 1
    ev_m = np.empty(n_ev, np.int64)
    ev_y = np.empty(n_ev, np.int64)
    ev_x = np.empty(n_ev)
    ev_top = np.empty(n_ev, np.bool_)
    ev_sum = np.empty(n_ev, np.int64)
    ev_lo = np.empty(n_ev)
    ev_hi = np.empty(n_ev)
    k = 0
    for t in tsel:
        tm = t_y[t] // STRIP
        la = local[t_a[t]]
        lb = local[t_b[t]]
        ev_m[k] = tm
        ev_y[k] = t_y[t]
        ev_x[k] = t_x[t]
        ev_top[k] = t_top[t]
        ia = coff[la] + tm - cms[la]
        ib = coff[lb] + tm - cms[lb]
        ev_sum[k] = q[ia] + q[ib]
        ev_lo[k] = min(p_xmin[ia], p_xmin[ib])
        ev_hi[k] = max(p_xmax[ia], p_xmax[ib])
        k += 1
    for j in range(nde):
        di = de[j]
        for is_top in (True, False):
            yy = d_cy[di] + k0 if is_top else d_cy[di] - k0
            if yy >= lo and yy < hi and yy % STRIP != 0:
                mm = yy // STRIP
                base = doff[j] + 2 * (mm - dms[j])
                ev_m[k] = mm
                ev_y[k] = yy
                ev_x[k] = d_cx[di]
                ev_top[k] = is_top
                ev_sum[k] = q[base] + q[base + 1]
                ev_lo[k] = min(p_xmin[base], p_xmin[base + 1])
                ev_hi[k] = max(p_xmax[base], p_xmax[base + 1])
                k += 1
    _extend(buf, r0, ev_m, ev_y, ev_x, ev_top, ev_sum, ev_lo, ev_hi, w)
    # accumulate every piece with its passage's value; an edge crossing a whole row with one value
    # in its four strips is one row piece (see sweep._merge_rows)
    for e in ee:
        lc = local[e_ch[e]]
        ms = max(e_yt[e] // STRIP, s0)
        me = min((e_yb[e] - 1) // STRIP, s1 - 1)
        m = ms
        while m <= me:
            qm = q[coff[lc] + m - cms[lc]]
            row = m // rows_per
            if m % rows_per == 0 and e_yt[e] <= row * YQ and e_yb[e] >= (row + 1) * YQ:
                same = True
                for k in range(1, rows_per):
                    if q[coff[lc] + m + k - cms[lc]] != qm:
                        same = False
                if same:
                    ya = row * YQ
                    yb = ya + YQ
                    _add_piece(buf, row - r0, ya, yb, e_xt[e] + (ya - e_yt[e]) * e_sl[e],
                               e_xt[e] + (yb - e_yt[e]) * e_sl[e], qm, w)
                    m += rows_per
                    continue
            ya = max(e_yt[e], m * STRIP)
            yb = min(e_yb[e], (m + 1) * STRIP)
            _add_piece(buf, row - r0, ya, yb, e_xt[e] + (ya - e_yt[e]) * e_sl[e],
                       e_xt[e] + (yb - e_yt[e]) * e_sl[e], qm, w)
            m += 1
    for j in range(nde):
        di = de[j]
        dme = min((d_cy[di] - k0 - 1) // STRIP, s1 - 1)
        for m in range(dms[j], dme + 1):
            base = doff[j] + 2 * (m - dms[j])
            ya, yb, lxa, lxb, rxa, rxb = _disc_piece(d_cx[di], d_cy[di], m, STRIP, k0, half, above)
            _add_piece(buf, m // rows_per - r0, ya, yb, lxa, lxb, q[base], w)
            _add_piece(buf, m // rows_per - r0, ya, yb, rxa, rxb, q[base + 1], w)


@_jit
def _finish_alpha(buf: Any, out: Any, r0: int, k: int) -> None:
    """Prefix-sum each row over the columns it touched (two extra columns of ``buf`` hold that
    span), convert to 8-bit alpha, and clear the buffer for the next band."""
    hb, w = out.shape[0], buf.shape[1] - 2
    cap = 255 * FULL
    half_unit = np.int64(1) << (ALPHA_SHIFT - 1)
    for r in range(buf.shape[0]):
        lo, hi = buf[r, w], buf[r, w + 1]
        buf[r, w] = w
        buf[r, w + 1] = 0
        if r0 + r >= hb or hi <= lo:
            continue
        acc = np.int64(0)
        for c in range(lo, hi):
            acc += buf[r, c]
            buf[r, c] = 0
            a = min(max(acc, 0), cap)
            if a:
                out[r0 + r, c] = (a * k + half_unit) >> ALPHA_SHIFT
        a = min(max(acc, 0), cap)
        if a:  # a shape whose right side is off the box covers the rest of the row
            v = (a * k + half_unit) >> ALPHA_SHIFT
            for c in range(hi, w):
                out[r0 + r, c] = v


@_jit
def _finish_coverage(buf: Any, out: Any, r0: int) -> None:
    hb, w = out.shape[0], buf.shape[1] - 2
    cap = 255 * FULL
    for r in range(buf.shape[0]):
        lo, hi = buf[r, w], buf[r, w + 1]
        buf[r, w] = w
        buf[r, w + 1] = 0
        if r0 + r >= hb or hi <= lo:
            continue
        acc = np.int64(0)
        for c in range(lo, hi):
            acc += buf[r, c]
            buf[r, c] = 0
            a = min(max(acc, 0), cap)
            if a:
                out[r0 + r, c] = np.float32(a / (255.0 * FULL))
        a = min(max(acc, 0), cap)
        if a:
            v = np.float32(a / (255.0 * FULL))
            for c in range(hi, w):
                out[r0 + r, c] = v


def _run(p: Plan, out: npt.NDArray[Any], finish: Any, *args: Any) -> None:
    w = p.width
    levels = p.levels.astype(np.int64)
    height = max((b - a for a, b in bands(p)), default=0)
    buf = np.zeros((height, w + 2), dtype=np.int64)  # two more columns: each row's touched span
    buf[:, w] = w
    for r0, r1 in bands(p):
        lo, hi = r0 * YQ, r1 * YQ
        view = buf[: r1 - r0]
        _isolated(view, lo, hi, r0, w, p.iso_yt, p.iso_yb, p.iso_xt, p.iso_slope, p.iso_q,
                  p.iso_cx, p.iso_cy, p.iso_level, p.k0, p.half, p.above)
        _classified(view, lo, hi, r0, w, levels, p.chain_ymin, p.chain_ymax, p.chain_d, p.chain_level,
                    p.edge_yt, p.edge_yb, p.edge_xt, p.edge_slope, p.edge_chain,
                    p.turn_a, p.turn_b, p.turn_y, p.turn_x, p.turn_top,
                    p.disc_cx, p.disc_cy, p.disc_level, p.k0, p.half, p.above)
        finish(view, out, r0, *args)


def alpha(p: Plan, opacity: float) -> npt.NDArray[np.uint8]:
    """8-bit alpha, byte-identical to :func:`maskrender.draw.sweep.alpha`."""
    out = np.zeros((max(p.height, 0), max(p.width, 0)), dtype=np.uint8)
    if p.width > 0 and p.height > 0:
        _run(p, out, _finish_alpha, alpha_factor(opacity))
    return out


def coverage(p: Plan) -> npt.NDArray[np.float32]:
    """Coverage 0..1, identical to :func:`maskrender.draw.sweep.coverage`."""
    out = np.zeros((max(p.height, 0), max(p.width, 0)), dtype=np.float32)
    if p.width > 0 and p.height > 0:
        _run(p, out, _finish_coverage)
    return out

