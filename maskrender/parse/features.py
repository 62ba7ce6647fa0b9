"""Reading one mask's ``features`` list: properties and intensities here, geometries in
:mod:`maskrender.geometry.build`."""

from __future__ import annotations

from typing import Any

from maskrender._jsonpath import Context, finite, join
from maskrender.geometry.build import build_geometries
from maskrender.kinds import GeometryFamily
from maskrender.model import Feature
from maskrender.parse.assumptions import normalise_intensities

__all__ = ["read_features"]


def read_features(feats: list[Any], path: str, fam: GeometryFamily, ctx: Context) -> tuple[Feature, ...]:
    """Every feature of one mask (its ``features`` list at ``path``, geometries of family ``fam``).

    >>> from maskrender.kinds import MASK_KINDS
    >>> f = read_features([{"geometry": {"type": "Point", "coordinates": [1, 2]}, "properties": {"intensity": 50}},
    ...                    {"geometry": {"type": "Point", "coordinates": [3, 4]}, "properties": {"intensity": 100}}],
    ...                   "features", MASK_KINDS["point_mask"].geometry, Context("x.json"))
    >>> [x.intensity for x in f], f[0].geometry.wkt
    ([0.5, 1.0], 'MULTIPOINT ((1 2))')
    """
    parts_of: list[list[Any]] = []
    multi_of: list[bool] = []
    raw_intensity: list[float | None] = []
    props: list[dict[str, Any]] = []
    for i, f in enumerate(feats):
        if not isinstance(f, dict):
            raise ctx.fail(join(path, i), "a feature object", f)
        p = f.get("properties")
        if p is None:
            p = {}
        elif not isinstance(p, dict):
            raise ctx.fail(f"{path}[{i}].properties", "an object or null", p)
        inten = p.get("intensity")
        if inten is not None:
            inten = finite(inten)
            if inten is None:
                raise ctx.fail(f"{path}[{i}].properties.intensity", "a finite number or null", p["intensity"])
        g = f.get("geometry")
        if g is None:
            parts: list[Any] = []
            multi = True
        else:
            if not isinstance(g, dict):
                raise ctx.fail(f"{path}[{i}].geometry", "a geometry object or null", g)
            gtype = g.get("type")
            reads = fam.reads(gtype) if isinstance(gtype, str) else None
            if reads is None:
                raise ctx.fail(f"{path}[{i}].geometry.type", fam.expected, gtype)
            coords = g.get("coordinates")
            if not isinstance(coords, list):
                raise ctx.fail(f"{path}[{i}].geometry.coordinates", "a list", coords)
            multi = reads
            parts = coords if multi else ([coords] if coords else [])
        parts_of.append(parts)
        multi_of.append(multi)
        raw_intensity.append(inten)
        props.append(p)
    geoms = build_geometries(parts_of, multi_of, path, fam, ctx)
    intensities = normalise_intensities(raw_intensity)
    return tuple(Feature(g, t, p) for g, t, p in zip(geoms, intensities, props, strict=True))
