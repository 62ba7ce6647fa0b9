"""Masks to alpha layers (one per mask, plus one per outline) and their blend onto pixels.

A mask is one layer: every feature is drawn at its own level (its intensity in 8-bit steps)
and the layer's alpha is, per pixel, the integral over the pixel of the largest level that
covers each point, times the opacity (:mod:`maskrender.draw.raster`).  So overlapping
features never double-blend, holes show the photo untouched, a heatmap's graded bands meet
without seams, and lines of different intensities cross at the larger one.  The rasteriser
hands back 8-bit alpha directly (no float image is made).  Blending happens once per layer,
only on the inked part of the layer's box, with integer compositing (Pillow's arithmetic, in
the compiled core when it is built): pixels outside every feature
keep their exact bytes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely
from PIL import Image

from maskrender.draw import compiled
from maskrender.draw.raster import Box, bounds_box, shapes_alpha
from maskrender.draw.shapes import from_geometries
from maskrender.geometry import Transform
from maskrender.kinds import MASK_KINDS, rank
from maskrender.model import Mask
from maskrender.style import Color, MaskStyle

__all__ = ["Layer", "blend", "intensity_groups", "mask_layers", "order_masks", "picture_layers"]


@dataclass(frozen=True)
class Layer:
    """A colour and an 8-bit alpha over a pixel box ``(x0, y0, x1, y1)`` of the output.

    >>> import numpy as np
    >>> from maskrender.style import Color
    >>> Layer((2, 3, 4, 4), np.full((1, 2), 255, dtype=np.uint8), Color(255, 0, 0)).box
    (2, 3, 4, 4)
    """

    box: Box
    alpha: npt.NDArray[np.uint8]
    color: Color
    name: str = ""


def order_masks(masks: Iterable[Mask]) -> list[Mask]:
    """Drawing order, bottom to top: heatmap, polygon, polyline, point; stable otherwise.

    >>> import maskrender as mr
    >>> [m.mask_type for m in order_masks(mr.load("fixtures/results_list.json").masks())]
    ['heatmap_mask', 'polygon_mask', 'polygon_mask', 'polygon_mask', 'polyline_mask', 'point_mask']
    """
    return sorted(masks, key=lambda m: rank(m.mask_type))


def intensity_groups(mask: Mask) -> list[tuple[float, list[int]]]:
    """Feature indices grouped by intensity (8-bit steps), in increasing intensity; 0 is left out.

    >>> import maskrender as mr
    >>> redness = mr.load("fixtures/redness.json").masks()[0]
    >>> [(round(level, 1), len(idx)) for level, idx in intensity_groups(redness)]
    [(0.2, 8), (0.4, 8), (0.6, 7), (0.8, 6), (1.0, 2)]
    """
    groups: dict[int, list[int]] = {}
    for i, f in enumerate(mask.features):
        groups.setdefault(f.level, []).append(i)
    return [(level / 255.0, idx) for level, idx in sorted(groups.items()) if level > 0]


def mask_layers(mask: Mask, transform: Transform, style: MaskStyle, canvas: tuple[int, int], *,
                accelerate: bool = True) -> list[Layer]:
    """The fill layer (and the outline layer, if any) of one mask on a canvas of ``canvas`` pixels.

    Each layer covers only the mask's bounding box; its alpha is ``opacity x`` the integral
    of the winning feature level over each pixel.  ``accelerate=False`` draws with the numpy
    reference even when the compiled core is built (same pixels).

    >>> import maskrender as mr
    >>> from maskrender.geometry import fit
    >>> from maskrender.style import Style
    >>> acne = mr.load("fixtures/acne.json").masks()[0]
    >>> layers = mask_layers(acne, fit(acne.view_box, (604, 604)), Style(outline=1).resolve(acne, (604, 604)),
    ...                      (604, 604))
    >>> [(layer.box, layer.color.hex, int(layer.alpha.max())) for layer in layers]
    [((75, 79, 500, 503), '#ff9f1c', 153), ((75, 78, 500, 503), '#ff9f1c', 255)]
    """
    return picture_layers([(mask, transform, style)], canvas, accelerate=accelerate)


def picture_layers(masks: Iterable[tuple[Mask, Transform, MaskStyle]], canvas: tuple[int, int], *,
                   accelerate: bool = True) -> list[Layer]:
    """The layers of several masks of one picture (:func:`mask_layers` of each, in order).

    With the compiled core, each mask is drawn by the core (on a helper thread when the machine
    has a core for it, :class:`maskrender.draw.compiled.Renderer`) while the next one's outlines
    are prepared: the same layers, sooner.

    >>> import maskrender as mr
    >>> from maskrender.geometry import fit
    >>> from maskrender.style import Style
    >>> masks = mr.load("fixtures/results_list.json").masks()
    >>> layers = picture_layers([(m, fit(m.view_box, (302, 302)), Style().resolve(m, (302, 302))) for m in masks],
    ...                         (302, 302))
    >>> len(layers), all(la.alpha.any() for la in layers)
    (6, True)
    """
    layers: list[Layer] = []
    with compiled.Renderer() as renderer:
        for mask, transform, style in masks:
            layers += _layers(mask, transform, style, canvas, accelerate, renderer)
    return layers


def _layers(mask: Mask, transform: Transform, style: MaskStyle, canvas: tuple[int, int], accelerate: bool,
            renderer: compiled.Renderer) -> list[Layer]:
    levels = np.array([f.level for f in mask.features], dtype=np.int64)
    drawn = np.flatnonzero(levels > 0)
    kind = MASK_KINDS[mask.mask_type]
    outlined = style.outline > 0 and style.outline_opacity > 0 and kind.polygonal
    if not len(drawn) or (style.opacity <= 0 and not outlined):
        return []
    px_geoms = transform.apply_all([mask.features[i].geometry for i in drawn])
    levels = levels[drawn]
    layers: list[Layer] = []
    fill = _fill_alpha(kind.drawn_as, px_geoms, levels, style, canvas, accelerate, renderer) \
        if style.opacity > 0 else None
    if fill is not None:
        layers.append(Layer(fill[0], fill[1], style.color, mask.tech_name))
    if outlined:
        rings = shapely.boundary(px_geoms)
        ring_box = bounds_box(rings, style.outline / 2 + 1.0, canvas)
        if ring_box is not None:
            shapes = from_geometries(lines=rings, levels=np.full(len(rings), 255), width=style.outline,
                                     size=(ring_box[2] - ring_box[0], ring_box[3] - ring_box[1]), origin=ring_box[:2])
            layers.append(Layer(ring_box, shapes_alpha(shapes, style.outline_opacity, accelerate=accelerate,
                                                       renderer=renderer), style.color, mask.tech_name))
    return layers


def _fill_alpha(
    drawn_as: str,
    px_geoms: npt.NDArray[np.object_],
    levels: npt.NDArray[np.int64],
    style: MaskStyle,
    canvas: tuple[int, int],
    accelerate: bool,
    renderer: compiled.Renderer,
) -> tuple[Box, npt.NDArray[np.uint8]] | None:
    """The fill's box and 8-bit alpha, drawn as ``drawn_as`` (``filled``, ``dots`` or ``strokes``)."""
    pad = style.reach(drawn_as) + 1.0
    box = bounds_box(px_geoms, pad, canvas)
    if box is None:
        return None
    size = (box[2] - box[0], box[3] - box[1])
    if drawn_as == "dots":
        xy, owner = shapely.get_coordinates(px_geoms, return_index=True)
        shapes = from_geometries(points=xy, point_levels=levels[owner], radius=style.point_radius, size=size,
                                 origin=box[:2])
    elif drawn_as == "strokes":
        shapes = from_geometries(lines=px_geoms, levels=levels, width=style.line_width, size=size, origin=box[:2])
    else:
        shapes = from_geometries(polygons=px_geoms, levels=levels, size=size, origin=box[:2])
    return box, shapes_alpha(shapes, style.opacity, accelerate=accelerate, renderer=renderer)


def blend(image: Image.Image, layers: Iterable[Layer], *, accelerate: bool = True) -> Image.Image:
    """Composite layers onto ``image`` (RGB or RGBA) in place, each on its own box; returns it.

    Integer compositing with Pillow's arithmetic: pixels where a layer's alpha is 0 keep their
    exact bytes.  With the compiled core built (see :mod:`maskrender.draw.raster`) and an RGB
    image, the same arithmetic runs in C over each row's inked span (same bytes);
    ``accelerate=False`` or an RGBA image composite with Pillow.

    >>> import numpy as np
    >>> from PIL import Image
    >>> from maskrender.style import Color
    >>> photo = Image.new("RGB", (4, 1), (0, 0, 0))
    >>> alpha = np.array([[0, 128, 255]], dtype=np.uint8)
    >>> out = blend(photo, [Layer((1, 0, 4, 1), alpha, Color(200, 100, 0))])
    >>> [out.getpixel((x, 0)) for x in range(4)]
    [(0, 0, 0), (0, 0, 0), (100, 50, 0), (200, 100, 0)]
    """
    layers = list(layers)
    if accelerate and compiled.CORE is not None and image.mode == "RGB":
        _blend_core(image, layers)
        return image
    for layer in layers:
        for (x0, y0), block in _inked_blocks(layer):
            alpha = Image.fromarray(block, mode="L")
            if image.mode == "RGBA":
                tile = Image.new("RGBA", alpha.size, (*layer.color.rgb, 0))
                tile.putalpha(alpha)
                image.alpha_composite(tile, dest=(x0, y0))
            else:
                image.paste(layer.color.rgb, (x0, y0, x0 + alpha.width, y0 + alpha.height), mask=alpha)
    return image


BLOCK = 128
"""Side of the blocks a layer is composited in: blocks with no ink are skipped."""


def _blend_core(image: Image.Image, layers: list[Layer]) -> None:
    """The compiled blend: band by band of :data:`BLOCK` rows, the part of the photo under some
    layer's box is copied out, every layer blended onto it over each row's inked span, and the
    band pasted back from its own buffer (no photo-sized copy: a band at a time)."""
    w, h = image.size
    boxes = [(max(la.box[0], 0), max(la.box[1], 0), min(la.box[2], w), min(la.box[3], h)) for la in layers]
    live = [(la, b) for la, b in zip(layers, boxes, strict=True) if b[2] > b[0] and b[3] > b[1] and la.alpha.size]
    if not live:
        return
    top, bottom = min(b[1] for _, b in live), max(b[3] for _, b in live)
    spec = [(la.box[0], la.box[1], la.alpha, la.color.rgb) for la, _ in live]
    for y0 in range(top, bottom, BLOCK):
        y1 = min(y0 + BLOCK, bottom)
        here = [b for _, b in live if b[1] < y1 and b[3] > y0]
        if not here:
            continue
        box = (min(b[0] for b in here), y0, max(b[2] for b in here), y1)
        size = (box[2] - box[0], y1 - y0)
        pixels = bytearray(image.crop(box).tobytes())
        if compiled.blend_rgb(pixels, size, 3, box[:2], spec):
            image.paste(Image.frombuffer("RGB", size, pixels, "raw", "RGB", 0, 1), box[:2])


def _inked_blocks(layer: Layer) -> Iterator[tuple[tuple[int, int], npt.NDArray[np.uint8]]]:
    """The layer's alpha cut into row bands, each trimmed to the columns that hold ink.

    Sparse masks (pores, lines, lesions) leave most of their box at 0: compositing only
    the inked part of each band of ``BLOCK`` rows saves most of the blend.
    """
    alpha = layer.alpha
    h, w = alpha.shape
    x0, y0 = layer.box[0], layer.box[1]
    nb = -(-w // BLOCK)
    for top in range(0, h, BLOCK):
        band = alpha[top:top + BLOCK]
        cols = np.zeros(nb * BLOCK, dtype=bool)
        cols[:w] = band.any(axis=0)
        inked = cols.reshape(nb, BLOCK).any(axis=1)
        if not inked.any():
            continue
        # runs of inked column blocks, each composited as one piece
        edges = np.flatnonzero(np.diff(np.r_[0, inked.astype(np.int8), 0]))
        for start, stop in zip(edges[0::2], edges[1::2], strict=True):
            a, b = int(start) * BLOCK, min(int(stop) * BLOCK, w)
            yield (x0 + a, y0 + top), np.ascontiguousarray(band[:, a:b])
