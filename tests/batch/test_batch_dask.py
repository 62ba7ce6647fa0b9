"""The same batch on a Dask cluster (``maskrender[dask]``), through the Python API and through
``maskrender batch --scheduler``, gives the bytes the local process pool gives; and survives a
worker killed mid-job."""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from distributed import Client, LocalCluster
from helpers import FIXTURES
from helpers.batch import WORK, cli, contents, listing, small_manifest, write_csv

from maskrender.batch import is_complete, read_jobs, render_batch, run_batch


@pytest.mark.slow
def test_a_dask_cluster_makes_the_same_bytes_as_the_process_pool(tmp_path: Path) -> None:
    manifest = small_manifest(tmp_path, 8)
    text = manifest.read_text(encoding="utf-8")
    for old, new in (("job01.png", "job01.jpg"), ("job02.png", "job02.webp"), ("job03.png", "job03.svg")):
        text = text.replace(old, new)
    manifest.write_text(text + f"{tmp_path}/missing.json,,fails.png,original\n", encoding="utf-8")

    local = cli("batch", manifest, "-o", tmp_path / "local", "--jobs", "2")
    assert local.returncode == 1, local.stderr
    assert local.stdout.startswith("8 done, 0 skipped, 1 failed")

    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        (tmp_path / "api").mkdir()
        outcomes = list(render_batch(read_jobs(manifest, tmp_path / "api"), client.get_executor()))
        on_cli = cli("batch", manifest, "-o", tmp_path / "cli", "--scheduler", cluster.scheduler_address)
        ran_there = client.run(lambda: "maskrender.batch._run" in sys.modules)

    assert sorted(o.status for o in outcomes) == ["done"] * 8 + ["failed"]
    assert [o.error for o in outcomes if not o.ok] == ["ParseError"]
    assert on_cli.returncode == 1, on_cli.stderr
    assert on_cli.stdout.startswith("8 done, 0 skipped, 1 failed")
    assert list(ran_there.values()) == [True, True]            # both workers rendered
    reference = contents(tmp_path / "local")
    assert len(reference) == 8
    assert contents(tmp_path / "api") == reference
    assert contents(tmp_path / "cli") == reference


def _slow_result(folder: Path, points: int = 600_000) -> Path:
    rng = np.random.default_rng(0)
    coords = ",".join(f"[{x:.1f},{y:.1f}]" for x, y in rng.uniform(0, 2416, (points, 2)).tolist())
    path = folder / "slow.json"
    path.write_text('{"mask_type": "point_mask", "view_box": "0 0 2416 2416", "features": [{"geometry": '
                    f'{{"type": "MultiPoint", "coordinates": [{coords}]}}}}]}}', encoding="ascii")
    return path


def _kill_the_worker_of_the_long_job(client: Client, killed: list[int], stop: threading.Event) -> None:
    """When one task has been running alone for a second (the slow job), SIGKILL its worker process."""
    pids = client.run(os.getpid)
    since = None
    while not stop.is_set() and not killed:
        busy = {w: tasks for w, tasks in client.processing().items() if tasks}
        if len(busy) == 1 and len(next(iter(busy.values()))) == 1:
            since = since or time.monotonic()
            if time.monotonic() - since > 1.0:
                worker = next(iter(busy))
                os.kill(pids[worker], signal.SIGKILL)
                killed.append(pids[worker])
        else:
            since = None
        time.sleep(0.05)


@pytest.mark.slow
def test_a_worker_killed_mid_job_on_a_local_cluster_is_survived(tmp_path: Path) -> None:
    """Point 12: the cluster runs the job again elsewhere (or the batch records it); the batch ends,
    every output is whole, nothing half-made is left."""
    slow = _slow_result(tmp_path)
    rows = [f"{slow},slow.png,"] + [f"{FIXTURES}/acne.json,a{i}.png,original" for i in range(4)]
    manifest = write_csv(tmp_path / "jobs.csv", "result,output,masks", rows)
    out = tmp_path / "out"
    killed: list[int] = []
    stop = threading.Event()
    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        killer = threading.Thread(target=_kill_the_worker_of_the_long_job, args=(client, killed, stop))
        killer.start()
        try:
            summary = run_batch(read_jobs(manifest, out), out, executor=client.get_executor(), timeout=300)
        finally:
            stop.set()
            killer.join()
    assert killed, "the slow job's worker was killed mid-job"
    assert summary.done + summary.failed == 5
    assert summary.done >= 4
    if summary.failed:                                   # given up by the cluster: recorded, with the job
        (record,) = [json.loads(line) for line in (out / "errors.jsonl").read_text().splitlines()]
        assert record["job"]["output"].endswith("slow.png")
    made = [n for n in listing(out) if n != "errors.jsonl"]
    assert len(made) == summary.done
    assert all(is_complete(out / n) for n in made)
    assert sorted(os.listdir(out / WORK)) == ["ABOUT", "made.jsonl"]
