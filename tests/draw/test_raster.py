"""The coverage rasteriser's contract: unbiased area, non-zero union, holes, clipping, and
agreement with independent references (exact pixel areas from shapely, and an 8x
supersampled Pillow drawing).

These tests were written before the rasteriser was optimised and guard every later change.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from PIL import Image, ImageDraw

from maskrender.draw import raster
from maskrender.draw.raster import disc_alpha, disc_coverage, polygon_alpha, polygon_coverage

# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------


def exact_coverage(geom: shapely.Geometry, box: tuple[int, int, int, int]) -> np.ndarray:
    """Exact covered area of every pixel of ``box`` (shapely intersection areas)."""
    x0, y0, x1, y1 = box
    ys, xs = np.mgrid[y0:y1, x0:x1]
    cells = shapely.box(xs.ravel(), ys.ravel(), xs.ravel() + 1, ys.ravel() + 1)
    union = shapely.union_all(np.atleast_1d(np.asarray(geom, dtype=object)))
    return shapely.area(shapely.intersection(cells, union)).reshape(y1 - y0, x1 - x0)


def pillow_reference(polys: list[shapely.Polygon], box: tuple[int, int, int, int], factor: int = 8) -> np.ndarray:
    """Coverage from an 8x supersampled Pillow drawing (no anti-aliasing), box-filtered down.

    Each polygon is drawn as its exterior minus its holes on its own sheet, and sheets are
    OR-ed: the union of polygons with holes. Pillow fills the pixels whose centres are
    inside, which at 8x is within 1/16 px of the exact edge.
    """
    x0, y0, x1, y1 = box
    w, h = (x1 - x0) * factor, (y1 - y0) * factor
    total = np.zeros((h, w), dtype=bool)

    def pts(ring: shapely.LinearRing) -> list[tuple[float, float]]:
        xy = (np.asarray(ring.coords)[:, :2] - (x0, y0)) * factor - 0.5
        return [tuple(p) for p in xy.tolist()]

    for poly in polys:
        sheet = Image.new("1", (w, h), 0)
        draw = ImageDraw.Draw(sheet)
        draw.polygon(pts(poly.exterior), fill=1)
        for hole in poly.interiors:
            draw.polygon(pts(hole), fill=0)
        total |= np.asarray(sheet, dtype=bool)
    return total.reshape(y1 - y0, factor, x1 - x0, factor).mean(axis=(1, 3))


def blob(rng: np.random.Generator, cx: float, cy: float, r: float, n: int = 24) -> shapely.Polygon:
    """A star-shaped irregular polygon (always simple)."""
    ang = np.sort(rng.uniform(0, 2 * math.pi, n))
    rr = r * rng.uniform(0.6, 1.0, n)
    return shapely.Polygon(np.c_[cx + rr * np.cos(ang), cy + rr * np.sin(ang)])


def circle(cx: float, cy: float, r: float) -> shapely.Polygon:
    return shapely.Point(cx, cy).buffer(r, quad_segs=256)


@pytest.fixture(autouse=True, params=["sum", "exact"])
def union(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test runs with both ways of combining overlapping edges (``raster.UNION``)."""
    monkeypatch.setattr(raster, "UNION", request.param)
    return str(request.param)


# ---------------------------------------------------------------------------------------------
# shape, dtype, empties
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("box", "shape"),
    [((0, 0, 5, 4), (4, 5)), ((10, 20, 13, 21), (1, 3)), ((5, 5, 5, 9), (4, 0)), ((5, 5, 3, 3), (0, 0))],
)
def test_shape_and_dtype(box: tuple[int, int, int, int], shape: tuple[int, int]) -> None:
    cov = polygon_coverage(shapely.box(0, 0, 100, 100), box)
    assert cov.dtype == np.float32
    assert cov.shape == shape
    dcov = disc_coverage(np.array([[2.0, 2.0]]), 3.0, box)
    assert dcov.dtype == np.float32
    assert dcov.shape == shape


@pytest.mark.parametrize(
    "geoms",
    [[], [shapely.Point(1, 1)], [shapely.LineString([(0, 0), (3, 3)])], [shapely.Polygon()],
     np.array([], dtype=object)],
)
def test_nothing_polygonal_gives_zeros(geoms: list[shapely.Geometry]) -> None:
    cov = polygon_coverage(geoms, (0, 0, 6, 5))
    assert cov.shape == (5, 6)
    assert not cov.any()


@pytest.mark.parametrize(("centres", "radius"), [(np.empty((0, 2)), 3.0), (np.array([[2.0, 2.0]]), 0.0)])
def test_no_discs_gives_zeros(centres: np.ndarray, radius: float) -> None:
    cov = disc_coverage(centres, radius, (0, 0, 6, 5))
    assert cov.shape == (5, 6)
    assert not cov.any()


def test_values_in_unit_range() -> None:
    rng = np.random.default_rng(1)
    polys = [blob(rng, *rng.uniform(0, 60, 2), rng.uniform(3, 20)) for _ in range(40)]
    cov = polygon_coverage(polys, (0, 0, 60, 60))
    assert cov.min() >= 0.0
    assert cov.max() <= 1.0
    dcov = disc_coverage(rng.uniform(0, 60, (200, 2)), 4.5, (0, 0, 60, 60))
    assert dcov.min() >= 0.0
    assert dcov.max() <= 1.0


# ---------------------------------------------------------------------------------------------
# area
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("offset", [(0.0, 0.0), (0.5, 0.5), (0.37, 0.81), (0.93, 0.11)])
def test_circle_area_unbiased(offset: tuple[float, float]) -> None:
    c = circle(30 + offset[0], 30 + offset[1], 20)
    cov = polygon_coverage(c, (0, 0, 60, 60))
    assert float(cov.sum(dtype=np.float64)) == pytest.approx(c.area, rel=0.005)


@pytest.mark.parametrize("offset", [(0.0, 0.0), (0.5, 0.5), (0.37, 0.81), (0.93, 0.11)])
@pytest.mark.parametrize("radius", [20.0, 8.456, 2.5])
def test_disc_area_unbiased(offset: tuple[float, float], radius: float) -> None:
    cov = disc_coverage(np.array([[30 + offset[0], 30 + offset[1]]]), radius, (0, 0, 60, 60))
    tol = 0.005 if radius >= 8 else 0.02
    assert float(cov.sum(dtype=np.float64)) == pytest.approx(math.pi * radius**2, rel=tol)


def test_many_random_blobs_total_area() -> None:
    rng = np.random.default_rng(7)
    polys = [blob(rng, *rng.uniform(30, 370, 2), rng.uniform(5, 25)) for _ in range(120)]
    union = shapely.union_all(polys)
    cov = polygon_coverage(polys, (0, 0, 400, 400))
    assert float(cov.sum(dtype=np.float64)) == pytest.approx(union.area, rel=0.005)


def test_axis_aligned_square_is_exact() -> None:
    cov = polygon_coverage(shapely.box(1.25, 2.0, 4.75, 5.0), (0, 0, 6, 7))
    expected = exact_coverage(shapely.box(1.25, 2.0, 4.75, 5.0), (0, 0, 6, 7))
    np.testing.assert_allclose(cov, expected, atol=1e-6)


# ---------------------------------------------------------------------------------------------
# non-zero union: holes, overlaps, orientation
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("orient", ["ccw", "cw", "mixed"])
def test_hole_shows_through(orient: str) -> None:
    outer = [(5, 5), (35, 5), (35, 35), (5, 35)]
    inner = [(15, 15), (25, 15), (25, 25), (15, 25)]
    if orient == "cw":
        outer, inner = outer[::-1], inner[::-1]
    elif orient == "mixed":
        inner = inner[::-1]
    donut = shapely.Polygon(outer, [inner])
    cov = polygon_coverage(donut, (0, 0, 40, 40))
    assert not cov[15:25, 15:25].any()
    assert (cov[5:15, 5:35] == 1).all()
    assert float(cov.sum()) == pytest.approx(donut.area, rel=1e-6)


def test_overlapping_features_count_once() -> None:
    a = shapely.box(5, 5, 25, 25)
    b = shapely.box(15, 15, 35, 35)
    for geoms in ([a, b], [a, shapely.Polygon(list(b.exterior.coords)[::-1])], shapely.MultiPolygon([a, b])):
        cov = polygon_coverage(geoms, (0, 0, 40, 40))
        assert (cov[15:25, 15:25] == 1).all()
        assert float(cov.sum()) == pytest.approx(shapely.union(a, b).area, rel=1e-6)


def test_identical_features_many_times_count_once(union: str) -> None:
    c = circle(20.3, 20.6, 12)
    once = polygon_coverage(c, (0, 0, 40, 40))
    many = polygon_coverage([c] * 300, (0, 0, 40, 40))
    np.testing.assert_allclose(many[once == 1], 1.0)
    assert many.max() <= 1.0
    if union == "exact":  # edges included: 300 copies look like one
        np.testing.assert_allclose(many, once, atol=1e-6)
    else:  # edge pixels saturate (sum of partial coverages)
        assert float(many.sum()) >= float(once.sum()) - 1e-3


@pytest.mark.parametrize("shift", [(0.0, 0.0), (0.5, 0.5), (0.25, 0.75)])
def test_identical_squares_in_exact_mode(union: str, shift: tuple[float, float]) -> None:
    sq = shapely.box(20.5 + shift[0], 20.5 + shift[1], 70.25 + shift[0], 60.5 + shift[1])
    one = polygon_alpha(sq, (0, 0, 100, 100), 1.0)
    two = polygon_alpha([sq, sq], (0, 0, 100, 100), 1.0)
    if union == "exact":
        assert (one == two).all()
    else:
        assert (two >= one).all()
    d_one = disc_alpha(np.array([[30.3, 40.6]]), 6.5, (0, 0, 100, 100))
    d_two = disc_alpha(np.array([[30.3, 40.6], [30.3, 40.6]]), 6.5, (0, 0, 100, 100))
    assert (d_one == d_two).all() if union == "exact" else (d_two >= d_one).all()


def test_overlapping_discs_count_once() -> None:
    centres = np.array([[20.0, 20.0], [26.0, 20.0], [23.0, 25.0]])
    cov = disc_coverage(centres, 8.0, (0, 0, 50, 50))
    union = shapely.union_all([circle(x, y, 8.0) for x, y in centres])
    assert cov.max() == 1.0
    assert float(cov.sum(dtype=np.float64)) == pytest.approx(union.area, rel=0.01)


def test_hole_in_one_feature_covered_by_another() -> None:
    donut = shapely.Polygon([(0, 0), (30, 0), (30, 30), (0, 30)], [[(10, 10), (20, 10), (20, 20), (10, 20)]])
    plug = shapely.box(12, 12, 18, 18)
    cov = polygon_coverage([donut, plug], (0, 0, 30, 30))
    assert (cov[12:18, 12:18] == 1).all()
    assert not cov[10:12, 10:20].any()


# ---------------------------------------------------------------------------------------------
# clipping
# ---------------------------------------------------------------------------------------------


def test_far_off_canvas_geometry_is_clipped() -> None:
    far = [shapely.box(1e7, 1e7, 1e7 + 50, 1e7 + 50), shapely.box(-1e9, -1e9, -1e9 + 5, -1e9 + 5)]
    assert not polygon_coverage(far, (0, 0, 64, 64)).any()
    assert not disc_coverage(np.array([[1e7, 1e7], [-1e9, 20.0], [20.0, 1e12]]), 5.0, (0, 0, 64, 64)).any()


def test_huge_geometry_crossing_the_box() -> None:
    # edges a billion pixels long: only the sub-scanlines inside the box may be visited
    tri = shapely.Polygon([(-1e9, -1e9), (1e9, -1e9), (20.5, 1e9)])
    cov = polygon_coverage(tri, (0, 0, 40, 30))
    assert cov.shape == (30, 40)
    assert (cov == 1).all()
    half = shapely.box(-1e9, -1e9, 10.5, 1e9)
    cov = polygon_coverage(half, (0, 0, 20, 10))
    np.testing.assert_allclose(cov[:, :10], 1.0)
    np.testing.assert_allclose(cov[:, 10], 0.5)
    assert not cov[:, 11:].any()


def test_box_offset_matches_cropping() -> None:
    rng = np.random.default_rng(3)
    polys = [blob(rng, *rng.uniform(0, 100, 2), rng.uniform(4, 30)) for _ in range(30)]
    full = polygon_coverage(polys, (0, 0, 100, 100))
    part = polygon_coverage(polys, (23, 41, 77, 90))
    np.testing.assert_allclose(part, full[41:90, 23:77], atol=1e-5)
    centres = rng.uniform(-10, 110, (300, 2))
    dfull = disc_coverage(centres, 6.3, (0, 0, 100, 100))
    dpart = disc_coverage(centres, 6.3, (23, 41, 77, 90))
    np.testing.assert_allclose(dpart, dfull[41:90, 23:77], atol=1e-5)


def test_partially_off_box_feature_area() -> None:
    c = circle(0.0, 0.0, 20.0)  # a quarter inside the box
    cov = polygon_coverage(c, (0, 0, 30, 30))
    assert float(cov.sum(dtype=np.float64)) == pytest.approx(c.area / 4, rel=0.005)
    dcov = disc_coverage(np.array([[0.0, 0.0]]), 20.0, (0, 0, 30, 30))
    assert float(dcov.sum(dtype=np.float64)) == pytest.approx(math.pi * 400 / 4, rel=0.005)


# ---------------------------------------------------------------------------------------------
# agreement with independent references
# ---------------------------------------------------------------------------------------------


def _scene(seed: int) -> list[shapely.Polygon]:
    rng = np.random.default_rng(seed)
    polys = []
    for i in range(12):
        p = blob(rng, *rng.uniform(10, 70, 2), rng.uniform(4, 18), n=int(rng.integers(5, 30)))
        if i % 3 == 0:
            cx, cy = p.centroid.x, p.centroid.y
            hole = shapely.Point(cx, cy).buffer(p.exterior.distance(p.centroid) * 0.5, quad_segs=6)
            p = shapely.Polygon(p.exterior, [hole.exterior]) if hole.within(p) else p
        polys.append(p)
    return polys


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("reference", ["exact", "pillow-8x"])
def test_agrees_with_references(seed: int, reference: str) -> None:
    polys = _scene(seed)
    box = (0, 0, 80, 80)
    cov = polygon_coverage(polys, box)
    ref = exact_coverage(polys, box) if reference == "exact" else pillow_reference(polys, box)
    edge = (ref > 0) & (ref < 1)
    err = np.abs(cov - ref)
    if reference == "exact":
        assert err[~edge].max() < 1e-4  # interior and exterior exact
        assert float(err[edge].mean()) < 0.02
        # coverage quantisation: 5 sub-scanlines, exact horizontally; where two features'
        # edges share a pixel the winding is summed before the clamp, so it may saturate
        assert float(err.max()) < 0.5
    else:
        # Pillow's fill includes the outline: on its own it is ~0.05 off the exact areas on
        # edge pixels (biased outwards by about half a sub-pixel); we are ~0.01 off
        assert float(err[edge].mean()) < 0.08
        assert float(err[~edge].mean()) < 0.005


def test_discs_agree_with_exact_pixel_areas(union: str) -> None:
    rng = np.random.default_rng(11)
    centres = rng.uniform(5, 75, (60, 2))
    box = (0, 0, 80, 80)
    for radius in (2.0, 4.7, 8.456):
        cov = disc_coverage(centres, radius, box)
        ref = exact_coverage([circle(x, y, radius) for x, y in centres], box)
        edge = (ref > 0) & (ref < 1)
        assert not cov[ref == 0].any()
        assert np.abs(cov - ref)[ref == 1].max() < 1e-3
        assert float(np.abs(cov - ref)[edge].mean()) < 0.03
        if union == "exact":
            assert float(cov.sum(dtype=np.float64)) == pytest.approx(float(ref.sum()), rel=0.005)
        else:  # shared edge pixels may saturate
            assert float(cov.sum(dtype=np.float64)) >= float(ref.sum()) * 0.999


def test_disc_alpha_is_rounded_coverage() -> None:
    centres = np.random.default_rng(5).uniform(-5, 65, (150, 2))
    cov = disc_coverage(centres, 3.3, (0, 0, 60, 50))
    alpha = disc_alpha(centres, 3.3, (0, 0, 60, 50), 0.6)
    assert alpha.dtype == np.uint8
    np.testing.assert_allclose(alpha, np.rint(cov * 0.6 * 255), atol=1)


def test_polygon_alpha_is_rounded_coverage() -> None:
    polys = _scene(4)
    cov = polygon_coverage(polys, (0, 0, 80, 80))
    for factor in (1.0, 0.6, 0.13):
        alpha = polygon_alpha(polys, (0, 0, 80, 80), factor)
        assert alpha.dtype == np.uint8
        np.testing.assert_allclose(alpha, np.rint(cov * factor * 255), atol=1)


def test_discs_match_polygon_discs() -> None:
    centres = np.array([[10.2, 12.7], [30.5, 30.5], [47.0, 8.0]])
    box = (0, 0, 60, 45)
    d = disc_coverage(centres, 6.0, box)
    p = polygon_coverage([circle(x, y, 6.0) for x, y in centres], box)
    # sub-scanlines near a disc's top or bottom are sensitive to tiny shifts (disc centres
    # are placed to 1/64 px): single pixels may differ by a few %, the picture does not
    np.testing.assert_allclose(d, p, atol=0.1)
    assert float(np.abs(d - p).mean()) < 0.002


def test_thin_sliver_keeps_its_area() -> None:
    sliver = shapely.Polygon([(2, 10.1), (58, 10.1), (58, 10.4), (2, 10.4)])
    cov = polygon_coverage(sliver, (0, 0, 60, 20))
    # thinner than a sub-scanline spacing: area is exact in expectation, not per sliver;
    # but a sliver across a sub-scanline centre must not vanish or explode
    assert 0.0 <= float(cov.sum()) <= 2 * 56 * 0.3 + 1
