"""The compiled rasteriser core (``maskrender.draw._core``, C): the same arithmetic as numpy's.

:mod:`maskrender.draw.sweep` (with :mod:`maskrender.draw.accumulate`) is the reference; the C
core, built by the normal install when the machine has a C compiler, computes the same integer
arithmetic in loops and gives byte-identical pictures (the tests check it on generated
workloads), without temporary arrays and without the GIL.  When it is built it draws every
mask of every call; when it is not, :data:`CORE` is ``None`` and numpy draws.

The core draws a plan band by band (row ranges, :func:`maskrender.draw.sweep.bands`), each
band on its own from the plan's arrays into its own rows of the output.  So a large plan is cut
into groups of bands drawn at once on the machine's cores (:func:`threads`), and a
:class:`Renderer` draws the masks of one picture on a helper thread while the calling thread
prepares the next: the same bytes in any order.

>>> import shapely
>>> from maskrender.draw.plan import plan
>>> from maskrender.draw.shapes import from_geometries
>>> from maskrender.draw import sweep
>>> p = plan(from_geometries(polygons=[shapely.box(0.3, 0.3, 2.6, 1.9)], levels=[255], size=(3, 2)))
>>> CORE is None or alpha(p, 1.0).tolist() == sweep.alpha(p, 1.0).tolist()
True
"""

from __future__ import annotations

import collections
import math
import os
import sys
import threading
from collections.abc import Sequence
from types import TracebackType
from typing import Any

import numpy as np
import numpy.typing as npt

from maskrender.draw.accumulate import alpha_factor
from maskrender.draw.core import CORE
from maskrender.draw.plan import Plan
from maskrender.draw.sweep import bands

__all__ = ["CORE", "MAX_THREADS", "PARALLEL_WORK", "THREADS_VARIABLE", "Renderer", "alpha", "blend_rgb",
           "coverage", "threads", "work"]

MAX_THREADS = 4
"""At most this many threads draw one picture."""

PARALLEL_WORK = 1_000_000
"""A plan of less estimated work (:func:`work`) is drawn at once on the calling thread: the core
draws it in a few milliseconds, less than a helper thread costs (its start, and the page faults of
its own band buffers and malloc arena: measured 30-40 ms of CPU over the bundled sample's six
small masks, on a loaded machine, for no gain)."""


def work(p: Plan) -> int:
    """A rough measure of the core's work on ``p``: its box's pixels, its edges and its discs.

    >>> import shapely
    >>> from maskrender.draw.plan import plan
    >>> from maskrender.draw.shapes import from_geometries
    >>> work(plan(from_geometries(polygons=[shapely.box(0, 0, 8, 8)], levels=[255], size=(16, 16))))
    144
    """
    return (p.width * p.height // 16 + 64 * (len(p.iso_yt) + len(p.edge_yt))
            + 256 * (len(p.iso_cx) + len(p.disc_cx)))

THREADS_VARIABLE = "MASKRENDER_THREADS"
"""An environment variable: the number of threads that draw a picture (1: none besides the caller's)."""


def threads() -> int:
    """How many threads draw a picture: :data:`THREADS_VARIABLE` when set (at least 1); else 1 in a
    worker process of a pool (``multiprocessing``: the batch), whose siblings take the other cores;
    else the cores this process may run on (at most :data:`MAX_THREADS`) that other work leaves
    idle, by the 1-minute load average, this process's own core always counted: on a machine
    whose cores are busy, a helper thread costs CPU time (30 ms over W1, measured) and gains
    nothing.

    >>> 1 <= threads() <= MAX_THREADS
    True
    """
    given = os.environ.get(THREADS_VARIABLE, "").strip()
    if given.isdigit():
        return max(1, min(int(given), MAX_THREADS))
    mp = sys.modules.get("multiprocessing")  # imported in every worker of a process pool
    if mp is not None and mp.parent_process() is not None:
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    try:
        idle = math.floor(cores - os.getloadavg()[0]) + 1  # the load counts this process too
    except (AttributeError, OSError):  # no load average (Windows)
        idle = cores
    return max(1, min(cores, idle, MAX_THREADS))


def _i64(a: Any) -> npt.NDArray[np.int64]:
    return np.ascontiguousarray(a, dtype=np.int64)


def _f64(a: Any) -> npt.NDArray[np.float64]:
    return np.ascontiguousarray(a, dtype=np.float64)


def _arrays(p: Plan, band_rows: Sequence[tuple[int, int]] | None = None) -> tuple[npt.NDArray[Any], ...]:
    """The plan's arrays in the order and types ``_core.render`` checks (every band, or ``band_rows``)."""
    rows = np.array(bands(p) if band_rows is None else band_rows, dtype=np.int64).reshape(-1)
    return (
        _i64(p.levels), rows,
        _i64(p.iso_yt), _i64(p.iso_yb), _f64(p.iso_xt), _f64(p.iso_slope), _i64(p.iso_q),
        _f64(p.iso_cx), _i64(p.iso_cy), _i64(p.iso_level), _f64(p.half), _f64(p.above),
        _i64(p.chain_ymin), _i64(p.chain_ymax), _i64(p.chain_d), _i64(p.chain_level),
        _i64(p.edge_yt), _i64(p.edge_yb), _f64(p.edge_xt), _f64(p.edge_slope), _i64(p.edge_chain),
        _i64(p.turn_a), _i64(p.turn_b), _i64(p.turn_y), _f64(p.turn_x),
        np.ascontiguousarray(p.turn_top, dtype=np.bool_),
        _f64(p.disc_cx), _i64(p.disc_cy), _i64(p.disc_level), _i64(p.disc_keys),
    )


def _pieces(p: Plan, n: int) -> list[list[tuple[int, int]]]:
    """The plan's bands in ``n`` interleaved groups (neighbouring bands in different groups, so
    each group meets about as much of the drawing), bands halved until there are ``2 n``."""
    rows = bands(p)
    if n <= 1:
        return [rows]
    while len(rows) < 2 * n and any(b - a >= 16 for a, b in rows):
        rows = [half for a, b in rows for half in (((a, (a + b) // 2), ((a + b) // 2, b)) if b - a >= 16
                                                   else ((a, b),))]
    return [g for g in (rows[i::n] for i in range(n)) if g]


Job = tuple[Plan, npt.NDArray[Any], int, int, npt.NDArray[np.int64]]
"""A call of the core: plan, output, mode (0 alpha, 1 coverage), alpha factor, band rows."""


def _run(job: Job) -> None:
    p, out, mode, k, rows = job
    arrays = _arrays(p, [])
    assert CORE is not None
    CORE.render(out, mode, k, p.width, p.height, int(p.k0), (arrays[0], rows, *arrays[2:]))


class Renderer:
    """Draws plans with the C core on the calling thread and, when the machine has more than
    one core for it (:func:`threads`), helper threads: :meth:`submit` queues a plan (a large one
    in groups of bands), a helper starts on it at once, and leaving the ``with`` block draws
    what is left, waits for the helpers and raises the first error.  The outputs hold their
    pixels only after the block.

    >>> import shapely, numpy as np
    >>> from maskrender.draw.plan import plan
    >>> from maskrender.draw.shapes import from_geometries
    >>> p = plan(from_geometries(polygons=[shapely.box(0, 0, 2, 1)], levels=[255], size=(3, 1)))
    >>> out = np.zeros((1, 3), np.uint8)
    >>> with Renderer() as r:
    ...     r.submit(p, out, 0, alpha_factor(1.0))
    >>> CORE is None or out.tolist() == [[255, 255, 0]]
    True
    """

    def __init__(self, workers: int | None = None) -> None:
        self._workers = threads() if workers is None else max(1, workers)
        self._queue: collections.deque[Job] = collections.deque()
        self._helpers: list[threading.Thread] = []
        self._errors: list[BaseException] = []

    def submit(self, p: Plan, out: npt.NDArray[Any], mode: int, k: int) -> None:
        """Queue ``p`` to be drawn into ``out`` (mode 0: 8-bit alpha with factor ``k``, 1: coverage)."""
        if CORE is None:
            raise RuntimeError("the compiled core was not built")
        if p.width <= 0 or p.height <= 0:
            return
        if self._workers < 2 or work(p) < PARALLEL_WORK:
            _run((p, out, mode, k, _arrays(p)[1]))
            return
        # one group of bands per thread (each call of the core allocates its own band buffer)
        for group in _pieces(p, self._workers):
            self._queue.append((p, out, mode, k, np.array(group, dtype=np.int64).reshape(-1)))
        self._helpers = [t for t in self._helpers if t.is_alive()]
        if len(self._helpers) < self._workers - 1:
            t = threading.Thread(target=self._drain, name="maskrender-draw", daemon=True)
            t.start()
            self._helpers.append(t)

    def _drain(self) -> None:
        while True:
            try:
                job = self._queue.popleft()
            except IndexError:
                return
            try:
                _run(job)
            except BaseException as err:  # handed to the calling thread
                self._errors.append(err)
                self._queue.clear()
                return

    def __enter__(self) -> Renderer:
        return self

    def __exit__(self, kind: type[BaseException] | None, err: BaseException | None, tb: TracebackType | None) -> None:
        if kind is not None:
            self._queue.clear()
        self._drain()
        for t in self._helpers:
            t.join()
        self._helpers = []
        if self._errors and kind is None:
            raise self._errors[0]


def alpha(p: Plan, opacity: float) -> npt.NDArray[np.uint8]:
    """8-bit alpha, byte-identical to :func:`maskrender.draw.sweep.alpha` (requires :data:`CORE`)."""
    out = np.zeros((max(p.height, 0), max(p.width, 0)), dtype=np.uint8)
    with Renderer() as r:
        r.submit(p, out, 0, alpha_factor(opacity))
    return out


def coverage(p: Plan) -> npt.NDArray[np.float32]:
    """Coverage 0..1, identical to :func:`maskrender.draw.sweep.coverage` (requires :data:`CORE`)."""
    out = np.zeros((max(p.height, 0), max(p.width, 0)), dtype=np.float32)
    with Renderer() as r:
        r.submit(p, out, 1, 0)
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
