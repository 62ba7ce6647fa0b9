"""What a report says, as plain data: the content types between the results and the layout.

:mod:`maskrender.report.content` builds these from results, in the words of a catalogue;
:mod:`maskrender.report.layout` places them; the HTML writer turns them into elements.  No
colour or size lives here: a cell names its *tone* (``muted``, ``better``, ``grade:Good`` ...)
and the :class:`~maskrender.report.theme.Theme` gives it a colour.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Cell", "Change", "LegendItem", "MainValue", "PanelContent", "PhotoSpec", "ReportContent", "Table"]


@dataclass(frozen=True)
class Cell:
    """One table cell: a text, its tone (see the module docstring) and weight."""

    text: str
    tone: str = ""
    bold: bool = False


@dataclass(frozen=True)
class Table:
    """A small table: column titles, rows of cells, and which columns hold numbers (right-aligned)."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    numeric: tuple[bool, ...] = ()

    def chunks(self, fits: int) -> list[Table]:
        """The table cut into tables of at most ``fits`` value columns, each repeating the first column.

        >>> row = (Cell("x"), Cell("1"), Cell("2"), Cell("3"))
        >>> t = Table(("Area", "a", "b", "c"), (row,), (False, True, True, True))
        >>> [c.columns for c in t.chunks(2)]
        [('Area', 'a', 'b'), ('Area', 'c')]
        """
        n = len(self.columns) - 1
        if fits >= n or fits < 1:
            return [self]
        numeric = self.numeric or (False,) * len(self.columns)
        out = []
        for start in range(1, n + 1, fits):
            cols = [0, *range(start, min(n + 1, start + fits))]
            out.append(Table(tuple(self.columns[j] for j in cols),
                             tuple(tuple(row[j] for j in cols if j < len(row)) for row in self.rows),
                             tuple(numeric[j] for j in cols)))
        return out


@dataclass(frozen=True)
class Change:
    """A metric's change between two visits: ``+7``, its judgement in words, its tone."""

    delta: str
    word: str
    tone: str

    @property
    def text(self) -> str:
        """``"+7 better"``, ``"no change"``, ``"was mild"``."""
        return f"{self.delta} {self.word}".strip()


@dataclass(frozen=True)
class MainValue:
    """The main metric of the face: label, value, grade (the model's name and its word), gauge score, change."""

    label: str
    value: str
    grade: str | None = None
    grade_word: str = ""
    score: float | None = None
    before_value: str | None = None
    before_grade: str | None = None
    before_score: float | None = None
    before_text: str = ""
    change: Change | None = None


@dataclass(frozen=True)
class PanelContent:
    """One algorithm's panel: title, availability, main value, details and per-area table.

    ``key`` is unique within a report (it names the panel's box); ``algorithm`` selects the
    thumbnail's masks; a panel without masks (``has_masks``) shows no thumbnail.
    """

    key: str
    title: str
    available: bool = True
    algorithm: str = ""
    reason: str = ""
    main: MainValue | None = None
    details: Table | None = None
    areas: Table | None = None
    has_masks: bool = False
    has_before_masks: bool = False
    before_ok: bool = True
    notes: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class PhotoSpec:
    """A photo of the report: its slot key (``front``, ``left``, ``before`` ...), label, aspect."""

    key: str
    label: str
    aspect: float


@dataclass(frozen=True)
class LegendItem:
    """One legend entry: a mask's name, the colour it is drawn in, its type, and its layer's index."""

    name: str
    color: str
    mask_type: str
    layer: int = 0


@dataclass(frozen=True)
class ReportContent:
    """Everything a report says, ready to be laid out.

    ``photos`` are the photos of the top row (one, left/front/right, or before/after);
    ``thumbs`` the slot keys each panel shows a thumbnail of (``("front",)`` or
    ``("before", "front")``); ``words`` are the catalogue's headings, resolved.
    """

    title: str
    panels: tuple[PanelContent, ...] = ()
    photos: tuple[PhotoSpec, ...] = ()
    meta: tuple[str, ...] = ()
    thumbs: tuple[str, ...] = ("front",)
    thumb_labels: tuple[str, ...] = ()
    legend: tuple[LegendItem, ...] = ()
    summary: Table | None = None
    note: str = ""
    compare: bool = False
    words: dict[str, str] = field(default_factory=dict)
    language: str = "en"

    def word(self, key: str, default: str = "") -> str:
        """A heading or label of the catalogue (``masks``, ``summary``, ``results``, ``not_available`` ...)."""
        return self.words.get(key, default)
