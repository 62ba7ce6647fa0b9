"""Where everything goes: a report's content in, a display list out.

:func:`layout_report` is pure (no files, no photos, no drawing): it measures text with the
report's fonts and returns a :class:`~maskrender.report.elements.Layout` with absolute
coordinates in output pixels, the named boxes of its parts (``header``, ``photo:front``,
``legend``, ``summary``, ``panel:<algorithm>``, ``footer``) and the y positions where a page
may break.  Every colour and size comes from a :class:`~maskrender.report.theme.Theme`
(sizes are given for its ``base_width`` and scale with the sheet); the drawing pieces it
composes (tables, gauges, legend swatches, grade labels) live in
:mod:`maskrender.report.layout_parts`.

Examples
--------
>>> import maskrender as mr
>>> from maskrender.report.content_types import PhotoSpec, ReportContent
>>> from maskrender.report.content import build_panels
>>> content = ReportContent(title="Visit 3", panels=tuple(build_panels(mr.load("fixtures/results_list.json"))),
...                         photos=(PhotoSpec("front", "", 1.0),))
>>> page = layout_report(content, width=1240)
>>> page.width, page.boxes["photo:front"].w > 400, len([k for k in page.boxes if k.startswith("panel:")])
(1240, True, 7)
"""

from __future__ import annotations

from collections.abc import Sequence

from maskrender.report.content_types import LegendItem, PanelContent, PhotoSpec, ReportContent
from maskrender.report.elements import Box, Element, Layout, Line, Photo, Rect
from maskrender.report.layout_parts import Builder
from maskrender.report.text import Fonts
from maskrender.report.theme import THEME, Theme

__all__ = ["layout_report"]


def layout_report(content: ReportContent, width: int = 1240, *, columns: int | None = None,
                  fonts: Fonts | None = None, theme: Theme = THEME) -> Layout:
    """Lay out ``content`` on a sheet ``width`` pixels wide (the height follows the content).

    ``columns`` is the number of panel columns (default: the theme's, never more than there
    are panels).
    """
    if width < 320:
        raise ValueError(f"a report needs at least 320 px of width, not {width}")
    b = Builder(width, fonts or Fonts(), theme)
    t, u = theme, b.u
    margin, gutter = u(t.margin), u(t.gutter)
    cw = width - 2 * margin
    x0 = margin
    y = margin
    breaks: list[float] = []

    # Header: title (up to 2 lines), one line of meta, a rule.
    top = y
    y += b.lines(content.title, x0, y, cw, b.font(t.title, True), t.ink, max_lines=2, tag="H1")
    if content.meta:
        meta = b.font(t.meta)
        y += u(2) + b.lines("  ·  ".join(m for m in content.meta if m), x0, y + u(2), cw, meta, t.muted, max_lines=2)
    y += u(10)
    b.out.append(Line(x0, y, x0 + cw, y, t.rule, max(1.0, u(1.5))))
    y += u(16)
    b.boxes["header"] = Box(x0, top, cw, y - top)

    # Top row: the photo(s) with all selected masks, legend and summary.
    breaks.append(y - u(8))
    y = _hero(b, content, x0, y, cw, gutter)

    # Panels, in rows of equal height.
    if content.panels:
        y += u(8)
        breaks.append(y - u(8))
        h2 = b.font(t.section, True)
        lh = b.fonts.line_height(h2)
        b.text(content.word("results"), Box(x0, y, cw, lh), h2, tag="H2")
        y += lh + u(8)
        ncol = max(1, min(columns or t.columns, len(content.panels)))
        # A lone panel keeps the width of two columns' worth rather than stretching across.
        pw = (cw - (max(ncol, 2) - 1) * gutter) / max(ncol, 2) if ncol > 1 or columns is None else cw
        y = _panel_rows(b, content, x0, y, pw, ncol, gutter, breaks)

    # Footer: the note.
    breaks.append(y - u(4))
    note = b.font(t.note)
    b.out.append(Line(x0, y, x0 + cw, y, t.rule, max(1.0, u(1))))
    used = b.lines(content.note, x0, y + u(8), cw, note, t.muted, max_lines=3)
    b.boxes["footer"] = Box(x0, y, cw, used + u(8))
    y += used + u(8)
    height = round(y + margin * 0.75)
    return Layout(width, height, tuple(b.out), b.boxes, tuple(breaks), b.s)


def _photo_row(b: Builder, photos: Sequence[PhotoSpec], x0: float, y: float, w: float, gutter: float,
               max_h: float) -> float:
    """Photos side by side at a common height, each with its label above; returns the bottom."""
    n = len(photos)
    cell = (w - (n - 1) * gutter) / n
    h = min(min(cell / p.aspect for p in photos), max_h)
    labelled = any(p.label for p in photos)
    label_font = b.font(b.theme.label + 2, True)
    lh = b.fonts.line_height(label_font) if labelled else 0.0
    for i, p in enumerate(photos):
        cx = x0 + i * (cell + gutter)
        pw = h * p.aspect
        px = cx + (cell - pw) / 2
        if labelled:
            b.text(p.label, Box(cx, y, cell, lh), label_font, b.theme.ink, "middle")
        box = Box(px, y + lh + (b.u(4) if labelled else 0.0), pw, h)
        b.out.append(Photo(box, p.key))
        b.boxes[f"photo:{p.key}"] = box
    return y + lh + (b.u(4) if labelled else 0.0) + h


def _legend(b: Builder, content: ReportContent, items: Sequence[LegendItem], x: float, y: float, w: float) -> float:
    """The legend's rows from ``y`` across ``w`` (two columns when wide enough); returns the bottom."""
    t = b.theme
    h2 = b.font(t.section - 3, True)
    lh = b.fonts.line_height(h2)
    b.text(content.word("masks"), Box(x, y, w, lh), h2, tag="H2")
    y += lh + b.u(4)
    font = b.font(t.body)
    rh = b.fonts.line_height(font) + b.u(5)
    if not items:
        b.text(content.word("no_mask_drawn"), Box(x, y, w, rh), font, t.muted)
        return y + rh
    ncol = 2 if w > b.u(520) and len(items) > 3 else 1
    colw = (w - (ncol - 1) * b.u(16)) / ncol
    rows = -(-len(items) // ncol)
    sw, sh = b.u(24), b.u(15)
    for i, item in enumerate(items):
        cx = x + (i // rows) * (colw + b.u(16))
        cy = y + (i % rows) * rh
        b.swatch(Box(cx, cy + (rh - sh) / 2, sw, sh), item)
        b.text(item.name, Box(cx + sw + b.u(8), cy, colw - sw - b.u(8), rh), font)
    return y + rows * rh


def _hero(b: Builder, content: ReportContent, x0: float, y: float, cw: float, gutter: float) -> float:
    u, t = b.u, b.theme
    top = y
    h2 = b.font(t.section - 3, True)
    lh2 = b.fonts.line_height(h2)
    if len(content.photos) <= 1:
        pw = round(cw * t.hero)
        bottom_photo = y
        if content.photos:
            bottom_photo = _photo_row(b, content.photos, x0, y, pw, gutter, max_h=pw * 1.35)
        else:
            pw = 0
        rx = x0 + pw + (gutter * 1.5 if pw else 0)
        rw = x0 + cw - rx
        ry = _legend(b, content, content.legend, rx, y, rw)
        b.boxes["legend"] = Box(rx, y, rw, ry - y)
        if content.summary is not None:
            ry += u(18)
            sy = ry
            b.text(content.word("summary"), Box(rx, ry, rw, lh2), h2, tag="H2")
            ry += lh2 + u(2)
            ry += b.table(content.summary, rx, ry, rw)
            b.boxes["summary"] = Box(rx, sy, rw, ry - sy)
        y = max(bottom_photo, ry)
    else:
        max_h = cw * 0.62 if len(content.photos) == 2 else cw * 0.45
        y = _photo_row(b, content.photos, x0, y, cw, gutter, max_h=max_h) + u(18)
        lw = cw * 0.38
        ly = _legend(b, content, content.legend, x0, y, lw)
        b.boxes["legend"] = Box(x0, y, lw, ly - y)
        sy = y
        if content.summary is not None:
            sx = x0 + lw + gutter * 1.5
            sw = x0 + cw - sx
            b.text(content.word("summary"), Box(sx, y, sw, lh2), h2, tag="H2")
            sy = y + lh2 + u(2)
            sy += b.table(content.summary, sx, sy, sw)
            b.boxes["summary"] = Box(sx, y, sw, sy - y)
        y = max(ly, sy)
    b.boxes["hero"] = Box(x0, top, cw, y - top)
    return y + u(12)


def _thumbnails(b: Builder, p: PanelContent, content: ReportContent, ix: float, yy: float, iw: float) -> float:
    """The panel's thumbnails on the left (none when no slot has its masks); returns their width."""
    u, t = b.u, b.theme
    keys = content.thumbs or ("front",)
    shown = [(k, p.before_ok if k == "before" else p.available,
              p.has_before_masks if k == "before" else p.has_masks) for k in keys]
    if not any(ok and has for _, ok, has in shown):
        return 0.0  # a photo without masks repeats the big one: no thumbnail
    n = len(keys)
    aspect = next((ph.aspect for ph in content.photos if ph.key == keys[0]), 1.0)
    tw = min(iw * (0.36 if n == 1 else 0.26), u(200 if n == 1 else 150))
    th = min(tw / aspect, tw * 1.4)
    tw = th * aspect
    small = b.font(t.small)
    slh = b.fonts.line_height(small)
    labels = content.thumb_labels or ()
    for i, (key, ok, has) in enumerate(shown):
        tx = ix + i * (tw + u(8))
        box = Box(tx, yy, tw, th)
        if ok:
            b.out.append(Photo(box, key, p.algorithm))
            if not has:
                band = Box(tx, yy + th - slh, tw, slh)
                b.out.append(Rect(band, t.paper, opacity=0.8))
                b.text(content.word("no_mask"), band, small, t.muted, "middle")
        else:
            b.out.append(Rect(box, t.placeholder))
            b.text(content.word("not_available"), Box(tx, yy + th / 2 - slh / 2, tw, slh), small, t.muted,
                   "middle")
        if i < len(labels) and labels[i]:
            b.text(labels[i], Box(tx, yy + th + u(2), tw, slh), small, t.muted, "middle")
    b.thumbs_bottom = yy + th + (slh + u(2) if labels else 0.0)
    return n * (tw + u(8)) - u(8)


def _panel_rows(b: Builder, content: ReportContent, x0: float, y: float, pw: float, ncol: int, gutter: float,
                breaks: list[float]) -> float:
    """The panels in rows of ``ncol``; returns the y below them.

    A row is as tall as its tallest panel; the panels that follow are stacked under the shorter
    ones of the row while they fit in its height (a short "not available" or single-value panel
    fills the room beside a tall one instead of opening a row, and often a page, of its own).
    Each column's last card reaches the row's bottom.
    """
    t, u = b.theme, b.u
    panels = list(content.panels)

    def build(panel: PanelContent, x: float, top: float) -> tuple[list[Element], float]:
        saved = b.out
        b.out = []
        h = _panel(b, panel, content, x, top, pw)
        els, b.out = b.out, saved
        return els, h

    i = 0
    while i < len(panels):
        if i:
            breaks.append(y - gutter / 2)
        row = panels[i:i + ncol]
        i += len(row)
        xs = [x0 + j * (pw + gutter) for j in range(len(row))]
        stacks = [[(panel, *build(panel, x, y), y)] for panel, x in zip(row, xs, strict=True)]
        bottom = y + max(stack[0][2] for stack in stacks)
        while i < len(panels):
            col = min(range(len(stacks)), key=lambda j: stacks[j][-1][3] + stacks[j][-1][2])
            top = stacks[col][-1][3] + stacks[col][-1][2] + gutter
            els, h = build(panels[i], xs[col], top)
            if top + h > bottom + 0.5:
                break
            stacks[col].append((panels[i], els, h, top))
            i += 1
        for x, stack in zip(xs, stacks, strict=True):
            for k, (panel, els, h, top) in enumerate(stack):
                box = Box(x, top, pw, bottom - top if k == len(stack) - 1 else h)
                b.out.append(Rect(box, t.card, t.rule, max(1.0, u(1))))
                b.out.extend(els)
                b.boxes[f"panel:{panel.key}"] = box
        y = bottom + gutter
    return y


def _panel(b: Builder, p: PanelContent, content: ReportContent, x: float, y: float, w: float) -> float:
    """One algorithm's panel at ``(x, y)``, ``w`` wide; returns its content height."""
    u, t = b.u, b.theme
    pad = u(t.panel_pad)
    ix, iw = x + pad, w - 2 * pad
    top = y
    yy = y + pad
    yy += b.lines(p.title, ix, yy, iw, b.font(t.panel_title, True), t.ink, max_lines=2, tag="H3") + u(6)

    b.thumbs_bottom = yy
    used = _thumbnails(b, p, content, ix, yy, iw) if p.available or content.compare else 0.0
    rx = ix + (used + pad if used else 0.0)
    rw = ix + iw - rx

    # The main value on the right of the thumbnails.
    ry = yy
    beside = False
    if not p.available:
        f = b.font(t.panel_title - 2, True)
        lh = b.fonts.line_height(f)
        b.text(content.word("not_available"), Box(rx, ry, rw, lh), f, t.muted)
        ry += lh + u(4)
        if p.reason:
            ry += b.lines(p.reason, rx, ry, rw, b.font(t.body), t.muted, max_lines=3)
    elif p.main is None:
        f = b.font(t.body)
        lh = b.fonts.line_height(f)
        b.text(content.word("no_metric"), Box(rx, ry, rw, lh), f, t.muted)
        ry += lh
    else:
        ry = b.main_value(p.main, rx, ry, rw, compare=content.compare)
        beside = not content.compare and p.details is not None and b.table_fits(p.details, rw)
        if beside and p.details is not None:
            ry += u(4)
            ry += b.table(p.details, rx, ry, rw)
    yy = max(b.thumbs_bottom, ry) + u(10)

    # Tables across the panel (the details too, where they would be cut beside the thumbnails).
    if p.details is not None and (content.compare or (p.available and p.main is not None and not beside)):
        yy += b.table(p.details, ix, yy, iw) + u(8)
    if p.areas is not None:
        yy += b.table(p.areas, ix, yy, iw) + u(4)
    for note in p.notes:
        f = b.font(t.small)
        lh = b.fonts.line_height(f)
        b.text(note, Box(ix, yy, iw, lh), f, t.muted)
        yy += lh
    return yy + pad - top
