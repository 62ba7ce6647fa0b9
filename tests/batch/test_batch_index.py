"""The review page of a batch (``maskrender batch --index``), checked in headless Chromium: it loads, sorts
by any column and filters; thumbnails are small, lazy, made once; hostile names stay text; writing it is
linear in the number of jobs."""

from __future__ import annotations

import json
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from helpers import FIXTURES
from helpers.batch import WORK, TableRows, chromium_dom, cli, write_csv
from PIL import Image

from maskrender.batch import Job, Outcome, read_jobs, run_batch
from maskrender.batch._index import IndexPage

SCORES = (40, 95, 10, 70, 55)
HOSTILE = "<script>alert(1)</script><b>x"


def _result(folder: Path, name: str, score: int | str, algorithm: str = "acne") -> Path:
    """The acne fixture with its face score set to ``score`` (a category text when a string)."""
    data = json.loads((FIXTURES / "acne.json").read_text(encoding="utf-8"))
    metric = data["result"]["area_results"][0]["main_metric"]
    metric["value"] = score
    if isinstance(score, str):
        metric["widget_type"] = "category"
    data["result"]["algorithm_tech_name"] = algorithm
    path = folder / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A batch of five scored jobs, one hostile algorithm, two failures; its output folder."""
    folder = tmp_path_factory.mktemp("review")
    rows = [f"{_result(folder, f'r{i}.json', s)},{FIXTURES}/portrait.jpg,job{i}.png,original"
            for i, s in enumerate(SCORES)]
    rows.append(f"{_result(folder, 'h.json', '<i>bad</i>', HOSTILE)},,hostile.png,original")
    rows.append(f'"{folder}/{HOSTILE}.json",,gone.png,')                     # missing: its message holds the name
    rows.append(f"{FIXTURES}/broken/empty.json,,empty.png,")
    manifest = write_csv(folder / "jobs.csv", "result,image,output,masks", rows)
    out = folder / "out"
    run = cli("batch", manifest, "-o", out, "--index", "--jobs", "2")
    assert run.returncode == 1, run.stderr
    assert f"review page {out / 'index.html'}" in run.stdout
    return out


@pytest.mark.slow
def test_the_page_loads_in_chromium_with_a_row_per_job(reviewed: Path) -> None:
    page = TableRows(chromium_dom(reviewed / "index.html"))
    assert page.root.get("data-ready") == "1"                    # its script ran to the end
    assert len(page.rows) == 8
    assert [r["class"] for r in page.rows].count("failed") == 2
    assert not any(r["hidden"] for r in page.rows)
    by_name = {r["cells"][0]: r for r in page.rows}
    assert by_name["job1.png"]["cells"][3] == "95 Excellent"
    assert by_name["job2.png"]["cells"][3] == "10 Bad"
    failed = by_name["empty.png"]["cells"][-1]
    assert failed.startswith("ParseError: ")
    assert "empty.json" in failed


@pytest.mark.slow
def test_sorting_by_a_metric_column_in_chromium(reviewed: Path) -> None:
    for order, expected in (("desc", sorted(SCORES, reverse=True)), ("asc", sorted(SCORES))):
        page = TableRows(chromium_dom(reviewed / "index.html", f"sort=acne&order={order}"))
        scores = [(r["cells"][3].split() or [""])[0] for r in page.rows]
        assert scores[:5] == [str(s) for s in expected]
        assert scores[5:] == ["", "", ""]                          # jobs without a score: last, both ways
    page = TableRows(chromium_dom(reviewed / "index.html", "sort=output&order=desc"))
    names = [r["cells"][0] for r in page.rows]
    assert names == sorted(names, reverse=True)


@pytest.mark.slow
def test_filtering_in_chromium(reviewed: Path) -> None:
    page = TableRows(chromium_dom(reviewed / "index.html", "q=failed"))
    kept = [r["cells"][0] for r in page.rows if not r["hidden"]]
    assert sorted(kept) == ["empty.png", "gone.png"]
    page = TableRows(chromium_dom(reviewed / "index.html", "q=EXCELLENT%20job1"))     # every word, any case
    assert [r["cells"][0] for r in page.rows if not r["hidden"]] == ["job1.png"]


def test_hostile_names_stay_text(reviewed: Path) -> None:
    text = (reviewed / "index.html").read_text(encoding="utf-8")
    page = TableRows(chromium_dom(reviewed / "index.html"))
    assert page.scripts == 1                                     # the page's own, nothing from the data
    assert "<script>alert" not in text
    assert "<b>x" not in text
    assert "<i>bad" not in text
    hostile = next(r for r in page.rows if r["cells"][0] == "hostile.png")
    assert "<i>bad</i>" in hostile["cells"]                      # shown as the text it is
    gone = next(r for r in page.rows if r["cells"][0] == "gone.png")
    assert HOSTILE in gone["cells"][-1]
    assert f"<bdi>{HOSTILE.replace('<', '&lt;').replace('>', '&gt;')}</bdi></button></th>" in text   # a column


def test_offline_lazy_thumbnails_linked_to_their_outputs(reviewed: Path) -> None:
    page = TableRows((reviewed / "index.html").read_text(encoding="utf-8"))
    assert len(page.images) == 6                                  # every job made, none failed
    for img in page.images:
        assert img["loading"] == "lazy"
        src = str(img["src"])
        assert src.startswith(f"{WORK}/thumbs/")
        assert src.endswith(".webp")
        with Image.open(reviewed / src) as im:
            assert im.format == "WEBP"
            assert max(im.size) <= 160
            assert (im.width, im.height) == (int(str(img["width"])), int(str(img["height"])))
    assert sorted(page.links) == sorted(["#q=failed", *(f"job{i}.png" for i in range(5)), "hostile.png"])
    assert not [u for u in [*page.links, *(str(i["src"]) for i in page.images)] if ":" in u or u.startswith("//")]
    text = (reviewed / "index.html").read_text(encoding="utf-8")
    assert "Content-Security-Policy\" content=\"default-src 'none';" in text      # nothing loads from elsewhere
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in text
    assert '<label for="filter">' in text
    assert text.count('<th scope="col"') == len(page.rows[0]["cells"])     # a header cell per column
    assert "<caption>" in text


@pytest.mark.slow
def test_thumbnails_are_made_once(reviewed: Path, tmp_path: Path) -> None:
    thumbs = reviewed / WORK / "thumbs"
    before = {p.name: p.stat().st_mtime_ns for p in thumbs.iterdir()}
    manifest = reviewed.parent / "jobs.csv"
    run = cli("batch", manifest, "-o", reviewed, "--index", "--resume", "--jobs", "2")
    assert run.stdout.startswith("0 done, 6 skipped, 2 failed"), run.stdout
    assert {p.name: p.stat().st_mtime_ns for p in thumbs.iterdir()} == before
    page = TableRows(chromium_dom(reviewed / "index.html", "sort=acne&order=desc"))
    assert [(r["cells"][3].split() or [""])[0] for r in page.rows][:5] == [str(s) for s in sorted(SCORES, reverse=True)]


@pytest.mark.slow
def test_resume_adds_the_review_to_outputs_made_without_it(tmp_path: Path) -> None:
    manifest = write_csv(tmp_path / "jobs.csv", "result,output,masks",
                         [f"{FIXTURES}/acne.json,a.png,original", f"{FIXTURES}/results_list.json,b.svg,original"])
    out = tmp_path / "out"
    assert cli("batch", manifest, "-o", out, "--jobs", "1").returncode == 0
    made = {n: (out / n).stat().st_mtime_ns for n in ("a.png", "b.svg")}
    run = cli("batch", manifest, "-o", out, "--index", "--resume", "--jobs", "1")
    assert run.stdout.startswith("0 done, 2 skipped, 0 failed"), run.stdout + run.stderr
    assert {n: (out / n).stat().st_mtime_ns for n in ("a.png", "b.svg")} == made      # kept, not made again
    page = TableRows((out / "index.html").read_text(encoding="utf-8"))
    assert len(page.images) == 2                                  # an SVG output gets a thumbnail drawn small
    for img in page.images:
        with Image.open(out / str(img["src"])) as im:
            assert max(im.size) == 160


def test_an_index_html_the_batch_did_not_write_is_kept(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "index.html").write_text("<html>mine</html>", encoding="utf-8")
    manifest = write_csv(tmp_path / "jobs.csv", "result,output", [f"{FIXTURES}/acne.json,a.png"])
    run = cli("batch", manifest, "-o", out, "--index")
    assert run.returncode == 2
    assert "index.html: exists and was not written by maskrender batch --index" in run.stderr
    assert (out / "index.html").read_text(encoding="utf-8") == "<html>mine</html>"
    clash = write_csv(tmp_path / "clash.csv", "result,output", [f"{FIXTURES}/acne.json,index.html"])
    run = cli("batch", clash, "-o", tmp_path / "o2", "--index", "--kind", "report")
    assert run.returncode == 2
    assert "clash.csv line 2: writes" in run.stderr
    assert "the batch's review page" in run.stderr


def _outcomes(folder: Path, n: int) -> list[Outcome]:
    review = {"thumb": "t.webp", "width": 160, "height": 120,
              "metrics": {"acne": {"value": 50.0, "display": "50", "grade": "Average"},
                          "pores": {"error": "face not detected"}}}
    return [Outcome(Job(folder / f"r{i}.json", folder / f"job{i}.png"), "done", folder / f"job{i}.png",
                    review=review) if i % 10 else
            Outcome(Job(folder / f"r{i}.json", folder / f"job{i}.png"), "failed", error="ParseError",
                    message=f"r{i}.json: bad") for i in range(n)]


def _calls(folder: Path, outcomes: list[Outcome]) -> int:
    """Python function calls made to gather and write the page."""
    count = 0

    def profile(frame: Any, event: str, arg: Any) -> None:
        nonlocal count
        count += event in ("call", "c_call")

    page = IndexPage(folder, len(outcomes))
    sys.setprofile(profile)
    try:
        for outcome in outcomes:
            page.add(outcome)
        page.write(folder / WORK)
    finally:
        sys.setprofile(None)
    return count


@pytest.mark.slow
def test_writing_the_page_is_linear_in_the_jobs(tmp_path: Path) -> None:
    (tmp_path / WORK).mkdir()
    small, large = _calls(tmp_path, _outcomes(tmp_path, 1000)), _calls(tmp_path, _outcomes(tmp_path, 10_000))
    assert 9.0 < large / small < 10.5, (small, large)


@pytest.mark.slow
def test_ten_thousand_jobs_load_sort_and_filter_in_chromium(tmp_path: Path) -> None:
    (tmp_path / WORK).mkdir()
    outcomes = _outcomes(tmp_path, 10_000)
    page = IndexPage(tmp_path, len(outcomes))
    for outcome in outcomes:
        page.add(outcome)
    page.write(tmp_path / WORK)
    found = TableRows(chromium_dom(tmp_path / "index.html", "sort=output&order=desc&q=job99"))
    assert found.root.get("data-ready") == "1"
    assert len(found.rows) == 10_000
    shown = [r["cells"][0] for r in found.rows if not r["hidden"]]
    assert shown == sorted((f"job{i}.png" for i in range(10_000) if "job99" in f"job{i}.png"), reverse=True,
                           key=lambda name: int(name[3:-4]))


def test_run_batch_index_through_the_api(tmp_path: Path) -> None:
    out = tmp_path / "out"
    jobs = read_jobs(FIXTURES, out, defaults={"mask_set": "original", "only": ("acne",)})
    with ThreadPoolExecutor(2) as pool:
        summary = run_batch(jobs, out, executor=pool, index=True)
    assert summary.index == out / "index.html"
    page = TableRows(summary.index.read_text(encoding="utf-8"))
    assert len(page.rows) == len(jobs) == len([p for p in os.listdir(FIXTURES) if p.endswith(".json")])
