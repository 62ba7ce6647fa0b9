"""One name matcher (maskrender/names.py): the same name selects the same masks in render, report,
fill and batch, and a name that selects nothing is an error that lists what exists."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from helpers import FIXTURES

import maskrender as mr
from maskrender.batch import read_jobs
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
