"""What a report says: grades, units, hidden metrics, failures, changes and their judgement, text fitting."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from helpers import FIXTURES
from helpers.report import LONG_NAMES

import maskrender as mr
from maskrender.model import Metric
from maskrender.report.content import build_panels, change, direction, summary_table
from maskrender.report.fonts import FontChain, bundled_face
from maskrender.report.text import ELLIPSIS, Fonts


@pytest.fixture(scope="module")
def panels() -> dict[str, Any]:
    return {p.key: p for p in build_panels(mr.load(FIXTURES / "results_list.json"))}


@pytest.fixture(scope="module")
def compared() -> dict[str, Any]:
    now = mr.load(FIXTURES / "results_list.json")
    before = mr.load(FIXTURES / "results_list_before.json")
    return {p.key: p for p in build_panels(now, before)}


def _with_score(score: float) -> list[dict[str, Any]]:
    rec = copy.deepcopy(json.loads((FIXTURES / "pores.json").read_text()))
    rec["result"]["area_results"][0]["main_metric"]["value"] = score
    return [rec]


@pytest.mark.parametrize(("score", "grade"), [(100, "Excellent"), (90.5, "Excellent"), (90, "Great"), (80.01, "Great"),
                                               (80, "Good"), (70.5, "Good"), (70, "Average"), (50, "Poor"),
                                               (30.5, "Poor"), (30, "Bad"), (0, "Bad")])
def test_grade_classes(score: float, grade: str) -> None:
    (panel,) = build_panels(mr.load(_with_score(score)))
    assert panel.main is not None
    assert panel.main.grade == grade
    assert panel.main.score == score


def test_main_values_units_and_categories(panels: dict[str, Any]) -> None:
    assert (panels["pores"].main.value, panels["pores"].main.grade) == ("58", "Average")
    assert panels["skin_tone"].main.value == "light"
    assert panels["skin_tone"].main.grade is None  # categories carry no grade or gauge
    assert panels["skin_tone"].main.score is None
    assert panels["age"].main.value == "42"  # legacy record: a bare number
    details = {row[0].text: row[1].text for row in panels["pores"].details.rows}
    assert details == {"Pores count": "1390", "Enlarged pores area": "38 ‰"}  # density: widget_show false
    redness = {row[0].text: row[1].text for row in panels["redness"].details.rows}
    assert redness["Redness area"] == "14.2 %"
    assert redness["Redness severity"] == "moderate"
    tone = {row[0].text: row[1].text for row in panels["skin_tone"].details.rows}
    assert tone == {"ITA angle": "41.3°"}  # Fitzpatrick type is widget_show false


def test_per_area_table(panels: dict[str, Any]) -> None:
    table = panels["lines"].areas
    assert table.columns == ("Area", "Lines", "Wrinkles count")  # every area's metric is called "Lines"
    rows = {row[0].text: tuple(c.text for c in row[1:]) for row in table.rows}
    assert rows["Right eye area"] == ("51", "5")
    assert rows["Left cheek"] == ("38", "–")
    assert "Face" not in rows


def test_failed_algorithm_is_not_available(panels: dict[str, Any]) -> None:
    failed = panels["wrinkles_depth"]
    assert not failed.available
    assert failed.reason == "face not detected"
    assert failed.title == "Wrinkles depth"
    summary = summary_table(list(panels.values()))
    assert summary is not None
    assert ("Wrinkles depth", "not available") in [(r[0].text, r[1].text) for r in summary.rows]


def test_only_keeps_the_named_algorithms() -> None:
    kept = build_panels(mr.load(FIXTURES / "results_list.json"), only=["pores", "lines.lines"])
    assert [p.key for p in kept] == ["pores", "lines"]
    by_mask = build_panels(mr.load(FIXTURES / "results_list.json"), only=["papules_mask_restored"])
    assert [p.key for p in by_mask] == ["acne"]


def test_changes_are_judged_by_widget(compared: dict[str, Any]) -> None:
    pores = compared["pores"].main.change
    assert (pores.text, pores.tone) == ("+7 better", "better")  # higher score is better
    lines = compared["lines"].main.change
    assert (lines.text, lines.tone) == ("−6 worse", "worse")
    details = {r[0].text: r[3].text for r in compared["pores"].details.rows}
    assert details["Pores count"] == "−348 better"  # fewer is better
    assert details["Enlarged pores area"] == "−9 ‰ better"
    redness = {r[0].text: r[3].text for r in compared["redness"].details.rows}
    assert redness["Redness area"] == "+4.4 % worse"  # no float noise (14.2 - 9.8)
    assert redness["Redness severity"] == "was mild"
    assert compared["age"].main.change.tone == "neutral"


@pytest.mark.parametrize(("kind", "units", "sense"), [("bad_good_line", None, 1), ("percentage", "per mille", -1),
                                                      ("numeric", None, -1), ("density", None, -1),
                                                      ("category", None, 0), ("numeric", "degrees", 0)])
def test_direction(kind: str, units: str | None, sense: int) -> None:
    assert direction(Metric("m", "m", 1, kind, units)) == sense


def test_no_change() -> None:
    same = change(Metric("m", "m", 5, "numeric"), Metric("m", "m", "5", "numeric"))
    assert same is not None
    assert same.text == "no change"


def test_bundled_font_covers_the_scripts_we_promise() -> None:
    face = bundled_face()
    for name in (LONG_NAMES[0], LONG_NAMES[1], LONG_NAMES[2], LONG_NAMES[4], "‰ % − → ° · …"):
        missing = [c for c in name if not face.covers(c) and c != " "]
        assert missing == [], (name, missing)
    assert not face.covers("皮")  # CJK is not in DejaVu: the chain finds a system font for it
    fonts = Fonts(FontChain(system=False))
    f = fonts.get(20)
    (run,) = fonts.runs("皮肤", f)
    assert run.face == face  # without system fonts, the bundled face draws its missing-glyph boxes


@pytest.mark.parametrize("text", [*LONG_NAMES, "", "a", "x" * 500, "line\nbreak\tand\x00control"])
def test_fit_and_wrap_respect_the_width(text: str) -> None:
    fonts = Fonts()
    f = fonts.get(14, bold=True)
    for width in (1, 40, 120, 400):
        fitted = fonts.fit(text, f, width)
        assert fonts.width(fitted, f) <= width
        assert "\n" not in fitted
        assert "\x00" not in fitted
        if fitted != " ".join(text.split()).replace("\x00", " ").strip():
            assert fitted == "" or fitted.endswith(ELLIPSIS)
        for line in fonts.wrap(text, f, width, max_lines=2):
            assert fonts.width(line, f) <= width or len(line) == 1


def test_masks_only_results_get_no_panel() -> None:
    assert build_panels(mr.load(FIXTURES / "bare_masks.json")) == []


def test_panel_keys_are_unique() -> None:
    rec = json.loads((FIXTURES / "pores.json").read_text())
    keys = [p.key for p in build_panels(mr.load([rec, copy.deepcopy(rec)]))]
    assert len(set(keys)) == 2


def test_angles_change_in_degrees(compared: dict[str, Any]) -> None:
    tone = {r[0].text: r[3].text for r in compared["skin_tone"].details.rows}
    assert tone["ITA angle"] == "+2.4°"




def _vendor(name: str) -> Any:
    local = FIXTURES.parent / "tests" / "report" / "data" / name
    return json.loads(local.read_text())


def test_area_column_is_not_the_first_areas_name() -> None:
    """Eye age (the vendor's documented example): "Left Eye Age" must not head the right eye's row."""
    (panel,) = build_panels(mr.load(_vendor("hautai_eye_age_bare.json")))
    table = panel.areas
    assert table is not None
    assert table.columns == ("Area", "Eye Age")
    rows = {row[0].text: row[1].text for row in table.rows}
    assert rows == {"Left eye outer": "21", "Right eye outer": "27"}
    assert panel.main is not None
    assert panel.main.value == "24"


def test_area_column_from_shared_words_without_a_face_metric() -> None:
    data = _vendor("hautai_eye_age_bare.json")
    data["area_results"] = data["area_results"][1:]  # no face area
    (panel,) = build_panels(mr.load(data))
    assert panel.areas is not None
    assert panel.areas.columns[1] == "Age"


def test_every_sub_metric_column_is_kept() -> None:
    """Face Metrics 2.0 pigmentation: five sub-metrics per area, none dropped."""
    (panel,) = build_panels(mr.load(_vendor("face_metrics_pigmentation.json")))
    table = panel.areas
    assert table is not None
    assert len(table.columns) == 2 + 5
    assert table.columns[2:] == ("Number of pigmented spots", "Pigmentation density score",
                                 "Average size of pigmentation spots", "Standard deviation of pigmentation spots size",
                                 "Average intensity of pigmentation")
    assert all(len(row) == 7 for row in table.rows)
    assert {row[0].text for row in table.rows} == {"Forehead", "Nose upper triangle", "Right cheek wide",
                                                   "Left cheek wide", "Chin wide"}


def test_german_catalogue_translates_the_reports_words() -> None:
    from maskrender.report.i18n import load_catalogue

    de = load_catalogue("de")
    panels = {p.key: p for p in build_panels(mr.load(FIXTURES / "results_list.json"), words=de)}
    main = panels["pores"].main
    assert main is not None
    assert main.grade_word == "Mittel"
    assert main.grade == "Average"  # the model's grade name stays the key
    assert panels["wrinkles_depth"].available is False
    summary = summary_table(list(panels.values()), words=de)
    assert summary is not None
    assert summary.columns == ("Algorithmus", "Wert", "Stufe")
    assert ("Wrinkles depth", "nicht verfügbar") in [(r[0].text, r[1].text) for r in summary.rows]


def test_every_shipped_catalogue_has_every_key() -> None:
    from maskrender.report.i18n import LANG_DIR, load_catalogue

    english = json.loads((LANG_DIR / "en.json").read_text())
    for path in LANG_DIR.glob("*.json"):
        words = json.loads(path.read_text())
        assert set(words) == set(english), path.name
        load_catalogue(path)  # placeholders checked


def test_user_catalogue_file(tmp_path: Path) -> None:
    from maskrender.errors import InputError
    from maskrender.report.i18n import load_catalogue

    good = tmp_path / "fr.json"
    good.write_text(json.dumps({"language": "fr", "heading.summary": "Résumé", "grade.Good": "Bon"}), "utf-8")
    fr = load_catalogue(good)
    assert (fr("heading.summary"), fr.grade("Good"), fr("heading.masks")) == ("Résumé", "Bon", "Masks")
    typo = tmp_path / "typo.json"
    typo.write_text(json.dumps({"heading.sumary": "x"}), "utf-8")
    with pytest.raises(InputError, match=r"typo\.json: unknown catalogue key 'heading\.sumary'"):
        load_catalogue(typo)
    holes = tmp_path / "holes.json"
    holes.write_text(json.dumps({"page.number": "page {n}"}), "utf-8")
    with pytest.raises(InputError, match=r"holes\.json: page\.number: expected the placeholders \['n', 'total'\]"):
        load_catalogue(holes)
    broken = tmp_path / "broken.json"
    broken.write_text("{", "utf-8")
    with pytest.raises(InputError, match=r"broken\.json: not a readable JSON catalogue"):
        load_catalogue(broken)
    with pytest.raises(InputError, match="no such catalogue file"):
        load_catalogue(tmp_path / "missing.json")


def test_units_come_from_the_model() -> None:
    from maskrender.metric import UNIT_SYMBOLS, with_units

    assert UNIT_SYMBOLS["per mille"] == "‰"
    m = Metric("ITA", "ita", 41.3, "numeric", units="degrees")
    assert m.display_value == with_units(41.3, "degrees") == "41.3°"
    delta = change(m, Metric("ITA", "ita", 38.9, "numeric", units="degrees"))
    assert delta is not None
    assert delta.text == "+2.4°"
