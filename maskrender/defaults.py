"""The library's defaults and the words its options take, each written once.

Every signature of the public API, the option registry the command line and batch manifests
are built from (:mod:`maskrender.options`), and the help texts take their defaults and their
choices from here; ``tests/test_clidoc.py`` checks that each signature and each ``--help``
text states the value written here.  The choices are ``Literal`` types, so a type checker
rejects ``side="fornt"``; the tuples next to them (``SIDES``) are the same words at run time.

Examples
--------
>>> from maskrender import defaults
>>> defaults.MASK_SET, defaults.SIDE, defaults.QUALITY
('restored', 'front', 90)
>>> defaults.MASK_SETS, defaults.CORNERS[:2]
(('restored', 'original'), ('top-left', 'top-right'))
>>> defaults.OVERLAY_COMPRESS_LEVEL, defaults.REPORT_COMPRESS_LEVEL, defaults.REPORT_DPI, defaults.REPORT_PAGE
(1, 1, 150.0, 'A4')
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any, Literal, TypeVar, get_args

__all__ = [
    "BACKGROUND",
    "BACKGROUNDS",
    "BATCH_FORMAT",
    "BATCH_TIMEOUT",
    "COORDINATES",
    "CORNERS",
    "GEOJSON_COORDINATES",
    "LEGENDS",
    "MASK_SET",
    "MASK_SETS",
    "OPACITY",
    "OVERLAY_COMPRESS_LEVEL",
    "PAGES",
    "QUALITY",
    "REPORT_COLUMNS",
    "REPORT_COMPRESS_LEVEL",
    "REPORT_DPI",
    "REPORT_PAGE",
    "SIDE",
    "SIDES",
    "Background",
    "Coordinates",
    "Corner",
    "Legend",
    "MaskSet",
    "Page",
    "Side",
    "renamed_keywords",
]

# -- the words an option takes ---------------------------------------------------------------------

MaskSet = Literal["restored", "original"]
"""A result's two mask sets: for the face-aligned ("restored") image, and for the photo as uploaded."""

Side = Literal["front", "left", "right"]
"""The side of the face a mask (and its photo) belongs to; a mask without one is ``front``."""

Corner = Literal["top-left", "top-right", "bottom-left", "bottom-right"]
"""Where a legend goes."""

Legend = Literal["top-left", "top-right", "bottom-left", "bottom-right", "none"]
"""A legend's corner, or ``none`` (no legend, as ``None``)."""

Background = Literal["photo", "dim", "grey"]
"""The photo behind the masks: as it is, darkened, or in greyscale."""

Coordinates = Literal["view_box", "pixels"]
"""The coordinates of a GeoJSON export: the masks' own view_box units, or pixels of the grid."""

Page = Literal["A4", "Letter"]
"""The paper size of a report (read in any case: ``a4`` is ``A4``)."""

MASK_SETS: tuple[MaskSet, ...] = get_args(MaskSet)
SIDES: tuple[Side, ...] = get_args(Side)
CORNERS: tuple[Corner, ...] = get_args(Corner)
LEGENDS: tuple[Legend, ...] = get_args(Legend)
BACKGROUNDS: tuple[Background, ...] = get_args(Background)
COORDINATES: tuple[Coordinates, ...] = get_args(Coordinates)
PAGES: tuple[Page, ...] = get_args(Page)

# -- the defaults --------------------------------------------------------------------------------

MASK_SET: MaskSet = "restored"
"""The mask set drawn, exported and reported when none is named (an overlay on a photo the restored
masks do not fit draws the original ones, and says so: :mod:`maskrender.maskset`)."""

SIDE: Side = "front"
"""The side whose masks are drawn and exported when none is named."""

QUALITY = 90
"""JPEG and WebP quality, 1-100, of overlays and reports (a WebP report is lossless; this is its effort)."""

OVERLAY_COMPRESS_LEVEL = 1
"""zlib level of an overlay PNG: 1 is the fast writer (a 2416 px overlay in tens of milliseconds);
6-9 make files a few percent smaller at many times the time."""

REPORT_COMPRESS_LEVEL = 1
"""zlib level of a report PNG: 1, as for overlays (~15 ms for a 1240 px page; 6-9 about 12% smaller
at 10-30x the time)."""

REPORT_DPI = 150.0
"""Pixels per inch of a report's page (its PNG/JPEG resolution, and the width of its pictures)."""

REPORT_PAGE: Page = "A4"
"""A report's paper size."""

OPACITY = 0.6
"""The opacity of every mask (a ``Style``'s ``opacity``)."""

REPORT_COLUMNS = 2
"""Panels per row of a report (its theme's ``columns``)."""

BACKGROUND: Background = "photo"
"""The photo behind an overlay's masks, unchanged."""

GEOJSON_COORDINATES: Coordinates = "view_box"
"""A GeoJSON export's coordinates."""

BATCH_FORMAT = "png"
"""The extension of a batch output its manifest does not name."""

BATCH_TIMEOUT = 600.0
"""Seconds a batch job may take before it is stopped and recorded as failed (0: no limit)."""

# -- keywords renamed since an earlier release ------------------------------------------------------

F = TypeVar("F", bound=Callable[..., Any])


def renamed_keywords(**renamed: str) -> Callable[[F], F]:
    """Keep an old keyword working for a while: ``renamed_keywords(masks="mask_set")`` makes a call
    with ``masks=`` run as ``mask_set=``, with a :class:`DeprecationWarning` naming the new keyword
    (a type checker, reading the signature, already refuses the old one).

    >>> @renamed_keywords(masks="mask_set")
    ... def f(*, mask_set: str = "restored") -> str:
    ...     return mask_set
    >>> f(mask_set="original")
    'original'
    >>> f(masks="original", mask_set="restored")
    Traceback (most recent call last):
    ...
    TypeError: f() got both masks= and mask_set=; masks= is the old name of mask_set=
    """
    def decorate(call: F) -> F:
        @functools.wraps(call)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            for old, new in renamed.items():
                if old in kwargs:
                    if new in kwargs:
                        raise TypeError(f"{call.__name__}() got both {old}= and {new}=; {old}= is the old "
                                        f"name of {new}=")
                    warnings.warn(f"{call.__name__}({old}=...) is now {call.__name__}({new}=...); {old}= will be "
                                  f"removed in a later release", DeprecationWarning, stacklevel=2)
                    kwargs[new] = kwargs.pop(old)
            return call(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate
