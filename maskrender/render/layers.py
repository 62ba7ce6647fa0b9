"""Masks to alpha layers (one per mask, plus one per outline) and their blend onto pixels.

A mask is one layer: its features are grouped by intensity; each group's union is
rasterised once, and the layer's alpha is the largest ``coverage * intensity`` over the
groups, times the opacity.  So overlapping features never double-blend, holes show the photo
untouched, and a heatmap keeps its gradation.  Blending happens once per layer, on the
layer's bounding box only, with Pillow's integer compositing: pixels outside every feature
keep their exact bytes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely
from PIL import Image

from maskrender.geometry import Transform
from maskrender.model import MASK_TYPES, Mask
from maskrender.render.raster import Box, bounds_box, disc_coverage, polygon_coverage, stroke
from maskrender.style import Color, MaskStyle

__all__ = ["Layer", "blend", "intensity_groups", "mask_layers", "order_masks"]


@dataclass(frozen=True)
class Layer:
    """A colour and an 8-bit alpha over a pixel box of the output."""

    box: Box
    alpha: npt.NDArray[np.uint8]
    color: Color
    name: str = ""


def order_masks(masks: Iterable[Mask]) -> list[Mask]:
    """Drawing order, bottom to top: heatmap, polygon, polyline, point; stable otherwise."""
    rank = {t: i for i, t in enumerate(MASK_TYPES)}
    return sorted(masks, key=lambda m: rank.get(m.mask_type, len(rank)))


def intensity_groups(mask: Mask) -> list[tuple[float, list[int]]]:
    """Feature indices grouped by intensity (8-bit steps), in increasing intensity."""
    groups: dict[int, list[int]] = {}
    for i, f in enumerate(mask.features):
        groups.setdefault(round(f.intensity * 255), []).append(i)
    return [(level / 255.0, idx) for level, idx in sorted(groups.items()) if level > 0]


def _to_alpha(cov: npt.NDArray[np.float32], factor: float) -> npt.NDArray[np.uint8]:
    cov *= np.float32(factor * 255.0)
    cov += np.float32(0.5)
    return cov.astype(np.uint8)


def mask_layers(mask: Mask, transform: Transform, style: MaskStyle, canvas: tuple[int, int]) -> list[Layer]:
    """The fill layer (and the outline layer, if any) of one mask on a canvas of ``canvas`` pixels."""
    groups = intensity_groups(mask)
    if not groups or style.opacity <= 0:
        return []
    px_geoms = [transform.apply(f.geometry) for f in mask.features]
    layers: list[Layer] = []
    fill = _fill_coverage(mask.mask_type, px_geoms, groups, style, canvas)
    if fill is not None:
        box, cov = fill
        layers.append(Layer(box, _to_alpha(cov, style.opacity), style.color, mask.tech_name))
    if style.outline > 0 and mask.mask_type in ("polygon_mask", "heatmap_mask"):
        rings = stroke(shapely.boundary(np.asarray(px_geoms, dtype=object)), style.outline)
        ring_box = bounds_box(rings, 1.0, canvas)
        if ring_box is not None:
            cov = polygon_coverage(rings, ring_box)
            box = ring_box
            layers.append(Layer(box, _to_alpha(cov, style.outline_opacity), style.color, mask.tech_name))
    return layers


def _fill_coverage(
    mask_type: str,
    px_geoms: Sequence[shapely.Geometry],
    groups: list[tuple[float, list[int]]],
    style: MaskStyle,
    canvas: tuple[int, int],
) -> tuple[Box, npt.NDArray[np.float32]] | None:
    shapes: list[tuple[float, npt.NDArray[np.object_]]] = []
    for level, idx in groups:
        geoms = np.asarray([px_geoms[i] for i in idx], dtype=object)
        if mask_type == "polyline_mask":
            geoms = stroke(geoms, style.line_width)
        shapes.append((level, geoms))
    pad = style.point_radius + 1.0 if mask_type == "point_mask" else 1.0
    box = bounds_box(np.concatenate([g for _, g in shapes]), pad, canvas)
    if box is None:
        return None
    total: npt.NDArray[np.float32] | None = None
    for level, geoms in shapes:
        if mask_type == "point_mask":
            centres = shapely.get_coordinates(geoms)
            cov = disc_coverage(centres, style.point_radius, box)
        else:
            cov = polygon_coverage(geoms, box)
        if level < 1.0:
            cov *= np.float32(level)
        total = cov if total is None else np.maximum(total, cov, out=total)
    assert total is not None
    return box, total


def blend(image: Image.Image, layers: Iterable[Layer]) -> Image.Image:
    """Composite layers onto ``image`` (RGB or RGBA) in place, each on its own box; returns it."""
    for layer in layers:
        x0, y0, _, _ = layer.box
        alpha = Image.fromarray(layer.alpha, mode="L")
        if image.mode == "RGBA":
            tile = Image.new("RGBA", alpha.size, (*layer.color.rgb, 0))
            tile.putalpha(alpha)
            image.alpha_composite(tile, dest=(x0, y0))
        else:
            image.paste(layer.color.rgb, (x0, y0, x0 + alpha.width, y0 + alpha.height), mask=alpha)
    return image
