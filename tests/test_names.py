"""One name matcher (maskrender/names.py): the same name selects the same masks in render, report,
fill and batch, and a name that selects nothing is an error that lists what exists."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from helpers import FIXTURES

import maskrender as mr
from maskrender.batch import read_jobs
from maskrender.defaults import MaskSet
from maskrender.overlay import prepare, select_masks
from maskrender.report import build_report

SOURCE = FIXTURES / "results_list.json"
MARK = "#123456"

# name -> the restored front masks it must select (tech names), written out by hand from the fixture
NAMES = [
    ("pores", {"pores_mask_restored"}),                        # algorithm
    ("lines.lines", {"line_lines_mask_restored", "deep_lines_mask_restored"}),  # family
    ("acne", {"acne_mask_restored", "papules_mask_restored"}),  # family group / algorithm
    ("papules_mask_restored", {"papules_mask_restored"}),      # mask tech name
    ("papules", {"papules_mask_restored"}),                    # its stem
    ("deep_lines", {"deep_lines_mask_restored"}),              # stem of a second mask of one algorithm
    ("Redness Mask", {"redness_mask_restored"}),               # display name
]


def _render_selection(name: str) -> set[str]:
    return {m.tech_name for m in select_masks(SOURCE, only=[name])}


def _fill_selection(name: str) -> set[str]:
    _, _, drawings = prepare(SOURCE, size=(256, 256), style=mr.Style(fills={name: MARK}))
    return {d.mask.tech_name for d in drawings if d.style.color.hex == MARK}


def _report_selection(name: str) -> set[str]:
    report = build_report(SOURCE, width=800, only=[name])
    return {m.tech_name for m in report.scene.masks("front")}


def _batch_selection(name: str, tmp: Path) -> set[str]:
    manifest = tmp / "jobs.csv"
    with manifest.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([["result", "only", "fill"], [str(SOURCE), name, f"{name}={MARK}"]])
    (job,) = list(read_jobs(manifest, tmp / "out"))
    chosen = {m.tech_name for m in select_masks(job.result, only=job.options["only"])}
    _, _, drawings = prepare(job.result, size=(64, 64), style=job.options["style"])
    coloured = {d.mask.tech_name for d in drawings if d.style.color.hex == MARK}
    assert coloured == chosen, "a manifest's fill and only cells must select the same masks"
    return chosen


@pytest.mark.parametrize(("name", "expected"), NAMES)
def test_one_name_selects_the_same_masks_everywhere(name: str, expected: set[str], tmp_path: Path) -> None:
    assert _render_selection(name) == expected
    assert _fill_selection(name) == expected
    assert _report_selection(name) == expected
    assert _batch_selection(name, tmp_path) == expected


def test_report_only_takes_a_mask_stem() -> None:
    """The issue's example: `report fixtures/acne.json --only papules` failed with a SelectionError."""
    report = build_report(FIXTURES / "acne.json", width=800, only=["papules"])
    assert [m.tech_name for m in report.scene.masks("front")] == ["papules_mask_restored"]


@pytest.mark.parametrize("call", ["render", "render_svg", "report"])
def test_an_unknown_fill_name_is_an_error_listing_what_exists(call: str) -> None:
    style = mr.Style(fills={"papuels": "red"})
    def run() -> object:
        if call == "report":
            return build_report(SOURCE, width=800, style=style)
        return getattr(mr, call)(SOURCE, size=(64, 64), style=style)

    with pytest.raises(mr.SelectionError) as caught:
        run()
    message = str(caught.value)
    assert "results_list.json: fill name papuels matches no mask; there are: " in message
    assert "papules" in message
    assert "pores_mask_restored" in message


def test_an_unknown_only_name_is_an_error_listing_what_exists() -> None:
    with pytest.raises(mr.SelectionError, match=r"no restored front mask matches papuels; there are: .*papules"):
        select_masks(SOURCE, only=["papuels"])


def test_fill_precedence_most_specific_name_wins() -> None:
    style = mr.Style(fills={"acne": "#ff0000", "papules": "#00ff00"})
    _, _, drawings = prepare(SOURCE, size=(64, 64), style=style, only=["acne"])
    colours = {d.mask.tech_name: d.style.color.hex for d in drawings}
    assert colours == {"acne_mask_restored": "#ff0000", "papules_mask_restored": "#00ff00"}


def test_cli_fill_and_only_agree(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from maskrender.cli import main

    assert main(["render", str(SOURCE), "--size", "64x64", "--fill", "nosuch=red", "-o", str(tmp_path / "a.png")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("maskrender: error: results_list.json: fill name nosuch matches no mask")
    assert not (tmp_path / "a.png").exists()
    assert main(["report", str(SOURCE), "--only", "papules", "-o", str(tmp_path / "r.png")]) == 0
    assert (tmp_path / "r.png").stat().st_size > 0


# ---------------------------------------------------------------------------------------------
# issue 23: any case; the offered list is what selects; a group gives way to a specific name
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "expected"), [
    ("Acne", {"acne_mask_restored", "papules_mask_restored"}),
    ("PORES", {"pores_mask_restored"}),
    ("pores mask", {"pores_mask_restored"}),
    ("Papules_Mask_Restored", {"papules_mask_restored"}),
    ("LINES.LINES", {"line_lines_mask_restored", "deep_lines_mask_restored"}),
])
def test_names_match_in_any_case(name: str, expected: set[str], tmp_path: Path) -> None:
    assert _render_selection(name) == expected
    assert _fill_selection(name) == expected
    assert _report_selection(name) == expected


def _offered(message: str) -> list[str]:
    listed = message.split("; there are: ", 1)[1].rsplit(" (masks: ", 1)[0]
    return listed.split(", ")


@pytest.mark.slow
@pytest.mark.parametrize("mask_set", ["restored", "original"])
def test_the_names_offered_after_a_miss_are_exactly_those_that_select(mask_set: MaskSet) -> None:
    results = mr.load(SOURCE)
    candidates = {k for m in results.all_masks() for k in (m.tech_name, m.name, m.family, m.algorithm)}
    candidates |= {k for r in results for k in (r.algorithm, r.family, r.family.split(".")[0])}
    candidates |= {m.tech_name.replace("_mask_restored", "").replace("_mask_original", "")
                   for m in results.all_masks()}
    selecting = set()
    for name in filter(None, candidates):
        try:
            select_masks(SOURCE, mask_set=mask_set, only=[name])
        except mr.SelectionError:
            continue
        selecting.add(name.casefold())
    with pytest.raises(mr.SelectionError) as caught:
        select_masks(SOURCE, mask_set=mask_set, only=["nothing-by-this-name"])
    offered = _offered(str(caught.value))
    assert len(offered) == len({n.casefold() for n in offered})  # each name once, whatever its case
    assert {n.casefold() for n in offered} == selecting
    other = "original" if mask_set == "restored" else "restored"
    assert not [n for n in offered if n.endswith(f"_mask_{other}")]
    assert "Pores Mask" in offered                    # display names select, so they are offered
    assert "skin_tone" not in offered
    assert "age" not in offered


def test_report_only_lines_is_the_lines_algorithm_not_every_lines_family() -> None:
    report = build_report(SOURCE, width=800, only=["lines"])
    assert [p.algorithm for p in report.content.panels] == ["lines"]     # not wrinkles_depth (lines.wrinkles_depth)
    assert [p.algorithm for p in build_report(SOURCE, width=800, only=["Lines.Wrinkles_Depth"]).content.panels] == [
        "wrinkles_depth"]
    # a group that is no algorithm's name still selects its families
    assert [m.tech_name for m in select_masks(FIXTURES / "pih_result.json", only=["ACNE"])] == [
        "post_inflammatory_hyperpigmentation_mask_restored"]


def test_cli_only_in_another_case(tmp_path: Path) -> None:
    from maskrender.cli import main

    assert main(["render", str(SOURCE), "--size", "64x64", "--only", "Acne", "-o", str(tmp_path / "a.png")]) == 0
    assert main(["render", str(SOURCE), "--size", "64x64", "--only", "acne", "-o", str(tmp_path / "b.png")]) == 0
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()


def _two_lines_families() -> list[dict[str, object]]:
    """Two results of the group ``lines``: the lines algorithm and wrinkles depth, each with a mask."""
    from helpers import bare_mask, square

    def record(family: str, algorithm: str, stem: str, x: int) -> dict[str, object]:
        mask = bare_mask("polygon_mask", [[square(x, 10, x + 20, 30)]], fill=None, tech_name=f"{stem}_mask_restored",
                         name=f"{stem.title()} Mask", side="front")
        return {"algorithm_family_tech_name": family, "is_ok": True,
                "result": {"algorithm_tech_name": algorithm, "area_results": [], "masks_restored": [mask]}}

    return [record("lines.lines", "lines", "line", 10), record("lines.wrinkles_depth", "wrinkles_depth", "depth", 60)]


def test_a_group_word_that_is_an_algorithm_selects_and_colours_that_algorithm_only() -> None:
    data = _two_lines_families()
    assert [m.tech_name for m in select_masks(data, only=["LINES"])] == ["line_mask_restored"]
    _, _, drawings = prepare(data, size=(100, 100), style=mr.Style(fills={"lines": MARK}, opacities={"Lines": 0.2}))
    styled = {d.mask.tech_name: (d.style.color.hex, d.style.opacity) for d in drawings}
    assert styled["line_mask_restored"] == (MARK, 0.2)
    assert styled["depth_mask_restored"][0] != MARK
    assert styled["depth_mask_restored"][1] == 0.6
