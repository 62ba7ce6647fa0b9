"""COCO's compressed run-length encoding (RLE) of binary masks, as pycocotools ``mask.encode`` writes it.

The binary mask is read in column-major order as alternating runs starting with background;
each run after the second is stored as the difference to the run two before, written 5 bits a
character from ``0`` (48) up, with bit 6 meaning "more follows".  :func:`rle_encode_box` encodes
a mask that is empty outside a small box without making the whole image: a lesion of 30 pixels
on a 2416² photo costs its 30 pixels, not 5.8 million booleans.

Examples
--------
>>> import numpy as np
>>> m = np.zeros((3, 4), dtype=bool); m[1, 1:3] = True
>>> rle_encode(m)
{'size': [3, 4], 'counts': '41202'}
>>> rle_encode_box(m[1:2, 1:3], (1, 1), (4, 3)) == rle_encode(m)
True
>>> rle_decode(rle_encode(m)).tolist() == m.tolist()
True
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["rle_decode", "rle_encode", "rle_encode_box"]


def _counts_text(counts: list[int]) -> str:
    out = []
    for i, run in enumerate(counts):
        x = run - counts[i - 2] if i > 2 else run
        more = True
        while more:
            c = x & 0x1F
            x >>= 5
            more = (x != -1) if (c & 0x10) else (x != 0)
            if more:
                c |= 0x20
            out.append(chr(c + 48))
    return "".join(out)


def _runs(on: npt.NDArray[np.int64], total: int) -> list[int]:
    """The runs of an image of ``total`` pixels whose set pixels are the sorted flat indices ``on``."""
    if not len(on):
        return [total]
    breaks = np.flatnonzero(np.diff(on) != 1) + 1
    starts = on[np.concatenate([[0], breaks])]
    ends = on[np.concatenate([breaks - 1, [len(on) - 1]])] + 1
    edges = np.empty(2 * len(starts) + 2, dtype=np.int64)
    edges[0], edges[-1] = 0, total
    edges[1:-1:2], edges[2:-1:2] = starts, ends
    runs: list[int] = np.diff(edges).tolist()
    return runs if runs[-1] else runs[:-1]


def rle_encode_box(patch: npt.NDArray[np.bool_], origin: tuple[int, int], size: tuple[int, int]) -> dict[str, Any]:
    """The RLE of an image of ``size`` ``(width, height)`` that is ``patch`` at ``origin`` ``(x, y)``
    and empty elsewhere (see the module's example)."""
    w, h = size
    cols, rows = np.nonzero(patch.T)  # column-major: sorted by column, then row
    on = (rows.astype(np.int64) + origin[1]) + (cols.astype(np.int64) + origin[0]) * h
    return {"size": [int(h), int(w)], "counts": _counts_text(_runs(on, w * h))}


def rle_encode(binary: npt.NDArray[np.bool_]) -> dict[str, Any]:
    """COCO's compressed RLE of a ``(height, width)`` boolean mask: ``{"size": [h, w], "counts": str}``."""
    h, w = binary.shape
    return rle_encode_box(np.asarray(binary, dtype=bool), (0, 0), (w, h))


def rle_decode(rle: dict[str, Any]) -> npt.NDArray[np.bool_]:
    """The boolean mask of a compressed RLE (the inverse of :func:`rle_encode`)."""
    h, w = rle["size"]
    text = rle["counts"]
    counts: list[int] = []
    p = 0
    while p < len(text):
        x, k, more = 0, 0, True
        while more:
            c = ord(text[p]) - 48
            x |= (c & 0x1F) << (5 * k)
            more = bool(c & 0x20)
            p += 1
            k += 1
            if not more and (c & 0x10):
                x |= -1 << (5 * k)
        if len(counts) > 2:
            x += counts[-2]
        counts.append(x)
    flat = np.zeros(h * w, dtype=bool)
    pos, value = 0, False
    for run in counts:
        if value:
            flat[pos:pos + run] = True
        pos += run
        value = not value
    out: npt.NDArray[np.bool_] = flat.reshape((w, h)).T
    return out
