"""The display list: simple drawing elements with absolute coordinates in output pixels.

:func:`maskrender.report.layout.layout_report` produces a :class:`Layout` of these
(:class:`Rect`, :class:`Text`, :class:`Line`, :class:`Circle`, :class:`Photo`), and every
paged or pictured writer (raster, SVG, PDF) draws the same list, so the formats agree and
tests can check the geometry directly.  A :class:`Text` carries its shaped runs (face,
direction, offset and width of each piece), so writers place the same glyph runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

from maskrender.report.text import Font, Run

__all__ = ["Box", "Circle", "Element", "Layout", "Line", "Photo", "Rect", "Text"]


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
    measured advance width; ``runs`` the pieces of one face and direction, in visual order,
    offsets from the text's left edge.
    """

    x: float
    y: float
    text: str
    font: Font
    color: str
    anchor: str
    box: Box
    width: float
    runs: tuple[Run, ...] = ()
    tag: str = ""
    """The structure the text belongs to, for tagged documents: ``H1``-``H3`` (headings), ``TH``
    or ``TD`` (a table's cell, placed by ``cell``), ``Artifact`` (running text), or ``""`` (a paragraph)."""
    cell: tuple[int, int, int] | None = None
    """For a table's cell: ``(table, row, column)``, row ``-1`` for the column titles."""

    @property
    def left(self) -> float:
        """The x of the text's left edge."""
        return {"start": self.x, "middle": self.x - self.width / 2, "end": self.x - self.width}[self.anchor]

    @property
    def extent(self) -> Box:
        """The horizontal span the text takes, over its line box."""
        return Box(self.left, self.box.y, self.width, self.box.h)


@dataclass(frozen=True)
class Photo:
    """A photo slot: the photo of ``slot`` with the masks of ``algorithm`` (``None``: all)."""

    box: Box
    slot: str
    algorithm: str | None = None


Element = Union[Rect, Line, Circle, Text, Photo]


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

    def __repr__(self) -> str:
        return f"<Layout {self.width}x{self.height} px, {len(self.elements)} elements, {len(self.breaks)} breaks>"
