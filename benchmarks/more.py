"""Sections of ``python -m benchmarks`` beyond W1-W3: exactness, reports, adversarial shapes, batch.

* exactness: the worst sub-pixel phase of horizontal, vertical and diagonal polygon edges,
  drawn by ``maskrender.render`` at opacity 1, against exact pixel areas from shapely (the
  pixel-truth claim the speed must keep);
* reports: the 7-algorithm fixture (``fixtures/results_list.json``) on the restored photo at
  1240 px, as PNG, PDF and HTML (``maskrender.report.report_file``);
* adversarial shapes (``benchmarks.data.ADVERSARIAL``): load + draw time at three sizes with
  fitted exponents and the peak RSS growth, each in a fresh process (as a batch worker meets
  the file; in this process the garbage collector's walks of the benchmark's own heap would
  be charged to the shape); a full-height
  zigzag (every segment crossing the whole canvas) is reported too: its cost is that of its
  outline, sum of segment heights, so it grows with vertices x height;
* batch: ``benchmarks.bench_batch`` on 1 and 2 worker processes.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import data
from benchmarks.timing import ROOT, interleaved, measure, peak_rss_growth

FIXTURES = ROOT / "fixtures"


def _ms(t: float) -> str:
    return f"{t * 1e3:,.1f} ms" if t < 10 else f"{t:,.2f} s"


def _exact_areas(geom: Any, size: int) -> np.ndarray:
    import shapely

    ys, xs = np.mgrid[0:size, 0:size]
    cells = shapely.box(xs.ravel(), ys.ravel(), xs.ravel() + 1, ys.ravel() + 1)
    out: np.ndarray = shapely.area(shapely.intersection(cells, geom)).reshape(size, size)
    return out


def exactness(report: Any) -> None:
    """Worst-phase mean edge error of polygon edges (levels of 255), opacity 1."""
    import shapely

    from maskrender.overlay import render
    from maskrender.style import Style

    size = 48
    rows = []
    worst_all = 0.0
    for kind in ("horizontal", "vertical", "diagonal"):
        worst, at = 0.0, 0.0
        for k in range(16):
            p = k / 16
            if kind == "horizontal":
                g = shapely.box(6, 5 + p, 40, 30 + p)
            elif kind == "vertical":
                g = shapely.box(6 + p, 5, 40 + p, 30)
            else:
                g = shapely.affinity.rotate(shapely.box(12 + p, 10 + p, 34 + p, 32 + p), 45, origin="centroid")
            ring = np.asarray(g.exterior.coords).tolist()
            mask = {"mask_type": "polygon_mask", "view_box": f"0 0 {size} {size}", "fill": "#ff0000",
                    "features": [{"geometry": {"type": "Polygon", "coordinates": [ring]}}]}
            alpha = np.asarray(render(mask, size=(size, size), style=Style(opacity=1.0)))[:, :, 3].astype(float)
            ref = _exact_areas(g, size)
            edge = ((ref > 1e-9) & (ref < 1 - 1e-9)) | ((alpha > 0) & (alpha < 255))
            diff = np.abs(alpha - ref * 255)
            # edges on whole pixels leave no partial pixel: then the error is the worst pixel's
            err = float(diff[edge].mean()) if edge.any() else float(diff.max())
            if err > worst:
                worst, at = err, p
        worst_all = max(worst_all, worst)
        rows.append([kind, f"{worst:.2f}/255", f"phase {at:.4f} px"])
    report.raw["exactness"] = {r[0]: r[1] for r in rows}
    report.table("Exactness (polygon edges vs exact areas, 16 sub-pixel phases, opacity 1)",
                 ["edges", "worst-phase mean edge error", "worst phase"], rows)
    report.target("exactness kept", "worst-phase mean edge error <= 8/255", f"{worst_all:.2f}/255", worst_all <= 8)


def reports(report: Any, photo: Path, rep: int, out_dir: Path) -> None:
    """The 7-algorithm report at 1240 px: image, PNG, PDF and HTML."""
    from maskrender.report import build_report, report_file

    results = FIXTURES / "results_list.json"
    n_alg = len(json.loads(results.read_bytes()))
    rows = []
    t = measure(lambda: build_report(results, photo, width=1240).image(), rep)
    rows.append(["build_report().image() (PIL image)", _ms(t.median), f"{t.value.size[0]}x{t.value.size[1]}"])
    times = {}
    for ext in ("png", "pdf", "html"):
        out = out_dir / f"report.{ext}"
        t = measure(lambda out=out: report_file(results, out, photo, width=1240), rep)
        times[ext] = t.median
        rows.append([f"report_file .{ext}", _ms(t.median), f"{out.stat().st_size / 1e6:.2f} MB"])
    report.raw["report"] = times
    report.table(f"Report ({n_alg} algorithms, 1240 px, photo {photo.name})", ["what", "median", "note"], rows)
    report.target("report PNG 1240 px", "<= 0.5 s (report_file)", _ms(times["png"]), times["png"] <= 0.5)
    report.target("report PDF / HTML", "reported", f"{_ms(times['pdf'])} / {_ms(times['html'])}", None)


def _draw_seconds(raw: bytes) -> float:
    """Load and draw ``raw`` in this process (the full-height zigzag, bound by its output)."""
    import maskrender as mr
    from maskrender.errors import GeometryWarning
    from maskrender.overlay import render

    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GeometryWarning)
        model = mr.load(raw)
    render(model, size=(data.ADVERSARIAL_SIZE, data.ADVERSARIAL_SIZE))
    return time.perf_counter() - start


def _fresh_draw(raw: bytes, compiled: bool) -> dict[str, float]:
    """Load and draw ``raw`` in a fresh interpreter (as a batch worker meets a bad file): the
    seconds of load + draw and the peak RSS growth."""
    warm = ""  # the compiled core, when built, draws the first call: nothing to load or warm
    with tempfile.TemporaryDirectory(prefix="maskrender-adv-") as tmp:
        path = Path(tmp) / "mask.json"
        path.write_bytes(raw)
        return peak_rss_growth(
            "import warnings\nimport maskrender as mr\nfrom maskrender.overlay import render\n" + warm,
            f"warnings.simplefilter('ignore')\nrender(mr.load({str(path)!r}), "
            f"size=({data.ADVERSARIAL_SIZE}, {data.ADVERSARIAL_SIZE}))")


def _fit(xs: list[float], ys: list[float]) -> float:
    return float(np.polyfit(np.log(xs), np.log(ys), 1)[0])


def adversarial(report: Any, quick: bool, compiled: bool) -> None:
    """Adversarial shapes: time (load + draw, transparent 2416 px layer, each in a fresh
    interpreter) at three sizes and memory."""
    rows = []
    shapes: dict[str, tuple[Any, int]] = dict(data.ADVERSARIAL)
    for name, (make, n) in shapes.items():
        sizes = [n // 16, n // 4, n] if not quick else [n // 10, n // 3, n]
        runs = {k: [_fresh_draw(make(k), compiled) for _ in range(1 if quick else 3)] for k in sizes}
        secs = [min(r["seconds"] for r in runs[k]) for k in sizes]
        mem = {"growth_mb": max(r["growth_mb"] for r in runs[n])}
        slope = _fit(sizes, secs)
        rows += [[name, f"{k:,}", _ms(t), ""] for k, t in zip(sizes, secs, strict=True)]
        rows.append([name, "fitted exponent", f"{slope:.2f}", f"peak RSS growth {mem['growth_mb']:.0f} MB"])
        report.raw.setdefault("adversarial", {})[name] = {"n": sizes, "s": secs, "mb": mem["growth_mb"]}
        ok = secs[-1] < 1.0 and mem["growth_mb"] < 200 and slope <= 1.15
        report.target(f"adversarial: {name} ({n:,})", "< 1 s, < 200 MB, exponent ~1",
                      f"{_ms(secs[-1])}, {mem['growth_mb']:.0f} MB, exponent {slope:.2f}", ok)
    # not a target: every segment crosses the canvas, so the outline alone is vertices x height
    full = [500, 1000, 2000] if quick else [1000, 2000, 4000]
    secs = [_draw_seconds(data.zigzag_polyline(k, amplitude=2200.0)) for k in full]
    slope = _fit(full, secs)
    rows += [["full-height zigzag", f"{k:,}", _ms(t), "every segment 2,200 px tall"] for k, t in
             zip(full, secs, strict=True)]
    rows.append(["full-height zigzag", "fitted exponent", f"{slope:.2f}", "cost = sum of segment heights"])
    report.target("full-height zigzag", "reported (output-bound)", f"{full[-1]:,} vertices {_ms(secs[-1])}, "
                  f"exponent {slope:.2f}", None)
    report.table("Adversarial shapes (load + draw of one mask on a 2416x2416 layer, fresh process)",
                 ["shape", "vertices / points", "time", "note"], rows)


_FIRST_SETUP = """
import maskrender as mr
from pathlib import Path
from PIL import Image
import numpy as np
photo = Image.open({photo!r}).convert("RGB")
model = mr.load(Path({res!r}).read_bytes())
"""


def first_draws(res_path: str, photo_path: str, repeat: int) -> dict[str, float]:
    """Draw+blend of W1 as a fresh process's first call (imports, photo and masks loaded first;
    what a CLI call or a new batch worker pays), for maskrender and the OpenCV recipe: medians of the
    wall time, and the CPU time of the median run (``NAME CPU``)."""
    setup = _FIRST_SETUP.format(photo=photo_path, res=res_path)
    bodies = {
        "maskrender": ("from maskrender.overlay import render", "render(model, photo)"),
        "OpenCV recipe": ("from benchmarks.peers import opencv_recipe\nfrom benchmarks.peers.scene import load_scene\n"
                          f"scene = load_scene(Path({res_path!r}), photo.size)\narr = np.asarray(photo)",
                          "opencv_recipe.draw(scene, arr)"),
    }
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in bodies}
    for _ in range(repeat):  # the two in turn, run after run: one load for both
        for name, (imports, body) in bodies.items():
            m = peak_rss_growth(setup + imports, body)
            runs[name].append((m["seconds"], m["cpu"]))
    out = {}
    for name, r in runs.items():
        r.sort()
        out[name], out[f"{name} CPU"] = r[len(r) // 2]
    return out


_FLOOR = """
import json, sys
import numpy, shapely
from PIL import Image
from maskrender.encode import encode
photo = Image.open("fixtures/restored.jpg").convert("RGB")
data = json.loads(open("fixtures/results_list.json", "rb").read())
open(sys.argv[1], "wb").write(encode(photo, "PNG"))
"""


def sample_and_floor(out_dir: Path, repeat: int) -> tuple[Any, Any]:
    """The README's sample command, and the floor under it: Python start, the imports, photo
    decode, JSON parse and PNG encode of the same files (no drawing)."""
    out = out_dir / "sample.png"
    both = interleaved({"sample": [sys.executable, "-m", "maskrender", "render", "fixtures/results_list.json",
                                   "--image", "fixtures/restored.jpg", "-o", str(out), "-q"],
                        "floor": [sys.executable, "-c", _FLOOR, str(out_dir / "floor.png")]}, repeat)
    return both["sample"], both["floor"]


def hostile(report: Any) -> None:
    """Numbers within the documented ranges that once cost what they said, not what the canvas
    holds (issue 20): the real command in a fresh process, time and peak RSS growth."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="maskrender-hostile-") as tmp:
        for name, (what, options) in data.HOSTILE_NUMBERS.items():
            source = data.hostile_input(what, Path(tmp))
            args = ["render", str(source), *options, "-o", str(Path(tmp) / "out.png"), "-q"]
            m = peak_rss_growth("import resource\nresource.setrlimit(resource.RLIMIT_AS, (6 << 30, 6 << 30))\n"
                                "from maskrender.cli import main", f"assert main({args!r}) == 0")
            total = m["seconds"]  # the command's body: load, draw, encode
            rows.append([name, _ms(total), f"{m['peak_mb']:.0f} MB", f"{m['growth_mb']:.0f} MB"])
            report.raw.setdefault("hostile", {})[name] = m
            report.target(f"hostile numbers: {name}", "< 2 s and < 300 MB",
                          f"{_ms(total)}, peak RSS {m['peak_mb']:.0f} MB", total < 2.0 and m["peak_mb"] < 300)
    report.table("Hostile numbers (maskrender render on a 2416x2416 canvas, fresh process; the time is the "
                 "command's body after imports)", ["input", "time", "peak RSS", "growth"], rows)


BATCH_BEFORE = 6.0
"""Images/s of one batch worker before the C core: numba-era main (README at ce4d824: ``python
benchmarks/bench_batch.py``, 200 overlays, 2-core machine with nothing else running; numba drew only
masks of 1,000,000+ pieces, so the batch drew with numpy)."""


def _numpy_core_batch(manifest: Path, out: Path) -> dict[str, Any]:
    """One worker drawing with the numpy reference (``MASKRENDER_CORE=numpy`` in the environment the
    spawned worker starts with): the old core, measured in this run, on this machine's load."""
    import os

    from benchmarks.bench_batch import run as batch_run
    from maskrender.draw.core import OFF

    before = os.environ.get(OFF)
    os.environ[OFF] = "numpy"
    try:
        return batch_run(1, manifest, out)
    finally:
        if before is None:
            os.environ.pop(OFF, None)
        else:
            os.environ[OFF] = before


def batch(report: Any, quick: bool) -> None:
    """``benchmarks.bench_batch`` on 1 and 2 workers (same 5 fixture records in turn), and on 1 worker
    drawing with the numpy reference (the core before the C one)."""
    from benchmarks.bench_batch import RECORDS
    from benchmarks.bench_batch import run as batch_run

    count = 40 if quick else 200
    rows = []
    with tempfile.TemporaryDirectory(prefix="maskrender-batch-") as tmp:
        folder = Path(tmp)
        manifest = folder / "jobs.csv"
        manifest.write_text("result,image,output\n" + "".join(
            f"{FIXTURES}/{RECORDS[i % len(RECORDS)]}.json,{FIXTURES}/restored.jpg,job{i:03d}.png\n"
            for i in range(count)), encoding="utf-8")
        results: dict[Any, Any] = {w: batch_run(w, manifest, folder / f"out{w}") for w in (1, 2)}
        results["1, numpy core"] = _numpy_core_batch(manifest, folder / "out_numpy")
    for w, r in results.items():
        peaks = ", ".join(f"{p / 2**20:.0f}" for p in r["peaks"])
        rows.append([str(w), f"{float(r['rate']):.2f}", f"{float(r['rate']) / float(results[1]['rate']):.2f}x",
                     f"{float(r['cpu']) * 1e3:.0f} ms", f"{peaks} MiB", f"{float(r['load']):.2f}"])
    speedup = float(results[2]["rate"]) / float(results[1]["rate"])
    same = results[1]["digest"] == results[2]["digest"] == results["1, numpy core"]["digest"]
    report.raw["batch"] = {str(w): {"rate": r["rate"], "cpu": r["cpu"], "peaks": r["peaks"], "load": r["load"]}
                           for w, r in results.items()}
    report.table(f"Batch ({count} PNG overlays, 2416 px)", ["workers", "images/s", "vs 1 worker", "CPU per image",
                                                             "peak RSS per worker", "load before"], rows)
    report.target("batch throughput", ">= 1.8x on 2 workers, identical outputs",
                  f"{speedup:.2f}x, outputs {'identical' if same else 'DIFFERENT'}", speedup >= 1.8 and same)
    one = float(results[1]["rate"])
    old = float(results["1, numpy core"]["rate"])
    report.target("batch per worker", f">= 2x the {BATCH_BEFORE:.1f} images/s before the C core",
                  f"{one:.2f} images/s ({one / BATCH_BEFORE:.2f}x; {one / old:.2f}x the numpy core's {old:.2f} "
                  "in this run)", one >= 2 * BATCH_BEFORE)
