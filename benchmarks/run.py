"""Run every benchmark in one process tree and print one table of medians and ratios.

``python -m benchmarks`` (full) or ``python -m benchmarks --quick``. Every peer is measured
in the same run on the same data; each figure is the median of several runs (the machine
this runs on may be noisy). ``--json FILE`` also writes the raw numbers.

What is measured (W1 = the full selfie on a 2416x2416 photo; see ``benchmarks/data.py``):

* load: ``maskrender.load(bytes)`` against ``json.loads`` of the same bytes;
* draw+blend: the overlay in memory, photo decoded and masks loaded beforehand
  (``maskrender.render(model, photo)`` with the C core and the numpy reference; each peer's
  ``draw``), warm and as a fresh process's first call;
  and the exactness the speed is bought with (worst-phase edge error against shapely);
* encode: PNG (maskrender's encoder and Pillow's), JPEG, WebP of the W1 overlay;
* end-to-end: a fresh process from start to file on disk (``python -m maskrender render``;
  ``python -m benchmarks.peers.NAME``); the bundled sample against its floor (Python start,
  imports, decode, JSON and encode of the same files);
* SVG: build time and bytes against a minimal encoding of the same drawing;
* report: a 7-algorithm report at 1240 px as PNG, PDF and HTML;
* memory: peak RSS growth of rendering W2 (4000x3000) to PNG in a fresh process;
* scaling (W3): draw+blend against points, polygons and photo size, with fitted exponents;
* adversarial shapes (100,000 coincident points, a 20,000-vertex zigzag polyline, a
  10,000-vertex bow-tie polygon, 12,000 identical and 20,000 random squares): time, peak memory
  and exponents; hostile numbers (a 1e6 px point radius or line width, a 1e5 px outline);
* batch throughput on 1 and 2 worker processes, peak RSS per worker;
* start-up: ``import maskrender`` and ``maskrender --version``.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import data
from benchmarks.timing import ROOT, Timing, env, interleaved, measure, peak_rss_growth, run_process

Row = dict[str, Any]


# ---------------------------------------------------------------------------------------------
# output
# ---------------------------------------------------------------------------------------------


class Report:
    """Collects rows per section and target verdicts; prints Markdown tables."""

    def __init__(self) -> None:
        self.sections: list[tuple[str, list[str], list[list[str]]]] = []
        self.targets: list[tuple[str, str, str, bool | None]] = []
        self.raw: dict[str, Any] = {}

    def table(self, title: str, header: list[str], rows: list[list[str]]) -> None:
        self.sections.append((title, header, rows))
        print(_md(title, header, rows), flush=True)

    def target(self, name: str, wanted: str, measured: str, ok: bool | None) -> None:
        self.targets.append((name, wanted, measured, ok))

    def summary(self) -> None:
        rows = [[n, w, m, "n/a" if ok is None else ("MET" if ok else "NOT MET")] for n, w, m, ok in self.targets]
        print(_md("Targets", ["target", "wanted", "measured", "verdict"], rows), flush=True)


def _md(title: str, header: list[str], rows: list[list[str]]) -> str:
    lines = [f"\n### {title}\n", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def ms(t: float) -> str:
    return f"{t * 1e3:,.1f} ms" if t < 10 else f"{t:,.2f} s"


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b > 0 else "-"


def mb(n: float) -> str:
    return f"{n / 1e6:.2f} MB"


# ---------------------------------------------------------------------------------------------
# pieces
# ---------------------------------------------------------------------------------------------


def machine() -> list[list[str]]:
    import PIL

    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 2**20:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    import shapely

    from maskrender import encode

    return [
        ["cpu", f"{cpu}, {os.cpu_count()} cores, {mem}"],
        ["load average (1, 5, 15 min) at start", ", ".join(f"{v:.2f}" for v in os.getloadavg())],
        ["python", f"{platform.python_version()} ({platform.platform()})"],
        ["numpy / shapely / Pillow", f"{np.__version__} / {shapely.__version__} / {PIL.__version__}"],
        ["PNG encoder", encode.png_encoder_name()],
    ]


def _photo(path: Path) -> Any:
    from PIL import Image

    with Image.open(path) as im:
        return im.convert("RGB")


def _mr_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "maskrender", *args]


def _peer_cmd(name: str, *args: str) -> list[str]:
    return [sys.executable, "-m", f"benchmarks.peers.{name}", *args]


def render_numpy(model: Any, photo: Any) -> Any:
    """``maskrender.render(model, photo)`` drawn with the numpy back-end (``accelerate=False``)."""
    from maskrender.draw.layers import blend, mask_layers
    from maskrender.overlay import prepare

    base, canvas, drawings = prepare(model, photo)
    layers = [la for d in drawings for la in mask_layers(d.mask, d.transform, d.style, canvas, accelerate=False)]
    return blend(base, layers)


def load_compiled() -> bool:
    """Whether the compiled C core was built (it then draws every call: nothing to load or warm)."""
    from maskrender.draw.raster import accelerated

    return accelerated()


def fit_exponent(xs: list[float], ys: list[float]) -> tuple[float, float]:
    """Least-squares slope of log(y) on log(x), and the slope between the two largest x."""
    lx, ly = np.log(np.asarray(xs, float)), np.log(np.asarray(ys, float))
    slope = float(np.polyfit(lx, ly, 1)[0]) if len(xs) > 1 else float("nan")
    last = float((ly[-1] - ly[-2]) / (lx[-1] - lx[-2])) if len(xs) > 1 else float("nan")
    return slope, last


# ---------------------------------------------------------------------------------------------
# the benchmark
# ---------------------------------------------------------------------------------------------


def run(quick: bool, out_dir: Path, report: Report) -> None:
    import maskrender as mr
    from benchmarks import more
    from benchmarks.minimal_svg import minify
    from benchmarks.peers import mpl_figure, opencv_recipe, pillow_plain, resvg_svg
    from benchmarks.peers.scene import load_scene
    from maskrender.encode import encode
    from maskrender.overlay import render, render_svg

    rep = 3 if quick else 7
    proc_rep = 3 if quick else 5
    slow_rep = 1 if quick else 3

    report.table("Machine", ["", ""], machine())

    w1 = data.w1()
    raw = w1.result.read_bytes()
    photo = _photo(w1.photo)
    arr = np.asarray(photo)
    raw_rgb = photo.size[0] * photo.size[1] * 3

    # ---- load
    t_json = measure(lambda: json.loads(raw), rep)
    t_load = measure(lambda: mr.load(raw), rep)
    report.raw["load"] = {"json": t_json.median, "maskrender": t_load.median}
    report.table("W1 load (JSON bytes to model)", ["what", "median", "vs json.loads"], [
        ["json.loads", ms(t_json.median), "1.00x"],
        ["maskrender.load", ms(t_load.median), ratio(t_load.median, t_json.median)],
    ])
    report.target("load W1", "<= 3x json.loads", ratio(t_load.median, t_json.median),
                  t_load.median <= 3 * t_json.median)

    # ---- draw + blend
    model = t_load.value
    scene = load_scene(w1.result, photo.size)
    svg_photo = render_svg(model, w1.photo, embed_image=True)
    draws: dict[str, Timing] = {}
    draws["maskrender, numpy reference (exact AA)"] = measure(lambda: render_numpy(model, photo), rep)
    compiled = load_compiled()
    if compiled:
        draws["maskrender, C core (exact AA)"] = measure(lambda: render(model, photo), rep)
    draws["OpenCV recipe (no AA)"] = measure(lambda: opencv_recipe.draw(scene, arr), rep)
    draws["plain Pillow ImageDraw (no AA)"] = measure(lambda: pillow_plain.draw(scene, photo), max(slow_rep, 3))
    draws["resvg of our SVG (AA, incl. its PNG encode)"] = measure(lambda: resvg_svg.render_png(svg_photo),
                                                                   slow_rep, warmup=0)
    draws["matplotlib figure (AA)"] = measure(lambda: mpl_figure.draw(scene, arr), slow_rep, warmup=0)
    best = "maskrender, C core (exact AA)" if compiled else "maskrender, numpy reference (exact AA)"
    ours = draws[best].median
    numpy_t = draws["maskrender, numpy reference (exact AA)"].median
    first = more.first_draws(res_path=str(w1.result), photo_path=str(w1.photo), repeat=proc_rep)
    report.raw["first_draw"] = first
    report.raw["draw"] = {k: v.median for k, v in draws.items()}
    report.table("W1 draw+blend (2416x2416, 6,000 features, no encoding)",
                 ["implementation", "median", "runs", "peer / maskrender"],
                 [[k, ms(v.median), str(len(v.runs)), ratio(v.median, ours)] for k, v in draws.items()])
    cv = draws["OpenCV recipe (no AA)"].median
    mpl = draws["matplotlib figure (AA)"].median
    report.table("W1 draw+blend in a fresh process, first call included (photo and masks loaded first)",
                 ["implementation", "median", "vs OpenCV", "CPU time (all threads)"],
                 [[k, ms(first[k]), ratio(first[k], first["OpenCV recipe"]), ms(first[f"{k} CPU"])]
                  for k in ("maskrender", "OpenCV recipe")])
    fresh = first["maskrender"] / first["OpenCV recipe"]
    report.target("draw+blend W1 vs OpenCV, fresh process, first call", "<= 1.5x OpenCV recipe, exact",
                  f"{fresh:.2f}x ({'C core' if compiled else 'numpy'}; CPU time "
                  f"{first['maskrender CPU'] / first['OpenCV recipe CPU']:.2f}x); warm {ours / cv:.2f}x; "
                  f"numpy reference {numpy_t / cv:.2f}x", fresh <= 1.5)
    report.target("draw+blend W1 vs matplotlib", ">= 30x faster", f"{mpl / ours:.0f}x faster", mpl >= 30 * ours)
    if compiled:
        same = draws[best].value.tobytes() == draws["maskrender, numpy reference (exact AA)"].value.tobytes()
        report.target("C core and numpy agree", "byte-identical W1 picture", "identical" if same else "DIFFERENT",
                      same)
    more.exactness(report)

    # ---- encode
    image = draws[best].value

    def pillow_png(**kw: Any) -> bytes:
        buf = io.BytesIO()
        image.save(buf, "PNG", **kw)
        return buf.getvalue()

    encs: list[tuple[str, Callable[[], bytes], int]] = [
        ("maskrender PNG (default)", lambda: encode(image, "PNG"), rep),
        ("maskrender PNG, no accelerator", lambda: encode(image, "PNG", accelerate=False), rep),
        ("Pillow PNG compress_level=1", lambda: pillow_png(compress_level=1), rep),
        ("Pillow PNG save() defaults", lambda: pillow_png(), slow_rep),
        ("maskrender JPEG q90", lambda: encode(image, "JPEG"), rep),
        ("maskrender WebP q90", lambda: encode(image, "WEBP"), slow_rep),
    ]
    enc_t = {name: measure(fn, n) for name, fn, n in encs}
    base = enc_t["Pillow PNG save() defaults"]
    report.raw["encode"] = {k: {"s": v.median, "bytes": len(v.value)} for k, v in enc_t.items()}
    report.table("W1 encode (2416x2416 RGB)", ["encoder", "median", "bytes", "time vs Pillow defaults",
                                               "size vs Pillow defaults"],
                 [[k, ms(v.median), mb(len(v.value)), ratio(v.median, base.median),
                   ratio(len(v.value), len(base.value))] for k, v in enc_t.items()])

    # ---- end to end
    res, ph = str(w1.result), str(w1.photo)
    e2e: dict[str, tuple[Timing, int]] = {}
    # ours and the OpenCV recipe in turn, run after run: the ratio of the target sees one load
    png, cv_png = out_dir / "w1_maskrender.png", out_dir / "w1_opencv_recipe.png"
    pair = interleaved({"ours": _mr_cmd("render", res, "--image", ph, "-o", str(png), "-q"),
                        "cv": _peer_cmd("opencv_recipe", res, ph, str(cv_png))}, proc_rep)
    e2e["maskrender CLI .png"] = (pair["ours"], png.stat().st_size)
    for ext in ("jpg", "webp"):
        out = out_dir / f"w1_maskrender.{ext}"
        t = run_process(_mr_cmd("render", res, "--image", ph, "-o", str(out), "-q"), proc_rep)
        e2e[f"maskrender CLI .{ext}"] = (t, out.stat().st_size)
    e2e["OpenCV recipe, cv2.imwrite PNG"] = (pair["cv"], cv_png.stat().st_size)
    for name, label, n in (("pillow_plain", "plain Pillow, save() defaults PNG", slow_rep),
                           ("resvg_svg", "our SVG via resvg PNG", slow_rep),
                           ("mpl_figure", "matplotlib figure, Pillow PNG", 1)):
        out = out_dir / f"w1_{name}.png"
        t = run_process(_peer_cmd(name, res, ph, str(out)), n, warmup=0 if n == 1 else 1)
        e2e[label] = (t, out.stat().st_size)
    ours_png, ours_size = e2e["maskrender CLI .png"]
    pil_t, pil_size = e2e["plain Pillow, save() defaults PNG"]
    cv_t = e2e["OpenCV recipe, cv2.imwrite PNG"][0]
    report.raw["end_to_end"] = {k: {"s": t.median, "bytes": b} for k, (t, b) in e2e.items()}
    report.table("W1 end-to-end (process start to file on disk)",
                 ["command", "median", "CPU time", "bytes", "time / maskrender PNG", "size / maskrender PNG"],
                 [[k, ms(t.median), ms(t.cpu), mb(b), ratio(t.median, ours_png.median), ratio(b, ours_size)]
                  for k, (t, b) in e2e.items()])
    report.target("end-to-end PNG W1 speed", ">= 3x faster than plain Pillow",
                  f"{pil_t.median / ours_png.median:.1f}x faster", pil_t.median >= 3 * ours_png.median)
    report.target("end-to-end PNG W1 vs OpenCV", "<= 0.8x the OpenCV recipe's end-to-end",
                  f"{ours_png.median / cv_t.median:.2f}x its time (CPU time {ours_png.cpu / cv_t.cpu:.2f}x)",
                  ours_png.median <= 0.8 * cv_t.median)
    sample, floor = more.sample_and_floor(out_dir, proc_rep)
    report.raw["sample"] = {"cli": sample.median, "floor": floor.median, "cli_cpu": sample.cpu,
                            "floor_cpu": floor.cpu}
    report.table("The bundled sample (fixtures/results_list.json on fixtures/restored.jpg, to a PNG; the two "
                 "commands in turn)", ["command", "median", "vs floor", "CPU time", "vs floor"],
                 [["maskrender render (CLI)", ms(sample.median), ratio(sample.median, floor.median), ms(sample.cpu),
                   ratio(sample.cpu, floor.cpu)],
                  ["floor: Python start, imports, decode, JSON, PNG encode of the same files", ms(floor.median),
                   "1.00x", ms(floor.cpu), "1.00x"]])
    report.target("bundled sample CLI render", "<= 1.3x the floor",
                  f"{ratio(sample.median, floor.median)} (CPU time {ratio(sample.cpu, floor.cpu)})",
                  sample.median <= 1.3 * floor.median)
    report.target("end-to-end PNG W1 size", "<= 1.25x plain Pillow's file", ratio(ours_size, pil_size),
                  ours_size <= 1.25 * pil_size)
    for ext in ("jpg", "webp"):
        t, b = e2e[f"maskrender CLI .{ext}"]
        report.target(f"end-to-end {ext.upper()} W1", "reported", f"{ms(t.median)}, {mb(b)}", None)

    # ---- SVG
    t_svg = measure(lambda: render_svg(model), rep)
    svg = t_svg.value
    n_svg = len(svg.encode())
    n_min = len(minify(svg).encode())
    n_rel = len(minify(svg, relative=True).encode())
    report.raw["svg"] = {"build_s": t_svg.median, "bytes": n_svg, "minimal": n_min, "minimal_relative": n_rel}
    report.table("W1 SVG (no photo)", ["what", "value", "vs ours"], [
        ["build (render_svg of the loaded model)", ms(t_svg.median), ""],
        ["bytes, maskrender", f"{n_svg:,}", "1.00x"],
        ["bytes, minimal encoding (same numbers)", f"{n_min:,}", ratio(n_min, n_svg)],
        ["bytes, minimal with relative coordinates", f"{n_rel:,}", ratio(n_rel, n_svg)],
    ])
    report.target("SVG W1 build", "<= 50 ms", ms(t_svg.median), t_svg.median <= 0.05)
    report.target("SVG W1 bytes", "<= 1.1x minimal (same rounding)", ratio(n_svg, n_min), n_svg <= 1.1 * n_min)
    more.reports(report, w1.photo, rep, out_dir)

    # ---- W2: time and memory
    w2 = data.w2()
    photo2 = _photo(w2.photo)
    model2 = mr.load(w2.result.read_bytes())
    scene2 = load_scene(w2.result, photo2.size)
    arr2 = np.asarray(photo2)
    t2 = measure(lambda: render(model2, photo2), rep)
    t2cv = measure(lambda: opencv_recipe.draw(scene2, arr2), rep)
    rgb2 = w2.size[0] * w2.size[1] * 3
    out2 = out_dir / "w2.png"
    mem = peak_rss_growth(
        "import maskrender as mr\nfrom maskrender.overlay import render_file\n",
        f"render_file({str(w2.result)!r}, {str(out2)!r}, {str(w2.photo)!r})")
    mem1 = peak_rss_growth(
        "import maskrender as mr\nfrom maskrender.overlay import render_file\n",
        f"render_file({res!r}, {str(out_dir / 'w1_mem.png')!r}, {ph!r})")
    t2e = run_process(_mr_cmd("render", str(w2.result), "--image", str(w2.photo), "-o", str(out2), "-q"), proc_rep)
    report.raw["w2"] = {"draw": t2.median, "opencv": t2cv.median, "e2e": t2e.median, "mem": mem, "mem_w1": mem1}
    report.table("W2 (W1's masks on a 4000x3000 photo)", ["what", "value", "note"], [
        ["draw+blend, maskrender", ms(t2.median), f"{ratio(t2.median, t2cv.median)} the OpenCV recipe"],
        ["draw+blend, OpenCV recipe", ms(t2cv.median), ""],
        ["end-to-end PNG, maskrender CLI", ms(t2e.median), f"{mb(out2.stat().st_size)}"],
        ["peak RSS growth, render_file W2 PNG", f"{mem['growth_mb']:.0f} MB",
         f"{mem['growth_mb'] * 2**20 / rgb2:.2f}x the raw RGB photo ({rgb2 / 2**20:.0f} MiB)"],
        ["peak RSS growth, render_file W1 PNG", f"{mem1['growth_mb']:.0f} MB",
         f"{mem1['growth_mb'] * 2**20 / raw_rgb:.2f}x the raw RGB photo ({raw_rgb / 2**20:.0f} MiB)"],
    ])
    report.target("memory W2", "peak RSS growth <= 4x raw RGB", f"{mem['growth_mb'] * 2**20 / rgb2:.2f}x",
                  mem["growth_mb"] * 2**20 <= 4 * rgb2)

    # ---- W3: scaling
    sets: list[tuple[str, list[data.Workload]]] = [
        ("points", [data.points(n) for n in ((1000, 10000) if quick else (1000, 10000, 100000))]),
        ("polygons", [data.polygons(n) for n in ((100, 1000) if quick else (100, 1000, 10000))]),
        ("photo pixels", [data.photo_size(s) for s in ((512, 1024, 2416) if quick else (512, 1024, 2048, 4000))]),
    ]
    rows = []
    for label, loads in sets:
        xs, ys, loads_t = [], [], []
        for wl in loads:
            m = mr.load(wl.result.read_bytes())
            p = _photo(wl.photo)
            t = measure(lambda m=m, p=p: render(m, p), rep)
            tl = measure(lambda wl=wl: mr.load(wl.result.read_bytes()), rep)
            xs.append(wl.features)
            ys.append(t.median)
            loads_t.append(tl.median)
            rows.append([label, wl.name, ms(t.median), ms(tl.median), ""])
        slope, last = fit_exponent(xs, ys)
        lslope, llast = fit_exponent(xs, loads_t)
        rows.append([label, "fitted exponent", f"{slope:.2f} (last step {last:.2f})",
                     f"{lslope:.2f} (last step {llast:.2f})", "1.0 = linear"])
        report.raw.setdefault("w3", {})[label] = {"x": xs, "draw": ys, "load": loads_t}
        ok = max(slope, last) <= 1.15
        report.target(f"scaling W3 {label}", "exponent ~1 (no quadratic step)",
                      f"{slope:.2f} (last step {last:.2f})", ok)
    report.table("W3 scaling (draw+blend and load, medians)",
                 ["set", "size", "draw+blend", "load", "note"], rows)
    more.adversarial(report, quick, compiled)
    more.hostile(report)
    more.batch(report, quick)

    # ---- start-up
    console = Path(sys.executable).parent / "maskrender"
    version_cmd = [str(console), "--version"] if console.exists() else _mr_cmd("--version")
    t_bare = run_process([sys.executable, "-c", "pass"], proc_rep)
    t_imp = run_process([sys.executable, "-c", "import maskrender"], proc_rep)
    t_ver = run_process(version_cmd, proc_rep)
    heavy = subprocess.run(
        [sys.executable, "-c", "import sys, maskrender; print(','.join(m for m in "
         "('numpy', 'shapely', 'PIL', 'svgwrite') if m in sys.modules) or 'none')"],
        capture_output=True, text=True, cwd=ROOT, env=env(), check=True).stdout.strip()
    report.raw["startup"] = {"python": t_bare.median, "import": t_imp.median, "version": t_ver.median,
                             "heavy": heavy}
    report.table("Start-up", ["command", "median", "note"], [
        ["python -c pass", ms(t_bare.median), "interpreter alone"],
        ["python -c 'import maskrender'", ms(t_imp.median), f"heavy modules imported: {heavy}"],
        [" ".join(Path(a).name if i == 0 else a for i, a in enumerate(version_cmd)), ms(t_ver.median), ""],
    ])
    report.target("start-up", "heavy imports deferred", f"import maskrender loads: {heavy}", heavy == "none")


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m benchmarks``."""
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer repeats and smaller W3 sets (about 1-2 min)")
    ap.add_argument("--json", metavar="FILE", help="also write the raw numbers as JSON")
    ap.add_argument("--keep", metavar="DIR", help="keep the output files in DIR")
    args = ap.parse_args(argv)
    report = Report()
    out_dir = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="maskrender-bench-"))
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        run(args.quick, out_dir, report)
    finally:
        if not args.keep:
            shutil.rmtree(out_dir, ignore_errors=True)
    print(f"\nload average (1, 5, 15 min) at the end: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")
    report.summary()
    if args.json:
        Path(args.json).write_text(json.dumps(report.raw, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
