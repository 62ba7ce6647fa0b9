"""What a report says: results turned into plain strings, grades, changes and tables.

Nothing here knows about pixels or positions (that is :mod:`maskrender.report.layout`).
The few judgements the format leaves open live in one function each:
:func:`direction` (is a higher value better?) and :func:`area_label`.  Every word the report
adds comes from a :class:`~maskrender.report.i18n.Catalogue`; units come from the model.

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

from collections.abc import Sequence

from maskrender.defaults import MASK_SET, MaskSet
from maskrender.metric import with_units
from maskrender.model import Metric, Result, Results
from maskrender.names import select_results
from maskrender.report.content_types import Cell, Change, MainValue, PanelContent, Table
from maskrender.report.i18n import Catalogue, load_catalogue

__all__ = [
    "area_label",
    "build_panels",
    "change",
    "creation_date",
    "direction",
    "metric_text",
    "result_title",
    "summary_table",
]


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


def _decimals(x: float) -> int:
    text = f"{x:.6f}".rstrip("0")
    return len(text.split(".")[1]) if "." in text else 0


def change(after: Metric, before: Metric | None, words: Catalogue | None = None) -> Change | None:
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
    w = words or load_catalogue()
    a, b = after.number, before.number
    if a is None or b is None:
        if str(after.value).strip().lower() == str(before.value).strip().lower():
            return Change("", w("change.none"), "neutral")
        was = metric_text(before)
        return Change("", w("change.was", value=was) if was else w("change.changed"), "neutral")
    places = max(_decimals(a), _decimals(b))
    delta = round(a - b, places)
    if delta == 0:
        return Change("", w("change.none"), "neutral")
    text = with_units(delta, after.units)
    text = ("+" + text if delta > 0 else text).replace("-", "−", 1)
    sense = direction(after)
    if sense == 0:
        return Change(text, "", "neutral")
    good = (delta > 0) == (sense > 0)
    return Change(text, w("change.better") if good else w("change.worse"), "better" if good else "worse")


def area_label(name: str) -> str:
    """A readable area name: ``left_cheek`` -> ``Left cheek``.

    >>> area_label("right_eye_area"), area_label("face")
    ('Right eye area', 'Face')
    """
    text = name.replace("_", " ").strip()
    return text[:1].upper() + text[1:] if text else "?"


def creation_date(results: Results) -> str | None:
    """The first ``creation_time`` among the results."""
    return next((r.creation_time for r in results if r.creation_time), None)


def result_title(result: Result, w: Catalogue | None = None) -> str:
    """The panel title: the face's main metric name (in the catalogue's language where it has
    it), else the algorithm name made readable."""
    main = result.main_metric() if result.ok else None
    if main is not None and main.name:
        return _metric_name(main, w) if w is not None else main.name
    return area_label(result.algorithm or result.family or "algorithm")


def _metric_name(metric: Metric, w: Catalogue) -> str:
    return w.vendor("metric", metric.tech_name, metric.name or metric.tech_name)


def _area_name(name: str, w: Catalogue) -> str:
    return w.vendor("area", name, area_label(name))


def _shown(metric: Metric | None) -> Metric | None:
    return metric if metric is not None and metric.widget_show else None


def _face(result: Result) -> tuple[Metric | None, tuple[Metric, ...]]:
    area = result.area("face") or (result.areas[0] if result.areas else None)
    if area is None:
        return None, ()
    return _shown(area.main_metric), tuple(m for m in area.sub_metrics if m.widget_show)


def _score(metric: Metric | None) -> float | None:
    if metric is None or metric.widget_type != "bad_good_line" or metric.number is None:
        return None
    return max(0.0, min(100.0, metric.number))


def _main_value(result: Result, before: Result | None, w: Catalogue) -> MainValue | None:
    main, _ = _face(result)
    prev = _face(before)[0] if before is not None and before.ok else None
    if main is None:
        if result.value is not None:  # legacy record: a bare number
            value = f"{result.value:g}"
            bval = f"{before.value:g}" if before is not None and before.value is not None else None
            ch = None
            if before is not None and before.value is not None:
                ch = change(Metric("", "", result.value), Metric("", "", before.value), w)
            return MainValue(w("value.legacy"), value, before_value=bval, change=ch,
                             before_text=w("before.value", value=bval or "–"))
        return None
    return MainValue(
        label=_metric_name(main, w) if main.name else w("value.score"),
        value=metric_text(main) or "–",
        grade=main.grade,
        grade_word=w.grade(main.grade) if main.grade else "",
        score=_score(main),
        before_value=metric_text(prev) if prev is not None else None,
        before_grade=prev.grade if prev is not None else None,
        before_score=_score(prev),
        before_text=w("before.value", value=" · ".join(v for v in (metric_text(prev) or "–", _word(prev, w)) if v)
                      if prev is not None else "–"),
        change=change(main, prev, w) if prev is not None else None,
    )


def _word(metric: Metric, w: Catalogue) -> str:
    return w.grade(metric.grade) if metric.grade else ""


def metric_text(metric: Metric) -> str:
    """A metric's value with its units as a short text (``"38 ‰"``, ``"41.3°"``, ``"mild"``): the model's,
    or what it counts when ``widget_meta`` names it (``"2 papules"``).

    >>> metric_text(Metric("ITA", "ita", 41.3, "numeric", units="degrees"))
    '41.3°'
    >>> metric_text(Metric("Papules", "papules", 2, widget_meta={"verbose_name": "papule",
    ...                                                      "verbose_name_plural": "papules"}))
    '2 papules'
    """
    return metric.counted or metric.display_value


def _value_cell(metric: Metric | None) -> Cell:
    if metric is None:
        return Cell("–", "muted")
    return Cell(metric_text(metric) or "–", f"grade:{metric.grade}" if metric.grade else "")


def _change_cell(after: Metric | None, before: Metric | None, w: Catalogue) -> Cell:
    if after is None or before is None:
        return Cell(w("new") if before is None and after is not None else "–", "muted")
    ch = change(after, before, w)
    return Cell(ch.text if ch else "–", ch.tone if ch else "muted")


def _compare_columns(w: Catalogue, first: str) -> tuple[str, ...]:
    return (w(first), w("column.before"), w("column.after"), w("column.change"))


def _details(result: Result, before: Result | None, compare: bool, w: Catalogue) -> Table | None:
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
            label = _metric_name(either, w) if either is not None and either.name else key
            rows.append((Cell(label), _value_cell(b), _value_cell(a), _change_cell(a, b, w)))
        if not rows:
            return None
        return Table(_compare_columns(w, "column.measure"), tuple(rows), (False, True, True, True))
    if not subs:
        return None
    return Table((w("column.measure"), w("column.value")),
                 tuple((Cell(_metric_name(m, w)), _value_cell(m)) for m in subs), (False, True))


def _main_column(result: Result, mains: Sequence[tuple[str, Metric]], w: Catalogue) -> str:
    """The title of the per-area table's main column: one name for every area, not the first area's.

    The areas' metrics share one name (``Pores score``): that.  They differ by area (``Left Eye
    Age``, ``Right Eye Age``): the face's metric name (``Eye Age``), else the words the names
    share once each area's own words are taken out, else the catalogue's ``Value``.
    """
    names = {_metric_name(m, w) for _, m in mains if m.name}
    if len(names) == 1:
        return names.pop()
    face_area = result.area("face")
    face = _shown(face_area.main_metric) if face_area is not None else None
    if face is not None and face.name:
        return _metric_name(face, w)
    rests = set()
    for name, m in mains:
        own = set(name.lower().replace("_", " ").split())
        rests.add(" ".join(word for word in m.name.split() if word.lower() not in own))
    rest = rests.pop() if len(rests) == 1 else ""
    return rest[:1].upper() + rest[1:] if rest else w("column.value")


def _areas(result: Result, before: Result | None, compare: bool, w: Catalogue) -> Table | None:
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
            rows.append((Cell(_area_name(name, w)), _value_cell(prior), _value_cell(after),
                         _change_cell(after, prior, w)))
        if not rows:
            return None
        return Table(_compare_columns(w, "column.area"), tuple(rows), (False, True, True, True))
    # Columns: the main metric, then every sub-metric that the areas other than the face carry.
    extra: list[str] = []
    titles: dict[str, str] = {}
    for area in areas:
        for m in area.sub_metrics:
            key = m.tech_name or m.name
            if m.widget_show and key not in extra:
                extra.append(key)
                titles[key] = _metric_name(m, w) if m.name else key
    rows = []
    mains: list[tuple[str, Metric]] = []
    for area in areas:
        main = _shown(area.main_metric)
        subs = {m.tech_name or m.name: m for m in area.sub_metrics if m.widget_show}
        if main is None and not any(k in subs for k in extra):
            continue
        if main is not None:
            mains.append((area.name, main))
        rows.append((Cell(_area_name(area.name, w)), _value_cell(main), *(_value_cell(subs.get(k)) for k in extra)))
    if not rows:
        return None
    columns = (w("column.area"), _main_column(result, mains, w), *(titles[k] for k in extra))
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
                 mask_set: MaskSet = MASK_SET, words: Catalogue | None = None) -> list[PanelContent]:
    """One :class:`PanelContent` per algorithm of ``results`` (and of ``before`` not in it).

    Results with no metric at all (bare masks) get no panel: the report's photo and legend
    show their masks.

    ``only`` keeps algorithms whose algorithm, family or mask names match; ``before`` (an
    earlier visit of the same subject) adds the changes; ``words`` is the catalogue.
    """
    w = words or load_catalogue()
    compare = before is not None
    pairs: list[tuple[Result | None, Result | None]] = []
    for r in results:
        match = before.get(r.algorithm) if before is not None and r.algorithm else None
        pairs.append((r, match))
    if before is not None:
        seen = {r.algorithm for r in results}
        pairs += [(None, b) for b in before if b.algorithm not in seen]
    refs = [ref for now, old in pairs for ref in (now or old,) if ref is not None]
    selected = select_results(refs, only or (), lambda r: (*r.masks_restored, *r.masks_original))
    panels: list[PanelContent] = []
    used: set[str] = set()
    for now, old in pairs:
        ref = now or old
        assert ref is not None
        if only and not any(ref is r for r in selected):
            continue
        key = ref.algorithm or ref.family or "result"
        if key in used:
            key = f"{key}-{len(panels) + 1}"
        used.add(key)
        title = result_title(now if now is not None and now.ok else ref, w)
        has_now = bool(now is not None and now.masks(mask_set))
        has_old = bool(old is not None and old.masks(mask_set))
        old_ok = old is not None and old.ok
        if now is None or not now.ok:
            why = w("not_in_result") if now is None else (_reason(now) or w("analysis_failed"))
            panels.append(PanelContent(key, title, available=False, algorithm=ref.algorithm, reason=why,
                                       has_before_masks=has_old, before_ok=old_ok))
            continue
        main, details, areas = _main_value(now, old, w), _details(now, old, compare, w), _areas(now, old, compare, w)
        problems = (w("photo_problems", codes=", ".join(now.problems)),) if now.problems else ()
        if main is None and details is None and areas is None and not problems:
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
            notes=(*problems, *((w("not_in_before"),) if compare and old is None else ())),
        ))
    return panels


def summary_table(panels: Sequence[PanelContent], compare: bool = False,
                  words: Catalogue | None = None) -> Table | None:
    """One row per algorithm: its main value and grade (or before, after and change)."""
    w = words or load_catalogue()
    rows = []
    blank = [Cell("")] * (2 if compare else 1)
    for p in panels:
        m = p.main
        if not p.available:
            rows.append((Cell(p.title), Cell(w("not_available"), "muted"), *blank))
        elif m is None:
            rows.append((Cell(p.title), Cell("–", "muted"), *blank))
        elif compare:
            ch = m.change
            rows.append((Cell(p.title), Cell(m.before_value or "–", _grade_tone(m.before_grade)),
                         Cell(m.value, _grade_tone(m.grade), bold=True),
                         Cell(ch.text if ch else w("new"), ch.tone if ch else "muted")))
        else:
            rows.append((Cell(p.title), Cell(m.value, _grade_tone(m.grade), bold=True),
                         Cell(m.grade_word, _grade_tone(m.grade))))
    if not rows:
        return None
    if compare:
        return Table(_compare_columns(w, "column.algorithm"), tuple(rows), (False, True, True, True))
    return Table((w("column.algorithm"), w("column.score"), w("column.grade")), tuple(rows), (False, True, False))


def _grade_tone(grade: str | None) -> str:
    return f"grade:{grade}" if grade else "muted"
