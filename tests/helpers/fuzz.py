"""Case generators and the oracle of the load fuzzing (``tests/fuzz_long.py`` and
``tests/parse/test_fuzz_load.py`` both use them)."""


from __future__ import annotations

import copy
import json
import math
import random
import traceback
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import maskrender as mr
from maskrender.model import SIDES

FIXTURES = Path(__file__).resolve().parent.parent.parent / "fixtures"
# small fixtures often, the rich results list now and then (it is 15x larger)
SEEDS = {"pih_result.json": 4, "quirks.json": 4, "bare_mask.json": 3, "lines.json": 3, "sides_result.json": 2,
         "bare_masks.json": 1, "redness.json": 1, "results_list.json": 1}
_TEXT = {name: (FIXTURES / name).read_bytes() for name in SEEDS}

VOCABULARY = [
    "type", "mask_type", "features", "geometry", "coordinates", "properties", "intensity", "view_box", "fill",
    "side", "name", "tech_name", "result", "is_ok", "algorithm_tech_name", "algorithm_family_tech_name",
    "area_results", "area_name", "main_metric", "sub_metrics", "value", "widget_type", "widget_show", "units",
    "masks_restored", "masks_original", "image_type",
]
WORDS = ["polygon_mask", "point_mask", "polyline_mask", "heatmap_mask", "sparkle_mask", "MultiPolygon", "Polygon",
         "MultiPoint", "Point", "MultiLineString", "Multipolyline", "LineString", "feature", "FeatureCollection",
         "0 0 2416 2416", "100,50,10,10", "0 0 0 5", "#FF9F1C", "#abc", "red", "front", "left", "TOP", "moderate",
         "4", "bad_good_line", "per mille", "", "\ud800", "\x1b[31m"]
HOSTILE: list[Any] = [
    None, True, False, 0, -1, 1, 0.5, -0.0, 1e308, -1e308, 1e-320, 10**400, -(10**30), float("nan"), float("inf"),
    float("-inf"), "", "1", "NaN", "true", [], {}, [[]], [1], [1, 2, 3, 4], [True, False], ["1", "2"], [None, None],
    {"a": 1}, [[1, 2]], [[[1, 2]]], "0 0 1e-300 1e-300",
]
TOKENS = [b"NaN", b"Infinity", b"-Infinity", b"true", b"false", b"null", b"1e999", b"-1e999", b"-0", b"1e308",
          b"9" * 400, b"[", b"]", b"{", b"}", b",", b":", b'"', b"\\", b"\xff", b"\xc3", b"\xef\xbb\xbf",
          b'"\\ud800"', b"[" * 70, b"]" * 70, b"0.00000000001", b'"x":1,', b"[[1,2],[3,4]]", b"\x00", b"  \n"]


# --------------------------------------------------------------------------- generators


_JSONISH = b'[]{}",:0123456789.-eE truefalsnNIiy\\'


def random_bytes(rng: random.Random) -> bytes:
    """Random bytes, or (half the time) random characters JSON is made of."""
    n = rng.randrange(0, 120)
    if rng.random() < 0.5:
        body = bytes(rng.getrandbits(8) for _ in range(n))
    else:
        body = bytes(rng.choice(_JSONISH) for _ in range(n))
    return rng.choice([b"", b"{", b"[", b'{"mask_type": "point_mask", "features": ', b"\xef\xbb\xbf"]) + body


def hostile(rng: random.Random) -> Any:
    """A fresh copy of a hostile value or a word of the format (never a shared mutable object)."""
    return copy.deepcopy(rng.choice(HOSTILE + WORDS))


def random_value(rng: random.Random, depth: int = 0) -> Any:
    roll = rng.random()
    if depth > 5 or roll < 0.35:
        return rng.choice([hostile(rng), rng.uniform(-3000, 3000), rng.randrange(-5, 3000)])
    if roll < 0.65:
        return [random_value(rng, depth + 1) for _ in range(rng.randrange(0, 5))]
    keys = [rng.choice(VOCABULARY) if rng.random() < 0.8 else rng.choice(WORDS) for _ in range(rng.randrange(0, 6))]
    return {k: random_value(rng, depth + 1) for k in keys}


def random_json(rng: random.Random) -> bytes:
    return json.dumps(random_value(rng)).encode("utf-8", "surrogatepass")


def _descend(rng: random.Random, doc: Any) -> tuple[Any, Any] | None:
    """A random (container, key) inside ``doc``: deeper with probability 0.9 a level, and
    towards nested data (masks, features, coordinates) rather than envelope scalars."""
    node, found = doc, None
    while isinstance(node, (dict, list)) and node:
        keys = list(node) if isinstance(node, dict) else range(len(node))
        nested = [k for k in keys if isinstance(node[k], (dict, list)) and node[k]]
        key = rng.choice(nested) if nested and rng.random() < 0.75 else rng.choice(keys)
        found = (node, key)
        node = node[key]
        if rng.random() < 0.1:
            break
    return found


def mutate_once(rng: random.Random, doc: Any) -> None:
    spot = _descend(rng, doc)
    if spot is None:
        return
    parent, key = spot
    value = parent[key]
    kind = rng.randrange(7)
    if kind == 0:  # drop
        del parent[key]
    elif kind == 1:  # duplicate
        if isinstance(parent, list):
            parent.insert(key, copy.deepcopy(value))
        else:
            parent[rng.choice(VOCABULARY)] = copy.deepcopy(value)
    elif kind == 2:  # retype
        parent[key] = hostile(rng)
    elif kind == 3:  # scale a number
        factor = rng.choice([0, -1, 1e300, 1e-300, 1e9, float("nan"), 3.5])
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            try:
                parent[key] = value * factor
            except OverflowError:
                parent[key] = float("inf")
        else:
            parent[key] = factor
    elif kind == 4:  # one level deeper
        parent[key] = [value]
    elif kind == 5:  # one level shallower
        if isinstance(value, list) and value:
            parent[key] = value[0]
        elif isinstance(value, dict) and value:
            parent[key] = next(iter(value.values()))
    else:  # random structure
        parent[key] = random_value(rng, 3)


def mutated_fixture(rng: random.Random) -> tuple[bytes, Any]:
    """A fixture mutated as data: its bytes and the parsed (mutated) data."""
    names = list(SEEDS)
    name = rng.choices(names, weights=[SEEDS[n] for n in names])[0]
    doc = json.loads(_TEXT[name])
    for _ in range(rng.randrange(1, 5)):
        mutate_once(rng, doc)
    return json.dumps(doc).encode("utf-8", "surrogatepass"), doc


def mutated_text(rng: random.Random) -> bytes:
    names = list(SEEDS)
    raw = bytearray(_TEXT[rng.choices(names, weights=[SEEDS[n] for n in names])[0]])
    for _ in range(rng.randrange(1, 4)):
        at = rng.randrange(len(raw) + 1)
        kind = rng.randrange(5)
        if kind == 0:
            del raw[at:]
        elif kind == 1:
            del raw[at:at + rng.randrange(1, 40)]
        elif kind == 2:
            raw[at:at] = raw[at:at + rng.randrange(1, 200)]
        elif kind == 3:
            raw[at:at] = rng.choice(TOKENS)
        else:  # replace the next number with a token
            digit = next((i for i in range(at, min(len(raw), at + 200)) if 48 <= raw[i] <= 57), None)
            if digit is not None:
                end = digit
                while end < len(raw) and raw[end] in b"0123456789.eE+-":
                    end += 1
                raw[digit:end] = rng.choice(TOKENS)
    return bytes(raw)


def planted(rng: random.Random) -> tuple[bytes, Any]:
    """A small valid mask (or record) with one hostile value planted somewhere that matters."""
    ring = [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]]
    mask = {"type": "FeatureCollection", "mask_type": "polygon_mask", "view_box": "0 0 100 100", "fill": "#123456",
            "side": "front", "features": [{"type": "feature", "properties": {"intensity": 0.5},
                                           "geometry": {"type": "MultiPolygon", "coordinates": [[ring]]}}]}
    doc: Any = rng.choice([
        mask,
        {"result": {"algorithm_tech_name": "x", "masks_restored": [mask], "area_results": [
            {"area_name": "face", "main_metric": {"value": 50, "widget_type": "bad_good_line"}, "sub_metrics": []}]},
         "is_ok": True},
    ])
    for _ in range(rng.randrange(1, 3)):
        spot = _descend(rng, doc)
        if spot is not None:
            spot[0][spot[1]] = hostile(rng)
    return json.dumps(doc).encode("utf-8", "surrogatepass"), doc


GENERATORS: dict[str, Callable[[random.Random], tuple[bytes, Any]]] = {
    "bytes": lambda rng: (random_bytes(rng), None),
    "json": lambda rng: (random_json(rng), None),
    "mutate": mutated_fixture,
    "text": lambda rng: (mutated_text(rng), None),
    "plant": planted,
}


# --------------------------------------------------------------------------- oracle


class OracleError(Exception):
    """The oracle's verdict on a failing case: what went wrong, in one line."""


def crash(what: str, err: BaseException) -> OracleError:
    """The verdict on an unexpected exception: ``what`` was being done, the exception, where it came from."""
    last = traceback.extract_tb(err.__traceback__)[-1]
    return OracleError(f"{what}{type(err).__name__} at {Path(last.filename).name}:{last.lineno}: {err}"[:300])


def refused(source: Any) -> tuple[mr.LimitError, int, float]:
    """The LimitError ``load(source)`` raises, the most memory Python held meanwhile (bytes, tracemalloc),
    and the seconds it took."""
    import time
    import tracemalloc

    load = mr.load  # resolve the lazy name (imports numpy, shapely) before measuring
    tracemalloc.start()
    start = time.perf_counter()
    try:
        try:
            load(source)
        except mr.LimitError as err:
            return err, tracemalloc.get_traced_memory()[1], time.perf_counter() - start
        raise AssertionError(f"load({source!r:.60}) raised no LimitError")
    finally:
        tracemalloc.stop()


def exercise(results: mr.Results, as_text: bool) -> None:
    """Use the model the way the package does: figures, export and re-import, the summary.

    The export goes back in the input's own form: as JSON text for text, as data for data
    (data is not scanned for ``MAX_JSON_DEPTH``, so deep properties may load as data only).
    """
    for r in results:
        for m in (*r.masks_restored, *r.masks_original):
            figures = (m.area, m.coverage_per_mille(), m.area_px((100, 100)), m.part_count)
            if not all(math.isfinite(f) for f in figures):
                raise OracleError(f"non-finite figures {figures} for {m.path or '$'}")
            with warnings.catch_warnings(record=True) as again_caught:
                warnings.simplefilter("always")
                exported = m.to_geojson()
                if as_text:
                    exported = json.dumps(exported).encode("utf-8", "surrogatepass")  # type: ignore[assignment]
                (again,) = mr.load(exported).masks(side=None)
            # an unknown side is kept as given, so it warns again; nothing else may
            unexpected = [w for w in again_caught if m.side in SIDES or ": side: unknown side" not in str(w.message)]
            if unexpected:
                raise OracleError(f"to_geojson round-trip warned: {unexpected[0].message}")
            if again.feature_count != m.feature_count or not all(
                    a.geometry.equals_exact(b.geometry, 0) for a, b in zip(m.features, again.features, strict=True)):
                raise OracleError(f"to_geojson round-trip changed {m.path or '$'}")
    summary = mr.summarize(results)
    json.dumps(summary, allow_nan=False, ensure_ascii=False).encode("utf-8")
    mr.format_summary(summary).encode("utf-8")


def check(source: Any, label: str) -> bool:
    """Raise :class:`OracleError` unless ``load(source)`` behaves (see the module docstring).

    Returns whether it gave a model (else a ``MaskRenderError``).
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            results = mr.load(source)
        except mr.MaskRenderError as err:
            if not str(err).startswith(f"{label}: "):
                raise OracleError(f"{type(err).__name__} without the source name: {err}") from None
            results = None
        except Exception as err:
            raise crash("", err) from err
        if results is not None:
            try:
                exercise(results, as_text=not isinstance(source, (dict, list)))
            except OracleError:
                raise
            except Exception as err:
                raise crash("using the model: ", err) from err
    for w in caught:
        if not issubclass(w.category, mr.MaskRenderWarning):
            raise OracleError(f"{w.category.__name__}: {w.message}"[:300])
    return results is not None


def check_case(raw: bytes, data: Any) -> bool:
    """The oracle over a case's bytes, and over its parsed form when it has one."""
    loaded = check(raw, "<bytes>")
    if data is not None:
        check(data, f"<{type(data).__name__}>")
    return loaded
