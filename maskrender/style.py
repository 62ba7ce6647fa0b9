"""Colours, opacity and sizes: one :class:`Style` for a drawing, one :class:`MaskStyle` per mask.

No radius, stroke width or opacity is in the data, so these are ours to choose. Sizes are
either output pixels (a number, or ``"3px"``) or relative to the longer side of the output
image (``"0.1%"``; the vendor's line thickness example 0.001 is ``"0.1%"``). The defaults
scale with the image and have a floor, so they look right from 512 px to 4000 px photos.

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

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from PIL import ImageColor

from maskrender.model import Mask

__all__ = ["PALETTE", "Color", "MaskStyle", "Size", "Style"]

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
        """Parse a CSS colour; raise ``ValueError`` naming the text otherwise."""
        if isinstance(text, Color):
            return text
        candidate = text.strip() if isinstance(text, str) else ""
        if not _CSS_COLOR.fullmatch(candidate):
            raise ValueError(f"not a colour: {text!r} (expected #rrggbb, a CSS name or rgb(...))")
        try:
            rgba = ImageColor.getrgb(candidate)
        except ValueError:
            raise ValueError(f"not a colour: {text!r} (expected #rrggbb, a CSS name or rgb(...))") from None
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


PALETTE: tuple[Color, ...] = tuple(
    Color.parse(c)
    for c in ("#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#46f0f0", "#f032e6", "#bcf60c",
              "#008080", "#9a6324", "#800000", "#000075")
)
"""Colours for masks without a ``fill``, assigned in drawing order."""


@dataclass(frozen=True, slots=True)
class Size:
    """A length: output pixels, or a fraction of the output image's longer side, with a floor."""

    value: float
    relative: bool = False
    minimum: float = 0.0

    @classmethod
    def parse(cls, spec: float | str | Size) -> Size:
        """``3`` or ``"3px"`` are pixels; ``"0.1%"`` is relative to the longer side."""
        if isinstance(spec, Size):
            return spec
        if isinstance(spec, (int, float)) and not isinstance(spec, bool):
            value, relative = float(spec), False
        elif isinstance(spec, str):
            text = spec.strip().lower()
            relative = text.endswith("%")
            number = text[:-1] if relative else text.removesuffix("px")
            try:
                value = float(number) / (100.0 if relative else 1.0)
            except ValueError:
                raise ValueError(f"not a size: {spec!r} (expected pixels like 3 or 3px, or 0.1%)") from None
        else:
            raise ValueError(f"not a size: {spec!r}")
        if not (value >= 0.0) or value == float("inf"):
            raise ValueError(f"not a size: {spec!r} (must be a finite number >= 0)")
        return cls(value, relative)

    def pixels(self, image_size: tuple[int, int]) -> float:
        """The length in pixels on an image of ``image_size``."""
        px = self.value * max(image_size) if self.relative else self.value
        return max(px, self.minimum)


@dataclass(frozen=True)
class Style:
    """How to draw: set once, used for every mask of a drawing.

    Parameters
    ----------
    opacity : float
        Global opacity 0..1; a feature's opacity is this times its intensity.
    fills : mapping of str to colour
        Fill overrides keyed by algorithm, family or mask tech name (any CSS colour).
    point_radius, line_width, outline : float or str
        Pixels (``3``, ``"3px"``) or relative to the longer image side (``"0.3%"``).
        ``outline`` 0 draws no outline around polygons.
    outline_opacity : float
        Opacity of outlines (they are drawn in the mask's colour).
    """

    opacity: float = 0.6
    fills: Mapping[str, str | Color] = field(default_factory=dict)
    point_radius: float | str | Size = Size(0.0035, relative=True, minimum=1.5)
    line_width: float | str | Size = Size(0.002, relative=True, minimum=1.5)
    outline: float | str | Size = 0.0
    outline_opacity: float = 1.0

    def __post_init__(self) -> None:
        for name in ("opacity", "outline_opacity"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0.0 <= v <= 1.0:
                raise ValueError(f"{name} must be a number from 0 to 1, not {v!r}")
        object.__setattr__(self, "fills", {k: Color.parse(v) for k, v in dict(self.fills).items()})
        for name in ("point_radius", "line_width", "outline"):
            object.__setattr__(self, name, Size.parse(getattr(self, name)))

    def resolve(self, mask: Mask, index: int, image_size: tuple[int, int]) -> MaskStyle:
        """The concrete style of ``mask``, the ``index``-th mask drawn, on an image of ``image_size``."""
        color = None
        fills: Mapping[str, Color] = self.fills  # type: ignore[assignment]
        for key in (mask.tech_name, mask.name, mask.family, mask.algorithm, mask.family.rpartition(".")[2]):
            if key and key in fills:
                color = fills[key]
                break
        if color is None and mask.fill is not None:
            color = Color.parse(mask.fill)
        if color is None:
            color = PALETTE[index % len(PALETTE)]
        sizes: tuple[Size, Size, Size] = (self.point_radius, self.line_width, self.outline)  # type: ignore[assignment]
        return MaskStyle(
            color=Color(color.r, color.g, color.b),
            opacity=self.opacity * color.a / 255.0,
            point_radius=sizes[0].pixels(image_size),
            line_width=sizes[1].pixels(image_size),
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
