"""Batch throughput: the same 200 fixture jobs on 1, 2 and every core's worth of workers.

Run from the repository root::

    python benchmarks/bench_batch.py                  # 200 PNG overlays on the 2416x2416 photo
    python benchmarks/bench_batch.py --count 60 --format jpg --workers 1,2,4

Each job draws one fixture record (acne, pores, lines, redness, the 7-record list, in turn)
on ``fixtures/restored.jpg``. For each worker count it prints images per second, the
speed-up over 1 worker, the peak resident memory (RSS high-water mark) of each worker, the
CPU seconds the workers spent per image, and the load average before the run: other
processes on the machine take cores from the batch, and the speed-up can only be read
against that. Every run's outputs are compared byte for byte with the 1-worker run's.
Wall-clock figures are printed, never asserted.

On a shared Linux machine with autogroup scheduling (``/proc/sys/kernel/sched_autogroup_enabled``),
CPU time is shared per session, so a batch next to other sessions' busy processes gets about
one core whatever its worker count. To measure the batch itself there, run it in its own
session with a higher group priority (root)::

    setsid bash -c 'echo -19 > /proc/$$/autogroup && exec python benchmarks/bench_batch.py'
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from maskrender.batch import process_pool, read_jobs, render_batch  # noqa: E402
from maskrender.batch._run import default_workers  # noqa: E402

RECORDS = ("acne", "pores", "lines", "redness", "results_list")


def _proc_status(pid: int, field: str) -> int:
    """A ``/proc/PID/status`` figure in bytes (Linux), or 0."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of ``pid`` (Linux), or 0."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def _digest(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.iterdir()):
        h.update(p.name.encode() + b"\0" + p.read_bytes())
    return h.hexdigest()[:16]


def run(workers: int, manifest: Path, out: Path) -> dict[str, float | str | list[int]]:
    """One timed batch on a fresh pool of ``workers`` processes."""
    out.mkdir(parents=True)
    jobs = read_jobs(manifest, out)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    pool = process_pool(workers)
    try:
        start = time.perf_counter()
        failed = sum(not o.ok for o in render_batch(jobs, pool))
        elapsed = time.perf_counter() - start
        pids = list(pool._processes)                 # the workers, still alive: read their peaks
        peaks = [_proc_status(pid, "VmHWM") for pid in pids]
        cpu = sum(_cpu_seconds(pid) for pid in pids)
    finally:
        pool.shutdown()
    if failed:
        raise SystemExit(f"{failed} jobs failed")
    return {"elapsed": elapsed, "rate": len(jobs) / elapsed, "peaks": peaks, "cpu": cpu / len(jobs),
            "load": load, "digest": _digest(out)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=200, help="number of jobs (default 200)")
    parser.add_argument("--format", default="png", help="output format (default png)")
    parser.add_argument("--workers", help="comma-separated worker counts (default: 1, 2 and the core count)")
    args = parser.parse_args(argv)
    cores = default_workers()
    counts = sorted({int(w) for w in args.workers.split(",")} if args.workers else {1, 2, cores})
    with tempfile.TemporaryDirectory(prefix="bench_batch.") as tmp:
        folder = Path(tmp)
        manifest = folder / "jobs.csv"
        manifest.write_text("result,image,output\n" + "".join(
            f"{ROOT}/fixtures/{RECORDS[i % len(RECORDS)]}.json,{ROOT}/fixtures/restored.jpg,job{i:03d}.{args.format}\n"
            for i in range(args.count)), encoding="utf-8")
        print(f"maskrender batch benchmark: {args.count} jobs, {args.format.upper()} overlays on the 2416x2416 "
              f"restored photo; {cores} cores; Python {platform.python_version()}; workers start with "
              f"{process_pool(1)._mp_context.get_start_method()}")
        print(f"{'workers':>7}  {'seconds':>7}  {'images/s':>8}  {'speed-up':>8}  {'CPU s/image':>11}  "
              f"{'peak RSS per worker (MiB)':<26}  {'load before':>11}  outputs")
        base: dict[str, float | str | list[int]] | None = None
        for w in counts:
            r = run(w, manifest, folder / f"out{w}")
            base = base or r
            same = "identical" if r["digest"] == base["digest"] else "DIFFERENT"
            peaks = ", ".join(f"{p / 2**20:.0f}" for p in r["peaks"])  # type: ignore[union-attr]
            print(f"{w:>7}  {r['elapsed']:>7.1f}  {r['rate']:>8.2f}  {float(r['rate']) / float(base['rate']):>7.2f}x  "
                  f"{r['cpu']:>11.3f}  {peaks:<26}  {r['load']:>11.2f}  {same}")
            if float(r["load"]) > cores / 2:
                print(f"{'':>7}  (a load of {float(r['load']):.1f} on {cores} cores: other processes compete "
                      f"with the batch for the cores)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
