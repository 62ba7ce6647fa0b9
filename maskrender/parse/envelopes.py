"""The envelopes of the mask format (record, results list, bare result, bare mask, list of masks),
their metrics and their masks, read into the model with path-bearing errors."""

from __future__ import annotations

import re
from typing import Any

import shapely.errors

from maskrender import limits
from maskrender._jsonpath import Context, describe, finite, join, text
from maskrender.errors import FormatError, MaskRenderWarning, UnknownMaskTypeWarning, warn
from maskrender.kinds import MASK_KINDS, MASK_TYPES
from maskrender.model import SIDES, Area, Mask, Metric, Result, ViewBox
from maskrender.parse.assumptions import default_side, default_view_box
from maskrender.parse.exported import is_export, read_export
from maskrender.parse.features import read_features
from maskrender.parse.lookalikes import look_alike

__all__ = ["read_results"]

_HEX = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})")


def _kind(d: Any) -> str | None:
    if not isinstance(d, dict):
        return None
    if "result" in d or "is_ok" in d:
        return "record"
    if "mask_type" in d or "features" in d:
        return "mask"
    if any(k in d for k in _RESULT_KEYS):
        return "bare_result"
    return None


_RESULT_KEYS = ("algorithm_tech_name", "area_results", "masks_restored", "masks_original")
"""The keys of a result body: a record's ``result`` holds at least one of them."""

_ENVELOPES = "a result record, a results list, a bare result, a mask or a list of masks"


def read_results(data: Any, ctx: Context) -> list[Result]:
    """The results that parsed JSON ``data`` holds, in whichever envelope it comes.

    Look-alikes (:func:`~maskrender.parse.lookalikes.look_alike`: the rasterisation service's
    responses, Face Metrics 3.0 responses, smoothed results, other vendors' analyses) are refused
    by name before anything is read.
    """
    if is_export(data):  # maskrender's own GeoJSON export: features that name their masks
        return read_export(data, ctx, read_results)
    found = look_alike(data)
    if found is not None:
        path, what, accepted = found
        raise FormatError(ctx.src, path, accepted, what)
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


def _opt_str(d: dict[str, Any], key: str, path: str, ctx: Context) -> str | None:
    v = d.get(key)
    if v is None:
        return None
    if not isinstance(v, str):
        raise ctx.fail(join(path, key), "a string", v)
    return text(v)


def _opt_list(d: dict[str, Any], key: str, path: str, ctx: Context) -> list[Any]:
    v = d.get(key)
    if v is None:
        return []
    if not isinstance(v, list):
        raise ctx.fail(join(path, key), "a list or null", v)
    return v


def _record(d: dict[str, Any], path: str, ctx: Context) -> Result:
    ok = d.get("is_ok", True)
    if not isinstance(ok, bool):
        raise ctx.fail(join(path, "is_ok"), "true or false", ok)
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
        "application_run_id": _opt_str(d, "application_run_id", path, ctx),
    }
    inner_name = body.get("algorithm_tech_name") if isinstance(body, dict) else None
    algorithm = text(inner_name) if isinstance(inner_name, str) else family.rpartition(".")[2]
    if not ok:
        return Result(algorithm=algorithm, ok=False, error=body, path=path, **meta)
    if isinstance(body, (int, float)) and not isinstance(body, bool):
        value = finite(body)
        if value is None:
            raise ctx.fail(join(path, "result"), "a finite number (legacy record)", body)
        return Result(algorithm=algorithm, value=value, path=path, **meta)
    if not isinstance(body, dict):
        raise ctx.fail(join(path, "result"), "an object (or a number in legacy records)", body)
    if body and not any(k in body for k in _RESULT_KEYS):
        raise ctx.fail(join(path, "result"), f"a result object (with {', '.join(_RESULT_KEYS)})", body)
    return _result_body(body, join(path, "result"), ctx, meta)


def _result_body(r: dict[str, Any], path: str, ctx: Context, meta: dict[str, Any]) -> Result:
    algorithm = _opt_str(r, "algorithm_tech_name", path, ctx) or meta.get("family", "").rpartition(".")[2]
    family = meta.get("family") or ""
    areas = tuple(_area(a, join(join(path, "area_results"), i), ctx)
                  for i, a in enumerate(_opt_list(r, "area_results", path, ctx)))
    sets: dict[str, tuple[Mask, ...]] = {}
    for mask_set in ("restored", "original"):
        key = f"masks_{mask_set}"
        found = []
        for i, m in enumerate(_opt_list(r, key, path, ctx)):
            mask = _mask(m, join(join(path, key), i), ctx, mask_set, algorithm, family)
            if mask is not None:
                found.append(mask)
        sets[mask_set] = tuple(found)
    if not meta:  # a bare result: what identifies it may sit beside its metrics (a webhook payload)
        meta = {k: _opt_str(r, k, path, ctx) for k in ("id", "image_id", "application_name", "application_run_id")}
    if meta.get("image_type") is None:
        meta = {**meta, "image_type": _opt_str(r, "image_type", path, ctx)}
    return Result(
        algorithm=algorithm,
        revision=_opt_str(r, "revision", path, ctx),
        problems=_problems(r, path, ctx),
        value=_smoothed_value(r, path, ctx),
        areas=areas,
        masks_restored=sets["restored"],
        masks_original=sets["original"],
        area_regions={k: v for k, v in r.items() if k.startswith("area_regions")},
        path=path,
        **meta,
    )


def _problems(r: dict[str, Any], path: str, ctx: Context) -> tuple[str, ...]:
    """The Image Quality result's ``problems`` (codes of what is wrong with the photo), from the result
    and from its areas, in order and once each."""
    found: list[str] = []
    places = [(r, path)] + [(a, join(join(path, "area_results"), i))
                            for i, a in enumerate(_opt_list(r, "area_results", path, ctx)) if isinstance(a, dict)]
    for d, where in places:
        for i, code in enumerate(_opt_list(d, "problems", where, ctx)):
            if not isinstance(code, str):
                raise ctx.fail(join(join(where, "problems"), i), "a problem code (a string)", code)
            found.append(text(code.strip()))
    return tuple(dict.fromkeys(c for c in found if c))


def _smoothed_value(r: dict[str, Any], path: str, ctx: Context) -> float | None:
    """The value of a smoothed result read from the platform (``{"algorithm_tech_name": ..., "value": 61}``:
    a value and no metrics or masks), else ``None``."""
    if r.get("value") is None or any(r.get(k) for k in ("area_results", "masks_restored", "masks_original")):
        return None
    value = finite(r["value"])
    if value is None:
        raise ctx.fail(join(path, "value"), "a finite number (a smoothed result's value)", r["value"])
    return value


def _bare_masks(items: list[Any], ctx: Context, top_is_list: bool) -> Result:
    masks = []
    for i, m in enumerate(items):
        mask = _mask(m, f"[{i}]" if top_is_list else "", ctx, "restored", "", "")
        if mask is not None:
            masks.append(mask)
    return Result(algorithm="", masks_restored=tuple(masks))


def _area(a: Any, path: str, ctx: Context) -> Area:
    if not isinstance(a, dict):
        raise ctx.fail(path, "an area result object", a)
    name = _opt_str(a, "area_name", path, ctx) or ""
    main = a.get("main_metric")
    if main is None and ("value" in a or "tech_name" in a):
        # a flat area (webhook payloads): the area object is its own main metric
        main_metric: Metric | None = _metric(a, path, ctx)
    else:
        main_metric = None if main is None else _metric(main, join(path, "main_metric"), ctx)
    subs = tuple(_metric(m, join(join(path, "sub_metrics"), i), ctx)
                 for i, m in enumerate(_opt_list(a, "sub_metrics", path, ctx)))
    return Area(name=name, main_metric=main_metric, sub_metrics=subs)


def _metric(m: Any, path: str, ctx: Context) -> Metric:
    if not isinstance(m, dict):
        raise ctx.fail(path, "a metric object", m)
    value = m.get("value")
    if not (value is None or isinstance(value, str) or finite(value) is not None):
        raise ctx.fail(join(path, "value"), "a finite number, a string or null", value)
    show = m.get("widget_show", True)
    if not isinstance(show, bool):
        raise ctx.fail(join(path, "widget_show"), "true or false", show)
    return Metric(
        name=_opt_str(m, "name", path, ctx) or "",
        tech_name=_opt_str(m, "tech_name", path, ctx) or "",
        value=text(value) if isinstance(value, str) else value,
        widget_type=_opt_str(m, "widget_type", path, ctx) or "",
        units=_opt_str(m, "units", path, ctx),
        widget_show=show,
        widget_meta=m.get("widget_meta"),
    )


def _view_box(m: dict[str, Any], path: str, ctx: Context, mask_set: str) -> ViewBox | None:
    raw = m.get("view_box")
    if raw is None:
        return default_view_box(mask_set)
    vpath = join(path, "view_box")
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


def _mask(m: Any, path: str, ctx: Context, mask_set: str, algorithm: str, family: str) -> Mask | None:
    if not isinstance(m, dict):
        raise ctx.fail(path, "a mask (FeatureCollection with mask_type)", m)
    mask_type = m.get("mask_type")
    if not isinstance(mask_type, str):
        raise ctx.fail(join(path, "mask_type"), "a string such as polygon_mask", mask_type)
    kind = MASK_KINDS.get(mask_type)
    if kind is None:
        warn(
            f"{ctx.src}: {join(path, 'mask_type')}: unknown mask type {mask_type!r} skipped "
            f"(known: {', '.join(MASK_TYPES)})",
            UnknownMaskTypeWarning,
        )
        return None
    feats = m.get("features")
    if not isinstance(feats, list):
        raise ctx.fail(join(path, "features"), "a list", feats)
    view_box = _view_box(m, path, ctx, mask_set)
    fill = _opt_str(m, "fill", path, ctx)
    if fill is not None and not _HEX.fullmatch(fill.strip()):
        warn(
            f"{ctx.src}: {join(path, 'fill')}: {describe(fill)} is not a hex colour; using the palette",
            MaskRenderWarning,
        )
        fill = None
    side = (_opt_str(m, "side", path, ctx) or "").strip().lower() or default_side()
    if side not in SIDES:
        warn(
            f"{ctx.src}: {join(path, 'side')}: unknown side {side!r} (known: {', '.join(SIDES)})",
            MaskRenderWarning,
        )
    try:
        features = read_features(feats, join(path, "features"), kind.geometry, ctx)
    except shapely.errors.GEOSException as err:  # GEOS's std::bad_alloc: out of memory, said as Python says it
        if "bad_alloc" in str(err):
            raise MemoryError(f"{ctx.src}: {path}: building the mask's geometry") from None
        raise
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
