"""The photos of a report and the masks drawn on each, with one colour per mask throughout.

A :class:`Scene` holds the photo slots (``front``; ``left``/``right``; ``before``/``after``),
selects each slot's masks, and resolves every mask's style once, so the big photo, the
thumbnails and the legend all use the same colour (a mask without ``fill`` takes a palette
colour by its position, which must not change between the photo and its thumbnail).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, replace

from PIL import Image

from maskrender.defaults import MASK_SET, SIDE, MaskSet, Side
from maskrender.draw.layers import order_masks
from maskrender.draw.svg import MaskDrawing
from maskrender.geometry.transform import fit, frame_of
from maskrender.image import PhotoSource, open_photo
from maskrender.model import Mask, Results
from maskrender.names import stem
from maskrender.report.content_types import LegendItem
from maskrender.style import MaskStyle, Style

__all__ = ["Scene", "Slot"]

_NO_PHOTO = (233, 236, 239)
_MASK_WORDS = (" mask", " masks")


@dataclass
class Slot:
    """One photo of the report and where its masks come from."""

    key: str
    label: str
    results: Results
    side: Side = SIDE
    photo: Image.Image | None = None

    def aspect(self, masks: Sequence[Mask]) -> float:
        """The photo's width / height; without a photo, the first mask's frame's."""
        if self.photo is not None:
            return self.photo.width / self.photo.height
        for m in masks:
            w, h = m.frame_size()
            return w / h
        return 1.0


def _key(mask: Mask) -> tuple[str, str, str]:
    """What makes two masks one legend entry and one colour: the same mask on another side is the same.

    The tech name's stem (``acne_mask_restored_left`` -> ``acne``), else the name without its side.
    """
    return (mask.algorithm, stem(mask.tech_name) if mask.tech_name else legend_name(mask).lower(), mask.mask_type)


def legend_name(mask: Mask) -> str:
    """The mask's name for the legend: without a side in brackets, nor a trailing "Mask" (every entry is one).

    >>> legend_name(Mask("polygon_mask", (), name="Papules Mask")), legend_name(Mask("point_mask", (), name="Mask"))
    ('Papules', 'Mask')
    >>> legend_name(Mask("polygon_mask", (), name="Acne Mask (left)"))
    'Acne'
    """
    name = mask.display_name
    for side in ("(left)", "(right)", "(front)"):
        if name.lower().endswith(side) and len(name) > len(side):
            name = name[: -len(side)].rstrip()
    for word in _MASK_WORDS:
        if name.lower().endswith(word) and len(name) > len(word):
            return name[: -len(word)].rstrip(" -_") or name
    return name


class Scene:
    """The slots of a report with their masks, styles and resized photos."""

    def __init__(self, slots: Sequence[Slot], *, mask_set: MaskSet = MASK_SET, only: Sequence[str] | None = None,
                 style: Style | None = None, strict: bool = False) -> None:
        self.slots = {s.key: s for s in slots}
        self.mask_set = mask_set
        self.only = list(only) if only else None
        self.style = style or Style()
        self.strict = strict
        self._index: dict[tuple[str, str, str], int] = {}
        self._items: list[LegendItem] = []
        self._algorithms: list[str] = []
        self._photos: dict[tuple[str, int, int], Image.Image] = {}
        self._styles: dict[tuple[int, int, int], MaskStyle] = {}
        colours = replace(self.style, point_radius=1.0)  # the colour only: no point spacing to measure
        self._among = [m for s in slots for m in self.masks(s.key)]  # distinct colours across the whole report
        for s in slots:
            chosen = self.masks(s.key)
            if chosen and s.photo is not None:  # warns (or refuses, strict) once per frame and photo
                for frame in {str(frame_of(m, s.photo.size)): frame_of(m, s.photo.size) for m in chosen}.values():
                    fit(frame, s.photo.size, strict=strict, what=f"{s.key} photo")
            for m in chosen:
                k = _key(m)
                if k not in self._index:
                    self._index[k] = len(self._index)
                    color = colours.resolve(m, (1000, 1000), among=self._among).color.hex
                    self._items.append(LegendItem(legend_name(m), color, m.mask_type, self._index[k]))
                    self._algorithms.append(m.algorithm or m.family)
        # Two different masks of one display name (say "Redness Mask" of two algorithms) are
        # told apart by their algorithm.
        names = [i.name for i in self._items]
        for n, (item, algorithm) in enumerate(zip(self._items, self._algorithms, strict=True)):
            if names.count(item.name) > 1 and algorithm:
                label = f"{item.name} ({algorithm.replace('_', ' ')})"
                self._items[n] = LegendItem(label, item.color, item.mask_type, item.layer)

    def masks(self, key: str, algorithm: str | None = None) -> list[Mask]:
        """The masks drawn on slot ``key`` (of one algorithm, or all selected), in drawing order."""
        slot = self.slots.get(key)
        if slot is None:
            return []
        found = slot.results.masks(algorithm=algorithm, mask_set=self.mask_set, side=slot.side, only=self.only)
        if algorithm is not None and self.only and not found:  # the panel was picked by algorithm name
            found = slot.results.masks(algorithm=algorithm, mask_set=self.mask_set, side=slot.side)
        return order_masks(found)

    def legend(self) -> list[LegendItem]:
        """One entry per distinct mask drawn, in the colour it is drawn in."""
        return list(self._items)

    def aspect(self, key: str) -> float:
        """The aspect ratio of slot ``key``."""
        return self.slots[key].aspect(self.masks(key))

    @staticmethod
    def detail(size: tuple[int, int]) -> int:
        """How many times larger than ``size`` masks are drawn (then reduced) in a small slot.

        Mask sizes have a floor in output pixels (a pore is at least 1.5 px wide), which on a
        thumbnail would merge hundreds of points into one blob; drawn at about 250 px and
        reduced, the thumbnail looks like the big photo in small.

        >>> Scene.detail((1000, 1000)), Scene.detail((125, 125)), Scene.detail((60, 60))
        (1, 2, 4)
        """
        longest = max(size)
        return max(1, min(4, round(250 / max(1, longest))))

    def photo(self, key: str, size: tuple[int, int]) -> Image.Image:
        """The slot's photo resized to ``size`` (RGB), or a neutral canvas when there is none."""
        cache = (key, size[0], size[1])
        if cache not in self._photos:
            photo = self.slots[key].photo
            if photo is None:
                im = Image.new("RGB", size, _NO_PHOTO)
            else:
                im = photo if photo.size == size else photo.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
                if im.mode != "RGB":
                    flat = Image.new("RGB", im.size, (255, 255, 255))
                    flat.paste(im, mask=im.getchannel("A") if im.mode == "RGBA" else None)
                    im = flat
            self._photos[cache] = im
        return self._photos[cache]

    def drawings(self, key: str, algorithm: str | None, size: tuple[int, int]) -> list[MaskDrawing]:
        """The masks of slot ``key`` prepared for a canvas of ``size``, in their report colours."""
        chosen = self.masks(key, algorithm)
        out = []
        for m in chosen:
            # The photo's fit was checked once, at full size, in __init__: a slot's pixel size
            # can differ from the photo's aspect by a rounding pixel, which is no mismatch.
            transform = fit(frame_of(m, size), size, check_aspect=False)
            cached = (id(m), size[0], size[1])
            style = self._styles.get(cached)
            if style is None:
                style = self._styles[cached] = self.style.resolve(m, size, among=self._among)
            out.append(MaskDrawing(m, transform, style))
        return out

    def layer(self, mask: Mask) -> int:
        """The legend index of ``mask`` (the same mask on every side and thumbnail shares it)."""
        return self._index.get(_key(mask), -1)

    def payload(self, key: str, size: tuple[int, int], jpeg: bool = False) -> tuple[bytes, str]:
        """The slot's photo encoded for embedding at ``size`` pixels: JPEG, or PNG with alpha (``jpeg``: JPEG only)."""
        photo = self.slots[key].photo
        if photo is None:
            im = Image.new("RGB", size, _NO_PHOTO)
        elif photo.width > size[0] * 1.05:
            im = photo.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
        else:
            im = photo
        buf = io.BytesIO()
        if im.mode == "RGBA" and not jpeg:
            im.save(buf, "PNG", compress_level=6)
            return buf.getvalue(), "image/png"
        if im.mode == "RGBA":
            flat = Image.new("RGB", im.size, (255, 255, 255))
            flat.paste(im, mask=im.getchannel("A"))
            im = flat
        im.convert("RGB").save(buf, "JPEG", quality=88, optimize=True)
        return buf.getvalue(), "image/jpeg"


def open_slot_photo(source: PhotoSource | None) -> Image.Image | None:
    """Open a slot's photo (``None`` stays ``None``)."""
    return open_photo(source) if source is not None else None
