"""The metrics table: one row per result, facial area and metric, ready for pandas and CSV.

Each row carries the result's identifiers (``id``, ``image_id``, ``algorithm_version_id``,
``application_name``), the area, whether the metric is the area's ``main`` metric or a ``sub``
metric (or a legacy record's bare ``legacy`` value), the value as a number (``value``; empty for
text such as ``moderate``) and as given when it was text (``value_text``), the units and their
symbol, the widget type and the grade of ``bad_good_line`` scores.  A failed record gives one row
with ``ok`` false and its ``error``.  :data:`METRIC_COLUMNS` is the column order.

Examples
--------
>>> import maskrender as mr
>>> rows = metric_rows(mr.load("fixtures/vendor/hautai_acne_class_record.json"))
>>> [(r["label"], r["area"], r["metric"], r["value"], r["value_text"], r["algorithm_version_id"]) for r in rows]
[('acne_class', 'face', 'main', None, 'moderate', 101)]
"""

from __future__ import annotations

from typing import Any

from maskrender._jsonpath import printable
from maskrender.model import Metric, Result, Results

__all__ = ["METRIC_COLUMNS", "error_text", "metric_fields", "metric_rows", "result_fields"]

METRIC_COLUMNS: tuple[str, ...] = (
    "area", "name", "value", "units", "grade", "metric", "tech_name", "value_text", "unit_symbol", "widget_type",
    "widget_show", "label", "algorithm", "family", "ok", "error", "source", "result", "id", "image_id",
    "algorithm_version_id", "application_name", "creation_time", "image_type",
)
"""The columns of :func:`metric_rows`, in order: what a reader looks at first (the area, the metric's name,
value, units and grade), then what the metric is, then which result it comes from."""


def error_text(error: Any) -> str | None:
    """A failed record's reason, when its (undocumented) ``result`` states one as text (at most 200
    characters, printable).

    >>> error_text({"error": "face not detected"}), error_text(None)
    ('face not detected', None)
    """
    if isinstance(error, dict):
        error = next((error[k] for k in ("error", "message", "detail") if isinstance(error.get(k), str)), None)
    if not isinstance(error, str):
        return None
    return printable(error if len(error) <= 200 else error[:197] + "...")


def result_fields(r: Result) -> dict[str, Any]:
    """Which result a record is: the fields every serialisation of a result starts with (the metrics
    table's rows and ``maskrender info --json``)."""
    return {"label": r.label, "algorithm": r.algorithm, "family": r.family, "ok": r.ok, "id": r.id,
            "image_id": r.image_id, "algorithm_version_id": r.algorithm_version_id,
            "application_name": r.application_name, "creation_time": r.creation_time, "image_type": r.image_type}


def metric_fields(m: Metric) -> dict[str, Any]:
    """What a metric is, shared by every serialisation (each adds its own reading of the value)."""
    return {"name": m.name, "tech_name": m.tech_name, "units": m.units, "widget_type": m.widget_type,
            "widget_show": m.widget_show, "grade": m.grade}


def _base(results: Results, index: int, r: Result) -> dict[str, Any]:
    return {"source": results.source, "result": index, **result_fields(r)}


def _metric(m: Metric) -> dict[str, Any]:
    return {**metric_fields(m), "value": m.number, "value_text": m.value if isinstance(m.value, str) else None,
            "unit_symbol": m.unit_symbol or None}


def _row(base: dict[str, Any], **values: Any) -> dict[str, Any]:
    return {c: values.get(c, base.get(c)) for c in METRIC_COLUMNS}


def metric_rows(results: Results) -> list[dict[str, Any]]:
    """Every metric of every result as a row of :data:`METRIC_COLUMNS` (``None`` where empty).

    >>> import maskrender as mr
    >>> rows = metric_rows(mr.load("fixtures/vendor/hautai_face_results_legacy.json"))
    >>> [(r["label"], r["metric"], r["value"]) for r in rows]
    [('algorithm_version_id 23', 'legacy', 41.0), ('algorithm_version_id 19', 'legacy', 37.0)]
    """
    rows: list[dict[str, Any]] = []
    for index, r in enumerate(results):
        base = _base(results, index, r)
        if not r.ok:
            rows.append(_row(base, error=error_text(r.error)))
            continue
        if r.value is not None:
            rows.append(_row(base, metric="legacy", value=r.value))
        for a in r.areas:
            metrics = [("main", a.main_metric)] if a.main_metric is not None else []
            metrics += [("sub", m) for m in a.sub_metrics]
            rows.extend(_row(base, area=a.name, metric=kind, **_metric(m)) for kind, m in metrics)
    return rows
