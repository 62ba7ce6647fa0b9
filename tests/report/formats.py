"""Every output format against the PNG, on mask pixels: the figures ``python tests/imaging.py``
prints and the colour tests assert on.

The expected picture is made without the code under test's photo handling: LittleCMS's sRGB
view of the photo (:func:`p3.srgb_view`) with the PNG renderer's masks over it (overlays), or the
PNG report of that sRGB view (reports).  Each format is then decoded the way a colour-managed
viewer shows it: Pillow for PNG, JPEG and WebP (through LittleCMS where a profile is embedded),
resvg and librsvg for SVG, poppler and MuPDF for PDF, Chromium for HTML (each picture of the
page's inline SVG, screenshotted at its box's size).  Mask pixels are those where the expected
picture differs from the photo alone.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from helpers import FIXTURES, chromium_screenshot, find_chromium, resvg_render
from PIL import Image
from report.p3 import p3_photo, srgb_view

F64 = npt.NDArray[np.float64]

__all__ = ["Figure", "overlay_figures", "photo_file", "report_figures"]


@dataclass(frozen=True)
class Figure:
    """One format's agreement with the expected picture over the mask pixels."""

    output: str
    mean: float
    within16: float
    pixels: int

    def line(self) -> str:
        return (f"{self.output:24s} mean |Δ| {self.mean:5.2f}/255   within 16/255 {self.within16:7.2%}   "
                f"({self.pixels:,} px)")


def photo_file(folder: Path, profile: str, size: int = 512) -> Path:
    """The bundled selfie at ``size`` px as a phone JPEG: sRGB (``srgb``) or with Display P3 numbers and profile."""
    with Image.open(FIXTURES / "restored.jpg") as im:
        base = im.convert("RGB").resize((size, size), Image.Resampling.LANCZOS)
    path = folder / f"selfie-{profile}.jpg"
    if profile == "srgb":
        base.save(path, quality=95, subsampling=0)
    else:
        p3 = p3_photo(base)
        p3.save(path, quality=95, subsampling=0, icc_profile=p3.info["icc_profile"])
    return path


def _viewed(data: bytes) -> F64:
    with Image.open(io.BytesIO(data)) as im:
        im.load()
        return np.asarray(srgb_view(im.convert("RGB") if "icc_profile" not in im.info else _keep(im)), dtype=np.float64)


def _keep(im: Image.Image) -> Image.Image:
    out = im.convert("RGB")
    out.info["icc_profile"] = im.info["icc_profile"]
    return out


def _rsvg(svg: str, size: tuple[int, int]) -> Image.Image:
    done = subprocess.run(["rsvg-convert", "-w", str(size[0]), "-h", str(size[1])], input=svg.encode(),
                          capture_output=True, check=True, timeout=300)
    with Image.open(io.BytesIO(done.stdout)) as im:
        return im.convert("RGBA")  # type: ignore[no-any-return]


def _flat(im: Image.Image) -> F64:
    rgba = im.convert("RGBA")
    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    return np.asarray(Image.alpha_composite(white, rgba).convert("RGB"), dtype=np.float64)


def _figure(name: str, got: F64, want: F64, inked: npt.NDArray[np.bool_]) -> Figure:
    h, w = min(got.shape[0], want.shape[0]), min(got.shape[1], want.shape[1])
    d = np.abs(got[:h, :w] - want[:h, :w]).max(axis=2)[inked[:h, :w]]
    return Figure(name, float(d.mean()), float((d <= 16).mean()), int(d.size))


def overlay_figures(photo: Path, source: Path = FIXTURES / "results_list.json") -> Iterator[Figure]:
    """The overlay in PNG, JPEG, WebP and SVG (resvg, librsvg, Chromium) against the expected picture."""
    from maskrender.overlay import render, render_file, render_svg

    with Image.open(photo) as im:
        im.load()
        view = srgb_view(_keep(im) if "icc_profile" in im.info else im.convert("RGB"))
    size = view.size
    masks = render(source, size=size)
    want = np.asarray(Image.alpha_composite(view.convert("RGBA"), masks).convert("RGB"), dtype=np.float64)
    inked = np.asarray(masks)[..., 3] > 0
    for fmt in ("png", "jpeg", "webp"):
        buf = io.BytesIO()
        render_file(source, buf, photo, format=fmt)
        yield _figure(fmt.upper(), _viewed(buf.getvalue()), want, inked)
    svg = render_svg(source, photo, embed_image=True)
    yield _figure("SVG via resvg", _flat(resvg_render(svg, size)), want, inked)
    if shutil.which("rsvg-convert"):
        yield _figure("SVG via librsvg", _flat(_rsvg(svg, size)), want, inked)
    chromium = find_chromium()
    if chromium:
        with tempfile.TemporaryDirectory() as tmp:
            page = Path(tmp, "page.html")
            page.write_text(f"<html><body style='margin:0'>{svg}</body></html>", encoding="utf-8")
            yield _figure("SVG via Chromium", np.asarray(chromium_screenshot(page, size, Path(tmp, "s.png"), chromium),
                                                         dtype=np.float64), want, inked)


def _boxes(report: Any) -> list[tuple[int, int, int, int]]:
    from maskrender.report.elements import Photo

    out = []
    for el in report.layout.elements:
        if isinstance(el, Photo):
            x0, y0 = round(el.box.x), round(el.box.y)
            out.append((x0, y0, round(el.box.right), round(el.box.bottom)))
    return out


def report_figures(photo: Path, source: Path = FIXTURES / "lines.json", *, pixels: str = "masks",
                   formats: tuple[str, ...] = ("PNG", "JPEG", "WebP", "SVG", "PDF", "HTML")) -> Iterator[Figure]:
    """The report in PNG, JPEG, WebP, SVG (resvg, librsvg), PDF (poppler, MuPDF) and HTML (Chromium),
    over the mask pixels (``pixels="masks"``) or every pixel (``"photos"``) of its pictures, against
    the PNG report of LittleCMS's sRGB view of the photo."""
    from maskrender.report import build_report

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        with Image.open(photo) as im:
            im.load()
            view = srgb_view(_keep(im) if "icc_profile" in im.info else im.convert("RGB"))
        view.save(folder / "view.png")
        expected = build_report(source, folder / "view.png")
        want = np.asarray(expected.image(), dtype=np.float64)
        boxes = _boxes(expected)
        inked = np.zeros(want.shape[:2], dtype=bool)
        for x0, y0, x1, y1 in boxes:
            plain = np.asarray(view.resize((x1 - x0, y1 - y0), Image.Resampling.LANCZOS), dtype=np.float64)
            inked[y0:y1, x0:x1] = np.abs(want[y0:y1, x0:x1] - plain).max(axis=2) > 24 if pixels == "masks" else True
        report = build_report(source, photo)
        pictures: list[tuple[str, Callable[[], F64]]] = [
            ("report PNG", lambda: _viewed(_encoded(source, photo, "png"))),
            ("report JPEG", lambda: _viewed(_encoded(source, photo, "jpeg"))),
            ("report WebP", lambda: _viewed(_encoded(source, photo, "webp"))),
            ("report SVG via resvg", lambda: _flat(resvg_render(report.svg(), want.shape[1::-1]))),
        ]
        if shutil.which("rsvg-convert"):
            pictures.append(("report SVG via librsvg", lambda: _flat(_rsvg(report.svg(), want.shape[1::-1]))))
        pdf = folder / "r.pdf"
        pdf.write_bytes(report.pdf())
        if shutil.which("pdftoppm"):
            pictures.append(("report PDF via poppler", lambda: _pdf_poppler(pdf, folder)))
        if shutil.which("mutool"):
            pictures.append(("report PDF via MuPDF", lambda: _pdf_mupdf(pdf, folder)))
        for name, draw in pictures:
            if name.split()[1] in formats:
                yield _figure(name, draw(), want, inked)
        chromium = find_chromium()
        if chromium and "HTML" in formats:
            yield _html_figure(report, want, inked, boxes, folder, chromium)


def _encoded(source: Path, photo: Path, fmt: str) -> bytes:
    from maskrender.report import report_file

    buf = io.BytesIO()
    report_file(source, buf, photo, format=fmt)
    return buf.getvalue()


def _pdf_poppler(pdf: Path, folder: Path) -> F64:
    subprocess.run(["pdftoppm", "-r", "150", "-f", "1", "-l", "1", "-png", "-singlefile", str(pdf), str(folder / "pp")],
                   check=True, timeout=300)
    with Image.open(folder / "pp.png") as im:
        return np.asarray(im.convert("RGB"), dtype=np.float64)


def _pdf_mupdf(pdf: Path, folder: Path) -> F64:
    subprocess.run(["mutool", "draw", "-q", "-r", "150", "-o", str(folder / "mu.png"), str(pdf), "1"],
                   check=True, timeout=300, capture_output=True)
    with Image.open(folder / "mu.png") as im:
        return np.asarray(im.convert("RGB"), dtype=np.float64)


_PICTURE = re.compile(r'<svg viewBox="0 0 (\d+) (\d+)" role="img"[^>]*class="photo">.*?</svg>', re.S)


def _html_figure(report: Any, want: F64, inked: npt.NDArray[np.bool_], boxes: list[tuple[int, int, int, int]],
                 folder: Path, chromium: str) -> Figure:
    """Each picture of the HTML page, in Chromium at its box's size, pasted where the PNG report has it."""
    html = report.html()
    style = re.search(r"<style>.*?</style>", html, re.S)
    got = want.copy()
    image = re.search(r'<image id="[^"]+"[^>]*/>', html)
    for i, (match, (x0, y0, x1, y1)) in enumerate(zip(_PICTURE.finditer(html), boxes, strict=True)):
        svg = match.group(0)
        if "<use href=" in svg and image is not None:
            svg = svg.replace("</title>", f"</title><defs>{image.group(0)}</defs>", 1)
        w, h = x1 - x0, y1 - y0
        sized = svg.replace("<svg ", f'<svg width="{w}" height="{h}" ', 1)
        page = folder / f"p{i}.html"
        page.write_text(f"<!DOCTYPE html><html><head>{style.group(0) if style else ''}</head>"
                        f"<body style='margin:0'><div style='width:{w}px;height:{h}px'>{sized}</div></body></html>",
                        encoding="utf-8")
        shot = chromium_screenshot(page, (w, h), folder / f"s{i}.png", chromium)
        got[y0:y1, x0:x1] = np.asarray(shot, dtype=np.float64)[:h, :w]
    return _figure("report HTML via Chromium", got, want, inked)
