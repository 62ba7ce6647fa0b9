"""A mask cut into its lesions: the connected regions of what it covers, each with its own coverage.

A lesion is one connected region of the union of a mask's features as drawn on the image:
polygons and heatmap levels by their union (overlapping or touching features make one lesion;
separate ones make separate lesions), points as discs and lines as round-capped strokes of the
sizes the :class:`~maskrender.Style` gives them (two pores whose discs overlap are one lesion).
Each lesion's coverage is computed by the renderer's exact-area rasteriser over the pixel box it
touches only, so a mask of 1,390 pores costs 1,390 small arrays and never a canvas.

Examples
--------
>>> import maskrender as mr
>>> acne = mr.load("fixtures/acne.json").masks()[0]
>>> found = list(lesions(acne, (604, 604)))
>>> len(found), found[0][0], found[0][1].dtype.name
(28, (355, 80, 364, 88), 'float32')
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import shapely

from maskrender.draw.raster import bounds_box, disc_coverage, line_coverage, polygon_coverage
from maskrender.geometry import fit, frame_of
from maskrender.kinds import MASK_KINDS
from maskrender.model import Mask

if TYPE_CHECKING:
    from maskrender.style import Style

__all__ = ["Lesion", "lesions"]

Lesion = tuple[tuple[int, int, int, int], npt.NDArray[np.float32]]
"""A lesion: its pixel box ``(x0, y0, x1, y1)`` (end exclusive) and its coverage over that box."""

_QUAD_SEGS = 16
"""Segments per quarter circle of the discs and caps that decide which points and lines touch."""


def _groups(items: npt.NDArray[np.object_], footprints: npt.NDArray[np.object_]) -> list[npt.NDArray[np.intp]]:
    """Which ``items`` make one connected region: the indices of each part of their footprints' union."""
    parts = shapely.get_parts(shapely.union_all(footprints))
    tree = shapely.STRtree(parts)
    item, part = tree.query(footprints, predicate="intersects")
    owner = np.full(len(items), -1, dtype=np.intp)
    owner[item[::-1]] = part[::-1]  # the first part each footprint meets
    missing = owner < 0  # a footprint too small for the union to keep: a lesion of its own
    owner[missing] = len(parts) + np.arange(int(missing.sum()))
    order = np.argsort(owner, kind="stable")
    cuts = np.flatnonzero(np.diff(owner[order])) + 1
    return list(np.split(order, cuts))


def lesions(mask: Mask, size: tuple[int, int], *, style: Style | None = None) -> Iterator[Lesion]:
    """The lesions of ``mask`` on an image of ``size`` ``(width, height)``, top to bottom by their box
    (see the module's example); lesions the image does not show are left out."""
    from maskrender.style import Style

    kind = MASK_KINDS.get(mask.mask_type)
    if kind is None or not mask.features:
        return
    transform = fit(frame_of(mask, size), size, check_aspect=False)
    geoms = np.asarray(transform.apply_all([f.geometry for f in mask.features]), dtype=object)
    found: list[Lesion] = []
    if kind.drawn_as == "filled":
        parts = shapely.get_parts(shapely.union_all(shapely.get_parts(geoms)))
        for part in parts:
            box = bounds_box(np.array([part]), 0.0, size)
            if box is not None:
                found.append((box, polygon_coverage(part, box)))
    else:
        resolved = (style if style is not None else Style()).resolve(mask, size)
        if kind.drawn_as == "dots":
            radius = float(resolved.point_radius)
            items = shapely.points(shapely.get_coordinates(geoms))
            for group in _groups(items, shapely.buffer(items, radius, quad_segs=_QUAD_SEGS)):
                box = bounds_box(items[group], radius + 1, size)
                if box is not None:
                    found.append((box, disc_coverage(shapely.get_coordinates(items[group]), radius, box)))
        else:
            width = float(resolved.line_width)
            items = shapely.get_parts(geoms)
            for group in _groups(items, shapely.buffer(items, width / 2, quad_segs=_QUAD_SEGS)):
                box = bounds_box(items[group], width / 2 + 1, size)
                if box is not None:
                    found.append((box, line_coverage(items[group], width, box)))
    found.sort(key=lambda lesion: (lesion[0][1], lesion[0][0]))
    yield from found
