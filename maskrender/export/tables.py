"""The metrics table as text: CSV with a header line, or JSON Lines (:func:`maskrender.table.metric_rows`).

Examples
--------
>>> metrics_csv("fixtures/vendor/hautai_pores_snippets_bare.json").splitlines()[0].split(",")[:5]
['area', 'name', 'value', 'units', 'grade']
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from maskrender.model import Result, Results
from maskrender.names import result_matches
from maskrender.overlay import MaskInput
from maskrender.parse import load
from maskrender.table import METRIC_COLUMNS

__all__ = ["metrics_csv", "metrics_jsonl"]


def _results(data: MaskInput, only: Sequence[str] | None) -> Results:
    results = data if isinstance(data, Results) else Results([data]) if isinstance(data, Result) else \
        load(data)  # type: ignore[arg-type]
    if only:
        results = Results([r for r in results if any(result_matches(r, n) for n in only)], results.source)
    return results


def _cell(v: Any) -> Any:
    return "" if v is None else v


def metrics_csv(data: MaskInput, *, only: Sequence[str] | None = None) -> str:
    """The metrics table as CSV text with a header line (:data:`~maskrender.table.METRIC_COLUMNS`).

    >>> metrics_csv("fixtures/vendor/hautai_pores_snippets_bare.json").splitlines()[2].split(",")[:5]
    ['face', 'Pores Number', '455.0', '', '']
    """
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(METRIC_COLUMNS)
    for row in _results(data, only).metrics():
        writer.writerow([_cell(row[c]) for c in METRIC_COLUMNS])
    return buf.getvalue()


def metrics_jsonl(data: MaskInput, *, only: Sequence[str] | None = None) -> str:
    """The metrics table as JSON Lines: one object per row, ``null`` where empty.

    >>> metrics_jsonl("fixtures/pih_result.json").count("\\n")
    6
    """
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in _results(data, only).metrics())
