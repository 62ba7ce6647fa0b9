"""The team's readings of what the vendor does not document, one function each (a correction is a
one-line change here)."""

from __future__ import annotations

from maskrender.model import ViewBox

__all__ = ["default_side", "default_view_box", "normalise_intensities"]


def normalise_intensities(values: list[float | None]) -> list[float]:
    """Turn a mask's raw ``intensity`` values into 0..1 opacity factors (assumed reading).

    The vendor documents ``intensity`` only as "recommended colour intensity". We read it
    as a 0..1 factor. A mask whose largest value is above 1 is read as a whole: up to 100
    as per cent, up to 255 as 8-bit; anything beyond is clipped. A missing value is 1;
    negatives are 0.

    >>> normalise_intensities([0.2, None, 1])
    [0.2, 1.0, 1.0]
    >>> normalise_intensities([20, 50, 100])
    [0.2, 0.5, 1.0]
    >>> normalise_intensities([51, 255])
    [0.2, 1.0]
    """
    present = [v for v in values if v is not None]
    top = max(present, default=1.0)
    scale = 1.0 if top <= 1.0 else 100.0 if top <= 100.0 else 255.0
    return [1.0 if v is None else min(1.0, max(0.0, v / scale)) for v in values]


def default_view_box(mask_set: str) -> ViewBox | None:
    """The view_box assumed for a mask that has none (assumed reading).

    ``None`` for every set: the coordinates are then taken as pixels of the image the mask
    is drawn on (and without an image, the canvas just holds the geometry).

    >>> default_view_box("restored") is None
    True
    """
    del mask_set
    return None


def default_side() -> str:
    """The side of a mask without ``side`` (documented: front).

    >>> default_side()
    'front'
    """
    return "front"
