"""``maskrender info FILE`` and ``info --json`` on every fixture, and clean failures on broken ones.

One table (what each fixture holds) drives both the text and the JSON assertions.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest
from helpers import FIXTURES, ROOT

from maskrender.cli import main

RESTORED, ORIGINAL = "0 0 2416 2416", "0 0 512 600"
PART = {"point_mask": "point", "polyline_mask": "line", "polygon_mask": "polygon", "heatmap_mask": "polygon"}


def mask(set_: str, side: str, mask_type: str, tech: str, features: int, parts: int, view_box: str | None,
         fill: str | None) -> tuple[Any, ...]:
    return (set_, side, mask_type, tech, features, parts, view_box, fill)


def both_sets(mask_type: str, stem: str, features: int, parts: int, fill: str | None) -> list[tuple[Any, ...]]:
    return [mask("restored", "front", mask_type, f"{stem}_mask_restored", features, parts, RESTORED, fill),
            mask("original", "front", mask_type, f"{stem}_mask_original", features, parts, ORIGINAL, fill)]


def ordered(*groups: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Masks as info lists them: all restored first, then all original."""
    flat = [m for g in groups for m in g]
    return [m for m in flat if m[0] == "restored"] + [m for m in flat if m[0] == "original"]


PORES = both_sets("point_mask", "pores", 1, 1390, "#00B4D8")
LINES = ordered(both_sets("polyline_mask", "line_lines", 1, 19, "#F72585"),
                both_sets("polygon_mask", "deep_lines", 1, 3, "#7209B7"))
REDNESS = both_sets("heatmap_mask", "redness", 31, 31, "#E63946")
ACNE = ordered(both_sets("polygon_mask", "acne", 32, 33, "#FF9F1C"), both_sets("polygon_mask", "papules", 15, 15, None))
FAILED: tuple[str, str, list[tuple[Any, ...]]] = (
    "wrinkles_depth [lines.wrinkles_depth]", "FAILED (is_ok: false): face not detected", [])

# fixture -> [(title, status, masks)]
EXPECTED: dict[str, list[tuple[str, str, list[tuple[Any, ...]]]]] = {
    "pih_result.json": [("post_inflammatory_hyperpigmentation [acne.post_inflammatory_hyperpigmentation]", "ok", [
        mask("restored", "front", "polygon_mask", "post_inflammatory_hyperpigmentation_mask_restored", 1, 6,
             RESTORED, "#D9580F")])],
    "pores.json": [("pores [pores.pores]", "ok", PORES)],
    "lines.json": [("lines [lines.lines]", "ok", LINES)],
    "redness.json": [("redness [redness.redness]", "ok", REDNESS)],
    "acne.json": [("acne [acne.acne]", "ok", ACNE)],
    "sides_result.json": [("acne [acne.acne]", "ok", [
        mask("restored", "front", "polygon_mask", "acne_mask_restored", 32, 33, RESTORED, "#FF9F1C"),
        mask("restored", "left", "polygon_mask", "acne_restored_left", 6, 6, ORIGINAL, "#FF9F1C"),
        mask("restored", "right", "polygon_mask", "acne_mask_restored_right", 6, 6, ORIGINAL, "#FF9F1C")])],
    "results_list.json": [
        ("pores [pores.pores]", "ok", PORES), ("lines [lines.lines]", "ok", LINES),
        ("redness [redness.redness]", "ok", REDNESS), ("acne [acne.acne]", "ok", ACNE), FAILED,
        ("skin_tone [skin_tone.skin_tone]", "ok", []), ("age [age.age]", "ok, legacy value 42", [])],
    "results_list_before.json": [
        ("pores [pores.pores]", "ok", both_sets("point_mask", "pores", 1, 1738, "#00B4D8")),
        ("lines [lines.lines]", "ok", ordered(both_sets("polyline_mask", "line_lines", 1, 12, "#F72585"),
                                               both_sets("polygon_mask", "deep_lines", 1, 3, "#7209B7"))),
        ("redness [redness.redness]", "ok", both_sets("heatmap_mask", "redness", 23, 23, "#E63946")),
        ("acne [acne.acne]", "ok", ordered(both_sets("polygon_mask", "acne", 43, 44, "#FF9F1C"),
                                           both_sets("polygon_mask", "papules", 17, 17, None))),
        FAILED, ("skin_tone [skin_tone.skin_tone]", "ok", []), ("age [age.age]", "ok, legacy value 44", [])],
    "bare_result.json": [("redness", "ok", REDNESS)],
    "bare_mask.json": [("(bare masks)", "ok", [ACNE[0]])],
    "bare_masks.json": [("(bare masks)", "ok", [PORES[0], LINES[0], REDNESS[0]])],
    "quirks.json": [("quirks_demo [test.quirks]", "ok", [
        mask("restored", "front", "polygon_mask", "acne_mask_restored", 3, 4, RESTORED, "#FF9F1C"),
        mask("restored", "front", "polygon_mask", "papules_mask_restored", 1, 1, RESTORED, None),
        mask("restored", "front", "polygon_mask", "pustules_mask_restored", 1, 1, RESTORED, "#2A9D8F"),
        mask("restored", "front", "point_mask", "pores_mask_restored", 2, 41, RESTORED, "#00B4D8"),
        mask("restored", "front", "polyline_mask", "line_lines_mask_restored", 2, 3, None, "#F72585"),
        mask("restored", "front", "heatmap_mask", "redness_mask_restored", 3, 3, RESTORED, "#E63946"),
        mask("restored", "front", "polygon_mask", "melasma_mask_restored", 1, 1, "100 50 2416 2416", "#6D597A")])],
}

# metric lines, exactly (grade classes at their boundaries, units, categories, hidden metrics)
METRIC_LINES = {
    "acne.json": ["    face             Acne: 72 (Good)", "    forehead         Acne: 81 (Great)",
                  "    nose             Acne: 95 (Excellent)", "    left_cheek       Acne: 68 (Average)"],
    "lines.json": ["    face             Lines: 47 (Poor)", "    right_eye_area   Lines: 51 (Average)"],
    "redness.json": ["    forehead         Redness: 88 (Great)", "    chin             Redness: 70 (Average)"],
    "results_list_before.json": ["    forehead         Redness: 90 (Great)", "    forehead         Acne: 70 (Average)",
                                 "    face             Skin tone: light"],
    "pih_result.json": ["    face             Post-inflammatory Hyperpigmentation: 2 ‰",
                        "    right_cheek      Post-inflammatory Hyperpigmentation: 7 ‰"],
    "quirks.json": ["    face             Acne severity: moderate", "    chin             Lesion count: 4",
                    "    nose             Pores: 61.5 (Average) [hidden]"],
}

QUIRK_WARNINGS = [
    "maskrender: warning: {src}: result.masks_restored[0].features[1].geometry.coordinates[0]: invalid polygon "
    "(Self-intersection[1300 2000]) repaired with make_valid into 2 polygon(s)",
    "maskrender: warning: {src}: result.masks_restored[7].mask_type: unknown mask type 'sparkle_mask' skipped "
    "(known: heatmap_mask, polygon_mask, polyline_mask, point_mask)",
]


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run the CLI in-process, with warnings shown as the command shows them outside pytest."""
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        status = main(args)
    out, err = capsys.readouterr()
    return status, out, err


def mask_line(m: tuple[Any, ...]) -> str:
    set_, side, mask_type, tech, features, parts, view_box, fill = m
    return (f"    mask {set_}/{side} {mask_type} {tech}: {features} feature(s), {parts} {PART[mask_type]}(s), "
            f"view_box {view_box or '(image pixels)'}, fill {fill or '(palette)'}")


def test_every_fixture_is_in_the_table() -> None:
    assert sorted(EXPECTED) == sorted(p.name for p in FIXTURES.glob("*.json"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_info_text(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    src = f"fixtures/{name}"
    status, out, err = run(["info", src], capsys)
    assert status == 0
    lines = out.splitlines()
    expected = [f"{src}: {len(EXPECTED[name])} result(s)"]
    for title, state, masks in EXPECTED[name]:
        expected.append(f"- {title}: {state}")
        expected.extend(mask_line(m) for m in masks)
    # every line but the metric lines, in order
    assert [line for line in lines if not line.startswith("    ") or line.startswith("    mask ")] == expected
    for line in METRIC_LINES.get(name, []):
        assert line in lines
    assert err.splitlines() == ([w.format(src=src) for w in QUIRK_WARNINGS] if name == "quirks.json" else [])


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_info_json(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    src = f"fixtures/{name}"
    status, out, _ = run(["info", "--json", src], capsys)
    assert status == 0
    summary = json.loads(out)
    assert summary["source"] == src
    got = []
    for r in summary["results"]:
        title = r["algorithm"] or "(bare masks)"
        if r["family"] and r["family"] != r["algorithm"]:
            title += f" [{r['family']}]"
        masks = [(k["set"], k["side"], k["mask_type"], k["tech_name"], k["features"], k["parts"], k["view_box"],
                  k["fill"]) for k in r["masks"]]
        got.append((title, r["ok"], r["error"], masks))
    assert got == [(t, not s.startswith("FAILED"), s.partition("): ")[2] or None, m) for t, s, m in EXPECTED[name]]


def test_info_json_metrics_and_figures(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["info", "--json", "fixtures/results_list.json"], capsys)
    assert status == 0
    results = {r["algorithm"]: r for r in json.loads(out)["results"]}
    assert results["acne"]["main_metric"] == {
        "name": "Acne", "tech_name": "acne", "value": 72, "units": None, "widget_type": "bad_good_line",
        "widget_show": True, "grade": "Good", "display": "72", "unit_names": None, "counted": None}
    assert [(a["area"], a["main_metric"]["grade"]) for a in results["redness"]["areas"]] == [
        ("face", "Average"), ("forehead", "Great"), ("nose", "Average"), ("left_cheek", "Average"),
        ("right_cheek", "Average"), ("chin", "Average")]
    assert results["age"]["value"] == 42.0
    assert results["wrinkles_depth"]["masks"] == []
    pores = results["pores"]["masks"][0]
    assert (pores["area"], pores["coverage_per_mille"]) == (0.0, 0.0)
    acne = results["acne"]["masks"][0]
    assert 0 < acne["coverage_per_mille"] == round(1000 * acne["area"] / 2416**2, 3)


BROKEN = sorted(p.name for p in (FIXTURES / "broken").glob("*.json") if "unknown_mask_type" not in p.name)


@pytest.mark.parametrize("name", BROKEN)
@pytest.mark.parametrize("flag", [[], ["--json"]])
def test_broken_fixture_is_one_error_line_and_status_2(name: str, flag: list[str],
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    import maskrender as mr

    src = f"fixtures/broken/{name}"
    with pytest.raises(mr.MaskRenderError) as info:
        mr.load(src)
    status, out, err = run(["info", *flag, src], capsys)
    assert (status, out) == (2, "")
    assert err.splitlines() == [f"maskrender: error: {info.value}"]
    assert "Traceback" not in err


def test_broken_folder_holds_what_the_readme_lists() -> None:
    readme = (FIXTURES / "README.md").read_text(encoding="utf-8")
    listed = sorted(set(re.findall(r"`broken/([a-z_]+\.json)`", readme)))
    assert listed == [n for n in BROKEN if not n.startswith("regress_")]


@pytest.mark.parametrize(("args", "message"), [
    (["info", "no/such.json"], "maskrender: error: no/such.json: no such file"),
    (["info", "fixtures"], "maskrender: error: fixtures: is a directory, expected a JSON file"),
])
def test_unreadable_input(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(args, capsys)
    assert (status, out, err.splitlines()) == (2, "", [message])


def test_info_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(["info"], capsys)
    assert (status, out) == (2, "")
    assert err.splitlines() == ["maskrender info: the following arguments are required: result"]


def _python_m(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "maskrender", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, check=False)


def test_python_m_maskrender_info_as_a_user_runs_it() -> None:
    done = _python_m("info", "fixtures/quirks.json")
    assert done.returncode == 0
    assert done.stdout.splitlines()[:2] == ["fixtures/quirks.json: 1 result(s)", "- quirks_demo [test.quirks]: ok"]
    assert mask_line(EXPECTED["quirks.json"][0][2][6]) in done.stdout.splitlines()
    assert done.stderr.splitlines() == [w.format(src="fixtures/quirks.json") for w in QUIRK_WARNINGS]
    broken = _python_m("info", "--json", "fixtures/broken/truncated.json")
    assert (broken.returncode, broken.stdout) == (2, "")
    assert broken.stderr.splitlines() == [
        "maskrender: error: fixtures/broken/truncated.json: invalid JSON at line 661 column 13: "
        "Unterminated string starting at"]


def test_info_reads_a_path_with_spaces(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "my results.json"
    target.write_bytes((FIXTURES / "pih_result.json").read_bytes())
    status, out, _ = run(["info", str(target)], capsys)
    assert status == 0
    assert out.splitlines()[0] == f"{target}: 1 result(s)"


# --------------------------------------------------------------------------- sub-metrics and identifiers

VENDOR = "fixtures/vendor"


def test_info_shows_sub_metrics_under_their_main_metric(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["info", f"{VENDOR}/hautai_pores_snippets_bare.json"], capsys)
    assert status == 0
    assert out.splitlines() == [
        f"{VENDOR}/hautai_pores_snippets_bare.json: 1 result(s)",
        "- pores: ok",
        "    face             Pores Score: 64 (Average)",
        "                       Pores Number: 455",
        "                       Pores Density: 1",
    ]
    _, out, _ = run(["info", f"{VENDOR}/hautai_redness_snippets_bare.json"], capsys)
    assert out.splitlines()[-2:] == ["                       Redness Local Score: 89 (Great)",
                                     "                       Redness Global Score: 64 (Average)"]
    _, out, _ = run(["info", f"{VENDOR}/hautai_eye_area_condition_bare.json"], capsys)
    assert [line.strip() for line in out.splitlines()[3:]] == [
        "Dark Circle Score: 42 (Poor)", "Eyes Bags Score: 45 (Poor)", "Lacrimal Groove Score: 47 (Poor)"]


def test_info_shows_the_record_identifiers(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(["info", f"{VENDOR}/hautai_acne_class_record.json"], capsys)
    assert out.splitlines()[1:] == [
        "- acne_class [acne.acne_class]: ok",
        "    id 2d259be4-231b-4ba5-9227-3faba5a48712, image_id 32133003-1d3c-4cfe-95b6-97a8efe70897, "
        "algorithm_version_id 101, application_name Acne",
        "    application_run_id 4833ea3f-55d6-4e9d-bcc1-ea14fa14fcee, revision master-25cce909",
        "    face             Acne Class: moderate",
    ]
    _, out, _ = run(["info", f"{VENDOR}/hautai_face_results_legacy.json"], capsys)
    assert [line for line in out.splitlines() if line.startswith("- ")] == [
        "- algorithm_version_id 23: ok, legacy value 41", "- algorithm_version_id 19: ok, legacy value 37"]
    assert "(bare masks)" not in out


def test_info_json_carries_sub_metrics_ids_and_labels(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(["info", "--json", f"{VENDOR}/hautai_pores_snippets_bare.json"], capsys)
    (pores,) = json.loads(out)["results"]
    (face,) = pores["areas"]
    assert [(m["name"], m["value"], m["widget_type"], m["display"]) for m in face["sub_metrics"]] == [
        ("Pores Number", 455, "numeric", "455"), ("Pores Density", 1, "density", "1")]
    _, out, _ = run(["info", "--json", f"{VENDOR}/hautai_acne_class_record.json"], capsys)
    (acne,) = json.loads(out)["results"]
    assert {k: acne[k] for k in ("label", "id", "image_id", "algorithm_version_id", "application_name")} == {
        "label": "acne_class", "id": "2d259be4-231b-4ba5-9227-3faba5a48712",
        "image_id": "32133003-1d3c-4cfe-95b6-97a8efe70897", "algorithm_version_id": 101, "application_name": "Acne"}
    assert acne["areas"][0]["sub_metrics"] == []  # sub_metrics: null reads as none


def test_info_lists_area_regions(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "r.json"
    src.write_text(json.dumps({"algorithm_tech_name": "lines", "area_results": [],
                               "area_regions_restored": [{"area_name": "forehead"}, {"area_name": "nose"}]}))
    status, out, _ = run(["info", str(src)], capsys)
    assert status == 0
    assert out.splitlines()[-1] == "    area_regions_restored: 2 item(s)"
    _, out, _ = run(["info", "--json", str(src)], capsys)
    assert json.loads(out)["results"][0]["area_regions"] == {"area_regions_restored": "2 item(s)"}


@pytest.mark.parametrize("name", ["hautai_raster_v4_response.json", "ailabtools_skin_analyze_advanced.json"])
def test_info_refuses_look_alikes_in_one_line(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(["info", f"{VENDOR}/{name}"], capsys)
    assert (status, out) == (2, "")
    assert len(err.splitlines()) == 1
    assert err.startswith(f"maskrender: error: {VENDOR}/{name}: ")
    assert "expected skin-analysis results" in err
