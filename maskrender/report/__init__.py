"""Report images: a photo with its masks, and one panel of metrics per algorithm.

A report has a header (title, subject, date of the analysis), the photo with every selected
mask and a legend in the colours drawn, a summary, and one panel per algorithm: a thumbnail
with that algorithm's masks, its main score with grade and gauge, sub-metrics with units and
a per-area table.  Failed algorithms show as "not available".  Two layouts extend it: the
three sides (``image_left``/``image_right``: left | front | right, each with its own masks)
and before/after (``before``: two visits side by side, every metric with its change, judged
better or worse).  Output: PNG, JPEG, WebP, SVG (vector text and masks), PDF (A4 or Letter)
and a self-contained HTML page.

The work is split in stages a test can look at one by one, each one module (its helpers named
after it):

1. ``content`` (results to strings, grades and changes; the data types in ``content_types``);
2. ``layout`` (pure: the content placed as a display list of ``elements``, built with the
   ``layout_parts`` it composes);
3. ``scene`` (the photos and every mask's colour);
4. the writers, one per kind of output: ``picture`` (PNG, JPEG, WebP; encoded by ``encoding``),
   ``svgpage``, ``html`` and ``pdf`` (its masks in ``pdfmasks``, its structure tags in ``pdftags``).

Examples
--------
>>> import maskrender.report as mrr, tempfile, os
>>> report = mrr.build_report("fixtures/results_list.json", "fixtures/restored.jpg", title="Visit 3",
...                           subject="ID 0042", width=900)
>>> im = report.image()
>>> im.size[0], im.mode
(900, 'RGB')
>>> "Average" in report.svg() and report.html().startswith("<!DOCTYPE html>")
True
>>> out = mrr.report_file("fixtures/pores.json", os.path.join(tempfile.mkdtemp(), "r.pdf"),
...                       "fixtures/restored.jpg")
>>> out.read_bytes()[:5]
b'%PDF-'
"""

from __future__ import annotations

import math
import os
import sys
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, TYPE_CHECKING, TypedDict, overload

from PIL import Image

from maskrender.aliases import selection
from maskrender.atomic import atomic_write
from maskrender.defaults import (
    MASK_SET,
    MASK_SETS,
    QUALITY,
    REPORT_COMPRESS_LEVEL,
    REPORT_DPI,
    REPORT_PAGE,
    MaskSet,
    Page,
    renamed_keywords,
)
from maskrender.errors import InputError, OutputError, SelectionError
from maskrender.formats import format_named
from maskrender.image import PhotoSource
from maskrender.model import Result, Results
from maskrender.names import available_names, require_known
from maskrender.outputs import check_canvas, check_output
from maskrender.parse import Source, load
from maskrender.report.content import build_panels, creation_date, summary_table
from maskrender.report.content_types import PhotoSpec, ReportContent
from maskrender.report.elements import Layout
from maskrender.report.encoding import encode_picture
from maskrender.report.fonts import FontChain
from maskrender.report.i18n import Catalogue, LangSource, load_catalogue
from maskrender.report.layout import layout_report
from maskrender.report.pdf import PAGE_SIZES, page_pixels, paginate
from maskrender.report.picture import draw_layout
from maskrender.report.scene import Scene, Slot, open_slot_photo
from maskrender.report.svgpage import layout_svg
from maskrender.report.text import Fonts, isolate
from maskrender.report.theme import THEME, Theme
from maskrender.style import Style

if sys.version_info >= (3, 11):  # run time too: typing.get_type_hints(render_file) resolves
    from typing import Unpack
elif TYPE_CHECKING:  # Python 3.10: the type checker's own copy, no run-time dependency
    from typing_extensions import Unpack

__all__ = ["PAGE_SIZES", "Report", "ReportOptions", "Theme", "build_report", "report_file"]

_WORDS = ("not_available", "no_mask", "no_mask_drawn", "no_metric")
"""The catalogue's words the layout uses as they are (headings are added under short names)."""


@dataclass
class Report:
    """A laid-out report, ready to be written in any format.

    Attributes
    ----------
    layout : Layout
        Boxes and the display list (see :mod:`maskrender.report.elements`).
    content : ReportContent
        What the report says.
    scene : Scene
        The photos and masks, with their colours.
    page : str
        The paper size of :meth:`pdf` (``A4`` or ``Letter``).
    dpi : float
        Pixels per inch of the paper formats (and the resolution PNG and JPEG files carry).
    """

    layout: Layout
    content: ReportContent
    scene: Scene
    page: str = REPORT_PAGE
    dpi: float = REPORT_DPI
    columns: int | None = None
    subject: str = ""
    date: str | None = None
    words: Catalogue = field(default_factory=load_catalogue)
    fonts: Fonts = field(default_factory=Fonts)
    theme: Theme = THEME

    def __repr__(self) -> str:
        return (f"<Report {self.content.title[:60]!r}: {len(self.content.panels)} panels, "
                f"{self.layout.width}x{self.layout.height} px, {self.page} at {self.dpi:g} dpi>")

    def image(self) -> Image.Image:
        """The report as an RGB image, ``layout.width`` pixels wide (its size checked against
        ``limits.MAX_CANVAS_PIXELS`` before it is allocated)."""
        check_canvas((self.layout.width, self.layout.height), "report page")
        return draw_layout(self.layout, self.scene, background=self.theme.paper)

    def svg(self) -> str:
        """The report as an SVG document (text as ``<text>`` in embedded fonts, masks as vectors)."""
        return layout_svg(self.layout, self.scene, title=self.content.title)

    def html(self) -> str:
        """The report as one self-contained HTML page: real text and tables, masks as inline SVG, no script."""
        from maskrender.report.html import html_page

        return html_page(self, id_prefix="r")

    def _repr_html_(self) -> str:
        """The report as an HTML fragment for Jupyter (styles scoped to it, ids unique to this output)."""
        from maskrender.report.html import html_page

        return html_page(self, fragment=True, id_prefix=f"r{uuid.uuid4().hex[:8]}")

    def pdf(self) -> bytes:
        """The report as a PDF on ``page`` paper: vector text in embedded subset fonts, masks as vectors."""
        from maskrender.report.pdf import pdf_bytes

        return pdf_bytes(self.pdf_layout(), self.scene, page=self.page, dpi=self.dpi, title=self.content.title,
                         subject=self.subject, date=self.date, note=self.content.note, words=self.words,
                         fonts=self.fonts, language=self.words.language, alt=self.alt_texts())

    def pdf_layout(self) -> Layout:
        """The layout the PDF draws: at the page's width and, unless ``columns`` was given, the packing
        of the fewest pages (one more column of panels, then also a smaller photo, when that saves one).

        >>> import maskrender.report as mrr
        >>> mrr.build_report("fixtures/results_list.json", "fixtures/restored.jpg").pdf_layout().width
        1240
        """
        width, height = page_pixels(self.page, self.dpi)
        layout = self.layout
        if layout.width != width:
            layout = layout_report(self.content, width, columns=self.columns, fonts=self.fonts, theme=self.theme)
        if self.columns is None and len(paginate(layout, height)) > 1:
            # one more column of panels, and a smaller photo beside the legend, may save a page
            pages = len(paginate(layout, height))
            for theme in (self.theme, replace(self.theme, hero=self.theme.hero * 0.85)):
                packed = layout_report(self.content, width, columns=self.theme.columns + 1, fonts=self.fonts,
                                       theme=theme)
                if len(paginate(packed, height)) < pages:
                    return packed
        return layout

    def alt_texts(self) -> dict[tuple[str, str | None], str]:
        """Each picture's alternative text, by ``(slot, algorithm)`` (``None``: the photo with every mask).

        >>> import maskrender.report as mrr
        >>> mrr.build_report("fixtures/pores.json", "fixtures/restored.jpg").alt_texts()[("front", None)]
        'photo with the masks: Pores'
        """
        c, w = self.content, self.words
        names = ", ".join(i.name for i in c.legend) or c.word("no_mask_drawn")
        out: dict[tuple[str, str | None], str] = {
            (ph.key, None): w("a11y.photo", label=ph.label, masks=names).strip() for ph in c.photos}
        for p in c.panels:
            for key, label in zip(c.thumbs, c.thumb_labels or ("",) * len(c.thumbs), strict=True):
                out[(key, p.algorithm)] = w("a11y.thumbnail", title=f"{p.title} {label}".strip())
        return out


def _results(data: Results | Result | Source) -> Results:
    if isinstance(data, Results):
        return data
    if isinstance(data, Result):
        return Results([data])
    return load(data)  # its errors name the source and the JSON path already: they pass as they are


class ReportOptions(TypedDict, total=False):
    """The keyword options of :func:`build_report` that :func:`report_file` passes on: a type checker
    refuses a misspelt one.

    >>> opts: ReportOptions = {"mask_set": "original", "title": "Visit 3", "page": "Letter"}
    >>> "mask_set" in ReportOptions.__annotations__
    True
    """

    image_left: PhotoSource | None
    image_right: PhotoSource | None
    before: Results | Result | Source | None
    before_image: PhotoSource | None
    only: Sequence[str] | None
    title: str | None
    subject: str | None
    mask_set: MaskSet
    style: Style | None
    width: int | None
    page: Page | None
    dpi: float
    columns: int | None
    strict: bool
    note: str | None
    lang: LangSource
    fonts: Sequence[str | os.PathLike[str]]
    theme: Theme


@renamed_keywords(masks="mask_set")
def build_report(
    data: Results | Result | Source,
    image: PhotoSource | None = None,
    *,
    image_left: PhotoSource | None = None,
    image_right: PhotoSource | None = None,
    before: Results | Result | Source | None = None,
    before_image: PhotoSource | None = None,
    only: Sequence[str] | None = None,
    title: str | None = None,
    subject: str | None = None,
    mask_set: MaskSet = MASK_SET,
    style: Style | None = None,
    width: int | None = None,
    page: Page | None = None,
    dpi: float = REPORT_DPI,
    columns: int | None = None,
    strict: bool = False,
    note: str | None = None,
    lang: LangSource = None,
    fonts: Sequence[str | os.PathLike[str]] = (),
    theme: Theme = THEME,
) -> Report:
    """Load, select and lay out a report; write it with the returned :class:`Report`'s methods.

    Parameters
    ----------
    data : Results, Result, or anything :func:`maskrender.load` reads
        The analysis to report.
    image : photo, optional
        The photo the masks belong to (``mask_set="restored"``: the face-aligned image).
        Without it, masks are drawn on a neutral canvas.
    image_left, image_right : photo, optional
        Side photos: the report shows left | front | right, each with its own side's masks.
    before, before_image : optional
        An earlier result of the same subject (and its photo): the report shows both
        visits side by side and every metric's change.
    only : sequence of str, optional
        Algorithms (or families, or mask tech names) to keep.
    title, subject : str, optional
        Header texts (any Unicode; long ones wrap or are cut with an ellipsis).
    mask_set : {"restored", "original"}
        Which mask set to draw (default ``restored``).
    style : Style, optional
        Mask colours, opacity and sizes, as for :func:`maskrender.render`.
    width : int, optional
        Sheet width in pixels (default: the page's width at ``dpi``, 1240 for A4 at 150 DPI).
    page : {"A4", "Letter"}, optional
        Paper size for the width (raster formats) and for the PDF (default A4).
    dpi : float
        Resolution of the paper size.
    columns : int, optional
        Panels per row (default: the theme's, 2).
    strict : bool
        Refuse a photo whose aspect ratio differs from the masks' view_box.
    note : str, optional
        The one-line disclaimer at the bottom (default: the catalogue's).
    lang : str, path or mapping, optional
        The report's words: ``"en"`` (default), ``"de"``, or a JSON catalogue file
        (:mod:`maskrender.report.i18n`).
    fonts : sequence of paths
        Font files tried before the bundled and the system's (:mod:`maskrender.report.fonts`).
    theme : Theme
        Colours and sizes (:mod:`maskrender.report.theme`).

    Examples
    --------
    >>> r = build_report("fixtures/sides_result.json", "fixtures/restored.jpg",
    ...                  image_left="fixtures/left.jpg", image_right="fixtures/right.jpg", width=800)
    >>> [k for k in r.layout.boxes if k.startswith("photo:")]
    ['photo:left', 'photo:front', 'photo:right']
    """
    if mask_set not in MASK_SETS:
        raise InputError(f"mask_set must be restored or original, not {mask_set!r}")
    only = selection(only)  # a string is one name, not its characters
    if dpi <= 0 or dpi > 1200:
        raise InputError(f"dpi must be between 1 and 1200, not {dpi!r}")
    try:
        page_px = page_pixels(page or REPORT_PAGE, dpi)
    except ValueError as err:
        raise InputError(str(err)) from None
    if width is None:
        width = page_px[0]
        if width < 320:  # the user chose the DPI, not the width: say what to change
            least = math.ceil(320 / (page_px[0] / dpi))
            raise InputError(f"dpi {dpi:g} makes an {_page_name(page)} page {width} px wide, and a report needs at "
                             f"least 320 px: use at least {least} dpi")
    if not 320 <= width <= 10000:
        raise InputError(f"width must be between 320 and 10000 pixels, not {width}")
    if before is not None and (image_left is not None or image_right is not None):
        raise InputError("a before/after report shows the front photos only: drop image_left/image_right")
    words = load_catalogue(lang)
    chain = Fonts(FontChain(fonts))
    results = _results(data)
    earlier = _results(before) if before is not None else None
    panels = build_panels(results, earlier, only=only, mask_set=mask_set, words=words)
    if only and not panels:
        shown = [results, *([earlier] if earlier else [])]  # what selects a panel: algorithms, this set's masks
        names = available_names([m for rs in shown for m in rs.masks(mask_set=mask_set, side=None)])
        names = sorted({*names, *(r.algorithm for rs in shown for r in rs if r.algorithm)}, key=str.casefold)
        raise SelectionError(f"{results.source}: nothing matches {', '.join(only)}; "
                             f"there are: {', '.join(names) or 'no algorithms at all'}")

    if style is not None and style.fills:
        pool = (*results.all_masks(), *(earlier.all_masks() if earlier is not None else ()))
        require_known(list(style.fills), pool, what="fill", source=results.source)
    date = creation_date(results)
    slots: list[Slot] = []
    thumbs: tuple[str, ...] = ("front",)
    thumb_labels: tuple[str, ...] = ()
    if earlier is not None:
        then = creation_date(earlier)
        slots.append(Slot("before", _dated(words("photo.before"), words.date(then)), earlier, "front",
                          open_slot_photo(before_image)))
        slots.append(Slot("front", _dated(words("photo.after"), words.date(date)), results, "front",
                          open_slot_photo(image)))
        thumbs, thumb_labels = ("before", "front"), (words("photo.before"), words("photo.after"))
        when = " → ".join(isolate(d) for d in (words.date(then), words.date(date)) if d)
    else:
        if image_left is not None:
            slots.append(Slot("left", words("photo.left"), results, "left", open_slot_photo(image_left)))
        slots.append(Slot("front", words("photo.front") if len(slots) or image_right is not None else "", results,
                          "front", open_slot_photo(image)))
        if image_right is not None:
            slots.append(Slot("right", words("photo.right"), results, "right", open_slot_photo(image_right)))
        when = isolate(words.date(date, with_time=True))
    scene = Scene(slots, mask_set=mask_set, only=only, style=style, strict=strict)

    failed = sum(1 for p in panels if not p.available)
    count = words.count("meta.algorithms", len(panels)) if panels else ""
    if failed:
        count += ", " + words("meta.failed", n=failed)
    meta = tuple(m for m in (words("meta.subject", subject=isolate(subject)) if subject else "", when, count) if m)
    content = ReportContent(
        title=title or words("title.default"),
        panels=tuple(panels),
        photos=tuple(PhotoSpec(s.key, s.label, scene.aspect(s.key)) for s in slots),
        meta=meta,
        thumbs=thumbs,
        thumb_labels=thumb_labels,
        legend=tuple(scene.legend()),
        summary=summary_table(panels, compare=earlier is not None, words=words),
        note=words("note") if note is None else note,
        compare=earlier is not None,
        words={"masks": words("heading.masks"), "summary": words("heading.summary"),
               "results": words("heading.results"), **{k: words(k) for k in _WORDS}},
        language=words.language,
    )
    try:
        layout = layout_report(content, width, columns=columns, fonts=chain, theme=theme)
    except ValueError as err:
        raise InputError(str(err)) from None
    return Report(layout, content, scene, page=_page_name(page), dpi=dpi, columns=columns, subject=subject or "",
                  date=date, words=words, fonts=chain, theme=theme)


def _dated(label: str, day: str) -> str:
    return f"{label} · {isolate(day)}" if day else label


def _page_name(page: str | None) -> str:
    if page is None:
        return REPORT_PAGE
    return next(k for k in PAGE_SIZES if k.lower() == page.strip().lower())


@overload
def report_file(data: Results | Result | Source, output: str | os.PathLike[str], image: PhotoSource | None = ...,
                *, format: str | None = ..., quality: int = ..., compress_level: int = ...,
                **options: Unpack[ReportOptions]) -> Path: ...
@overload
def report_file(data: Results | Result | Source, output: IO[bytes], image: PhotoSource | None = ...,
                *, format: str | None = ..., quality: int = ..., compress_level: int = ...,
                **options: Unpack[ReportOptions]) -> IO[bytes]: ...
@renamed_keywords(masks="mask_set")
def report_file(
    data: Results | Result | Source,
    output: str | os.PathLike[str] | IO[bytes],
    image: PhotoSource | None = None,
    *,
    format: str | None = None,
    quality: int = QUALITY,
    compress_level: int = REPORT_COMPRESS_LEVEL,
    **options: Unpack[ReportOptions],
) -> Path | IO[bytes]:
    """Write a report to ``output`` (a path, written atomically, or a binary file object); the format
    follows the extension, or ``format`` (which a file object needs, as Pillow's ``save(fp, format=)``).

    ``.png``, ``.jpg``/``.jpeg``, ``.webp``, ``.svg``, ``.pdf`` or ``.html``/``.htm``.
    ``options`` are those of :func:`build_report` (:class:`ReportOptions`); ``quality`` is for JPEG/WebP and
    ``compress_level`` for PNG (1, the default, is the fast writer: ~15 ms for a 1240 px page;
    6-9 make files about 12% smaller at 10-30x the time).  An output that is one of the inputs (the
    same path, or the same file through a link) is refused before anything is read or written; a
    page larger than ``limits.MAX_CANVAS_PIXELS`` before it is drawn.  Returns the output path or
    the file object.

    >>> import io, tempfile, os
    >>> report_file("fixtures/pores.json", os.path.join(tempfile.mkdtemp(), "r.svg")).suffix
    '.svg'
    >>> report_file("fixtures/pores.json", io.BytesIO(), format="pdf").getvalue()[:5]
    b'%PDF-'
    """
    inputs = [data, image, *(options.get(k) for k in ("image_left", "image_right", "before", "before_image", "lang")),
              *(options.get("fonts") or ())]
    if hasattr(output, "write"):
        if format is None:
            raise OutputError("a file object needs format= (png, jpeg, webp, svg, pdf or html), as Pillow's "
                              "save(fp, format=)")
        out = None
        fmt = format_named(format, "report").name.upper()
    else:
        out = Path(output)
        fmt = check_output(out, "report", inputs).name.upper()
        if format is not None:
            fmt = format_named(format, "report").name.upper()
    if fmt in ("JPEG", "WEBP", "PNG"):  # checked before the work, like the rest
        encode_picture(Image.new("RGB", (1, 1)), fmt, dpi=1.0, quality=quality, compress_level=compress_level)
    report = build_report(data, image, **options)
    if fmt == "SVG":
        payload = report.svg().encode("utf-8")
    elif fmt == "HTML":
        payload = report.html().encode("utf-8")
    elif fmt == "PDF":
        payload = report.pdf()
    else:
        payload = encode_picture(report.image(), fmt, dpi=report.dpi, quality=quality, compress_level=compress_level)
    if out is None:
        output.write(payload)  # type: ignore[union-attr]
        return output  # type: ignore[return-value]
    atomic_write(out, payload)
    return out
