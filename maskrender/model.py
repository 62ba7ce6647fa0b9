"""The typed, immutable model that :func:`maskrender.load` returns.

``Results`` (a sequence of ``Result``) -> ``Result`` (one algorithm: areas with metrics,
masks) -> ``Mask`` (one FeatureCollection) -> ``Feature`` (a shapely geometry, its
intensity and its raw properties).  Nothing here draws; nothing here reads JSON.

Examples
--------
>>> import maskrender as mr
>>> results = mr.load("fixtures/pih_result.json")
>>> r = results[0]
>>> r.algorithm, r.family, r.ok
('post_inflammatory_hyperpigmentation', 'acne.post_inflammatory_hyperpigmentation', True)
>>> m = r.masks()[0]
>>> m.mask_type, m.side, m.fill, m.view_box
('polygon_mask', 'front', '#D9580F', ViewBox(min_x=0.0, min_y=0.0, width=2416.0, height=2416.0))
>>> r.main_metric().value, r.main_metric().units
(2, 'per mille')
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, overload

import shapely
from shapely.geometry.base import BaseGeometry

from maskrender import names as _names
from maskrender.aliases import selection
from maskrender.defaults import MASK_SET, SIDE, MaskSet, Side, renamed_keywords
from maskrender.kinds import GEOMETRIES, MASK_KINDS, MASK_SETS, MASK_TYPES, SIDES
from maskrender.metric import GRADES, Area, Metric, grade
from maskrender.viewbox import ViewBox

__all__ = [
    "GRADES",
    "MASK_SETS",
    "MASK_TYPES",
    "SIDES",
    "Area",
    "Feature",
    "Mask",
    "Metric",
    "Result",
    "Results",
    "ViewBox",
    "grade",
    "selection",
]



class _Shown:
    """Jupyter display for results and masks: one HTML block with the masks drawn the right way up
    (y down, as in the photo) with a legend, and a summary table (:mod:`maskrender.notebook`).

    Only ``_repr_html_``: a ``_repr_png_`` as well would make every notebook store the picture twice
    (Jupyter keeps every representation an object offers, and shows the HTML).
    """

    __slots__ = ()

    def _repr_html_(self) -> str:
        from maskrender.notebook import notebook_html

        return notebook_html(self)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Feature:
    """One feature of a mask.

    Attributes
    ----------
    geometry : shapely geometry
        A ``MultiPolygon``, ``MultiPoint`` or ``MultiLineString`` in view_box units
        (always the multi-part form, whatever the input spelled).
    intensity : float
        The recommended colour intensity, normalised to 0..1 (see ``maskrender.parse``).
    properties : Mapping
        The feature's raw ``properties`` as given.
    """

    geometry: BaseGeometry
    intensity: float = 1.0
    properties: Mapping[str, Any] = field(default_factory=dict)

    @property
    def level(self) -> int:
        """The intensity in the 8-bit steps every output draws it at (0-255); a feature of level 0 is
        drawn in no format, neither filled nor outlined.

        >>> import shapely
        >>> Feature(shapely.MultiPoint([(1, 1)]), 0.5).level, Feature(shapely.MultiPoint([(1, 1)]), 0.001).level
        (128, 0)
        """
        return round(self.intensity * 255)


@dataclass(frozen=True, repr=False)
class Mask(_Shown):
    """One vectorised mask (a FeatureCollection with ``mask_type``).

    Attributes
    ----------
    mask_type : str
        ``polygon_mask``, ``point_mask``, ``polyline_mask`` or ``heatmap_mask``.
    features : tuple of Feature
    view_box : ViewBox or None
        The frame of the mask's image; ``None`` when the input had none, meaning the
        coordinates are pixels of whatever image the mask is drawn on.
    fill : str or None
        The recommended colour as ``#rrggbb`` (``None`` when missing or not a colour).
    side : str
        ``front``, ``left`` or ``right``.
    name, tech_name : str
        Display name and machine name (may be empty).
    mask_set : str
        ``restored`` or ``original``: which image the mask belongs to.
    algorithm, family : str
        Tech name and family of the result the mask came from (empty for bare masks).
    path : str
        The JSON path the mask was read from (for messages).
    """

    mask_type: str
    features: tuple[Feature, ...]
    view_box: ViewBox | None = None
    fill: str | None = None
    side: str = SIDE
    name: str = ""
    tech_name: str = ""
    mask_set: str = MASK_SET
    algorithm: str = ""
    family: str = ""
    path: str = ""

    def __repr__(self) -> str:
        frame = f"view_box {self.view_box}" if self.view_box is not None else "image pixels"
        return (f"<Mask {self.tech_name or self.name or '?'}: {self.mask_type}, {self.feature_count} feature(s), "
                f"{self.mask_set} {self.side}, {frame}>")

    @cached_property
    def geometry(self) -> BaseGeometry:
        """All features' parts as one multi-part geometry (parts kept, not dissolved).

        >>> import maskrender as mr
        >>> m = mr.load("fixtures/pih_result.json").masks()[0]
        >>> m.geometry.geom_type, len(m.geometry.geoms)
        ('MultiPolygon', 6)
        """
        parts = [p for f in self.features for p in _parts(f.geometry)]
        kind = MASK_KINDS.get(self.mask_type)
        family = kind.geometry if kind is not None else GEOMETRIES["polygon"]
        if not parts:
            return shapely.from_wkt(family.empty_wkt)
        build = {"point": shapely.multipoints, "line": shapely.multilinestrings, "polygon": shapely.multipolygons}
        return build[family.name](parts)

    @property
    def feature_count(self) -> int:
        """Number of features."""
        return len(self.features)

    @property
    def part_count(self) -> int:
        """Number of parts over all features: points, lines or polygons (after repair).

        >>> import maskrender as mr
        >>> mr.load("fixtures/pores.json").masks()[0].part_count
        1390
        """
        return len(_parts(self.geometry)) if not self.geometry.is_empty else 0

    @property
    def display_name(self) -> str:
        """``name``, else ``tech_name``, else the algorithm and mask type."""
        return self.name or self.tech_name or f"{self.algorithm or 'mask'} {self.mask_type}"

    @cached_property
    def area(self) -> float:
        """Covered area in view_box units²: the union of the polygonal features.

        Overlapping features count once; points and lines cover no area.
        """
        kind = MASK_KINDS.get(self.mask_type)
        if kind is None or not kind.polygonal or not self.features:
            return 0.0
        # the union of the single polygons: each is valid, a feature's MultiPolygon may not be
        return float(shapely.union_all(shapely.get_parts([f.geometry for f in self.features])).area)

    def frame_size(self, image_size: tuple[int, int] | None = None) -> tuple[float, float]:
        """The view_box size, else ``image_size``, else the geometry's extent."""
        if self.view_box is not None:
            return self.view_box.size
        if image_size is not None:
            return (float(image_size[0]), float(image_size[1]))
        if self.geometry.is_empty:
            return (1.0, 1.0)
        _, _, maxx, maxy = self.geometry.bounds
        return (max(1.0, math.ceil(maxx)), max(1.0, math.ceil(maxy)))

    def area_px(self, image_size: tuple[int, int]) -> float:
        """Covered area in pixels of an image of ``(width, height)`` the mask is scaled to."""
        fw, fh = self.frame_size(image_size)
        return self.area * (image_size[0] / fw) * (image_size[1] / fh)

    def coverage_per_mille(self) -> float:
        """Covered share of the mask's frame, in per mille (‰)."""
        fw, fh = self.frame_size()
        return 1000.0 * self.area / (fw * fh)

    def to_geojson(self) -> dict[str, Any]:
        """Export as a standard GeoJSON FeatureCollection that :func:`maskrender.load` reads back.

        The mask keys (``mask_type``, ``view_box``, ``fill``, ``side``, ``name``,
        ``tech_name``) travel as GeoJSON foreign members; each feature's properties are
        copied as they are (not deep-copied), with ``intensity`` set to the 0..1 value.

        >>> import maskrender as mr
        >>> m = mr.load("fixtures/pih_result.json").masks()[0]
        >>> gj = m.to_geojson()
        >>> gj["type"], gj["features"][0]["type"], gj["features"][0]["geometry"]["type"]
        ('FeatureCollection', 'Feature', 'MultiPolygon')
        >>> mr.load(gj).masks()[0].geometry.equals(m.geometry)
        True
        """
        out: dict[str, Any] = {
            "type": "FeatureCollection",
            "mask_type": self.mask_type,
            "features": [
                {
                    "type": "Feature",
                    "geometry": _geojson_geometry(f.geometry),
                    "properties": {**f.properties, "intensity": f.intensity},
                }
                for f in self.features
            ],
            "side": self.side,
        }
        if self.view_box is not None:
            out["view_box"] = str(self.view_box)
        if self.fill is not None:
            out["fill"] = self.fill
        if self.name:
            out["name"] = self.name
        if self.tech_name:
            out["tech_name"] = self.tech_name
        return out


def _parts(geom: BaseGeometry) -> list[BaseGeometry]:
    return list(geom.geoms) if hasattr(geom, "geoms") else [geom]


def _geojson_geometry(geom: BaseGeometry) -> dict[str, Any]:
    """shapely's ``mapping()`` with its tuples turned into lists (plain JSON data, exact floats)."""
    plain: dict[str, Any] = json.loads(json.dumps(shapely.geometry.mapping(geom)))
    return plain


@dataclass(frozen=True, repr=False)
class Result(_Shown):
    """One algorithm result (one record of the results endpoint).

    ``ok`` is ``False`` for ``is_ok: false`` records: they carry no areas or masks and
    keep the raw ``result`` in ``error``.  A legacy record whose ``result`` is a bare
    number, or a smoothed result (``{"algorithm_tech_name": ..., "value": 61}``), keeps it in
    ``value``.  ``area_regions`` keeps the result's ``area_regions_*`` entries as given.
    ``revision`` (the algorithm's build, ``master-25cce909``), ``application_run_id`` (one run of the
    application) and ``problems`` (the Image Quality result's codes of what is wrong with the photo,
    in order, once each) are the vendor's fields as read.
    """

    algorithm: str
    family: str = ""
    ok: bool = True
    id: str | None = None
    image_id: str | None = None
    algorithm_version_id: int | str | None = None
    image_type: str | None = None
    creation_time: str | None = None
    application_name: str | None = None
    application_run_id: str | None = None
    revision: str | None = None
    problems: tuple[str, ...] = ()
    areas: tuple[Area, ...] = ()
    masks_restored: tuple[Mask, ...] = ()
    masks_original: tuple[Mask, ...] = ()
    value: float | None = None
    error: Any = None
    area_regions: Mapping[str, Any] = field(default_factory=dict)
    path: str = ""

    def __repr__(self) -> str:
        if not self.ok:
            state = "failed"
        elif self.value is not None:
            state = f"legacy value {self.value:g}"
        else:
            masks = len(self.masks_restored) + len(self.masks_original)
            state = f"{len(self.areas)} area(s), {masks} mask(s)"
        family = f" [{self.family}]" if self.family and self.family != self.algorithm else ""
        return f"<Result {self.label}{family}: {state}>"

    @property
    def label(self) -> str:
        """What names the result in summaries: its algorithm, else its family, else its
        ``algorithm_version_id``, else its application; ``(bare masks)`` only for masks alone.

        >>> Result("", algorithm_version_id=23, value=41.0).label, Result("").label
        ('algorithm_version_id 23', '(bare masks)')
        """
        if self.algorithm or self.family:
            return self.algorithm or self.family
        if self.algorithm_version_id is not None:
            return f"algorithm_version_id {self.algorithm_version_id}"
        if self.application_name:
            return self.application_name
        return "(metrics)" if self.areas or self.value is not None else "(bare masks)"

    def metrics(self) -> list[dict[str, Any]]:
        """The metrics table of this result (:func:`maskrender.table.metric_rows`)."""
        from maskrender.table import metric_rows

        return metric_rows(Results([self]))

    @renamed_keywords(image="mask_set")
    def masks(self, mask_set: MaskSet = MASK_SET, side: Side | None = SIDE) -> tuple[Mask, ...]:
        """The masks of one set (``restored`` or ``original``), optionally of one side.

        ``side=None`` returns every side.

        >>> import maskrender as mr
        >>> [m.tech_name for m in mr.load("fixtures/acne.json")[0].masks(mask_set="original")]
        ['acne_mask_original', 'papules_mask_original']
        """
        pool = self.masks_original if mask_set == "original" else self.masks_restored
        return tuple(m for m in pool if side is None or m.side == side)

    def area(self, name: str) -> Area | None:
        """The area called ``name`` (``face``, ``nose`` ...), or ``None``."""
        return next((a for a in self.areas if a.name == name), None)

    def main_metric(self, area: str = "face") -> Metric | None:
        """The main metric of ``area`` (default ``face``; falls back to the first area)."""
        found = self.area(area)
        if found is None and self.areas and area == "face":
            found = self.areas[0]
        return found.main_metric if found is not None else None

    def matches(self, name: str) -> bool:
        """Whether ``name`` selects this result: its algorithm, family, family's last part or group
        (:func:`maskrender.names.result_matches`)."""
        return _names.result_matches(self, name)



class Results(_Shown, Sequence[Result]):
    """An immutable sequence of :class:`Result`, with selection helpers.

    >>> import maskrender as mr
    >>> results = mr.load("fixtures/pih_result.json")
    >>> len(results), results.source
    (1, 'fixtures/pih_result.json')
    >>> [m.tech_name for m in results.masks(only=["acne.post_inflammatory_hyperpigmentation"])]
    ['post_inflammatory_hyperpigmentation_mask_restored']
    >>> [m.tech_name for m in results.masks(only=["acne"])]   # the family's group
    ['post_inflammatory_hyperpigmentation_mask_restored']
    >>> results.masks(only=["pores"])
    ()
    """

    __slots__ = ("_items", "source")

    def __init__(self, items: Iterable[Result], source: str = "<results>") -> None:
        self._items: tuple[Result, ...] = tuple(items)
        self.source = source

    @overload
    def __getitem__(self, index: int) -> Result: ...
    @overload
    def __getitem__(self, index: slice) -> Results: ...
    def __getitem__(self, index: int | slice) -> Result | Results:
        if isinstance(index, slice):
            return Results(self._items[index], self.source)
        return self._items[index]

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Result]:
        return iter(self._items)

    def __repr__(self) -> str:
        names = [r.label for r in self._items[:5]]
        if len(self._items) > 5:
            names.append(f"+{len(self._items) - 5} more")
        listed = f" ({', '.join(names)})" if names else ""
        return f"<Results from {self.source}: {len(self._items)} result(s){listed}>"

    def metrics(self) -> list[dict[str, Any]]:
        """The metrics table: one row per result, area and metric (:func:`maskrender.table.metric_rows`),
        ready for ``pandas.DataFrame(results.metrics())``.

        >>> import maskrender as mr
        >>> rows = mr.load("fixtures/vendor/hautai_pores_snippets_bare.json").metrics()
        >>> [(r["name"], r["value"], r["grade"]) for r in rows]
        [('Pores Score', 64.0, 'Average'), ('Pores Number', 455.0, None), ('Pores Density', 1.0, None)]
        """
        from maskrender.table import metric_rows

        return metric_rows(self)

    @property
    def failed(self) -> tuple[Result, ...]:
        """The results with ``is_ok: false``."""
        return tuple(r for r in self._items if not r.ok)

    def get(self, algorithm: str) -> Result | None:
        """The first result whose algorithm or family is ``algorithm``."""
        return next((r for r in self._items if r.matches(algorithm)), None)

    @renamed_keywords(image="mask_set")
    def masks(
        self,
        algorithm: str | None = None,
        mask_set: MaskSet = MASK_SET,
        side: Side | None = SIDE,
        only: Sequence[str] | None = None,
    ) -> tuple[Mask, ...]:
        """Select masks across all results.

        Parameters
        ----------
        algorithm : str, optional
            Keep results whose algorithm or family is this.
        mask_set : {"restored", "original"}
            The mask set (the old keyword ``image=`` still works, with a DeprecationWarning).
        side : {"front", "left", "right"} or None
            One side, or every side with ``None``.
        only : sequence of str, optional
            Keep masks that any of these names selects (:mod:`maskrender.names`: algorithm,
            family, family group, mask tech name or its stem, display name).
        """
        names = selection(only)
        out: list[Mask] = []
        for r in self._items:
            if algorithm is not None and not r.matches(algorithm):
                continue
            out.extend(r.masks(mask_set, side))
        return tuple(_names.select(out, names) if names else out)

    def all_masks(self) -> tuple[Mask, ...]:
        """Every mask of every result, both sets, every side."""
        return tuple(m for r in self._items for m in (*r.masks_restored, *r.masks_original))

    def mask_names(self) -> list[str]:
        """Every name that selects something (for "there are: ..." messages).

        >>> import maskrender as mr
        >>> mr.load("fixtures/pih_result.json").mask_names()[:2]
        ['acne', 'acne.post_inflammatory_hyperpigmentation']
        """
        found = set(_names.available_names(self.all_masks()))
        for r in self._items:
            found.update(n for n in (r.algorithm, r.family) if n)
        return sorted(found, key=lambda n: (n.casefold(), n))  # display names among the rest
