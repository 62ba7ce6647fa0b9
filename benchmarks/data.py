"""Workloads: results JSON files and photos, generated once into ``benchmarks/.cache/``.

* W1, the full selfie: ``synth_workload()`` (5,000 pores, 500 acne polygons, a fifth with
  holes and some overlapping, 300 lines of 10-50 vertices, 200 graded redness polygons) on
  ``fixtures/restored.jpg`` (2416x2416).
* W2: W1's masks on a 4000x3000 "original": the face square scaled by 1.2 and placed at
  (550, 50) (view_box ``0 0 4000 3000``, coordinates with 2 decimals), the photo made from
  the portrait and the restored crop at that place.
* W3: scaling sets: points only, polygons only, and W1's masks on square photos of 512 to
  4000 px (the view_box maps them onto each photo: outlines grow with the side, areas with
  the pixels).
"""

from __future__ import annotations

import copy
import importlib.util
import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
CACHE = Path(__file__).resolve().parent / ".cache"


@dataclass(frozen=True)
class Workload:
    """A results file and the photo its restored masks belong to."""

    name: str
    result: Path
    photo: Path
    size: tuple[int, int]
    features: int = 0


def _generator() -> Any:
    spec = importlib.util.spec_from_file_location("_fixture_generate", FIXTURES / "generate.py")
    assert spec is not None
    assert spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _write_json(path: Path, obj: Any) -> Path:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(obj, separators=(",", ":")))
        tmp.replace(path)
    return path


def _square_photo(size: int) -> Path:
    from PIL import Image

    path = CACHE / f"photo_{size}.jpg"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        with Image.open(FIXTURES / "restored.jpg") as im:
            im.convert("RGB").resize((size, size), Image.Resampling.LANCZOS).save(path, quality=90)
    return path


def _w2_photo() -> Path:
    from PIL import Image

    path = CACHE / "photo_4000x3000.jpg"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        with Image.open(FIXTURES / "portrait.jpg") as p, Image.open(FIXTURES / "restored.jpg") as r:
            base = p.convert("RGB").resize((4000, 3000), Image.Resampling.BICUBIC)
            face = r.convert("RGB").resize((2899, 2899), Image.Resampling.LANCZOS)
            base.paste(face, (550, 50))
            base.save(path, quality=90)
    return path


def _map_coords(obj: Any, k: float, dx: float, dy: float) -> Any:
    if isinstance(obj, list) and obj and isinstance(obj[0], (int, float)):
        return [round(dx + k * obj[0], 2), round(dy + k * obj[1], 2), *obj[2:]]
    if isinstance(obj, list):
        return [_map_coords(o, k, dx, dy) for o in obj]
    return obj


def w1() -> Workload:
    """The full selfie on the 2416x2416 restored photo."""
    path = CACHE / "w1.json"
    if not path.exists():
        _write_json(path, _generator().synth_workload())
    return Workload("W1", path, FIXTURES / "restored.jpg", (2416, 2416), 6000)


def w2() -> Workload:
    """W1's masks on a 4000x3000 photo."""
    path = CACHE / "w2.json"
    if not path.exists():
        results = copy.deepcopy(json.loads(w1().result.read_bytes()))
        for rec in results:
            for m in rec["result"]["masks_restored"]:
                m["view_box"] = "0 0 4000 3000"
                for f in m["features"]:
                    f["geometry"]["coordinates"] = _map_coords(f["geometry"]["coordinates"], 1.2, 550.0, 50.0)
        _write_json(path, results)
    return Workload("W2", path, _w2_photo(), (4000, 3000), 6000)


def _only(results: list[dict[str, Any]], algorithm: str) -> list[dict[str, Any]]:
    return [r for r in results if r["result"]["algorithm_tech_name"] == algorithm]


def points(n: int) -> Workload:
    """``n`` pores only, on the restored photo."""
    path = CACHE / f"points_{n}.json"
    if not path.exists():
        gen = _generator()
        _write_json(path, _only(gen.synth_workload(n_points=n, n_polygons=1, n_polylines=1, n_heat=1), "pores"))
    return Workload(f"{n:,} points", path, FIXTURES / "restored.jpg", (2416, 2416), n)


def polygons(n: int) -> Workload:
    """``n`` acne polygons only, on the restored photo."""
    path = CACHE / f"polygons_{n}.json"
    if not path.exists():
        gen = _generator()
        _write_json(path, _only(gen.synth_workload(n_points=1, n_polygons=n, n_polylines=1, n_heat=1), "acne"))
    return Workload(f"{n:,} polygons", path, FIXTURES / "restored.jpg", (2416, 2416), n)


def photo_size(size: int) -> Workload:
    """W1's masks (the same file) on a ``size`` x ``size`` photo: only the pixels change."""
    return Workload(f"{size}x{size}", w1().result, _square_photo(size), (size, size), size * size)


# ---------------------------------------------------------------------------------------------
# adversarial shapes: small files, within every limit, that once stalled the renderer
# ---------------------------------------------------------------------------------------------

ADVERSARIAL_SIZE = 2416


def _bare(mask_type: str, geometry: dict[str, Any]) -> bytes:
    s = ADVERSARIAL_SIZE
    return json.dumps({"mask_type": mask_type, "view_box": f"0 0 {s} {s}", "fill": "#ff0000",
                       "features": [{"type": "Feature", "geometry": geometry, "properties": {}}]},
                      separators=(",", ":")).encode()


def coincident_points(n: int = 100_000) -> bytes:
    """One point mask of ``n`` points all at the same place (nearest-neighbour spacing degenerates)."""
    return _bare("point_mask", {"type": "MultiPoint", "coordinates": [[1200, 1200]] * n})


def zigzag_polyline(n: int = 20_000, amplitude: float = 20.0) -> bytes:
    """One polyline of ``n`` vertices zigzagging ``amplitude`` px up and down across 2,200 px:
    every vertex a sharp turn, every stroke overlapping its neighbours (``shapely.buffer`` of it
    took minutes)."""
    x = [round(100 + 2200 * i / (n - 1), 3) for i in range(n)]
    y = [1200.0 if i % 2 == 0 else 1200.0 + amplitude for i in range(n)]
    line = [[a, b] for a, b in zip(x, y, strict=True)]
    return _bare("polyline_mask", {"type": "MultiLineString", "coordinates": [line]})


def bowtie_polygon(n: int = 10_000) -> bytes:
    """One ring of ``n`` vertices zigzagging over the whole height and closing back across all of
    its teeth: thousands of self-intersections, repaired into thousands of long triangles."""
    x = [round(100 + 2200 * i / (n - 1), 3) for i in range(n)]
    y = [100.0 if i % 2 == 0 else 2300.0 for i in range(n)]
    ring = [[a, b] for a, b in zip(x, y, strict=True)]
    ring.append(ring[0])
    return _bare("polygon_mask", {"type": "MultiPolygon", "coordinates": [[ring]]})


def _squares(mask_type: str, boxes: list[tuple[float, float, float]]) -> bytes:
    s = ADVERSARIAL_SIZE
    feats = [{"type": "Feature", "properties": {"intensity": 1.0}, "geometry": {
        "type": "Polygon", "coordinates": [[[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]]}}
        for x, y, d in boxes]
    return json.dumps({"mask_type": mask_type, "view_box": f"0 0 {s} {s}", "fill": "#ff0000", "features": feats},
                      separators=(",", ":")).encode()


def identical_squares(n: int = 12_000) -> bytes:
    """One polygon mask of ``n`` features, all the same 400 px square (12,000 of them: 2 MB of JSON;
    a pair query per feature once made 144 million pairs)."""
    return _squares("polygon_mask", [(1000.0, 1000.0, 400.0)] * n)


def random_squares(n: int = 20_000) -> bytes:
    """One polygon mask of ``n`` squares of 20-200 px at random places, overlapping one another."""
    rng = random.Random(20)
    return _squares("polygon_mask", [(round(rng.uniform(0, 2200), 3), round(rng.uniform(0, 2200), 3),
                                      round(rng.uniform(20, 200), 3)) for _ in range(n)])


ADVERSARIAL: dict[str, tuple[Any, int]] = {
    "coincident points": (coincident_points, 100_000),
    "zigzag polyline": (zigzag_polyline, 20_000),
    "bow-tie polygon": (bowtie_polygon, 10_000),
    "identical squares": (identical_squares, 12_000),
    "random overlapping squares": (random_squares, 20_000),
}
"""Name -> (generator, the size the targets name)."""


HOSTILE_NUMBERS: dict[str, tuple[str, list[str]]] = {
    "12,000 identical squares": ("identical", []),
    "20,000 random overlapping squares": ("random", []),
    "--point-radius 1e6 on fixtures/pores.json": ("fixtures/pores.json", ["--point-radius", "1e6"]),
    "--line-width 1e6 on fixtures/lines.json": ("fixtures/lines.json", ["--line-width", "1e6"]),
    "--outline 1e5 on one square": ("square", ["--outline", "1e5"]),
}
"""Inputs within every limit whose cost once followed their numbers, not the canvas (4-24 GB, or
killed; issue 20): name -> (file, CLI options of ``maskrender render``)."""


def hostile_input(what: str, folder: Path) -> Path:
    """The file of a :data:`HOSTILE_NUMBERS` case: a fixture, or generated into ``folder``."""
    makers = {"identical": identical_squares, "random": random_squares, "square": lambda: identical_squares(1)}
    if what not in makers:
        return ROOT / what
    path = folder / f"{what}.json"
    path.write_bytes(makers[what]())
    return path
