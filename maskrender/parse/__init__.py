"""Read skin-analysis results (any envelope) into the :mod:`maskrender.model`.

:func:`load` accepts a path, a file object, JSON as ``bytes``/``str``, or data already parsed
(``dict``/``list``), in any of the envelopes of the mask format: one result record, a results
list, a bare result, a bare mask, or a list of bare masks.

The work is cut in three: :mod:`~maskrender.parse.source` reads the source (size and depth
limits first), :mod:`~maskrender.parse.envelopes` reads the envelopes, metrics and masks, and
:mod:`maskrender.geometry.build` builds each mask's geometry with shapely's vectorised
constructors (a 5,000-point mask loads in less time than ``json.loads`` takes to read it).

The team's readings of undocumented points each live in one function of
:mod:`maskrender.parse.assumptions`:
:func:`normalise_intensities`, :func:`default_view_box`, :func:`default_side`.

Hostile input
-------------
For any input, :func:`load` returns a model or raises a :class:`~maskrender.MaskRenderError`
subclass whose message names the source and the JSON path (or line and column). The limits
of :mod:`maskrender.limits` are checked before the work they bound: the input size before
reading, the nesting depth right after parsing, the coordinate count before any array of
that size exists. Duplicate keys in an object are not an error: the last one wins (as in
``json.loads``). ``NaN``/``Infinity`` literals parse, then fail wherever a number must be
finite; booleans are never numbers.

Examples
--------
>>> import maskrender as mr
>>> results = mr.load("fixtures/pih_result.json")
>>> [m.feature_count for m in results.masks()]
[1]
>>> mr.load('{"mask_type": "point_mask", "features": [{"geometry": '
...         '{"type": "MultiPoint", "coordinates": [[1, 2, 0], [3, 4]]}}]}').masks()[0].geometry.wkt
'MULTIPOINT ((1 2), (3 4))'
"""

from __future__ import annotations

from maskrender._jsonpath import Context
from maskrender.model import Results
from maskrender.parse.assumptions import default_side, default_view_box, normalise_intensities
from maskrender.parse.envelopes import read_results
from maskrender.parse.source import Source, read_source

__all__ = ["Source", "default_side", "default_view_box", "load", "normalise_intensities"]


def load(source: Source, *, name: str | None = None) -> Results:
    """Load skin-analysis results from any supported source and envelope.

    Parameters
    ----------
    source : path, file object, bytes, str, dict or list
        A ``str`` whose first non-blank character is ``{`` or ``[`` is JSON text;
        any other ``str`` is a path. Text may start with a UTF-8 byte-order mark.
    name : str, optional
        How messages name the source (defaults to the path, or ``<bytes>``...).

    Returns
    -------
    Results
        One :class:`~maskrender.Result` per algorithm result; bare masks come as one
        result with an empty algorithm name. Records with ``is_ok: false`` are kept with
        ``ok=False`` and no masks.

    Raises
    ------
    ParseError
        The input is not JSON (empty, truncated, not UTF-8, unreadable file).
    FormatError
        The JSON is not in the mask format; the message names the JSON path.
    LimitError
        The input exceeds a limit of :mod:`maskrender.limits`.

    Warns
    -----
    UnknownMaskTypeWarning
        A mask of an unknown ``mask_type`` was skipped.
    GeometryWarning
        A polygon was repaired, or a ring or line too short to draw was dropped.
    MaskRenderWarning
        A ``fill`` that is not a hex colour, or an unknown ``side``.

    Examples
    --------
    >>> import maskrender as mr
    >>> results = mr.load("fixtures/pih_result.json")
    >>> results[0].algorithm
    'post_inflammatory_hyperpigmentation'
    >>> mr.load(b"[]")
    <Results from <bytes>: 0 result(s)>
    >>> mr.load(b'{"mask_type": "point_mask", "mask_type": "polyline_mask", "features": []}').masks()[0].mask_type
    'polyline_mask'
    """
    data, label = read_source(source, name)
    return Results(read_results(data, Context(label)), label)
