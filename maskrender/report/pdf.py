"""Write a report as a vector PDF (fpdf2): real text in embedded subset fonts, masks as paths.

The sheet is laid out at the page's width in pixels at the chosen DPI and drawn in points
(1 px = 72/dpi pt).  When it is taller than a page it is cut between blocks (never through a
panel row); later pages repeat the title in their top margin; every page carries the note
and, when there are several, its number.  Each text run is set in its own face (the library
embeds each face as a subset) and shaped with HarfBuzz where the script needs it (Arabic,
Hebrew, Devanagari, Thai ...), right to left where the run is.  Each photo is embedded once,
as JPEG, and the masks are drawn over it as filled and stroked paths
(:mod:`maskrender.report.pdfmasks`).  The document is tagged (headings, paragraphs, tables,
figures with alternative text: :mod:`maskrender.report.pdftags`).  Title, subject (with the
analysis's date), keywords, language and the creation date (the file's) go into its metadata.
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Mapping
from datetime import datetime, timezone

from maskrender.defaults import REPORT_DPI, REPORT_PAGE
from maskrender.report.elements import Box, Circle, Element, Layout, Line, Photo, Rect, Text
from maskrender.report.fonts import FontFace
from maskrender.report.i18n import Catalogue, load_catalogue
from maskrender.report.pdftags import Tagger
from maskrender.report.scene import Scene
from maskrender.report.text import Fonts
from maskrender.report.theme import rgb

__all__ = ["PAGE_SIZES", "page_pixels", "paginate", "pdf_bytes"]

PAGE_SIZES: dict[str, tuple[float, float]] = {"A4": (210 / 25.4, 297 / 25.4), "Letter": (8.5, 11.0)}
"""Paper sizes in inches (width, height)."""


def page_pixels(page: str, dpi: float) -> tuple[int, int]:
    """The size of a page in pixels at ``dpi``; ``page`` is ``A4`` or ``Letter`` (any case).

    >>> page_pixels("a4", 150), page_pixels("Letter", 100)
    ((1240, 1754), (850, 1100))
    """
    key = next((k for k in PAGE_SIZES if k.lower() == page.strip().lower()), None)
    if key is None:
        raise ValueError(f"unknown page size {page!r}; expected one of {', '.join(PAGE_SIZES)}")
    w, h = PAGE_SIZES[key]
    return (round(w * dpi), round(h * dpi))


def paginate(layout: Layout, page_height: int) -> list[tuple[int, int]]:
    """The ``(top, bottom)`` sheet rows of each page; cuts only at ``layout.breaks``.

    The sheet's footer is left out (every page prints the note in its margin).  The first
    page starts at the sheet's top (its margin is part of the sheet); later pages keep a top
    margin for the running title; every page keeps a bottom margin for the note.
    """
    margin = _margin(layout)
    end = _content_end(layout)
    pages: list[tuple[int, int]] = []
    start = 0
    while start < end:
        avail = page_height - margin - (margin if pages else 0)
        if end - start <= avail:
            pages.append((start, end))
            break
        cuts = [round(b) for b in layout.breaks if start < round(b) <= start + avail]
        cut = max(cuts) if cuts else start + avail
        pages.append((start, cut))
        start = cut
    return pages


def _content_end(layout: Layout) -> int:
    """The sheet row below the last element above the footer (its rule and the gutter above it
    are not printed: every page carries the note in its margin)."""
    footer = layout.boxes.get("footer")
    if footer is None:
        return layout.height
    bottoms = [_bottom(el) for el in layout.elements if _top(el) < footer.y - 0.5]
    return math.ceil(max(bottoms, default=0.0))


def _bottom(el: Element) -> float:
    if isinstance(el, (Rect, Photo, Text)):
        return el.box.bottom
    if isinstance(el, Line):
        return max(el.y0, el.y1) + el.width / 2
    return el.cy + el.r


def _margin(layout: Layout) -> int:
    return round(52 * layout.scale)


def _top(el: Element) -> float:
    if isinstance(el, (Rect, Photo)):
        return el.box.y
    if isinstance(el, Text):
        return el.box.y
    if isinstance(el, Line):
        return min(el.y0, el.y1)
    return el.cy - el.r


def _date(stamp: str | None) -> datetime | None:
    if not stamp:
        return None
    text = stamp.strip().replace("Z", "+00:00").replace(" ", "T", 1)
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=timezone.utc)


def _file_date() -> datetime:
    """Now, or ``SOURCE_DATE_EPOCH`` where the environment sets it (reproducible builds)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=timezone.utc)
    return datetime.now(timezone.utc).replace(microsecond=0)


def _display_title(pdf: object) -> None:
    """Viewers show the title, not the file name (PDF/UA asks for it)."""
    try:
        from fpdf.prefs import ViewerPreferences
    except ImportError:  # pragma: no cover - older fpdf2
        return
    pdf.viewer_preferences = ViewerPreferences(display_doc_title=True)  # type: ignore[attr-defined]


class _Writer:
    """Draws display elements onto an fpdf2 document, ``k`` points per sheet pixel."""

    def __init__(self, pdf: object, k: float, scene: Scene, fonts: Fonts,
                 alt: Mapping[tuple[str, str | None], str] | None = None) -> None:
        from fpdf import FPDF

        assert isinstance(pdf, FPDF)
        self.pdf = pdf
        self.k = k
        self.scene = scene
        self.fonts = fonts
        self.faces: set[FontFace] = set()
        self.photos: dict[str, tuple[bytes, tuple[int, int]]] = {}
        self.tags = Tagger(pdf)
        self.alt = alt or {}

    def face(self, face: FontFace) -> str:
        if face not in self.faces:
            self.pdf.add_font(face.key, "", face.path, collection_font_number=face.index)
            self.faces.add(face)
        return face.key

    def element(self, el: Element, oy: float) -> None:
        if isinstance(el, Text):
            with self.tags.text(el):
                self.text(el, oy)
        elif isinstance(el, Photo):
            with self.tags.figure(self.alt.get((el.slot, el.algorithm), "")):
                self.photo(el, oy)
        else:
            with self.tags.artifact():
                self.decoration(el, oy)

    def decoration(self, el: Rect | Line | Circle, oy: float) -> None:
        if isinstance(el, Rect):
            self.rect(el, oy)
        elif isinstance(el, Line):
            self.line(el, oy)
        else:
            k, pdf = self.k, self.pdf
            pdf.set_fill_color(*rgb(el.fill))
            pdf.circle((el.cx - el.r) * k, (el.cy - el.r + oy) * k, el.r * k, style="F")

    def rect(self, el: Rect, oy: float) -> None:
        k, pdf, b = self.k, self.pdf, el.box
        if el.fill is not None:
            pdf.set_fill_color(*rgb(el.fill))
            if el.opacity < 1:
                with pdf.local_context(fill_opacity=el.opacity):
                    pdf.rect(b.x * k, (b.y + oy) * k, b.w * k, b.h * k, style="F")
            else:
                pdf.rect(b.x * k, (b.y + oy) * k, b.w * k, b.h * k, style="F")
        if el.stroke is not None and el.stroke_width > 0:
            sw = el.stroke_width
            pdf.set_draw_color(*rgb(el.stroke))
            pdf.set_line_width(sw * k)
            pdf.rect((b.x + sw / 2) * k, (b.y + sw / 2 + oy) * k, (b.w - sw) * k, (b.h - sw) * k, style="D")

    def line(self, el: Line, oy: float) -> None:
        k, pdf = self.k, self.pdf
        pdf.set_draw_color(*rgb(el.color))
        pdf.set_line_width(el.width * k)
        pdf.line(el.x0 * k, (el.y0 + oy) * k, el.x1 * k, (el.y1 + oy) * k)

    def text(self, el: Text, oy: float) -> None:
        k, pdf = self.k, self.pdf
        size = el.font.px * k
        pdf.set_text_color(*rgb(el.color))
        left = el.left
        for run in el.runs:
            pdf.set_font(self.face(run.face), size=size)
            shaped = run.rtl or any(ord(c) >= 0x0590 for c in run.text)
            if shaped:
                pdf.set_text_shaping(True, direction="rtl" if run.rtl else "ltr")
            else:
                pdf.set_text_shaping(False)
            pdf.set_xy((left + run.x) * k, (el.y + oy) * k - 0.8 * size)
            pdf.cell(run.width * k, size, run.text, align="C")

    def photo(self, el: Photo, oy: float) -> None:
        from maskrender.report.pdfmasks import draw_masks

        k, pdf, b = self.k, self.pdf, el.box
        data, _ = self.photos[el.slot]
        x0, y0 = round(b.x), round(b.y)
        w, h = max(1, round(b.right) - x0), max(1, round(b.bottom) - y0)
        with pdf.rect_clip(x0 * k, (y0 + oy) * k, w * k, h * k):
            pdf.image(io.BytesIO(data), x=x0 * k, y=(y0 + oy) * k, w=w * k, h=h * k)
            detail = self.scene.detail((w, h))
            size = (w * detail, h * detail)
            drawings = self.scene.drawings(el.slot, el.algorithm, size)
            if drawings:
                draw_masks(pdf, drawings, size, origin=(x0 * k, (y0 + oy) * k), scale=k / detail)


def pdf_bytes(layout: Layout, scene: Scene, *, page: str = REPORT_PAGE, dpi: float = REPORT_DPI, title: str = "",
              subject: str = "", date: str | None = None, note: str = "", words: Catalogue | None = None,
              fonts: Fonts | None = None, language: str = "en", hidpi: float = 2.0,
              alt: Mapping[tuple[str, str | None], str] | None = None) -> bytes:
    """The PDF of ``layout`` (laid out at the page's width in pixels at ``dpi``), as bytes.

    ``alt`` is the alternative text of each picture, by ``(slot, algorithm)``.  The document's
    creation date is the file's (``SOURCE_DATE_EPOCH`` where set, for reproducible files); the
    analysis's ``date`` goes into its subject and keywords.
    """
    try:
        from fpdf import FPDF
    except ImportError:  # pragma: no cover - fpdf2 is a dependency; a broken install says so
        from maskrender.errors import OutputError

        raise OutputError("PDF reports need the fpdf2 package (pip install maskrender installs it)") from None
    words = words or load_catalogue()
    fonts = fonts or Fonts()
    k = 72.0 / dpi
    pw_in, ph_in = PAGE_SIZES[next(p for p in PAGE_SIZES if p.lower() == page.lower())]
    page_px = page_pixels(page, dpi)
    pdf = FPDF(unit="pt", format=(pw_in * 72, ph_in * 72))
    pdf.set_auto_page_break(False)
    pdf.c_margin = 0
    pdf.set_title(title)
    when = _date(date)
    analysed = when.isoformat(timespec="seconds") if when is not None else ""
    if subject or analysed:
        pdf.set_subject(" · ".join(part for part in (subject, analysed) if part))
    if analysed:
        pdf.set_keywords(f"analysis-date:{analysed}")
    pdf.set_creator("maskrender")
    pdf.set_producer("maskrender (fpdf2)")
    pdf.set_lang(language)
    pdf.set_creation_date(_file_date())
    _display_title(pdf)
    writer = _Writer(pdf, k, scene, fonts, alt)
    biggest: dict[str, tuple[float, float]] = {}
    for el in layout.elements:
        if isinstance(el, Photo):
            bw, bh = biggest.get(el.slot, (0.0, 0.0))
            biggest[el.slot] = (max(bw, el.box.w), max(bh, el.box.h))
    for key, (bw, bh) in biggest.items():
        size = (max(1, math.ceil(bw * hidpi)), max(1, math.ceil(bh * hidpi)))
        writer.photos[key] = (scene.payload(key, size, jpeg=True)[0], size)

    margin = _margin(layout)
    cuts = paginate(layout, page_px[1])
    small = fonts.get(17 * layout.scale)
    grey = "#57606a"
    end = _content_end(layout)
    for i, (top, bottom) in enumerate(cuts):
        pdf.add_page()
        oy = (0 if i == 0 else margin) - top
        for el in layout.elements:
            y = _top(el)
            if top - 0.5 <= y < bottom - 0.5 and y < end - 0.5:
                writer.element(el, oy)
        number = words("page.number", n=i + 1, total=len(cuts)) if len(cuts) > 1 else ""
        used = fonts.width(number, small) + margin * 0.5 if number else 0.0
        base = page_px[1] - margin * 0.45
        if i:  # running title and page numbers: pagination artifacts; the note is read once, on page 1
            _margin_text(writer, fonts, title, small, margin, margin * 0.6, page_px[0] - 2 * margin, grey, "Artifact")
        if number:
            _margin_text(writer, fonts, number, small, page_px[0] - margin - used + margin * 0.5, base, used, grey,
                         "Artifact")
        _margin_text(writer, fonts, note, small, margin, base, page_px[0] - 2 * margin - used, grey,
                     "Artifact" if i else "")
    return bytes(pdf.output())


def _margin_text(writer: _Writer, fonts: Fonts, text: str, font: object, x: float, baseline: float, width: float,
                 color: str, tag: str) -> None:
    from maskrender.report.text import Font

    assert isinstance(font, Font)
    fitted = fonts.fit(text, font, width)
    runs = fonts.runs(fitted, font)
    if runs:
        w = runs[-1].x + runs[-1].width
        el = Text(x, baseline, fitted, font, color, "start", Box(x, baseline - font.px, width, font.px * 1.3), w, runs,
                  tag)
        writer.element(el, 0.0)
