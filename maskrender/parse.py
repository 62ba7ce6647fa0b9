"""Read skin-analysis results (any envelope) into the :mod:`maskrender.model`.

:func:`load` accepts a path, a file object, JSON as ``bytes``/``str``, or data already parsed
(``dict``/``list``), in any of the envelopes of the mask format: one result record, a results
list, a bare result, a bare mask, or a list of bare masks.

Geometry is built with shapely's vectorised constructors: the coordinates of a whole mask go
to numpy in a few C-level passes (no Python code runs per coordinate), so a 5,000-point mask
loads in less time than ``json.loads`` takes to read it. When that fast path meets anything
unusual it walks the mask again slowly, to name the exact JSON path of the problem.

The team's readings of undocumented points each live in one function here:
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

import contextlib
import gc
import json
import math
import os
import re
from collections.abc import Iterator
from itertools import chain
from typing import IO, Any, Union

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from maskrender import limits
from maskrender.errors import (
    FormatError,
    GeometryWarning,
    LimitError,
    MaskRenderWarning,
    ParseError,
    UnknownMaskTypeWarning,
    warn,
)
from maskrender.model import (
    MASK_TYPES,
    SIDES,
    Area,
    Feature,
    Mask,
    Metric,
    Result,
    Results,
    ViewBox,
)

__all__ = ["Source", "default_side", "default_view_box", "load", "normalise_intensities"]

Source = Union[str, "os.PathLike[str]", bytes, bytearray, IO[str], IO[bytes], dict[str, Any], list[Any]]
"""Anything :func:`load` reads."""

_HEX = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})")


# --------------------------------------------------------------------------- assumptions


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


# --------------------------------------------------------------------------- reading


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"string {json.dumps(shown)}"
    if isinstance(value, int):
        if abs(value) < 10**40:
            return f"int {value}"
        # exact without str(), which refuses more than 4,300 digits: 2**(bits-1) has n digits
        n = int((value.bit_length() - 1) * math.log10(2)) + 1
        if n > 100_000:
            return f"an integer of about {n:,} digits"
        return f"an integer of {n + (abs(value) >= 10**n):,} digits"
    if isinstance(value, float):
        return f"float {value!r}"
    if isinstance(value, dict):
        keys = ", ".join(list(map(str, value))[:5])
        return f"an object with keys [{keys}]" if value else "an empty object"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    return type(value).__name__


def _finite(value: Any) -> float | None:
    """``value`` as a float if it is a JSON number that is finite as a float, else ``None``.

    Booleans are not numbers; integers too large for a float are not finite.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        f = float(value)
    except OverflowError:
        return None
    return f if math.isfinite(f) else None


class _Ctx:
    """What a loader call carries: the source's name and the running coordinate count."""

    __slots__ = ("coords", "src")

    def __init__(self, src: str) -> None:
        self.src = src
        self.coords = 0

    def fail(self, path: str, expected: str, value: Any) -> FormatError:
        return FormatError(self.src, path, expected, _describe(value))

    def count(self, n: int, path: str) -> None:
        self.coords += n
        cap = limits.MAX_COORDINATES
        if cap is not None and self.coords > cap:
            raise LimitError(
                f"{self.src}: {path or '$'}: more than {cap:,} coordinates in one input "
                "(maskrender.limits.MAX_COORDINATES)"
            )


def _read_source(source: Source, name: str | None) -> tuple[Any, str]:
    """Return ``(parsed JSON, source name)``.

    Names are made printable: a non-UTF-8 file name arrives with surrogate escapes.
    """
    name = _text(name) if name else None
    if isinstance(source, (dict, list)):
        return source, name or f"<{type(source).__name__}>"
    if isinstance(source, (bytes, bytearray)):
        return _decode(bytes(source), name or "<bytes>"), name or "<bytes>"
    if isinstance(source, str) and source.lstrip("\ufeff \t\r\n")[:1] in ("{", "["):
        return _decode(source.encode("utf-8", "surrogatepass"), name or "<str>"), name or "<str>"
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        label = name or _text(str(path))
        return _decode(_read_file(path, label), label), label
    if hasattr(source, "read"):
        label = name or _text(str(getattr(source, "name", "<file>")))
        cap = limits.MAX_INPUT_BYTES
        try:
            raw_any = source.read() if cap is None else source.read(cap + 1)
        except UnicodeDecodeError as err:  # a text-mode file of other bytes
            raise ParseError(f"{label}: not {err.encoding} text (invalid byte at offset {err.start})") from None
        except (OSError, ValueError) as err:  # e.g. a closed file
            raise ParseError(f"{label}: cannot read: {err}") from None
        raw = raw_any.encode("utf-8", "surrogatepass") if isinstance(raw_any, str) else bytes(raw_any)
        return _decode(raw, label), label
    raise TypeError(f"load() takes a path, bytes, str, file object, dict or list, not {type(source).__name__}")


def _read_file(path: str | bytes, label: str) -> bytes:
    try:
        size = os.path.getsize(path)
        _check_size(size, label)
        with open(path, "rb") as fh:
            return fh.read()
    except IsADirectoryError:
        raise ParseError(f"{label}: is a directory, expected a JSON file") from None
    except FileNotFoundError:
        raise ParseError(f"{label}: no such file") from None
    except OSError as err:
        raise ParseError(f"{label}: cannot read: {err.strerror or err}") from None
    except ValueError as err:  # e.g. a NUL character in the path
        raise ParseError(f"{label!r}: not a usable file name ({err})") from None


def _check_size(size: int, label: str) -> None:
    cap = limits.MAX_INPUT_BYTES
    if cap is not None and size > cap:
        raise LimitError(
            f"{label}: {size:,} bytes is more than the {cap:,} allowed (maskrender.limits.MAX_INPUT_BYTES)"
        )


def _decode(raw: bytes, label: str) -> Any:
    _check_size(len(raw), label)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ParseError(f"{label}: not UTF-8 text (invalid byte at offset {err.start})") from None
    if not text.strip():
        raise ParseError(f"{label}: empty input, expected JSON")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        what = "truncated JSON" if err.pos >= len(text.rstrip()) else "invalid JSON"
        raise ParseError(f"{label}: {what} at line {err.lineno} column {err.colno}: {err.msg}") from None
    except RecursionError:
        raise _too_deep(label, "$") from None
    except ValueError as err:  # e.g. integers longer than Python's digit limit
        raise ParseError(f"{label}: invalid JSON: {err}") from None
    cap = limits.MAX_JSON_DEPTH
    if cap is not None and _max_depth(raw) > cap:
        raise _too_deep(label, _deep_path(data, cap))
    return data


def _too_deep(label: str, path: str) -> ParseError | LimitError:
    cap = limits.MAX_JSON_DEPTH
    if cap is None:
        return ParseError(f"{label}: JSON nested too deeply for Python's parser")
    if len(path) > 120:  # keep whole segments: "a.b[0][0]...[0][0]"
        head, tail = path[:80], path[-30:]
        head = head[: max(head.rfind("["), head.rfind("."))]
        tail = tail[min(i for i in (tail.find("["), tail.find("."), len(tail)) if i >= 0):]
        path = f"{head}...{tail}"
    return LimitError(
        f"{label}: {path}: arrays/objects nested more than {cap} deep (maskrender.limits.MAX_JSON_DEPTH)"
    )


_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_CHUNK = 1 << 22


def _max_depth(raw: bytes) -> int:
    """How deep arrays/objects nest in valid JSON text, in a few C-level passes.

    Backslash escapes go first (in valid JSON they only occur in strings and pair up from
    the left), then the strings (every other piece between quotes), then all but the
    brackets; the running sum of +1 per ``[``/``{`` and -1 per ``]``/``}`` peaks at the depth.

    >>> _max_depth(b'{"a[[": [1, [2, "]\\\\\\\\\\\\"{"]]}')
    3
    """
    body = raw.replace(b"\\\\", b"").replace(b'\\"', b"") if b"\\" in raw else raw
    brackets = np.frombuffer(b"".join(body.split(b'"')[::2]).translate(None, _NOT_BRACKETS), dtype=np.uint8)
    deepest = level = 0
    for start in range(0, len(brackets), _CHUNK):
        # "[" 0x5B and "{" 0x7B have bit 1 set, "]" 0x5D and "}" 0x7D do not
        run = np.cumsum((brackets[start : start + _CHUNK] & 2).astype(np.int32) - 1) + level
        deepest = max(deepest, int(run.max()))
        level = int(run[-1])
    return deepest


def _deep_path(data: Any, cap: int) -> str:
    """The JSON path of the first array/object nested more than ``cap`` deep (iterative)."""
    stack: list[tuple[Any, str, int]] = [(data, "", 1)]
    while stack:
        node, path, depth = stack.pop()
        if depth > cap:
            return path or "$"
        items = node.items() if isinstance(node, dict) else enumerate(node)
        stack.extend((v, _join(path, k), depth + 1) for k, v in items if isinstance(v, (dict, list)))
    return "$"


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
    <Results from <bytes>: >
    >>> mr.load(b'{"mask_type": "point_mask", "mask_type": "polyline_mask", "features": []}').masks()[0].mask_type
    'polyline_mask'
    """
    with _gc_paused():  # parsing builds many small acyclic objects: the cyclic collector only slows it
        data, label = _read_source(source, name)
        return Results(_results(data, _Ctx(label)), label)


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# --------------------------------------------------------------------------- envelopes


def _kind(d: Any) -> str | None:
    if not isinstance(d, dict):
        return None
    if "result" in d or "is_ok" in d:
        return "record"
    if "mask_type" in d or "features" in d:
        return "mask"
    if "algorithm_tech_name" in d or "area_results" in d or "masks_restored" in d or "masks_original" in d:
        return "bare_result"
    return None


_ENVELOPES = "a result record, a results list, a bare result, a mask or a list of masks"


def _results(data: Any, ctx: _Ctx) -> list[Result]:
    if isinstance(data, dict):
        kind = _kind(data)
        if kind == "record":
            return [_record(data, "", ctx)]
        if kind == "bare_result":
            return [_result_body(data, "", ctx, {})]
        if kind == "mask":
            return [_bare_masks([data], ctx, top_is_list=False)]
        raise ctx.fail("", _ENVELOPES, data)
    if isinstance(data, list):
        if not data:
            return []
        kinds = [_kind(d) for d in data]
        if all(k == "mask" for k in kinds):
            return [_bare_masks(data, ctx, top_is_list=True)]
        out = []
        for i, (item, kind) in enumerate(zip(data, kinds, strict=True)):
            if kind == "record":
                out.append(_record(item, f"[{i}]", ctx))
            elif kind == "bare_result":
                out.append(_result_body(item, f"[{i}]", ctx, {}))
            elif kind == "mask":
                raise ctx.fail(f"[{i}]", "a result record (a list holds either results or masks, not both)", item)
            else:
                raise ctx.fail(f"[{i}]", "a result record", item)
        return out
    raise ctx.fail("", _ENVELOPES, data)


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _opt_str(d: dict[str, Any], key: str, path: str, ctx: _Ctx) -> str | None:
    v = d.get(key)
    if v is None:
        return None
    if not isinstance(v, str):
        raise ctx.fail(_join(path, key), "a string", v)
    return _text(v)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _text(s: str) -> str:
    r"""``s`` with lone surrogates (JSON allows ``"\ud800"``; UTF-8 cannot encode it) made U+FFFD.

    >>> _text("ok \ud800!")
    'ok \ufffd!'
    """
    return s if s.isascii() else _SURROGATE.sub("\ufffd", s)


def _opt_list(d: dict[str, Any], key: str, path: str, ctx: _Ctx) -> list[Any]:
    v = d.get(key)
    if v is None:
        return []
    if not isinstance(v, list):
        raise ctx.fail(_join(path, key), "a list or null", v)
    return v


def _record(d: dict[str, Any], path: str, ctx: _Ctx) -> Result:
    ok = d.get("is_ok", True)
    if not isinstance(ok, bool):
        raise ctx.fail(_join(path, "is_ok"), "true or false", ok)
    family = _opt_str(d, "algorithm_family_tech_name", path, ctx) or ""
    body = d.get("result")
    version = d.get("algorithm_version_id")
    meta: dict[str, Any] = {
        "family": family,
        "id": _opt_str(d, "id", path, ctx),
        "image_id": _opt_str(d, "image_id", path, ctx),
        "algorithm_version_id": version if isinstance(version, (int, str)) and not isinstance(version, bool) else None,
        "image_type": _opt_str(d, "image_type", path, ctx),
        "creation_time": _opt_str(d, "creation_time", path, ctx),
        "application_name": _opt_str(d, "application_name", path, ctx),
    }
    inner_name = body.get("algorithm_tech_name") if isinstance(body, dict) else None
    algorithm = _text(inner_name) if isinstance(inner_name, str) else family.rpartition(".")[2]
    if not ok:
        return Result(algorithm=algorithm, ok=False, error=body, path=path, **meta)
    if isinstance(body, (int, float)) and not isinstance(body, bool):
        value = _finite(body)
        if value is None:
            raise ctx.fail(_join(path, "result"), "a finite number (legacy record)", body)
        return Result(algorithm=algorithm, value=value, path=path, **meta)
    if not isinstance(body, dict):
        raise ctx.fail(_join(path, "result"), "an object (or a number in legacy records)", body)
    return _result_body(body, _join(path, "result"), ctx, meta)


def _result_body(r: dict[str, Any], path: str, ctx: _Ctx, meta: dict[str, Any]) -> Result:
    algorithm = _opt_str(r, "algorithm_tech_name", path, ctx) or meta.get("family", "").rpartition(".")[2]
    family = meta.get("family") or ""
    areas = tuple(_area(a, _join(_join(path, "area_results"), i), ctx)
                  for i, a in enumerate(_opt_list(r, "area_results", path, ctx)))
    sets: dict[str, tuple[Mask, ...]] = {}
    for mask_set in ("restored", "original"):
        key = f"masks_{mask_set}"
        found = []
        for i, m in enumerate(_opt_list(r, key, path, ctx)):
            mask = _mask(m, _join(_join(path, key), i), ctx, mask_set, algorithm, family)
            if mask is not None:
                found.append(mask)
        sets[mask_set] = tuple(found)
    if meta.get("image_type") is None:
        meta = {**meta, "image_type": _opt_str(r, "image_type", path, ctx)}
    return Result(
        algorithm=algorithm,
        areas=areas,
        masks_restored=sets["restored"],
        masks_original=sets["original"],
        path=path,
        **meta,
    )


def _bare_masks(items: list[Any], ctx: _Ctx, top_is_list: bool) -> Result:
    masks = []
    for i, m in enumerate(items):
        mask = _mask(m, f"[{i}]" if top_is_list else "", ctx, "restored", "", "")
        if mask is not None:
            masks.append(mask)
    return Result(algorithm="", masks_restored=tuple(masks))


# --------------------------------------------------------------------------- metrics


def _area(a: Any, path: str, ctx: _Ctx) -> Area:
    if not isinstance(a, dict):
        raise ctx.fail(path, "an area result object", a)
    name = _opt_str(a, "area_name", path, ctx) or ""
    main = a.get("main_metric")
    main_metric = None if main is None else _metric(main, _join(path, "main_metric"), ctx)
    subs = tuple(_metric(m, _join(_join(path, "sub_metrics"), i), ctx)
                 for i, m in enumerate(_opt_list(a, "sub_metrics", path, ctx)))
    return Area(name=name, main_metric=main_metric, sub_metrics=subs)


def _metric(m: Any, path: str, ctx: _Ctx) -> Metric:
    if not isinstance(m, dict):
        raise ctx.fail(path, "a metric object", m)
    value = m.get("value")
    if not (value is None or isinstance(value, str) or _finite(value) is not None):
        raise ctx.fail(_join(path, "value"), "a finite number, a string or null", value)
    show = m.get("widget_show", True)
    if not isinstance(show, bool):
        raise ctx.fail(_join(path, "widget_show"), "true or false", show)
    return Metric(
        name=_opt_str(m, "name", path, ctx) or "",
        tech_name=_opt_str(m, "tech_name", path, ctx) or "",
        value=_text(value) if isinstance(value, str) else value,
        widget_type=_opt_str(m, "widget_type", path, ctx) or "",
        units=_opt_str(m, "units", path, ctx),
        widget_show=show,
        widget_meta=m.get("widget_meta"),
    )


# --------------------------------------------------------------------------- masks


_GEOM_FAMILY = {"point_mask": "point", "polyline_mask": "line", "polygon_mask": "polygon", "heatmap_mask": "polygon"}
# geometry type (lower case) -> (family, is multi-part)
_GEOM_TYPES = {
    "point": ("point", False),
    "multipoint": ("point", True),
    "linestring": ("line", False),
    "polyline": ("line", False),
    "multilinestring": ("line", True),
    "multipolyline": ("line", True),
    "polygon": ("polygon", False),
    "multipolygon": ("polygon", True),
}
_EXPECTED_TYPES = {
    "point": "MultiPoint or Point",
    "line": "MultiLineString or LineString",
    "polygon": "MultiPolygon or Polygon",
}
# nesting depth of one part's coordinates: point [x, y]; line [[x, y]...]; polygon [[[x, y]...]...]
_DEPTH = {"point": 1, "line": 2, "polygon": 3}
_SHAPE = {"point": "[x, y]", "line": "[[x, y], ...]", "polygon": "[[[x, y], ...], ...]"}
_SINGLE = {"point": "Point", "line": "LineString", "polygon": "Polygon"}


def _view_box(m: dict[str, Any], path: str, ctx: _Ctx, mask_set: str) -> ViewBox | None:
    raw = m.get("view_box")
    if raw is None:
        return default_view_box(mask_set)
    vpath = _join(path, "view_box")
    if not isinstance(raw, str):
        raise ctx.fail(vpath, 'a string "min_x min_y width height"', raw)
    try:
        view_box = ViewBox.parse(raw)
    except ValueError as err:
        raise ctx.fail(vpath, f'"min_x min_y width height" with {err}', raw) from None
    cap = limits.MAX_ABS_COORDINATE
    if cap is not None and (max(abs(view_box.min_x), abs(view_box.min_y), view_box.width, view_box.height) > cap
                            or min(view_box.width, view_box.height) < 1 / cap):
        # a size below 1/cap would scale coordinates beyond cap on a 1-pixel image
        raise ctx.fail(vpath, f"a frame within ±{cap:g}, at least {1 / cap:g} wide and high "
                       "(maskrender.limits.MAX_ABS_COORDINATE)", raw)
    return view_box


def _mask(m: Any, path: str, ctx: _Ctx, mask_set: str, algorithm: str, family: str) -> Mask | None:
    if not isinstance(m, dict):
        raise ctx.fail(path, "a mask (FeatureCollection with mask_type)", m)
    mask_type = m.get("mask_type")
    if not isinstance(mask_type, str):
        raise ctx.fail(_join(path, "mask_type"), "a string such as polygon_mask", mask_type)
    if mask_type not in _GEOM_FAMILY:
        warn(
            f"{ctx.src}: {_join(path, 'mask_type')}: unknown mask type {mask_type!r} skipped "
            f"(known: {', '.join(MASK_TYPES)})",
            UnknownMaskTypeWarning,
        )
        return None
    feats = m.get("features")
    if not isinstance(feats, list):
        raise ctx.fail(_join(path, "features"), "a list", feats)
    view_box = _view_box(m, path, ctx, mask_set)
    fill = _opt_str(m, "fill", path, ctx)
    if fill is not None and not _HEX.fullmatch(fill.strip()):
        warn(
            f"{ctx.src}: {_join(path, 'fill')}: {_describe(fill)} is not a hex colour; using the palette",
            MaskRenderWarning,
        )
        fill = None
    side = (_opt_str(m, "side", path, ctx) or "").strip().lower() or default_side()
    if side not in SIDES:
        warn(
            f"{ctx.src}: {_join(path, 'side')}: unknown side {side!r} (known: {', '.join(SIDES)})",
            MaskRenderWarning,
        )
    features = _features(feats, _join(path, "features"), _GEOM_FAMILY[mask_type], ctx)
    return Mask(
        mask_type=mask_type,
        features=features,
        view_box=view_box,
        fill=fill.strip() if fill else None,
        side=side,
        name=_opt_str(m, "name", path, ctx) or "",
        tech_name=_opt_str(m, "tech_name", path, ctx) or "",
        mask_set=mask_set,
        algorithm=algorithm,
        family=family,
        path=path,
    )


class _SlowPathError(Exception):
    """The fast path met something unusual; walk again slowly."""


class _Parts:
    """One mask's features reduced to lists of parts, with what messages need to name them."""

    __slots__ = ("ctx", "fam", "multi", "parts", "path")

    def __init__(self, path: str, fam: str, ctx: _Ctx) -> None:
        self.path = path  # the mask's ``features`` path
        self.fam = fam
        self.ctx = ctx
        self.parts: list[list[Any]] = []  # per feature: its parts (points, lines or polygons)
        self.multi: list[bool] = []  # per feature: whether the input was a Multi* type

    def coords_path(self, fid: int, part: int | None = None, ring: int | None = None) -> str:
        """``features[fid].geometry.coordinates`` plus the part (for Multi* types) and ring."""
        p = f"{self.path}[{fid}].geometry.coordinates"
        if part is not None and self.multi[fid]:
            p += f"[{part}]"
        return p if ring is None else p + f"[{ring}]"

    def warn(self, path: str, what: str) -> None:
        warn(f"{self.ctx.src}: {path}: {what}", GeometryWarning)


def _features(feats: list[Any], path: str, fam: str, ctx: _Ctx) -> tuple[Feature, ...]:
    """Build every feature of one mask with a handful of vectorised shapely calls."""
    todo = _Parts(path, fam, ctx)
    raw_intensity: list[float | None] = []
    props: list[dict[str, Any]] = []
    for i, f in enumerate(feats):
        if not isinstance(f, dict):
            raise ctx.fail(_join(path, i), "a feature object", f)
        p = f.get("properties")
        if p is None:
            p = {}
        elif not isinstance(p, dict):
            raise ctx.fail(f"{path}[{i}].properties", "an object or null", p)
        inten = p.get("intensity")
        if inten is not None:
            inten = _finite(inten)
            if inten is None:
                raise ctx.fail(f"{path}[{i}].properties.intensity", "a finite number or null", p["intensity"])
        g = f.get("geometry")
        if g is None:
            parts: list[Any] = []
            multi = True
        else:
            if not isinstance(g, dict):
                raise ctx.fail(f"{path}[{i}].geometry", "a geometry object or null", g)
            gtype = g.get("type")
            info = _GEOM_TYPES.get(gtype.lower()) if isinstance(gtype, str) else None
            if info is None or info[0] != fam:
                raise ctx.fail(f"{path}[{i}].geometry.type", _EXPECTED_TYPES[fam], gtype)
            coords = g.get("coordinates")
            if not isinstance(coords, list):
                raise ctx.fail(f"{path}[{i}].geometry.coordinates", "a list", coords)
            multi = info[1]
            parts = coords if multi else ([coords] if coords else [])
        todo.parts.append(parts)
        todo.multi.append(multi)
        raw_intensity.append(inten)
        props.append(p)
    counted = ctx.coords
    try:
        geoms = _build(todo)
    except _SlowPathError:
        ctx.coords = counted  # the slow walk counts again
        todo.parts = [_clean_parts(todo, i) for i in range(len(todo.parts))]
        geoms = _build(todo)
    intensities = normalise_intensities(raw_intensity)
    return tuple(Feature(g, t, p) for g, t, p in zip(geoms, intensities, props, strict=True))


def _clean_parts(todo: _Parts, fid: int) -> list[Any]:
    """Validate every coordinate of one feature with its exact path; return plain ``[x, y]`` floats."""
    ctx = todo.ctx
    depth = _DEPTH[todo.fam]
    if todo.multi[fid]:
        hint = f" (Multi{_SINGLE[todo.fam]} coordinates are [{_SHAPE[todo.fam]}, ...])"
    else:
        hint = f" ({_SINGLE[todo.fam]} coordinates are {_SHAPE[todo.fam]})"

    def walk(node: Any, level: int, p: str) -> Any:
        if level == 0:
            return _clean_point(node, p, ctx, hint)
        if not isinstance(node, list):
            raise ctx.fail(p, "a list" + " of lists" * (level - 1) + " of coordinates" + hint, node)
        if level == 1:
            ctx.count(len(node), p)
        return [walk(child, level - 1, _join(p, j)) for j, child in enumerate(node)]

    parts = todo.parts[fid]
    if depth == 1:
        ctx.count(len(parts), todo.coords_path(fid))
    # each part is one point, one line or one polygon: one level less than a feature's parts
    return [walk(part, depth - 1, todo.coords_path(fid, k)) for k, part in enumerate(parts)]


def _clean_point(node: Any, p: str, ctx: _Ctx, hint: str) -> list[float]:
    if not isinstance(node, list) or len(node) not in (2, 3):
        raise ctx.fail(p, "a coordinate [x, y] or [x, y, z]" + hint, node)
    cap = limits.MAX_ABS_COORDINATE
    for j, v in enumerate(node):
        if isinstance(v, list):
            raise ctx.fail(_join(p, j), "a number" + hint, v)
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ctx.fail(_join(p, j), "a number", v)
        fv = _finite(v)
        if fv is None:
            raise ctx.fail(_join(p, j), "a finite number", v)
        if cap is not None and abs(fv) > cap:
            raise ctx.fail(_join(p, j), f"a coordinate within ±{cap:g} (maskrender.limits.MAX_ABS_COORDINATE)", v)
    return [float(node[0]), float(node[1])]


_LIST = frozenset({list})
_NUMBERS = frozenset({int, float})


def _as_xy(points: list[Any]) -> np.ndarray:
    """``(N, 2)`` floats from ``[x, y]`` / ``[x, y, z]`` lists in a few C-level passes.

    Raises ``_SlowPathError`` on anything but 2 or 3 finite numbers per point (booleans,
    which numpy would silently read as 0 and 1, included), so the slow walk can say where.
    """
    n = len(points)
    if not n:
        return np.empty((0, 2))
    try:  # a str or dict "point" passes here; its characters or keys fail the number check below
        lengths = np.fromiter(map(len, points), dtype=np.intp, count=n)
    except TypeError:
        raise _SlowPathError from None
    twos = lengths == 2
    if not (twos | (lengths == 3)).all():
        raise _SlowPathError
    flat = list(chain.from_iterable(points))
    if not set(map(type, flat)) <= _NUMBERS:
        raise _SlowPathError
    try:
        values = np.array(flat, dtype=np.float64)
    except OverflowError:
        raise _SlowPathError from None
    del flat
    cap = limits.MAX_ABS_COORDINATE
    if not np.isfinite(values).all() or (cap is not None and np.abs(values).max() > cap):
        raise _SlowPathError
    if twos.all():
        return values.reshape(n, 2)
    if not twos.any():
        return np.ascontiguousarray(values.reshape(n, 3)[:, :2])
    starts = np.cumsum(lengths) - lengths
    return np.column_stack((values[starts], values[starts + 1]))


def _flatten(todo: _Parts) -> tuple[np.ndarray, list[np.ndarray]]:
    """Flatten nested parts into one array of points and the owner index of each level.

    Returns the ``(N, 2)`` points and, for each level above points, the index of the
    enclosing item: ``[ring_of_point, polygon_of_ring, feature_of_polygon]`` for polygons.
    The coordinate count is checked before the list of points is built.
    """
    depth = _DEPTH[todo.fam]
    nodes: list[Any] = todo.parts
    owners: list[np.ndarray] = []
    for level in range(depth):
        if not set(map(type, nodes)) <= _LIST:
            raise _SlowPathError
        lengths = np.fromiter(map(len, nodes), dtype=np.intp, count=len(nodes))
        if level == depth - 1:
            todo.ctx.count(int(lengths.sum()), todo.path)
        owners.append(np.repeat(np.arange(len(nodes), dtype=np.intp), lengths))
        nodes = list(chain.from_iterable(nodes))
    owners.reverse()
    return _as_xy(nodes), owners


def _build(todo: _Parts) -> list[BaseGeometry]:
    xy, owners = _flatten(todo)
    out = np.empty(len(todo.parts), dtype=object)
    if todo.fam == "point":
        if len(xy):
            shapely.multipoints(xy, indices=owners[0], out=out)
        return _fill_empty(out, "MULTIPOINT EMPTY")
    if todo.fam == "line":
        _build_lines(todo, xy, owners, out)
        return _fill_empty(out, "MULTILINESTRING EMPTY")
    _build_polygons(todo, xy, owners, out)
    return _fill_empty(out, "MULTIPOLYGON EMPTY")


def _local(owner: np.ndarray, item: int) -> int:
    """The index of ``item`` among the items of its owner (``owner`` is sorted)."""
    return int(item - np.searchsorted(owner, owner[item]))


def _build_lines(todo: _Parts, xy: np.ndarray, owners: list[np.ndarray], out: np.ndarray) -> None:
    line_of_point, feat_of_line = owners
    keep = _min_size(line_of_point, len(feat_of_line), 2, xy, closed=False)
    for lid in np.flatnonzero(~keep):
        fid = int(feat_of_line[lid])
        todo.warn(todo.coords_path(fid, _local(feat_of_line, int(lid))), "line with fewer than 2 points dropped")
    if keep.any():
        sizes = np.bincount(line_of_point, minlength=len(feat_of_line))
        lines = shapely.from_ragged_array(
            shapely.GeometryType.LINESTRING, _select(xy, keep[line_of_point]), (_offsets(sizes[keep]),)
        )
        shapely.multilinestrings(lines, indices=feat_of_line[keep], out=out)


def _build_polygons(todo: _Parts, xy: np.ndarray, owners: list[np.ndarray], out: np.ndarray) -> None:
    ring_of_point, poly_of_ring, feat_of_poly = owners
    ring_ok = _min_size(ring_of_point, len(poly_of_ring), 3, xy, closed=True)
    shell_of_poly = np.full(len(feat_of_poly), -1, dtype=np.intp)
    if len(poly_of_ring):
        first = np.r_[True, poly_of_ring[1:] != poly_of_ring[:-1]]
        shell_of_poly[poly_of_ring[first]] = np.flatnonzero(first)
    has_shell = shell_of_poly >= 0
    poly_ok = np.zeros(len(feat_of_poly), dtype=bool)
    poly_ok[has_shell] = ring_ok[shell_of_poly[has_shell]]
    for rid in np.flatnonzero(~ring_ok):
        pid = int(poly_of_ring[rid])
        fid = int(feat_of_poly[pid])
        exterior = shell_of_poly[pid] == rid
        todo.warn(
            todo.coords_path(fid, _local(feat_of_poly, pid), _local(poly_of_ring, int(rid))),
            f"{'exterior' if exterior else 'hole'} ring with fewer than 3 distinct points; "
            + ("polygon dropped" if exterior else "hole dropped"),
        )
    ring_keep = ring_ok & poly_ok[poly_of_ring]
    if not ring_keep.any():
        return
    points_per_ring = np.bincount(ring_of_point, minlength=len(poly_of_ring))[ring_keep]
    rings_per_poly = np.bincount(poly_of_ring[ring_keep], minlength=len(feat_of_poly))[poly_ok]
    polys = shapely.from_ragged_array(  # closes unclosed rings, as the vendor's sample needs
        shapely.GeometryType.POLYGON,
        _select(xy, ring_keep[ring_of_point]),
        (_offsets(points_per_ring), _offsets(rings_per_poly)),
    )
    poly_ids = np.flatnonzero(poly_ok)
    valid = shapely.is_valid(polys)
    if not valid.all():
        polys, poly_ids = _repair(todo, polys, poly_ids, valid, feat_of_poly)
    if len(polys):
        shapely.multipolygons(polys, indices=feat_of_poly[poly_ids], out=out)


def _select(xy: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """The rows of ``xy`` to keep (without a copy when that is all of them)."""
    return xy if keep.all() else xy[keep]


def _offsets(sizes: np.ndarray) -> np.ndarray:
    """Offsets into a flat array of items of these ``sizes`` (for ``from_ragged_array``)."""
    out: np.ndarray = np.r_[0, np.cumsum(sizes)].astype(np.int64)
    return out


def _min_size(owner: np.ndarray, count: int, minimum: int, xy: np.ndarray, closed: bool) -> np.ndarray:
    """Which rings/lines have at least ``minimum`` points (a ring's closing point not counted)."""
    sizes = np.bincount(owner, minlength=count)
    if closed and len(owner):
        starts = np.r_[0, np.cumsum(sizes)[:-1]]
        ends = starts + sizes - 1
        nonempty = sizes > 0
        same = np.zeros(count, dtype=bool)
        same[nonempty] = (xy[starts[nonempty]] == xy[ends[nonempty]]).all(axis=1) & (sizes[nonempty] > 1)
        sizes = sizes - same
    result: np.ndarray = sizes >= minimum
    return result


def _repair(todo: _Parts, polys: np.ndarray, poly_ids: np.ndarray, valid: np.ndarray,
            feat_of_poly: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Replace each invalid polygon by the polygons ``make_valid`` finds in it (or drop it)."""
    out_polys: list[BaseGeometry] = []
    out_ids: list[int] = []
    for poly, pid, ok in zip(polys, poly_ids, valid, strict=True):
        if ok:
            out_polys.append(poly)
            out_ids.append(int(pid))
            continue
        reason = shapely.is_valid_reason(poly)
        fixed = _polygons_in(shapely.make_valid(poly))
        fid = int(feat_of_poly[pid])
        where = todo.coords_path(fid, _local(feat_of_poly, int(pid)))
        if fixed:
            todo.warn(where, f"invalid polygon ({reason}) repaired with make_valid into {len(fixed)} polygon(s)")
            out_polys.extend(fixed)
            out_ids.extend([int(pid)] * len(fixed))
        else:
            todo.warn(where, f"invalid polygon ({reason}) has no area; dropped")
    return np.array(out_polys, dtype=object), np.asarray(out_ids, dtype=np.intp)


def _polygons_in(geom: BaseGeometry) -> list[BaseGeometry]:
    """The non-empty polygons inside any geometry (make_valid may return a collection)."""
    if geom.geom_type == "Polygon":
        return [] if geom.is_empty else [geom]
    if hasattr(geom, "geoms"):
        return [p for g in geom.geoms for p in _polygons_in(g)]
    return []


def _fill_empty(out: np.ndarray, empty_wkt: str) -> list[BaseGeometry]:
    empty = shapely.from_wkt(empty_wkt)
    return [g if g is not None else empty for g in out]
