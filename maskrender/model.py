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
from maskrender.errors import InputError
from maskrender.kinds import GEOMETRIES, KINDS, MASK_SETS, MASK_TYPES, SIDES

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
    "tech_stem",
]



GRADES: tuple[tuple[float, str], ...] = (
    (90.0, "Excellent"),
    (80.0, "Great"),
    (70.0, "Good"),
    (50.0, "Average"),
    (30.0, "Poor"),
)
"""Lower (exclusive) bounds of the ``bad_good_line`` grades; ``[0, 30]`` is ``Bad``."""


def grade(score: float) -> str:
    """Return the documented grade class of a ``bad_good_line`` score (0..100).

    (90,100] Excellent, (80,90] Great, (70,80] Good, (50,70] Average, (30,50] Poor, [0,30] Bad.

    >>> grade(90), grade(90.5), grade(30), grade(31)
    ('Great', 'Excellent', 'Bad', 'Poor')
    """
    for bound, name in GRADES:
        if score > bound:
            return name
    return "Bad"


@dataclass(frozen=True, slots=True)
class ViewBox:
    """An SVG viewBox: the coordinate frame of the image a mask belongs to.

    ``str()`` gives the ``"min_x min_y width height"`` text back, exact to the last digit.

    >>> ViewBox.parse("0 0 2416 2416").size
    (2416.0, 2416.0)
    >>> str(ViewBox.parse("145.123456789,-0.5, 240,1e3"))
    '145.123456789 -0.5 240 1000'
    """

    min_x: float
    min_y: float
    width: float
    height: float

    @property
    def size(self) -> tuple[float, float]:
        """``(width, height)``."""
        return (self.width, self.height)

    @property
    def aspect(self) -> float:
        """``width / height``."""
        return self.width / self.height

    @classmethod
    def parse(cls, text: str) -> ViewBox:
        """Parse ``"min_x min_y width height"`` (space and/or comma separated).

        Raises :class:`~maskrender.InputError` (a ``ValueError``) for anything else, including a
        zero or negative size;
        the loader turns that into a :class:`~maskrender.FormatError` with the JSON path.

        >>> ViewBox.parse("0 0 0 2416")
        Traceback (most recent call last):
        ...
        maskrender.errors.InputError: positive width and height
        """
        parts = text.replace(",", " ").split()
        if len(parts) != 4:
            raise InputError("four numbers")
        try:
            nums = [float(p) for p in parts]
        except ValueError:
            raise InputError("four numbers") from None
        if not all(math.isfinite(n) for n in nums):
            raise InputError("finite numbers")
        if nums[2] <= 0 or nums[3] <= 0:
            raise InputError("positive width and height")
        return cls(*nums)

    def __str__(self) -> str:
        return " ".join(map(_number, (self.min_x, self.min_y, self.width, self.height)))


def _number(v: float) -> str:
    """The shortest text that reads back as exactly ``v`` (``2416``, not ``2416.0``)."""
    text = repr(float(v))
    return text[:-2] if text.endswith(".0") else text


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


@dataclass(frozen=True)
class Mask:
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
    side: str = "front"
    name: str = ""
    tech_name: str = ""
    mask_set: str = "restored"
    algorithm: str = ""
    family: str = ""
    path: str = ""

    @cached_property
    def geometry(self) -> BaseGeometry:
        """All features' parts as one multi-part geometry (parts kept, not dissolved).

        >>> import maskrender as mr
        >>> m = mr.load("fixtures/pih_result.json").masks()[0]
        >>> m.geometry.geom_type, len(m.geometry.geoms)
        ('MultiPolygon', 6)
        """
        parts = [p for f in self.features for p in _parts(f.geometry)]
        kind = KINDS.get(self.mask_type)
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
        kind = KINDS.get(self.mask_type)
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


@dataclass(frozen=True, slots=True)
class Metric:
    """One metric: a score, a share, a count or a category.

    >>> m = Metric(name="Acne", tech_name="acne", value="87", widget_type="bad_good_line")
    >>> m.number, m.grade
    (87.0, 'Great')
    """

    name: str
    tech_name: str
    value: float | int | str | None
    widget_type: str = ""
    units: str | None = None
    widget_show: bool = True
    widget_meta: Any = None

    @property
    def number(self) -> float | None:
        """The value as a float when it is numeric (``"4"`` counts), else ``None``."""
        if isinstance(self.value, bool) or self.value is None:
            return None
        try:
            n = float(self.value)
        except (ValueError, OverflowError):
            return None
        return n if math.isfinite(n) else None

    @property
    def grade(self) -> str | None:
        """The grade class of a ``bad_good_line`` score, else ``None``."""
        n = self.number
        if self.widget_type != "bad_good_line" or n is None:
            return None
        return grade(n)

    @property
    def display_value(self) -> str:
        """The value with its units, as a short text (``"2 ‰"``, ``"87"``, ``"moderate"``)."""
        n = self.number
        text = f"{n:g}" if n is not None else ("" if self.value is None else str(self.value))
        unit = {"per mille": "‰", "percentage": "%"}.get(self.units or "", self.units or "")
        return f"{text} {unit}".strip() if n is not None else text


@dataclass(frozen=True, slots=True)
class Area:
    """The metrics of one facial area (``face``, ``forehead``, ``nose``, ...)."""

    name: str
    main_metric: Metric | None
    sub_metrics: tuple[Metric, ...] = ()


@dataclass(frozen=True)
class Result:
    """One algorithm result (one record of the results endpoint).

    ``ok`` is ``False`` for ``is_ok: false`` records: they carry no areas or masks and
    keep the raw ``result`` in ``error``.  A legacy record whose ``result`` is a bare
    number keeps it in ``value``.
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
    areas: tuple[Area, ...] = ()
    masks_restored: tuple[Mask, ...] = ()
    masks_original: tuple[Mask, ...] = ()
    value: float | None = None
    error: Any = None
    path: str = ""

    def masks(self, image: str = "restored", side: str | None = "front") -> tuple[Mask, ...]:
        """The masks of one set (``restored`` or ``original``), optionally of one side.

        ``side=None`` returns every side.
        """
        pool = self.masks_original if image == "original" else self.masks_restored
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


def tech_stem(tech_name: str) -> str:
    """A mask tech name without its set/side suffixes (:func:`maskrender.names.stem`).

    >>> tech_stem("papules_mask_restored"), tech_stem("x_mask_restored_right")
    ('papules', 'x')
    """
    return _names.stem(tech_name)


class Results(Sequence[Result]):
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
        names = ", ".join(r.algorithm or "?" for r in self._items)
        return f"<Results from {self.source}: {names}>"

    @property
    def failed(self) -> tuple[Result, ...]:
        """The results with ``is_ok: false``."""
        return tuple(r for r in self._items if not r.ok)

    def get(self, algorithm: str) -> Result | None:
        """The first result whose algorithm or family is ``algorithm``."""
        return next((r for r in self._items if r.matches(algorithm)), None)

    def masks(
        self,
        algorithm: str | None = None,
        image: str = "restored",
        side: str | None = "front",
        only: Sequence[str] | None = None,
    ) -> tuple[Mask, ...]:
        """Select masks across all results.

        Parameters
        ----------
        algorithm : str, optional
            Keep results whose algorithm or family is this.
        image : {"restored", "original"}
            The mask set.
        side : {"front", "left", "right"} or None
            One side, or every side with ``None``.
        only : sequence of str, optional
            Keep masks that any of these names selects (:mod:`maskrender.names`: algorithm,
            family, family group, mask tech name or its stem, display name).
        """
        out: list[Mask] = []
        for r in self._items:
            if algorithm is not None and not r.matches(algorithm):
                continue
            out.extend(m for m in r.masks(image, side) if not only or _names.matches(m, only))
        return tuple(out)

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
        return sorted(found)
