"""Vendor fields read into the model (issue 24, "Vendor fields dropped or unreadable"), and smoothed
results read with their values (issue 22). Shapes from the vendor's documentation: the Image Quality
result scheme (``problems``), the Acne Pro papules scheme (``widget_meta`` names, ``revision``), the
results endpoint (``application_run_id``) and the rasterisation service's algorithm names."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers import FIXTURES, square

import maskrender as mr
from maskrender.cli import main


def _quality(problems: Any) -> dict[str, Any]:
    return {
        "id": "a3c1", "is_ok": True, "image_id": "i1", "algorithm_family_tech_name": "quality.quality",
        "application_run_id": "cff0cfc5-540e-4b25-93c0-f3621356337c",
        "result": {
            "revision": "master-25cce909", "algorithm_tech_name": "quality",
            "area_results": [{"area_name": "face", "main_metric": {
                "value": 78, "widget_type": "bad_good_line", "name": "Image Quality Score",
                "tech_name": "image_quality_score", "widget_meta": None, "units": None},
                "sub_metrics": [{"value": -41, "widget_type": "numeric", "name": "angles_yaw_angle_degree",
                                 "tech_name": "angles_yaw_angle_degree", "widget_meta": None, "units": None}]}],
            "problems": problems, "masks_restored": None, "masks_original": None}}


def _papules() -> dict[str, Any]:
    meta = {"description": "papules", "verbose_name": "papule", "verbose_name_plural": "papules"}
    return {"id": "587f", "is_ok": True, "algorithm_family_tech_name": "acne.papules",
            "result": {"revision": "master-25cce909", "algorithm_tech_name": "papules", "area_results": [
                {"area_name": "face", "main_metric": {"name": "Papules", "units": None, "value": 2,
                                                      "tech_name": "papules", "widget_meta": meta,
                                                      "widget_type": "numeric", "widget_show": True}},
                {"area_name": "chin", "main_metric": {"name": "Papules", "units": None, "value": 1,
                                                      "tech_name": "papules", "widget_meta": meta,
                                                      "widget_type": "numeric", "widget_show": True}}],
                       "masks_restored": [], "masks_original": []}}


def test_image_quality_problems_revision_and_run_are_read() -> None:
    r = mr.load(_quality(["face_rotation", "low_light", "face_rotation"]))[0]
    assert r.problems == ("face_rotation", "low_light")
    assert r.revision == "master-25cce909"
    assert r.application_run_id == "cff0cfc5-540e-4b25-93c0-f3621356337c"
    assert mr.load(_quality([]))[0].problems == ()
    assert mr.load(_quality(None))[0].problems == ()


def test_the_vendor_s_record_example_gives_its_revision_and_run() -> None:
    r = mr.load(FIXTURES / "vendor" / "hautai_acne_class_record.json")[0]
    assert (r.revision, r.application_run_id) == ("master-25cce909", "4833ea3f-55d6-4e9d-bcc1-ea14fa14fcee")


def test_a_problem_that_is_not_a_code_is_refused_by_its_path() -> None:
    with pytest.raises(mr.FormatError, match=r"result.problems\[1\]: expected a problem code \(a string\), found "
                                             "int 3"):
        mr.load(_quality(["low_light", 3]))
    with pytest.raises(mr.FormatError, match=r"result.problems: expected a list or null, found string"):
        mr.load(_quality("low_light"))


def test_info_shows_the_problems_the_run_and_the_revision(tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "quality.json"
    src.write_text(json.dumps(_quality(["face_rotation", "low_light"])))
    assert main(["info", str(src)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "    problems with the photo: face_rotation, low_light" in lines
    assert ("    application_run_id cff0cfc5-540e-4b25-93c0-f3621356337c, revision master-25cce909") in lines
    assert main(["info", "--json", str(src)]) == 0
    summary = json.loads(capsys.readouterr().out)["results"][0]
    assert summary["problems"] == ["face_rotation", "low_light"]
    assert (summary["revision"], summary["application_run_id"]) == ("master-25cce909",
                                                                    "cff0cfc5-540e-4b25-93c0-f3621356337c")


def test_widget_meta_names_what_is_counted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = mr.load(_papules())[0]
    face, chin = (a.main_metric for a in r.areas)
    assert face is not None
    assert chin is not None
    assert face.unit_names == ("papule", "papules")
    assert (face.counted, chin.counted) == ("2 papules", "1 papule")
    src = tmp_path / "papules.json"
    src.write_text(json.dumps(_papules()))
    assert main(["info", str(src)]) == 0
    out = capsys.readouterr().out
    assert "Papules: 2 papules" in out
    assert "Papules: 1 papule" in out


def _eye_area_condition() -> dict[str, Any]:
    mask = {"type": "FeatureCollection", "mask_type": "polygon_mask", "view_box": "0 0 100 100",
            "tech_name": "eye_bags_mask_restored", "fill": "#00ff00",
            "features": [{"type": "Feature", "geometry": {"type": "MultiPolygon",
                                                          "coordinates": [[square(10, 10, 30, 30)]]}}]}
    return {"is_ok": True, "algorithm_family_tech_name": "eye_area_condition.eye_area_condition",
            "result": {"algorithm_tech_name": "eye_area_condition", "area_results": [],
                       "masks_restored": [mask], "masks_original": []}}


@pytest.mark.parametrize(("alias", "algorithm"), [("eye_bags", "eye_area_condition"), ("eyes_age", "eye_age"),
                                                  ("skintone_classification", "skin_tone")])
def test_the_rasterisation_service_s_names_select_the_results_they_name(alias: str, algorithm: str) -> None:
    results = mr.load([{"is_ok": True, "result": {"algorithm_tech_name": algorithm, "area_results": []}},
                       {"is_ok": True, "result": {"algorithm_tech_name": "pores", "area_results": []}}])
    found = results.get(alias)
    assert found is not None
    assert found.algorithm == algorithm


def test_a_rasterisation_name_selects_masks_and_fills() -> None:
    data = _eye_area_condition()
    assert [m.tech_name for m in mr.select_masks(data, only="eye_bags")] == ["eye_bags_mask_restored"]
    red = mr.render(data, size=(100, 100), style=mr.Style(opacity=1.0, fills={"eye_bags": "#ff0000"}))
    assert red.getpixel((20, 20)) == (255, 0, 0, 255)


def test_smoothed_results_are_read_with_their_values() -> None:
    results = mr.load([{"algorithm_tech_name": "acne", "value": 61}, {"algorithm_tech_name": "pores", "value": 40.5}])
    assert [(r.algorithm, r.value) for r in results] == [("acne", 61.0), ("pores", 40.5)]
    with pytest.raises(mr.FormatError, match=r"\[0\].value: expected a finite number \(a smoothed result's value\)"):
        mr.load([{"algorithm_tech_name": "acne", "value": "high"}])
