"""The compiled rasteriser core (``maskrender.draw._core``, C): the same arithmetic as numpy's.

:mod:`maskrender.draw.sweep` (with :mod:`maskrender.draw.accumulate`) is the reference; the C
core, built by the normal install when the machine has a C compiler, computes the same integer
arithmetic in loops and gives byte-identical pictures (the tests check it on generated
workloads), without temporary arrays and without the GIL.  When it is built it draws every
mask of every call; when it is not, :data:`CORE` is ``None`` and numpy draws.

>>> import shapely
>>> from maskrender.draw.plan import plan
>>> from maskrender.draw.shapes import from_geometries
>>> from maskrender.draw import sweep
>>> p = plan(from_geometries(polygons=[shapely.box(0.3, 0.3, 2.6, 1.9)], levels=[255], size=(3, 2)))
>>> CORE is None or alpha(p, 1.0).tolist() == sweep.alpha(p, 1.0).tolist()
True
"""

from __future__ import annotations

from collections.abc import Sequence
from types import ModuleType
from typing import Any

import numpy as np
import numpy.typing as npt

from maskrender.draw.accumulate import alpha_factor
from maskrender.draw.core import CORE
from maskrender.draw.plan import Plan
from maskrender.draw.sweep import bands

__all__ = ["CORE", "alpha", "blend_rgb", "coverage"]


def _i64(a: Any) -> npt.NDArray[np.int64]:
    return np.ascontiguousarray(a, dtype=np.int64)


def _f64(a: Any) -> npt.NDArray[np.float64]:
    return np.ascontiguousarray(a, dtype=np.float64)


def _arrays(p: Plan) -> tuple[npt.NDArray[Any], ...]:
    """The plan's arrays in the order and types ``_core.render`` checks."""
    band_rows = np.array(bands(p), dtype=np.int64).reshape(-1)
    return (
        _i64(p.levels), band_rows,
        _i64(p.iso_yt), _i64(p.iso_yb), _f64(p.iso_xt), _f64(p.iso_slope), _i64(p.iso_q),
        _f64(p.iso_cx), _i64(p.iso_cy), _i64(p.iso_level), _f64(p.half), _f64(p.above),
        _i64(p.chain_ymin), _i64(p.chain_ymax), _i64(p.chain_d), _i64(p.chain_level),
        _i64(p.edge_yt), _i64(p.edge_yb), _f64(p.edge_xt), _f64(p.edge_slope), _i64(p.edge_chain),
        _i64(p.turn_a), _i64(p.turn_b), _i64(p.turn_y), _f64(p.turn_x),
        np.ascontiguousarray(p.turn_top, dtype=np.bool_),
        _f64(p.disc_cx), _i64(p.disc_cy), _i64(p.disc_level), _i64(p.disc_keys),
    )


def _render(core: ModuleType, p: Plan, out: npt.NDArray[Any], mode: int, k: int) -> None:
    if p.width > 0 and p.height > 0:
        core.render(out, mode, k, p.width, p.height, int(p.k0), _arrays(p))


def alpha(p: Plan, opacity: float) -> npt.NDArray[np.uint8]:
    """8-bit alpha, byte-identical to :func:`maskrender.draw.sweep.alpha` (requires :data:`CORE`)."""
    assert CORE is not None
    out = np.zeros((max(p.height, 0), max(p.width, 0)), dtype=np.uint8)
    _render(CORE, p, out, 0, alpha_factor(opacity))
    return out


def coverage(p: Plan) -> npt.NDArray[np.float32]:
    """Coverage 0..1, identical to :func:`maskrender.draw.sweep.coverage` (requires :data:`CORE`)."""
    assert CORE is not None
    out = np.zeros((max(p.height, 0), max(p.width, 0)), dtype=np.float32)
    _render(CORE, p, out, 1, 0)
    return out


def blend_rgb(pixels: Any, size: tuple[int, int], channels: int, origin: tuple[int, int],
              layers: Sequence[tuple[int, int, npt.NDArray[np.uint8], tuple[int, int, int]]]) -> int:
    """Blend ``(x0, y0, alpha, rgb)`` layers onto a writable region of ``size`` pixels at ``origin``
    of the image (rows of ``width x channels`` bytes), Pillow's arithmetic, only over each row's
    inked span; returns how many pixels were blended (requires :data:`CORE`).

    >>> import numpy as np
    >>> px = bytearray(4 * 3)
    >>> CORE is None or blend_rgb(px, (4, 1), 3, (0, 0), [(1, 0, np.array([[0, 128, 255]], np.uint8), (200, 100, 0))])
    2
    >>> CORE is None or list(px) == [0, 0, 0, 0, 0, 0, 100, 50, 0, 200, 100, 0]
    True
    """
    assert CORE is not None
    spec = [(x0, y0, np.ascontiguousarray(a, dtype=np.uint8), a.shape[1] if a.ndim == 2 else 0, *rgb)
            for x0, y0, a, rgb in layers]
    touched: int = CORE.blend(pixels, size[0], size[1], channels, origin[0], origin[1], spec)
    return touched
