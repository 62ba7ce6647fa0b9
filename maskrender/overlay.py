"""Draw masks over a photo, or alone, as a picture (PNG/JPEG/WebP) or an SVG document.

Three calls cover it: :func:`render` (pixels: a PIL image in gives a PIL image back, a
numpy array gives a numpy array), :func:`render_svg` (an SVG string) and
:func:`render_file` (either, written atomically, the format taken from the extension).

Examples
--------
>>> from maskrender.overlay import render, render_file, render_svg
>>> out = render("fixtures/results_list.json", "fixtures/restored.jpg")     # PIL image, RGB
>>> out.mode, out.size
('RGB', (2416, 2416))
>>> layer = render("fixtures/pih_result.json", size=(604, 604))             # no photo: RGBA layer
>>> layer.mode, layer.size, layer.getpixel((0, 0))
('RGBA', (604, 604), (0, 0, 0, 0))
>>> svg = render_svg("fixtures/pih_result.json")
>>> svg.startswith("<svg") and '<path d="M' in svg
True

(The same functions are ``maskrender.render``, ``maskrender.render_svg`` and
``maskrender.render_file``.)
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypedDict, Union, overload

import numpy as np
import numpy.typing as npt
from PIL import Image

from maskrender.atomic import atomic_write
from maskrender.backdrop import DIM, apply_backdrop, check_backdrop
from maskrender.coverage import canvas_size, fitted, pixel_size
from maskrender.defaults import (
    MASK_SET,
    MASK_SETS,
    OVERLAY_COMPRESS_LEVEL,
    QUALITY,
    SIDE,
    SIDES,
    Background,
    Legend,
    MaskSet,
    Side,
    renamed_keywords,
)
from maskrender.draw.layers import Layer, blend, order_masks, picture_layers
from maskrender.draw.svg import MaskDrawing, build_svg
from maskrender.encode import encode
from maskrender.errors import AspectWarning, ImageError, InputError, OutputError, SelectionError, warn
from maskrender.formats import format_named
from maskrender.geometry import ASPECT_TOLERANCE, aspect_mismatch, fit, frame_of
from maskrender.image import PhotoSource, embeddable, open_photo
from maskrender.legend import CORNERS, draw_legend, legend_entries, legend_layout, svg_legend
from maskrender.maskset import MaskSetWarning, check_sides, choose_set, fitting_hint
from maskrender.model import Mask, Result, Results, selection
from maskrender.names import available_names, require_known
from maskrender.outputs import check_canvas, check_output
from maskrender.parse import Source, load
from maskrender.style import Style

if sys.version_info >= (3, 11):  # run time too: typing.get_type_hints(render_file) resolves
    from typing import Unpack
elif TYPE_CHECKING:  # Python 3.10: the type checker's own copy, no run-time dependency
    from typing_extensions import Unpack

__all__ = ["MaskInput", "RenderOptions", "prepare", "render", "render_file", "render_svg", "select_masks"]

MaskInput = Union[Results, Result, Mask, Sequence[Mask], Source]
"""What the render calls take: a loaded model, masks, or anything :func:`maskrender.load` reads."""

@renamed_keywords(masks="mask_set")
def select_masks(
    data: MaskInput,
    *,
    mask_set: MaskSet = MASK_SET,
    side: Side | None = SIDE,
    only: Sequence[str] | None = None,
) -> list[Mask]:
    """The masks to draw, in drawing order (heatmap, polygon, polyline, point).

    From results (or anything :func:`maskrender.load` reads) this keeps the ``mask_set``
    (``restored`` or ``original``), the ``side`` (``None``: every side) and, with ``only``,
    the masks whose algorithm, family (``acne.papules``) or mask tech name is listed.
    :class:`~maskrender.Mask` objects given directly are drawn as given.

    Raises :class:`~maskrender.SelectionError`, listing what exists, when nothing is selected.

    >>> [m.mask_type for m in select_masks("fixtures/results_list.json", only=["lines", "redness"])]
    ['heatmap_mask', 'polygon_mask', 'polyline_mask']
    >>> select_masks("fixtures/pores.json", only=["acne"])
    Traceback (most recent call last):
    ...
    maskrender.errors.SelectionError: pores.json: no restored front mask matches acne; there are: \
pores, Pores Mask, pores.pores, pores_mask_restored (masks: restored front 1, original front 1)
    """
    only = selection(only)  # a string is one name, not its characters
    if mask_set not in MASK_SETS:
        raise InputError(f"mask_set must be one of {', '.join(MASK_SETS)}, not {mask_set!r}")
    if side is not None and side not in SIDES:
        raise InputError(f"side must be one of {', '.join(SIDES)}, not {side!r}")
    if isinstance(data, Mask):
        return [data]
    if isinstance(data, (list, tuple)) and data and all(isinstance(m, Mask) for m in data):
        return order_masks(data)
    results = data if isinstance(data, Results) else (
        Results([data]) if isinstance(data, Result) else load(data))  # type: ignore[arg-type]
    chosen = list(results.masks(mask_set=mask_set, side=side, only=only))
    if not chosen:
        what = f"{mask_set} {side or 'any-side'}"
        inventory = _inventory(results)
        if only:  # exactly the names that select a mask of this set and side
            names = ", ".join(available_names(results.masks(mask_set=mask_set, side=side))) or "no names at all"
            raise SelectionError(f"{_name(results)}: no {what} mask matches {', '.join(only)}; "
                                 f"there are: {names} (masks: {inventory})")
        raise SelectionError(f"{_name(results)}: no {what} masks to draw; there are: {inventory}")
    return order_masks(chosen)


def _results(data: MaskInput) -> Results:
    """The input as results (loaded once: the mask set, the selection and the fill names all look at it)."""
    if isinstance(data, Results):
        return data
    if isinstance(data, Result):
        return Results([data])
    return load(data)  # type: ignore[arg-type]


def _name(results: Results) -> str:
    return os.path.basename(results.source) or results.source


def _inventory(results: Results) -> str:
    """What masks exist, by set and side: ``restored front 4, original front 4``."""
    counts: dict[str, int] = {}
    for r in results:
        for m in (*r.masks_restored, *r.masks_original):
            key = f"{m.mask_set} {m.side}"
            counts[key] = counts.get(key, 0) + 1
    return ", ".join(f"{k} {n}" for k, n in counts.items()) or "none at all"


def _canvas(masks: Sequence[Mask], size: tuple[int, int] | None, max_size: int | None) -> tuple[int, int]:
    """The canvas without a photo: ``size``, else the first view_box's size (rounded), within ``max_size``."""
    frame = next((m for m in masks if m.view_box is not None), masks[0])
    return canvas_size(frame, size, max_size)


def _sized_photo(photo: Image.Image, size: tuple[int, int] | None, max_size: int | None) -> Image.Image:
    """The photo resized to ``size`` (aspect ratio kept within 1%) and/or down to ``max_size``."""
    w, h = photo.size
    target = (w, h)
    if size is not None:
        target = pixel_size(size)
        mismatch = abs((target[0] / target[1]) / (w / h) - 1.0)
        if mismatch > ASPECT_TOLERANCE * (1 + 1e-9):
            raise InputError(f"size {target[0]}x{target[1]} would distort the {w}x{h} photo (aspect "
                             f"{w / h:.3f}); give a size of the photo's aspect, or max_size")
    target = fitted(target, max_size)
    if target == (w, h):
        return photo
    return photo.resize(target, Image.Resampling.LANCZOS, reducing_gap=2.0)  # as Image.thumbnail: 3x faster


@renamed_keywords(masks="mask_set")
def prepare(
    data: MaskInput,
    image: PhotoSource | None = None,
    *,
    size: tuple[int, int] | None = None,
    max_size: int | None = None,
    mask_set: MaskSet | None = None,
    side: Side | None = SIDE,
    only: Sequence[str] | None = None,
    style: Style | None = None,
    strict: bool = False,
    check_aspect: bool = True,
) -> tuple[Image.Image | None, tuple[int, int], list[MaskDrawing]]:
    """Open the photo, choose the canvas, select masks and resolve each one's transform and style.

    The shared first half of :func:`render` and :func:`render_svg` (and of the reports): returns
    the photo (``None`` without one), the canvas size ``(W, H)`` in output pixels, and one
    :class:`~maskrender.draw.svg.MaskDrawing` per selected mask, in drawing order.

    The canvas is ``size``, else the photo's size, else the first mask's view_box size, scaled
    down to ``max_size`` if that is given; a photo is resized to the canvas (``size`` must keep its
    aspect ratio within 1%).  The canvas is checked against ``limits.MAX_CANVAS_PIXELS`` before
    anything is allocated.  Each mask frame's aspect ratio is checked against the canvas once (a
    warning, or an error with ``strict``) unless ``check_aspect`` is false (the caller checked it
    already).  Masks without a fill get distinct palette colours within the picture.

    >>> photo, canvas, drawings = prepare("fixtures/results_list.json", size=(512, 512))
    >>> photo, canvas, [d.mask.mask_type for d in drawings]
    (None, (512, 512), ['heatmap_mask', 'polygon_mask', 'polygon_mask', 'polygon_mask', 'polyline_mask', \
'point_mask'])
    >>> round(drawings[0].transform.sx, 4), drawings[0].style.color.hex
    (0.2119, '#e63946')
    """
    if style is not None and not isinstance(style, Style):
        raise TypeError(f"style: expected a maskrender.Style (e.g. Style(fills={{'acne': 'red'}})), not "
                        f"{type(style).__name__}")
    style = style or Style()
    photo = None if image is None else open_photo(image, as_canvas=True)
    given = not isinstance(data, (Mask, list, tuple))  # masks given directly are drawn as given
    results = _results(data) if given else None
    hint = None
    if results is not None and photo is not None:
        if mask_set is None and not strict:
            mask_set, note = choose_set(results, photo.size, side=side, only=only)
            if note is not None:
                warn(note, MaskSetWarning)
        else:  # a named set, or strict (which never guesses): a set that does not fit names the one that does
            hint = fitting_hint(results, photo.size, mask_set or MASK_SET, side=side, only=only)
    chosen = select_masks(results if results is not None else data, mask_set=mask_set or MASK_SET, side=side,
                          only=only)
    if side is None:
        check_sides(chosen)
    if results is not None:  # a --fill or --opacity name that selects nothing is a typo
        for what, table in (("fill", style.fills), ("opacity", style.opacities)):
            if table:
                require_known(list(table), results.all_masks(), what=what, source=_name(results))
    if photo is None:
        canvas = _canvas(chosen, size, max_size)
        check_canvas(canvas)
    else:
        photo = _sized_photo(photo, size, max_size)
        canvas = photo.size
    drawings: list[MaskDrawing] = []
    checked: set[str] = set()
    for m in chosen:
        frame = frame_of(m, canvas)
        if check_aspect and str(frame) not in checked:  # one warning per frame, not per mask
            checked.add(str(frame))
            msg = aspect_mismatch(frame, canvas, m.tech_name or m.display_name)
            if msg is not None and hint is not None:
                msg = f"{msg} {hint}"
            if msg is not None and strict:
                raise ImageError(msg)
            if msg is not None:
                warn(msg, AspectWarning)
        transform = fit(frame, canvas, check_aspect=False)
        drawings.append(MaskDrawing(m, transform, style.resolve(m, canvas, among=chosen)))
    return photo, canvas, drawings


def _layers(drawings: Iterable[MaskDrawing], canvas: tuple[int, int]) -> list[Layer]:
    return picture_layers([(d.mask, d.transform, d.style) for d in drawings], canvas)


_PixelPhoto = Union[str, "os.PathLike[str]", bytes, IO[bytes], Image.Image, None]


class RenderOptions(TypedDict, total=False):
    """The keyword options of :func:`render`, which :func:`render_file` passes on (to :func:`render` or
    :func:`render_svg`): a type checker refuses a misspelt one (``legnd=``).  See :func:`render`.
    """

    size: tuple[int, int] | None
    max_size: int | None
    mask_set: MaskSet | None
    side: Side | None
    only: Sequence[str] | None
    style: Style | None
    strict: bool
    legend: Legend | None
    background: Background | None


@overload
def render(data: MaskInput, image: npt.NDArray[Any], **options: Unpack[RenderOptions]) -> npt.NDArray[Any]: ...
@overload
def render(data: MaskInput, image: _PixelPhoto = ..., **options: Unpack[RenderOptions]) -> Image.Image: ...
@renamed_keywords(masks="mask_set")
def render(
    data: MaskInput,
    image: PhotoSource | None = None,
    *,
    size: tuple[int, int] | None = None,
    max_size: int | None = None,
    mask_set: MaskSet | None = None,
    side: Side | None = SIDE,
    only: Sequence[str] | None = None,
    style: Style | None = None,
    strict: bool = False,
    legend: Legend | None = None,
    background: Background | None = None,
) -> Image.Image | npt.NDArray[Any]:
    """Draw the selected masks over ``image``, or on a transparent canvas.

    Parameters
    ----------
    data : Results, Result, Mask, list of Mask, or anything ``load`` reads
    image : path, bytes, file, PIL image or numpy array, optional
        The photo. ``None`` gives a transparent RGBA layer of ``size`` (default: the
        view_box size).
    size : (int, int), optional
        The output size: the canvas without a photo; with one, the photo is resized to it
        (its aspect ratio kept within 1%).
    max_size : int, optional
        Scale the output down, photo included, so neither side exceeds this many pixels.
    mask_set : {"restored", "original"}, optional
        Which mask set to draw (each belongs to its own image).  Default: the set whose view_box
        fits the photo (its size, else its aspect ratio), with a :class:`MaskSetWarning` when that
        is the original set; ``restored`` without a photo or when both or neither fit.  With
        ``strict`` nothing is guessed: ``restored``, refused on a photo it does not fit.
    side : {"front", "left", "right"} or None
        Which side's masks (``None``: all, refused when several sides have masks: each side is
        a photo of its own).
    only : sequence of str, optional
        Algorithm, family or mask tech names to keep.
    style : Style, optional
        Colours, opacity, sizes and palette.
    strict : bool
        Refuse (instead of warn) when the photo's aspect ratio differs from the view_box's.
    legend : {"top-left", "top-right", "bottom-left", "bottom-right", "none"}, optional
        Draw a legend of the masks (each in the colour it is drawn in) in that corner.
    background : {"photo", "dim", "grey"}, optional
        Show the photo dimmed or in greyscale behind the masks (needs a photo).

    Returns
    -------
    PIL.Image.Image or numpy.ndarray
        The same kind as ``image`` (a numpy photo gives a numpy array of the same shape
        family); RGB for opaque photos, RGBA for photos with alpha and for layers.

    Examples
    --------
    >>> import numpy as np
    >>> photo = np.zeros((604, 604, 3), dtype=np.uint8)
    >>> out = render("fixtures/pih_result.json", photo)
    >>> type(out).__name__, out.shape, int(out.max()) > 0
    ('ndarray', (604, 604, 3), True)
    >>> render("fixtures/results_list.json", "fixtures/restored.jpg", max_size=800, legend="top-right").size
    (800, 800)
    """
    corner = _corner(legend)
    how = _backdrop(background, image)
    photo, canvas, drawings = prepare(
        data, image, size=size, max_size=max_size, mask_set=mask_set, side=side, only=only, style=style,
        strict=strict
    )
    # open_photo always returns a new image (never the caller's), so blending in place is safe
    base = Image.new("RGBA", canvas, (0, 0, 0, 0)) if photo is None else apply_backdrop(photo, how)
    out = blend(base, _layers(drawings, canvas))
    if corner is not None:
        out = draw_legend(out, legend_layout(legend_entries(drawings), canvas, corner))
    if isinstance(image, np.ndarray):
        return np.array(out)
    return out


def _corner(legend: Legend | None) -> str | None:
    if legend is None or legend == "none":
        return None
    if legend not in CORNERS:
        raise InputError(f"legend must be one of {', '.join(CORNERS)} or none, not {legend!r}")
    return legend


def _backdrop(background: Background | None, image: PhotoSource | None) -> str:
    how = check_backdrop(background)
    if how != "photo" and image is None:
        raise InputError(f"background {how} is for a photo; give the photo (image=, --image)")
    return how


@renamed_keywords(masks="mask_set")
def render_svg(
    data: MaskInput,
    image: PhotoSource | None = None,
    *,
    embed_image: bool = False,
    size: tuple[int, int] | None = None,
    max_size: int | None = None,
    mask_set: MaskSet | None = None,
    side: Side | None = SIDE,
    only: Sequence[str] | None = None,
    style: Style | None = None,
    strict: bool = False,
    legend: Legend | None = None,
    background: Background | None = None,
    keep_metadata: bool = False,
) -> str:
    """The selected masks as an SVG document (same parameters as :func:`render`).

    Without ``embed_image`` the SVG is a transparent overlay sized like the photo (lay it over
    an ``<img>``; ``background="dim"`` puts a translucent black layer under the masks, which dims
    that ``<img>`` exactly as :func:`render` dims the photo); with it, the photo (resized, dimmed
    or grey as asked) is embedded under the masks as a data URI, without its camera metadata
    (EXIF, GPS, XMP; the colour profile stays) unless ``keep_metadata``.  The legend is real ``<text>``.

    >>> svg = render_svg("fixtures/pih_result.json", size=(512, 512), legend="bottom-left")
    >>> 'viewBox="0 0 512 512"' in svg, '<g class="legend">' in svg
    (True, True)
    """
    if embed_image and image is None:
        raise InputError("embed_image needs a photo to embed")
    corner = _corner(legend)
    how = _backdrop(background, image)
    if how == "grey" and not embed_image:
        raise InputError("background grey needs the photo in the SVG: add embed_image (--embed-image); an SVG "
                         "overlay cannot turn the <img> under it grey")
    photo, canvas, drawings = prepare(
        data, image, size=size, max_size=max_size, mask_set=mask_set, side=side, only=only, style=style,
        strict=strict
    )
    payload = None
    if embed_image and image is not None and photo is not None:
        changed = how != "photo" or size is not None or max_size is not None
        shown = apply_backdrop(photo, how)
        payload = embeddable(None if changed else image, shown, keep_metadata=keep_metadata)
    under = (f'<rect class="dim" width="{canvas[0]}" height="{canvas[1]}" fill="#000000" fill-opacity="{DIM}"/>'
             if how == "dim" and payload is None else "")  # over the <img> the overlay is laid on
    over = svg_legend(legend_layout(legend_entries(drawings), canvas, corner)) if corner is not None else ""
    return build_svg(drawings, canvas, photo=payload, under=under, over=over)


@overload
def render_file(data: MaskInput, output: str | os.PathLike[str], image: PhotoSource | None = ..., *,
                format: str | None = ..., embed_image: bool = ..., compress_level: int = ..., quality: int = ...,
                keep_metadata: bool = ..., **options: Unpack[RenderOptions]) -> Path: ...
@overload
def render_file(data: MaskInput, output: IO[bytes], image: PhotoSource | None = ..., *,
                format: str | None = ..., embed_image: bool = ..., compress_level: int = ..., quality: int = ...,
                keep_metadata: bool = ..., **options: Unpack[RenderOptions]) -> IO[bytes]: ...
@renamed_keywords(masks="mask_set")
def render_file(
    data: MaskInput,
    output: str | os.PathLike[str] | IO[bytes],
    image: PhotoSource | None = None,
    *,
    format: str | None = None,
    embed_image: bool = False,
    compress_level: int = OVERLAY_COMPRESS_LEVEL,
    quality: int = QUALITY,
    keep_metadata: bool = False,
    **options: Unpack[RenderOptions],
) -> Path | IO[bytes]:
    r"""Render to ``output`` (a path, written atomically, or a binary file object), in the format
    its extension names or ``format`` (``png``, ``jpeg``/``jpg``, ``webp``, ``svg``).

    ``.png`` (zlib level ``compress_level``, 0-9), ``.jpg``/``.jpeg`` and ``.webp``
    (``quality``) get :func:`render`'s picture; ``.svg`` gets :func:`render_svg`'s document
    (``embed_image`` embeds the photo).  ``options`` are those of :func:`render` (``mask_set``,
    ``legend``, ``background``, ``max_size`` ...: :class:`RenderOptions`).  The photo's ICC profile
    and dpi are kept; its camera EXIF (and GPS) only with ``keep_metadata``.  A path is written to a
    temporary name and renamed, so a failure leaves no partial file; an output that is one of the
    inputs (also through a symlink or a hard link) is refused.  A file object (a web server's
    response, ``io.BytesIO``) needs ``format``, as Pillow's ``save(fp, format=)`` does, and gets the
    bytes once they are complete.  Returns the output path or file object.

    >>> import io, tempfile, os
    >>> folder = tempfile.mkdtemp()
    >>> render_file("fixtures/results_list.json", os.path.join(folder, "o.png"), "fixtures/restored.jpg").name
    'o.png'
    >>> render_file("fixtures/results_list.json", os.path.join(folder, "o.svg"), only=["pores"]).name
    'o.svg'
    >>> buf = render_file("fixtures/pih_result.json", io.BytesIO(), format="png", max_size=256)
    >>> buf.getvalue()[:8]
    b'\x89PNG\r\n\x1a\n'
    """
    if hasattr(output, "write"):
        if format is None:
            raise OutputError("a file object needs format= (png, jpeg, webp or svg), as Pillow's save(fp, format=)")
        fmt = format_named(format, "overlay")
        out = None
    else:
        out = Path(output)
        fmt = check_output(out, "overlay", (data, image), size=options.get("size"))
        if format is not None:
            fmt = format_named(format, "overlay")
    if not 0 <= compress_level <= 9:
        raise OutputError(f"compress_level must be 0 to 9, not {compress_level}")
    if fmt.name == "svg":
        payload = render_svg(data, image, embed_image=embed_image, keep_metadata=keep_metadata,
                             **options).encode("utf-8")
    else:
        if embed_image:
            raise InputError(f"{out or fmt.name}: embed_image is for .svg output; a {fmt.name} picture always "
                             "shows the photo")
        picture = render(data, image, **options)
        if isinstance(picture, np.ndarray):
            picture = Image.fromarray(picture)
        assert fmt.pillow is not None
        payload = encode(picture, fmt.pillow, compress_level=compress_level, quality=quality,
                         keep_metadata=keep_metadata, label=os.fspath(out) if out is not None else "output")
    if out is None:
        output.write(payload)  # type: ignore[union-attr]
        return output  # type: ignore[return-value]
    atomic_write(out, payload)
    return out
