"""Hostile input (issue 7): for ANY byte string, ``maskrender.load`` returns a model or raises a
``MaskRenderError`` subclass whose message names the source; never another exception, never a
hang, never unbounded memory.

The oracle and the case generators are those of ``tests/fuzz_long.py`` (the 100,000-case run);
here hypothesis drives them at a budget CI can afford, and shrinks what it finds. Every crash
found is kept under ``tests/regressions/`` with its expected outcome below.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

import helpers.fuzz as fuzz
import pytest
from helpers import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import maskrender as mr
from maskrender import limits

REGRESSIONS = ROOT / "tests" / "regressions"
def fuzz_settings(examples: int) -> settings:
    """A bounded budget (the whole file runs in well under a minute); no per-example deadline."""
    return settings(max_examples=examples, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def point_mask(coordinates: str, **extra: str) -> bytes:
    """A point mask around raw coordinate text (so JSON literals can be planted as written)."""
    keys = "".join(f', "{k}": {v}' for k, v in extra.items())
    return (f'{{"mask_type": "point_mask"{keys}, "features": [{{"geometry": '
            f'{{"type": "MultiPoint", "coordinates": {coordinates}}}}}]}}').encode()


def polygon_mask(props: str = "{}", view_box: str = '"0 0 100 100"') -> bytes:
    return ('{"mask_type": "polygon_mask", "view_box": ' + view_box + ', "features": [{"properties": ' + props
            + ', "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [10, 0], [10, 10]]]}}]}').encode()


def record(area: str) -> bytes:
    return ('{"is_ok": true, "result": {"algorithm_tech_name": "x", "area_results": [' + area + "]}}").encode()


DIGITS_4000 = "7" * 4000
COORD = "features[0].geometry.coordinates"
MP_HINT = " (MultiPoint coordinates are [[x, y], ...])"

# (raw bytes, exception class or None for a model, exact message or the first point's coordinates)
HOSTILE: list[Any] = [
    pytest.param(b'{"a": "\xff"}', mr.ParseError, "<bytes>: not UTF-8 text (invalid byte at offset 7)",
                 id="invalid utf-8"),
    pytest.param(b"\xff\xfe[\x00]\x00", mr.ParseError, "<bytes>: not UTF-8 text (invalid byte at offset 0)",
                 id="utf-16"),
    pytest.param(b"\xef\xbb\xbf" + point_mask("[[1, 2]]"), None, (1.0, 2.0), id="utf-8 BOM accepted"),
    pytest.param(b"[" * 100_000 + b"]" * 100_000, mr.LimitError,
                 "<bytes>: $: arrays/objects nested more than 64 deep (maskrender.limits.MAX_JSON_DEPTH)",
                 id="100k nested arrays"),
    pytest.param(b'{"a":' * 50_000 + b"1" + b"}" * 50_000, mr.LimitError,
                 "<bytes>: $: arrays/objects nested more than 64 deep (maskrender.limits.MAX_JSON_DEPTH)",
                 id="50k nested objects"),
    pytest.param(b"[" * 65 + b"]" * 65, mr.LimitError,
                 "<bytes>: " + "[0]" * 26 + "..." + "[0]" * 10
                 + ": arrays/objects nested more than 64 deep (maskrender.limits.MAX_JSON_DEPTH)",
                 id="65 deep"),
    pytest.param(b"[" * 64 + b"]" * 64, mr.FormatError,
                 "<bytes>: [0]: expected a result record, found a list of 1", id="64 deep is within"),
    pytest.param(polygon_mask('{"h": ' + "[" * 70 + "]" * 70 + "}"), mr.LimitError,
                 "<bytes>: features[0].properties.h" + "[0]" * 18 + "..." + "[0]" * 10
                 + ": arrays/objects nested more than 64 deep (maskrender.limits.MAX_JSON_DEPTH)",
                 id="deep properties"),
    pytest.param(b'["[[[[", {"a": "]]]]\\"[[[", "b": "\\\\"}]', mr.FormatError,
                 '<bytes>: [0]: expected a result record, found string "[[[["', id="brackets in strings"),
    pytest.param(point_mask("[[1, 2]]").replace(b'"point_mask"', b'"polygon_mask", "mask_type": "point_mask"'),
                 None, (1.0, 2.0), id="duplicate key: last wins"),
    pytest.param(b'{"mask_type": "point_mask", "features": [{"geometry": {"type": "Point", "coordinates": [5, 5], '
                 b'"coordinates": [1, 2]}}]}', None, (1.0, 2.0), id="duplicate coordinates: last wins"),
    pytest.param(point_mask("[[NaN, 2]]"), mr.FormatError,
                 f"<bytes>: {COORD}[0][0]: expected a finite number, found float nan", id="NaN literal"),
    pytest.param(point_mask("[[1, Infinity]]"), mr.FormatError,
                 f"<bytes>: {COORD}[0][1]: expected a finite number, found float inf", id="Infinity literal"),
    pytest.param(point_mask("[[1, -Infinity, 0]]"), mr.FormatError,
                 f"<bytes>: {COORD}[0][1]: expected a finite number, found float -inf", id="-Infinity literal"),
    pytest.param(point_mask("[[1e999, 2]]"), mr.FormatError,
                 f"<bytes>: {COORD}[0][0]: expected a finite number, found float inf", id="1e999 overflows"),
    pytest.param(point_mask("[[1e308, 2]]"), mr.FormatError,
                 f"<bytes>: {COORD}[0][0]: expected a coordinate within ±1e+09 "
                 "(maskrender.limits.MAX_ABS_COORDINATE), found float 1e+308", id="1e308"),
    pytest.param(point_mask(f"[[{DIGITS_4000}, 2]]"), mr.FormatError,
                 f"<bytes>: {COORD}[0][0]: expected a finite number, found an integer of 4,000 digits",
                 id="4000-digit integer"),
    pytest.param(point_mask("[[" + "7" * 5000 + ", 2]]"), mr.ParseError,
                 "<bytes>: invalid JSON: Exceeds the limit (4300 digits) for integer string conversion: value has "
                 "5000 digits; use sys.set_int_max_str_digits() to increase the limit", id="5000-digit integer"),
    pytest.param(polygon_mask(f'{{"intensity": {DIGITS_4000}}}'), mr.FormatError,
                 "<bytes>: features[0].properties.intensity: expected a finite number or null, "
                 "found an integer of 4,000 digits", id="4000-digit intensity"),
    pytest.param(record(f'{{"main_metric": {{"value": {DIGITS_4000}}}}}'), mr.FormatError,
                 "<bytes>: result.area_results[0].main_metric.value: expected a finite number, a string or null, "
                 "found an integer of 4,000 digits", id="4000-digit metric"),
    pytest.param(point_mask("[[1, 2], [true, 3]]"), mr.FormatError,
                 f"<bytes>: {COORD}[1][0]: expected a number, found boolean true", id="true in coordinates"),
    pytest.param(point_mask("[[false, true]]"), mr.FormatError,
                 f"<bytes>: {COORD}[0][0]: expected a number, found boolean false", id="only booleans"),
    pytest.param(point_mask("[[1.5, 2], [3, 4, true]]"), mr.FormatError,
                 f"<bytes>: {COORD}[1][2]: expected a number, found boolean true", id="true as z"),
    pytest.param(point_mask('[["1", 2]]'), mr.FormatError,
                 f'<bytes>: {COORD}[0][0]: expected a number, found string "1"', id="string number"),
    pytest.param(point_mask("[[1, null]]"), mr.FormatError,
                 f"<bytes>: {COORD}[0][1]: expected a number, found null", id="null number"),
    pytest.param(point_mask('"1, 2"'), mr.FormatError,
                 f'<bytes>: {COORD}: expected a list, found string "1, 2"', id="string coordinates"),
    pytest.param(point_mask("[[1, 2]]", view_box="true"), mr.FormatError,
                 '<bytes>: view_box: expected a string "min_x min_y width height", found boolean true',
                 id="boolean view_box"),
    pytest.param(polygon_mask('{"intensity": true}'), mr.FormatError,
                 "<bytes>: features[0].properties.intensity: expected a finite number or null, found boolean true",
                 id="boolean intensity"),
    pytest.param(polygon_mask('{"intensity": NaN}'), mr.FormatError,
                 "<bytes>: features[0].properties.intensity: expected a finite number or null, found float nan",
                 id="NaN intensity"),
    pytest.param(record('{"main_metric": {"value": true}}'), mr.FormatError,
                 "<bytes>: result.area_results[0].main_metric.value: expected a finite number, a string or null, "
                 "found boolean true", id="boolean metric"),
    pytest.param(record('{"main_metric": {"value": -Infinity}}'), mr.FormatError,
                 "<bytes>: result.area_results[0].main_metric.value: expected a finite number, a string or null, "
                 "found float -inf", id="infinite metric"),
    pytest.param(polygon_mask(view_box='"0 0 1e-200 1e-200"'), mr.FormatError,
                 '<bytes>: view_box: expected a frame within ±1e+09, at least 1e-09 wide and high '
                 '(maskrender.limits.MAX_ABS_COORDINATE), found string "0 0 1e-200 1e-200"', id="tiny view_box"),
    pytest.param(b'{"mask_type": "point_mask", "features": []}', None, None, id="no features"),
    pytest.param(b'{"mask_type": "point_mask", "features": [{}, {"geometry": null}]}', None, None,
                 id="empty features"),
    pytest.param(point_mask("[]"), None, None, id="empty coordinates"),
]


@pytest.mark.parametrize(("raw", "cls", "expected"), HOSTILE)
def test_hostile_bytes(raw: bytes, cls: type[Exception] | None, expected: Any) -> None:
    if cls is None:
        (m,) = mr.load(raw).masks()
        first = next((f.geometry for f in m.features if not f.geometry.is_empty), None)
        assert (first.geoms[0].coords[0] if first is not None else None) == expected
    else:
        with pytest.raises(cls) as info:
            mr.load(raw)
        assert type(info.value) is cls
        assert str(info.value) == expected
    assert fuzz.check(raw, "<bytes>") == (cls is None)  # and the model, if any, survives use


def test_nan_elsewhere_in_properties_is_kept() -> None:
    (m,) = mr.load(polygon_mask('{"score": NaN, "intensity": 0.5}')).masks()
    assert m.features[0].intensity == 0.5
    assert str(m.features[0].properties["score"]) == "nan"


def test_lone_surrogates_become_replacement_characters() -> None:
    raw = b'{"mask_type": "point_mask", "name": "a\\ud800b", "fill": "#fff", "features": []}'
    (m,) = mr.load(raw).masks()
    assert m.name == "a\ufffdb"
    assert fuzz.check(raw, "<bytes>")


def test_depth_limit_switched_off_falls_back_to_the_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_JSON_DEPTH", None)
    with pytest.raises(mr.ParseError, match=r"^<bytes>: JSON nested too deeply for Python's parser$"):
        mr.load(b"[" * 100_000 + b"]" * 100_000)
    deep = polygon_mask('{"h": ' + "[" * 200 + "]" * 200 + "}")
    (m,) = mr.load(deep).masks()
    exported = m.to_geojson()  # no recursion into properties
    assert mr.load(exported).masks()[0].features[0].properties["h"] == exported["features"][0]["properties"]["h"]


# --------------------------------------------------------------------------- limits


@pytest.mark.parametrize("mask_type", ["point_mask", "polyline_mask", "polygon_mask"])
def test_ten_million_points_are_refused_before_any_big_allocation(mask_type: str) -> None:
    points = [[1, 2]] * 10_000_000  # 10 M references to one pair: cheap to build
    coordinates: Any = {"point_mask": points, "polyline_mask": [points], "polygon_mask": [[points]]}[mask_type]
    gtype = {"point_mask": "MultiPoint", "polyline_mask": "MultiLineString", "polygon_mask": "MultiPolygon"}
    data = {"mask_type": mask_type, "features": [{"geometry": {"type": gtype[mask_type], "coordinates": coordinates}}]}
    err, peak, _ = fuzz.refused(data)
    assert str(err) == (
        "<dict>: features: more than 2,000,000 coordinates in one input (maskrender.limits.MAX_COORDINATES)")
    assert peak < 1_000_000  # bytes: counted from list lengths, nothing of size N was made


def test_coordinate_count_is_for_the_whole_input_and_names_the_mask(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_COORDINATES", 10)
    six = point_mask(json.dumps([[i, i] for i in range(6)])).decode()
    assert mr.load(f"[{six}]").masks()[0].part_count == 6
    with pytest.raises(mr.LimitError) as info:
        mr.load(json.loads(f"[{six}, {six}]"))        # parsed data: counted exactly, with the path
    assert str(info.value) == (
        "<list>: [1].features: more than 10 coordinates in one input (maskrender.limits.MAX_COORDINATES)")
    with pytest.raises(mr.LimitError) as info:
        mr.load(f"[{six}, {six}]")                    # text: counted before parsing
    assert str(info.value) == (
        "<str>: more than 10 coordinates in one input, counted before parsing (maskrender.limits.MAX_COORDINATES)")
    monkeypatch.setattr(limits, "MAX_COORDINATES", None)
    assert len(mr.load(f"[{six}, {six}]").masks()) == 2


def test_coordinate_count_also_holds_on_the_slow_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """A mask the fast path cannot take (a string ring at the end) is counted while walked."""
    monkeypatch.setattr(limits, "MAX_COORDINATES", 100)
    rings = [[[i, 0], [i, 1], [i + 1, 1]] for i in range(50)] + ["bad"]
    data = {"mask_type": "polygon_mask", "features": [{"geometry": {"type": "Polygon", "coordinates": rings}}]}
    with pytest.raises(mr.LimitError, match=r"^<dict>: features\[0\]\.geometry\.coordinates\[33\]: more than 100 "):
        mr.load(data)


def test_giant_file_is_refused_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "giant.json"
    with big.open("wb") as fh:  # sparse: no disk, no time
        fh.truncate(300 << 20)
    err, peak, _ = fuzz.refused(big)
    assert str(err) == (
        f"{big}: 314,572,800 bytes is more than the 134,217,728 allowed (maskrender.limits.MAX_INPUT_BYTES)")
    assert peak < 1_000_000
    assert os.path.getsize(big) == 300 << 20


@pytest.mark.parametrize(("make", "label", "found"), [
    (lambda raw: raw, "<bytes>", 2_000),
    (lambda raw: raw.decode(), "<str>", 2_000),
    (lambda raw: io.BytesIO(raw), "<file>", 1_001),  # a file object is read up to the limit + 1
    (lambda raw: io.StringIO(raw.decode()), "<file>", 1_001),
])
def test_input_size_limit_for_every_source(monkeypatch: pytest.MonkeyPatch, make: Any, label: str,
                                           found: int) -> None:
    monkeypatch.setattr(limits, "MAX_INPUT_BYTES", 1_000)
    raw = point_mask("[" + ", ".join(["[1, 2]"] * 300) + "]")[:2_000]
    with pytest.raises(mr.LimitError) as info:
        mr.load(make(raw))
    assert str(info.value) == (
        f"{label}: {found:,} bytes is more than the 1,000 allowed (maskrender.limits.MAX_INPUT_BYTES)")


# --------------------------------------------------------------------------- regressions

# file -> (exception class or None, the message, or for a model what the first mask holds)
REGRESSION_CASES: dict[str, tuple[type[Exception] | None, str]] = {
    # was: loaded as the point (1, 0): numpy reads booleans in a list of numbers as 0 and 1
    "bool_coordinates.json": (mr.FormatError, "features[0].geometry.coordinates[1][0]: expected a number, "
                                              "found boolean true"),
    # was: OverflowError out of load()
    "huge_int_intensity.json": (mr.FormatError, "features[0].properties.intensity: expected a finite number or "
                                                "null, found an integer of 401 digits"),
    # was: OverflowError out of load()
    "huge_int_legacy_result.json": (mr.FormatError, "result: expected a finite number (legacy record), "
                                                    "found an integer of 401 digits"),
    # was: loaded, then OverflowError in Metric.number (info, reports)
    "huge_int_metric_value.json": (mr.FormatError, "area_results[0].main_metric.value: expected a finite number, "
                                                   "a string or null, found an integer of 401 digits"),
    # was: loaded, then ZeroDivisionError in coverage_per_mille (info): 1e-200 * 1e-200 == 0.0
    "view_box_underflow.json": (mr.FormatError, "view_box: expected a frame within ±1e+09, at least 1e-09 wide and "
                                                "high (maskrender.limits.MAX_ABS_COORDINATE), found string "
                                                '"0 0 1e-200 1e-200"'),
    # was: loaded, then UnicodeEncodeError printing `maskrender info`
    "lone_surrogate_name.json": (None, "Pores \ufffd / pores\ufffd"),
    # was: loaded, then RecursionError in to_geojson()
    "deep_properties.json": (mr.LimitError, "features[0].properties.history" + "[0]" * 16 + "..." + "[0]" * 10
                                            + ": arrays/objects nested more than 64 deep "
                                              "(maskrender.limits.MAX_JSON_DEPTH)"),
}


def test_every_regression_input_has_a_case() -> None:
    assert sorted(p.name for p in REGRESSIONS.glob("*.json")) == sorted(REGRESSION_CASES)


@pytest.mark.parametrize("name", sorted(REGRESSION_CASES))
def test_regression_inputs(name: str) -> None:
    path = REGRESSIONS / name
    cls, expected = REGRESSION_CASES[name]
    if cls is None:
        (m,) = mr.load(path).masks()
        assert f"{m.name} / {m.tech_name}" == expected
    else:
        with pytest.raises(cls) as info:
            mr.load(path)
        assert str(info.value) == f"{path}: {expected}"
    raw = path.read_bytes()
    assert fuzz.check(raw, "<bytes>") == (cls is None)
    assert fuzz.check(json.loads(raw), "<dict>") == (cls is None or cls is mr.LimitError)


def test_regression_inputs_through_the_cli(capsys: pytest.CaptureFixture[str]) -> None:
    from maskrender.cli import main

    for name in sorted(REGRESSION_CASES):
        for flag in ([], ["--json"]):
            status = main(["info", *flag, str(REGRESSIONS / name)])
            out, err = capsys.readouterr()
            out.encode("utf-8")  # printable
            assert status == (0 if REGRESSION_CASES[name][0] is None else 2), name
            assert "Traceback" not in err


# --------------------------------------------------------------------------- hypothesis

JSON_SCALARS = (st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8)
                | st.sampled_from(fuzz.WORDS))
JSON = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.sampled_from(fuzz.VOCABULARY) | st.text(max_size=4), inner, max_size=5),
    max_leaves=30,
)


@fuzz_settings(200)
@given(st.binary(max_size=400))
def test_any_bytes(raw: bytes) -> None:
    fuzz.check(raw, "<bytes>")


@fuzz_settings(150)
@given(JSON)
def test_any_json(data: Any) -> None:
    fuzz.check(json.dumps(data).encode("utf-8", "surrogatepass"), "<bytes>")
    if isinstance(data, (dict, list)):
        fuzz.check(data, f"<{type(data).__name__}>")


@pytest.mark.slow
@fuzz_settings(300)
@given(st.sampled_from(sorted(fuzz.GENERATORS)), st.randoms(use_true_random=False))
def test_mutated_fixtures_and_planted_values(kind: str, rng: Any) -> None:
    raw, data = fuzz.GENERATORS[kind](rng)
    fuzz.check_case(raw, data)


def test_the_oracle_catches_what_it_should(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fuzz tests can fail: a stray exception, a message without the source, a stray warning."""
    monkeypatch.setattr(mr.Mask, "coverage_per_mille", lambda self: 1 / 0)
    with pytest.raises(fuzz.OracleError, match=r"^using the model: ZeroDivisionError at test_fuzz_load\.py:\d+"):
        fuzz.check(polygon_mask(), "<bytes>")
    with pytest.raises(fuzz.OracleError, match="without the source name"):
        fuzz.check(b"{", "<something else>")
