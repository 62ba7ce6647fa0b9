"""The PDF report as a document (issue 21, item 7): its creation date is the file's, its logical
structure is tagged (headings, tables, figures with alternative text), and its panels are packed
so that the bundled report fits one A4 page.

Oracles: MuPDF (``mutool show -b FILE grep`` prints every object as MuPDF parses it, from which
the structure tree is rebuilt here) and poppler (``pdfinfo``, ``pdfinfo -struct-text``,
``pdftotext``); neither shares code with fpdf2 or the writer.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from helpers import FIXTURES
from helpers.report import many_results, tool

import maskrender as mr
from maskrender.report import build_report
from maskrender.report.elements import Photo

_OBJ = re.compile(r"^(\d+) 0 obj (.*)$")


def _run(*argv: str, env: dict[str, str] | None = None) -> str:
    return subprocess.run(list(argv), capture_output=True, text=True, check=True, timeout=120, env=env).stdout


def _objects(path: Path) -> dict[int, str]:
    out = {}
    for line in _run(tool("mutool"), "show", "-b", str(path), "grep").splitlines():
        m = _OBJ.match(line)
        if m:
            out[int(m.group(1))] = m.group(2)
    return out


def _struct(objects: dict[int, str]) -> list[dict[str, Any]]:
    """Every structure element: its type, parent, kids (element numbers and marked-content ids), alt, page."""
    elems = []
    for num, body in objects.items():
        if "/Type/StructElem" not in body:
            continue
        kids = re.search(r"/K\[([^\]]*)\]", body)
        refs = re.findall(r"(\d+) 0 R", kids.group(1)) if kids else []
        mcids = re.sub(r"\d+ 0 R", "", kids.group(1)).split() if kids else []
        alt = re.search(r"/Alt\(((?:[^()\\]|\\.)*)\)", body)
        elems.append({"num": num, "s": re.search(r"/S/(\w+)", body).group(1),  # type: ignore[union-attr]
                      "parent": int(re.search(r"/P (\d+) 0 R", body).group(1)),  # type: ignore[union-attr]
                      "kids": [int(r) for r in refs], "mcids": [int(m) for m in mcids],
                      "alt": alt.group(1) if alt else None, "pg": re.search(r"/Pg (\d+) 0 R", body) is not None})
    return elems


@pytest.fixture(scope="module")
def bundled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("pdfstruct")
    report = build_report(FIXTURES / "results_list.json", FIXTURES / "restored.jpg", title="Visit 3",
                          subject="ID 0042")
    out = tmp / "r.pdf"
    out.write_bytes(report.pdf())
    return {"report": report, "path": out, "objects": _objects(out)}


@pytest.mark.slow
def test_the_pdf_is_tagged_with_headings_tables_and_figures(bundled: dict[str, Any]) -> None:
    report, path = bundled["report"], bundled["path"]
    assert "Tagged:          yes" in _run(tool("pdfinfo"), str(path))
    root = _run(tool("mutool"), "show", str(path), "trailer/Root/MarkInfo")
    assert "/Marked true" in root
    elems = _struct(bundled["objects"])
    by_type: dict[str, list[dict[str, Any]]] = {}
    for e in elems:
        by_type.setdefault(e["s"], []).append(e)
    content = report.content
    assert len(by_type["H1"]) == 1
    assert len(by_type["H2"]) == 3  # masks, summary, results
    assert len(by_type["H3"]) == len(content.panels)
    # every picture is a Figure with its alternative text
    figures = by_type["Figure"]
    assert len(figures) == len([e for e in report.layout.elements if isinstance(e, Photo)])
    assert figures[0]["alt"].startswith("photo with the masks: Redness")
    assert all(f["alt"] for f in figures)
    # tables: Table > TR > TH/TD, every cell holding marked content, every element on its page
    nums = {e["num"]: e for e in elems}
    assert len(by_type["Table"]) >= 1 + len(content.panels) - 1  # the summary and the panels' tables
    for cell in by_type["TD"] + by_type["TH"]:
        row = nums[cell["parent"]]
        assert row["s"] == "TR"
        assert nums[row["parent"]]["s"] == "Table"
        assert cell["mcids"]
    assert all(e["pg"] for e in elems if e["mcids"] or e["s"] in ("TR", "Table"))
    # poppler reads the same tree, with the text under each element
    tree = _run(tool("pdfinfo"), "-struct-text", str(path))
    assert re.search(r'H1 \(block\)\n\s+"Visit 3"', tree)
    assert re.search(r'TH\n\s+"Pores"\n\s+TD\n\s+"58"\n\s+TD\n\s+"Average"', tree)


def test_the_bundled_report_fits_one_page_with_every_word(bundled: dict[str, Any]) -> None:
    """Its last panels used to open a second page that stayed three-quarters empty."""
    path, report = bundled["path"], bundled["report"]
    assert "Pages:           1" in _run(tool("pdfinfo"), str(path))
    text = "".join(_run(tool("pdftotext"), str(path), "-").split())
    for panel in report.content.panels:
        assert "".join(panel.title.split()) in text
    assert "…" not in _run(tool("pdftotext"), str(path), "-")  # no name cut to make it fit


@pytest.mark.parametrize(("n", "failures", "pages"), [(6, 3, 1), (12, 2, 2)])
def test_short_panels_stack_beside_tall_ones(n: int, failures: int, pages: int, tmp_path: Path) -> None:
    """Panels of failed algorithms are short: they fill the room beside a tall one (6 results, 3
    failed: 2 pages before; 12 results: 3 pages before)."""
    report = build_report(mr.load(many_results(n, failures=failures)), FIXTURES / "restored.jpg")
    out = tmp_path / "r.pdf"
    out.write_bytes(report.pdf())
    assert f"Pages:           {pages}\n" in _run(tool("pdfinfo"), str(out))


def test_creation_date_is_the_files_or_source_date_epoch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 2023-11-14 22:13:20 UTC
    out = tmp_path / "r.pdf"
    out.write_bytes(build_report(FIXTURES / "pores.json", FIXTURES / "restored.jpg").pdf())
    info = _run(tool("pdfinfo"), "-isodates", str(out))
    assert re.search(r"CreationDate:\s+2023-11-14T22:13:20(Z|\+00)", info), info
    assert "analysis-date:" in info
