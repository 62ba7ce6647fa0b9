"""The drawing pieces the layout composes: fitted text, tables, the gauge, grade labels, swatches.

A :class:`Builder` accumulates display elements (:mod:`maskrender.report.elements`); every
size goes through :meth:`Builder.u` (a unit of the theme's base width) and every colour
comes from the :class:`~maskrender.report.theme.Theme`.

>>> b = Builder(1240, Fonts())
>>> b.u(10), b.font(18).px
(10.0, 18)
"""

from __future__ import annotations

from collections.abc import Sequence

from maskrender.kinds import MASK_KINDS
from maskrender.report.content_types import LegendItem, MainValue, Table
from maskrender.report.elements import Box, Circle, Element, Line, Rect, Text
from maskrender.report.text import Font, Fonts, clean
from maskrender.report.theme import THEME, Theme

__all__ = ["Builder", "share"]


def share(needs: Sequence[float], avail: float) -> list[float]:
    """Widths for columns wanting ``needs`` in ``avail``: all of it if it fits, else capped fairly.

    >>> share([50, 20, 30], 200), share([300, 20, 100], 200)
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


class Builder:
    """Accumulates elements for a sheet ``width`` pixels wide."""

    def __init__(self, width: int, fonts: Fonts, theme: Theme = THEME) -> None:
        self.theme = theme
        self.s = width / theme.base_width
        self.fonts = fonts
        self.out: list[Element] = []
        self.boxes: dict[str, Box] = {}
        self.thumbs_bottom = 0.0
        self.tables = 0
        """Tables laid out so far (each table's cells carry its number)."""

    def u(self, v: float) -> float:
        """``v`` pixels of the base width, on this sheet."""
        return v * self.s

    def font(self, size: float, bold: bool = False) -> Font:
        """The font of ``size`` base pixels (never below the theme's smallest text)."""
        return self.fonts.get(max(size, self.theme.min_text) * self.s, bold)

    def text(self, text: str, box: Box, font: Font, color: str | None = None, anchor: str = "start", *,
             tag: str = "", cell: tuple[int, int, int] | None = None) -> float:
        """One fitted line in ``box`` (vertically centred); returns the width used (``tag`` and
        ``cell``: its structure, see :class:`~maskrender.report.elements.Text`)."""
        fitted = self.fonts.fit(text, font, box.w)
        runs = self.fonts.runs(fitted, font)
        width = runs[-1].x + runs[-1].width if runs else 0.0
        x = {"start": box.x, "middle": box.x + box.w / 2, "end": box.right}[anchor]
        y = box.y + (box.h - self.fonts.line_height(font)) / 2
        if runs:
            self.out.append(Text(x, self.fonts.baseline(y, font), fitted, font, color or self.theme.ink, anchor, box,
                                 width, runs, tag, cell))
        return width

    def lines(self, text: str, x: float, y: float, w: float, font: Font, color: str | None = None,
              max_lines: int = 2, anchor: str = "start", *, tag: str = "") -> float:
        """Wrapped text from ``(x, y)``; returns the height used."""
        lh = self.fonts.line_height(font)
        rows = self.fonts.wrap(text, font, w, max_lines=max_lines)
        for i, row in enumerate(rows):
            self.text(row, Box(x, y + i * lh, w, lh), font, color, anchor, tag=tag)
        return len(rows) * lh

    def pill(self, label: str, x: float, y: float, max_w: float, fill: str, font: Font) -> Box:
        """A grade label: coloured box with the word inside; returns its box."""
        pad = self.u(7)
        h = self.fonts.line_height(font) + self.u(2)
        inner = min(self.fonts.width(label, font), max(0.0, max_w - 2 * pad))
        box = Box(x, y, inner + 2 * pad, h)
        self.out.append(Rect(box, fill))
        ink = self.theme.ink_on(fill)
        self.text(label, Box(x + pad, y + self.u(1), inner, h - self.u(2)), font, ink)
        return box

    def gauge(self, box: Box, score: float, before: float | None = None) -> None:
        """A ``bad_good_line`` gauge: one segment per grade of the model, and a marker at ``score``."""
        t = self.theme
        for grade, lo, hi in t.grade_spans():
            self.out.append(Rect(Box(box.x + box.w * lo / 100, box.y, box.w * (hi - lo) / 100, box.h),
                                 t.grade_color(grade)))
        mw, over = self.u(4), self.u(4)
        if before is not None:
            bx = box.x + box.w * before / 100 - mw / 2
            self.out.append(Rect(Box(bx, box.y - over, mw, box.h + 2 * over), t.paper, t.muted, self.u(1.2)))
        x = box.x + box.w * score / 100 - mw / 2
        self.out.append(Rect(Box(x, box.y - over, mw, box.h + 2 * over), t.ink))

    def swatch(self, box: Box, item: LegendItem) -> None:
        """A legend swatch in the mask's colour, shaped by its mask type."""
        c = item.color
        kind = MASK_KINDS.get(item.mask_type)
        legend = kind.legend if kind is not None else "filled"
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

    def main_value(self, m: MainValue, x: float, y: float, w: float, *, compare: bool) -> float:
        """The main metric: label, big value, grade label, gauge (and before/change); returns the bottom."""
        t, u = self.theme, self.u
        label = self.font(t.label)
        lh = self.fonts.line_height(label)
        self.text(m.label, Box(x, y, w, lh), label, t.muted)
        y += lh
        big = self.font(t.big, True)
        blh = self.fonts.line_height(big)
        used = self.text(m.value, Box(x, y, w, blh), big, t.color(f"grade:{m.grade}") if m.grade else t.ink)
        if m.grade:
            pf = self.font(t.pill, True)
            ph = self.fonts.line_height(pf) + u(2)
            px = x + used + u(10)
            if x + w - px < u(90):  # no room beside the value: below it
                y += blh
                px, py = x, y
                y += ph + u(4)
            else:
                py = y + (blh - ph) / 2
                y += blh
            self.pill(m.grade_word, px, py, x + w - px, t.grade_color(m.grade), pf)
        else:
            y += blh
        if m.score is not None:
            y += u(6)
            self.gauge(Box(x, y, w, u(10)), m.score, m.before_score if compare else None)
            y += u(10) + u(10)
        if compare:
            f = self.font(t.body)
            lh = self.fonts.line_height(f)
            self.text(m.before_text, Box(x, y, w, lh), f, t.muted)
            y += lh
            if m.change is not None:
                cf = self.font(t.body + 1, True)
                clh = self.fonts.line_height(cf)
                self.text(m.change.text, Box(x, y, w, clh), cf, t.color(m.change.tone))
                y += clh
        return y

    def table(self, table: Table, x: float, y: float, w: float) -> float:
        """A table from ``(x, y)`` across ``w``; returns its height.

        Column titles wrap onto two lines; when the columns cannot all fit, the table is cut
        into several that repeat its first column (no column is dropped).
        """
        parts = self._chunks(table, w)
        height = 0.0
        for i, part in enumerate(parts):
            if i:
                height += self.u(8)
            height += self._table(part, x, y + height, w)
        return height

    def table_fits(self, table: Table, w: float) -> bool:
        """Whether ``table`` fits in ``w`` with every cell whole (titles may wrap at their words)."""
        cells, words = self._needs(table)
        return sum(max(c, wd) for c, wd in zip(cells, words, strict=True)) + self.u(10) * (len(cells) - 1) <= w

    def _fonts(self) -> tuple[Font, Font, Font]:
        t = self.theme
        return self.font(t.head, bold=True), self.font(t.body), self.font(t.body, bold=True)

    def _needs(self, table: Table) -> tuple[list[float], list[float]]:
        """Each column's width for its longest cell, and for its title's longest word (it may wrap)."""
        head, body, bold = self._fonts()
        cells, words = [], []
        for j, title in enumerate(table.columns):
            widths = [self.fonts.width(clean(row[j].text), bold if row[j].bold else body) for row in table.rows
                      if j < len(row)]
            cells.append(max([*widths, 0.0]) + self.u(1))
            words.append(max(self.fonts.width(word, head) for word in (clean(title).split() or [""])) + self.u(1))
        return cells, words

    def _chunks(self, table: Table, w: float) -> list[Table]:
        gap = self.u(10)
        cells, words = self._needs(table)
        first = min(max(cells[0], words[0]), w * 0.4)
        for fits in range(len(table.columns) - 1, 0, -1):
            chunk_needs = [max(cells[j], words[j]) for j in range(1, len(table.columns))]
            widest = sum(sorted(chunk_needs, reverse=True)[:fits]) + gap * fits
            if first + widest <= w or fits == 1:
                return table.chunks(fits)
        return [table]

    def _table(self, table: Table, x: float, y: float, w: float) -> float:
        t = self.theme
        head, body, bold = self._fonts()
        rh = self.fonts.line_height(body) + self.u(5)
        n = len(table.columns)
        numeric = table.numeric or (False,) * n
        gap = self.u(10)
        cells, words = self._needs(table)
        full = [max(c, self.fonts.width(title, head) + self.u(1))
                for c, title in zip(cells, table.columns, strict=True)]
        avail = w - gap * (n - 1)
        if sum(full) <= avail:
            widths = list(full)
        else:  # titles wrap: each column wants its cells and its longest title word
            widths = share([max(c, wd) for c, wd in zip(cells, words, strict=True)], avail)
        widths[0] += avail - sum(widths)  # the first column takes what is left
        xs = [x]
        for j in range(1, n):
            xs.append(xs[-1] + widths[j - 1] + gap)
        hl = self.fonts.line_height(head)
        wrapped = [self.fonts.wrap(title, head, widths[j], max_lines=2) for j, title in enumerate(table.columns)]
        hh = hl * max(len(rows) for rows in wrapped) + self.u(3)
        for j, rows in enumerate(wrapped):
            top = y + hh - self.u(3) - hl * len(rows)  # titles sit on the rule
            for k, title in enumerate(rows):
                self.text(title, Box(xs[j], top + k * hl, widths[j], hl), head, t.muted,
                          "end" if numeric[j] else "start", tag="TH", cell=(self.tables, -1, j))
        yy = y + hh
        self.out.append(Line(x, yy, x + w, yy, t.rule, max(1.0, self.u(1))))
        for i, row in enumerate(table.rows):
            for j, cell in enumerate(row[:n]):
                self.text(cell.text, Box(xs[j], yy, widths[j], rh), bold if cell.bold else body,
                          self.theme.color(cell.tone), "end" if numeric[j] else "start", tag="TH" if j == 0 else "TD",
                          cell=(self.tables, i, j))
            yy += rh
        self.tables += 1
        return yy - y
