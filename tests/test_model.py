"""The model: GeoJSON round-trip (fixtures and generated masks), derived figures, intensities,
grades and metric values, selection helpers."""

from __future__ import annotations

import json
import math
from contextlib import nullcontext
from typing import Any

import pytest
import shapely
from helpers import FIXTURES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import maskrender as mr
from maskrender.model import SIDES, Metric, ViewBox
from maskrender.parse import normalise_intensities

ALL_FIXTURES = sorted(p.name for p in FIXTURES.glob("*.json"))


def _all_masks(results: mr.Results) -> list[mr.Mask]:
    return [m for r in results for m in (*r.masks_restored, *r.masks_original)]


def _load_quietly(source: Any) -> mr.Results:
    """Load a fixture; quirks.json warns by design (tested in test_load.py)."""
    with pytest.warns(mr.MaskRenderWarning) if source == FIXTURES / "quirks.json" else nullcontext():
        return mr.load(source)


def assert_same_mask(a: mr.Mask, b: mr.Mask) -> None:
    """Geometry (exactly), intensity, fill, side, view_box and names agree."""
    assert (b.mask_type, b.fill, b.side, b.view_box, b.name, b.tech_name) == (
        a.mask_type, a.fill, a.side, a.view_box, a.name, a.tech_name)
    assert b.feature_count == a.feature_count
    for fa, fb in zip(a.features, b.features, strict=True):
        assert fb.geometry.geom_type == fa.geometry.geom_type
        assert shapely.equals_exact(fb.geometry, fa.geometry, tolerance=0), (fa.geometry.wkt, fb.geometry.wkt)
        assert fb.intensity == fa.intensity


# --------------------------------------------------------------------------- round-trip

@pytest.mark.parametrize("name", ALL_FIXTURES)
def test_to_geojson_round_trip_on_every_fixture_mask(name: str) -> None:
    masks = _all_masks(_load_quietly(FIXTURES / name))
    for m in masks:
        exported = m.to_geojson()
        text = json.dumps(exported, allow_nan=False)  # plain, strict JSON
        (again,) = mr.load(text).masks(side=None)
        assert_same_mask(m, again)
        assert exported["type"] == "FeatureCollection"
        assert all(f["type"] == "Feature" for f in exported["features"])


def test_to_geojson_exact_shape() -> None:
    data = {"mask_type": "heatmap_mask", "view_box": "100.25 50 2416 2416.5", "fill": "#E63946", "side": "left",
            "name": "Redness", "tech_name": "redness_restored_left",
            "features": [{"geometry": {"type": "Polygon", "coordinates": [[[0, 0], [4, 0], [4, 4], [0, 0]]]},
                          "properties": {"intensity": 50, "label": "a"}},
                         {"geometry": {"type": "Polygon", "coordinates": [[[0, 0], [4, 0], [4, 4], [0, 0]]]},
                          "properties": {"intensity": 100}}]}
    (m,) = mr.load(data).masks(side=None)
    assert m.to_geojson() == {
        "type": "FeatureCollection", "mask_type": "heatmap_mask", "side": "left",
        "view_box": "100.25 50 2416 2416.5", "fill": "#E63946", "name": "Redness", "tech_name": "redness_restored_left",
        "features": [
            {"type": "Feature", "properties": {"intensity": 0.5, "label": "a"},
             "geometry": {"type": "MultiPolygon", "coordinates": [[[[0.0, 0.0], [4.0, 0.0], [4.0, 4.0], [0.0, 0.0]]]]}},
            {"type": "Feature", "properties": {"intensity": 1.0},
             "geometry": {"type": "MultiPolygon", "coordinates": [[[[0.0, 0.0], [4.0, 0.0], [4.0, 4.0], [0.0, 0.0]]]]}},
        ],
    }


def test_to_geojson_does_not_recurse_into_deep_properties() -> None:
    deep: Any = []
    for _ in range(5000):  # far deeper than Python's recursion limit
        deep = [deep]
    data = {"mask_type": "point_mask",
            "features": [{"geometry": {"type": "Point", "coordinates": [1, 2]}, "properties": {"deep": deep}}]}
    (m,) = mr.load(data).masks()
    exported = m.to_geojson()
    assert exported["features"][0]["properties"]["deep"] is deep
    (again,) = mr.load(exported).masks()
    assert again.features[0].properties["deep"] is deep
    assert again.features[0].geometry.wkt == "MULTIPOINT ((1 2))"


# --------------------------------------------------------------------------- generated masks

COORD = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
POINT = st.builds(lambda x, y: [x, y], COORD, COORD)
POINT_Z = st.one_of(POINT, st.builds(lambda x, y: [x, y, 0], COORD, COORD))


@st.composite
def star_polygon(draw: st.DrawFn) -> list[list[list[float]]]:
    """A simple polygon (star-shaped around its centre), closed, with 0-2 holes inside it.

    Exterior vertices at evenly spaced angles (6..16 of them, so every edge stays more than
    0.43 R from the centre) with radii in [R/2, R]; holes are the same around points near the
    centre with radii below 0.1 R, so they lie inside the exterior and apart from each other.
    """
    cx, cy = draw(st.floats(-1e5, 1e5)), draw(st.floats(-1e5, 1e5))
    big = draw(st.floats(10.0, 1e4))

    def ring(x0: float, y0: float, lo: float, hi: float, n: int, reverse: bool) -> list[list[float]]:
        radii = draw(st.lists(st.floats(lo, hi), min_size=n, max_size=n))
        pts = [[x0 + r * math.cos(2 * math.pi * k / n), y0 + r * math.sin(2 * math.pi * k / n)]
               for k, r in enumerate(radii)]
        if reverse:
            pts.reverse()
        return [*pts, pts[0]]

    rings = [ring(cx, cy, big / 2, big, draw(st.integers(6, 16)), reverse=False)]
    for k in range(draw(st.integers(0, 2))):
        hx = cx + (0.2 * big if k else -0.2 * big)
        rings.append(ring(hx, cy, 0.02 * big, 0.1 * big, draw(st.integers(3, 10)), reverse=True))
    return rings


LINE = st.lists(POINT_Z, min_size=2, max_size=30)
GEOMETRY = {
    "point_mask": st.one_of(
        st.builds(lambda c: {"type": "MultiPoint", "coordinates": c}, st.lists(POINT_Z, max_size=40)),
        st.builds(lambda c: {"type": "Point", "coordinates": c}, POINT_Z),
    ),
    "polyline_mask": st.one_of(
        st.builds(lambda c: {"type": "MultiLineString", "coordinates": c}, st.lists(LINE, max_size=5)),
        st.builds(lambda c: {"type": "LineString", "coordinates": c}, LINE),
    ),
    "polygon_mask": st.one_of(
        st.builds(lambda c: {"type": "MultiPolygon", "coordinates": c}, st.lists(star_polygon(), max_size=4)),
        st.builds(lambda c: {"type": "Polygon", "coordinates": c}, star_polygon()),
    ),
}
GEOMETRY["heatmap_mask"] = GEOMETRY["polygon_mask"]
VIEW_BOX = st.builds(
    lambda x, y, w, h: " ".join(map(repr, (x, y, w, h))),
    st.floats(-1e4, 1e4), st.floats(-1e4, 1e4), st.floats(1e-3, 1e5), st.floats(1e-3, 1e5),
)
PROPERTIES = st.dictionaries(st.sampled_from(["label", "score", "tags"]),
                             st.one_of(st.text(max_size=5), st.integers(), st.lists(st.booleans(), max_size=3)))


@st.composite
def bare_mask(draw: st.DrawFn) -> dict[str, Any]:
    mask_type = draw(st.sampled_from(["point_mask", "polyline_mask", "polygon_mask", "heatmap_mask"]))
    features = []
    for _ in range(draw(st.integers(0, 6))):
        props: dict[str, Any] = draw(PROPERTIES)
        if mask_type == "heatmap_mask" or draw(st.booleans()):
            props["intensity"] = draw(st.floats(0.0, 1.0))
        features.append({"type": "Feature", "geometry": draw(GEOMETRY[mask_type]), "properties": props})
    out: dict[str, Any] = {"type": "FeatureCollection", "mask_type": mask_type, "features": features}
    for key, strategy in (("view_box", VIEW_BOX), ("fill", st.from_regex(r"#[0-9a-fA-F]{6}", fullmatch=True)),
                          ("side", st.sampled_from(SIDES)), ("name", st.text(max_size=10)),
                          ("tech_name", st.text(max_size=10))):
        if draw(st.booleans()):
            out[key] = draw(strategy)
    return out


def _xy(coords: Any, depth: int) -> Any:
    """Input coordinates with z dropped and floats made of every number, like the loader."""
    if depth == 0:
        return (float(coords[0]), float(coords[1]))
    return [_xy(c, depth - 1) for c in coords]


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bare_mask())
def test_generated_masks_load_exactly_and_survive_the_round_trip(data: dict[str, Any]) -> None:
    (m,) = mr.load(data).masks(side=None)
    # loaded exactly as given
    assert m.feature_count == len(data["features"])
    for f_in, f in zip(data["features"], m.features, strict=True):
        g = f_in["geometry"]
        multi = g["type"].startswith("Multi")
        depth = {"point_mask": 1, "polyline_mask": 2}.get(m.mask_type, 3)
        parts = _xy(g["coordinates"] if multi else [g["coordinates"]], depth)
        if depth == 1:
            assert [p.coords[0] for p in f.geometry.geoms] == parts
        elif depth == 2:
            assert [list(p.coords) for p in f.geometry.geoms] == parts
        else:
            assert [[list(p.exterior.coords), *[list(h.coords) for h in p.interiors]]
                    for p in f.geometry.geoms] == parts
        assert f.intensity == f_in["properties"].get("intensity", 1.0)
    assert m.fill == data.get("fill")
    assert m.side == data.get("side", "front")
    assert m.view_box == (ViewBox.parse(data["view_box"]) if "view_box" in data else None)
    # and back again
    (again,) = mr.load(json.dumps(m.to_geojson())).masks(side=None)
    assert_same_mask(m, again)
    for fa, fb in zip(m.features, again.features, strict=True):
        assert {k: v for k, v in fb.properties.items() if k != "intensity"} == {
            k: v for k, v in fa.properties.items() if k != "intensity"}


# --------------------------------------------------------------------------- derived figures

def _polys(*rings_per_feature: list[list[list[float]]], view_box: str | None = "0 0 100 50") -> mr.Mask:
    data: dict[str, Any] = {"mask_type": "polygon_mask", "features": [
        {"geometry": {"type": "Polygon", "coordinates": rings}} for rings in rings_per_feature]}
    if view_box:
        data["view_box"] = view_box
    (m,) = mr.load(data).masks()
    return m


def _square(x: float, y: float, size: float) -> list[list[float]]:
    return [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]


@pytest.mark.parametrize(("rings", "view_box", "image", "area", "area_px", "per_mille"), [
    # one 10x10 square in a 100x50 frame: 100 units², 2% = 20 ‰; on a 200x100 image each unit is 2x2 px
    ([[_square(0, 0, 10)]], "0 0 100 50", (200, 100), 100.0, 400.0, 20.0),
    # two features overlapping by 5x5: the union counts it once, 175
    ([[_square(0, 0, 10)], [_square(5, 5, 10)]], "0 0 100 50", (200, 100), 175.0, 700.0, 35.0),
    # the same feature twice: 100, not 200
    ([[_square(0, 0, 10)], [_square(0, 0, 10)]], "0 0 100 50", (100, 50), 100.0, 100.0, 20.0),
    # a hole of 2x2 inside: 96
    ([[_square(0, 0, 10), _square(2, 2, 2)[::-1]]], "0 0 100 50", (50, 25), 96.0, 24.0, 19.2),
    # non-zero origin changes nothing about sizes
    ([[_square(100, 50, 10)]], "100 50 100 50", (100, 50), 100.0, 100.0, 20.0),
    # no view_box: the frame is the image for area_px, the geometry's extent (rounded up) otherwise
    ([[_square(0, 0, 10)], [_square(30, 10, 10)]], None, (80, 40), 200.0, 200.0, 250.0),
])
def test_area_pixels_and_coverage(rings: list[Any], view_box: str | None, image: tuple[int, int], area: float,
                                  area_px: float, per_mille: float) -> None:
    m = _polys(*rings, view_box=view_box)
    assert m.feature_count == len(rings)
    assert m.area == pytest.approx(area, abs=1e-9)
    assert m.area_px(image) == pytest.approx(area_px, abs=1e-9)
    assert m.coverage_per_mille() == pytest.approx(per_mille, abs=1e-9)


def test_area_of_a_feature_with_overlapping_parts() -> None:
    (m,) = mr.load({"mask_type": "polygon_mask", "view_box": "0 0 100 100", "features": [
        {"geometry": {"type": "MultiPolygon", "coordinates": [[_square(0, 0, 10)], [_square(5, 0, 10)]]}}]}).masks()
    assert (m.feature_count, m.part_count, m.area) == (1, 2, 150.0)


@pytest.mark.parametrize(("mask_type", "gtype", "coords", "parts"), [
    ("point_mask", "MultiPoint", [[1, 1], [2, 2], [3, 3]], 3),
    ("polyline_mask", "MultiLineString", [[[0, 0], [10, 0]], [[0, 5], [10, 5]]], 2),
])
def test_points_and_lines_cover_nothing(mask_type: str, gtype: str, coords: Any, parts: int) -> None:
    (m,) = mr.load({"mask_type": mask_type, "view_box": "0 0 10 10",
                    "features": [{"geometry": {"type": gtype, "coordinates": coords}}]}).masks()
    assert (m.feature_count, m.part_count, m.area, m.area_px((100, 100)), m.coverage_per_mille()) == (1, parts, 0, 0, 0)


def test_fixture_figures() -> None:
    (acne,) = mr.load(FIXTURES / "bare_mask.json").masks()
    assert (acne.feature_count, acne.part_count) == (32, 33)
    union = shapely.union_all(shapely.get_parts([f.geometry for f in acne.features])).area
    total = sum(f.geometry.area for f in acne.features)
    assert acne.area == pytest.approx(union)
    assert acne.area < total  # the deliberately overlapping pairs count once
    assert acne.coverage_per_mille() == pytest.approx(1000 * union / 2416**2)
    assert acne.area_px((512, 512)) == pytest.approx(union * (512 / 2416) ** 2)


# --------------------------------------------------------------------------- intensities, grades, metrics

@pytest.mark.parametrize(("raw", "expected"), [
    ([], []),
    ([None, None], [1.0, 1.0]),
    ([0.2, None, 1], [0.2, 1.0, 1.0]),  # 0..1 as is, missing is 1
    ([0, 0.5, 1.0], [0.0, 0.5, 1.0]),
    ([-0.5, 0.5], [0.0, 0.5]),  # negatives clip to 0
    ([20, 50, 100], [0.2, 0.5, 1.0]),  # the whole mask on a 0..100 scale
    ([1.5], [0.015]),  # just above 1: read as per cent (assumed)
    ([85, 170, 255], [1 / 3, 2 / 3, 1.0]),  # 0..255 scale
    ([51, 255, None], [0.2, 1.0, 1.0]),
    ([101], [101 / 255]),  # above 100: 8-bit
    ([300, 510], [1.0, 1.0]),  # beyond 255: clipped
])
def test_normalise_intensities(raw: list[float | None], expected: list[float]) -> None:
    assert normalise_intensities(raw) == pytest.approx(expected)


@pytest.mark.parametrize(("score", "grade"), [
    (100, "Excellent"), (90.01, "Excellent"), (90, "Great"),
    (80.01, "Great"), (80, "Good"),
    (70.01, "Good"), (70, "Average"),
    (50.01, "Average"), (50, "Poor"),
    (30.01, "Poor"), (30, "Bad"),
    (0, "Bad"), (-5, "Bad"),
])
def test_grade_at_every_boundary(score: float, grade: str) -> None:
    assert mr.grade(score) == grade
    assert Metric("x", "x", score, "bad_good_line").grade == grade
    assert Metric("x", "x", str(score), "bad_good_line").grade == grade


@pytest.mark.parametrize(("value", "widget", "units", "number", "grade", "display"), [
    (87, "bad_good_line", None, 87.0, "Great", "87"),
    ("87", "bad_good_line", None, 87.0, "Great", "87"),
    ("moderate", "category", None, None, None, "moderate"),
    (2, "percentage", "per mille", 2.0, None, "2 ‰"),
    (12.5, "percentage", "percentage", 12.5, None, "12.5 %"),
    (4, "numeric", None, 4.0, None, "4"),
    ("nan", "numeric", None, None, None, "nan"),
    (10**400, "numeric", None, None, None, str(10**400)),  # only a Metric made by hand can hold this
    (None, "numeric", None, None, None, ""),
])
def test_metric_number_grade_display(value: Any, widget: str, units: str | None, number: float | None,
                                     grade: str | None, display: str) -> None:
    m = Metric("n", "t", value, widget, units)
    assert (m.number, m.grade, m.display_value) == (number, grade, display)


# --------------------------------------------------------------------------- view boxes and selection

@pytest.mark.parametrize(("text", "string"), [
    ("0 0 2416 2416", "0 0 2416 2416"),
    ("145.123456789 -0.5 240 1e3", "145.123456789 -0.5 240 1000"),
    ("0.1,0.2,1e-7,3e20", "0.1 0.2 1e-07 3e+20"),
])
def test_view_box_text_round_trips_exactly(text: str, string: str) -> None:
    vb = ViewBox.parse(text)
    assert str(vb) == string
    assert ViewBox.parse(str(vb)) == vb


def test_view_box_aspect_and_size() -> None:
    vb = ViewBox.parse("10 20 512 600")
    assert (vb.size, vb.aspect) == ((512.0, 600.0), 512 / 600)


def test_results_selection_helpers() -> None:
    results = mr.load(FIXTURES / "results_list.json")
    assert len(results) == 7
    assert results.get("acne.acne") is results.get("acne") is results[3]
    assert results.get("nothing") is None
    assert [m.tech_name for m in results.masks(only=["papules_mask_restored"])] == ["papules_mask_restored"]
    assert [m.tech_name for m in results.masks("lines", mask_set="original")] == [
        "line_lines_mask_original", "deep_lines_mask_original"]
    assert isinstance(results[1:3], mr.Results)
    assert [r.algorithm for r in results[1:3]] == ["lines", "redness"]
    assert repr(results[5:]) == f"<Results from {FIXTURES / 'results_list.json'}: 2 result(s) (skin_tone, age)>"
    assert "acne.acne" in results.mask_names()
    assert "pores_mask_original" in results.mask_names()


def test_sides_selection() -> None:
    (r,) = mr.load(FIXTURES / "sides_result.json")
    assert [m.side for m in r.masks(side=None)] == ["front", "left", "right"]
    assert [m.tech_name for m in r.masks(side="left")] == ["acne_restored_left"]
    assert [m.view_box for m in r.masks(side="right")] == [ViewBox(0, 0, 512, 600)]


def test_main_metric_falls_back_to_the_first_area() -> None:
    (r,) = mr.load({"algorithm_tech_name": "x", "area_results": [
        {"area_name": "chin", "main_metric": {"value": 5}}, {"area_name": "nose", "main_metric": {"value": 6}}]})
    first, nose = r.main_metric(), r.main_metric("nose")
    assert first is not None
    assert nose is not None
    assert first.value == 5
    assert nose.value == 6
    assert r.main_metric("forehead") is None
