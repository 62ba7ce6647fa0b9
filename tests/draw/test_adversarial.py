"""Small files within every limit that once stalled the renderer for minutes (issue 12) now draw in
linear time and bounded memory, on the numpy reference and the C core.  Limits here are generous (10-30x what
``python -m benchmarks`` measures) so that they catch a hang or a quadratic step, not noise."""

from __future__ import annotations

import json
import time
import tracemalloc
import warnings

import numpy as np
import pytest
from helpers.oracle import winding_region

import maskrender as mr
from benchmarks.data import ADVERSARIAL, ADVERSARIAL_SIZE
from maskrender.draw.layers import mask_layers
from maskrender.draw.raster import accelerated
from maskrender.errors import GeometryWarning
from maskrender.overlay import prepare

BACKENDS = [False, True] if accelerated() else [False]


def _draw(raw: bytes, accelerate: bool) -> tuple[float, float, list[np.ndarray]]:
    """Seconds and peak traced MB of loading and drawing a bare mask on a 2416 px canvas."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", GeometryWarning)
            model = mr.load(raw)
        _, canvas, drawings = prepare(model, size=(ADVERSARIAL_SIZE, ADVERSARIAL_SIZE))
        layers = [la for d in drawings for la in mask_layers(d.mask, d.transform, d.style, canvas,
                                                             accelerate=accelerate)]
        seconds = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()
    return seconds, peak, [la.alpha for la in layers]


@pytest.mark.parametrize("accelerate", BACKENDS, ids=lambda a: "compiled" if a else "numpy")
@pytest.mark.parametrize("name", list(ADVERSARIAL))
def test_adversarial_shapes_draw_in_linear_time_and_bounded_memory(name: str, accelerate: bool) -> None:
    make, n = ADVERSARIAL[name]
    seconds, peak, alphas = _draw(make(n), accelerate)
    assert seconds < 60.0, f"{name}: {seconds:.1f} s"
    assert peak < 600.0, f"{name}: {peak:.0f} MB traced"
    assert sum(int(a.astype(np.int64).sum()) for a in alphas) > 0


def test_coincident_points_draw_as_one_disc() -> None:
    make, _ = ADVERSARIAL["coincident points"]
    one = _draw(make(1), False)[2]
    many = _draw(make(100_000), False)[2]
    assert [a.tobytes() for a in many] == [a.tobytes() for a in one]


def test_zigzag_and_bow_tie_cover_what_they_should() -> None:
    make, _ = ADVERSARIAL["zigzag polyline"]
    (alpha,) = _draw(make(2_000), False)[2]
    # 2,000 vertices over 2,200 px, 20 px up and down, stroked: a solid band 20 px tall plus the width
    assert (alpha[5:-5] == alpha.max()).mean() > 0.3
    make, _ = ADVERSARIAL["bow-tie polygon"]
    raw = make(1_000)
    (alpha,) = _draw(raw, False)[2]
    ring = json.loads(raw)["features"][0]["geometry"]["coordinates"][0][0]
    area = winding_region([ring]).area  # the oracle: what the ring winds around
    assert float(alpha.astype(np.float64).sum()) / alpha.max() == pytest.approx(area, rel=0.01)
