"""Resource limits, checked before any large allocation.

Each limit is a module-level setting, like Pillow's ``Image.MAX_IMAGE_PIXELS``: change it
for the whole process by assignment, or set it to ``None`` to switch the check off.

>>> import maskrender.limits
>>> maskrender.limits.MAX_CANVAS_PIXELS = 200_000_000   # allow 14k x 14k outputs

=====================  ===================  ==================================================
setting                default              what exceeds it
=====================  ===================  ==================================================
MAX_INPUT_BYTES        1 GiB                a JSON document larger than this
MAX_JSON_DEPTH         64                   arrays/objects nested deeper than this
MAX_COORDINATES        20,000,000           more coordinate pairs in one input than this
MAX_ABS_COORDINATE     1e9                  a coordinate whose absolute value is larger
MAX_CANVAS_PIXELS      100,000,000          an output canvas (W*H) larger than this
MAX_IMAGE_PIXELS       178,956,970          a photo larger than this (Pillow's own default)
=====================  ===================  ==================================================

Exceeding a limit raises :class:`maskrender.LimitError` with the figure and the setting's name.
"""

from __future__ import annotations

__all__ = [
    "MAX_ABS_COORDINATE",
    "MAX_CANVAS_PIXELS",
    "MAX_COORDINATES",
    "MAX_IMAGE_PIXELS",
    "MAX_INPUT_BYTES",
    "MAX_JSON_DEPTH",
]

MAX_INPUT_BYTES: int | None = 1 << 30
MAX_JSON_DEPTH: int | None = 64
MAX_COORDINATES: int | None = 20_000_000
MAX_ABS_COORDINATE: float | None = 1e9
MAX_CANVAS_PIXELS: int | None = 100_000_000
MAX_IMAGE_PIXELS: int | None = 178_956_970
