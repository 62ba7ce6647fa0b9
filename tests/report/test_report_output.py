"""Report output: every format, golden images, SVG/raster agreement, colours, escaping, PDF pages, CLI."""

from __future__ import annotations

import io
import itertools
import math
import os
import re
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from helpers import FIXTURES, GOLDEN
from helpers.report import NASTY, many_results, tool
from PIL import Image

import maskrender as mr
from maskrender.cli import main
from maskrender.errors import InputError, OutputError, SelectionError
from maskrender.report import build_report, report_file
from maskrender.report.elements import Photo, Rect
from maskrender.report.pdf import page_pixels, paginate
from maskrender.report.picture import draw_layout
from maskrender.report.text import FONT_DIR
from maskrender.report.theme import THEME

CARD = THEME.card
GRADE_COLORS = THEME.grades

SVG_NS = "{http://www.w3.org/2000/svg}"
GOLDEN_CASES: dict[str, dict[str, Any]] = {
    "single": {"data": FIXTURES / "results_list.json", "image": FIXTURES / "restored.jpg", "title": "Visit 3",
               "subject": "ID 0042", "width": 900},
    "sides": {"data": FIXTURES / "sides_result.json", "image": FIXTURES / "restored.jpg",
              "image_left": FIXTURES / "left.jpg", "image_right": FIXTURES / "right.jpg", "width": 900},
}


def _case(name: str) -> tuple[Any, Any, dict[str, Any]]:
    kw = dict(GOLDEN_CASES[name])
    return kw.pop("data"), kw.pop("image"), kw


def _pixels(im: Image.Image) -> np.ndarray:
    return np.asarray(im.convert("RGB")).astype(np.int16)


@pytest.fixture(scope="module")
def single() -> Any:
    data, image, kw = _case("single")
    return build_report(data, image, **kw)


# --- formats -------------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize(("ext", "magic"), [(".png", b"\x89PNG"), (".jpg", b"\xff\xd8\xff"), (".webp", b"RIFF"),
                                            (".svg", b"<svg"), (".pdf", b"%PDF-"), (".html", b"<!DOCTYPE html>")])
def test_report_file_writes_each_format(tmp_path: Path, ext: str, magic: bytes) -> None:
    out = report_file(FIXTURES / "pores.json", tmp_path / f"r{ext}", FIXTURES / "restored.jpg", width=640)
    assert out == tmp_path / f"r{ext}"
    assert out.read_bytes().startswith(magic)
    assert [p.name for p in tmp_path.iterdir()] == [out.name]  # atomic: no temporary file left
    if ext in (".png", ".jpg", ".webp"):
        assert Image.open(out).width == 640


def test_report_file_errors(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="unknown output extension"):
        report_file(FIXTURES / "pores.json", tmp_path / "r.txt")
    with pytest.raises(OutputError, match="does not exist"):
        report_file(FIXTURES / "pores.json", tmp_path / "missing" / "r.png")
    with pytest.raises(SelectionError, match=r"there are: .*pores"):
        report_file(FIXTURES / "pores.json", tmp_path / "r.png", only=["nothing"])
    with pytest.raises(InputError, match="page size"):
        report_file(FIXTURES / "pores.json", tmp_path / "r.pdf", page="A5")  # type: ignore[call-overload]
    with pytest.raises(InputError, match="before/after"):
        build_report(FIXTURES / "pores.json", before=FIXTURES / "pores.json", image_left=FIXTURES / "left.jpg")
    assert list(tmp_path.iterdir()) == []


def test_page_and_dpi_set_the_width() -> None:
    assert build_report(FIXTURES / "pores.json", page="Letter", dpi=100).image().width == 850
    assert build_report(FIXTURES / "pores.json", dpi=100).image().width == page_pixels("A4", 100)[0]


def test_no_photo_draws_on_a_neutral_canvas() -> None:
    report = build_report(FIXTURES / "pores.json", width=640)
    im = report.image()
    box = report.layout.boxes["photo:front"]
    corner = im.getpixel((round(box.x) + 2, round(box.y) + 2))
    assert corner == (233, 236, 239)


# --- golden images -------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(GOLDEN_CASES))
def test_png_matches_golden(name: str) -> None:
    data, image, kw = _case(name)
    got = build_report(data, image, **kw).image()
    path = GOLDEN / f"report_{name}.png"
    if os.environ.get("MASKRENDER_UPDATE_GOLDEN"):
        path.parent.mkdir(exist_ok=True)
        got.save(path, optimize=True)
    want = Image.open(path)
    assert got.size == want.size
    diff = np.abs(_pixels(got) - _pixels(want))
    assert diff.mean() <= 1.0, f"mean abs diff {diff.mean():.2f} against {path}"


# --- SVG -----------------------------------------------------------------------------------

def test_svg_has_real_text_and_vector_masks(single: Any) -> None:
    root = ET.fromstring(single.svg())
    texts = ["".join(t.itertext()) for t in root.iter(f"{SVG_NS}text")]
    for word in ("Visit 3", "Subject: ID 0042", "Average", "Poor", "Good", "not available", "38 ‰", "14.2 %",
                 "moderate", "Figures are cosmetic skin information, not medical advice."):
        assert any(word in t for t in texts), word
    slots = [s for s in root.iter(f"{SVG_NS}svg") if s.get("class") == "photo"]
    assert len(slots) == sum(isinstance(e, Photo) for e in single.layout.elements)
    paths = [p for s in slots for p in s.iter(f"{SVG_NS}path")]
    assert sum(len(re.findall("[Mm]", p.get("d", ""))) for p in paths) > 100  # masks as vectors (subpaths)
    images = list(root.iter(f"{SVG_NS}image"))
    assert len(images) == 1  # the photo is embedded once and reused


def test_svg_agrees_with_png(single: Any) -> None:
    resvg = pytest.importorskip("resvg_py")
    fonts = [str(FONT_DIR / "DejaVuSans.ttf"), str(FONT_DIR / "DejaVuSans-Bold.ttf")]
    png = resvg.svg_to_bytes(svg_string=single.svg(), font_files=fonts, skip_system_fonts=True)
    other = Image.open(io.BytesIO(bytes(png)))
    mine = single.image()
    assert other.size == mine.size
    diff = np.abs(_pixels(other) - _pixels(mine))
    assert diff.mean() < 4.0
    for key, box in single.layout.panel_boxes().items():  # the cards are where the PNG has them
        x, y = round(box.x) + 4, round(box.y) + 4
        assert np.abs(_pixels(other)[y, x] - _pixels(mine)[y, x]).max() <= 3, key


# --- colours -------------------------------------------------------------------------------

def test_legend_uses_the_colours_drawn(single: Any) -> None:
    legend = single.scene.legend()
    by_name = {item.name: item for item in legend}
    assert by_name["Acne"].color == "#ff9f1c"  # the mask's own fill
    papules = by_name["Papules"]  # no fill: a palette colour, the same everywhere
    for key, algorithm, size in (("front", None, (600, 600)), ("front", "acne", (120, 120))):
        styles = {d.mask.display_name: d.style.color.hex for d in single.scene.drawings(key, algorithm, size)}
        assert styles["Papules Mask"] == papules.color
        assert styles["Acne Mask"] == "#ff9f1c"
    im = single.image()
    swatches = [e for e in single.layout.elements if isinstance(e, Rect) and e.fill == papules.color]
    assert swatches
    cx, cy = swatches[0].box.center
    assert "#{:02x}{:02x}{:02x}".format(*im.getpixel((round(cx), round(cy)))) == papules.color


def test_masks_show_on_the_photo(single: Any) -> None:
    """The big photo carries the masks: it differs from the bare photo, most where the acne is."""
    im = single.image()
    box = single.layout.boxes["photo:front"]
    x0, y0 = round(box.x), round(box.y)
    size = (round(box.right) - x0, round(box.bottom) - y0)
    shown = _pixels(im.crop((x0, y0, x0 + size[0], y0 + size[1])))
    bare = _pixels(Image.open(FIXTURES / "restored.jpg").resize(size, Image.Resampling.LANCZOS))
    changed = np.abs(shown - bare).max(axis=2) > 30
    assert 0.03 < changed.mean() < 0.6


def test_gauge_and_grade_colours(single: Any) -> None:
    pores = single.layout.panel_boxes()["pores"]
    fills = {e.fill for e in single.layout.elements if isinstance(e, Rect) and pores.contains(e.box)}
    assert set(GRADE_COLORS.values()) <= fills  # the six segments
    assert GRADE_COLORS["Average"] in fills  # and the grade label of 58


# --- escaping ------------------------------------------------------------------------------

class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def _assert_inert(tags: Sequence[tuple[str, Sequence[tuple[str, str | None]]]]) -> None:
    names = {t for t, _ in tags}
    assert not names & {"script", "iframe", "object", "embed", "img", "foreignobject", "a"}
    for tag, attrs in tags:
        for key, value in attrs:
            assert not key.lower().startswith("on"), (tag, key)
            if key.lower().endswith("href") or key.lower() == "src":
                assert value is not None
                assert value.startswith(("#", "data:image/")), value


@pytest.mark.slow
def test_hostile_names_stay_text(tmp_path: Path) -> None:
    data = mr.load(many_results(6, failures=1))
    kw: dict[str, Any] = {"title": NASTY, "subject": NASTY, "width": 800}
    with pytest.raises(mr.SelectionError, match=r"fill name .* matches no mask"):  # an unknown fill name is refused
        build_report(data, FIXTURES / "restored.jpg", **kw, style=mr.Style(fills={NASTY: "red"})).svg()
    svg = build_report(data, FIXTURES / "restored.jpg", **kw).svg()
    html = build_report(data, FIXTURES / "restored.jpg", **kw).html()
    root = ET.fromstring(svg)  # well-formed XML
    tags = [(el.tag.removeprefix(SVG_NS).lower(), list(el.attrib.items())) for el in root.iter()]
    _assert_inert(tags)
    assert any("<script>alert(1)</script>" in "".join(t.itertext()) for t in root.iter(f"{SVG_NS}text"))
    parser = _Tags()
    parser.feed(html)
    _assert_inert(parser.tags)
    assert "&lt;script&gt;" in html
    assert "<script" not in html
    assert "default-src 'none'" in html


# --- PDF -----------------------------------------------------------------------------------

def _pdf_page(pdf: Path, tmp_path: Path, dpi: int, page: int = 1) -> Image.Image:
    subprocess.run([tool("pdftoppm"), "-r", str(dpi), "-f", str(page), "-l", str(page), "-png", str(pdf),
                    str(tmp_path / "page")], check=True, capture_output=True, timeout=120)
    found = sorted(tmp_path.glob("page-*.png"))
    assert found, "pdftoppm wrote nothing"
    im = Image.open(found[0]).convert("RGB")
    for f in found:
        f.unlink()
    return im


@pytest.mark.slow
def test_pdf_page_shows_the_layout(tmp_path: Path) -> None:
    report = build_report(FIXTURES / "results_list.json", FIXTURES / "restored.jpg", title="Visit 3")
    out = report_file(FIXTURES / "results_list.json", tmp_path / "r.pdf", FIXTURES / "restored.jpg",
                      title="Visit 3")
    page = _pdf_page(out, tmp_path, 75)
    assert abs(page.size[0] - page_pixels("A4", 75)[0]) <= 1  # pdftoppm rounds 620.08 px up
    assert abs(page.size[1] - page_pixels("A4", 75)[1]) <= 1
    scale = 75 / 150
    layout = report.pdf_layout()  # the PDF's packing of the same report
    sheet = _pixels(draw_layout(layout, report.scene))
    got = _pixels(page)
    photo = layout.boxes["photo:front"]
    ys, xs = slice(round(photo.y * scale) + 5, round(photo.bottom * scale) - 5), \
        slice(round(photo.x * scale) + 5, round(photo.right * scale) - 5)
    want = sheet[round(photo.y) + 10:round(photo.bottom) - 10, round(photo.x) + 10:round(photo.right) - 10]
    assert np.abs(got[ys, xs].mean(axis=(0, 1)) - want.mean(axis=(0, 1))).max() < 8
    assert got[ys, xs].std() > 30  # a photo, not a blank
    card = np.array([int(CARD[i:i + 2], 16) for i in (1, 3, 5)])
    first = paginate(layout, page_pixels("A4", 150)[1])[0]
    on_page = {k: b for k, b in layout.panel_boxes().items() if b.bottom <= first[1]}
    assert len(on_page) >= 2
    for key, box in on_page.items():
        x, y = round((box.x + 6) * scale), round((box.y + 6) * scale)
        assert np.abs(got[y, x] - card).max() <= 6, key
        assert np.abs(got[round((box.y - 8) * scale), x] - 255).max() <= 6, key  # white above the card


@pytest.mark.slow
def test_long_report_flows_onto_more_pages(tmp_path: Path) -> None:
    report = build_report(mr.load(many_results(20)), FIXTURES / "restored.jpg", dpi=60)
    layout = report.pdf_layout()
    cuts = paginate(layout, page_pixels("A4", 60)[1])
    assert len(cuts) >= 2
    assert cuts[0][0] == 0
    panels = layout.panel_boxes().values()
    assert cuts[-1][1] == math.ceil(max(b.bottom for b in panels))  # the last card: the footer is in the margin
    assert all(a[1] == b[0] for a, b in itertools.pairwise(cuts))
    pdf = report.pdf()
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == len(cuts)
    out = tmp_path / "many.pdf"
    out.write_bytes(pdf)
    last = _pdf_page(out, tmp_path, 60, page=len(cuts))
    assert _pixels(last).std() > 20  # the last page holds panels, not just the note


# --- CLI -----------------------------------------------------------------------------------

@pytest.mark.slow
def test_cli_issue_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = str(FIXTURES)
    runs = [
        ["report", f"{f}/results_list.json", "--image", f"{f}/restored.jpg", "-o", str(tmp_path / "report.png")],
        ["report", f"{f}/sides_result.json", "--image", f"{f}/restored.jpg", "--image-left", f"{f}/left.jpg",
         "--image-right", f"{f}/right.jpg", "-o", str(tmp_path / "sides.png"), "--width", "700"],
        ["report", f"{f}/results_list.json", "--image", f"{f}/restored.jpg", "--before",
         f"{f}/results_list_before.json", "--before-image", f"{f}/restored.jpg", "-o", str(tmp_path / "p.html")],
        ["report", f"{f}/results_list.json", "--image", f"{f}/restored.jpg", "--only", "pores", "--only", "lines",
         "--title", "Visit 3", "--subject", "ID 0042", "-o", str(tmp_path / "r.pdf"), "--dpi", "72"],
    ]
    for argv in runs:
        assert main(argv) == 0, argv
        assert capsys.readouterr().out.startswith("wrote ")
    assert Image.open(tmp_path / "sides.png").width == 700
    assert "better" in (tmp_path / "p.html").read_text()
    assert "worse" in (tmp_path / "p.html").read_text()
    assert main(["report", f"{f}/pores.json", "--side", "left", "-o", str(tmp_path / "x.png")]) == 2
    assert "--side: does not apply to a report" in capsys.readouterr().err


@pytest.mark.parametrize("fmt", ["png", "jpeg", "svg", "pdf", "html"])
def test_report_to_a_file_object(fmt: str) -> None:
    buf = io.BytesIO()
    assert report_file(FIXTURES / "pores.json", buf, format=fmt, width=640) is buf
    magic = {"png": b"\x89PNG", "jpeg": b"\xff\xd8", "svg": b"<svg", "pdf": b"%PDF", "html": b"<!DOCTYPE html"}[fmt]
    assert buf.getvalue().startswith(magic)


def test_report_to_a_file_object_needs_a_format() -> None:
    with pytest.raises(mr.OutputError, match="a file object needs format="):
        report_file(FIXTURES / "pores.json", io.BytesIO())


def test_a_page_over_the_canvas_limit_is_refused_before_drawing(tmp_path: Path) -> None:
    out = tmp_path / "huge.png"
    with pytest.raises(mr.LimitError, match=r"report page 10000x\d+ is .* pixels, more than the 100,000,000 allowed"):
        report_file(FIXTURES / "pih_result.json", out, width=10_000)
    assert list(tmp_path.iterdir()) == []
