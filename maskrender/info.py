"""What a result holds, as plain data (``maskrender info --json``) or as text.

>>> import maskrender as mr
>>> s = mr.summarize(mr.load("fixtures/pih_result.json"))
>>> s["results"][0]["masks"][0]["features"], s["results"][0]["main_metric"]["display"]
(1, '2 ‰')
"""

from __future__ import annotations

import os
from typing import Any

from maskrender._jsonpath import describe, printable
from maskrender.kinds import MASK_KINDS
from maskrender.model import Mask, Metric, Result, Results
from maskrender.table import error_text, metric_fields, result_fields

__all__ = ["format_summary", "summarize"]




def _metric(m: Metric | None) -> dict[str, Any] | None:
    if m is None:
        return None
    return {**metric_fields(m), "value": m.value, "display": m.display_value,
            "unit_names": list(m.unit_names) if m.unit_names else None, "counted": m.counted}


def _mask(m: Mask) -> dict[str, Any]:
    return {
        "set": m.mask_set,
        "side": m.side,
        "mask_type": m.mask_type,
        "name": m.name,
        "tech_name": m.tech_name,
        "features": m.feature_count,
        "parts": m.part_count,
        "view_box": None if m.view_box is None else str(m.view_box),
        "fill": m.fill,
        "area": round(m.area, 3),
        "coverage_per_mille": round(m.coverage_per_mille(), 3),
    }


def _regions(value: Any) -> str:
    """A short account of an ``area_regions_*`` entry (its shape is undocumented)."""
    if isinstance(value, list):
        return f"{len(value)} item(s)"
    if isinstance(value, dict):
        return f"{len(value)} key(s): {', '.join(map(str, list(value)[:6]))}"
    return describe(value)


def _result(r: Result) -> dict[str, Any]:
    return {
        **result_fields(r),
        "error": None if r.ok else error_text(r.error),
        "application_run_id": r.application_run_id,
        "revision": r.revision,
        "problems": list(r.problems),
        "value": r.value,
        "main_metric": _metric(r.main_metric()),
        "areas": [{"area": a.name, "main_metric": _metric(a.main_metric),
                   "sub_metrics": [_metric(m) for m in a.sub_metrics]} for a in r.areas],
        "area_regions": {k: _regions(v) for k, v in r.area_regions.items()},
        "masks": [_mask(m) for m in (*r.masks_restored, *r.masks_original)],
    }


def summarize(results: Results | Result) -> dict[str, Any]:
    """A JSON-ready summary: each algorithm, ok or failed, metrics per area, each mask.

    >>> import maskrender as mr
    >>> s = mr.summarize(mr.load("fixtures/results_list.json"))
    >>> [(r["algorithm"], r["ok"], r["error"]) for r in s["results"]][3:5]
    [('acne', True, None), ('wrinkles_depth', False, 'face not detected')]
    """
    if isinstance(results, Result):
        results = Results([results])
    if not isinstance(results, Results):
        hint = " (load it first: summarize(maskrender.load(path)))" if isinstance(results, (str, bytes, os.PathLike,
                                                                                            dict, list)) else ""
        raise TypeError(f"summarize: expected loaded results (maskrender.Results){hint}, not "
                        f"{type(results).__name__}")
    return {"source": results.source, "results": [_result(r) for r in results]}


_IDS = ("id", "image_id", "algorithm_version_id", "application_name")


def _metric_text(m: dict[str, Any]) -> str:
    grade = f" ({m['grade']})" if m["grade"] else ""
    hidden = " [hidden]" if not m["widget_show"] else ""
    return f"{m['name'] or m['tech_name']}: {m.get('counted') or m['display']}{grade}{hidden}"


def _vendor_lines(r: dict[str, Any]) -> list[str]:
    """The run and build of a result, and the photo's problems (Image Quality), when the result says."""
    run = ", ".join(f"{key} {r[key]}" for key in ("application_run_id", "revision") if r.get(key))
    out = [f"    {run}"] if run else []
    if r.get("problems"):
        out.append(f"    problems with the photo: {', '.join(r['problems'])}")
    return out


def format_summary(summary: dict[str, Any]) -> str:
    """The human-readable form of :func:`summarize`'s output.

    >>> import maskrender as mr
    >>> print(mr.format_summary(mr.summarize(mr.load("fixtures/pih_result.json"))))  # doctest: +ELLIPSIS
    fixtures/pih_result.json: 1 result(s)
    - post_inflammatory_hyperpigmentation [acne.post_inflammatory_hyperpigmentation]: ok
        id 4cff9fb8-e85c-4000-a387-d22d52c15a31, image_id 245a25a8-..., algorithm_version_id 98, application_name Acne
        application_run_id 4833ea3f-55d6-4e9d-bcc1-ea14fa14fcee, revision master-25cce909
        face             Post-inflammatory Hyperpigmentation: 2 ‰
    ...
        mask restored/front polygon_mask post_inflammatory_hyperpigmentation_mask_restored: 1 feature(s), \
6 polygon(s), view_box 0 0 2416 2416, fill #D9580F
    """
    lines = [f"{summary['source']}: {len(summary['results'])} result(s)"]
    for r in summary["results"]:
        title = r["label"]
        if r["family"] and r["family"] != title:
            title += f" [{r['family']}]"
        ids = ", ".join(f"{key} {r[key]}" for key in _IDS if r.get(key) is not None)
        if not r["ok"]:
            reason = f": {r['error']}" if r.get("error") else ""
            lines.append(f"- {title}: FAILED (is_ok: false){reason}")
            lines.extend([f"    {ids}"] if ids else [])
            continue
        lines.append(f"- {title}: ok" + (f", legacy value {r['value']:g}" if r["value"] is not None else ""))
        lines.extend([f"    {ids}"] if ids else [])
        lines.extend(_vendor_lines(r))
        for a in r["areas"]:
            main = a["main_metric"]
            if main is not None:
                lines.append(f"    {a['area']:<16} {_metric_text(main)}")
            elif a["sub_metrics"]:
                lines.append(f"    {a['area']:<16} -")
            lines.extend(f"       {'':<16}{_metric_text(m)}" for m in a["sub_metrics"])
        lines.extend(f"    {key}: {text}" for key, text in r["area_regions"].items())
        for k in r["masks"]:
            lines.append(
                f"    mask {k['set']}/{k['side']} {k['mask_type']} {k['tech_name'] or k['name'] or '-'}: "
                f"{k['features']} feature(s), {k['parts']} {MASK_KINDS[k['mask_type']].geometry.name}(s), "
                f"view_box {k['view_box'] or '(image pixels)'}, "
                f"fill {k['fill'] or '(palette)'}"
            )
    return "\n".join(map(printable, lines))
