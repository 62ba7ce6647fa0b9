"""Draw masks over a photo, or alone, as a picture (PNG/JPEG/WebP) or an SVG document.

Three calls cover it: :func:`render` (pixels: a PIL image in gives a PIL image back, a
numpy array gives a numpy array), :func:`render_svg` (an SVG string) and
:func:`render_file` (either, written atomically, the format taken from the extension).

Examples
--------
>>> import maskrender as mr
>>> out = mr.render("fixtures/pih_result.json", "fixtures/portrait.jpg", masks="restored")
...                                                      # doctest: +SKIP
>>> layer = mr.render("fixtures/pih_result.json", size=(604, 604))
>>> layer.mode, layer.size
('RGBA', (604, 604))
>>> svg = mr.render_svg("fixtures/pih_result.json")
>>> svg.startswith("<svg") and 'fill-rule="evenodd"' in svg
True
"""

from __future__ import annotations

import io
import os
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, Any, Union, overload

import numpy as np
import numpy.typing as npt
from PIL import Image

from maskrender.errors import AspectWarning, InputError, OutputError, SelectionError
from maskrender.geometry import fit, frame_of
from maskrender.image import PhotoSource, atomic_write, check_canvas, open_photo, save_image
from maskrender.model import MASK_SETS, SIDES, Mask, Result, Results
from maskrender.parse import Source, load
from maskrender.render.layers import Layer, blend, mask_layers, order_masks
from maskrender.render.svg import MaskDrawing, build_svg
from maskrender.style import Style

__all__ = ["MaskInput", "prepare", "render", "render_file", "render_svg", "select_masks"]

MaskInput = Union[Results, Result, Mask, Sequence[Mask], Source]
"""What the render calls take: a loaded model, masks, or anything :func:`maskrender.load` reads."""

def select_masks(
    data: MaskInput,
    *,
    masks: str = "restored",
    side: str | None = "front",
    only: Sequence[str] | None = None,
) -> list[Mask]:
    """The masks to draw, in drawing order (heatmap, polygon, polyline, point).

    Raises :class:`~maskrender.SelectionError` when ``only`` matches nothing, listing what
    exists.
    """
    if masks not in MASK_SETS:
        raise InputError(f"masks must be one of {', '.join(MASK_SETS)}, not {masks!r}")
    if side is not None and side not in SIDES:
        raise InputError(f"side must be one of {', '.join(SIDES)}, not {side!r}")
    if isinstance(data, Mask):
        chosen = [data]
    elif isinstance(data, (list, tuple)) and data and all(isinstance(m, Mask) for m in data):
        chosen = list(data)
    else:
        results = data if isinstance(data, Results) else (
            Results([data]) if isinstance(data, Result) else load(data))  # type: ignore[arg-type]
        chosen = list(results.masks(image=masks, side=side, only=only))
        if only and not chosen:
            names = results.mask_names()
            raise SelectionError(
                f"{results.source}: no {masks} {side or ''} mask matches {', '.join(only)}; "
                f"there are: {', '.join(names) or 'no masks at all'}"
            )
    return order_masks(chosen)


def _canvas(masks: Sequence[Mask], photo: Image.Image | None, size: tuple[int, int] | None) -> tuple[int, int]:
    if photo is not None:
        return photo.size
    if size is not None:
        return (int(size[0]), int(size[1]))
    for m in masks:
        if m.view_box is not None:
            return (max(1, round(m.view_box.width)), max(1, round(m.view_box.height)))
    if masks:
        w, h = masks[0].frame_size()
        return (max(1, round(w)), max(1, round(h)))
    raise InputError("nothing to size the canvas by: give a photo, a size, or masks with a view_box")


def prepare(
    data: MaskInput,
    image: PhotoSource | None = None,
    *,
    size: tuple[int, int] | None = None,
    masks: str = "restored",
    side: str | None = "front",
    only: Sequence[str] | None = None,
    style: Style | None = None,
    strict: bool = False,
) -> tuple[Image.Image | None, tuple[int, int], list[MaskDrawing]]:
    """Open the photo, choose the canvas, select masks and resolve each one's transform and style.

    The shared first half of :func:`render` and :func:`render_svg` (and of the reports).
    """
    style = style or Style()
    chosen = select_masks(data, masks=masks, side=side, only=only)
    photo = open_photo(image) if image is not None else None
    canvas = _canvas(chosen, photo, size)
    check_canvas(canvas)
    drawings: list[MaskDrawing] = []
    warned: set[str] = set()
    for i, m in enumerate(chosen):
        frame = frame_of(m, canvas)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            transform = fit(frame, canvas, strict=strict, what=m.tech_name or m.display_name)
        for w in caught:
            if str(frame) not in warned:
                warned.add(str(frame))
                warnings.warn(str(w.message), AspectWarning, stacklevel=3)
        drawings.append(MaskDrawing(m, transform, style.resolve(m, i, canvas)))
    return photo, canvas, drawings


def _layers(drawings: Iterable[MaskDrawing], canvas: tuple[int, int]) -> list[Layer]:
    out: list[Layer] = []
    for d in drawings:
        out.extend(mask_layers(d.mask, d.transform, d.style, canvas))
    return out


@overload
def render(
    data: MaskInput,
    image: npt.NDArray[Any],
    *,
    size: tuple[int, int] | None = ...,
    masks: str = ...,
    side: str | None = ...,
    only: Sequence[str] | None = ...,
    style: Style | None = ...,
    strict: bool = ...,
) -> npt.NDArray[Any]: ...
@overload
def render(
    data: MaskInput,
    image: str | os.PathLike[str] | bytes | IO[bytes] | Image.Image | None = ...,
    *,
    size: tuple[int, int] | None = ...,
    masks: str = ...,
    side: str | None = ...,
    only: Sequence[str] | None = ...,
    style: Style | None = ...,
    strict: bool = ...,
) -> Image.Image: ...
def render(
    data: MaskInput,
    image: PhotoSource | None = None,
    *,
    size: tuple[int, int] | None = None,
    masks: str = "restored",
    side: str | None = "front",
    only: Sequence[str] | None = None,
    style: Style | None = None,
    strict: bool = False,
) -> Image.Image | npt.NDArray[Any]:
    """Draw the selected masks over ``image``, or on a transparent canvas.

    Parameters
    ----------
    data : Results, Result, Mask, list of Mask, or anything ``load`` reads
    image : path, bytes, file, PIL image or numpy array, optional
        The photo. ``None`` gives a transparent RGBA layer of ``size`` (default: the
        view_box size).
    size : (int, int), optional
        Canvas size when there is no photo.
    masks : {"restored", "original"}
        Which mask set to draw (each belongs to its own image).
    side : {"front", "left", "right"} or None
        Which side's masks (``None``: all).
    only : sequence of str, optional
        Algorithm, family or mask tech names to keep.
    style : Style, optional
        Colours, opacity and sizes.
    strict : bool
        Refuse (instead of warn) when the photo's aspect ratio differs from the view_box's.

    Returns
    -------
    PIL.Image.Image or numpy.ndarray
        The same kind as ``image`` (a numpy photo gives a numpy array of the same shape
        family); RGB for opaque photos, RGBA for photos with alpha and for layers.

    Examples
    --------
    >>> import numpy as np, maskrender as mr
    >>> photo = np.zeros((604, 604, 3), dtype=np.uint8)
    >>> out = mr.render("fixtures/pih_result.json", photo)
    >>> type(out).__name__, out.shape, int(out.max()) > 0
    ('ndarray', (604, 604, 3), True)
    """
    photo, canvas, drawings = prepare(
        data, image, size=size, masks=masks, side=side, only=only, style=style, strict=strict
    )
    base = Image.new("RGBA", canvas, (0, 0, 0, 0)) if photo is None else photo.copy() if photo is image else photo
    out = blend(base, _layers(drawings, canvas))
    if isinstance(image, np.ndarray):
        return np.asarray(out)
    return out


def _photo_payload(image: PhotoSource, photo: Image.Image) -> tuple[bytes, str]:
    """Bytes to embed: the original JPEG/PNG/WebP file when it needs no re-orientation, else PNG."""
    if isinstance(image, (str, os.PathLike)):
        try:
            with Image.open(image) as im:
                fmt = im.format
                orientation = im.getexif().get(0x0112, 1)
        except OSError:
            fmt, orientation = None, 1
        mime = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}.get(fmt or "")
        if mime and orientation in (0, 1) and photo.mode in ("RGB", "RGBA"):
            return Path(image).read_bytes(), mime
    buf = io.BytesIO()
    photo.save(buf, "PNG", compress_level=1)
    return buf.getvalue(), "image/png"


def render_svg(
    data: MaskInput,
    image: PhotoSource | None = None,
    *,
    embed_image: bool = False,
    size: tuple[int, int] | None = None,
    masks: str = "restored",
    side: str | None = "front",
    only: Sequence[str] | None = None,
    style: Style | None = None,
    strict: bool = False,
) -> str:
    """The selected masks as an SVG document (same parameters as :func:`render`).

    Without ``embed_image`` the SVG is a transparent overlay sized like the photo (lay it over
    an ``<img>``); with it, the photo is embedded under the masks as a data URI.

    >>> import maskrender as mr
    >>> svg = mr.render_svg("fixtures/pih_result.json", size=(512, 512))
    >>> 'viewBox="0 0 512 512"' in svg
    True
    """
    photo, canvas, drawings = prepare(
        data, image, size=size, masks=masks, side=side, only=only, style=style, strict=strict
    )
    payload = _photo_payload(image, photo) if embed_image and image is not None and photo is not None else None
    return build_svg(drawings, canvas, photo=payload)


def render_file(
    data: MaskInput,
    output: str | os.PathLike[str],
    image: PhotoSource | None = None,
    *,
    embed_image: bool = False,
    compress_level: int = 1,
    quality: int = 90,
    **options: Any,
) -> Path:
    """Render to ``output`` (``.png``, ``.jpg``, ``.webp`` or ``.svg``), written atomically.

    ``options`` are those of :func:`render`. Returns the output path.

    >>> import maskrender as mr, tempfile, os
    >>> out = mr.render_file("fixtures/pih_result.json", os.path.join(tempfile.mkdtemp(), "o.png"))
    >>> out.suffix
    '.png'
    """
    out = Path(output)
    ext = out.suffix.lower()
    if ext == ".svg":
        svg = render_svg(data, image, embed_image=embed_image, **options)
        atomic_write(out, svg.encode("utf-8"))
        return out
    if ext not in (".png", ".jpg", ".jpeg", ".webp"):
        raise OutputError(f"{out}: unknown output extension {ext or '(none)'}; expected .png, .jpg, .webp or .svg")
    picture = render(data, image if not isinstance(image, np.ndarray) else Image.fromarray(image), **options)
    save_image(picture, out, compress_level=compress_level, quality=quality)
    return out

