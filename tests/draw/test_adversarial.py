"""Small files within every limit that once stalled the renderer for minutes (issue 12) now draw in
linear time and bounded memory, on the numpy reference and the C core.  Limits here are generous (10-30x what
``python -m benchmarks`` measures) so that they catch a hang or a quadratic step, not noise."""

from __future__ import annotations

import json
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import pytest
from helpers.oracle import winding_region
from PIL import Image

import maskrender as mr
from benchmarks.data import ADVERSARIAL, ADVERSARIAL_SIZE, HOSTILE_NUMBERS, hostile_input
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


@pytest.mark.slow
@pytest.mark.parametrize("accelerate", BACKENDS, ids=lambda a: "compiled" if a else "numpy")
@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if "squares" in n else n
                                  for n in ADVERSARIAL])
def test_adversarial_shapes_draw_in_linear_time_and_bounded_memory(name: str, accelerate: bool) -> None:
    make, n = ADVERSARIAL[name]
    _, peak, alphas = _draw(make(n), accelerate)
    assert peak < 600.0, f"{name}: {peak:.0f} MB traced"
    assert sum(int(a.astype(np.int64).sum()) for a in alphas) > 0


@pytest.mark.slow
@pytest.mark.parametrize("name", list(HOSTILE_NUMBERS))
def test_hostile_numbers_cost_what_the_canvas_does(name: str, tmp_path: Path) -> None:
    """The real command in a fresh process (capped at 4 GB of address space, so a regression fails
    instead of taking the machine): peak RSS growth well under the 300 MB target, a whole picture."""
    from benchmarks.timing import peak_rss_growth

    what, options = HOSTILE_NUMBERS[name]
    source, out = hostile_input(what, tmp_path), tmp_path / "out.png"
    args = ["render", str(source), *options, "-o", str(out), "-q"]
    measured = peak_rss_growth("import resource\nresource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))\n"
                               "from maskrender.cli import main", f"assert main({args!r}) == 0")
    assert measured["growth_mb"] < 300, f"{name}: {measured}"
    with Image.open(out) as im:
        alpha = np.asarray(im.convert("RGBA"))[:, :, 3]
    assert im.size == (2416, 2416)
    assert alpha.max() > 0


@pytest.mark.slow
@pytest.mark.parametrize(("source", "kind", "style"), [
    ("pores.json", "point_mask", {"point_radius": 1e6}),
    ("lines.json", "polyline_mask", {"line_width": 1e6}),
    ("acne.json", "polygon_mask", {"outline": 1e5, "opacity": 0.0}),
])
def test_huge_radii_and_widths_cover_the_canvas_at_the_largest_level(source: str, kind: str,
                                                                     style: dict[str, float]) -> None:
    """In process, on both implementations (the sanitizer run sees the core draw them): discs and
    strokes far larger than the canvas cover all of it, at the mask's largest level."""
    from helpers import FIXTURES

    from maskrender.style import Style

    _, canvas, drawings = prepare(FIXTURES / source, size=(300, 300), style=Style(**style))  # type: ignore[arg-type]
    for d in [d for d in drawings if d.mask.mask_type == kind]:
        levels = [round(f.intensity * 255) for f in d.mask.features]
        for accelerate in BACKENDS:
            layers = mask_layers(d.mask, d.transform, d.style, canvas, accelerate=accelerate)
            alpha = layers[-1].alpha
            opacity = d.style.outline_opacity if style.get("opacity") == 0.0 else d.style.opacity
            assert alpha.shape == (300, 300)
            # everywhere (once off by up to 32 levels in slivers where the strokes' inner outlines
            # turned inside a quarter-pixel strip)
            assert (alpha == round(opacity * max(levels))).all()


def test_a_disc_far_larger_than_the_box_reads_only_the_box_rows_of_its_table() -> None:
    """Work counts: the exact-area table of a disc is made at the offsets the box's strips meet
    (it once held 2 x radius x 1024 entries: 16 GB at a 1e6 px radius), and a disc that holds the
    whole box is drawn as the box."""
    from maskrender.draw.plan import plan
    from maskrender.draw.shapes import from_geometries

    def entries(radius: float, centre: tuple[float, float]) -> tuple[int, int]:
        p = plan(from_geometries(points=np.array([centre]), radius=radius, size=(300, 200)))
        return len(p.disc_keys), len(p.edge_yt)

    assert entries(1e6, (150.0, 100.0)) == (0, 2)  # the box itself: two edges, no disc
    keys, _ = entries(1e6, (150.0, 100.0 - 1e6 + 50.0))  # its bottom arc crosses the box
    assert keys <= 2 * 200 * 8 + 3
    small, _ = entries(3.0, (150.0, 100.0))
    assert small <= 2 * 3 * 8 + 3


@pytest.mark.slow
def test_coincident_points_draw_as_one_disc() -> None:
    make, _ = ADVERSARIAL["coincident points"]
    one = _draw(make(1), False)[2]
    many = _draw(make(100_000), False)[2]
    assert [a.tobytes() for a in many] == [a.tobytes() for a in one]


@pytest.mark.slow
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


ARRAY_NAMES = [
    "levels", "bands", "iso_yt", "iso_yb", "iso_xt", "iso_slope", "iso_q", "iso_cx", "iso_cy", "iso_level", "half",
    "above", "chain_ymin", "chain_ymax", "chain_d", "chain_level", "edge_yt", "edge_yb", "edge_xt", "edge_slope",
    "edge_chain", "turn_a", "turn_b", "turn_y", "turn_x", "turn_top", "disc_cx", "disc_cy", "disc_level", "disc_keys",
]
"""The arrays ``_core.render`` takes, in order (``maskrender.draw.compiled._arrays``)."""


def _render_corrupted(name: str, how: str) -> None:
    """Draw overlapping polygons, isolated ones and overlapping discs with one of the core's input
    arrays cut short (``short``) or, for an index array, pointed far away (``far``)."""
    import shapely

    from maskrender.draw import compiled
    from maskrender.draw.plan import plan
    from maskrender.draw.shapes import from_geometries

    blob = shapely.Point(20.3, 20.37).buffer(9.1)
    s = from_geometries(polygons=[shapely.box(2.2, 2.3, 30.1, 30.7), blob, shapely.box(36.1, 36.2, 39.5, 39.4)],
                        levels=[128, 255, 200], size=(40, 40))
    d = from_geometries(points=np.array([[10.1, 10.3], [12.2, 11.1], [33.3, 5.7]]), radius=4.2, size=(40, 40))
    for p in (plan(s), plan(d)):
        arrays = list(compiled._arrays(p))
        j = ARRAY_NAMES.index(name)
        a = arrays[j]
        if len(a) == 0:
            continue
        arrays[j] = a[: len(a) // 2].copy() if how == "short" else a + (np.int64(1) << 40)
        out = np.zeros((p.height, p.width), dtype=np.uint8)
        compiled.CORE.render(out, 0, 1 << 24, p.width, p.height, int(p.k0), tuple(arrays))  # type: ignore[union-attr]


SHORT = [n for n in ARRAY_NAMES if n not in ("bands",)]
FAR = ["edge_chain", "turn_a", "turn_b", "bands"]


@pytest.mark.skipif(not accelerated(), reason="the C core was not built (no compiler at install time)")
@pytest.mark.parametrize(("name", "how"), [(n, "short") for n in SHORT] + [(n, "far") for n in FAR])
def test_the_core_refuses_inputs_that_index_out_of_range(name: str, how: str) -> None:
    """Every index the C core takes from its inputs is checked: an array cut short or an index
    pointing far away raises, never reads or writes outside an array (``.ci/sanitize`` runs this
    under AddressSanitizer, where a stray access aborts)."""
    with pytest.raises((RuntimeError, ValueError), match=r"out of range|unequal lengths"):
        _render_corrupted(name, how)
