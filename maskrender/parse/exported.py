"""maskrender's own GeoJSON export read back: features that name their masks, regrouped into results.

A GeoJSON export (:mod:`maskrender.export.geo`) is one FeatureCollection whose features each
carry their mask's keys (``mask``, ``mask_type``, ``view_box``, ``fill``, ``side``, ``name``,
``tech_name``, ``algorithm``, ``family``, ``mask_set``) as properties.  :func:`regroup` turns it
into the records envelope (one record per algorithm, its masks as FeatureCollections) for the
ordinary reader, so a mask read back has the geometry, frame and area it was written with.

Examples
--------
>>> doc = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {
...     "mask": "a", "mask_type": "point_mask", "algorithm": "pores", "family": "pores.pores"},
...     "geometry": {"type": "Point", "coordinates": [1, 2]}}]}
>>> is_export(doc), regroup(doc)[0]["result"]["masks_restored"][0]["mask_type"]
(True, 'point_mask')
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from maskrender.errors import FormatError
from maskrender.model import Result

__all__ = ["is_export", "original_path", "read_export", "regroup"]

_MASK_KEYS = ("mask_type", "view_box", "fill", "side", "name", "tech_name")


def _props(feature: Any) -> Any:
    return feature.get("properties") if isinstance(feature, dict) else None


def is_export(data: Any) -> bool:
    """Whether ``data`` is a FeatureCollection of features that each name their mask and its type."""
    if not isinstance(data, dict) or "mask_type" in data or data.get("type") != "FeatureCollection":
        return False
    features = data.get("features")
    return isinstance(features, list) and bool(features) and all(
        isinstance(_props(f), dict) and isinstance(_props(f).get("mask_type"), str)
        and isinstance(_props(f).get("mask"), str) for f in features)


def regroup(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The records envelope of an export: one record per (family, algorithm), in order of appearance."""
    return _regroup(data)[0]


def _regroup(data: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """The records, and where each record, mask and feature came from (its path -> the first or
    only feature's index in ``data["features"]``)."""
    records: dict[tuple[Any, Any], dict[str, Any]] = {}
    masks: dict[tuple[Any, ...], dict[str, Any]] = {}
    where: dict[str, int] = {}
    for n, feature in enumerate(data["features"]):
        p = feature["properties"]
        key = (p.get("family") or "", p.get("algorithm") or "")
        if key not in records:
            where[f"[{len(records)}]"] = n
            records[key] = {"algorithm_family_tech_name": key[0] or None,
                            "result": {"algorithm_tech_name": key[1] or None, "masks_restored": [],
                                       "masks_original": []}}
        record = records[key]
        mask_set = "original" if p.get("mask_set") == "original" else "restored"
        mkey = (*key, mask_set, p["mask"])
        if mkey not in masks:
            pool = record["result"][f"masks_{mask_set}"]
            where[f"[{list(records).index(key)}].result.masks_{mask_set}[{len(pool)}]"] = n
            masks[mkey] = {k: p.get(k) for k in _MASK_KEYS if p.get(k) is not None}
            masks[mkey]["features"] = []
            masks[mkey]["_path"] = f"[{list(records).index(key)}].result.masks_{mask_set}[{len(pool)}]"
            pool.append(masks[mkey])
        mask = masks[mkey]
        where[f"{mask['_path']}.features[{len(mask['features'])}]"] = n
        kept = {k: v for k, v in p.items() if k == "intensity"}
        mask["features"].append({"type": "Feature", "geometry": feature.get("geometry"), "properties": kept})
    for mask in masks.values():
        del mask["_path"]
    return list(records.values()), where


_PATH = re.compile(r"(\[\d+\](?:\.result\.masks_\w+\[\d+\](?:\.features\[\d+\])?)?)(.*)")
_RENAMED = {".algorithm_family_tech_name": ".properties.family", ".result.algorithm_tech_name": ".properties.algorithm"}


def original_path(path: str, where: dict[str, int]) -> str:
    """The path in the export of a path in its regrouped records (``features[n]...``).

    >>> original_path("[0].result.masks_restored[1].features[2].geometry",
    ...               {"[0].result.masks_restored[1].features[2]": 9})
    'features[9].geometry'
    >>> original_path("[0].result.masks_restored[1].view_box", {"[0].result.masks_restored[1]": 4})
    'features[4].properties.view_box'
    """
    match = _PATH.fullmatch(path)
    if match is None or match.group(1) not in where:
        return path
    head, rest = match.group(1), match.group(2)
    n = where[head]
    if ".features[" in head:
        return f"features[{n}]{rest}"
    rest = _RENAMED.get(rest, rest)
    return f"features[{n}]{rest if rest.startswith('.properties') else '.properties' + rest}"


def read_export(data: dict[str, Any], ctx: Any, read: Callable[[Any, Any], list[Result]]) -> list[Result]:
    """Read an export with ``read`` (the records reader); an error names the export's own JSON path."""
    records, where = _regroup(data)
    try:
        return read(records, ctx)
    except FormatError as err:
        raise FormatError(err.source, original_path(err.path, where), err.expected, err.found) from None
