"""COCO annotations with RLE segmentation: one image, one category and one annotation per mask.

The run-length encoding is COCO's own (pycocotools ``mask.encode``): the binary mask read in
column-major order as alternating runs starting with background, each run after the second
stored as the difference to the run two before, written 5 bits a character from ``0`` (48) up,
with bit 6 meaning "more follows".  The binary mask is the mask's exact coverage at 50% or more
(:func:`maskrender.coverage.mask_coverage`); ``area`` is its pixel count (what pycocotools'
``mask.area`` gives), ``exact_area`` the union area in output pixels² before it is made binary.

Examples
--------
>>> import numpy as np
>>> m = np.zeros((3, 4), dtype=bool); m[1, 1:3] = True
>>> rle_encode(m)
{'size': [3, 4], 'counts': '41202'}
>>> rle_decode(rle_encode(m)).tolist() == m.tolist()
True
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from maskrender.model import Mask

__all__ = ["coco_dataset", "rle_decode", "rle_encode"]


def _runs(binary: npt.NDArray[np.bool_]) -> list[int]:
    flat = np.asarray(binary, dtype=bool).ravel(order="F")
    if not len(flat):
        return [0]
    change = np.flatnonzero(flat[1:] != flat[:-1]) + 1
    edges = np.concatenate([[0], change, [len(flat)]])
    runs = np.diff(edges).tolist()
    return [0, *runs] if flat[0] else runs


def rle_encode(binary: npt.NDArray[np.bool_]) -> dict[str, Any]:
    """COCO's compressed RLE of a ``(height, width)`` boolean mask: ``{"size": [h, w], "counts": str}``."""
    h, w = binary.shape
    counts = _runs(binary)
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
    return {"size": [int(h), int(w)], "counts": "".join(out)}


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


def _bbox(binary: npt.NDArray[np.bool_]) -> list[float]:
    ys, xs = np.nonzero(binary)
    if not len(xs):
        return [0.0, 0.0, 0.0, 0.0]
    x0, y0 = int(xs.min()), int(ys.min())
    return [float(x0), float(y0), float(xs.max() - x0 + 1), float(ys.max() - y0 + 1)]


def coco_dataset(masks: Sequence[Mask], names: Sequence[str], coverages: Sequence[npt.NDArray[np.float32]],
                 size: tuple[int, int], *, file_name: str, description: str) -> dict[str, Any]:
    """A COCO dataset dict of one image of ``size`` with one category and annotation per mask."""
    w, h = size
    categories, annotations = [], []
    for i, (m, name, cov) in enumerate(zip(masks, names, coverages, strict=True), start=1):
        binary = cov >= 0.5
        categories.append({"id": i, "name": name, "supercategory": m.family or m.algorithm or m.mask_type})
        annotations.append({
            "id": i, "image_id": 1, "category_id": i, "segmentation": rle_encode(binary),
            "area": float(binary.sum()), "bbox": _bbox(binary), "iscrowd": 0,
            "exact_area": round(float(cov.sum(dtype=np.float64)), 3), "mask_type": m.mask_type,
            "tech_name": m.tech_name, "side": m.side, "mask_set": m.mask_set,
        })
    return {
        "info": {"description": description, "version": "1.0"},
        "licenses": [],
        "images": [{"id": 1, "width": w, "height": h, "file_name": file_name}],
        "categories": categories,
        "annotations": annotations,
    }
