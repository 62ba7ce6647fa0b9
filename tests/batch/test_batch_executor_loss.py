"""An executor that fails mid-batch (its ``submit`` raises, its Dask scheduler dies) ends the batch in the
summary, every unfinished job in ``errors.jsonl``, and ``--resume`` finishes them."""

from __future__ import annotations

import importlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Generator
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from helpers import FIXTURES, ROOT
from helpers.batch import cli, contents, small_manifest, write_csv

from maskrender.batch import read_jobs, run_batch


class FailsAfter(Executor):
    """A thread pool whose ``submit`` raises ``error`` from the ``n``-th call on (a client cut off)."""

    def __init__(self, n: int, error: BaseException) -> None:
        self.pool = ThreadPoolExecutor(1)
        self.n = n
        self.error = error

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        if self.n <= 0:
            raise self.error
        self.n -= 1
        return self.pool.submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.pool.shutdown(wait, cancel_futures=cancel_futures)


def _errors(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (out / "errors.jsonl").read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("error", [ConnectionError("connection reset by peer"), RuntimeError("client closed")])
def test_a_submit_that_raises_ends_in_the_summary_and_resume_finishes(tmp_path: Path, error: Exception) -> None:
    manifest = small_manifest(tmp_path, 6)
    out = tmp_path / "out"
    with FailsAfter(2, error) as executor:
        summary = run_batch(read_jobs(manifest, out), out, executor=executor, max_in_flight=1)
    assert (summary.done, summary.failed) == (2, 4)
    assert summary.lost is not None
    assert type(error).__name__ in summary.lost
    assert "stopped early" in str(summary)
    records = _errors(out)
    assert sorted(r["job"]["output"].rsplit("/", 1)[1] for r in records) == [f"job{i:02d}.png" for i in range(2, 6)]
    assert [r["error"] for r in records] == [type(error).__name__, "NotRun", "NotRun", "NotRun"]
    assert all("run the batch again with --resume" in r["message"] for r in records)
    with ThreadPoolExecutor(2) as pool:
        again = run_batch(read_jobs(manifest, out), out, executor=pool, resume=True)
    assert (again.done, again.skipped, again.failed) == (4, 2, 0)
    assert not (out / "errors.jsonl").exists()


def test_a_closed_dask_client_is_a_summary_not_a_traceback(tmp_path: Path) -> None:
    distributed: Any = importlib.import_module("distributed")     # untyped: called through Any
    manifest = small_manifest(tmp_path, 3)
    out = tmp_path / "out"
    with distributed.LocalCluster(n_workers=1, processes=False, threads_per_worker=1,
                                  dashboard_address=None) as cluster:
        client = distributed.Client(cluster)
        executor = client.get_executor()
        client.close()
        summary = run_batch(read_jobs(manifest, out), out, executor=executor)
    assert (summary.done, summary.failed) == (0, 3)
    assert [r["error"] for r in _errors(out)] == ["ClosedClientError", "NotRun", "NotRun"]
    assert "ClosedClientError" in str(summary)
    assert summary.exit_status == 1


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _dask(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_" + args[0], *args[1:]],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def _cluster(port: int) -> Generator[None, None, None]:
    scheduler = _dask("scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard")
    worker = _dask("worker", f"tcp://127.0.0.1:{port}", "--nthreads", "1", "--nworkers", "1", "--no-dashboard")
    try:
        yield
    finally:
        for proc in (worker, scheduler):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.mark.slow
def test_a_dask_scheduler_that_dies_mid_batch_ends_the_batch_at_once(tmp_path: Path) -> None:
    rows = [f"{FIXTURES}/{name}.json,{FIXTURES}/restored.jpg,job{i:02d}.png,"
            for i, name in enumerate(["acne", "pores", "lines", "redness", "results_list"] * 4)]
    manifest = write_csv(tmp_path / "jobs.csv", "result,image,output,masks", rows)
    out = tmp_path / "out"
    port = _free_port()
    cluster = _cluster(port)
    next(cluster)
    proc = subprocess.Popen([sys.executable, "-m", "maskrender", "batch", str(manifest), "-o", str(out),
                             "--scheduler", f"tcp://127.0.0.1:{port}", "--timeout", "600"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not [p for p in out.glob("job*.png")] and time.monotonic() < deadline:   # some made: mid-batch
            time.sleep(0.1)
        cluster.close()                                               # the scheduler (and worker) killed
        stdout, stderr = proc.communicate(timeout=120)      # a hang guard far below the 600 s per-job timeout
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 1, stderr
    assert "stopped early" in stdout, stdout
    assert "Traceback" not in stderr, stderr
    made = sorted(p.name for p in out.glob("job*.png"))
    records = _errors(out)
    listed = {r["job"]["output"].rsplit("/", 1)[1] for r in records}
    assert listed | set(made) == {f"job{i:02d}.png" for i in range(20)}     # every job not made is listed
    assert len(listed & set(made)) <= 2      # made while the client was losing the scheduler: listed, kept
    port = _free_port()
    cluster = _cluster(port)
    next(cluster)
    try:
        again = cli("batch", manifest, "-o", out, "--scheduler", f"tcp://127.0.0.1:{port}", "--resume")
    finally:
        cluster.close()
    assert again.returncode == 0, again.stdout + again.stderr
    assert again.stdout.startswith(f"{20 - len(made)} done, {len(made)} skipped, 0 failed"), again.stdout
    reference = tmp_path / "ref"
    assert cli("batch", manifest, "-o", reference, "--jobs", "2").returncode == 0
    assert contents(out) == contents(reference)
