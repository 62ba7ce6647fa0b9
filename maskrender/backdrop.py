"""The photo behind the masks: as it is, dimmed, or in greyscale, so coloured masks stand out.

``dim`` lays black at :data:`DIM` opacity over the photo (each channel times ``1 - DIM``): the
same as the SVG overlay's black rectangle over an ``<img>``, so PNG and SVG agree.  ``grey`` is
the photo's luma (ITU-R 601, Pillow's ``L``), alpha kept.

>>> from PIL import Image
>>> apply_backdrop(Image.new("RGB", (2, 2), (200, 100, 50)), "dim").getpixel((0, 0))
(110, 55, 28)
>>> apply_backdrop(Image.new("RGB", (2, 2), (200, 100, 50)), "grey").getpixel((0, 0))
(124, 124, 124)
"""

from __future__ import annotations

from PIL import Image

from maskrender.defaults import BACKGROUNDS as BACKDROPS
from maskrender.errors import InputError

__all__ = ["BACKDROPS", "DIM", "apply_backdrop", "check_backdrop"]

DIM = 0.45
"""The opacity of the black laid over a dimmed photo."""


def check_backdrop(background: str | None) -> str:
    """``background`` as one of :data:`BACKDROPS` (``None`` is ``photo``), or an InputError.

    >>> check_backdrop(None), check_backdrop("grey")
    ('photo', 'grey')
    """
    how = "photo" if background is None else background
    if how not in BACKDROPS:
        raise InputError(f"background must be one of {', '.join(BACKDROPS)}, not {background!r}")
    return how


def apply_backdrop(photo: Image.Image, background: str | None) -> Image.Image:
    """``photo`` as the backdrop ``background`` asks for (the same image for ``photo``/``None``).

    >>> im = Image.new("RGBA", (1, 1), (100, 200, 0, 128))
    >>> apply_backdrop(im, "grey").getpixel((0, 0)), apply_backdrop(im, None) is im
    ((147, 147, 147, 128), True)
    """
    how = check_backdrop(background)
    if how == "photo":
        return photo
    alpha = photo.getchannel("A") if photo.mode == "RGBA" else None
    rgb = photo.convert("RGB")
    rgb = rgb.point(lambda v: round(v * (1.0 - DIM))) if how == "dim" else rgb.convert("L").convert("RGB")
    if alpha is not None:
        rgb.putalpha(alpha)
    return rgb
