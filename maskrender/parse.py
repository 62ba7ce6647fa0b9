"""Read skin-analysis results (any envelope) into the :mod:`maskrender.model`.

:func:`load` accepts a path, a file object, JSON as ``bytes``/``str``, or data already parsed
(``dict``/``list``), in any of the envelopes of the mask format: one result record, a results
list, a bare result, a bare mask, or a list of bare masks.

Geometry is built with shapely's vectorised constructors: the coordinates of a whole mask go
to numpy in one call, so a 5,000-point mask loads in about as long as ``json.loads`` takes.
When that fast path meets anything unusual it walks the mask again slowly, either to accept
a quirk (points of mixed 2 and 3 values) or to name the exact JSON path of the problem.

The team's readings of undocumented points each live in one function here:
:func:`normalise_intensities`, :func:`default_view_box`, :func:`default_side`.

Examples
--------
>>> import maskrender as mr
>>> results = mr.load("fixtures/pih_result.json")
>>> [m.feature_count for m in results.masks()]
[1]
>>> mr.load('{"mask_type": "point_mask", "features": [{"geometry": '
...         '{"type": "MultiPoint", "coordinates": [[1, 2, 0], [3, 4, 0]]}}]}').masks()[0].geometry.wkt
'MULTIPOINT ((1 2), (3 4))'
"""

from __future__ import annotations

import json
import math
import os
import re
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
    """
    del mask_set
    return None


def default_side() -> str:
    """The side of a mask without ``side`` (documented: front)."""
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
    if isinstance(value, (int, float)):
        text = repr(value)
        return f"{type(value).__name__} {text if len(text) <= 40 else text[:37] + '...'}"
    if isinstance(value, dict):
        keys = ", ".join(list(map(str, value))[:5])
        return f"an object with keys [{keys}]" if value else "an empty object"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    return type(value).__name__


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
                f"{self.src}: {path}: more than {cap:,} coordinates in one input "
                "(maskrender.limits.MAX_COORDINATES)"
            )


def _read_source(source: Source, name: str | None) -> tuple[Any, str]:
    """Return ``(parsed JSON, source name)``."""
    if isinstance(source, (dict, list)):
        return source, name or f"<{type(source).__name__}>"
    if isinstance(source, (bytes, bytearray)):
        return _decode(bytes(source), name or "<bytes>"), name or "<bytes>"
    if isinstance(source, str) and source.lstrip()[:1] in ("{", "["):
        return _decode(source.encode("utf-8", "surrogatepass"), name or "<str>"), name or "<str>"
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        label = name or path
        try:
            size = os.path.getsize(path)
            cap = limits.MAX_INPUT_BYTES
            if cap is not None and size > cap:
                raise LimitError(
                    f"{label}: {size:,} bytes is more than the {cap:,} allowed "
                    "(maskrender.limits.MAX_INPUT_BYTES)"
                )
            with open(path, "rb") as fh:
                raw = fh.read()
        except IsADirectoryError:
            raise ParseError(f"{label}: is a directory, expected a JSON file") from None
        except FileNotFoundError:
            raise ParseError(f"{label}: no such file") from None
        except OSError as err:
            raise ParseError(f"{label}: cannot read: {err.strerror or err}") from None
        return _decode(raw, label), label
    if hasattr(source, "read"):
        label = name or str(getattr(source, "name", "<file>"))
        raw_any = source.read()
        raw = raw_any.encode("utf-8", "surrogatepass") if isinstance(raw_any, str) else raw_any
        return _decode(raw, label), label
    raise TypeError(f"load() takes a path, bytes, str, file object, dict or list, not {type(source).__name__}")


def _decode(raw: bytes, label: str) -> Any:
    cap = limits.MAX_INPUT_BYTES
    if cap is not None and len(raw) > cap:
        raise LimitError(
            f"{label}: {len(raw):,} bytes is more than the {cap:,} allowed (maskrender.limits.MAX_INPUT_BYTES)"
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ParseError(f"{label}: not UTF-8 text (invalid byte at offset {err.start})") from None
    if not text.strip():
        raise ParseError(f"{label}: empty input, expected JSON")
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        what = "truncated JSON" if err.pos >= len(text.rstrip()) else "invalid JSON"
        raise ParseError(f"{label}: {what} at line {err.lineno} column {err.colno}: {err.msg}") from None
    except RecursionError:
        raise ParseError(f"{label}: JSON nested too deeply") from None
    except ValueError as err:  # e.g. integers longer than Python's digit limit
        raise ParseError(f"{label}: invalid JSON: {err}") from None


def load(source: Source, *, name: str | None = None) -> Results:
    """Load skin-analysis results from any supported source and envelope.

    Parameters
    ----------
    source : path, file object, bytes, str, dict or list
        A ``str`` whose first non-blank character is ``{`` or ``[`` is JSON text;
        any other ``str`` is a path.
    name : str, optional
        How messages name the source (defaults to the path, or ``<bytes>``...).

    Returns
    -------
    Results
        One :class:`~maskrender.Result` per algorithm result; bare masks come as one
        result with an empty algorithm name.

    Raises
    ------
    ParseError
        The input is not JSON.
    FormatError
        The JSON is not in the mask format; the message names the JSON path.
    LimitError
        The input exceeds a limit of :mod:`maskrender.limits`.

    Warns
    -----
    UnknownMaskTypeWarning, GeometryWarning, FailedResultWarning

    Examples
    --------
    >>> import maskrender as mr
    >>> results = mr.load("fixtures/pih_result.json")
    >>> results[0].algorithm
    'post_inflammatory_hyperpigmentation'
    >>> mr.load(b"[]")
    <Results from <bytes>: >
    """
    data, label = _read_source(source, name)
    ctx = _Ctx(label)
    return Results(_results(data, ctx), label)


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
            else:
                raise ctx.fail(f"[{i}]", "a result record (like the other items)", item)
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
    return v


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
    algorithm = inner_name if isinstance(inner_name, str) else family.rpartition(".")[2]
    if not ok:
        return Result(algorithm=algorithm, ok=False, error=body, path=path, **meta)
    if isinstance(body, (int, float)) and not isinstance(body, bool):
        return Result(algorithm=algorithm, value=float(body), path=path, **meta)
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
    if isinstance(value, bool) or not (value is None or isinstance(value, (int, float, str))):
        raise ctx.fail(_join(path, "value"), "a number, a string or null", value)
    if isinstance(value, float) and not math.isfinite(value):
        raise ctx.fail(_join(path, "value"), "a finite number", value)
    show = m.get("widget_show", True)
    if not isinstance(show, bool):
        raise ctx.fail(_join(path, "widget_show"), "true or false", show)
    return Metric(
        name=_opt_str(m, "name", path, ctx) or "",
        tech_name=_opt_str(m, "tech_name", path, ctx) or "",
        value=value,
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
    vb_raw = m.get("view_box")
    if vb_raw is None:
        view_box = default_view_box(mask_set)
    else:
        if not isinstance(vb_raw, str):
            raise ctx.fail(_join(path, "view_box"), 'a string "min_x min_y width height"', vb_raw)
        try:
            view_box = ViewBox.parse(vb_raw)
        except ValueError as err:
            raise ctx.fail(
                _join(path, "view_box"), f'"min_x min_y width height" with {err}', vb_raw
            ) from None
    fill = _opt_str(m, "fill", path, ctx)
    if fill is not None and not _HEX.fullmatch(fill.strip()):
        warn(
            f"{ctx.src}: {_join(path, 'fill')}: {_describe(fill)} is not a hex colour; using the palette",
            MaskRenderWarning,
        )
        fill = None
    side = _opt_str(m, "side", path, ctx)
    side = default_side() if side is None else side.strip().lower()
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


def _features(feats: list[Any], path: str, fam: str, ctx: _Ctx) -> tuple[Feature, ...]:
    """Build every feature of one mask with a handful of vectorised shapely calls."""
    parts_per_feature: list[list[Any]] = []
    raw_intensity: list[float | None] = []
    props: list[dict[str, Any]] = []
    for i, f in enumerate(feats):
        fpath = _join(path, i)
        if not isinstance(f, dict):
            raise ctx.fail(fpath, "a feature object", f)
        p = f.get("properties")
        if p is None:
            p = {}
        elif not isinstance(p, dict):
            raise ctx.fail(_join(fpath, "properties"), "an object or null", p)
        inten = p.get("intensity")
        if inten is not None and (isinstance(inten, bool) or not isinstance(inten, (int, float))
                                  or not math.isfinite(inten)):
            raise ctx.fail(_join(_join(fpath, "properties"), "intensity"), "a finite number or null", inten)
        g = f.get("geometry")
        gpath = _join(fpath, "geometry")
        if g is None:
            parts: list[Any] = []
        else:
            if not isinstance(g, dict):
                raise ctx.fail(gpath, "a geometry object or null", g)
            gtype = g.get("type")
            info = _GEOM_TYPES.get(gtype.lower()) if isinstance(gtype, str) else None
            if info is None or info[0] != fam:
                raise ctx.fail(_join(gpath, "type"), _EXPECTED_TYPES[fam], gtype)
            coords = g.get("coordinates")
            if not isinstance(coords, list):
                raise ctx.fail(_join(gpath, "coordinates"), "a list", coords)
            parts = coords if info[1] else ([coords] if coords else [])
        parts_per_feature.append(parts)
        raw_intensity.append(None if inten is None else float(inten))
        props.append(p)
    try:
        geoms = _build(parts_per_feature, fam, path, ctx)
    except _SlowPathError:
        cleaned = [_clean_parts(parts, fam, _coords_path(path, i), ctx)
                   for i, parts in enumerate(parts_per_feature)]
        geoms = _build(cleaned, fam, path, ctx)
    intensities = normalise_intensities(raw_intensity)
    return tuple(Feature(g, t, p) for g, t, p in zip(geoms, intensities, props, strict=True))


def _coords_path(path: str, i: int) -> str:
    return _join(_join(_join(path, i), "geometry"), "coordinates")


def _clean_parts(parts: list[Any], fam: str, path: str, ctx: _Ctx) -> list[Any]:
    """Validate every coordinate with its exact path; return plain ``[x, y]`` floats."""
    depth = _DEPTH[fam]

    def walk(node: Any, level: int, p: str) -> Any:
        if level == 0:
            return _clean_point(node, p, ctx)
        if not isinstance(node, list):
            raise ctx.fail(p, "a list" + " of lists" * (level - 1) + " of coordinates", node)
        return [walk(child, level - 1, _join(p, j)) for j, child in enumerate(node)]

    # each part is one point, one line or one polygon: one level less than a feature's parts
    return [walk(part, depth - 1, _join(path, k)) for k, part in enumerate(parts)]


def _clean_point(node: Any, p: str, ctx: _Ctx) -> list[float]:
    if not isinstance(node, list) or len(node) not in (2, 3):
        raise ctx.fail(p, "a coordinate [x, y] or [x, y, z]", node)
    for j, v in enumerate(node):
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ctx.fail(_join(p, j), "a number", v)
        try:
            fv = float(v)
        except OverflowError:
            raise ctx.fail(_join(p, j), "a number within float range", v) from None
        if not math.isfinite(fv):
            raise ctx.fail(_join(p, j), "a finite number", v)
        cap = limits.MAX_ABS_COORDINATE
        if cap is not None and abs(fv) > cap:
            raise ctx.fail(_join(p, j), f"a coordinate within ±{cap:g} (maskrender.limits.MAX_ABS_COORDINATE)", v)
    return [float(node[0]), float(node[1])]


def _as_xy(points: list[Any]) -> np.ndarray:
    """One numpy call for many points; ``_SlowPathError`` on anything but clean numbers."""
    if not points:
        return np.empty((0, 2))
    try:
        arr = np.array(points)
    except (ValueError, TypeError, OverflowError):
        raise _SlowPathError from None
    if arr.ndim != 2 or arr.shape[1] not in (2, 3) or arr.dtype.kind not in "iuf":
        raise _SlowPathError
    xy = np.ascontiguousarray(arr[:, :2], dtype=np.float64)
    if not np.isfinite(xy).all():
        raise _SlowPathError
    cap = limits.MAX_ABS_COORDINATE
    if cap is not None and np.abs(xy).max() > cap:
        raise _SlowPathError
    return xy


def _flatten(parts_per_feature: list[list[Any]], depth: int) -> tuple[list[Any], list[np.ndarray]]:
    """Flatten nested parts into one list of points and the index arrays of each level.

    Returns the points and, for each level above points, the index of the enclosing
    item: ``[ring_of_point, polygon_of_ring, feature_of_polygon]`` for polygons.
    """
    nodes: list[Any] = parts_per_feature
    owners: list[np.ndarray] = []
    for _ in range(depth):
        flat: list[Any] = []
        owner: list[int] = []
        for idx, node in enumerate(nodes):
            if not isinstance(node, list):
                raise _SlowPathError
            flat.extend(node)
            owner.extend([idx] * len(node))
        owners.append(np.asarray(owner, dtype=np.intp))
        nodes = flat
    owners.reverse()
    return nodes, owners


def _warn_feature(ctx: _Ctx, path: str, fid: int, what: str) -> None:
    warn(f"{ctx.src}: {_join(path, int(fid))}: {what}", GeometryWarning)


def _build(parts_per_feature: list[list[Any]], fam: str, path: str, ctx: _Ctx) -> list[BaseGeometry]:
    n = len(parts_per_feature)
    points, owners = _flatten(parts_per_feature, _DEPTH[fam])
    xy = _as_xy(points)
    ctx.count(len(xy), path)
    out = np.empty(n, dtype=object)
    if fam == "point":
        (feat_of_point,) = owners
        shapely.multipoints(xy, indices=feat_of_point, out=out) if len(xy) else None
        return _fill_empty(out, "MULTIPOINT EMPTY")
    if fam == "line":
        line_of_point, feat_of_line = owners
        keep = _min_size(line_of_point, len(feat_of_line), 2, xy, closed=False)
        for lid in np.flatnonzero(~keep):
            _warn_feature(ctx, path, feat_of_line[lid], f"polyline {lid} has fewer than 2 points; dropped")
        if keep.any():
            sel = keep[line_of_point]
            lines = shapely.linestrings(xy[sel], indices=_renumber(line_of_point[sel]))
            shapely.multilinestrings(lines, indices=feat_of_line[keep], out=out)
        return _fill_empty(out, "MULTILINESTRING EMPTY")
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
        pid = poly_of_ring[rid]
        what = "exterior" if shell_of_poly[pid] == rid else "hole"
        _warn_feature(ctx, path, feat_of_poly[pid],
                      f"polygon {pid}: {what} ring with fewer than 3 points; "
                      + ("polygon dropped" if what == "exterior" else "hole dropped"))
    ring_keep = ring_ok & poly_ok[poly_of_ring]
    if not ring_keep.any():
        return _fill_empty(out, "MULTIPOLYGON EMPTY")
    sel = ring_keep[ring_of_point]
    rings = shapely.linearrings(xy[sel], indices=_renumber(ring_of_point[sel]))
    polys = shapely.polygons(rings, indices=_renumber(poly_of_ring[ring_keep]))
    poly_feat = feat_of_poly[poly_ok]
    valid = shapely.is_valid(polys)
    if not valid.all():
        polys, poly_feat = _repair(polys, poly_feat, valid, path, ctx)
    if len(polys):
        shapely.multipolygons(polys, indices=poly_feat, out=out)
    return _fill_empty(out, "MULTIPOLYGON EMPTY")


def _renumber(idx: np.ndarray) -> np.ndarray:
    """Make a sorted index array dense (0, 1, 2 ...) after rows were dropped."""
    if not len(idx):
        return idx
    return np.cumsum(np.r_[0, idx[1:] != idx[:-1]]).astype(np.intp)


def _min_size(owner: np.ndarray, count: int, minimum: int, xy: np.ndarray, closed: bool) -> np.ndarray:
    """Which rings/lines have at least ``minimum`` distinct points (closing point not counted)."""
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


def _repair(polys: np.ndarray, poly_feat: np.ndarray, valid: np.ndarray, path: str,
            ctx: _Ctx) -> tuple[np.ndarray, np.ndarray]:
    out_polys: list[BaseGeometry] = []
    out_feat: list[int] = []
    for poly, fid, ok in zip(polys, poly_feat, valid, strict=True):
        if ok:
            out_polys.append(poly)
            out_feat.append(int(fid))
            continue
        reason = shapely.is_valid_reason(poly)
        fixed = _polygons_in(shapely.make_valid(poly))
        if fixed:
            _warn_feature(ctx, path, fid, f"invalid polygon ({reason}) repaired with make_valid")
            out_polys.extend(fixed)
            out_feat.extend([int(fid)] * len(fixed))
        else:
            _warn_feature(ctx, path, fid, f"invalid polygon ({reason}) has no area; dropped")
    return np.array(out_polys, dtype=object), np.asarray(out_feat, dtype=np.intp)


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

