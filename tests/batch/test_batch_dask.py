"""The same batch on a Dask cluster (``maskrender[dask]``), through the Python API and through
``maskrender batch --scheduler``, gives the bytes the local process pool gives."""

from __future__ import annotations

import sys
from pathlib import Path

from distributed import Client, LocalCluster
from helpers.batch import cli, contents, small_manifest

from maskrender.batch import read_jobs, render_batch


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
