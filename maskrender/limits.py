"""Resource limits, checked before the work or the allocation they bound.

Each limit is a module-level setting, like Pillow's ``Image.MAX_IMAGE_PIXELS``: change it
for the whole process by assignment, or set it to ``None`` to switch the check off.

>>> import maskrender.limits
>>> maskrender.limits.MAX_CANVAS_PIXELS = 200_000_000   # allow 14k x 14k outputs
>>> maskrender.limits.MAX_CANVAS_PIXELS = 100_000_000

=====================  ===========  ===========================================================
setting                default      what exceeds it, and when it is checked
=====================  ===========  ===========================================================
MAX_INPUT_BYTES        128 MiB      a JSON document larger than this; checked on the file's size
                                    and again on the bytes actually read (a file object, a file
                                    that grows). Named pipes and devices are refused, not read.
MAX_JSON_VALUES        10,000,000   more JSON values (numbers, strings, arrays, objects) in one
                                    text; counted on the raw bytes before ``json.loads`` builds
                                    any of them (parsing holds up to ~100 bytes per value). Files
                                    over 8 MiB are counted block by block before being read whole.
MAX_JSON_DEPTH         64           arrays/objects nested deeper than this (a record with masks
                                    nests 11 deep, a results list 12); measured by the same scan,
                                    reported after parsing with the JSON path. Data passed in
                                    already parsed (``dict``/``list``) is not scanned.
MAX_COORDINATES        2,000,000    more coordinate pairs than this in one input (all masks
                                    together); counted on the raw text before parsing (every
                                    array that starts with a number), and exactly while
                                    flattening each mask (also for parsed data), before any array
                                    of that size exists.
MAX_ABS_COORDINATE     1e9          a coordinate, or a view_box value, whose absolute value is
                                    larger (keeps transforms and rasterisers in range).
MAX_CANVAS_PIXELS      100,000,000  an output picture (W*H) larger than this: a canvas, a photo
                                    drawn on (checked on its header, before decoding), any raster
                                    file written. No side may exceed 524,287 px (the rasteriser's
                                    fixed point), nor a format's own limit (WebP 16,383, JPEG 65,535).
MAX_IMAGE_PIXELS       178,956,970  a photo larger than this (Pillow's own default), checked on
                                    its header before any pixel is decoded.
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
maskrender.errors.LimitError: <bytes>: more than 2 coordinates in one input, counted before parsing (...MAX_COORDINATES)
>>> mr.load({"mask_type": "point_mask", "features": [{"geometry":
...          {"type": "MultiPoint", "coordinates": [[1, 2], [3, 4], [5, 6]]}}]})  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
maskrender.errors.LimitError: <dict>: features: more than 2 coordinates in one input (...MAX_COORDINATES)
>>> maskrender.limits.MAX_COORDINATES = 2_000_000
"""

from __future__ import annotations

__all__ = [
    "MAX_ABS_COORDINATE",
    "MAX_CANVAS_PIXELS",
    "MAX_COORDINATES",
    "MAX_IMAGE_PIXELS",
    "MAX_INPUT_BYTES",
    "MAX_JSON_DEPTH",
    "MAX_JSON_VALUES",
]

MAX_INPUT_BYTES: int | None = 128 << 20
MAX_JSON_VALUES: int | None = 10_000_000
MAX_JSON_DEPTH: int | None = 64
MAX_COORDINATES: int | None = 2_000_000
MAX_ABS_COORDINATE: float | None = 1e9
MAX_CANVAS_PIXELS: int | None = 100_000_000
MAX_IMAGE_PIXELS: int | None = 178_956_970
