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

from typing import Any

__all__ = ["is_export", "regroup"]

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
    records: dict[tuple[Any, Any], dict[str, Any]] = {}
    masks: dict[tuple[Any, ...], dict[str, Any]] = {}
    for feature in data["features"]:
        p = feature["properties"]
        key = (p.get("family") or "", p.get("algorithm") or "")
        if key not in records:
            records[key] = {"algorithm_family_tech_name": key[0] or None,
                            "result": {"algorithm_tech_name": key[1] or None, "masks_restored": [],
                                       "masks_original": []}}
        mask_set = "original" if p.get("mask_set") == "original" else "restored"
        mkey = (*key, mask_set, p["mask"])
        if mkey not in masks:
            masks[mkey] = {k: p.get(k) for k in _MASK_KEYS if p.get(k) is not None}
            masks[mkey]["features"] = []
            records[key]["result"][f"masks_{mask_set}"].append(masks[mkey])
        kept = {k: v for k, v in p.items() if k == "intensity"}
        masks[mkey]["features"].append({"type": "Feature", "geometry": feature.get("geometry"), "properties": kept})
    return list(records.values())
