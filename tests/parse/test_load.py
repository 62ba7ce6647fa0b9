"""Loading: every envelope from every kind of source, every format quirk, every clear error.

Tables put the failing inputs next to the passing ones; each row asserts on the model
(counts, coordinates, types, exact values) or on the error class and the parts of its message
(source name, JSON path, expected, found).
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
import shapely
from helpers import FIXTURES

import maskrender as mr
from maskrender.model import ViewBox

# --------------------------------------------------------------------------- helpers


def mask(features: list[Any], mask_type: str = "polygon_mask", **keys: Any) -> dict[str, Any]:
    """A bare mask (FeatureCollection) with these features and extra keys."""
    return {"type": "FeatureCollection", "mask_type": mask_type, "features": features, **keys}


def feature(gtype: str, coordinates: Any, **props: Any) -> dict[str, Any]:
    return {"type": "feature", "geometry": {"type": gtype, "coordinates": coordinates}, "properties": props}


SQUARE = [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]]  # closed, 100 units²
HOLE = [[2, 2], [2, 4], [4, 4], [4, 2], [2, 2]]  # 4 units², wound the other way


def one_mask(data: Any, **kw: Any) -> mr.Mask:
    results = mr.load(data, **kw)
    masks = results.masks(side=None)
    assert len(masks) == 1, masks
    return masks[0]


def load_error(data: Any, **kw: Any) -> mr.MaskRenderError:
    with pytest.raises(mr.MaskRenderError) as info:
        mr.load(data, **kw)
    return info.value


def record(body: Any, **keys: Any) -> dict[str, Any]:
    return {"id": "r1", "is_ok": True, "algorithm_family_tech_name": "acne.acne", "result": body, **keys}


def result_body(*masks: dict[str, Any], **keys: Any) -> dict[str, Any]:
    return {"algorithm_tech_name": "acne", "area_results": [], "masks_restored": list(masks),
            "masks_original": [], **keys}


# --------------------------------------------------------------------------- envelopes x sources

ENVELOPES = {
    # fixture: (algorithms, [(mask_type, feature count, part count) of the front restored masks])
    "pih_result.json": (["post_inflammatory_hyperpigmentation"], [("polygon_mask", 1, 6)]),
    "results_list.json": (
        ["pores", "lines", "redness", "acne", "wrinkles_depth", "skin_tone", "age"],
        [("point_mask", 1, 1390), ("polyline_mask", 1, 19), ("polygon_mask", 1, 3), ("heatmap_mask", 31, 31),
         ("polygon_mask", 32, 33), ("polygon_mask", 15, 15)],
    ),
    "bare_result.json": (["redness"], [("heatmap_mask", 31, 31)]),
    "bare_mask.json": ([""], [("polygon_mask", 32, 33)]),
    "bare_masks.json": ([""], [("point_mask", 1, 1390), ("polyline_mask", 1, 19), ("heatmap_mask", 31, 31)]),
}


def _sources(path: Path) -> dict[str, tuple[Any, str]]:
    """Every kind of source for one file, with the name messages should give it."""
    raw = path.read_bytes()
    text = raw.decode("utf-8")
    return {
        "path str": (str(path), str(path)),
        "Path": (path, str(path)),
        "str of JSON": (text, "<str>"),
        "bytes": (raw, "<bytes>"),
        "bytearray": (bytearray(raw), "<bytes>"),
        "binary file": (io.BytesIO(raw), "<file>"),
        "text file": (io.StringIO(text), "<file>"),
        "parsed": (json.loads(raw), f"<{type(json.loads(raw)).__name__}>"),
    }


@pytest.mark.parametrize("fixture", list(ENVELOPES))
@pytest.mark.parametrize("kind", ["path str", "Path", "str of JSON", "bytes", "bytearray", "binary file",
                                  "text file", "parsed"])
def test_every_envelope_loads_from_every_source(fixture: str, kind: str) -> None:
    source, label = _sources(FIXTURES / fixture)[kind]
    results = mr.load(source)
    algorithms, masks = ENVELOPES[fixture]
    assert results.source == label
    assert [r.algorithm for r in results] == algorithms
    assert [(m.mask_type, m.feature_count, m.part_count) for m in results.masks()] == masks


def test_the_same_model_whatever_the_source() -> None:
    path = FIXTURES / "results_list.json"
    models = [mr.load(src) for src, _ in _sources(path).values()]
    reference = [[f.geometry.wkb for m in r.masks_restored + r.masks_original for f in m.features]
                 for r in models[0]]
    for other in models[1:]:
        assert [[f.geometry.wkb for m in r.masks_restored + r.masks_original for f in m.features]
                for r in other] == reference


def test_name_overrides_the_source_label_in_model_and_messages() -> None:
    assert mr.load(b"[]", name="upload.json").source == "upload.json"
    assert str(load_error(b"{", name="upload.json")).startswith("upload.json: ")


def test_file_object_name_is_its_label(tmp_path: Path) -> None:
    p = tmp_path / "x.json"
    p.write_text('{"mask_type": "point_mask", "features": 3}', encoding="utf-8")
    with p.open("rb") as fh:
        err = load_error(fh)
    assert str(err) == f"{p}: features: expected a list, found int 3"


def test_pih_vendor_sample_exact_values() -> None:
    (r,) = mr.load(FIXTURES / "pih_result.json")
    assert (r.ok, r.algorithm, r.family, r.algorithm_version_id, r.image_type) == (
        True, "post_inflammatory_hyperpigmentation", "acne.post_inflammatory_hyperpigmentation", 98, "selfie")
    assert r.masks_original == ()
    (m,) = r.masks_restored
    assert (m.mask_type, m.view_box, m.fill, m.side, m.mask_set) == (
        "polygon_mask", ViewBox(0, 0, 2416, 2416), "#D9580F", "front", "restored")
    assert m.tech_name == "post_inflammatory_hyperpigmentation_mask_restored"
    polys = m.features[0].geometry.geoms
    # the vendor's rings are not closed: closed on load, silently (pytest turns warnings into errors)
    assert [len(p.exterior.coords) for p in polys] == [9, 13, 12, 11, 11, 20]
    assert polys[0].exterior.coords[0] == polys[0].exterior.coords[-1] == (762.0, 1508.0)
    assert polys[0].exterior.coords[-2] == (767.0, 1508.0)
    assert [(a.name, a.main_metric.value if a.main_metric else None) for a in r.areas][:4] == [
        ("face", 2), ("chin", 0), ("nose", 0), ("forehead", 2)]


def test_results_list_records_in_order_with_failed_and_legacy_kept() -> None:
    results = mr.load(FIXTURES / "results_list.json")
    by_name = {r.algorithm: r for r in results}
    failed = by_name["wrinkles_depth"]
    assert (failed.ok, failed.error, failed.masks(), failed.areas) == (False, {"error": "face not detected"}, (), ())
    assert results.failed == (failed,)
    assert failed.path == "[4]"
    assert by_name["age"].value == 42.0
    assert by_name["age"].ok
    assert by_name["skin_tone"].masks_restored == ()
    tone = by_name["skin_tone"].main_metric()
    assert tone is not None
    assert tone.value == "light"
    # a failed record renders nothing: no mask of any set or side
    assert failed.masks("original", side=None) == failed.masks("restored", side=None) == ()


# --------------------------------------------------------------------------- quirks (passing inputs)

GEOMETRY_SPELLINGS = [
    # (mask_type, geometry type as spelled, coordinates, expected WKT)
    ("polygon_mask", "MultiPolygon", [[SQUARE]], "MULTIPOLYGON (((0 0, 10 0, 10 10, 0 10, 0 0)))"),
    ("polygon_mask", "Multipolygon", [[SQUARE]], "MULTIPOLYGON (((0 0, 10 0, 10 10, 0 10, 0 0)))"),
    ("polygon_mask", "multipolygon", [[SQUARE]], "MULTIPOLYGON (((0 0, 10 0, 10 10, 0 10, 0 0)))"),
    ("polygon_mask", "MULTIPOLYGON", [[SQUARE]], "MULTIPOLYGON (((0 0, 10 0, 10 10, 0 10, 0 0)))"),
    ("polygon_mask", "Polygon", [SQUARE], "MULTIPOLYGON (((0 0, 10 0, 10 10, 0 10, 0 0)))"),
    ("polygon_mask", "polygon", [SQUARE, HOLE],
     "MULTIPOLYGON (((0 0, 10 0, 10 10, 0 10, 0 0), (2 2, 2 4, 4 4, 4 2, 2 2)))"),
    ("heatmap_mask", "MultiPolygon", [[SQUARE]], "MULTIPOLYGON (((0 0, 10 0, 10 10, 0 10, 0 0)))"),
    ("point_mask", "MultiPoint", [[1, 2], [3, 4]], "MULTIPOINT ((1 2), (3 4))"),
    ("point_mask", "MULTIPOINT", [[1, 2, 0], [3, 4]], "MULTIPOINT ((1 2), (3 4))"),
    ("point_mask", "multipoint", [[1, 2, 0], [3, 4, 0]], "MULTIPOINT ((1 2), (3 4))"),
    ("point_mask", "Point", [1.5, 2], "MULTIPOINT ((1.5 2))"),
    ("point_mask", "point", [1, 2, 0], "MULTIPOINT ((1 2))"),
    ("polyline_mask", "MultiLineString", [[[0, 0], [1, 1]], [[2, 2], [3, 3]]],
     "MULTILINESTRING ((0 0, 1 1), (2 2, 3 3))"),
    ("polyline_mask", "Multipolyline", [[[0, 0], [1, 1]]], "MULTILINESTRING ((0 0, 1 1))"),
    ("polyline_mask", "MULTIPOLYLINE", [[[0, 0], [1, 1]]], "MULTILINESTRING ((0 0, 1 1))"),
    ("polyline_mask", "LineString", [[0, 0], [1, 1], [2, 0]], "MULTILINESTRING ((0 0, 1 1, 2 0))"),
    ("polyline_mask", "Polyline", [[0, 0], [1, 1, 0]], "MULTILINESTRING ((0 0, 1 1))"),
    # empty geometry is allowed: nothing to draw
    ("polygon_mask", "MultiPolygon", [], "MULTIPOLYGON EMPTY"),
    ("polygon_mask", "Polygon", [], "MULTIPOLYGON EMPTY"),
    ("point_mask", "MultiPoint", [], "MULTIPOINT EMPTY"),
    ("polyline_mask", "MultiLineString", [], "MULTILINESTRING EMPTY"),
]


@pytest.mark.parametrize(("mask_type", "gtype", "coords", "wkt"), GEOMETRY_SPELLINGS)
def test_geometry_type_spellings_and_single_part_forms(mask_type: str, gtype: str, coords: Any, wkt: str) -> None:
    m = one_mask(mask([feature(gtype, coords)], mask_type))
    assert m.features[0].geometry.wkt == wkt


@pytest.mark.parametrize(("feature_type", "props", "intensity"), [
    ("feature", {"intensity": 0.5}, 0.5),
    ("Feature", {"intensity": 0.5}, 0.5),
    ("anything at all", None, 1.0),
    (None, {}, 1.0),
    (None, {"intensity": None, "label": "x"}, 1.0),
])
def test_feature_type_is_ignored_and_properties_may_be_missing(feature_type: Any, props: Any, intensity: float) -> None:
    f = {"type": feature_type, "geometry": {"type": "Point", "coordinates": [1, 2]}, "properties": props}
    m = one_mask(mask([f], "point_mask"))
    assert m.features[0].intensity == intensity
    assert dict(m.features[0].properties) == (props or {})


def test_feature_without_geometry_is_an_empty_feature() -> None:
    m = one_mask(mask([{"type": "feature"}, {"geometry": None}], "point_mask"))
    assert [f.geometry.wkt for f in m.features] == ["MULTIPOINT EMPTY", "MULTIPOINT EMPTY"]


def test_three_value_points_drop_z_fast_path_mixed_and_exact() -> None:
    pts = [[i, i + 0.5, 0] if i % 4 == 0 else [i, i + 0.5] for i in range(1000)]
    m = one_mask(mask([feature("MultiPoint", pts)], "point_mask"))
    coords = shapely.get_coordinates(m.features[0].geometry)
    assert coords.shape == (1000, 2)
    assert coords[0].tolist() == [0.0, 0.5]
    assert coords[999].tolist() == [999.0, 999.5]
    assert coords[:, 1].tolist() == [i + 0.5 for i in range(1000)]
    assert not m.features[0].geometry.has_z


@pytest.mark.parametrize(("key", "value", "expected"), [
    ("masks_restored", None, 0),
    ("masks_restored", [], 0),
    ("masks_original", None, 0),
    ("masks_original", [], 0),
])
def test_null_or_empty_mask_lists(key: str, value: Any, expected: int) -> None:
    body = result_body(mask([feature("Polygon", [SQUARE])]))
    body[key] = value
    (r,) = mr.load(record(body))
    assert len(getattr(r, key)) == expected


@pytest.mark.parametrize(("subs", "expected"), [(None, ()), ([], ())])
def test_null_or_empty_sub_metrics(subs: Any, expected: tuple[Any, ...]) -> None:
    area = {"area_name": "face", "main_metric": {"value": 3, "widget_type": "numeric"}, "sub_metrics": subs}
    (r,) = mr.load(record(result_body(area_results=[area])))
    assert r.areas[0].sub_metrics == expected


@pytest.mark.parametrize(("value", "number", "display"), [
    (4, 4.0, "4"),
    ("4", 4.0, "4"),
    (61.5, 61.5, "61.5"),
    ("moderate", None, "moderate"),
    ("Severe Dehydration", None, "Severe Dehydration"),
    (None, None, ""),
])
def test_metric_values_number_or_string(value: Any, number: float | None, display: str) -> None:
    area = {"area_name": "face", "main_metric": {"name": "x", "value": value, "widget_type": "numeric"}}
    (r,) = mr.load(record(result_body(area_results=[area])))
    metric = r.main_metric()
    assert metric is not None
    assert (metric.value, metric.number, metric.display_value) == (value, number, display)


def test_quirks_fixture_every_tolerated_oddity() -> None:
    with pytest.warns(mr.MaskRenderWarning) as caught:
        (r,) = mr.load(FIXTURES / "quirks.json")
    src = FIXTURES / "quirks.json"
    assert [(w.category, str(w.message)) for w in caught] == [
        (mr.GeometryWarning, f"{src}: result.masks_restored[0].features[1].geometry.coordinates[0]: invalid polygon "
                             "(Self-intersection[1300 2000]) repaired with make_valid into 2 polygon(s)"),
        (mr.UnknownMaskTypeWarning, f"{src}: result.masks_restored[7].mask_type: unknown mask type 'sparkle_mask' "
                                    "skipped (known: heatmap_mask, polygon_mask, polyline_mask, point_mask)"),
    ]
    masks = {m.tech_name: m for m in r.masks_restored}
    assert len(r.masks_restored) == 7
    assert "sparkle_mask_restored" not in masks
    assert r.masks_original == ()  # masks_original: null
    assert masks["papules_mask_restored"].fill is None  # no fill: the renderer picks a palette colour
    assert masks["pustules_mask_restored"].side == "front"  # no side: front
    assert masks["line_lines_mask_restored"].view_box is None  # no view_box: image pixels
    assert masks["melasma_mask_restored"].view_box == ViewBox(100, 50, 2416, 2416)
    assert [f.intensity for f in masks["redness_mask_restored"].features] == [1 / 3, 2 / 3, 1.0]  # 85/170/255
    acne = masks["acne_mask_restored"]
    assert [len(f.geometry.geoms) for f in acne.features] == [1, 2, 1]  # the bow-tie became two triangles
    assert acne.features[1].geometry.area == pytest.approx(2 * 0.5 * 25 * 80)
    pustule = masks["pustules_mask_restored"].features[0].geometry.geoms[0]
    assert len(pustule.interiors) == 1  # single Polygon with a hole
    pores = masks["pores_mask_restored"]
    assert [len(f.geometry.geoms) for f in pores.features] == [1, 40]
    assert pores.features[0].geometry.geoms[0].coords[0] == (1239.0, 992.0)  # [x, y, 0]
    assert [(a.name, a.main_metric and a.main_metric.value) for a in r.areas] == [
        ("face", "moderate"), ("chin", "4"), ("nose", 61.5)]
    assert [a.sub_metrics for a in r.areas] == [(), (), ()]


def test_unclosed_rings_are_closed_silently() -> None:
    unclosed = SQUARE[:-1]
    m = one_mask(mask([feature("MultiPolygon", [[unclosed, HOLE[:-1]]])]))
    poly = m.features[0].geometry.geoms[0]
    assert list(poly.exterior.coords) == [tuple(map(float, p)) for p in SQUARE]
    assert list(poly.interiors[0].coords) == [tuple(map(float, p)) for p in HOLE]
    assert poly.area == 96.0


def test_polygon_with_holes_and_several_parts() -> None:
    other = [[20, 20], [30, 20], [30, 30], [20, 30], [20, 20]]
    m = one_mask(mask([feature("MultiPolygon", [[SQUARE, HOLE], [other]])]))
    a, b = m.features[0].geometry.geoms
    assert (len(a.interiors), len(b.interiors), a.area, b.area) == (1, 0, 96.0, 100.0)


def test_unknown_mask_type_is_skipped_with_a_warning_naming_it() -> None:
    data = [mask([feature("Point", [1, 2])], "sparkle_mask"), mask([feature("Point", [1, 2])], "point_mask")]
    with pytest.warns(mr.UnknownMaskTypeWarning, match=r"^<list>: \[0\]\.mask_type: unknown mask type 'sparkle_mask'"):
        results = mr.load(data)
    assert [m.mask_type for m in results.masks()] == ["point_mask"]


@pytest.mark.parametrize(("keys", "fill", "side", "view_box"), [
    ({}, None, "front", None),
    ({"fill": "#D9580F", "side": "left", "view_box": "0 0 512 600"}, "#D9580F", "left", ViewBox(0, 0, 512, 600)),
    ({"fill": " #abc ", "side": " RIGHT "}, "#abc", "right", None),
    ({"fill": None, "side": None, "view_box": None}, None, "front", None),
])
def test_missing_fill_side_view_box(keys: dict[str, Any], fill: str | None, side: str, view_box: Any) -> None:
    m = one_mask(mask([], **keys))
    assert (m.fill, m.side, m.view_box) == (fill, side, view_box)


@pytest.mark.parametrize(("keys", "message"), [
    ({"fill": "red"}, r"^<dict>: fill: string \"red\" is not a hex colour; using the palette$"),
    ({"side": "top"}, r"^<dict>: side: unknown side 'top' \(known: front, left, right\)$"),
])
def test_odd_fill_or_side_warns_and_keeps_going(keys: dict[str, Any], message: str) -> None:
    with pytest.warns(mr.MaskRenderWarning, match=message):
        m = one_mask(mask([], **keys))
    assert m.fill is None or m.side == "top"


@pytest.mark.parametrize(("body", "ok", "value", "error"), [
    ({"algorithm_tech_name": "acne"}, True, None, None),
    (42, True, 42.0, None),
    (7.5, True, 7.5, None),
    ({"error": "face not detected"}, False, None, {"error": "face not detected"}),
    (None, False, None, None),
    ("boom", False, None, "boom"),
])
def test_is_ok_false_and_legacy_number_records(body: Any, ok: bool, value: Any, error: Any) -> None:
    (r,) = mr.load(record(body, is_ok=ok))
    assert (r.ok, r.value, r.error, r.masks_restored) == (ok, value, error, ())
    assert r.algorithm == "acne"


# --------------------------------------------------------------------------- view_box

@pytest.mark.parametrize(("text", "expected"), [
    ("0 0 2416 2416", ViewBox(0, 0, 2416, 2416)),
    ("0,0,512,600", ViewBox(0, 0, 512, 600)),
    (" 100, 50 2416 ,2416 ", ViewBox(100, 50, 2416, 2416)),
    ("-10.5 -20 1e3 2.5E2", ViewBox(-10.5, -20, 1000, 250)),
])
def test_view_box_parses(text: str, expected: ViewBox) -> None:
    assert one_mask(mask([], view_box=text)).view_box == expected


FRAME = "a frame within ±1e+09, at least 1e-09 wide and high (maskrender.limits.MAX_ABS_COORDINATE)"


@pytest.mark.parametrize(("value", "expected", "found"), [
    ("0 0 0 2416", '"min_x min_y width height" with positive width and height', 'string "0 0 0 2416"'),
    ("0 0 2416 -1", '"min_x min_y width height" with positive width and height', 'string "0 0 2416 -1"'),
    ("0 0 2416", '"min_x min_y width height" with four numbers', 'string "0 0 2416"'),
    ("0 0 2416 2416 1", '"min_x min_y width height" with four numbers', 'string "0 0 2416 2416 1"'),
    ("a b c d", '"min_x min_y width height" with four numbers', 'string "a b c d"'),
    ("0 0 nan 5", '"min_x min_y width height" with finite numbers', 'string "0 0 nan 5"'),
    ("0 0 inf 5", '"min_x min_y width height" with finite numbers', 'string "0 0 inf 5"'),
    ("0 0 1e300 5", FRAME, 'string "0 0 1e300 5"'),
    ("-2e9 0 5 5", FRAME, 'string "-2e9 0 5 5"'),
    ("0 0 1e-200 1e-200", FRAME, 'string "0 0 1e-200 1e-200"'),  # its area would be 0.0
    ("", '"min_x min_y width height" with four numbers', 'string ""'),
    ([0, 0, 10, 10], 'a string "min_x min_y width height"', "a list of 4"),
    (2416, 'a string "min_x min_y width height"', "int 2416"),
])
def test_bad_view_box_is_a_format_error(value: Any, expected: str, found: str) -> None:
    err = load_error({"result": result_body(mask([], view_box=value))})
    assert isinstance(err, mr.FormatError)
    assert (err.source, err.path, err.expected, err.found) == (
        "<dict>", "result.masks_restored[0].view_box", expected, found)


def test_bad_view_box_fixture_message() -> None:
    path = FIXTURES / "broken" / "bad_view_box.json"
    assert str(load_error(path)) == (
        f'{path}: view_box: expected "min_x min_y width height" with positive width and height, '
        'found string "0 0 0 2416"')


# --------------------------------------------------------------------------- geometry repair

def test_bow_tie_is_repaired_with_a_warning_naming_the_feature() -> None:
    bow = [[0, 0], [10, 10], [10, 0], [0, 10], [0, 0]]
    data = mask([feature("Polygon", [SQUARE]), feature("MultiPolygon", [[SQUARE], [bow]])])
    with pytest.warns(mr.GeometryWarning) as caught:
        m = one_mask(data)
    assert [str(w.message) for w in caught] == [
        "<dict>: features[1].geometry.coordinates[1]: invalid polygon (Self-intersection[5 5]) "
        "repaired with make_valid into 2 polygon(s)"]
    assert [len(f.geometry.geoms) for f in m.features] == [1, 3]
    assert m.features[1].geometry.geoms[1].area + m.features[1].geometry.geoms[2].area == 50.0
    assert all(p.is_valid for f in m.features for p in f.geometry.geoms)


@pytest.mark.parametrize(("coords", "gtype", "message", "wkt"), [
    # exterior ring of 2 distinct points (closed): the polygon goes
    ([[[[0, 0], [1, 1], [0, 0]]], [SQUARE]], "MultiPolygon",
     "features[0].geometry.coordinates[0][0]: exterior ring with fewer than 3 distinct points; polygon dropped",
     "MULTIPOLYGON (((0 0, 10 0, 10 10, 0 10, 0 0)))"),
    # a hole of 2 points: the hole goes, the polygon stays
    ([[SQUARE, [[2, 2], [3, 3]]]], "MultiPolygon",
     "features[0].geometry.coordinates[0][1]: hole ring with fewer than 3 distinct points; hole dropped",
     "MULTIPOLYGON (((0 0, 10 0, 10 10, 0 10, 0 0)))"),
    # single Polygon: no part index in the path
    ([[[0, 0], [1, 1]]], "Polygon",
     "features[0].geometry.coordinates[0]: exterior ring with fewer than 3 distinct points; polygon dropped",
     "MULTIPOLYGON EMPTY"),
    ([[]], "Polygon",
     "features[0].geometry.coordinates[0]: exterior ring with fewer than 3 distinct points; polygon dropped",
     "MULTIPOLYGON EMPTY"),
    # four copies of one point: enough points, no area
    ([[[[1, 1], [1, 1], [1, 1], [1, 1], [1, 1]]]], "MultiPolygon",
     "features[0].geometry.coordinates[0]: invalid polygon (Too few points in geometry component[1 1]) "
     "has no area; dropped",
     "MULTIPOLYGON EMPTY"),
])
def test_degenerate_rings_are_dropped_with_a_warning(coords: Any, gtype: str, message: str, wkt: str) -> None:
    with pytest.warns(mr.GeometryWarning) as caught:
        m = one_mask(mask([feature(gtype, coords)]))
    assert [str(w.message) for w in caught] == [f"<dict>: {message}"]
    assert m.features[0].geometry.wkt == wkt


def test_warning_names_the_part_within_its_feature_not_the_mask() -> None:
    lines = [feature("MultiLineString", [[[0, 0], [1, 1]], [[5, 5], [6, 6]]]),
             feature("MultiLineString", [[[0, 0], [1, 1]], [[2, 2]], [[3, 3], [4, 4]]])]
    with pytest.warns(mr.GeometryWarning) as caught:
        m = one_mask(mask(lines, "polyline_mask"))
    assert [str(w.message) for w in caught] == [
        "<dict>: features[1].geometry.coordinates[1]: line with fewer than 2 points dropped"]
    assert [len(f.geometry.geoms) for f in m.features] == [2, 2]


# --------------------------------------------------------------------------- errors

def _at(path: str, expected: str, found: str) -> tuple[str, str, str]:
    return (path, expected, found)


POLY_HINT = " (MultiPolygon coordinates are [[[[x, y], ...], ...], ...])"
FORMAT_ERRORS = [
    # (data, (path, expected, found))
    pytest.param(mask([feature("MultiPolygon", [[[*SQUARE[:2], [1, "5"], *SQUARE[2:]]]])]),
                 _at("features[0].geometry.coordinates[0][0][2][1]", "a number", 'string "5"'), id="string coord"),
    pytest.param(mask([feature("MultiPolygon", [[[*SQUARE[:2], [1, True], *SQUARE[2:]]]])]),
                 _at("features[0].geometry.coordinates[0][0][2][1]", "a number", "boolean true"), id="bool coord"),
    pytest.param(mask([feature("MultiPoint", [[1, 2], [None, 2]])], "point_mask"),
                 _at("features[0].geometry.coordinates[1][0]", "a number", "null"), id="null coord"),
    pytest.param(mask([feature("MultiPoint", [[1, 2], [float("nan"), 2]])], "point_mask"),
                 _at("features[0].geometry.coordinates[1][0]", "a finite number", "float nan"), id="nan"),
    pytest.param(mask([feature("MultiPoint", [[1, float("inf")]])], "point_mask"),
                 _at("features[0].geometry.coordinates[0][1]", "a finite number", "float inf"), id="infinity"),
    pytest.param(mask([feature("MultiPoint", [[1, 2, float("-inf")]])], "point_mask"),
                 _at("features[0].geometry.coordinates[0][2]", "a finite number", "float -inf"), id="z infinity"),
    pytest.param(mask([feature("MultiPoint", [[1, 10**400]])], "point_mask"),
                 _at("features[0].geometry.coordinates[0][1]", "a finite number", "an integer of 401 digits"),
                 id="huge int"),
    pytest.param(mask([feature("MultiPoint", [[1, 1e10]])], "point_mask"),
                 _at("features[0].geometry.coordinates[0][1]",
                     "a coordinate within ±1e+09 (maskrender.limits.MAX_ABS_COORDINATE)", "float 10000000000.0"),
                 id="beyond MAX_ABS_COORDINATE"),
    pytest.param(mask([feature("MultiPoint", [[1, 2, 3, 4]])], "point_mask"),
                 _at("features[0].geometry.coordinates[0]",
                     "a coordinate [x, y] or [x, y, z] (MultiPoint coordinates are [[x, y], ...])", "a list of 4"),
                 id="4 values"),
    pytest.param(mask([feature("MultiPoint", [[1]])], "point_mask"),
                 _at("features[0].geometry.coordinates[0]",
                     "a coordinate [x, y] or [x, y, z] (MultiPoint coordinates are [[x, y], ...])", "a list of 1"),
                 id="1 value"),
    pytest.param(mask([feature("MultiPolygon", [SQUARE])]),
                 _at("features[0].geometry.coordinates[0][0][0]", "a coordinate [x, y] or [x, y, z]" + POLY_HINT,
                     "int 0"), id="too shallow (Polygon depth under MultiPolygon)"),
    pytest.param(mask([feature("Polygon", [[SQUARE]])]),
                 _at("features[0].geometry.coordinates[0][0]",
                     "a coordinate [x, y] or [x, y, z] (Polygon coordinates are [[[x, y], ...], ...])", "a list of 5"),
                 id="too deep (MultiPolygon depth under Polygon)"),
    pytest.param(mask([feature("MultiPoint", [1, 2])], "point_mask"),
                 _at("features[0].geometry.coordinates[0]",
                     "a coordinate [x, y] or [x, y, z] (MultiPoint coordinates are [[x, y], ...])", "int 1"),
                 id="point depth"),
    pytest.param(mask([feature("MultiLineString", [[[0, 0], [1, 1]], "x"])], "polyline_mask"),
                 _at("features[0].geometry.coordinates[1]",
                     "a list of coordinates (MultiLineString coordinates are [[[x, y], ...], ...])", 'string "x"'),
                 id="string part"),
    pytest.param(mask([feature("MultiPoint", [[1, 2]])]),
                 _at("features[0].geometry.type", "MultiPolygon or Polygon", 'string "MultiPoint"'),
                 id="geometry type vs mask type"),
    pytest.param(mask([feature("GeometryCollection", [])], "point_mask"),
                 _at("features[0].geometry.type", "MultiPoint or Point", 'string "GeometryCollection"'),
                 id="unknown geometry type"),
    pytest.param(mask([{"geometry": {"type": "Point"}}], "point_mask"),
                 _at("features[0].geometry.coordinates", "a list", "null"), id="no coordinates"),
    pytest.param(mask([{"geometry": [1, 2]}], "point_mask"),
                 _at("features[0].geometry", "a geometry object or null", "a list of 2"), id="geometry list"),
    pytest.param(mask(["feature"]), _at("features[0]", "a feature object", 'string "feature"'), id="feature str"),
    pytest.param(mask([{"properties": [1]}]),
                 _at("features[0].properties", "an object or null", "a list of 1"), id="properties list"),
    pytest.param(mask([{"properties": {"intensity": "high"}}]),
                 _at("features[0].properties.intensity", "a finite number or null", 'string "high"'),
                 id="intensity str"),
    pytest.param(mask([{"properties": {"intensity": True}}]),
                 _at("features[0].properties.intensity", "a finite number or null", "boolean true"),
                 id="intensity bool"),
    pytest.param(mask([{"properties": {"intensity": 10**400}}]),
                 _at("features[0].properties.intensity", "a finite number or null", "an integer of 401 digits"),
                 id="intensity huge int"),
    pytest.param({"mask_type": "point_mask", "features": "none"},
                 _at("features", "a list", 'string "none"'), id="features str"),
    pytest.param({"mask_type": 3, "features": []},
                 _at("mask_type", "a string such as polygon_mask", "int 3"), id="mask_type int"),
    pytest.param(mask([], fill=5), _at("fill", "a string", "int 5"), id="fill int"),
    pytest.param(mask([], side=[]), _at("side", "a string", "a list of 0"), id="side list"),
    pytest.param("hello", _at("$", "a result record, a results list, a bare result, a mask or a list of masks",
                              'string "hello"'), id="top string"),
    pytest.param({"x": 1}, _at("$", "a result record, a results list, a bare result, a mask or a list of masks",
                               "an object with keys [x]"), id="unknown object"),
    pytest.param([record({}), 3], _at("[1]", "a result record", "int 3"), id="list item int"),
    pytest.param([record({}), mask([])],
                 _at("[1]", "a result record (a list holds either results or masks, not both)",
                     "an object with keys [type, mask_type, features]"), id="records and masks mixed"),
    pytest.param(record({}, is_ok="yes"), _at("is_ok", "true or false", 'string "yes"'), id="is_ok str"),
    pytest.param(record([]), _at("result", "an object (or a number in legacy records)", "a list of 0"),
                 id="result list"),
    pytest.param(record(True), _at("result", "an object (or a number in legacy records)", "boolean true"),
                 id="result bool"),
    pytest.param(record(float("nan")), _at("result", "a finite number (legacy record)", "float nan"),
                 id="legacy nan"),
    pytest.param(record(10**400), _at("result", "a finite number (legacy record)", "an integer of 401 digits"),
                 id="legacy huge int"),
    pytest.param(record(result_body(area_results={})),
                 _at("result.area_results", "a list or null", "an empty object"), id="area_results object"),
    pytest.param(record(result_body(area_results=[{"main_metric": {"value": [1]}}])),
                 _at("result.area_results[0].main_metric.value", "a finite number, a string or null", "a list of 1"),
                 id="metric value list"),
    pytest.param(record(result_body(area_results=[{"main_metric": {"value": 10**400}}])),
                 _at("result.area_results[0].main_metric.value", "a finite number, a string or null",
                     "an integer of 401 digits"), id="metric value huge int"),
    pytest.param(record(result_body(area_results=[{"main_metric": {"value": float("inf")}}])),
                 _at("result.area_results[0].main_metric.value", "a finite number, a string or null", "float inf"),
                 id="metric value inf"),
    pytest.param(record(result_body(area_results=[{"sub_metrics": [{"value": 1, "widget_show": "no"}]}])),
                 _at("result.area_results[0].sub_metrics[0].widget_show", "true or false", 'string "no"'),
                 id="widget_show str"),
    pytest.param(record(result_body(area_results=[{"area_name": 7}])),
                 _at("result.area_results[0].area_name", "a string", "int 7"), id="area_name int"),
    pytest.param(record(result_body(masks_restored={"a": 1})),
                 _at("result.masks_restored", "a list or null", "an object with keys [a]"), id="masks object"),
]


@pytest.mark.parametrize(("data", "where"), FORMAT_ERRORS)
def test_format_errors_name_path_expected_and_found(data: Any, where: tuple[str, str, str]) -> None:
    sources = [(json.dumps(data).encode(), "<bytes>")]
    if not isinstance(data, str):  # a str is a path
        sources.append((data, f"<{type(data).__name__}>"))
    for source, label in sources:
        err = load_error(source)
        assert type(err) is mr.FormatError
        assert (err.source, err.path, err.expected, err.found) == (label, *where)
        assert str(err) == f"{label}: {where[0]}: expected {where[1]}, found {where[2]}"


def test_deep_path_in_a_results_list() -> None:
    """The acceptance example: a bad coordinate deep in the third record of a results list."""
    data = json.loads((FIXTURES / "results_list.json").read_text(encoding="utf-8"))
    data[2]["result"]["masks_restored"][0]["features"][17]["geometry"]["coordinates"][0][0][3] = [1, "2"]
    err = load_error(json.dumps(data).encode(), name="visit.json")
    assert str(err) == ('visit.json: [2].result.masks_restored[0].features[17].geometry.coordinates[0][0][3][1]: '
                        'expected a number, found string "2"')


def test_wrong_types_fixture_and_its_second_fault() -> None:
    path = FIXTURES / "broken" / "wrong_types.json"
    assert str(load_error(path)) == f'{path}: result.masks_restored[0].features: expected a list, found string "none"'
    data = json.loads(path.read_text(encoding="utf-8"))
    data["result"]["masks_restored"][0]["features"] = []
    err = load_error(data)
    assert isinstance(err, mr.FormatError)
    assert re.fullmatch(r"result\.masks_restored\[1\]\.features\[\d+\]\.geometry\.coordinates(\[\d+\]){4}", err.path)
    assert (err.expected, err.found) == ("a number", 'string "1909"')


@pytest.mark.parametrize(("name", "cls", "message"), [
    ("empty.json", mr.ParseError, "{path}: empty input, expected JSON"),
    ("truncated.json", mr.ParseError, "{path}: invalid JSON at line 661 column 13: Unterminated string starting at"),
    ("not_json.json", mr.ParseError, "{path}: not UTF-8 text (invalid byte at offset 0)"),
    ("top_level_string.json", mr.FormatError,
     '{path}: $: expected a result record, a results list, a bare result, a mask or a list of masks, '
     'found string "hello"'),
    ("nan_coordinates.json", mr.FormatError,
     "{path}: features[1].geometry.coordinates[0][0][2][1]: expected a finite number, found float nan"),
    ("wrong_depth.json", mr.FormatError,
     "{path}: features[0].geometry.coordinates[0][0][0]: expected a coordinate [x, y] or [x, y, z]" + POLY_HINT
     + ", found int 1277"),
])
def test_broken_fixtures(name: str, cls: type[Exception], message: str) -> None:
    path = FIXTURES / "broken" / name
    err = load_error(path)
    assert type(err) is cls
    assert str(err) == message.format(path=path)


@pytest.mark.parametrize(("raw", "cls", "message"), [
    (b"", mr.ParseError, "<bytes>: empty input, expected JSON"),
    (b"  \n\t ", mr.ParseError, "<bytes>: empty input, expected JSON"),
    (b'{"a": ', mr.ParseError, "<bytes>: truncated JSON at line 1 column 7: Expecting value"),
    (b'{"a": 1 "b": 2}', mr.ParseError, "<bytes>: invalid JSON at line 1 column 9: Expecting ',' delimiter"),
    (b"[1, 2]\n[3]", mr.ParseError, "<bytes>: invalid JSON at line 2 column 1: Extra data"),
    (b"\x89PNG\r\n\x1a\n", mr.ParseError, "<bytes>: not UTF-8 text (invalid byte at offset 0)"),
    (b'["\xff"]', mr.ParseError, "<bytes>: not UTF-8 text (invalid byte at offset 2)"),
    (b"\xef\xbb\xbf[]", None, ""),  # a UTF-8 byte-order mark is accepted
    (b"[" + b"1" * 5000 + b"]", mr.ParseError,
     "<bytes>: invalid JSON: Exceeds the limit (4300 digits) for integer string conversion: value has 5000 digits; "
     "use sys.set_int_max_str_digits() to increase the limit"),
    (b"42", mr.FormatError, "<bytes>: $: expected a result record, a results list, a bare result, a mask or a list "
     "of masks, found int 42"),
])
def test_not_json_is_a_parse_error(raw: bytes, cls: type[Exception] | None, message: str) -> None:
    if cls is None:
        assert list(mr.load(raw)) == []
        return
    err = load_error(raw)
    assert type(err) is cls
    assert str(err) == message


@pytest.mark.parametrize(("path", "message"), [
    ("no/such/file.json", "no/such/file.json: no such file"),
    (".", ".: is a directory, expected a JSON file"),
    ("bad\x00name.json", "'bad\\x00name.json': not a usable file name (embedded null byte)"),
])
def test_unreadable_paths_are_parse_errors(path: str, message: str) -> None:
    err = load_error(path)
    assert type(err) is mr.ParseError
    assert str(err) == message


def test_str_with_bom_is_json_text_not_a_path() -> None:
    assert list(mr.load("\ufeff []")) == []


def test_unsupported_source_type_is_a_type_error() -> None:
    with pytest.raises(mr.InputError, match="load\\(\\) takes a path, bytes, str, file object, dict or list, not int"):
        mr.load(3)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- the fast path

@pytest.mark.parametrize("name", ["pih_result.json", "pores.json", "acne.json", "lines.json", "redness.json",
                                  "results_list.json", "sides_result.json", "bare_masks.json"])
def test_real_data_takes_the_vectorised_path(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """No per-coordinate Python walk for well-formed data, including pores' mixed [x, y] / [x, y, 0]
    points and the vendor's unclosed rings (the walk is only for naming what is wrong)."""
    from maskrender.geometry import build as parse

    def walk(*args: Any) -> Any:
        raise AssertionError("the slow path ran")

    monkeypatch.setattr(parse, "_clean_parts", walk)
    results = mr.load(FIXTURES / name)
    assert sum(m.part_count for m in results.masks(side=None)) > 0


def _closed(f: io.BytesIO) -> io.BytesIO:
    f.close()
    return f


@pytest.mark.parametrize(("make", "message"), [
    (lambda: io.TextIOWrapper(io.BytesIO(b'{"a": "\xff"}'), encoding="utf-8"),
     "<file>: not utf-8 text (invalid byte at offset 7)"),
    (lambda: io.TextIOWrapper(io.BytesIO(b'{"a": "\xff"}'), encoding="latin-1"),
     "<file>: $: expected a result record, a results list, a bare result, a mask or a list of masks, "
     "found an object with keys [a]"),
    (lambda: _closed(io.BytesIO(b"[]")), "<file>: cannot read: I/O operation on closed file."),
])
def test_unreadable_file_objects(make: Any, message: str) -> None:
    err = load_error(make())
    assert str(err) == message


# --------------------------------------------------------------------------- the vendor's documented examples

VENDOR = FIXTURES / "vendor"

# fixture: (label, family, ids (id, image_id, algorithm_version_id, application_name), face main, face subs)
VENDOR_RESULTS: dict[str, list[tuple[Any, ...]]] = {
    "hautai_acne_class_record.json": [
        ("acne_class", "acne.acne_class", ("2d259be4-231b-4ba5-9227-3faba5a48712",
                                           "32133003-1d3c-4cfe-95b6-97a8efe70897", 101, "Acne"),
         ("Acne Class", "moderate", "category"), [])],
    "hautai_pores_snippets_bare.json": [
        ("pores", "", (None, None, None, None), ("Pores Score", 64, "bad_good_line"),
         [("Pores Number", 455, "numeric"), ("Pores Density", 1, "density")])],
    "hautai_redness_snippets_bare.json": [
        ("redness", "", (None, None, None, None), ("Redness Score", 77, "bad_good_line"),
         [("Redness Local Score", 89, "bad_good_line"), ("Redness Global Score", 64, "bad_good_line")])],
    "hautai_eye_area_condition_bare.json": [
        ("eye_area_condition", "", (None, None, None, None), ("Eye Area Condition", 43, "bad_good_line"),
         [("Dark Circle Score", 42, "bad_good_line"), ("Eyes Bags Score", 45, "bad_good_line"),
          ("Lacrimal Groove Score", 47, "bad_good_line")])],
    "hautai_lines_snippets_bare.json": [
        ("lines", "", (None, None, None, None), ("Lines Score", 13, "bad_good_line"),
         [("Sagging Score", 45, "bad_good_line"), ("Jowls Grade", 2, "numeric")])],
    "hautai_eye_age_bare.json": [
        ("eye_age", "", (None, None, None, None), ("Eye Age", 24, "numeric"), [])],
    "hautai_face_results_legacy.json": [
        ("algorithm_version_id 23", "", ("d4848915-7206-4f06-a3f6-843ca9e73389",
                                         "2220a9ae-a748-426a-a48c-d5e773e09575", 23, "Face Skin Metrics"), None, []),
        ("algorithm_version_id 19", "", ("7117c34f-f3f8-44ae-96f1-6108fcd62c7c",
                                         "2220a9ae-a748-426a-a48c-d5e773e09575", 19, "Face Skin Metrics"), None, [])],
    "hautai_webhook_fsm2_payload.json": [
        ("Face Skin Metrics 2.0", "", (None, None, None, "Face Skin Metrics 2.0"), ("Skin tone", "Light", "category"),
         [])],
}


@pytest.mark.parametrize("name", sorted(VENDOR_RESULTS))
def test_vendor_examples_read_value_for_value(name: str) -> None:
    results = mr.load(VENDOR / name)
    got = []
    for r in results:
        face = r.area("face")
        main = None if face is None or face.main_metric is None else (
            face.main_metric.name, face.main_metric.value, face.main_metric.widget_type)
        subs = [] if face is None else [(m.name, m.value, m.widget_type) for m in face.sub_metrics]
        got.append((r.label, r.family, (r.id, r.image_id, r.algorithm_version_id, r.application_name), main, subs))
    assert got == VENDOR_RESULTS[name]
    assert all(r.ok and not r.masks_restored and not r.masks_original for r in results)


def test_legacy_and_flat_vendor_records_keep_their_values() -> None:
    legacy = mr.load(VENDOR / "hautai_face_results_legacy.json")
    assert [r.value for r in legacy] == [41.0, 37.0]
    (hook,) = mr.load(VENDOR / "hautai_webhook_fsm2_payload.json")  # flat area results: each is its own metric
    assert [(a.name, a.main_metric.tech_name, a.main_metric.value) for a in hook.areas if a.main_metric] == [
        ("face", "skintone_class", "Light"), ("face", "eye_age", 38), ("left_eye_area", "left_eye_age", 39)]


@pytest.mark.parametrize(("data", "label"), [
    pytest.param({"result": 41.0, "is_ok": True, "algorithm_version_id": 23}, "algorithm_version_id 23", id="legacy"),
    pytest.param(record({"area_results": []}), "acne", id="family's last part"),
    pytest.param({"is_ok": True, "algorithm_family_tech_name": "pores", "result": {"area_results": []}}, "pores",
                 id="family without dot"),
    pytest.param({"area_results": [{"area_name": "face", "main_metric": {"value": 1}}]}, "(metrics)",
                 id="metrics alone"),
    pytest.param({"application_name": "App", "area_results": []}, "App", id="application"),
    pytest.param(mask([]), "(bare masks)", id="bare mask"),
])
def test_results_without_an_algorithm_name_are_labelled_from_what_they_carry(data: Any, label: str) -> None:
    assert [r.label for r in mr.load(data)] == [label]


LOOK_ALIKES = [
    # fixture, JSON path, what the message says it is
    ("hautai_raster_v4_response.json", "[0].masked_image_url", "a rasterisation service response"),
    ("hautai_svg_masks_v5_response.json", "results.masked_image_url", "a rasterisation service response"),
    ("hautai_face_metrics_3_pimples.json", "metrics.pimples.masks", "a Face Metrics 3.0 response"),
    ("assumed_smoothed_results.json", "[0].is_smoothed", "smoothed results"),
    ("ailabtools_skin_analyze_advanced.json", "result.acne.rectangle", "another vendor's skin analysis"),
]


@pytest.mark.parametrize(("name", "path", "what"), LOOK_ALIKES)
def test_look_alikes_are_refused_by_name(name: str, path: str, what: str) -> None:
    err = load_error(VENDOR / name)
    assert isinstance(err, mr.FormatError)
    assert (err.source, err.path) == (str(VENDOR / name), path)
    assert err.found.startswith(what)
    assert err.expected.startswith("skin-analysis results (a result record or list from the results endpoint")
    assert str(err) == f"{VENDOR / name}: {path}: expected {err.expected}, found {err.found}"


@pytest.mark.parametrize(("data", "path", "found"), [
    pytest.param({"face_skin_metrics_3": {"image_batch_id": "x", "parameters": {}}}, "face_skin_metrics_3",
                 "a Face Metrics 3.0", id="FM3 batch results"),
    pytest.param([record(result_body()), {"algorithm_tech_name": "x", "masked_image_url": "u"}],
                 "[1].masked_image_url", "a rasterisation", id="raster item among records"),
    pytest.param(record(result_body(), smoothing_window=7), "smoothing_window", "smoothed", id="smoothing key"),
    pytest.param({"error_code": 0, "face_rectangle": {}, "result": {"skin_age": {"value": 9}}}, "face_rectangle",
                 "another vendor", id="face rectangle"),
])
def test_look_alike_variants(data: Any, path: str, found: str) -> None:
    err = load_error(data)
    assert isinstance(err, mr.FormatError)
    assert (err.path, err.found[:len(found)]) == (path, found)


def test_a_result_object_without_any_result_key_is_refused() -> None:
    err = load_error(record({"score": 3, "label": "x"}))
    assert str(err) == ("<dict>: result: expected a result object (with algorithm_tech_name, area_results, "
                        "masks_restored, masks_original), found an object with keys [score, label]")
    assert mr.load(record({}))[0].label == "acne"  # an empty result object is only empty


def test_area_regions_are_kept_as_given() -> None:
    regions = [{"area_name": "forehead", "polygon": [[0, 0], [1, 0], [1, 1]]}]
    (r,) = mr.load(record(result_body(area_regions_restored=regions)))
    assert r.area_regions == {"area_regions_restored": regions}


def test_the_real_vendor_sample_still_loads_as_before() -> None:
    (r,) = mr.load(FIXTURES / "pih_result.json")
    assert (r.label, r.algorithm_version_id, r.application_name) == ("post_inflammatory_hyperpigmentation", 98, "Acne")
