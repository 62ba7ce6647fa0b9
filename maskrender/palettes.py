"""Named colour-blind-safe palettes for masks without a ``fill`` (a light module: names and hex codes).

* ``okabe-ito`` (the default): Okabe & Ito's eight colours for all colour visions, without black
  (a black mask would vanish on dark hair and read as a shadow);
* ``tol-bright``, ``tol-vibrant`` and ``tol-muted``: Paul Tol's qualitative schemes for the same
  purpose (https://personal.sron.nl/~pault/), ``tol-muted`` with the most colours (nine).

:func:`maskrender.style.palette_colors` gives the masks of one picture distinct colours from one of
these; ``Style(palette=NAME)`` or ``--palette NAME`` chooses which.

>>> sorted(PALETTES), PALETTES[DEFAULT_PALETTE][:2]
(['okabe-ito', 'tol-bright', 'tol-muted', 'tol-vibrant'], ('#E69F00', '#56B4E9'))
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["DEFAULT_PALETTE", "PALETTES"]

PALETTES: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "okabe-ito": ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"),
    "tol-bright": ("#4477AA", "#EE6677", "#228833", "#CCBB44", "#66CCEE", "#AA3377", "#BBBBBB"),
    "tol-vibrant": ("#EE7733", "#0077BB", "#33BBEE", "#EE3377", "#CC3311", "#009988", "#BBBBBB"),
    "tol-muted": ("#CC6677", "#332288", "#DDCC77", "#117733", "#88CCEE", "#882255", "#44AA99", "#999933",
                  "#AA4499"),
})
"""Every named palette, in the order its colours are handed out."""

DEFAULT_PALETTE = "okabe-ito"
"""The palette of ``Style()``."""
