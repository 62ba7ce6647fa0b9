"""Timing helpers: medians of repeated runs, child processes, peak memory."""

from __future__ import annotations

import gc
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Timing:
    """Median and spread of repeated runs, in seconds."""

    median: float
    runs: list[float]
    value: Any = None
    cpu: float = float("nan")
    """Median CPU time (child processes: user + system of every thread), when measured."""

    @property
    def ms(self) -> float:
        return self.median * 1e3


def measure(fn: Callable[[], Any], repeat: int = 5, warmup: int = 1) -> Timing:
    """Run ``fn`` ``warmup`` times untimed, then ``repeat`` times; the median wall time."""
    value = None
    for _ in range(warmup):
        value = fn()
    runs = []
    for _ in range(repeat):
        gc.collect()
        t = time.perf_counter()
        value = fn()
        runs.append(time.perf_counter() - t)
    return Timing(statistics.median(runs), runs, value)


def env() -> dict[str, str]:
    """The environment of child processes: this checkout first on the path, bytecode cached as
    after any ``pip install`` (a container's ``PYTHONDONTWRITEBYTECODE`` would charge every
    command, ours and the peers', for compiling its modules from source on each start)."""
    e = dict(os.environ)
    e["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [e.get("PYTHONPATH")])])
    e.pop("PYTHONSTARTUP", None)
    e.pop("PYTHONDONTWRITEBYTECODE", None)
    return e


def _child(argv: Sequence[str]) -> tuple[float, float]:
    """Wall time and CPU time (user + system, every thread) of one child process (it must succeed)."""
    start = time.perf_counter()
    proc = subprocess.Popen(list(argv), cwd=ROOT, env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.stderr.close()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise subprocess.CalledProcessError(proc.returncode, list(argv), stderr=err)
    return wall, usage.ru_utime + usage.ru_stime


def run_process(argv: Sequence[str], repeat: int = 5, warmup: int = 1) -> Timing:
    """Median wall time of a child process from start to exit (it must succeed); ``cpu`` the median
    of its CPU times."""
    return interleaved({"": argv}, repeat, warmup)[""]


def interleaved(commands: dict[str, Sequence[str]], repeat: int = 5, warmup: int = 1) -> dict[str, Timing]:
    """Each command's median wall time (and CPU time), the commands run in turn, round after round:
    on a machine shared with other work, a change of load between two commands' runs would
    otherwise show as a difference between the commands."""
    for _ in range(warmup):
        for argv in commands.values():
            _child(argv)
    runs: dict[str, list[tuple[float, float]]] = {k: [] for k in commands}
    for _ in range(repeat):
        for k, argv in commands.items():
            gc.collect()
            runs[k].append(_child(argv))
    return {k: Timing(statistics.median(w for w, _ in r), [w for w, _ in r], None,
                      statistics.median(c for _, c in r)) for k, r in runs.items()}


_RSS_PROBE = r"""
import sys, json, time
def kb(field):
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0
import numpy, shapely, PIL.Image  # noqa: the imports everyone pays for
{setup}
before = kb("VmRSS")
start, cpu = time.perf_counter(), time.process_time()
{body}
seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
print(json.dumps({{"before_kb": before, "peak_kb": kb("VmHWM"), "seconds": seconds, "cpu": cpu}}))
"""


def peak_rss_growth(setup: str, body: str) -> dict[str, float]:
    """Run ``setup`` then ``body`` in a fresh interpreter: RSS before ``body`` and the peak (MB),
    and the wall time of ``body`` (``seconds``: the cost a fresh batch worker pays, not skewed
    by the garbage collector walking this benchmark's own heap) and its CPU time (``cpu``, every
    thread's: above ``seconds`` when threads drew at once).

    The peak (VmHWM) covers the whole process, so the growth is peak minus the RSS after
    the imports and ``setup``.
    """
    code = _RSS_PROBE.format(setup=setup, body=body)
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, cwd=ROOT,
                         env=env())
    import json

    data = json.loads(out.stdout.strip().splitlines()[-1])
    before = data["before_kb"] / 1024
    peak = data["peak_kb"] / 1024
    return {"before_mb": before, "peak_mb": peak, "growth_mb": peak - before, "seconds": float(data["seconds"]),
            "cpu": float(data["cpu"])}
