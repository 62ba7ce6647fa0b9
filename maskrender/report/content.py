"""What a report says: results turned into plain strings, grades, changes and tables.

Nothing here knows about pixels or positions (that is :mod:`maskrender.report.layout`).
The few judgements the format leaves open live in one function each:
:func:`direction` (is a higher value better?), :func:`area_label` and :func:`format_date`.

Examples
--------
>>> import maskrender as mr
>>> panels = build_panels(mr.load("fixtures/results_list.json"))
>>> [(p.title, p.main.value if p.main else None, p.main.grade if p.main else None) for p in panels][:3]
[('Pores', '58', 'Average'), ('Lines', '47', 'Poor'), ('Redness', '63', 'Average')]
>>> [p.title for p in panels if not p.available]
['Wrinkles depth']
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from maskrender.model import Metric, Result, Results
from maskrender.names import matches

__all__ = [
    "GRADE_COLORS",
    "NOTE",
    "Cell",
    "Change",
    "MainValue",
    "PanelContent",
    "Table",
    "area_label",
    "build_panels",
    "change",
    "direction",
    "display",
    "format_date",
    "grade_color",
    "result_title",
    "summary_table",
]

NOTE = "Figures are cosmetic skin information, not medical advice."
"""The one-line note every report carries."""

GRADE_COLORS: dict[str, str] = {
    "Excellent": "#1a9850",
    "Great": "#66bd63",
    "Good": "#a6d96a",
    "Average": "#fdae61",
    "Poor": "#f46d43",
    "Bad": "#d73027",
}
"""Fill colour of each ``bad_good_line`` grade (gauge segments and grade labels)."""

GRADE_TEXT: dict[str, str] = {
    "Excellent": "#116b38",
    "Great": "#2f7d32",
    "Good": "#4f7f1c",
    "Average": "#a35a00",
    "Poor": "#b83b14",
    "Bad": "#b0201b",
}
"""Darker variants of the grade colours, legible as text on white."""

BETTER, WORSE, NEUTRAL = "#1a7f37", "#c62828", "#57606a"
MUTED = "#6e7781"


def grade_color(grade: str | None, text: bool = False) -> str:
    """The colour of a grade (``text=True``: the darker variant for text), grey for none."""
    if grade is None:
        return MUTED
    return (GRADE_TEXT if text else GRADE_COLORS).get(grade, MUTED)


@dataclass(frozen=True)
class Cell:
    """One table cell: a text and, optionally, its colour and weight."""

    text: str
    color: str | None = None
    bold: bool = False


@dataclass(frozen=True)
class Table:
    """A small table: column titles, rows of cells, and which columns are right-aligned."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    numeric: tuple[bool, ...] = ()


@dataclass(frozen=True)
class Change:
    """A metric's change between two visits: ``+7``, its judgement in words, its colour."""

    delta: str
    word: str
    color: str

    @property
    def text(self) -> str:
        """``"+7 better"``, ``"no change"``, ``"was mild"``."""
        return f"{self.delta} {self.word}".strip()


@dataclass(frozen=True)
class MainValue:
    """The main metric of the face: label, value, grade, gauge score and (compare) the change."""

    label: str
    value: str
    grade: str | None = None
    score: float | None = None
    before_value: str | None = None
    before_grade: str | None = None
    before_score: float | None = None
    change: Change | None = None


@dataclass(frozen=True)
class PanelContent:
    """One algorithm's panel: title, availability, main value, details and per-area table.

    ``key`` is unique within a report (it names the panel's box); ``algorithm`` selects the
    thumbnail's masks.
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


def direction(metric: Metric) -> int:
    """Whether a higher value is better (+1), worse (-1) or neither (0), by widget type.

    ``bad_good_line`` scores: higher is better.  ``percentage`` shares, ``density`` figures
    and ``numeric`` counts (no units): lower is better (assumed for density).  Categories and
    numbers with units (an angle, an age in years) are not judged.

    >>> direction(Metric("Acne", "acne", 72, "bad_good_line"))
    1
    >>> direction(Metric("Lesions", "lesion_count", 9, "numeric"))
    -1
    >>> direction(Metric("ITA", "ita", 41.3, "numeric", units="degrees"))
    0
    """
    kind = metric.widget_type
    if kind == "bad_good_line":
        return 1
    if kind in ("percentage", "density"):
        return -1
    if kind == "numeric" and not metric.units:
        return -1
    return 0


_UNITS = {"per mille": "‰", "percentage": "%", "degrees": "°", "degree": "°", "deg": "°"}


def _decimals(x: float) -> int:
    text = f"{x:.6f}".rstrip("0")
    return len(text.split(".")[1]) if "." in text else 0


def change(after: Metric, before: Metric | None) -> Change | None:
    """The change from ``before`` to ``after``, judged by :func:`direction`.

    >>> change(Metric("Pores", "pores", 58, "bad_good_line"), Metric("Pores", "pores", 51, "bad_good_line")).text
    '+7 better'
    >>> share = Metric("Area", "a", 38, "percentage", "per mille")
    >>> change(share, Metric("Area", "a", 47, "percentage", "per mille")).text
    '−9 ‰ better'
    >>> change(Metric("Severity", "s", "moderate", "category"), Metric("Severity", "s", "mild", "category")).text
    'was mild'
    """
    if before is None:
        return None
    a, b = after.number, before.number
    if a is None or b is None:
        if str(after.value).strip().lower() == str(before.value).strip().lower():
            return Change("", "no change", NEUTRAL)
        return Change("", f"was {before.display_value}" if before.display_value else "changed", NEUTRAL)
    places = max(_decimals(a), _decimals(b))
    delta = round(a - b, places)
    if delta == 0:
        return Change("", "no change", NEUTRAL)
    unit = _UNITS.get((after.units or "").lower(), after.units or "")
    text = f"{delta:+g}".replace("-", "−") + ("°" if unit == "°" else f" {unit}" if unit else "")
    sense = direction(after)
    if sense == 0:
        return Change(text, "", NEUTRAL)
    good = (delta > 0) == (sense > 0)
    return Change(text, "better" if good else "worse", BETTER if good else WORSE)


def area_label(name: str) -> str:
    """A readable area name: ``left_cheek`` -> ``Left cheek``.

    >>> area_label("right_eye_area"), area_label("face")
    ('Right eye area', 'Face')
    """
    text = name.replace("_", " ").strip()
    return text[:1].upper() + text[1:] if text else "?"


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}))?")


def format_date(stamp: str | None, with_time: bool = False) -> str:
    """``2025-02-26 10:52:17`` -> ``26 Feb 2025`` (English, whatever the locale); ``""`` for none.

    >>> format_date("2025-02-26T10:52:17Z"), format_date("2025-02-26 10:52:17", with_time=True)
    ('26 Feb 2025', '26 Feb 2025, 10:52')
    >>> format_date("last tuesday")
    'last tuesday'
    """
    if not stamp:
        return ""
    m = _DATE.match(stamp.strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        return stamp.strip()[:40]
    text = f"{int(m.group(3))} {_MONTHS[int(m.group(2)) - 1]} {m.group(1)}"
    if with_time and m.group(4):
        text += f", {m.group(4)}:{m.group(5)}"
    return text


def creation_date(results: Results) -> str | None:
    """The first ``creation_time`` among the results."""
    return next((r.creation_time for r in results if r.creation_time), None)


def result_title(result: Result) -> str:
    """The panel title: the face's main metric name, else the algorithm name made readable."""
    main = result.main_metric() if result.ok else None
    if main is not None and main.name:
        return main.name
    return area_label(result.algorithm or result.family or "algorithm")


def _shown(metric: Metric | None) -> Metric | None:
    return metric if metric is not None and metric.widget_show else None


def _face(result: Result) -> tuple[Metric | None, tuple[Metric, ...]]:
    area = result.area("face") or (result.areas[0] if result.areas else None)
    if area is None:
        return None, ()
    return _shown(area.main_metric), tuple(m for m in area.sub_metrics if m.widget_show)


def _main_value(result: Result, before: Result | None) -> MainValue | None:
    main, _ = _face(result)
    prev = _face(before)[0] if before is not None and before.ok else None
    if main is None:
        if result.value is not None:  # legacy record: a bare number
            value = f"{result.value:g}"
            bval = f"{before.value:g}" if before is not None and before.value is not None else None
            ch = None
            if before is not None and before.value is not None:
                ch = change(Metric("", "", result.value), Metric("", "", before.value))
            return MainValue("Value", value, before_value=bval, change=ch)
        return None
    score = main.number if main.widget_type == "bad_good_line" else None
    return MainValue(
        label=main.name or "Score",
        value=display(main) or "–",
        grade=main.grade,
        score=None if score is None else max(0.0, min(100.0, score)),
        before_value=display(prev) if prev is not None else None,
        before_grade=prev.grade if prev is not None else None,
        before_score=(None if prev is None or prev.widget_type != "bad_good_line" or prev.number is None
                      else max(0.0, min(100.0, prev.number))),
        change=change(main, prev) if prev is not None else None,
    )


def display(metric: Metric) -> str:
    """A metric's value with its units as a short text (``"38 ‰"``, ``"41.3°"``, ``"mild"``).

    >>> display(Metric("ITA", "ita", 41.3, "numeric", units="degrees"))
    '41.3°'
    """
    n = metric.number
    if n is not None and (metric.units or "").lower() in ("degrees", "degree", "deg"):
        return f"{n:g}°"
    return metric.display_value


def _value_cell(metric: Metric | None) -> Cell:
    if metric is None:
        return Cell("–", MUTED)
    return Cell(display(metric) or "–", grade_color(metric.grade, text=True) if metric.grade else None)


def _change_cell(after: Metric | None, before: Metric | None) -> Cell:
    if after is None or before is None:
        return Cell("new" if before is None and after is not None else "–", MUTED)
    ch = change(after, before)
    return Cell(ch.text if ch else "–", ch.color if ch else MUTED)


def _details(result: Result, before: Result | None, compare: bool) -> Table | None:
    _, subs = _face(result)
    prev = _face(before)[1] if before is not None and before.ok else ()
    if compare:
        names = [m.tech_name or m.name for m in subs]
        names += [m.tech_name or m.name for m in prev if (m.tech_name or m.name) not in names]
        now = {m.tech_name or m.name: m for m in subs}
        old = {m.tech_name or m.name: m for m in prev}
        rows: list[tuple[Cell, ...]] = []
        for key in names:
            a, b = now.get(key), old.get(key)
            either = a or b
            label = either.name if either is not None and either.name else key
            rows.append((Cell(label), _value_cell(b), _value_cell(a), _change_cell(a, b)))
        if not rows:
            return None
        return Table(("Measure", "Before", "After", "Change"), tuple(rows), (False, True, True, True))
    if not subs:
        return None
    return Table(("Measure", "Value"), tuple((Cell(m.name or m.tech_name), _value_cell(m)) for m in subs),
                 (False, True))


def _areas(result: Result, before: Result | None, compare: bool) -> Table | None:
    areas = [a for a in result.areas if a.name != "face"]
    if compare:
        old = {a.name: a for a in before.areas} if before is not None and before.ok else {}
        names = [a.name for a in areas] + [n for n in old if n != "face" and n not in {a.name for a in areas}]
        now = {a.name: a for a in areas}
        rows: list[tuple[Cell, ...]] = []
        for name in names:
            after = _shown(now[name].main_metric) if name in now else None
            prior = _shown(old[name].main_metric) if name in old else None
            if after is None and prior is None:
                continue
            rows.append((Cell(area_label(name)), _value_cell(prior), _value_cell(after), _change_cell(after, prior)))
        if not rows:
            return None
        return Table(("Area", "Before", "After", "Change"), tuple(rows), (False, True, True, True))
    # Columns: the main metric, then up to two sub-metrics that areas other than the face carry.
    extra: list[str] = []
    titles: dict[str, str] = {}
    for area in areas:
        for m in area.sub_metrics:
            key = m.tech_name or m.name
            if m.widget_show and key not in extra:
                extra.append(key)
                titles[key] = m.name or key
    extra = extra[:2]
    rows = []
    main_title = ""
    for area in areas:
        main = _shown(area.main_metric)
        subs = {m.tech_name or m.name: m for m in area.sub_metrics if m.widget_show}
        if main is None and not any(k in subs for k in extra):
            continue
        main_title = main_title or (main.name if main is not None else "")
        rows.append((Cell(area_label(area.name)), _value_cell(main), *(_value_cell(subs.get(k)) for k in extra)))
    if not rows:
        return None
    columns = ("Area", main_title or "Value", *(titles[k] for k in extra))
    return Table(columns, tuple(rows), (False, *([True] * (len(columns) - 1))))


def _reason(result: Result) -> str:
    err = result.error
    if isinstance(err, dict):
        for key in ("error", "message", "detail", "reason"):
            if isinstance(err.get(key), str):
                return str(err[key])
    if isinstance(err, str):
        return err
    return ""


def build_panels(results: Results, before: Results | None = None, *, only: Sequence[str] | None = None,
                 masks: str = "restored") -> list[PanelContent]:
    """One :class:`PanelContent` per algorithm of ``results`` (and of ``before`` not in it).

    Results with no metric at all (bare masks) get no panel: the report's photo and legend
    show their masks.

    ``only`` keeps algorithms whose algorithm, family or mask names match; ``before`` (an
    earlier visit of the same subject) adds the changes.
    """
    compare = before is not None
    pairs: list[tuple[Result | None, Result | None]] = []
    for r in results:
        match = before.get(r.algorithm) if before is not None and r.algorithm else None
        pairs.append((r, match))
    if before is not None:
        seen = {r.algorithm for r in results}
        pairs += [(None, b) for b in before if b.algorithm not in seen]
    panels: list[PanelContent] = []
    used: set[str] = set()
    for now, old in pairs:
        ref = now or old
        assert ref is not None
        if only and not _selected(ref, only):
            continue
        key = ref.algorithm or ref.family or "result"
        if key in used:
            key = f"{key}-{len(panels) + 1}"
        used.add(key)
        title = result_title(now if now is not None and now.ok else ref)
        has_now = bool(now is not None and now.masks(masks))
        has_old = bool(old is not None and old.masks(masks))
        old_ok = old is not None and old.ok
        if now is None or not now.ok:
            why = "not in this result" if now is None else (_reason(now) or "the analysis failed")
            panels.append(PanelContent(key, title, available=False, algorithm=ref.algorithm, reason=why,
                                       has_before_masks=has_old, before_ok=old_ok))
            continue
        main, details, areas = _main_value(now, old), _details(now, old, compare), _areas(now, old, compare)
        if main is None and details is None and areas is None:
            continue  # masks only (bare masks, landmarks): the photo and legend show them
        panels.append(PanelContent(
            key=key,
            title=title,
            algorithm=now.algorithm,
            main=main,
            details=details,
            areas=areas,
            has_masks=has_now,
            has_before_masks=has_old,
            before_ok=old_ok,
            notes=("not in the earlier result",) if compare and old is None else (),
        ))
    return panels


def _selected(result: Result, only: Sequence[str]) -> bool:
    """Whether ``only`` selects the result itself or any of its masks (:mod:`maskrender.names`)."""
    return any(result.matches(n) for n in only) or any(
        matches(m, only) for m in (*result.masks_restored, *result.masks_original))


def summary_table(panels: Sequence[PanelContent], compare: bool = False) -> Table | None:
    """One row per algorithm: its main value and grade (or before, after and change)."""
    rows = []
    for p in panels:
        if not p.available:
            rows.append((Cell(p.title), Cell("not available", MUTED), *([Cell("")] * (2 if compare else 1))))
            continue
        m = p.main
        if m is None:
            rows.append((Cell(p.title), Cell("–", MUTED), *([Cell("")] * (2 if compare else 1))))
        elif compare:
            ch = m.change
            rows.append((Cell(p.title), Cell(m.before_value or "–", grade_color(m.before_grade, True)),
                         Cell(m.value, grade_color(m.grade, True), bold=True),
                         Cell(ch.text if ch else "new", ch.color if ch else MUTED)))
        else:
            rows.append((Cell(p.title), Cell(m.value, grade_color(m.grade, True), bold=True),
                         Cell(m.grade or "", grade_color(m.grade, True))))
    if not rows:
        return None
    if compare:
        return Table(("Algorithm", "Before", "After", "Change"), tuple(rows), (False, True, True, True))
    return Table(("Algorithm", "Score", "Grade"), tuple(rows), (False, True, False))
