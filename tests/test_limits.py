"""Every limit holds before the memory it bounds is used, and what an input exactly at each limit
costs is measured (peak RSS and time of the real command, in a subprocess): issue 15, points 4-5.

``python tests/test_limits.py`` prints the table the README quotes; the tests assert generous
bounds on the same measurements (what a 24 GiB, 2-core machine holds, with room for a loaded one).
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from helpers.fuzz import refused  # noqa: E402

import maskrender as mr  # noqa: E402
from maskrender import limits  # noqa: E402

GiB = 1 << 30


# ---------------------------------------------------------------------------------------------
# inputs at each limit
# ---------------------------------------------------------------------------------------------


def _numbers(values: np.ndarray) -> str:
    """``[x,y],[x,y],...`` for an ``(N, 2)`` array, fast (one join over preformatted columns)."""
    text = np.char.mod("%.1f", values)
    return ",".join("[" + a + "," + b + "]" for a, b in text.tolist())


def _mask(mask_type: str, geometry: str, coordinates: str, properties: str = "{}") -> str:
    return (f'{{"type":"FeatureCollection","mask_type":"{mask_type}","view_box":"0 0 2416 2416","features":[{{'
            f'"type":"Feature","properties":{properties},"geometry":{{"type":"{geometry}","coordinates":'
            f"{coordinates}}}}}]}}")


def points_at_limit(n: int) -> str:
    """One point mask of ``n`` random points (every coordinate the limit allows, in one mask)."""
    rng = np.random.default_rng(0)
    return _mask("point_mask", "MultiPoint", "[" + _numbers(rng.uniform(0, 2416, (n, 2))) + "]")


def polygons_at_limit(n: int) -> str:
    """``n / 20`` small lesions of 20 vertices each (a polygon a feature part)."""
    rng = np.random.default_rng(1)
    rings = n // 20
    t = np.linspace(0, 2 * np.pi, 20)
    centre = rng.uniform(20, 2396, (rings, 1, 2))
    ring = centre + rng.uniform(2, 15, (rings, 1, 1)) * np.stack([np.cos(t), np.sin(t)], axis=-1)[None]
    ring[:, -1] = ring[:, 0]
    points = _numbers(ring.reshape(-1, 2)).split(",[")   # "[x,y]" pieces, the first without "[" removed
    points = [points[0]] + ["[" + p for p in points[1:]]
    polys = ("[[" + ",".join(points[i * 20:(i + 1) * 20]) + "]]" for i in range(rings))
    return _mask("polygon_mask", "MultiPolygon", "[" + ",".join(polys) + "]")


def zigzag_at_limit(n: int) -> str:
    """One polyline of ``n`` vertices zigzagging 40 px tall across 2,200 px (every stroke overlaps
    hundreds of others: the costliest line the coordinate limit allows per byte)."""
    x = np.linspace(100, 2300, n)
    y = 1200 + 20 * ((np.arange(n) % 2) * 2 - 1)
    return _mask("polyline_mask", "LineString", "[" + _numbers(np.column_stack([x, y])) + "]")


def json_values(value: object) -> int:
    """How many JSON values ``value`` is made of (itself, and every element and member value)."""
    children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    return 1 + sum(json_values(c) for c in children)


def values_at_limit(n: int) -> str:
    """Exactly ``n`` JSON values, nearly all of the costliest kind per value (empty objects)."""
    empty = _mask("point_mask", "MultiPoint", "[[1,2]]", '{"h":[]}')
    k = n - json_values(json.loads(empty))
    return empty.replace('"h":[]', '"h":[' + ",".join(["{}"] * k) + "]")


def bytes_at_limit(n: int) -> str:
    """A document of ``n`` bytes, nearly all one string (few values)."""
    head = _mask("point_mask", "MultiPoint", "[[1,2]]", '{"note":"X"}')
    return head.replace('"X"', '"' + "x" * (n - len(head) + 1) + '"')


@dataclass(frozen=True)
class Case:
    name: str
    limit: str
    make: Callable[[Path], list[str]]
    """Writes the input into a folder; returns the command's arguments."""
    rss: int
    """The bound the test asserts on peak RSS, bytes."""
    seconds: float
    """The bound the test asserts on wall time (some 10x the time measured on the project's machine)."""


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="ascii")
    return path


def _photo(folder: Path, pixels: int) -> Path:
    side = int(pixels ** 0.5)
    path = folder / "big.jpg"
    Image.new("RGB", (side, pixels // side), (120, 100, 90)).save(path, quality=50)
    return path


CASES = [
    Case("info, 2,000,000 points", "MAX_COORDINATES",
         lambda d: ["info", str(_write(d, "p.json", points_at_limit(limits.MAX_COORDINATES or 0)))], 3 * GiB, 300),
    Case("render, 2,000,000 points", "MAX_COORDINATES",
         lambda d: ["render", str(_write(d, "p.json", points_at_limit(limits.MAX_COORDINATES or 0))), "-o",
                    str(d / "o.png")], 4 * GiB, 400),
    Case("render, 2,000,000 polygon vertices", "MAX_COORDINATES",
         lambda d: ["render", str(_write(d, "g.json", polygons_at_limit(limits.MAX_COORDINATES or 0))), "-o",
                    str(d / "o.png")], 3 * GiB, 400),
    Case("info, 10,000,000 JSON values", "MAX_JSON_VALUES",
         lambda d: ["info", str(_write(d, "v.json", values_at_limit(limits.MAX_JSON_VALUES or 0)))], 3 * GiB, 200),
    Case("info, 128 MiB document", "MAX_INPUT_BYTES",
         lambda d: ["info", str(_write(d, "b.json", bytes_at_limit(limits.MAX_INPUT_BYTES or 0)))], 2 * GiB, 120),
    Case("render, 100,000,000-pixel canvas", "MAX_CANVAS_PIXELS",
         lambda d: ["render", str(ROOT / "fixtures" / "results_list.json"), "--size", "10000x10000", "-o",
                    str(d / "o.png")], 3 * GiB, 120),
    # no command draws on a photo larger than MAX_CANVAS_PIXELS (overlays and reports are that size):
    # what the library's open_photo holds for a photo at its own limit
    Case("open_photo, 178,956,970-pixel JPEG", "MAX_IMAGE_PIXELS",
         lambda d: ["open_photo", str(_photo(d, limits.MAX_IMAGE_PIXELS or 0))], 3 * GiB, 120),
]

SLOW_CASES = [
    # measured by ``python tests/test_limits.py`` and quoted in the README, not run as a test: it
    # takes about 95 s and 4 GiB (the bounds say what a batch worker should be given, or --timeout)
    Case("render, one 2,000,000-vertex zigzag polyline", "MAX_COORDINATES",
         lambda d: ["render", str(_write(d, "z.json", zigzag_at_limit(limits.MAX_COORDINATES or 0))), "-o",
                    str(d / "o.png")], 6 * GiB, 900),
]

_MEASURE = """
import json, resource, sys, time
start = time.perf_counter()
if sys.argv[1] == "open_photo":
    from maskrender.image import open_photo
    status = 0 if open_photo(sys.argv[2]).size else 1
else:
    from maskrender.cli import main
    status = main(sys.argv[1:])
try:   # the peak of this process's own memory (ru_maxrss would start from the parent's after fork)
    rss = next(int(line.split()[1]) * 1024 for line in open("/proc/self/status") if line.startswith("VmHWM:"))
except OSError:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"status": status, "seconds": time.perf_counter() - start, "rss": rss}))
"""


def measure(case: Case, folder: Path) -> dict[str, float]:
    """Peak RSS (bytes) and wall time (s, from interpreter start to exit) of the command on its input."""
    args = case.make(folder)
    start = time.perf_counter()
    run = subprocess.run([sys.executable, "-c", _MEASURE, *args], capture_output=True, text=True, cwd=ROOT,
                         timeout=case.seconds * 2)
    wall = time.perf_counter() - start
    assert run.returncode == 0, run.stderr[-2000:]
    figures = json.loads(run.stdout.strip().splitlines()[-1])
    assert figures["status"] == 0, run.stderr[-2000:]
    return {"rss": figures["rss"], "seconds": wall}


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_an_input_at_each_limit_fits_the_machine(case: Case, tmp_path: Path) -> None:
    figures = measure(case, tmp_path)
    assert figures["rss"] < case.rss, f"{case.name}: peak RSS {figures['rss'] / GiB:.2f} GiB"
    assert figures["seconds"] < case.seconds, f"{case.name}: {figures['seconds']:.1f} s"


# ---------------------------------------------------------------------------------------------
# past each limit: refused before the allocation
# ---------------------------------------------------------------------------------------------


def test_a_ten_million_point_file_is_refused_with_under_1_mb_allocated(tmp_path: Path) -> None:
    """60 MB of compact points: counted block by block as it is read, refused at the 2,000,001st."""
    path = tmp_path / "ten-million.json"
    with path.open("w", encoding="ascii") as fh:
        fh.write('{"mask_type":"point_mask","features":[{"geometry":{"type":"MultiPoint","coordinates":[')
        fh.write(",".join(["[1,2]"] * 10_000_000))
        fh.write("]}}]}")
    err, peak, seconds = refused(path)
    assert str(err) == (f"{path}: more than 2,000,000 coordinates in one input, counted before parsing "
                        "(maskrender.limits.MAX_COORDINATES)")
    assert peak < 1_000_000
    assert seconds < 10


@pytest.mark.slow
@pytest.mark.parametrize("unit", [b"{}", b"[]", b"1.5", b'"ab"', b"true"])
def test_more_values_than_the_limit_are_refused_before_parsing(unit: bytes) -> None:
    raw = b'{"a": [' + b",".join([unit] * 10_000_001) + b"]}"
    err, peak, _ = refused(raw)
    assert str(err).endswith("more than 10,000,000 JSON values (numbers, strings, arrays, objects) in one input, "
                             "counted before parsing (maskrender.limits.MAX_JSON_VALUES)")
    assert peak < 16 << 20            # the scan's blocks, not the parsed values (~700 MB)


def _depth(value: object) -> int:
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    return 0


def _number_led_arrays(value: object) -> int:
    """Arrays whose first element is a number: every GeoJSON position is one."""
    children = list(value.values()) if isinstance(value, dict) else value if isinstance(value, list) else []
    led = isinstance(value, list) and bool(value) and isinstance(value[0], (int, float)) \
        and not isinstance(value[0], bool)
    return int(led) + sum(_number_led_arrays(c) for c in children)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(alphabet=st.sampled_from('ab"\\[]{},: \n\u00e9\x1b'), max_size=8),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(alphabet="[]{}\\\"ab,", max_size=4),
                                                                   inner, max_size=4),
    max_leaves=40)


@settings(max_examples=300, deadline=None)
@given(doc=_JSON, indent=st.sampled_from([None, 0, 2]), ascii_only=st.booleans(), cuts=st.lists(
    st.integers(0, 10_000), max_size=8))
def test_the_scan_counts_what_the_parser_makes(doc: object, indent: int | None, ascii_only: bool,
                                               cuts: list[int]) -> None:
    """On any JSON text, cut into blocks anywhere (inside strings and escapes too), the scan finds
    exactly the values, the depth and the number-led arrays that an independent walk of the parsed
    document counts."""
    from maskrender.parse.source import TextScan

    raw = json.dumps(doc, indent=indent, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")
    scan = TextScan("<bytes>")
    edges = sorted({0, len(raw), *(c % (len(raw) + 1) for c in cuts)})
    for a, b in itertools.pairwise(edges):
        scan.feed(raw[a:b])
    assert scan.finish() == _depth(doc)
    assert scan.values == json_values(doc)
    assert scan.points == _number_led_arrays(doc)


def test_values_are_counted_exactly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_JSON_VALUES", 9)
    doc = b'{"a": [[1, 2], [3, 4]], "b": {}, "c": []}'     # 1 + 3 + 4 numbers + {} + [] = 10 values
    with pytest.raises(mr.LimitError, match="more than 9 JSON values"):
        mr.load(doc)
    monkeypatch.setattr(limits, "MAX_JSON_VALUES", 10)
    with pytest.raises(mr.FormatError):                   # within the limit: read, then found not a result
        mr.load(doc)


def test_the_byte_limit_holds_on_bytes_read_not_on_the_size_the_file_claims(monkeypatch: pytest.MonkeyPatch) -> None:
    """A /proc file says it is empty and is not: it is read up to the limit + 1 byte, then refused."""
    monkeypatch.setattr(limits, "MAX_INPUT_BYTES", 1000)
    if not Path("/proc/self/maps").exists():
        pytest.skip("no /proc on this system")
    assert os.path.getsize("/proc/self/maps") == 0
    with pytest.raises(mr.LimitError, match=r"^/proc/self/maps: 1,001 bytes is more than the 1,000 allowed"):
        mr.load("/proc/self/maps")


if __name__ == "__main__":
    import tempfile

    print("| limit | input exactly at the limit | peak RSS | time |")
    print("|---|---|---|---|")
    for c in CASES + SLOW_CASES:
        with tempfile.TemporaryDirectory() as folder:
            f = measure(c, Path(folder))
        print(f"| `{c.limit}` | {c.name} | {f['rss'] / (1 << 20):,.0f} MiB | {f['seconds']:.1f} s |", flush=True)
