"""Pixel truth where outlines cross or turn inside a quarter-pixel strip (issue 20's exactness part).

Generated shapes like real results, each drawn through the public ``maskrender.render`` (a bare
mask alone at opacity 1, so the alpha is the mask's coverage) and compared with the exact oracle
(``helpers.oracle``: shapely areas of pixel squares, strokes as shapely buffers, level sets):

* wrinkles traced to pixel centres (a segmentation's skeleton: 4- and 8-connected 1 px steps),
  8-connected chains on integer coordinates, and smooth lines sampled every 0.6-1.5 px and
  jittered by +-0.02 px, stroked 0.5 to 20 px wide: segments far shorter than the width, so a
  stroke is many overlapping runs and discs;
* strokes crossing one another;
* 30 to 120 overlapping lesions (separate features, and graded heatmap levels);
* features whose MultiPolygon parts overlap (each feature the union of its parts).

The union used to be decided on each strip's centre line: up to 28/255 at a pixel and a mean
edge error of 4.5-9.7/255 on the strokes.  ``python tests/draw/test_exactness_union.py`` prints
the figures of every class (docs/pixel-truth.md).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
import shapely
from helpers import bare_mask
from helpers.oracle import Figures, area_bias, figures, level_integral, pixel_areas, stroke

from maskrender.overlay import render
from maskrender.style import Style

SIZE = (112, 96)
WIDTHS = [0.5, 1.0, 2.0, 3.3, 5.0, 8.0, 12.0, 20.0]
EDGE, BIAS, WORST = 0.5, 1e-3, 1.0
"""The bounds every class meets: mean edge error (levels of 255), area bias (fraction) and the
largest error of any pixel (half a level is the 8-bit rounding; the rest is the polygons of the
round joins and caps against the oracle's circles, within 0.005 px).  The area
bias is taken against the oracle rounded to 8 bits as a PNG must be: a 0.5 px line through
pixel centres covers exactly half of every pixel it crosses, 127.5 levels, which any exact
renderer writes as 128 (+0.4% of ink from rounding alone)."""

Points = np.ndarray


def _alpha(mask: dict[str, object], **style: object) -> np.ndarray:
    out = render(mask, size=SIZE, style=Style(opacity=1.0, **style))  # type: ignore[arg-type]
    return np.asarray(out)[:, :, 3]


def _vb() -> str:
    return f"0 0 {SIZE[0]} {SIZE[1]}"


def _smooth(rng: np.random.Generator, n: int = 600) -> Points:
    """A wrinkle-like curve across the canvas's middle: a direction and a few slow waves."""
    t = np.linspace(-0.5, 0.5, n)
    ang = rng.uniform(0, math.pi)
    along, across = np.array([math.cos(ang), math.sin(ang)]), np.array([-math.sin(ang), math.cos(ang)])
    wave = sum(rng.uniform(-4, 4) * np.sin(2 * math.pi * (k * t + rng.uniform())) for k in (1, 2, 3))
    centre = np.array(SIZE) / 2 + rng.uniform(-6, 6, 2)
    pts: Points = centre + t[:, None] * rng.uniform(50, 80) * along + np.asarray(wave)[:, None] * across
    return pts


def traced(rng: np.random.Generator) -> list[Points]:
    """Two wrinkles traced to pixel centres (consecutive pixels 4- or 8-adjacent)."""
    out = []
    for _ in range(2):
        pix = np.floor(_smooth(rng, 2000)).astype(np.int64)
        keep = np.r_[True, (np.diff(pix, axis=0) != 0).any(axis=1)]
        out.append(pix[keep] + 0.5)
    return out


def chain8(rng: np.random.Generator) -> list[Points]:
    """Two 8-connected chains on integer coordinates: a walk that keeps its heading, turning by 45 degrees."""
    dirs = np.array([(1, 0), (1, 1), (0, 1), (-1, 1), (-1, 0), (-1, -1), (0, -1), (1, -1)])
    out = []
    for _ in range(2):
        d = int(rng.integers(8))
        p = np.array(SIZE) // 2 + rng.integers(-8, 9, 2)
        pts = [p.copy()]
        for _ in range(int(rng.integers(40, 90))):
            d = (d + int(rng.choice([-1, 0, 0, 0, 1]))) % 8
            p = p + dirs[d]
            pts.append(p.copy())
        out.append(np.array(pts, dtype=np.float64))
    return out


def jittered(rng: np.random.Generator) -> list[Points]:
    """Two smooth lines sampled every 0.6-1.5 px, each vertex moved by up to +-0.02 px."""
    out = []
    for _ in range(2):
        pts = _smooth(rng, 4000)
        step = np.r_[0, np.cumsum(np.hypot(*np.diff(pts, axis=0).T))]
        at = np.cumsum(rng.uniform(0.6, 1.5, 400))
        at = at[at < step[-1]]
        line = np.c_[np.interp(at, step, pts[:, 0]), np.interp(at, step, pts[:, 1])]
        out.append(line + rng.uniform(-0.02, 0.02, line.shape))
    return out


def crossing(rng: np.random.Generator) -> list[Points]:
    """Five straight lines through the canvas's middle at random angles: every pair crosses."""
    out = []
    for _ in range(5):
        a = rng.uniform(0, math.pi)
        c = np.array(SIZE) / 2 + rng.uniform(-10, 10, 2)
        d = np.array([math.cos(a), math.sin(a)]) * rng.uniform(25, 45)
        out.append(np.array([c - d, c + d]))
    return out


LINES: dict[str, Callable[[np.random.Generator], list[Points]]] = {
    "traced": traced, "chain8": chain8, "jittered": jittered, "crossing": crossing}


def blob(rng: np.random.Generator, centre: Points, r: float) -> shapely.Polygon:
    """A lesion's outline: an irregular star-shaped ring of 10-30 vertices."""
    n = int(rng.integers(10, 31))
    a = np.sort(rng.uniform(0, 2 * math.pi, n))
    rad = r * rng.uniform(0.6, 1.2, n)
    return shapely.Polygon(np.c_[centre[0] + rad * np.cos(a), centre[1] + rad * np.sin(a)]).buffer(0)


def lesions(rng: np.random.Generator, n: int) -> list[shapely.Polygon]:
    """``n`` lesions piled in the canvas's middle: most overlap several others."""
    centre = np.array(SIZE) / 2
    return [blob(rng, centre + rng.normal(0, 14, 2), rng.uniform(2, 9)) for _ in range(n)]


def _ring(poly: shapely.Polygon) -> list[list[list[float]]]:
    return [np.asarray(poly.exterior.coords).tolist()]


# ---------------------------------------------------------------------------------------------
# the classes
# ---------------------------------------------------------------------------------------------


def stroke_figures(kind: str, width: float, seed: int) -> Figures:
    lines = LINES[kind](np.random.default_rng(seed))
    mask = bare_mask("polyline_mask", [[ln.tolist() for ln in lines]], view_box=_vb())
    truth = pixel_areas(shapely.union_all([stroke(shapely.LineString(ln), width) for ln in lines]), SIZE)
    return _figures(_alpha(mask, line_width=width), truth)


def lesion_figures(n: int, seed: int, graded: bool) -> Figures:
    rng = np.random.default_rng(seed)
    shapes = lesions(rng, n)
    levels = [float(lv) for lv in rng.choice([0.2, 0.4, 0.6, 0.8, 1.0], n)] if graded else [1.0] * n  # 8-bit
    mask = bare_mask("heatmap_mask" if graded else "polygon_mask", [_ring(s) for s in shapes], view_box=_vb(),
                     intensities=levels if graded else None)
    return _figures(_alpha(mask), level_integral(zip(shapes, levels, strict=True), SIZE))


def multipart_figures(seed: int) -> Figures:
    """Three features, each a MultiPolygon of 2-6 overlapping lesions; the features overlap too."""
    rng = np.random.default_rng(seed)
    mask = bare_mask("heatmap_mask", [], view_box=_vb())
    truth = []
    feats = []
    for level in (0.5, 0.8, 1.0):
        centre = np.array(SIZE) / 2 + rng.uniform(-15, 15, 2)
        parts = [blob(rng, centre + rng.uniform(-7, 7, 2), rng.uniform(4, 10)) for _ in range(int(rng.integers(2, 7)))]
        feats.append({"type": "Feature", "properties": {"intensity": level},
                      "geometry": {"type": "MultiPolygon", "coordinates": [_ring(p) for p in parts]}})
        truth.append((shapely.union_all(parts), level))
    mask["features"] = feats
    return _figures(_alpha(mask), level_integral(truth, SIZE))


def _figures(alpha: np.ndarray, truth: np.ndarray) -> Figures:
    """The oracle's figures, the area bias against the truth rounded to 8 bits (see :data:`BIAS`)."""
    fig = figures(alpha, truth)
    return Figures(fig.edge_error, fig.max_error, area_bias(alpha, np.floor(truth * 255 + 0.5) / 255),
                   fig.edge_pixels)


def _check(fig: Figures, what: str) -> None:
    text = f"{what}: {fig}"
    assert fig.edge_error <= EDGE, text
    assert abs(fig.area_bias) <= BIAS, text
    assert fig.max_error <= WORST, text


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("kind", ["traced", "chain8", "jittered"])
def test_strokes_of_segments_shorter_than_their_width_are_exact(kind: str, width: float) -> None:
    for seed in (1, 2):
        _check(stroke_figures(kind, width, seed), f"{kind} at {width} px, seed {seed}")


@pytest.mark.parametrize("width", WIDTHS)
def test_crossing_strokes_are_exact(width: float) -> None:
    _check(stroke_figures("crossing", width, 3), f"crossing at {width} px")


@pytest.mark.parametrize("n", [30, 60, 120])
@pytest.mark.parametrize("graded", [False, True], ids=["one level", "graded"])
def test_overlapping_lesions_are_exact(n: int, graded: bool) -> None:
    _check(lesion_figures(n, n, graded), f"{n} lesions{' graded' if graded else ''}")


@pytest.mark.parametrize("seed", range(4))
def test_features_whose_parts_overlap_are_the_union_of_their_parts(seed: int) -> None:
    _check(multipart_figures(seed), f"multipart, seed {seed}")


def table() -> list[tuple[str, Figures]]:
    """Every class's worst figures (largest edge error, largest max, largest |bias|) over its cases."""
    rows: list[tuple[str, list[Figures]]] = []
    for kind in ("traced", "chain8", "jittered", "crossing"):
        rows.append((f"{kind} strokes, 0.5-20 px", [stroke_figures(kind, w, s) for w in WIDTHS
                                                    for s in ((1, 2) if kind != "crossing" else (3,))]))
    rows.append(("30-120 lesions, one level", [lesion_figures(n, n, False) for n in (30, 60, 120)]))
    rows.append(("30-120 lesions, graded", [lesion_figures(n, n, True) for n in (30, 60, 120)]))
    rows.append(("multipart features", [multipart_figures(s) for s in range(4)]))
    return [(name, Figures(max(f.edge_error for f in fs), max(f.max_error for f in fs),
                           max((f.area_bias for f in fs), key=abs), sum(f.edge_pixels for f in fs)))
            for name, fs in rows]


if __name__ == "__main__":
    print("| class | max error | mean edge error | area bias |")
    print("|---|---|---|---|")
    for name, f in table():
        print(f"| {name} | {f.max_error:.2f}/255 | {f.edge_error:.2f}/255 | {100 * f.area_bias:+.3f}% |")


# ---------------------------------------------------------------------------------------------
# the C core and the numpy reference on the same workloads, and on the budget's edge
# ---------------------------------------------------------------------------------------------


def sawtooth(n: int) -> shapely.Polygon:
    """A ring whose ``n`` teeth all lie inside one quarter-pixel strip (their ends past the
    cluster's budget: moved to the nearest 1/64 px first)."""
    x = np.linspace(2, SIZE[0] - 2, n)
    y = 40.02 + np.where(np.arange(n) % 2 == 0, 0.0, 0.2) + np.linspace(0, 0.01, n)
    return shapely.Polygon(np.r_[np.c_[x, y], [[SIZE[0] - 2, 60], [2, 60]]])


def _parity_shapes(case: str, seed: int) -> object:
    from maskrender.draw.shapes import from_geometries

    rng = np.random.default_rng(seed)
    if case in LINES:
        lines = [shapely.LineString(ln) for ln in LINES[case](rng)]
        return from_geometries(lines=lines, levels=rng.choice([77, 200, 255], len(lines)),
                               width=float(rng.choice(WIDTHS)), size=SIZE)
    if case == "lesions":
        shapes = lesions(rng, int(rng.integers(30, 121)))
        return from_geometries(polygons=shapes, levels=rng.choice([51, 153, 255], len(shapes)), size=SIZE)
    if case == "sawtooth":
        return from_geometries(polygons=[sawtooth(int(rng.integers(300, 2000))), shapely.box(10, 30, 50, 70)],
                               levels=[255, 128], size=SIZE)
    # dense crossings: hundreds of long lines through one point (splitting stops at the budget)
    a = rng.uniform(0, math.pi, 300)
    c = np.array(SIZE) / 2
    d = np.c_[np.cos(a), np.sin(a)] * 50
    return from_geometries(lines=[shapely.LineString([c - v, c + v]) for v in d], levels=[255] * 300,
                           width=float(rng.uniform(0.5, 3)), size=SIZE)


PARITY_CASES = [*LINES, "lesions", "sawtooth", "fan"]


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("case", PARITY_CASES)
def test_the_c_core_classifies_byte_for_byte_as_the_reference(case: str, seed: int) -> None:
    """The slabs, their crossings, the budget's fallbacks: the same bytes from both back-ends."""
    from maskrender.draw import compiled, sweep
    from maskrender.draw.plan import plan

    if compiled.CORE is None:
        pytest.skip("the C core was not built (no compiler at install time)")
    p = plan(_parity_shapes(case, seed))  # type: ignore[arg-type]
    numpy_alpha = sweep.alpha(p, 1.0)
    assert numpy_alpha.max() > 0
    np.testing.assert_array_equal(compiled.alpha(p, 1.0), numpy_alpha)
    np.testing.assert_array_equal(compiled.coverage(p), sweep.coverage(p))


def test_a_sawtooth_past_the_budget_stays_within_a_sixty_fourth_of_a_pixel() -> None:
    """Thousands of ends in one strip: moved to the nearest 1/64 px, the ink stays within that."""
    tooth = sawtooth(1500)
    mask = bare_mask("polygon_mask", [_ring(tooth)], view_box=_vb())
    fig = _figures(_alpha(mask), pixel_areas(tooth, SIZE))
    assert abs(fig.area_bias) <= 1e-3
    assert fig.edge_error <= 2.0
