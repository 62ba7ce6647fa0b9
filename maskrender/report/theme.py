"""How a report looks: every colour and size of the layout, in one object.

:class:`Theme` holds the palette (ink, paper, cards, rules), the grade scale of the gauge,
the colours of better/worse, and every size the layout uses, given for a sheet
:attr:`Theme.base_width` pixels wide and scaled with the sheet.  The text sizes are chosen so
that a PDF on A4 or Letter paper prints nothing below 8 pt (:attr:`Theme.min_text`).

The grade scale is blue (best) to vermilion (worst) through yellow: the hues that stay apart
for the three kinds of colour blindness (the tests simulate them), unlike red-to-green.  Grade
names and bounds come from :data:`maskrender.model.GRADES`.

Examples
--------
>>> THEME.grade_color("Average"), THEME.grade_spans()[0]
('#f0e442', ('Bad', 0.0, 30.0))
>>> THEME.color("better"), THEME.color("grade:Excellent", text=True)
('#005a8c', '#1f3f7a')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from maskrender.defaults import REPORT_COLUMNS
from maskrender.model import GRADES

__all__ = ["THEME", "Theme", "rgb"]


def rgb(color: str) -> tuple[int, int, int]:
    """A layout colour (``#rrggbb``, as every colour of a :class:`Theme` and a layout is) as 0-255 ints.

    >>> rgb("#005a8c")
    (0, 90, 140)
    """
    return (int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16))


def _grades_low_to_high() -> tuple[str, ...]:
    return ("Bad", *(name for _, name in reversed(GRADES)))


@dataclass(frozen=True)
class Theme:
    """Colours and sizes of a report (sizes in pixels of a :attr:`base_width` wide sheet)."""

    ink: str = "#1f2328"
    paper: str = "#ffffff"
    card: str = "#f6f8fa"
    rule: str = "#d0d7de"
    placeholder: str = "#e6e9ed"
    muted: str = "#57606a"
    no_photo: str = "#e9ecef"
    better: str = "#005a8c"
    worse: str = "#b34700"
    grades: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({
        "Bad": "#d55e00", "Poor": "#e69f00", "Average": "#f0e442",
        "Good": "#56b4e9", "Great": "#0072b2", "Excellent": "#1f3f7a"}))
    """Gauge segments and grade labels: a colour-blind-safe scale (Okabe-Ito hues), worst to best."""
    grade_text: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({
        "Bad": "#a33f00", "Poor": "#8a5600", "Average": "#6b6200",
        "Good": "#1b6a99", "Great": "#005a8c", "Excellent": "#1f3f7a"}))
    """Darker grade colours for text on white (contrast at least 4.5:1)."""

    base_width: float = 1240.0
    margin: float = 52.0
    gutter: float = 22.0
    columns: int = REPORT_COLUMNS
    panel_pad: float = 16.0
    hero: float = 0.46
    """The share of the content's width a lone photo takes at the top (legend and summary beside it)."""
    # text sizes (pixels at base_width: 17 px is 8.2 pt across A4)
    title: float = 38.0
    meta: float = 19.0
    section: float = 25.0
    panel_title: float = 22.0
    label: float = 18.0
    big: float = 38.0
    body: float = 18.0
    head: float = 17.0
    small: float = 17.0
    note: float = 17.0
    pill: float = 17.0
    min_text: float = 17.0
    """No text of the layout is smaller than this (8 pt on paper)."""

    def grade_color(self, grade: str | None) -> str:
        """The gauge colour of a grade (grey for none)."""
        return self.grades.get(grade or "", self.muted)

    def color(self, tone: str, text: bool = True) -> str:
        """The colour of a cell's tone: ``""`` ink, ``muted``, ``better``, ``worse``, ``neutral``, ``grade:NAME``."""
        if tone.startswith("grade:"):
            name = tone.removeprefix("grade:")
            return (self.grade_text if text else self.grades).get(name, self.muted)
        return {"muted": self.muted, "neutral": self.muted, "better": self.better, "worse": self.worse}.get(
            tone, self.ink)

    def ink_on(self, fill: str) -> str:
        """The text colour that reads on ``fill``: ink on light fills (relative luminance over 0.45),
        paper on dark ones.

        >>> THEME.ink_on("#f0e442") == THEME.ink, THEME.ink_on("#1f3f7a") == THEME.paper
        (True, True)
        """
        r, g, b = (c / 255 for c in rgb(fill))
        return self.ink if 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.45 else self.paper

    def grade_spans(self) -> tuple[tuple[str, float, float], ...]:
        """``(grade, low, high)`` of each grade on the 0..100 gauge, worst first (bounds from the model)."""
        bounds = [0.0, *sorted(b for b, _ in GRADES), 100.0]
        names = _grades_low_to_high()
        return tuple((n, bounds[i], bounds[i + 1]) for i, n in enumerate(names))


THEME = Theme()
"""The default theme."""
