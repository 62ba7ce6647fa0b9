"""Colours, opacity and sizes: one :class:`Style` for a drawing, one :class:`MaskStyle` per mask.

No radius, stroke width or opacity is in the data, so these are ours to choose. Sizes are
either output pixels (a number, or ``"3px"``) or relative to the longer side of the output
image (``"0.1%"``; the vendor's line thickness example 0.001 is ``"0.1%"``). The defaults
scale with the image and have a floor, so they look right from 512 px to 4000 px photos.

The default point radius also adapts to how close the points are (:func:`auto_point_radius`):
1,390 pores on a face 240 px wide in a 512 px portrait would otherwise merge into one blob.

Examples
--------
>>> Color.parse("#D9580F")
Color(r=217, g=88, b=15, a=255)
>>> Color.parse("rebeccapurple").hex
'#663399'
>>> Size.parse("0.1%").pixels((2416, 2416))
2.416
>>> s = Style(opacity=0.6, fills={"pores": "#00A0FF"})
>>> s.opacity
0.6
"""

from __future__ import annotations

import math
import re
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Union

import numpy as np
import shapely
from PIL import ImageColor

from maskrender._jsonpath import describe
from maskrender.defaults import OPACITY
from maskrender.errors import InputError, SizeWarning, warn
from maskrender.kinds import MASK_KINDS
from maskrender.model import Mask
from maskrender.names import lookup, stem
from maskrender.palettes import DEFAULT_PALETTE, PALETTES

__all__ = [
    "DEFAULT_POINT_RADIUS",
    "MIN_LINE_WIDTH",
    "MIN_POINT_RADIUS",
    "PALETTE",
    "POINT_SPACING_SHARE",
    "Color",
    "MaskStyle",
    "PaletteSpec",
    "Size",
    "Style",
    "auto_point_radius",
    "palette",
    "palette_color",
    "palette_colors",
    "short_name",
]

_CSS_COLOR = re.compile(r"#[0-9a-fA-F]{3,8}|[a-zA-Z]{3,30}|(?:rgb|rgba|hsl|hsla|hsv)\([0-9.,%\s]{1,60}\)")


@dataclass(frozen=True, slots=True)
class Color:
    """An sRGB colour with 8-bit channels.

    :meth:`parse` takes any CSS colour Pillow knows (hex, names, ``rgb()``, ``hsl()``)
    and nothing else, so a colour string can never smuggle markup into an SVG.
    """

    r: int
    g: int
    b: int
    a: int = 255

    @classmethod
    def parse(cls, text: str | Color) -> Color:
        """Parse a CSS colour; raise :class:`~maskrender.InputError` (a ``ValueError``) naming it otherwise.

        >>> Color.parse("#00A0FF"), Color.parse("rgb(0, 160, 255)") == Color.parse("#00a0ff")
        (Color(r=0, g=160, b=255, a=255), True)
        >>> Color.parse("url(javascript:alert(1))")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        maskrender.errors.InputError: not a colour: 'url(javascript:alert(1))' (expected #rrggbb, a CSS name or ...
        """
        if isinstance(text, Color):
            return text
        candidate = text.strip() if isinstance(text, str) else ""
        if not _CSS_COLOR.fullmatch(candidate):
            raise InputError(f"not a colour: {text!r} (expected #rrggbb, a CSS name or rgb(...))")
        try:
            rgba = ImageColor.getrgb(candidate)
        except ValueError:
            raise InputError(f"not a colour: {text!r} (expected #rrggbb, a CSS name or rgb(...))") from None
        if len(rgba) == 3:
            return cls(rgba[0], rgba[1], rgba[2])
        return cls(rgba[0], rgba[1], rgba[2], rgba[3])

    @property
    def rgb(self) -> tuple[int, int, int]:
        """``(r, g, b)``."""
        return (self.r, self.g, self.b)

    @property
    def hex(self) -> str:
        """``#rrggbb`` (alpha is carried separately as opacity)."""
        return f"#{self.r:02x}{self.g:02x}{self.b:02x}"


PALETTE: tuple[Color, ...] = tuple(Color.parse(c) for c in PALETTES[DEFAULT_PALETTE])
"""The default palette (Okabe-Ito without black) for masks without a ``fill`` (see :func:`palette_colors`)."""

PaletteSpec = Union[str, Sequence[Union[str, Color]]]
"""A palette: a name of :data:`maskrender.palettes.PALETTES`, or a sequence of at least two colours."""


def palette(spec: PaletteSpec | None = None) -> tuple[Color, ...]:
    """The colours of a palette given by name (default ``okabe-ito``) or as colours.

    >>> [c.hex for c in palette("tol-bright")][:2], len(palette(["red", "#00f"]))
    (['#4477aa', '#ee6677'], 2)
    >>> palette("rainbow")
    Traceback (most recent call last):
    ...
    maskrender.errors.InputError: unknown palette 'rainbow'; known palettes: okabe-ito, tol-bright, tol-muted, \
tol-vibrant (or give a list of colours)
    """
    if spec is None:
        return PALETTE
    if isinstance(spec, str):
        found = PALETTES.get(spec.strip().lower())
        if found is None:
            raise InputError(f"unknown palette {spec!r}; known palettes: {', '.join(sorted(PALETTES))} "
                             "(or give a list of colours)")
        return tuple(Color.parse(c) for c in found)
    colours = tuple(Color.parse(c) for c in spec)
    if len(colours) < 2:
        raise InputError(f"a palette needs at least two colours, not {len(colours)}")
    return colours


def palette_color(mask: Mask, colours: Sequence[Color] = PALETTE) -> Color:
    """The colour a mask without ``fill`` prefers: chosen by its name (:func:`short_name`), so it is the
    same in every picture where no other mask wants it, in both mask sets and on every side.

    >>> import maskrender as mr
    >>> papules = [m for m in mr.load("fixtures/acne.json").masks() if m.fill is None][0]
    >>> papules.tech_name, palette_color(papules).hex
    ('papules_mask_restored', '#f0e442')
    """
    return colours[zlib.crc32(short_name(mask).encode("utf-8")) % len(colours)]


def _close(a: Color, b: Color) -> bool:
    """Whether two colours are too alike to tell two masks apart ("redmean" distance under 160 of ~765:
    Okabe-Ito yellow is too close to the vendor's acne orange at the opacity masks are drawn with)."""
    r = (a.r + b.r) / 2
    dr, dg, db = a.r - b.r, a.g - b.g, a.b - b.b
    return math.sqrt((2 + r / 256) * dr * dr + 4 * dg * dg + (2 + (255 - r) / 256) * db * db) < 160


def palette_colors(masks: Iterable[Mask], colours: Sequence[Color] = PALETTE,
                   taken: Iterable[Color] = ()) -> dict[str, Color]:
    """Distinct colours for masks without a fill, by :func:`short_name`: one picture's assignment.

    Each name takes the colour it prefers (:func:`palette_color`) unless a name before it (in
    sorted order) took it or it is too close to one of the ``taken`` colours (the fills drawn in
    the same picture); then the next free colour of the palette.  When the palette runs out, the
    other built-in palettes' colours that differ from every colour in use follow, then the palette
    repeats.  The same set of masks always gets the same colours.

    >>> from maskrender.model import Mask
    >>> pair = [Mask("polygon_mask", (), tech_name=f"{n}_mask_restored") for n in ("freckles", "melasma")]
    >>> [palette_color(m).hex for m in pair]                     # both prefer one colour ...
    ['#0072b2', '#0072b2']
    >>> {n: c.hex for n, c in palette_colors(pair).items()}    # ... so the second takes the next one
    {'freckles': '#0072b2', 'melasma': '#d55e00'}
    """
    names = sorted({short_name(m) for m in masks})
    used = list(taken)
    spare = [c for name in sorted(PALETTES) for c in palette(name) if c not in colours]
    out: dict[str, Color] = {}
    for name in names:
        start = zlib.crc32(name.encode("utf-8")) % len(colours)
        ring = [colours[(start + k) % len(colours)] for k in range(len(colours))]
        choice = next((c for c in (*ring, *spare) if not any(_close(c, u) for u in used)), None)
        if choice is None:  # more masks than distinct colours: the palette repeats
            choice = colours[len(out) % len(colours)]
        out[name] = choice
        used.append(choice)
    return out


def short_name(mask: Mask) -> str:
    """The mask's lower-cased tech_name without its set and side suffixes (:func:`maskrender.names.stem`,
    the one stemmer; a key for fills and colours).

    >>> import maskrender as mr
    >>> [short_name(m) for m in mr.load("fixtures/sides_result.json").masks(side=None)]
    ['acne', 'acne', 'acne']
    """
    return stem((mask.tech_name or mask.name or "").lower()) or mask.mask_type


_MAX_PIXELS = 1e6
_MAX_RELATIVE = 100.0
"""The largest sizes (a million pixels, or 100 times the image's longer side): beyond, geometry
libraries overflow, and nothing drawn could be seen."""


@dataclass(frozen=True, slots=True)
class Size:
    """A length: output pixels, or a fraction of the output image's longer side, with a floor."""

    value: float
    relative: bool = False
    minimum: float = 0.0

    @classmethod
    def parse(cls, spec: float | str | Size, *, positive: bool = False) -> Size:
        """``3`` or ``"3px"`` are pixels; ``"0.1%"`` is relative to the longer side (the vendor's
        ``polyline_line_thickness`` 0.001 is ``"0.1%"``).  ``positive`` refuses 0 (a line width).

        >>> Size.parse("3px"), Size.parse("0.1%")
        (Size(value=3.0, relative=False, minimum=0.0), Size(value=0.001, relative=True, minimum=0.0))
        >>> Size.parse(0, positive=True)
        Traceback (most recent call last):
        ...
        maskrender.errors.InputError: not a width: 0 (must be above 0: pixels like 3, or relative like 0.1%)
        """
        if isinstance(spec, Size):
            if positive and spec.value <= 0 and spec.minimum <= 0:
                raise InputError(f"not a width: {spec!r} (must be above 0: pixels like 3, or relative like 0.1%)")
            return spec
        if isinstance(spec, (int, float)) and not isinstance(spec, bool):
            try:
                value, relative = float(spec), False
            except OverflowError:  # an int beyond any float (10**400)
                raise InputError(f"not a size: {describe(spec)} (at most {_MAX_PIXELS:,.0f} pixels or "
                                 f"{_MAX_RELATIVE:.0%})") from None
        elif isinstance(spec, str):
            text = spec.strip().lower()
            relative = text.endswith("%")
            number = text[:-1] if relative else text.removesuffix("px")
            try:
                value = float(number) / (100.0 if relative else 1.0)
            except ValueError:
                raise InputError(f"not a size: {spec!r} (expected pixels like 3 or 3px, or 0.1%)") from None
        else:
            raise InputError(f"not a size: {spec!r} (expected pixels like 3 or 3px, or 0.1%)")
        if not (value >= 0.0) or value == float("inf"):
            raise InputError(f"not a size: {spec!r} (must be a finite number >= 0)")
        if positive and value == 0.0:
            raise InputError(f"not a width: {spec!r} (must be above 0: pixels like 3, or relative like 0.1%)")
        if value > (_MAX_RELATIVE if relative else _MAX_PIXELS):
            raise InputError(f"not a size: {spec!r} (at most {_MAX_PIXELS:,.0f} pixels or {_MAX_RELATIVE:.0%})")
        return cls(value, relative)

    def pixels(self, image_size: tuple[int, int]) -> float:
        """The length in pixels on an image of ``image_size``."""
        px = self.value * max(image_size) if self.relative else self.value
        return max(px, self.minimum)


DEFAULT_POINT_RADIUS = Size(0.0035, relative=True, minimum=0.75)
"""The default point radius before spacing is considered: 0.35% of the longer side, at least 0.75 px."""

POINT_SPACING_SHARE = 0.4
"""The default point radius is at most this share of the median nearest-neighbour spacing."""

MIN_POINT_RADIUS = 0.3
"""The smallest default point radius, in pixels (a fainter disc would not show at all)."""


MIN_LINE_WIDTH = 0.5
"""A line width that resolves below this many output pixels warns (:class:`~maskrender.SizeWarning`):
such lines hardly show.  The usual cause is the vendor's fraction (0.001) given as pixels."""


SPACING_SAMPLE = 2048
"""Points whose nearest-neighbour distance estimates a mask's point spacing."""


def auto_point_radius(mask: Mask, image_size: tuple[int, int]) -> float:
    """The default disc radius, in output pixels, of ``mask``'s points on an image of ``image_size``.

    ``DEFAULT_POINT_RADIUS`` (0.35% of the longer side, at least 0.75 px), but no more than
    ``POINT_SPACING_SHARE`` (0.4) of the median distance between neighbouring points, so that
    dense points (pores) cover about the same share of the skin at any scale: dots on a large
    photo, a speckle on a small one, never a solid blob.  Sub-pixel discs look lighter than
    their area (anti-aliasing spreads them), so the 0.75 px floor holds while it is under 0.55
    of the spacing.  Never under ``MIN_POINT_RADIUS``.

    >>> import maskrender as mr
    >>> pores = mr.load("fixtures/pores.json").masks()[0]
    >>> [round(auto_point_radius(pores, (s, s)), 2) for s in (4000, 2416, 512)]
    [8.91, 5.38, 1.14]
    >>> landmarks = mr.load(b'{"mask_type": "point_mask", "features": [{"geometry": '
    ...     b'{"type": "MultiPoint", "coordinates": [[10, 10], [90, 90]]}}]}').masks()[0]
    >>> auto_point_radius(landmarks, (100, 100)), auto_point_radius(landmarks, (1000, 1000))
    (0.75, 3.5)
    """
    radius = DEFAULT_POINT_RADIUS.pixels(image_size)
    kind = MASK_KINDS.get(mask.mask_type)
    if kind is None or kind.drawn_as != "dots":
        return radius
    # points at the same place are one point: coincident copies would make every nearest-neighbour
    # query search them all (100,000 copies took minutes), and their spacing is not the mask's
    xy = shapely.get_coordinates([f.geometry for f in mask.features])
    xy = xy[np.sort(np.unique(xy, axis=0, return_index=True)[1])]
    if len(xy) > 1:
        points = shapely.points(xy)
        fw, fh = mask.frame_size(image_size)
        scale = math.sqrt(image_size[0] / fw * image_size[1] / fh)
        # the median spacing of a fixed, evenly spread sample: the same answer, in linear time
        probe = points if len(points) <= SPACING_SAMPLE else points[
            np.linspace(0, len(points) - 1, SPACING_SAMPLE).astype(np.intp)]
        _, dist = shapely.STRtree(points).query_nearest(probe, exclusive=True, return_distance=True,
                                                        all_matches=False)
        if len(dist):
            # np.median's value, without np.median: its first call imports numpy.ma (10-20 ms per process)
            d, mid = np.sort(dist), len(dist) // 2
            spacing = float(d[mid] if len(d) % 2 else (d[mid - 1] + d[mid]) / 2) * scale
            floor = min(DEFAULT_POINT_RADIUS.minimum, 0.55 * spacing)
            radius = min(radius, max(POINT_SPACING_SHARE * spacing, floor))
    return max(radius, MIN_POINT_RADIUS)


@dataclass(frozen=True)
class Style:
    """How to draw: set once, used for every mask of a drawing.

    Parameters
    ----------
    opacity : float
        Global opacity 0..1; a feature's opacity is this times its intensity.
    fills : mapping of str to colour
        Fill overrides (any CSS colour) keyed by any name that selects the mask
        (:mod:`maskrender.names`: tech name, its stem, display name, family, family group,
        algorithm); the most specific key wins.
    opacities : mapping of str to float
        Opacity overrides 0..1 keyed like ``fills`` (``{"acne": 0.3}``): the masks a name selects
        take it instead of ``opacity``.
    point_radius, line_width, outline : float or str
        Pixels (``3``, ``"3px"``) or relative to the longer image side (``"0.3%"``).
        ``point_radius`` ``None`` (the default) is :func:`auto_point_radius`.
        ``outline`` 0 draws no outline around polygons.
        ``line_width`` must be above 0 and warns (:class:`~maskrender.SizeWarning`) when it comes to
        less than 0.5 output pixels: the vendor's ``polyline_line_thickness`` 0.001 is ``"0.1%"``.
    outline_opacity : float
        Opacity of outlines (they are drawn in the mask's colour).
    palette : str or sequence of colours
        Colours for masks without a fill: a name of :data:`maskrender.palettes.PALETTES`
        (default ``okabe-ito``) or at least two colours.  The masks of one picture get distinct
        colours from it (:func:`palette_colors`).
    """

    opacity: float = OPACITY
    fills: Mapping[str, str | Color] = field(default_factory=dict)
    opacities: Mapping[str, float] = field(default_factory=dict)
    point_radius: float | str | Size | None = None
    line_width: float | str | Size = Size(0.002, relative=True, minimum=1.5)
    outline: float | str | Size = 0.0
    outline_opacity: float = 1.0
    palette: PaletteSpec = DEFAULT_PALETTE

    def __post_init__(self) -> None:
        for name in ("opacity", "outline_opacity"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0.0 <= v <= 1.0:
                raise InputError(f"{name} must be a number from 0 to 1, not {v!r}")
        if not isinstance(self.fills, Mapping) or not all(isinstance(k, str) for k in self.fills):
            raise InputError(f"fills must be a mapping of mask names to colours (e.g. {{'pores': '#00A0FF'}}), "
                             f"not {type(self.fills).__name__}")
        object.__setattr__(self, "fills", {k: Color.parse(v) for k, v in dict(self.fills).items()})
        opacities = dict(self.opacities)
        for key, v in opacities.items():
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0.0 <= v <= 1.0:
                raise InputError(f"opacities[{key!r}] must be a number from 0 to 1, not {v!r}")
        object.__setattr__(self, "opacities", opacities)
        for name in ("point_radius", "line_width", "outline"):
            value = getattr(self, name)
            if value is None and name != "point_radius":
                raise InputError(f"{name} must be a size (pixels like 3 or 3px, or relative like 0.1%), not None")
            if value is not None:
                object.__setattr__(self, name, Size.parse(value, positive=name == "line_width"))
        colours = palette(self.palette)
        if not isinstance(self.palette, str):
            object.__setattr__(self, "palette", tuple(c.hex for c in colours))
        object.__setattr__(self, "_colours", colours)

    @property
    def colours(self) -> tuple[Color, ...]:
        """The palette's colours."""
        found: tuple[Color, ...] = self.__dict__["_colours"]
        return found

    def fill_of(self, mask: Mask, among: Sequence[Mask] = ()) -> Color | None:
        """The colour ``mask`` is given, by a ``fills`` override or its own ``fill``; ``None`` if neither.
        ``among`` (every mask of the picture) weighs a group name as :func:`maskrender.names.select` does."""
        fills: Mapping[str, Color] = self.fills  # type: ignore[assignment]
        color = lookup(mask, fills, among)
        if color is None and mask.fill is not None:
            color = Color.parse(mask.fill)
        return color

    def opacity_of(self, mask: Mask, among: Sequence[Mask] = ()) -> float:
        """The opacity ``mask`` is drawn with: an ``opacities`` override (most specific name), else ``opacity``.

        >>> import maskrender as mr
        >>> acne, papules = mr.load("fixtures/acne.json").masks()
        >>> style = Style(opacity=0.6, opacities={"acne": 0.3, "Papules": 0.9})
        >>> style.opacity_of(acne), style.opacity_of(papules)
        (0.3, 0.9)
        """
        found = lookup(mask, self.opacities, among)
        return self.opacity if found is None else float(found)

    def palette_colors(self, masks: Sequence[Mask]) -> dict[str, Color]:
        """The palette colours of the masks without a fill among ``masks`` (one picture), by
        :func:`short_name`, kept apart from each other and from the fills drawn with them."""
        given = [self.fill_of(m, masks) for m in masks]
        return palette_colors([m for m, c in zip(masks, given, strict=True) if c is None], self.colours,
                              [c for c in given if c is not None])

    def resolve(self, mask: Mask, image_size: tuple[int, int], *,
                among: Sequence[Mask] | None = None) -> MaskStyle:
        """The concrete style of ``mask`` on an image of ``image_size``.

        A mask without a fill takes its colour from the palette: with ``among`` (every mask of the
        picture) a colour no other mask of the picture has (:meth:`palette_colors`); without, the
        colour its name prefers (:func:`palette_color`).

        >>> import maskrender as mr
        >>> pores = mr.load("fixtures/pores.json").masks()[0]
        >>> st = Style(fills={"pores": "#00A0FF"}, line_width="0.1%").resolve(pores, (2416, 2416))
        >>> st.color.hex, st.opacity, st.line_width
        ('#00a0ff', 0.6, 2.416)
        """
        color = self.fill_of(mask, among or ())
        if color is None and among is not None:
            color = self.palette_colors(among).get(short_name(mask))
        if color is None:
            color = palette_color(mask, self.colours)
        sizes: tuple[Size | None, Size, Size] = (self.point_radius, self.line_width, self.outline)  # type: ignore[assignment]
        radius = auto_point_radius(mask, image_size) if sizes[0] is None else sizes[0].pixels(image_size)
        width = sizes[1].pixels(image_size)
        kind = MASK_KINDS.get(mask.mask_type)
        if width < MIN_LINE_WIDTH and kind is not None and kind.drawn_as == "strokes":
            warn(f"{mask.tech_name or mask.display_name}: line width {sizes[1].value:g}"
                 f"{'' if not sizes[1].relative else ' of the image'} is {width:.3g} px on a "
                 f"{image_size[0]}x{image_size[1]} image, below {MIN_LINE_WIDTH:g} px: the lines will hardly show "
                 "(the vendor's polyline_line_thickness 0.001 is a fraction of the image: give 0.1%)", SizeWarning)
        return MaskStyle(
            color=Color(color.r, color.g, color.b),
            opacity=self.opacity_of(mask, among or ()) * color.a / 255.0,
            point_radius=radius,
            line_width=width,
            outline=sizes[2].pixels(image_size),
            outline_opacity=self.outline_opacity,
        )


@dataclass(frozen=True, slots=True)
class MaskStyle:
    """The resolved style of one mask: a colour, an opacity and sizes in output pixels."""

    color: Color
    opacity: float
    point_radius: float
    line_width: float
    outline: float
    outline_opacity: float

    def reach(self, drawn_as: str) -> float:
        """How far, in output pixels, a mask drawn as ``drawn_as`` (``filled``, ``dots`` or ``strokes``,
        :attr:`maskrender.kinds.MaskKind.drawn_as`) reaches beyond its geometry: the disc's radius, half
        the line's width, nothing for a filled shape.

        >>> st = MaskStyle(Color.parse("#ff0000"), 1.0, point_radius=3.0, line_width=4.0, outline=0.0,
        ...                outline_opacity=1.0)
        >>> st.reach("dots"), st.reach("strokes"), st.reach("filled")
        (3.0, 2.0, 0.0)
        """
        return self.point_radius if drawn_as == "dots" else self.line_width / 2 if drawn_as == "strokes" else 0.0
