"""GeoJSON of masks that GIS tools read in the image's own frame, and :func:`maskrender.load` reads back.

One FeatureCollection holds every selected mask's features; each feature's properties say which
mask it belongs to (``mask``, ``mask_type``, ``name``, ``tech_name``, ``algorithm``, ``family``,
``side``, ``mask_set``, ``view_box``, ``fill``) and its 0..1 ``intensity``, so ``maskrender.load``
rebuilds the masks (``parse.exported``), with the same areas.

The frame is declared, not left to the reader: GeoJSON (RFC 7946) means longitude/latitude when
nothing is said, and geopandas would call the masks EPSG:4326 and warn on every ``.area``.  The
collection carries the GeoJSON 2008 ``crs`` member with a WKT2 engineering CRS (an image plane,
x to the right, y down, unit the pixel or the view_box unit), which GDAL, pyogrio and geopandas
read as a projected, non-geographic CRS.

Coordinates: in ``view_box`` units they are the input's own numbers, untouched (the shortest
decimal that reads back as the same double).  In ``pixels`` they are rounded to 1/1000 pixel
(:data:`PIXEL_DECIMALS`): the renderer resolves edges to 1/1024 px (its fixed-point grid) and
stores coverage in 1/255 steps, so nothing finer can show in a pixel; moving every vertex by at
most 0.0005 px per axis changes an area by at most 0.0005 x sqrt(2) x its perimeter.  Unrounded,
the scale to the image wrote 17 significant digits: ``fixtures/results_list.json`` at 1000 x 1000
was 176 KB, rounded 104 KB.

Examples
--------
>>> doc = geojson_masks(__import__("maskrender").load("fixtures/pih_result.json").masks(), ["pih"], None)
>>> doc["features"][0]["properties"]["mask"], doc["crs"]["properties"]["name"][:6]
('pih', 'ENGCRS')
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from maskrender.geometry import fit, frame_of
from maskrender.model import Mask

__all__ = ["PIXEL_DECIMALS", "crs_member", "geojson_masks"]

PIXEL_DECIMALS = 3
"""Decimals of pixel coordinates in a GeoJSON export (1/1000 px)."""


def crs_member(unit: str) -> dict[str, Any]:
    """The ``crs`` member declaring the image plane (x right, y down) in ``unit`` (``pixel``, ``view_box unit``).

    >>> crs_member("pixel")["properties"]["name"].startswith('ENGCRS["maskrender image plane (pixel)"')
    True
    """
    wkt = (f'ENGCRS["maskrender image plane ({unit})",EDATUM["image top-left corner"],CS[Cartesian,2],'
           f'AXIS["x (right)",east,ORDER[1],LENGTHUNIT["{unit}",1]],'
           f'AXIS["y (down)",south,ORDER[2],LENGTHUNIT["{unit}",1]]]')
    return {"type": "name", "properties": {"name": wkt}}


def _rounded(geom: BaseGeometry) -> BaseGeometry:
    return shapely.transform(geom, lambda xy: np.round(xy, PIXEL_DECIMALS))


def _plain(geom: BaseGeometry) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(json.dumps(shapely.geometry.mapping(geom)))
    return data


def geojson_masks(masks: Sequence[Mask], names: Sequence[str], canvas: tuple[int, int] | None) -> dict[str, Any]:
    """The FeatureCollection of ``masks`` (named ``names``): view_box coordinates with ``canvas``
    ``None``, else pixels of an image of that size (see the module's notes)."""
    features = []
    for m, name in zip(masks, names, strict=True):
        geoms = [f.geometry for f in m.features]
        if canvas is None:
            view_box = None if m.view_box is None else str(m.view_box)
        else:
            t = fit(frame_of(m, canvas), canvas, check_aspect=False)
            geoms = [_rounded(g) for g in t.apply_all(geoms)]
            view_box = f"0 0 {canvas[0]} {canvas[1]}"
        for f, geom in zip(m.features, geoms, strict=True):
            features.append({"type": "Feature", "geometry": _plain(geom), "properties": {
                "mask": name, "name": m.name, "tech_name": m.tech_name, "mask_type": m.mask_type,
                "algorithm": m.algorithm, "family": m.family, "side": m.side, "mask_set": m.mask_set,
                "view_box": view_box, "fill": m.fill, "intensity": f.intensity}})
    out: dict[str, Any] = {"type": "FeatureCollection",
                           "crs": crs_member("pixel" if canvas is not None else "view_box unit"),
                           "coordinates": "pixels" if canvas is not None else "view_box"}
    if canvas is not None:
        out["size"] = list(canvas)
    out["features"] = features
    return out
