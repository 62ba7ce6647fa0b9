"""The one table of mask kinds: what each ``mask_type`` is, how it is read and how it is drawn.

Every stage reads this table instead of keeping its own list: the loader (which geometry a
mask holds), the model (empty geometry, area), ``info`` (what a part is called), the style
(which sizes apply), both renderers (drawing order and how a kind is drawn) and the report
(legend swatches).  Adding a mask type is one new :class:`MaskKind` here, plus a drawing
function for its ``drawn_as`` in each renderer if it is drawn in a new way.

Examples
--------
>>> from maskrender.kinds import MASK_KINDS, MASK_TYPES, kind_of
>>> MASK_TYPES                                  # drawing order, bottom to top
('heatmap_mask', 'polygon_mask', 'polyline_mask', 'point_mask')
>>> k = kind_of("polyline_mask")
>>> k.geometry.name, k.drawn_as, k.polygonal, k.geometry.expected
('line', 'strokes', False, 'MultiLineString or LineString')
>>> kind_of("sparkle_mask") is None
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from maskrender.defaults import MASK_SETS, SIDES  # written once there; re-exported here for the model

__all__ = ["GEOMETRIES", "MASK_KINDS", "MASK_SETS", "MASK_TYPES", "SIDES", "GeometryFamily", "MaskKind", "kind_of",
           "rank"]

DrawnAs = Literal["filled", "dots", "strokes"]
"""How a renderer draws a kind: filled areas, discs around points, or stroked lines."""


@dataclass(frozen=True, slots=True)
class GeometryFamily:
    """One family of GeoJSON geometries a mask may hold.

    Attributes
    ----------
    name : str
        ``point``, ``line`` or ``polygon`` (also the word ``info`` prints for one part).
    single, multi : str
        The GeoJSON type names of one part and of many (``Polygon``, ``MultiPolygon``).
    aliases : tuple of str
        Other spellings seen in the vendor's data and docs, lower case (``multipolyline``).
    depth : int
        Nesting of one part's coordinates: a point ``[x, y]`` is 1, a polygon 3.
    shape : str
        One part's coordinates as the message of a format error shows them.
    empty_wkt : str
        The empty multi-part geometry of the family.
    """

    name: str
    single: str
    multi: str
    aliases: tuple[str, ...]
    depth: int
    shape: str
    empty_wkt: str

    @property
    def expected(self) -> str:
        """What a format error says was expected: ``MultiPolygon or Polygon``."""
        return f"{self.multi} or {self.single}"

    def reads(self, geometry_type: str) -> bool | None:
        """Whether ``geometry_type`` (any casing) is of this family: ``True`` for the multi-part
        form, ``False`` for the single-part form, ``None`` if it is another family's.

        >>> GEOMETRIES["line"].reads("Multipolyline"), GEOMETRIES["line"].reads("LineString")
        (True, False)
        """
        t = geometry_type.lower()
        if t == self.multi.lower() or (t in self.aliases and t.startswith("multi")):
            return True
        if t == self.single.lower() or t in self.aliases:
            return False
        return None


GEOMETRIES: Mapping[str, GeometryFamily] = MappingProxyType({
    "point": GeometryFamily("point", "Point", "MultiPoint", (), 1, "[x, y]", "MULTIPOINT EMPTY"),
    "line": GeometryFamily("line", "LineString", "MultiLineString", ("multipolyline", "polyline"), 2,
                           "[[x, y], ...]", "MULTILINESTRING EMPTY"),
    "polygon": GeometryFamily("polygon", "Polygon", "MultiPolygon", (), 3, "[[[x, y], ...], ...]",
                              "MULTIPOLYGON EMPTY"),
})
"""The geometry families, by name."""


@dataclass(frozen=True, slots=True)
class MaskKind:
    """One documented ``mask_type``.

    Attributes
    ----------
    mask_type : str
        The name in the data (``polygon_mask``).
    geometry : GeometryFamily
        The geometries its features hold.
    drawn_as : {"filled", "dots", "strokes"}
        How renderers draw it (each renderer has one drawing function per value).
    rank : int
        Drawing order, bottom to top (heatmaps under lesions under lines under points).
    polygonal : bool
        Whether it covers an area (union area, coverage, outlines apply).
    graded : bool
        Whether its intensities grade one surface (a heatmap) rather than mark separate findings.
    legend : str
        What the legend swatch shows: ``filled``, ``gradient``, ``line`` or ``dot``.
    """

    mask_type: str
    geometry: GeometryFamily
    drawn_as: DrawnAs
    rank: int
    polygonal: bool
    graded: bool
    legend: str


MASK_KINDS: Mapping[str, MaskKind] = MappingProxyType({
    k.mask_type: k
    for k in (
        MaskKind("heatmap_mask", GEOMETRIES["polygon"], "filled", 0, polygonal=True, graded=True, legend="gradient"),
        MaskKind("polygon_mask", GEOMETRIES["polygon"], "filled", 1, polygonal=True, graded=False, legend="filled"),
        MaskKind("polyline_mask", GEOMETRIES["line"], "strokes", 2, polygonal=False, graded=False, legend="line"),
        MaskKind("point_mask", GEOMETRIES["point"], "dots", 3, polygonal=False, graded=False, legend="dot"),
    )
})
"""Every known mask kind, by ``mask_type``."""

MASK_TYPES: tuple[str, ...] = tuple(sorted(MASK_KINDS, key=lambda t: MASK_KINDS[t].rank))
"""Known mask types, in drawing order (bottom to top)."""


def kind_of(mask_type: str) -> MaskKind | None:
    """The kind of ``mask_type``, or ``None`` for a type maskrender does not know."""
    return MASK_KINDS.get(mask_type)


def rank(mask_type: str) -> int:
    """Drawing rank of ``mask_type``; unknown types draw last.

    >>> sorted(["point_mask", "heatmap_mask", "x"], key=rank)
    ['heatmap_mask', 'point_mask', 'x']
    """
    kind = MASK_KINDS.get(mask_type)
    return kind.rank if kind is not None else len(MASK_KINDS)
