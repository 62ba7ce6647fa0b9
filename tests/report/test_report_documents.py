"""Reports as documents: the PDF read back by poppler, picture metadata, errors, inputs never overwritten.

Oracles share no code with the writers: ``pdffonts``, ``pdftotext``, ``pdfinfo`` and ``pdftoppm``
(poppler) read the PDF; Pillow reads the PNG/JPEG headers; the CLI is run in-process.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from helpers import FIXTURES, sha256
from helpers.report import many_results, tool
from PIL import Image, JpegImagePlugin

import maskrender as mr
from maskrender.cli import main
from maskrender.errors import FormatError, OutputError
from maskrender.report import build_report, report_file
from maskrender.report.elements import Photo
from maskrender.report.pdf import page_pixels, paginate
from maskrender.report.picture import draw_layout


def _run(*argv: str) -> str:
    return subprocess.run(list(argv), capture_output=True, text=True, check=True, timeout=120).stdout


@pytest.fixture(scope="module")
def pdf(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("pdf")
    out = tmp / "r.pdf"
    kw: dict[str, Any] = {"title": "Visit 3", "subject": "ID 0042"}
    report = build_report(FIXTURES / "results_list.json", FIXTURES / "restored.jpg", **kw)
    report_file(FIXTURES / "results_list.json", out, FIXTURES / "restored.jpg", **kw)
    return {"path": out, "report": report, "tmp": tmp}


def test_pdf_embeds_every_font(pdf: dict[str, Any]) -> None:
    lines = _run(tool("pdffonts"), str(pdf["path"])).splitlines()[2:]
    assert lines, "no fonts: the text is not text"
    for line in lines:
        cols = line.split()
        emb, sub = cols[-5], cols[-4]
        assert (emb, sub) == ("yes", "yes"), line  # embedded, and as a subset
    assert any("DejaVuSans" in ln for ln in lines)


def _words(report: Any) -> list[str]:
    c = report.content
    words = [c.title, c.word("masks"), c.word("summary"), c.word("results"), "Subject: ID 0042"]
    for p in c.panels:
        words.append(p.title)
        if p.main is not None:
            words += [p.main.label, p.main.value] + ([p.main.grade_word] if p.main.grade_word else [])
        for table in (p.details, p.areas):
            if table is not None:
                words += [w for w in table.columns]
                words += [cell.text for row in table.rows for cell in row]
        if not p.available:
            words.append(c.word("not_available"))
    return [w for w in words if w and w != "–"]


def test_pdftotext_returns_every_heading_metric_value_and_grade(pdf: dict[str, Any]) -> None:
    text = _run(tool("pdftotext"), "-layout", str(pdf["path"]), "-")
    flat = " ".join(text.split())
    tight = "".join(text.split())  # poppler guesses spaces from gaps: "6 ‰" may come back as "6‰"
    missing = [w for w in _words(pdf["report"]) if "".join(w.split()) not in tight]
    assert missing == []
    for grade in ("Average", "Poor", "Good"):
        assert grade in flat
    assert "Figures are cosmetic skin information, not medical advice." in flat


def test_pdf_metadata_comes_from_the_analysis(pdf: dict[str, Any]) -> None:
    """Issue 21, item 7: ``CreationDate`` is the file's; the analysis's date is kept in the
    subject and keywords (it used to be the creation date)."""
    info = dict(line.split(":", 1) for line in _run(tool("pdfinfo"), str(pdf["path"])).splitlines() if ":" in line)
    assert info["Title"].strip() == "Visit 3"
    assert info["Subject"].strip() == "ID 0042 · 2025-02-26T10:52:17+00:00"
    assert info["Keywords"].strip() == "analysis-date:2025-02-26T10:52:17+00:00"
    assert "2025" not in info["CreationDate"]
    w, _, h = info["Page size"].split()[:3]
    assert (float(w), float(h)) == pytest.approx((595.276, 841.89), abs=0.01)  # A4 in points


def test_pdf_is_vector(pdf: dict[str, Any]) -> None:
    """Masks are paths and the photo is one embedded image (not a page-sized picture)."""
    listing = _run(tool("pdfimages"), "-list", str(pdf["path"])).splitlines()[2:]
    sizes = [(int(line.split()[3]), int(line.split()[4])) for line in listing]
    assert sizes
    assert all(w <= 1200 for w, _ in sizes)
    assert len({s for s in sizes}) <= 2  # one image per photo slot, reused by the thumbnails


def test_pdf_text_is_at_least_8_points(pdf: dict[str, Any], tmp_path: Path) -> None:
    """pdftotext -bbox gives each word's box in points: body text is 8 pt or more."""
    xml = _run(tool("pdftotext"), "-bbox", str(pdf["path"]), "-")
    heights = [float(seg.split('yMax="')[1].split('"')[0]) - float(seg.split('yMin="')[1].split('"')[0])
               for seg in xml.split("<word ")[1:]]
    assert heights
    assert min(heights) >= 8.0 * 1.1, min(heights)  # a word box is ~1.16 em tall: 8 pt text -> >= 8.8 pt


def test_pdf_pages_break_between_panels(tmp_path: Path) -> None:
    report = build_report(mr.load(many_results(12)), FIXTURES / "restored.jpg")
    layout = report.pdf_layout()
    cuts = paginate(layout, page_pixels("A4", 150)[1])
    assert len(cuts) >= 2
    for _top, bottom in cuts:
        for key, box in layout.panel_boxes().items():
            assert not (box.y < bottom < box.bottom), (key, bottom)
    out = tmp_path / "many.pdf"
    out.write_bytes(report.pdf())
    pages = int(_run(tool("pdfinfo"), str(out)).split("Pages:")[1].split()[0])
    assert pages == len(cuts)
    text = _run(tool("pdftotext"), "-f", "2", "-l", "2", str(out), "-")
    assert "page 2 of" in text
    assert report.content.title.split()[0] in text  # the running title


def test_pdf_masks_are_drawn_over_the_photo(pdf: dict[str, Any]) -> None:
    """pdftoppm's page: inside the photo the masks change the picture where the PNG report has them."""
    tmp = pdf["tmp"]
    subprocess.run([tool("pdftoppm"), "-r", "150", "-f", "1", "-l", "1", "-png", str(pdf["path"]), str(tmp / "pg")],
                   check=True, timeout=120)
    page = np.asarray(Image.open(next(tmp.glob("pg*.png"))).convert("RGB")).astype(np.int16)
    layout = pdf["report"].pdf_layout()  # packed for the page: one A4 page here
    sheet = np.asarray(draw_layout(layout, pdf["report"].scene)).astype(np.int16)
    box = layout.boxes["photo:front"]
    ys, xs = slice(round(box.y) + 4, round(box.bottom) - 4), slice(round(box.x) + 4, round(box.right) - 4)
    got, want = page[ys, xs], sheet[ys, xs]
    assert np.abs(got - want).mean() < 6
    bare = np.asarray(Image.open(FIXTURES / "restored.jpg").convert("RGB").resize(
        (round(box.right) - round(box.x), round(box.bottom) - round(box.y)), Image.Resampling.LANCZOS)).astype(np.int16)
    assert np.abs(got - bare[4:-4, 4:-4]).max(axis=2).mean() > 8  # the masks are there


# --- pictures -------------------------------------------------------------------------------------

def test_png_and_jpeg_reports_carry_dpi_and_jpeg_is_444(tmp_path: Path) -> None:
    png = report_file(FIXTURES / "pores.json", tmp_path / "r.png", FIXTURES / "restored.jpg", dpi=200, width=640)
    assert Image.open(png).info["dpi"] == pytest.approx((200, 200), abs=0.05)
    jpg = report_file(FIXTURES / "pores.json", tmp_path / "r.jpg", FIXTURES / "restored.jpg", dpi=200, width=640)
    with Image.open(jpg) as im:
        assert im.info["dpi"] == (200, 200)
        assert JpegImagePlugin.get_sampling(im) == 0  # 4:4:4: no chroma subsampling
    fast = report_file(FIXTURES / "pores.json", tmp_path / "f.png", width=640, compress_level=1)
    assert Image.open(fast).info["dpi"] == pytest.approx((150, 150), abs=0.05)
    Image.open(fast).load()  # a valid PNG


# --- errors ---------------------------------------------------------------------------------------

def test_malformed_result_keeps_its_error_class(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = FIXTURES / "broken" / "wrong_types.json"
    with pytest.raises(FormatError) as caught:
        build_report(bad)
    err = caught.value
    assert err.source == str(bad)
    assert err.path.startswith("result.")
    assert err.expected
    assert err.found
    with pytest.raises(FormatError) as again:
        build_report(FIXTURES / "pores.json", before=bad)
    assert str(again.value) == str(err)
    assert main(["report", str(bad), "-o", str(tmp_path / "x.png")]) == 2
    message = capsys.readouterr().err
    assert message.count("\n") == 1
    assert message.startswith(f"maskrender: error: {bad}: result.")
    assert "Traceback" not in message
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("broken", sorted(p.name for p in (FIXTURES / "broken").glob("*.json")))
def test_every_broken_input_is_one_line_exit_2(broken: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", str(FIXTURES / "broken" / broken), "-o", str(tmp_path / "x.pdf")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("maskrender: error: "), err
    assert err.count("\n") == 1, err
    assert str(FIXTURES / "broken" / broken) in err
    assert list(tmp_path.iterdir()) == []


def test_batch_report_records_the_error_class(tmp_path: Path) -> None:
    manifest = tmp_path / "jobs.csv"
    manifest.write_text(f"result,output\n{FIXTURES / 'broken' / 'wrong_types.json'},bad.png\n"
                        f"{FIXTURES / 'pores.json'},good.png\n", "utf-8")
    status = main(["batch", str(manifest), "-o", str(tmp_path / "out"), "--kind", "report", "-q", "-j", "1"])
    assert status == 1
    (line,) = (tmp_path / "out" / "errors.jsonl").read_text().splitlines()
    record = json.loads(line)
    assert record["error"] == "FormatError", record
    assert "wrong_types.json: result." in record["message"]
    assert (tmp_path / "out" / "good.png").exists()


@pytest.mark.slow
@pytest.mark.parametrize("option", ["image", "image_left", "image_right", "before_image", "before", "data"])
@pytest.mark.parametrize("link", ["same", "symlink", "hardlink"])
def test_an_input_is_never_overwritten(option: str, link: str, tmp_path: Path) -> None:
    photo = tmp_path / "p.png"
    Image.open(FIXTURES / "restored.jpg").save(photo)
    result = tmp_path / "r.json"
    shutil.copy(FIXTURES / "results_list.json", result)
    target = photo if option not in ("before", "data") else result
    before = {p: sha256(p) for p in (photo, result)}
    out = {"same": target, "symlink": tmp_path / "link.png", "hardlink": tmp_path / "hard.png"}[link]
    if link == "symlink":
        out.symlink_to(target)
    elif link == "hardlink":
        os.link(target, out)
    kw: dict[str, Any] = {}
    if option in ("image_left", "image_right"):
        kw[option] = photo
    elif option == "before_image":
        kw.update(before=FIXTURES / "results_list_before.json", before_image=photo)
    elif option == "before":
        kw["before"] = result
    image = photo if option == "image" else None
    data = result if option == "data" else FIXTURES / "results_list.json"
    with pytest.raises(OutputError, match="refusing to overwrite an input"):
        report_file(data, out.with_suffix(out.suffix) if link != "same" else out, image, **kw)
    assert {p: sha256(p) for p in (photo, result)} == before


@pytest.mark.slow
def test_cli_refuses_the_photo_as_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    photo = tmp_path / "p.png"
    Image.open(FIXTURES / "restored.jpg").save(photo)
    digest = sha256(photo)
    for flag in ("--image", "--image-left", "--image-right"):
        assert main(["report", str(FIXTURES / "results_list.json"), flag, str(photo), "-o", str(photo)]) == 2
        assert "refusing to overwrite an input" in capsys.readouterr().err
    assert main(["report", str(FIXTURES / "results_list.json"), "--before", str(FIXTURES / "results_list_before.json"),
                 "--before-image", str(photo), "-o", str(photo)]) == 2
    assert sha256(photo) == digest


def test_options_are_checked_before_anything_is_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", str(FIXTURES / "pores.json"), "-o", str(tmp_path / "r.webp"), "--quality", "101"]) == 2
    assert "1 to 100" in capsys.readouterr().err
    assert main(["report", str(FIXTURES / "pores.json"), "-o", str(tmp_path / "r.png"), "--lang", "xx"]) == 2
    assert "no such catalogue file" in capsys.readouterr().err
    assert main(["report", str(FIXTURES / "pores.json"), "-o", str(tmp_path / "r.png"), "--font", "nope.ttf"]) == 2
    assert "font file not found" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


# --- notebooks ------------------------------------------------------------------------------------

def test_repr_is_one_short_line_and_html_is_a_scoped_fragment() -> None:
    report = build_report(FIXTURES / "results_list.json", FIXTURES / "restored.jpg", title="Visit 3")
    text = repr(report)
    assert "\n" not in text, text
    assert len(text) < 120, text
    assert text.startswith("<Report 'Visit 3': 7 panels")
    assert len(repr(report.layout)) < 120
    a, b = report._repr_html_(), report._repr_html_()
    assert a.startswith("<div><style>")
    assert "<html" not in a
    assert "<script" not in a
    ids = [seg.split('"')[0] for seg in a.split(' id="')[1:]]
    assert len(ids) == len(set(ids))
    assert set(ids).isdisjoint(seg.split('"')[0] for seg in b.split(' id="')[1:])  # two outputs, no clash
    rules = [r for r in a.split("<style>")[1].split("</style>")[0].split("}") if "{" in r and "@font-face" not in r]
    for rule in rules:  # every selector is scoped to this report: nothing leaks into the notebook's page
        selector = rule.split("{")[-2] if rule.count("{") > 1 else rule.split("{")[0]
        for part in selector.split(","):
            part = part.strip()
            assert not part or part.startswith(("#r", "@media", "from", "to")), part


@pytest.mark.slow
def test_german_report_end_to_end(tmp_path: Path) -> None:
    out = report_file(FIXTURES / "results_list.json", tmp_path / "de.pdf", FIXTURES / "restored.jpg", lang="de")
    text = " ".join(_run(tool("pdftotext"), str(out), "-").split())
    for word in ("Hautanalyse-Bericht", "Übersicht", "Masken", "Ergebnisse je Algorithmus", "Mittel", "Schwach",
                 "nicht verfügbar", "keine medizinische Beratung", "26. Feb. 2025"):
        assert word in text, word
    html = build_report(FIXTURES / "results_list.json", lang="de").html()
    assert '<html lang="de">' in html
    assert "Übersicht" in html


def test_thumbnails_are_drawn_only_for_masked_panels() -> None:
    report = build_report(FIXTURES / "results_list.json", FIXTURES / "restored.jpg")
    thumbs = {e.algorithm for e in report.layout.elements if isinstance(e, Photo) and e.algorithm}
    assert "skin_tone" not in thumbs
    assert "age" not in thumbs
    assert {"pores", "acne", "lines", "redness"} <= thumbs
    png = io.BytesIO()
    report.image().save(png, "PNG")
    assert png.tell() > 0
