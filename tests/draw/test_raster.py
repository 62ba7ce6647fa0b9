"""The rasteriser's contract: shapes and dtypes, unbiased exact area, the non-zero union, holes,
clipping, and agreement with an exact-area oracle (``helpers.oracle``: shapely intersections
of pixel squares, sharing no code with the renderer).  Every test runs on both back-ends
(the numpy reference, and the compiled C core when the install built it)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from helpers.oracle import disc, figures, pixel_areas, stroke

from maskrender.draw.raster import (
    accelerated,
    bounds_box,
    disc_alpha,
    disc_coverage,
    line_alpha,
    line_coverage,
    polygon_alpha,
    polygon_coverage,
)

BACKENDS = [False, True] if accelerated() else [False]


@pytest.fixture(params=BACKENDS, ids=lambda a: "compiled" if a else "numpy")
def accel(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


def blob(rng: np.random.Generator, cx: float, cy: float, r: float, n: int = 24) -> shapely.Polygon:
    """A star-shaped irregular polygon (always simple)."""
    ang = np.sort(rng.uniform(0, 2 * math.pi, n))
    rr = r * rng.uniform(0.6, 1.0, n)
    return shapely.Polygon(np.c_[cx + rr * np.cos(ang), cy + rr * np.sin(ang)])


def circle(cx: float, cy: float, r: float) -> shapely.Polygon:
    return shapely.Point(cx, cy).buffer(r, quad_segs=256)


# ---------------------------------------------------------------------------------------------
# shape, dtype, empties
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("box", "shape"),
    [((0, 0, 5, 4), (4, 5)), ((10, 20, 13, 21), (1, 3)), ((5, 5, 5, 9), (4, 0)), ((5, 5, 3, 3), (0, 0))],
)
def test_shape_and_dtype(box: tuple[int, int, int, int], shape: tuple[int, int], accel: bool) -> None:
    cov = polygon_coverage(shapely.box(0, 0, 100, 100), box, accelerate=accel)
    assert cov.dtype == np.float32
    assert cov.shape == shape
    dcov = disc_coverage(np.array([[2.0, 2.0]]), 3.0, box, accelerate=accel)
    assert dcov.dtype == np.float32
    assert dcov.shape == shape
    alpha = line_alpha(shapely.LineString([(0, 0), (50, 50)]), 2.0, box, accelerate=accel)
    assert alpha.dtype == np.uint8
    assert alpha.shape == shape


@pytest.mark.parametrize(
    "geoms",
    [[], [shapely.Point(1, 1)], [shapely.LineString([(0, 0), (3, 3)])], [shapely.Polygon()],
     np.array([], dtype=object)],
)
def test_nothing_polygonal_gives_zeros(geoms: list[shapely.Geometry], accel: bool) -> None:
    cov = polygon_coverage(geoms, (0, 0, 6, 5), accelerate=accel)
    assert cov.shape == (5, 6)
    assert not cov.any()


@pytest.mark.parametrize(("centres", "radius"), [(np.empty((0, 2)), 3.0), (np.array([[2.0, 2.0]]), 0.0)])
def test_no_discs_gives_zeros(centres: np.ndarray, radius: float, accel: bool) -> None:
    cov = disc_coverage(centres, radius, (0, 0, 6, 5), accelerate=accel)
    assert cov.shape == (5, 6)
    assert not cov.any()


def test_values_in_unit_range(accel: bool) -> None:
    rng = np.random.default_rng(1)
    polys = [blob(rng, *rng.uniform(0, 60, 2), rng.uniform(3, 20)) for _ in range(40)]  # type: ignore[call-arg]
    cov = polygon_coverage(polys, (0, 0, 60, 60), accelerate=accel)
    assert cov.min() >= 0.0
    assert cov.max() <= 1.0
    dcov = disc_coverage(rng.uniform(0, 60, (200, 2)), 4.5, (0, 0, 60, 60), accelerate=accel)
    assert dcov.min() >= 0.0
    assert dcov.max() <= 1.0


# ---------------------------------------------------------------------------------------------
# area
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("offset", [(0.0, 0.0), (0.5, 0.5), (0.37, 0.81), (0.93, 0.11)])
def test_circle_area_unbiased(offset: tuple[float, float], accel: bool) -> None:
    c = circle(30 + offset[0], 30 + offset[1], 20)
    cov = polygon_coverage(c, (0, 0, 60, 60), accelerate=accel)
    assert float(cov.sum(dtype=np.float64)) == pytest.approx(c.area, rel=1e-4)


@pytest.mark.parametrize("offset", [(0.0, 0.0), (0.5, 0.5), (0.37, 0.81), (0.93, 0.11)])
@pytest.mark.parametrize("radius", [20.0, 8.456, 2.5, 0.5, 0.3, 0.1])
def test_disc_area_exact(offset: tuple[float, float], radius: float, accel: bool) -> None:
    cov = disc_coverage(np.array([[30 + offset[0], 30 + offset[1]]]), radius, (0, 0, 60, 60), accelerate=accel)
    assert float(cov.sum(dtype=np.float64)) == pytest.approx(math.pi * radius**2, rel=0.002, abs=2e-5)


def test_many_random_blobs_total_area(accel: bool) -> None:
    rng = np.random.default_rng(7)
    polys = [blob(rng, *rng.uniform(30, 370, 2), rng.uniform(5, 25)) for _ in range(120)]  # type: ignore[call-arg]
    union = shapely.union_all(polys)
    cov = polygon_coverage(polys, (0, 0, 400, 400), accelerate=accel)
    assert float(cov.sum(dtype=np.float64)) == pytest.approx(union.area, rel=0.001)


def test_axis_aligned_square_is_exact(accel: bool) -> None:
    sq = shapely.box(1.25, 2.3, 4.75, 5.6)
    cov = polygon_coverage(sq, (0, 0, 6, 7), accelerate=accel)
    np.testing.assert_allclose(cov, pixel_areas(sq, (6, 7)), atol=1e-3)


# ---------------------------------------------------------------------------------------------
# non-zero union: holes, overlaps, orientation
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("orient", ["ccw", "cw", "mixed"])
def test_hole_shows_through(orient: str, accel: bool) -> None:
    outer = [(5, 5), (35, 5), (35, 35), (5, 35)]
    inner = [(15, 15), (25, 15), (25, 25), (15, 25)]
    if orient == "cw":
        outer, inner = outer[::-1], inner[::-1]
    elif orient == "mixed":
        inner = inner[::-1]
    donut = shapely.Polygon(outer, [inner])
    cov = polygon_coverage(donut, (0, 0, 40, 40), accelerate=accel)
    assert not cov[15:25, 15:25].any()
    assert (cov[5:15, 5:35] == 1).all()
    assert float(cov.sum()) == pytest.approx(donut.area, rel=1e-6)


def test_overlapping_features_count_once(accel: bool) -> None:
    a = shapely.box(5, 5, 25, 25)
    b = shapely.box(15, 15, 35, 35)
    for geoms in ([a, b], [a, shapely.Polygon(list(b.exterior.coords)[::-1])], shapely.MultiPolygon([a, b])):
        cov = polygon_coverage(geoms, (0, 0, 40, 40), accelerate=accel)
        assert (cov[15:25, 15:25] == 1).all()
        assert float(cov.sum()) == pytest.approx(shapely.union(a, b).area, rel=1e-6)


def test_identical_features_many_times_count_once(accel: bool) -> None:
    c = circle(20.3, 20.6, 12)
    once = polygon_coverage(c, (0, 0, 40, 40), accelerate=accel)
    many = polygon_coverage([c] * 300, (0, 0, 40, 40), accelerate=accel)
    np.testing.assert_allclose(many, once, atol=1e-4)  # alone it is drawn whole rows at a time, copies by strips
    np.testing.assert_array_equal(polygon_alpha([c] * 300, (0, 0, 40, 40), accelerate=accel),
                                  polygon_alpha(c, (0, 0, 40, 40), accelerate=accel))


@pytest.mark.parametrize("shift", [(0.0, 0.0), (0.5, 0.5), (0.25, 0.75), (0.3, 0.45)])
def test_identical_squares_and_discs_count_once(shift: tuple[float, float], accel: bool) -> None:
    sq = shapely.box(20.5 + shift[0], 20.5 + shift[1], 70.25 + shift[0], 60.5 + shift[1])
    one = polygon_alpha(sq, (0, 0, 100, 100), 1.0, accelerate=accel)
    two = polygon_alpha([sq, sq], (0, 0, 100, 100), 1.0, accelerate=accel)
    np.testing.assert_array_equal(one, two)
    c = np.array([[30.3 + shift[0], 40.6 + shift[1]]])
    d_one = disc_alpha(c, 6.5, (0, 0, 100, 100), accelerate=accel)
    d_two = disc_alpha(np.vstack([c, c]), 6.5, (0, 0, 100, 100), accelerate=accel)
    np.testing.assert_array_equal(d_one, d_two)


def test_overlapping_discs_count_once(accel: bool) -> None:
    centres = np.array([[20.0, 20.0], [26.0, 20.0], [23.0, 25.0]])
    cov = disc_coverage(centres, 8.0, (0, 0, 50, 50), accelerate=accel)
    union = shapely.union_all([disc(x, y, 8.0) for x, y in centres])
    assert cov.max() == 1.0
    assert float(cov.sum(dtype=np.float64)) == pytest.approx(union.area, rel=0.002)


def test_hole_in_one_feature_covered_by_another(accel: bool) -> None:
    donut = shapely.Polygon([(0, 0), (30, 0), (30, 30), (0, 30)], [[(10, 10), (20, 10), (20, 20), (10, 20)]])
    plug = shapely.box(12, 12, 18, 18)
    cov = polygon_coverage([donut, plug], (0, 0, 30, 30), accelerate=accel)
    assert (cov[12:18, 12:18] == 1).all()
    assert not cov[10:12, 10:20].any()


# ---------------------------------------------------------------------------------------------
# clipping
# ---------------------------------------------------------------------------------------------


def test_far_off_canvas_geometry_is_clipped(accel: bool) -> None:
    far = [shapely.box(1e7, 1e7, 1e7 + 50, 1e7 + 50), shapely.box(-1e9, -1e9, -1e9 + 5, -1e9 + 5)]
    assert not polygon_coverage(far, (0, 0, 64, 64), accelerate=accel).any()
    assert not disc_coverage(np.array([[1e7, 1e7], [-1e9, 20.0], [20.0, 1e12]]), 5.0, (0, 0, 64, 64),
                             accelerate=accel).any()
    assert not line_coverage(shapely.LineString([(1e8, 5), (1e8 + 10, 5)]), 3.0, (0, 0, 64, 64),
                             accelerate=accel).any()


def test_huge_geometry_crossing_the_box(accel: bool) -> None:
    tri = shapely.Polygon([(-1e9, -1e9), (1e9, -1e9), (20.5, 1e9)])
    cov = polygon_coverage(tri, (0, 0, 40, 30), accelerate=accel)
    assert cov.shape == (30, 40)
    assert (cov == 1).all()
    half = shapely.box(-1e9, -1e9, 10.5, 1e9)
    cov = polygon_coverage(half, (0, 0, 20, 10), accelerate=accel)
    np.testing.assert_allclose(cov[:, :10], 1.0)
    np.testing.assert_allclose(cov[:, 10], 0.5, atol=1e-3)
    assert not cov[:, 11:].any()
    wide = line_coverage(shapely.LineString([(-1e9, 5.25), (1e9, 5.25)]), 3.0, (0, 0, 20, 10), accelerate=accel)
    np.testing.assert_allclose(wide, np.repeat([[0, 0, 0, 0.25, 1, 1, 0.75, 0, 0, 0]], 20, axis=0).T, atol=1e-3)


def test_box_offset_matches_cropping(accel: bool) -> None:
    rng = np.random.default_rng(3)
    polys = [blob(rng, *rng.uniform(0, 100, 2), rng.uniform(4, 30)) for _ in range(30)]  # type: ignore[call-arg]
    full = polygon_coverage(polys, (0, 0, 100, 100), accelerate=accel)
    part = polygon_coverage(polys, (23, 41, 77, 90), accelerate=accel)
    np.testing.assert_allclose(part, full[41:90, 23:77], atol=2e-3)
    centres = rng.uniform(-10, 110, (300, 2))
    dfull = disc_coverage(centres, 6.3, (0, 0, 100, 100), accelerate=accel)
    dpart = disc_coverage(centres, 6.3, (23, 41, 77, 90), accelerate=accel)
    np.testing.assert_allclose(dpart, dfull[41:90, 23:77], atol=2e-3)


def test_partially_off_box_feature_area(accel: bool) -> None:
    c = circle(0.0, 0.0, 20.0)  # a quarter inside the box
    cov = polygon_coverage(c, (0, 0, 30, 30), accelerate=accel)
    assert float(cov.sum(dtype=np.float64)) == pytest.approx(c.area / 4, rel=1e-3)
    dcov = disc_coverage(np.array([[0.0, 0.0]]), 20.0, (0, 0, 30, 30), accelerate=accel)
    assert float(dcov.sum(dtype=np.float64)) == pytest.approx(math.pi * 400 / 4, rel=1e-3)


def test_bounds_box_pads_and_clips() -> None:
    geoms = np.array([shapely.box(-5, 3, 4.5, 7), shapely.Point(9, 9)])
    assert bounds_box(geoms, 1.0, (8, 8)) == (0, 2, 8, 8)
    assert bounds_box(np.array([shapely.Point(50, 50)]), 1.0, (8, 8)) is None
    assert bounds_box(np.array([], dtype=object), 1.0, (8, 8)) is None


# ---------------------------------------------------------------------------------------------
# agreement with the oracle
# ---------------------------------------------------------------------------------------------


def _scene(seed: int) -> list[shapely.Polygon]:
    rng = np.random.default_rng(seed)
    polys = []
    for i in range(12):
        p = blob(rng, *rng.uniform(10, 70, 2), rng.uniform(4, 18), n=int(rng.integers(5, 30)))  # type: ignore[call-arg,misc]
        if i % 3 == 0:
            cx, cy = p.centroid.x, p.centroid.y
            hole = shapely.Point(cx, cy).buffer(p.exterior.distance(p.centroid) * 0.5, quad_segs=6)
            p = shapely.Polygon(p.exterior, [hole.exterior]) if hole.within(p) else p
        polys.append(p)
    return polys


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_polygons_agree_with_exact_pixel_areas(seed: int, accel: bool) -> None:
    polys = _scene(seed)
    alpha = polygon_alpha(polys, (0, 0, 80, 80), accelerate=accel)
    fig = figures(alpha, pixel_areas(shapely.union_all(polys), (80, 80)))
    assert fig.edge_error < 1.5  # in levels of 255: rounding to 8 bits is 0.25 on average
    assert abs(fig.area_bias) < 5e-4


def test_discs_agree_with_exact_pixel_areas(accel: bool) -> None:
    rng = np.random.default_rng(11)
    centres = rng.uniform(5, 75, (60, 2))
    for radius in (0.4, 2.0, 4.7, 8.456):
        alpha = disc_alpha(centres, radius, (0, 0, 80, 80), accelerate=accel)
        ref = pixel_areas(shapely.union_all([disc(x, y, radius) for x, y in centres]), (80, 80))
        fig = figures(alpha, ref)
        assert fig.edge_error < 2.0
        assert abs(fig.area_bias) < 2e-3
        assert alpha[ref == 0].max(initial=0) <= 3  # a strip's chord may lean out of its disc by a hair


def test_large_discs_on_a_small_box_agree_with_exact_pixel_areas(accel: bool) -> None:
    """Discs far larger than the box (their offset table is then sorted, not marked: see
    ``plan._disc_keys``), centred inside and outside it, against exact pixel areas."""
    rng = np.random.default_rng(12)
    for radius in (45.3, 180.7):
        centres = np.r_[rng.uniform(-radius, 60 + radius, (3, 2)), [[30.37, -radius + 20.11]]]
        alpha = disc_alpha(centres, radius, (0, 0, 60, 60), accelerate=accel)
        ref = pixel_areas(shapely.union_all([disc(x, y, radius) for x, y in centres]), (60, 60))
        fig = figures(alpha, ref)
        assert fig.edge_error < 2.0, radius
        assert abs(fig.area_bias) < 2e-3, radius


@pytest.mark.slow
def test_lines_agree_with_exact_pixel_areas(accel: bool) -> None:
    rng = np.random.default_rng(5)
    lines = [shapely.LineString(rng.uniform(5, 75, (int(rng.integers(2, 12)), 2))) for _ in range(6)]
    for width in (0.8, 2.0, 3.5, 7.0):
        alpha = line_alpha(lines, width, (0, 0, 80, 80), accelerate=accel)
        fig = figures(alpha, pixel_areas(shapely.union_all([stroke(g, width) for g in lines]), (80, 80)))
        assert fig.edge_error < 2.0, width
        assert abs(fig.area_bias) < 2e-3, width


def test_alpha_is_rounded_coverage(accel: bool) -> None:
    polys = _scene(4)
    cov = polygon_coverage(polys, (0, 0, 80, 80), accelerate=accel)
    for factor in (1.0, 0.6, 0.13):
        alpha = polygon_alpha(polys, (0, 0, 80, 80), factor, accelerate=accel)
        assert alpha.dtype == np.uint8
        np.testing.assert_allclose(alpha, np.rint(cov * factor * 255), atol=1)
    centres = np.random.default_rng(5).uniform(-5, 65, (150, 2))
    dcov = disc_coverage(centres, 3.3, (0, 0, 60, 50), accelerate=accel)
    np.testing.assert_allclose(disc_alpha(centres, 3.3, (0, 0, 60, 50), 0.6, accelerate=accel),
                               np.rint(dcov * 0.6 * 255), atol=1)


def test_thin_sliver_keeps_its_area(accel: bool) -> None:
    sliver = shapely.Polygon([(2, 10.1), (58, 10.1), (58, 10.4), (2, 10.4)])
    cov = polygon_coverage(sliver, (0, 0, 60, 20), accelerate=accel)
    # vertices are placed to 1/1024 px: a 0.3 px sliver may come out 0.3 +- 0.001 tall
    assert float(cov.sum()) == pytest.approx(sliver.area, rel=4e-3)
    np.testing.assert_allclose(cov[10, 3:57], 0.3, atol=1.5e-3)
