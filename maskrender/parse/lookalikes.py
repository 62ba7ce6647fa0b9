"""JSON that looks like skin-analysis results but is not: recognised by name and refused.

A loader that takes any object with a ``result`` key as a record, and any object with an
``algorithm_tech_name`` as a bare result, reads other documents without complaint and draws
nothing: the vendor's rasterisation service answers with ``algorithm_tech_name`` beside a link
to a picture it rendered; a Face Metrics 3.0 response links to SVG pictures instead of holding
vector masks; smoothed results average several images; another vendor's analysis has a
``result`` object of its own.  :func:`look_alike` names each of these (where it saw it, what it
is, and what would be accepted instead), so the error says what the user holds.

Only keys are looked at (a few levels deep, a few items of a list), never whole documents: the
check costs nothing next to reading the input.

Examples
--------
>>> look_alike([{"algorithm_tech_name": "pores", "masked_image_url": "https://..."}])[:2]
('[0].masked_image_url', 'a rasterisation service response (a link to a picture it rendered, no mask \
geometry; load the results it drew from: GET .../images/{image_id}/results/)')
>>> look_alike({"algorithm_tech_name": "pores", "area_results": []}) is None
True
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from maskrender._jsonpath import join

__all__ = ["look_alike"]

_RESULTS = "skin-analysis results (a result record or list from the results endpoint, a bare result, or masks)"

_RASTER = ("a rasterisation service response (a link to a picture it rendered, no mask geometry; load the results "
           "it drew from: GET .../images/{image_id}/results/)", _RESULTS)
_FM3 = ("a Face Metrics 3.0 response (its masks are links to SVG pictures, not vector masks)", _RESULTS)
_SMOOTHED = ("smoothed results (values averaged over a subject's images: they belong to no one image and carry no "
             "masks; load one image's results)", _RESULTS)
_RECTANGLES = ("another vendor's skin analysis (rectangles: left, top, width, height), not this mask format", _RESULTS)

_SAMPLE = 8
"""List items looked at: look-alikes are uniform lists, the first few tell."""


def _items(data: Any, path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """The objects to look at: ``data`` itself, or the first items of a list."""
    if isinstance(data, dict):
        yield path, data
    elif isinstance(data, list):
        for i, item in enumerate(data[:_SAMPLE]):
            if isinstance(item, dict):
                yield join(path, i), item


def _smooth_key(d: dict[str, Any]) -> str | None:
    return next((k for k in d if isinstance(k, str) and "smooth" in k.lower()), None)


def _smoothed(path: str, d: dict[str, Any]) -> str | None:
    """Where a record, its result or its first area's main metric names smoothing."""
    key = _smooth_key(d)
    if key is not None:
        return join(path, key)
    body = d.get("result")
    if isinstance(body, dict):
        key = _smooth_key(body)
        if key is not None:
            return join(join(path, "result"), key)
        areas = body.get("area_results")
        if isinstance(areas, list) and areas and isinstance(areas[0], dict):
            main = areas[0].get("main_metric")
            if isinstance(main, dict):
                key = _smooth_key(main)
                if key is not None:
                    return join(join(join(join(path, "result"), "area_results"), 0), "main_metric") + f".{key}"
    return None


def _svg_links(path: str, d: dict[str, Any]) -> str | None:
    """Where a Face Metrics 3.0 payload (``face_skin_metrics_3``, or ``metrics`` whose parameters
    hold ``masks`` by side) shows itself."""
    if "face_skin_metrics_3" in d:
        return join(path, "face_skin_metrics_3")
    metrics = d.get("metrics")
    if isinstance(metrics, dict):
        for name, parameter in list(metrics.items())[:_SAMPLE]:
            if isinstance(parameter, dict) and isinstance(parameter.get("masks"), dict):
                return join(join(join(path, "metrics"), str(name)), "masks")
    return None


def _rectangles(path: str, d: dict[str, Any]) -> str | None:
    """Where another vendor's ``result`` object holds ``rectangle`` lists (or a ``face_rectangle``)."""
    body = d.get("result")
    if not isinstance(body, dict) or "algorithm_tech_name" in body:
        return None
    for name, value in list(body.items())[:64]:
        if isinstance(value, dict) and isinstance(value.get("rectangle"), list):
            return join(join(join(path, "result"), str(name)), "rectangle")
    if "face_rectangle" in d:
        return join(path, "face_rectangle")
    return None


def look_alike(data: Any, path: str = "") -> tuple[str, str, str] | None:
    """``(JSON path, what the input is, what would be accepted)`` when parsed JSON ``data`` is a
    known look-alike of skin-analysis results, else ``None``.

    >>> look_alike({"metrics": {"pimples": {"masks": {"front": {"original": "https://..."}}}}})[0]
    'metrics.pimples.masks'
    >>> look_alike([{"result": {"area_results": []}, "is_smoothed": True}])[:2]
    ('[0].is_smoothed', "smoothed results (values averaged over a subject's images: they belong to no one image \
and carry no masks; load one image's results)")
    """
    if isinstance(data, dict) and isinstance(data.get("results"), (dict, list)) and "masked_image_url" not in data:
        inner = look_alike(data["results"], join(path, "results"))  # the SVG masks service wraps its answer
        if inner is not None:
            return inner
    for where, d in _items(data, path):
        if "masked_image_url" in d:
            return (join(where, "masked_image_url"), *_RASTER)
        found = _svg_links(where, d)
        if found is not None:
            return (found, *_FM3)
        found = _smoothed(where, d)
        if found is not None:
            return (found, *_SMOOTHED)
        found = _rectangles(where, d)
        if found is not None:
            return (found, *_RECTANGLES)
    return None
