"""Anti-aliased coverage of shapely geometries: exact in both axes, union exact, levels integrated.

What a pixel gets is the integral over its area of the level that covers each point: the
union of a mask's features counts once (the non-zero rule over every feature), where
features of different levels overlap the largest level wins, and the result is exact for
any straight edge at any sub-pixel position (up to 1/1024 px), horizontal, vertical or
slanted, and for discs of any radius (their exact area, strip by strip).  Lines are stroked
directly with round joins and caps (one outline per run between sharp vertices, a disc sector
of exact area at each sharp join: :mod:`maskrender.draw.strokes`), never buffered.

How (see :mod:`maskrender.draw.sweep`): boundaries are cut into pieces per quarter-pixel
strip and accumulated as exact signed areas (:mod:`maskrender.draw.accumulate`); where shapes
overlap, each strip is cut into slabs at its pieces' ends and where they cross, and what each
piece counts for is decided by sweeping the slab, in which no two boundaries cross.  Cost is
linear in the total height of the edges and in the pixels touched, and memory stays that of
a band of rows whatever the input.

Two implementations compute the same integer arithmetic: numpy (:mod:`maskrender.draw.sweep`,
the reference, always there) and the compiled C core (:mod:`maskrender.draw.compiled`), built by
the normal install when the machine has a C compiler.  They give byte-identical pictures.  When
the core is built it draws every call (``accelerate=True``, the default); ``accelerate=False``
draws with numpy.  :func:`core_name` says which one draws.

Examples
--------
>>> import shapely
>>> cov = polygon_coverage(shapely.box(1.5, 1, 3.5, 3), (0, 0, 5, 4))
>>> cov.round(2).tolist()
[[0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.5, 1.0, 0.5, 0.0], [0.0, 0.5, 1.0, 0.5, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0]]
>>> polygon_alpha(shapely.box(1, 0.3, 2.5, 1), (0, 0, 4, 1), 0.6).tolist()    # 0.7 of a row: exact, not sampled
[[0, 107, 54, 0]]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, TypeAlias, Union

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry

from maskrender.draw import compiled, sweep
from maskrender.draw.accumulate import alpha_factor
from maskrender.draw.core import core_name
from maskrender.draw.plan import Plan, plan
from maskrender.draw.shapes import Shapes, from_geometries

__all__ = ["Box", "accelerated", "bounds_box", "core_name", "disc_alpha", "disc_coverage", "line_alpha",
           "line_coverage", "polygon_alpha", "polygon_coverage", "shapes_alpha"]

Box = tuple[int, int, int, int]
"""A pixel box ``(x0, y0, x1, y1)``, end exclusive."""

F64 = npt.NDArray[np.float64]
Geoms: TypeAlias = Union[BaseGeometry, Sequence[BaseGeometry], npt.NDArray[np.object_]]


def accelerated() -> bool:
    """Whether the compiled core was built (a question only: nothing is loaded or switched).

    >>> accelerated() == (core_name() == "c")
    True
    """
    return compiled.CORE is not None


def _backend(accelerate: bool) -> Any:
    """The C core when built (and not turned off for this call), else numpy: the same bytes."""
    return compiled if accelerate and compiled.CORE is not None else sweep


def _size(box: Box) -> tuple[int, int]:
    return max(box[2] - box[0], 0), max(box[3] - box[1], 0)


def shapes_alpha(shapes: Shapes, opacity: float, *, accelerate: bool = True,
                 renderer: compiled.Renderer | None = None) -> npt.NDArray[np.uint8]:
    """8-bit alpha ``round(opacity x the integral of the winning level over each pixel)``.

    ``shapes`` (:func:`maskrender.draw.shapes.from_geometries`) carry an 8-bit level per ring
    and disc; a fully covered pixel of level 255 gets ``round(opacity x 255)``.  With a
    ``renderer`` (:class:`maskrender.draw.compiled.Renderer`) and the C core, the array comes back
    at once and holds its pixels when the renderer's ``with`` block has ended (drawn meanwhile).

    >>> import shapely
    >>> from maskrender.draw.shapes import from_geometries
    >>> s = from_geometries(polygons=[shapely.box(0, 0, 4, 1), shapely.box(1, 0, 2, 1)], levels=[128, 255],
    ...                     size=(4, 1))
    >>> shapes_alpha(s, 1.0).tolist()      # where both cover, the larger level wins
    [[128, 255, 128, 128]]
    """
    if shapes.empty or shapes.width <= 0 or shapes.height <= 0:
        return np.zeros((max(shapes.height, 0), max(shapes.width, 0)), dtype=np.uint8)
    p = plan(shapes)
    if renderer is not None and _backend(accelerate) is compiled:
        pending = np.zeros((p.height, p.width), dtype=np.uint8)
        renderer.submit(p, pending, 0, alpha_factor(opacity))
        return pending
    out: npt.NDArray[np.uint8] = _backend(accelerate).alpha(p, opacity)
    return out


def _coverage(shapes: Shapes, accelerate: bool) -> npt.NDArray[np.float32]:
    if shapes.empty or shapes.width <= 0 or shapes.height <= 0:
        return np.zeros((max(shapes.height, 0), max(shapes.width, 0)), dtype=np.float32)
    p: Plan = plan(shapes)
    out: npt.NDArray[np.float32] = _backend(accelerate).coverage(p)
    return out


def _polygons(geoms: Geoms, box: Box) -> Shapes:
    arr = np.atleast_1d(np.asarray(geoms, dtype=object))
    return from_geometries(polygons=arr, levels=np.full(len(arr), 255), size=_size(box), origin=box[:2])


def _discs(centres: F64, radius: float, box: Box) -> Shapes:
    c = np.asarray(centres, dtype=np.float64).reshape(-1, 2)
    return from_geometries(points=c, radius=radius, size=_size(box), origin=box[:2])


def _lines(geoms: Geoms, width: float, box: Box) -> Shapes:
    arr = np.atleast_1d(np.asarray(geoms, dtype=object))
    return from_geometries(lines=arr, levels=np.full(len(arr), 255), width=width, size=_size(box), origin=box[:2])


def polygon_coverage(geoms: Geoms, box: Box, *, accelerate: bool = True) -> npt.NDArray[np.float32]:
    """Coverage (0..1, float32, shape ``(h, w)``) of the union of polygons over a pixel ``box``.

    Geometries are in pixel coordinates (pixel ``(i, j)`` spans ``[i, i+1) x [j, j+1)``);
    anything that is not polygonal is ignored.

    >>> import shapely
    >>> polygon_coverage([shapely.box(0, 0, 1, 0.5)] * 3, (0, 0, 2, 1)).tolist()   # the union counts once
    [[0.5, 0.0]]
    """
    return _coverage(_polygons(geoms, box), accelerate)


def polygon_alpha(geoms: Geoms, box: Box, factor: float = 1.0, *, accelerate: bool = True
                  ) -> npt.NDArray[np.uint8]:
    """8-bit alpha ``round(coverage x factor x 255)`` of the union of polygons over ``box``.

    >>> import shapely
    >>> polygon_alpha(shapely.box(1, 0, 2.5, 1), (0, 0, 4, 1), 0.6).tolist()
    [[0, 153, 77, 0]]
    """
    return shapes_alpha(_polygons(geoms, box), factor, accelerate=accelerate)


def disc_coverage(centres: F64, radius: float, box: Box, *, accelerate: bool = True) -> npt.NDArray[np.float32]:
    """Coverage of the union of exact discs of ``radius`` around ``centres`` (``(N, 2)``, pixels).

    >>> import numpy as np
    >>> float(disc_coverage(np.array([[2.0, 2.0]]), 0.1, (0, 0, 4, 4)).sum()).__round__(4)   # pi r^2, any size
    0.0314
    """
    return _coverage(_discs(centres, radius, box), accelerate)


def disc_alpha(centres: F64, radius: float, box: Box, factor: float = 1.0, *, accelerate: bool = True
               ) -> npt.NDArray[np.uint8]:
    """8-bit alpha ``round(coverage x factor x 255)`` of the union of discs.

    >>> import numpy as np
    >>> disc_alpha(np.array([[1.5, 0.5]]), 0.5, (0, 0, 3, 1)).tolist()
    [[0, 200, 0]]
    """
    return shapes_alpha(_discs(centres, radius, box), factor, accelerate=accelerate)


def line_coverage(geoms: Geoms, width: float, box: Box, *, accelerate: bool = True) -> npt.NDArray[np.float32]:
    """Coverage of lines (or polygon outlines given as lines) stroked ``width`` wide, round joins and caps.

    >>> import shapely
    >>> line_coverage(shapely.LineString([(0.5, 1), (2.5, 1)]), 1.0, (0, 0, 3, 2)).astype(float).round(2).tolist()
    [[0.45, 0.5, 0.45], [0.45, 0.5, 0.45]]
    """
    return _coverage(_lines(geoms, width, box), accelerate)


def line_alpha(geoms: Geoms, width: float, box: Box, factor: float = 1.0, *, accelerate: bool = True
               ) -> npt.NDArray[np.uint8]:
    """8-bit alpha ``round(coverage x factor x 255)`` of stroked lines (see :func:`line_coverage`).

    >>> import shapely
    >>> line_alpha(shapely.LineString([(0, 1), (3, 1)]), 1.0, (0, 0, 3, 2)).tolist()
    [[128, 128, 128], [128, 128, 128]]
    """
    return shapes_alpha(_lines(geoms, width, box), factor, accelerate=accelerate)


def bounds_box(geoms: npt.NDArray[np.object_], pad: float, canvas: tuple[int, int]) -> Box | None:
    """The pixel box around ``geoms`` (grown by ``pad``), clipped to the canvas; ``None`` if empty.

    >>> import shapely, numpy as np
    >>> bounds_box(np.array([shapely.box(2.5, 3, 4, 5)]), 1.0, (10, 10))
    (1, 2, 6, 7)
    """
    if not len(geoms):
        return None
    b = shapely.bounds(geoms)
    b = b[~np.isnan(b).any(axis=1)]
    if not len(b):
        return None
    x0 = max(0, math.floor(b[:, 0].min() - pad))
    y0 = max(0, math.floor(b[:, 1].min() - pad))
    x1 = min(canvas[0], math.ceil(b[:, 2].max() + pad) + 1)
    y1 = min(canvas[1], math.ceil(b[:, 3].max() + pad) + 1)
    if x1 <= x0 or y1 <= y0:
        return None
    return (x0, y0, x1, y1)
