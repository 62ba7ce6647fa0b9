"""Sorting, centre-line and blending kernels of the compiled back-end (:mod:`maskrender.draw.kernels`): the
crossings of each strip's centre line ordered, swept and turned into the union's and levels' books.

Optional like :mod:`maskrender.draw.kernels` (numba); the same arithmetic as :mod:`maskrender.draw.sweep`.
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np
import numpy.typing as npt

from maskrender.draw.sweep import XQ, XSPAN

__all__ = ["blend_rgb"]

_jit = numba.njit(cache=True, nogil=True)

@_jit
def _key(group: int, x: float, d: int, xk: int) -> int:
    xq = np.rint(x * XQ) + XSPAN // 2
    xq = min(max(xq, 0.0), float(XSPAN - 1))
    return int((group * XSPAN + np.int64(xq)) * 2 + (1 if d > 0 else 0))


@_jit
def _sort_run(k: Any, ix: Any, tk: Any, ti: Any, a: int, b: int) -> None:
    """Sort ``k[a:b]`` (carrying ``ix``) stably, in place: insertion sort on runs of 16, then merges."""
    run = 16
    for s in range(a, b, run):
        e = min(s + run, b)
        for i in range(s + 1, e):
            kv, iv = k[i], ix[i]
            j = i - 1
            while j >= s and k[j] > kv:
                k[j + 1] = k[j]
                ix[j + 1] = ix[j]
                j -= 1
            k[j + 1] = kv
            ix[j + 1] = iv
    width = run
    while width < b - a:
        for s in range(a, b, 2 * width):
            mid = min(s + width, b)
            e = min(s + 2 * width, b)
            if mid >= e:
                continue
            i, j, o = s, mid, s
            while i < mid and j < e:
                if k[j] < k[i]:
                    tk[o] = k[j]
                    ti[o] = ix[j]
                    j += 1
                else:
                    tk[o] = k[i]
                    ti[o] = ix[i]
                    i += 1
                o += 1
            while i < mid:
                tk[o] = k[i]
                ti[o] = ix[i]
                i += 1
                o += 1
            while j < e:
                tk[o] = k[j]
                ti[o] = ix[j]
                j += 1
                o += 1
            for t in range(s, e):
                k[t] = tk[t]
                ix[t] = ti[t]
        width *= 2


@_jit
def _grouped_argsort(group: Any, key: Any) -> Any:
    """The stable argsort of ``key`` when ``key`` orders by ``group`` first (small non-negative
    integers): a counting sort by group, then a stable sort of each (small) group."""
    n = len(key)
    order = np.empty(n, np.int64)
    if n == 0:
        return order
    g0 = group.min()
    ng = group.max() - g0 + 1
    count = np.zeros(ng + 1, np.int64)
    for i in range(n):
        count[group[i] - g0 + 1] += 1
    for g in range(ng):
        count[g + 1] += count[g]
    fill = count[:-1].copy()
    ks = np.empty(n, np.int64)
    for i in range(n):
        g = group[i] - g0
        order[fill[g]] = i
        ks[fill[g]] = key[i]
        fill[g] += 1
    tk = np.empty(n, np.int64)
    ti = np.empty(n, np.int64)
    for g in range(ng):
        if count[g + 1] - count[g] > 1:
            _sort_run(ks, order, tk, ti, count[g], count[g + 1])
    return order


@_jit
def _sweep(group: Any, x: Any, d: Any, level: Any, levels: Any, w: int) -> tuple[Any, Any, Any, Any]:
    n = len(group)
    xk = w * XQ + 2
    key = np.empty(n, np.int64)
    for i in range(n):
        key[i] = _key(group[i], x[i], d[i], xk)
    order = _grouped_argsort(group, key)
    nl = len(levels)
    count = np.zeros(nl, np.int64)
    after_s = np.empty(n, np.int64)
    keys_s = np.empty(n, np.int64)
    for k in range(n):
        i = order[k]
        keys_s[k] = key[i]
        count[np.searchsorted(levels, level[i])] += d[i]
        a = 0
        for j in range(nl - 1, -1, -1):
            if count[j] != 0:
                a = levels[j]
                break
        after_s[k] = a
    v = np.empty(n, np.int64)
    after = np.empty(n, np.int64)
    prev = 0
    for k in range(n):
        v[order[k]] = after_s[k] - prev
        after[order[k]] = after_s[k]
        prev = after_s[k]
    return after, v, keys_s, after_s


@_jit
def _before(ka: int, ia: int, kb: int, ib: int) -> bool:
    return ka < kb or (ka == kb and ia < ib)


@_jit
def _centre_lines(p_cc: Any, p_owner: Any, p_m: Any, p_x: Any, p_d: Any, p_lev: Any, levels: Any, w: int,
                  s0: int, s1: int, q: Any) -> tuple[Any, Any]:
    """Sweep every strip's centre line and set ``q`` of its crossings.

    The same result as :func:`_sweep` over all crossings (a stable sort by key of the passages
    in index order, i.e. a sort by key then index), but each line starts from the previous
    line's order, so sorting is nearly linear.  An owner's (a chain's, a disc side's) passages
    on consecutive lines are ``step`` indices apart (1 for chains, 2 for discs).  Returns the
    sorted keys and the covered level after each crossing, line after line, for look-ups.
    """
    n_pass = len(p_cc)
    xk = w * XQ + 2
    ns = s1 - s0
    p_li = np.empty(n_pass, np.int64)
    for i in range(n_pass):
        p_li[i] = np.searchsorted(levels, p_lev[i])
    count = np.zeros(ns + 1, np.int64)
    for i in range(n_pass):
        if p_cc[i]:
            step = 2 if p_owner[i] < 0 else 1
            prev = i - step
            if prev < 0 or p_owner[prev] != p_owner[i] or not p_cc[prev]:
                count[p_m[i] - s0 + 1] += 1
    for m in range(ns):
        count[m + 1] += count[m]
    starters = np.empty(count[ns], np.int64)
    fill = count[:-1].copy()
    for i in range(n_pass):
        if p_cc[i]:
            step = 2 if p_owner[i] < 0 else 1
            prev = i - step
            if prev < 0 or p_owner[prev] != p_owner[i] or not p_cc[prev]:
                starters[fill[p_m[i] - s0]] = i
                fill[p_m[i] - s0] += 1
    n_cc = 0
    for i in range(n_pass):
        if p_cc[i]:
            n_cc += 1
    keys_out = np.empty(n_cc, np.int64)
    after_out = np.empty(n_cc, np.int64)
    act = np.empty(n_cc, np.int64)
    act_k = np.empty(n_cc, np.int64)
    new = np.empty(n_cc, np.int64)
    new_k = np.empty(n_cc, np.int64)
    tk = np.empty(n_cc, np.int64)
    ti = np.empty(n_cc, np.int64)
    nl = len(levels)
    wind = np.zeros(nl, np.int64)
    n_act = 0
    out = 0
    prev_after = 0
    for m in range(ns):
        # continue the previous line's crossings, in its order
        n_new = 0
        for t in range(n_act):
            i = act[t]
            step = 2 if p_owner[i] < 0 else 1
            j = i + step
            if j < n_pass and p_owner[j] == p_owner[i] and p_cc[j]:
                new[n_new] = j
                new_k[n_new] = _key(p_m[j] - s0, p_x[j], p_d[j], xk)
                n_new += 1
        for t in range(1, n_new):  # nearly sorted: insertion sort
            kv, iv = new_k[t], new[t]
            u = t - 1
            while u >= 0 and _before(kv, iv, new_k[u], new[u]):
                new_k[u + 1] = new_k[u]
                new[u + 1] = new[u]
                u -= 1
            new_k[u + 1] = kv
            new[u + 1] = iv
        # lines' new crossings, sorted, then merged in
        a, b = count[m], count[m + 1]
        nb = b - a
        for t in range(nb):
            i = starters[a + t]
            ti[t] = i
            tk[t] = _key(p_m[i] - s0, p_x[i], p_d[i], xk)
        if nb > 1:
            _sort_run(tk, ti, act_k, act, 0, nb)
        x1 = 0
        x2 = 0
        n_act = 0
        while x1 < n_new or x2 < nb:
            if x2 >= nb or (x1 < n_new and _before(new_k[x1], new[x1], tk[x2], ti[x2])):
                act[n_act] = new[x1]
                act_k[n_act] = new_k[x1]
                x1 += 1
            else:
                act[n_act] = ti[x2]
                act_k[n_act] = tk[x2]
                x2 += 1
            n_act += 1
        # sweep the line
        if nl == 1:
            lv0 = levels[0]
            for t in range(n_act):
                i = act[t]
                wind[0] += p_d[i]
                lv = lv0 if wind[0] != 0 else 0
                q[i] = lv - prev_after
                prev_after = lv
                keys_out[out] = act_k[t]
                after_out[out] = lv
                out += 1
        else:
            for t in range(n_act):
                i = act[t]
                wind[p_li[i]] += p_d[i]
                lv = 0
                for j in range(nl - 1, -1, -1):
                    if wind[j] != 0:
                        lv = levels[j]
                        break
                q[i] = lv - prev_after
                prev_after = lv
                keys_out[out] = act_k[t]
                after_out[out] = lv
                out += 1
    return keys_out, after_out


@_jit
def _blend_layer(pixels: Any, x0: int, y0: int, alpha: Any, r: int, g: int, b: int) -> None:
    """Pillow's ``paste(colour, box, mask)`` arithmetic on an RGB array, where alpha is not 0."""
    h, w = alpha.shape
    for y in range(h):
        row = alpha[y]
        out = pixels[y0 + y]
        for x in range(w):
            a = np.int32(row[x])
            if a == 0:
                continue
            na = 255 - a
            px = out[x0 + x]
            t = np.int32(px[0]) * na + r * a + 128
            px[0] = ((t >> 8) + t) >> 8
            t = np.int32(px[1]) * na + g * a + 128
            px[1] = ((t >> 8) + t) >> 8
            t = np.int32(px[2]) * na + b * a + 128
            px[2] = ((t >> 8) + t) >> 8


def blend_rgb(pixels: npt.NDArray[np.uint8], layers: Any) -> None:
    """Blend layers onto an ``(H, W, 3)`` uint8 array in place, byte for byte as
    :func:`maskrender.draw.layers.blend` does with Pillow (pixels under alpha 0 untouched).

    >>> import numpy as np
    >>> from maskrender.draw.layers import Layer
    >>> from maskrender.style import Color
    >>> px = np.zeros((1, 4, 3), dtype=np.uint8)
    >>> blend_rgb(px, [Layer((1, 0, 4, 1), np.array([[0, 128, 255]], dtype=np.uint8), Color(200, 100, 0))])
    >>> px[0].tolist()
    [[0, 0, 0], [0, 0, 0], [100, 50, 0], [200, 100, 0]]
    """
    for layer in layers:
        r, g, b = layer.color.rgb
        _blend_layer(pixels, layer.box[0], layer.box[1], np.ascontiguousarray(layer.alpha), r, g, b)
