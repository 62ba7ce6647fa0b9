"""Where everything goes: a report's content in, boxes and a display list out.

:func:`layout_report` is pure (no files, no photos, no drawing): it measures text with the
bundled font and returns a :class:`Layout`, a list of simple drawing elements
(:class:`Rect`, :class:`Text`, :class:`Line`, :class:`Circle` and :class:`Photo` slots)
with absolute coordinates in output pixels, plus the named boxes of its parts
(``header``, ``photo:front``, ``legend``, ``summary``, ``panel:<algorithm>``, ``footer``)
and the y positions where a page may break.  Every writer (raster, SVG, HTML, PDF) draws
the same display list, so the formats agree and tests can check the geometry directly:
panels never intersect and every text fits the box it was fitted to.

Sizes are designed for a 1240 px wide sheet (A4 at 150 DPI) and scale with the width.

Examples
--------
>>> import maskrender as mr
>>> from maskrender.report.content import build_panels
>>> content = ReportContent(title="Visit 3", panels=tuple(build_panels(mr.load("fixtures/results_list.json"))),
...                         photos=(PhotoSpec("front", "", 1.0),))
>>> page = layout_report(content, width=1240)
>>> page.width, page.boxes["photo:front"].w > 400, len([k for k in page.boxes if k.startswith("panel:")])
(1240, True, 7)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Union

from maskrender.kinds import KINDS
from maskrender.report.content import GRADE_COLORS, MUTED, NOTE, Cell, PanelContent, Table, grade_color
from maskrender.report.text import Font, Fonts

__all__ = [
    "BASE_WIDTH",
    "Box",
    "Circle",
    "Element",
    "Layout",
    "LegendItem",
    "Line",
    "Photo",
    "PhotoSpec",
    "Rect",
    "ReportContent",
    "Text",
    "layout_report",
]

BASE_WIDTH = 1240.0
"""The sheet width the sizes below are designed for (A4 at 150 DPI); other widths scale."""

INK = "#1f2328"
PAPER = "#ffffff"
CARD = "#f6f8fa"
RULE = "#d0d7de"
PLACEHOLDER = "#e6e9ed"
GRADE_ORDER = ("Bad", "Poor", "Average", "Good", "Great", "Excellent")
GRADE_SPANS = ((0, 30), (30, 50), (50, 70), (70, 80), (80, 90), (90, 100))


@dataclass(frozen=True)
class Box:
    """An axis-aligned box in output pixels."""

    x: float
    y: float
    w: float
    h: float

    @property
    def right(self) -> float:
        """``x + w``."""
        return self.x + self.w

    @property
    def bottom(self) -> float:
        """``y + h``."""
        return self.y + self.h

    @property
    def center(self) -> tuple[float, float]:
        """The centre point."""
        return (self.x + self.w / 2, self.y + self.h / 2)

    def intersects(self, other: Box) -> bool:
        """Whether the two boxes share any area (touching edges do not count)."""
        return (self.x < other.right and other.x < self.right
                and self.y < other.bottom and other.y < self.bottom)

    def contains(self, other: Box, tol: float = 0.5) -> bool:
        """Whether ``other`` lies inside this box (within ``tol`` pixels)."""
        return (other.x >= self.x - tol and other.y >= self.y - tol
                and other.right <= self.right + tol and other.bottom <= self.bottom + tol)


@dataclass(frozen=True)
class Rect:
    """A filled and/or stroked rectangle."""

    box: Box
    fill: str | None
    stroke: str | None = None
    stroke_width: float = 0.0
    opacity: float = 1.0


@dataclass(frozen=True)
class Line:
    """A straight stroke with round caps."""

    x0: float
    y0: float
    x1: float
    y1: float
    color: str
    width: float


@dataclass(frozen=True)
class Circle:
    """A filled disc."""

    cx: float
    cy: float
    r: float
    fill: str


@dataclass(frozen=True)
class Text:
    """One line of text, already fitted to ``box``; ``y`` is the baseline.

    ``anchor`` is ``start``, ``middle`` or ``end`` (SVG's ``text-anchor``); ``width`` is the
    measured advance width in the bundled font.
    """

    x: float
    y: float
    text: str
    font: Font
    color: str
    anchor: str
    box: Box
    width: float

    @property
    def extent(self) -> Box:
        """The horizontal span the text takes, over its line box."""
        left = {"start": self.x, "middle": self.x - self.width / 2, "end": self.x - self.width}[self.anchor]
        return Box(left, self.box.y, self.width, self.box.h)


@dataclass(frozen=True)
class Photo:
    """A photo slot: the photo of ``slot`` with the masks of ``algorithm`` (``None``: all)."""

    box: Box
    slot: str
    algorithm: str | None = None


Element = Union[Rect, Line, Circle, Text, Photo]


@dataclass(frozen=True)
class PhotoSpec:
    """A photo of the report: its slot key (``front``, ``left``, ``before`` ...), label, aspect."""

    key: str
    label: str
    aspect: float


@dataclass(frozen=True)
class LegendItem:
    """One legend entry: a mask's display name and the colour it is drawn in."""

    name: str
    color: str
    mask_type: str


@dataclass(frozen=True)
class ReportContent:
    """Everything a report says, ready to be laid out.

    ``photos`` are the photos of the top row (one, left/front/right, or before/after);
    ``thumbs`` the slot keys each panel shows a thumbnail of (``("front",)`` or
    ``("before", "after")``).
    """

    title: str
    panels: tuple[PanelContent, ...] = ()
    photos: tuple[PhotoSpec, ...] = ()
    meta: tuple[str, ...] = ()
    thumbs: tuple[str, ...] = ("front",)
    thumb_labels: tuple[str, ...] = ()
    legend: tuple[LegendItem, ...] = ()
    summary: Table | None = None
    note: str = NOTE
    compare: bool = False


@dataclass(frozen=True)
class Layout:
    """A laid-out report: size, display list, named boxes and allowed page breaks."""

    width: int
    height: int
    elements: tuple[Element, ...]
    boxes: dict[str, Box] = field(default_factory=dict)
    breaks: tuple[float, ...] = ()
    scale: float = 1.0

    def texts(self) -> list[Text]:
        """Every text element."""
        return [e for e in self.elements if isinstance(e, Text)]

    def panel_boxes(self) -> dict[str, Box]:
        """The box of each algorithm's panel, by algorithm."""
        return {k.removeprefix("panel:"): b for k, b in self.boxes.items() if k.startswith("panel:")}


def _luminance(hex_color: str) -> float:
    r, g, b = (int(hex_color[i:i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _share(needs: Sequence[float], avail: float) -> list[float]:
    """Widths for columns wanting ``needs`` in ``avail``: all of it if it fits, else capped fairly.

    >>> _share([50, 20, 30], 200), _share([300, 20, 100], 200)
    ([50, 20, 30], [90.0, 20, 90.0])
    """
    if sum(needs) <= avail:
        return list(needs)
    order = sorted(needs)
    left, count = avail, len(order)
    for v in order:  # water-filling: the cap c with sum(min(need, c)) == avail
        if v * count > left:
            break
        left -= v
        count -= 1
    cap = left / count if count else avail / len(needs)
    return [min(v, cap) for v in needs]


class _Builder:
    """Accumulates elements; all sizes go through ``u`` (a base-width unit)."""

    def __init__(self, width: int, fonts: Fonts) -> None:
        self.s = width / BASE_WIDTH
        self.fonts = fonts
        self.out: list[Element] = []
        self.boxes: dict[str, Box] = {}

    def u(self, v: float) -> float:
        return v * self.s

    def font(self, size: float, bold: bool = False) -> Font:
        return self.fonts.get(size * self.s, bold)

    def text(self, text: str, box: Box, font: Font, color: str = INK, anchor: str = "start") -> float:
        """One fitted line in ``box`` (vertically centred); returns the width used."""
        fitted = self.fonts.fit(text, font, box.w)
        width = self.fonts.width(fitted, font)
        x = {"start": box.x, "middle": box.x + box.w / 2, "end": box.right}[anchor]
        y = box.y + (box.h - self.fonts.line_height(font)) / 2
        if fitted:
            self.out.append(Text(x, self.fonts.baseline(y, font), fitted, font, color, anchor, box, width))
        return width

    def lines(self, text: str, x: float, y: float, w: float, font: Font, color: str = INK,
              max_lines: int = 2) -> float:
        """Wrapped text from ``(x, y)``; returns the height used."""
        lh = self.fonts.line_height(font)
        rows = self.fonts.wrap(text, font, w, max_lines=max_lines)
        for i, row in enumerate(rows):
            self.text(row, Box(x, y + i * lh, w, lh), font, color)
        return len(rows) * lh

    def pill(self, label: str, x: float, y: float, max_w: float, fill: str, font: Font) -> Box:
        """A grade label: coloured box with the word inside; returns its box."""
        pad = self.u(7)
        h = self.fonts.line_height(font) + self.u(2)
        inner = min(self.fonts.width(label, font), max(0.0, max_w - 2 * pad))
        box = Box(x, y, inner + 2 * pad, h)
        self.out.append(Rect(box, fill))
        ink = INK if _luminance(fill) > 0.5 else PAPER
        self.text(label, Box(x + pad, y + self.u(1), inner, h - self.u(2)), font, ink)
        return box

    def gauge(self, box: Box, score: float, before: float | None = None) -> None:
        """A ``bad_good_line`` gauge: six grade segments and a marker at ``score``."""
        for grade, (lo, hi) in zip(GRADE_ORDER, GRADE_SPANS, strict=True):
            self.out.append(Rect(Box(box.x + box.w * lo / 100, box.y, box.w * (hi - lo) / 100, box.h),
                                 GRADE_COLORS[grade]))
        mw = self.u(3.5)
        over = self.u(3.5)
        if before is not None:
            bx = box.x + box.w * before / 100 - mw / 2
            self.out.append(Rect(Box(bx, box.y - over, mw, box.h + 2 * over), PAPER, MUTED, self.u(1.2)))
        x = box.x + box.w * score / 100 - mw / 2
        self.out.append(Rect(Box(x, box.y - over, mw, box.h + 2 * over), INK))

    def swatch(self, box: Box, item: LegendItem) -> None:
        """A legend swatch in the mask's colour, shaped by its mask type."""
        c = item.color
        kind = KINDS.get(item.mask_type)
        legend = kind.legend if kind is not None else "area"
        if legend == "dot":
            r = box.h * 0.2
            for i in range(3):
                self.out.append(Circle(box.x + box.w * (0.2 + 0.3 * i), box.y + box.h * (0.65 if i % 2 else 0.35),
                                       r, c))
        elif legend == "line":
            self.out.append(Line(box.x + box.h * 0.15, box.bottom - box.h * 0.2, box.right - box.h * 0.15,
                                 box.y + box.h * 0.2, c, max(1.0, box.h * 0.2)))
        elif legend == "gradient":
            third = box.w / 3
            for i, a in enumerate((0.35, 0.65, 1.0)):
                self.out.append(Rect(Box(box.x + i * third, box.y, third, box.h), c, opacity=a))
        else:
            self.out.append(Rect(box, c))

    def table(self, table: Table, x: float, y: float, w: float) -> float:
        """A small table from ``(x, y)`` across ``w``; returns its height."""
        head = self.font(11.5, bold=True)
        body = self.font(12.5)
        bold = self.font(12.5, bold=True)
        rh = self.fonts.line_height(body) + self.u(4)
        hh = self.fonts.line_height(head) + self.u(3)
        n = len(table.columns)
        numeric = table.numeric or (False,) * n
        gap = self.u(10)
        # Each column wants its longest entry; when they don't all fit, the widest ones are
        # capped at a common width (the others keep what they need) and cells are cut.
        needs = []
        for j in range(n):
            texts = [self.fonts.width(table.columns[j], head)]
            texts += [self.fonts.width(row[j].text, bold if row[j].bold else body)
                      for row in table.rows if j < len(row)]
            needs.append(max(texts) + self.u(1))
        avail = w - gap * (n - 1)
        widths = _share(needs, avail)
        widths[0] += avail - sum(widths)  # the first column takes what is left
        xs = [x]
        for j in range(1, n):
            xs.append(xs[-1] + widths[j - 1] + gap)
        for j, title in enumerate(table.columns):
            self.text(title, Box(xs[j], y, widths[j], hh), head, MUTED, "end" if numeric[j] else "start")
        yy = y + hh
        self.out.append(Line(x, yy, x + w, yy, RULE, max(1.0, self.u(1))))
        for row in table.rows:
            for j, cell in enumerate(row[:n]):
                self._cell(cell, Box(xs[j], yy, widths[j], rh), bold if cell.bold else body,
                           "end" if numeric[j] else "start")
            yy += rh
        return yy - y

    def _cell(self, cell: Cell, box: Box, font: Font, anchor: str) -> None:
        self.text(cell.text, box, font, cell.color or INK, anchor)


def layout_report(content: ReportContent, width: int = 1240, *, columns: int | None = None,
                  fonts: Fonts | None = None) -> Layout:
    """Lay out ``content`` on a sheet ``width`` pixels wide (the height follows the content).

    ``columns`` is the number of panel columns (default 3, or 2 when comparing two visits,
    never more than there are panels).
    """
    if width < 320:
        raise ValueError(f"a report needs at least 320 px of width, not {width}")
    b = _Builder(width, fonts or Fonts())
    u = b.u
    margin, gutter = u(40), u(20)
    cw = width - 2 * margin
    x0 = margin
    y = margin
    breaks: list[float] = []

    # Header: title (up to 2 lines), one line of meta, a rule.
    top = y
    y += b.lines(content.title or "Skin report", x0, y, cw, b.font(28, True), INK, max_lines=2)
    if content.meta:
        meta = b.font(14)
        lh = b.fonts.line_height(meta)
        b.text("  ·  ".join(m for m in content.meta if m), Box(x0, y + u(2), cw, lh), meta, MUTED)
        y += lh + u(2)
    y += u(10)
    b.out.append(Line(x0, y, x0 + cw, y, RULE, max(1.0, u(1.5))))
    y += u(16)
    b.boxes["header"] = Box(x0, top, cw, y - top)

    # Top row: the photo(s) with all selected masks, legend and summary.
    breaks.append(y - u(8))
    y = _hero(b, content, x0, y, cw, gutter)

    # Panels, in rows of equal height.
    if content.panels:
        y += u(8)
        breaks.append(y - u(8))
        h2 = b.font(17, True)
        lh = b.fonts.line_height(h2)
        b.text("Results by algorithm", Box(x0, y, cw, lh), h2)
        y += lh + u(8)
        ncol = max(1, min(columns or (2 if content.compare else 3), len(content.panels)))
        # A lone panel keeps the width of two columns' worth rather than stretching across.
        pw = (cw - (max(ncol, 2) - 1) * gutter) / max(ncol, 2)
        for start in range(0, len(content.panels), ncol):
            if start:
                breaks.append(y - gutter / 2)
            row = content.panels[start:start + ncol]
            built: list[tuple[list[Element], float]] = []
            for i, panel in enumerate(row):
                saved = b.out
                b.out = []
                h = _panel(b, panel, content, x0 + i * (pw + gutter), y, pw)
                built.append((b.out, h))
                b.out = saved
            row_h = max(h for _, h in built)
            for i, (panel, (els, _)) in enumerate(zip(row, built, strict=True)):
                box = Box(x0 + i * (pw + gutter), y, pw, row_h)
                b.out.append(Rect(box, CARD, RULE, max(1.0, u(1))))
                b.out.extend(els)
                b.boxes[f"panel:{panel.key}"] = box
            y += row_h + gutter

    # Footer: the note.
    breaks.append(y - u(4))
    note = b.font(12)
    b.out.append(Line(x0, y, x0 + cw, y, RULE, max(1.0, u(1))))
    used = b.lines(content.note, x0, y + u(8), cw, note, MUTED, max_lines=2)
    b.boxes["footer"] = Box(x0, y, cw, used + u(8))
    y += used + u(8)
    height = round(y + margin * 0.75)
    return Layout(width, height, tuple(b.out), b.boxes, tuple(breaks), b.s)


def _photo_row(b: _Builder, photos: Sequence[PhotoSpec], x0: float, y: float, w: float, gutter: float,
               max_h: float) -> float:
    """Photos side by side at a common height, each with its label above; returns the bottom."""
    n = len(photos)
    cell = (w - (n - 1) * gutter) / n
    h = min(min(cell / p.aspect for p in photos), max_h)
    labelled = any(p.label for p in photos)
    label_font = b.font(15, True)
    lh = b.fonts.line_height(label_font) if labelled else 0.0
    for i, p in enumerate(photos):
        cx = x0 + i * (cell + gutter)
        pw = h * p.aspect
        px = cx + (cell - pw) / 2
        if labelled:
            b.text(p.label, Box(cx, y, cell, lh), label_font, INK, "middle")
        box = Box(px, y + lh + (b.u(4) if labelled else 0.0), pw, h)
        b.out.append(Photo(box, p.key))
        b.boxes[f"photo:{p.key}"] = box
    return y + lh + (b.u(4) if labelled else 0.0) + h


def _legend(b: _Builder, items: Sequence[LegendItem], x: float, y: float, w: float) -> float:
    """The legend's rows from ``y`` across ``w`` (two columns when wide enough); returns the bottom."""
    h2 = b.font(16, True)
    lh = b.fonts.line_height(h2)
    b.text("Masks", Box(x, y, w, lh), h2)
    y += lh + b.u(4)
    font = b.font(13)
    rh = b.fonts.line_height(font) + b.u(5)
    if not items:
        b.text("no mask drawn", Box(x, y, w, rh), font, MUTED)
        return y + rh
    ncol = 2 if w > b.u(520) and len(items) > 3 else 1
    colw = (w - (ncol - 1) * b.u(16)) / ncol
    rows = -(-len(items) // ncol)
    sw, sh = b.u(22), b.u(14)
    for i, item in enumerate(items):
        cx = x + (i // rows) * (colw + b.u(16))
        cy = y + (i % rows) * rh
        b.swatch(Box(cx, cy + (rh - sh) / 2, sw, sh), item)
        b.text(item.name, Box(cx + sw + b.u(8), cy, colw - sw - b.u(8), rh), font)
    bottom = y + rows * rh
    return bottom


def _hero(b: _Builder, content: ReportContent, x0: float, y: float, cw: float, gutter: float) -> float:
    u = b.u
    top = y
    h2 = b.font(16, True)
    lh2 = b.fonts.line_height(h2)
    if len(content.photos) <= 1:
        pw = round(cw * 0.46)
        bottom_photo = y
        if content.photos:
            bottom_photo = _photo_row(b, content.photos, x0, y, pw, gutter, max_h=pw * 1.35)
        else:
            pw = 0
        rx = x0 + pw + (gutter * 1.5 if pw else 0)
        rw = x0 + cw - rx
        ry = _legend(b, content.legend, rx, y, rw)
        b.boxes["legend"] = Box(rx, y, rw, ry - y)
        if content.summary is not None:
            ry += u(18)
            sy = ry
            b.text("Summary", Box(rx, ry, rw, lh2), h2)
            ry += lh2 + u(2)
            ry += b.table(content.summary, rx, ry, rw)
            b.boxes["summary"] = Box(rx, sy, rw, ry - sy)
        y = max(bottom_photo, ry)
    else:
        max_h = cw * 0.62 if len(content.photos) == 2 else cw * 0.45
        y = _photo_row(b, content.photos, x0, y, cw, gutter, max_h=max_h) + u(18)
        lw = cw * 0.38
        ly = _legend(b, content.legend, x0, y, lw)
        b.boxes["legend"] = Box(x0, y, lw, ly - y)
        sy = y
        if content.summary is not None:
            sx = x0 + lw + gutter * 1.5
            sw = x0 + cw - sx
            b.text("Summary", Box(sx, y, sw, lh2), h2)
            sy = y + lh2 + u(2)
            sy += b.table(content.summary, sx, sy, sw)
            b.boxes["summary"] = Box(sx, y, sw, sy - y)
        y = max(ly, sy)
    b.boxes["hero"] = Box(x0, top, cw, y - top)
    return y + u(12)


def _panel(b: _Builder, p: PanelContent, content: ReportContent, x: float, y: float, w: float) -> float:
    """One algorithm's panel at ``(x, y)``, ``w`` wide; returns its content height."""
    u = b.u
    pad = u(12)
    ix, iw = x + pad, w - 2 * pad
    top = y
    yy = y + pad
    yy += b.lines(p.title, ix, yy, iw, b.font(16, True), INK, max_lines=2) + u(6)

    # Thumbnails on the left.
    keys = content.thumbs or ("front",)
    n = len(keys)
    aspect = next((ph.aspect for ph in content.photos if ph.key == keys[0]), 1.0)
    tw = min(iw * (0.36 if n == 1 else 0.24), u(180 if n == 1 else 130))
    th = min(tw / aspect, tw * 1.4)
    tw = th * aspect
    small = b.font(11)
    slh = b.fonts.line_height(small)
    labels = content.thumb_labels or ()
    for i, key in enumerate(keys):
        tx = ix + i * (tw + u(8))
        box = Box(tx, yy, tw, th)
        if key == "before":
            ok, has = p.before_ok, p.has_before_masks
        else:
            ok, has = p.available, p.has_masks
        if ok:
            b.out.append(Photo(box, key, p.algorithm))
            if not has:
                band = Box(tx, yy + th - slh, tw, slh)
                b.out.append(Rect(band, PAPER, opacity=0.75))
                b.text("no mask", band, small, MUTED, "middle")
        else:
            b.out.append(Rect(box, PLACEHOLDER))
            b.text("not available", Box(tx, yy + th / 2 - slh / 2, tw, slh), small, MUTED, "middle")
        if i < len(labels) and labels[i]:
            b.text(labels[i], Box(tx, yy + th + u(2), tw, slh), small, MUTED, "middle")
    thumbs_bottom = yy + th + (slh + u(2) if labels else 0.0)
    rx = ix + n * (tw + u(8)) - u(8) + pad
    rw = ix + iw - rx

    # The main value on the right.
    ry = yy
    if not p.available:
        f = b.font(16, True)
        lh = b.fonts.line_height(f)
        b.text("not available", Box(rx, ry, rw, lh), f, MUTED)
        ry += lh + u(4)
        if p.reason:
            ry += b.lines(p.reason, rx, ry, rw, b.font(12.5), MUTED, max_lines=3)
    elif p.main is None:
        f = b.font(13)
        lh = b.fonts.line_height(f)
        b.text("no metric to show", Box(rx, ry, rw, lh), f, MUTED)
        ry += lh
    else:
        m = p.main
        label = b.font(12.5)
        lh = b.fonts.line_height(label)
        b.text(m.label, Box(rx, ry, rw, lh), label, MUTED)
        ry += lh
        big = b.font(28, True)
        blh = b.fonts.line_height(big)
        used = b.text(m.value, Box(rx, ry, rw, blh), big, grade_color(m.grade, text=True) if m.grade else INK)
        if m.grade:
            pf = b.font(12, True)
            ph = b.fonts.line_height(pf) + u(2)
            px = rx + used + u(10)
            if rx + rw - px < u(60):  # no room beside the value: below it
                ry += blh
                px, py = rx, ry
                ry += ph + u(4)
            else:
                py = ry + (blh - ph) / 2
                ry += blh
            b.pill(m.grade, px, py, rx + rw - px, GRADE_COLORS.get(m.grade, MUTED), pf)
        else:
            ry += blh
        if m.score is not None:
            ry += u(6)
            b.gauge(Box(rx, ry, rw, u(9)), m.score, m.before_score if content.compare else None)
            ry += u(9) + u(10)
        if content.compare:
            f = b.font(12.5)
            lh = b.fonts.line_height(f)
            was = f"before: {m.before_value}" + (f" · {m.before_grade}" if m.before_grade else "") \
                if m.before_value is not None else "before: –"
            b.text(was, Box(rx, ry, rw, lh), f, MUTED)
            ry += lh
            if m.change is not None:
                cf = b.font(14, True)
                clh = b.fonts.line_height(cf)
                b.text(m.change.text, Box(rx, ry, rw, clh), cf, m.change.color)
                ry += clh
        elif p.details is not None:
            ry += u(4)
            ry += b.table(p.details, rx, ry, rw)
    yy = max(thumbs_bottom, ry) + u(10)

    # Tables across the panel.
    if content.compare and p.details is not None:
        yy += b.table(p.details, ix, yy, iw) + u(8)
    if p.areas is not None:
        yy += b.table(p.areas, ix, yy, iw) + u(4)
    for note in p.notes:
        f = b.font(12)
        lh = b.fonts.line_height(f)
        b.text(note, Box(ix, yy, iw, lh), f, MUTED)
        yy += lh
    return yy + pad - top
