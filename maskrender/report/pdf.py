"""Write a report as a PDF: the raster report cut into pages at the layout's break points.

The sheet is laid out at the page's width in pixels at the chosen DPI; when it is taller
than a page, it is cut between blocks (never through a panel row) and the pages after the
first repeat the title in their top margin.  Every page carries the report's note (the
sheet's footer moves into the page margin) and, when there are several, its number.  Pillow writes
the PDF (one image per page, at the DPI, so the paper size is exact).
"""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

from maskrender.report.layout import Layout
from maskrender.report.text import Fonts

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
    margin = round(40 * layout.scale)
    footer = layout.boxes.get("footer")
    end = round(footer.y) if footer is not None else layout.height
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


def pdf_bytes(sheet: Image.Image, layout: Layout, page: tuple[int, int], dpi: float, *, title: str = "",
              subject: str = "", note: str = "", fonts: Fonts | None = None) -> bytes:
    """The PDF of ``sheet`` (drawn from ``layout``) on pages of ``page`` pixels at ``dpi``."""
    fonts = fonts or Fonts()
    pw, ph = page
    margin = round(40 * layout.scale)
    small = fonts.get(11 * layout.scale)
    ft = fonts.freetype(small)
    cuts = paginate(layout, ph)
    images: list[Image.Image] = []
    for i, (top, bottom) in enumerate(cuts):
        im = Image.new("RGB", (pw, ph), (255, 255, 255))
        y = 0 if i == 0 else margin
        im.paste(sheet.crop((0, top, min(sheet.width, pw), bottom)), (0, y))
        draw = ImageDraw.Draw(im)
        grey = (110, 119, 129)
        if i:
            head = fonts.fit(title, small, pw - 2 * margin)
            draw.text((margin, margin * 0.6), head, font=fonts.freetype(small, head), fill=grey, anchor="ls")
        number = f"page {i + 1} of {len(cuts)}" if len(cuts) > 1 else ""
        used = fonts.width(number, small) + margin * 0.5 if number else 0.0
        if number:
            draw.text((pw - margin, ph - margin * 0.45), number, font=ft, fill=grey, anchor="rs")
        line = fonts.fit(note, small, pw - 2 * margin - used)
        if line:
            draw.text((margin, ph - margin * 0.45), line, font=fonts.freetype(small, line), fill=grey, anchor="ls")
        images.append(im)
    buf = io.BytesIO()
    images[0].save(buf, "PDF", resolution=float(dpi), save_all=True, append_images=images[1:], quality=92,
                   title=title, subject=subject, creator="maskrender", producer="maskrender")
    return buf.getvalue()
