"""Resource limits, checked before the work or the allocation they bound.

Each limit is a module-level setting, like Pillow's ``Image.MAX_IMAGE_PIXELS``: change it
for the whole process by assignment, or set it to ``None`` to switch the check off.

>>> import maskrender.limits
>>> maskrender.limits.MAX_CANVAS_PIXELS = 200_000_000   # allow 14k x 14k outputs
>>> maskrender.limits.MAX_CANVAS_PIXELS = 100_000_000

=====================  ===========  ===========================================================
setting                default      what exceeds it, and when it is checked
=====================  ===========  ===========================================================
MAX_INPUT_BYTES        256 MiB      a JSON document larger than this; checked on the file size
                                    before reading (a file object is read up to the limit + 1).
                                    This is the memory bound of parsing: ``json.loads`` may need
                                    up to ~20x the document's size for pathological inputs.
MAX_JSON_DEPTH         64           arrays/objects nested deeper than this (a record with masks
                                    nests 11 deep, a results list 12); checked on JSON text right
                                    after parsing, by a vectorised bracket count. Data passed in
                                    already parsed (``dict``/``list``) is not scanned.
MAX_COORDINATES        5,000,000    more coordinate pairs than this in one input (all masks
                                    together); counted while flattening each mask, before any
                                    array of that size exists.
MAX_ABS_COORDINATE     1e9          a coordinate, or a view_box value, whose absolute value is
                                    larger (keeps transforms and rasterisers in range).
MAX_CANVAS_PIXELS      100,000,000  an output canvas (W*H) larger than this.
MAX_IMAGE_PIXELS       178,956,970  a photo larger than this (Pillow's own default).
=====================  ===========  ===========================================================

Exceeding a limit raises :class:`maskrender.LimitError` with the figure and the setting's
name, except ``MAX_ABS_COORDINATE``: a coordinate out of range is a
:class:`maskrender.FormatError` at its JSON path (the message names the setting).

>>> import maskrender as mr
>>> maskrender.limits.MAX_COORDINATES = 2
>>> mr.load(b'{"mask_type": "point_mask", "features": [{"geometry": '
...         b'{"type": "MultiPoint", "coordinates": [[1, 2], [3, 4], [5, 6]]}}]}')  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
maskrender.errors.LimitError: <bytes>: features: more than 2 coordinates in one input (...MAX_COORDINATES)
>>> maskrender.limits.MAX_COORDINATES = 5_000_000
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

MAX_INPUT_BYTES: int | None = 256 << 20
MAX_JSON_DEPTH: int | None = 64
MAX_COORDINATES: int | None = 5_000_000
MAX_ABS_COORDINATE: float | None = 1e9
MAX_CANVAS_PIXELS: int | None = 100_000_000
MAX_IMAGE_PIXELS: int | None = 178_956_970
