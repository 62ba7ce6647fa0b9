"""Exact area accumulation: boundary pieces to per-pixel integer contributions to alpha.

A *piece* is a straight boundary segment inside one pixel row, from ``(xa, ya)`` to
``(xb, yb)`` (``ya < yb`` in :data:`~maskrender.draw.shapes.YQ` units), carrying a signed
level ``q``: crossing it left to right changes the covered level by ``q``.  Split at every
pixel column it crosses, each part adds ``q x`` (its height) to the cells right of it, the
cell it lies in getting only the share right of the segment (the signed-area accumulation of
font rasterisers, exact for straight edges).  A prefix sum along each row then gives every
pixel's exact integral of the level over its area.

Everything is integer: heights are whole :data:`~maskrender.draw.shapes.YQ` units and the
share of a cell is kept to 1/:data:`FQ`, split so that a part's contributions always sum to
``q x height x FQ``.  Closed outlines therefore cancel exactly (no residue far from a shape),
and the result does not depend on the order of the pieces, which is what lets the compiled
back-end agree with this one to the bit.

>>> import numpy as np
>>> rows, cols, vals = contributions(np.array([0]), np.array([0]), np.array([YQ]), np.array([1.25]),
...                                  np.array([1.25]), np.array([255]), 4)
>>> rows.tolist(), cols.tolist(), (vals / FULL).tolist()
([0, 0], [1, 2], [191.25, 63.75])
>>> to_alpha(tiled(rows, cols, vals, 4, 1), 1.0).tolist()
[[0, 191, 255, 255]]
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from maskrender.draw.shapes import YQ

__all__ = ["FQ", "FULL", "contributions", "tiled", "to_alpha", "to_coverage"]

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

FQ = 1024
"""Resolution of a part's horizontal share of its cell (1/1024 px)."""

FULL = YQ * FQ
"""The contribution of one level unit over one whole pixel (2**20)."""

TILE_BITS = (3, 5)
"""log2 of the rows and columns of the tiles the prefix sums run on (8 x 32 pixels)."""


def contributions(row: I64, ya: I64, yb: I64, xa: F64, xb: F64, q: I64, w: int
                  ) -> tuple[I64, I64, I64]:
    """Split pieces at pixel columns into ``(row, col, value)`` contributions (see the module).

    Parts left of the box add their whole height to column 0; parts right of it are dropped.
    """
    lo = np.floor(np.minimum(xa, xb))
    hi = np.floor(np.maximum(xa, xb))
    first = np.maximum(lo + 1, 0)  # first column boundary crossed inside [0, w]
    last = np.minimum(hi, w)
    n_split = np.maximum(last - first + 1, 0).astype(np.int64)
    n_part = n_split + 1
    n_part[lo >= w] = 0  # wholly right of the box
    total = int(n_part.sum())
    if total == 0:
        e = np.empty(0, dtype=np.int64)
        return e, e, e
    piece = np.repeat(np.arange(len(xa)), n_part)
    k = np.arange(total) - np.repeat(np.cumsum(n_part) - n_part, n_part)
    rising = (xb >= xa)[piece]
    ns = n_split[piece]
    fst, lst = first[piece], last[piece]
    # the column boundaries before and after part k, in the direction of travel
    x0p, x1p = xa[piece], xb[piece]
    b_in = np.where(rising, fst + k - 1, lst - k + 1)  # boundary at the start of part k (k >= 1)
    b_out = np.where(rising, fst + k, lst - k)  # boundary at its end (k < ns)
    xs = np.where(k == 0, x0p, b_in)
    xe = np.where(k == ns, x1p, b_out)
    dy = (yb - ya)[piece].astype(np.float64)
    span = x1p - x0p
    with np.errstate(divide="ignore", invalid="ignore"):
        dyx = np.where(span != 0, dy / span, 0.0)
    ya_p = ya[piece]
    yb_p = yb[piece]
    ys = np.where(k == 0, ya_p, np.clip(ya_p + np.rint((xs - x0p) * dyx).astype(np.int64), ya_p, yb_p))
    ye = np.where(k == ns, yb_p, np.clip(ya_p + np.rint((xe - x0p) * dyx).astype(np.int64), ya_p, yb_p))
    height = ye - ys
    col = np.floor(np.minimum(xs, xe)).astype(np.int64)
    mid = (xs + xe) * 0.5 - col
    left = col < 0
    col = np.maximum(col, 0)
    mid[left] = 0.0
    inside = (col < w) & (height != 0)
    qv = q[piece]
    right_share = np.rint(height * mid * FQ).astype(np.int64)
    here = qv * (height * FQ - right_share)
    nxt = qv * right_share
    r = row[piece]
    has_next = inside & (col + 1 < w) & (nxt != 0)
    rows = np.concatenate([r[inside], r[has_next]])
    cols = np.concatenate([col[inside], col[has_next] + 1])
    vals = np.concatenate([here[inside], nxt[has_next]])
    return rows, cols, vals


def tiled(rows: I64, cols: I64, vals: I64, w: int, h: int) -> I64:
    """Prefix sums along rows of the contributions: every pixel's integral (int64, ``(h, w)``).

    Only tiles that hold a contribution are accumulated and summed; a tile without one takes,
    row by row, the value carried in from its left (zero outside every shape, constant
    inside), and the rest of the output is never touched beyond its allocation.
    """
    rb, cb = TILE_BITS
    th, tw = 1 << rb, 1 << cb
    nty, ntx = -(-h // th), -(-w // tw)
    out = np.zeros((nty * th, ntx * tw), dtype=np.int64)
    if len(vals):
        tile = (rows >> rb) * ntx + (cols >> cb)
        present = np.bincount(tile, minlength=nty * ntx) > 0
        active = np.flatnonzero(present)
        slot = np.zeros(nty * ntx, dtype=np.int64)
        slot[active] = np.arange(len(active))
        idx = (slot[tile] << (rb + cb)) | ((rows & (th - 1)) << cb) | (cols & (tw - 1))
        acc = np.bincount(idx, weights=vals, minlength=len(active) << (rb + cb))
        acc = np.rint(acc).astype(np.int64).reshape(len(active), th, tw)  # exact: integers below 2**53
        ay, ax = np.divmod(active, ntx)
        rowsum = np.zeros((nty, th, ntx), dtype=np.int64)
        rowsum[ay, :, ax] = acc.sum(axis=2)
        carry = np.cumsum(rowsum, axis=2)
        carry -= rowsum
        acc[:, :, 0] += carry[ay, :, ax]
        np.cumsum(acc, axis=2, out=acc)
        out4 = out.reshape(nty, th, ntx, tw)
        out4[ay, :, ax, :] = acc
        inside = (carry != 0).any(axis=1) & ~present.reshape(nty, ntx)
        fy, fx = np.nonzero(inside)
        if len(fy):
            out4[fy, :, fx, :] = carry[fy, :, fx][:, :, None]
    return out[:h, :w]


ALPHA_SHIFT = 44
"""``alpha = (clamp(v) * k + 2**43) >> 44`` with ``k = opacity * 2**44 / FULL`` (products stay below 2**53)."""


def alpha_factor(opacity: float) -> int:
    """The integer ``k`` of :data:`ALPHA_SHIFT`: ``opacity / FULL`` in 44-bit fixed point."""
    return round(max(0.0, min(1.0, opacity)) * (1 << ALPHA_SHIFT) / FULL)


def to_alpha(v: I64, opacity: float) -> npt.NDArray[np.uint8]:
    """8-bit alpha ``round(opacity x integral / FULL)``, the integral clamped to ``[0, 255 x FULL]``."""
    k = alpha_factor(opacity)
    a = np.clip(v, 0, 255 * FULL)
    a *= k
    a += 1 << (ALPHA_SHIFT - 1)
    a >>= ALPHA_SHIFT
    out: npt.NDArray[np.uint8] = a.astype(np.uint8)
    return out


def to_coverage(v: I64) -> npt.NDArray[np.float32]:
    """Coverage 0..1 (float32) of level-255 shapes: ``integral / (255 x FULL)``, clamped."""
    out: npt.NDArray[np.float32] = (np.clip(v, 0, 255 * FULL) / (255.0 * FULL)).astype(np.float32)
    return out
