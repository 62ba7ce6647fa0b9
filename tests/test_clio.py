"""Pipes and output folders on the command line: ``-`` in and out, ``/dev/stdin``, limits, folders made."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import FIXTURES, ROOT
from PIL import Image

import maskrender as mr
from maskrender import limits
from maskrender.cli import main

RESULTS = FIXTURES / "results_list.json"
RESTORED = FIXTURES / "restored.jpg"


def cli(*args: str | Path, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "maskrender", *map(str, args)], cwd=ROOT, input=stdin,
                          capture_output=True, timeout=120, check=False)


def test_result_from_stdin_and_picture_to_stdout_match_the_files(tmp_path: Path) -> None:
    on_disk = tmp_path / "o.png"
    assert main(["render", str(RESULTS), "--size", "256x256", "-o", str(on_disk), "-q"]) == 0
    piped = cli("render", "-", "--size", "256x256", "-o", "-", "--format", "png", stdin=RESULTS.read_bytes())
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout == on_disk.read_bytes()                # exactly the picture, no "wrote" line
    assert piped.stderr == b""


def test_photo_from_stdin_and_dev_stdin(tmp_path: Path) -> None:
    expected = mr.render(RESULTS, RESTORED, max_size=300)
    done = cli("render", RESULTS, "--image", "-", "--max-size", "300", "-o", "-", "--format", "png",
               stdin=RESTORED.read_bytes())
    assert done.returncode == 0, done.stderr
    assert Image.open(io.BytesIO(done.stdout)).tobytes() == expected.tobytes()
    done = cli("info", "/dev/stdin", "--json", stdin=RESULTS.read_bytes())  # a piped /dev/stdin is a pipe
    assert done.returncode == 0, done.stderr
    assert [r["algorithm"] for r in json.loads(done.stdout)["results"]][:2] == ["pores", "lines"]


@pytest.mark.slow
def test_report_to_stdout() -> None:
    report = cli("report", RESULTS, "--width", "400", "-o", "-", "--format", "pdf")
    assert report.returncode == 0, report.stderr
    assert report.stdout.startswith(b"%PDF-")
    assert report.stdout.rstrip().endswith(b"%%EOF")


def test_export_to_stdout() -> None:
    geo = cli("export", FIXTURES / "acne.json", "-o", "-", "--format", "geojson")
    assert geo.returncode == 0, geo.stderr
    assert json.loads(geo.stdout)["type"] == "FeatureCollection"
    labels = cli("export", FIXTURES / "acne.json", "--size", "64x64", "-o", "-", "--format", "png")
    assert Image.open(io.BytesIO(labels.stdout)).size == (64, 64)
    assert b"acne_mask_restored" in labels.stderr  # the label table, kept off the data


@pytest.mark.parametrize("command", ["render", "report", "export"])
def test_stdout_needs_a_format(command: str) -> None:
    done = cli(command, RESULTS, "-o", "-")
    assert done.returncode == 2
    assert b"-o - (standard output) needs --format" in done.stderr
    assert done.stdout == b""


def test_stdin_read_once_and_bounded(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                     tmp_path: Path) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(RESULTS.read_bytes())))
    assert main(["render", "-", "--image", "-", "-o", str(tmp_path / "o.png")]) == 2
    assert "standard input ('-') can be read once" in capsys.readouterr().err
    monkeypatch.setattr(limits, "MAX_INPUT_BYTES", 1000)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(RESULTS.read_bytes())))
    assert main(["info", "-"]) == 2
    assert "<stdin>: more than the 1,000 bytes allowed (maskrender.limits.MAX_INPUT_BYTES)" in capsys.readouterr().err
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(RESTORED.read_bytes())))  # a photo: the same bound
    assert main(["render", str(RESULTS), "--image", "-", "-o", str(tmp_path / "p.png")]) == 2
    assert "MAX_INPUT_BYTES" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == []


@pytest.mark.parametrize(("command", "name"), [("render", "o.png"), ("report", "r.svg"), ("export", "m.geojson")])
def test_missing_output_folders_are_created_in_every_command(command: str, name: str, tmp_path: Path) -> None:
    out = tmp_path / "a" / "b" / name
    assert main([command, str(FIXTURES / "acne.json"), "-o", str(out), "-q"]) == 0
    assert out.stat().st_size > 0


def test_folders_made_for_a_failed_command_are_removed(tmp_path: Path) -> None:
    out = tmp_path / "a" / "b" / "o.png"
    assert main(["render", str(FIXTURES / "acne.json"), "--only", "nosuch", "-o", str(out)]) == 2
    assert list(tmp_path.iterdir()) == []


def test_export_format_that_contradicts_the_file_name_is_refused(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "m.geojson"
    assert main(["export", str(FIXTURES / "acne.json"), "-o", str(out), "--format", "csv"]) == 2
    assert "--format is for -o -" in capsys.readouterr().err
    assert main(["export", str(FIXTURES / "acne.json"), "-o", str(out), "--format", "geojson", "-v"]) == 0
    assert "geojson: " in capsys.readouterr().err
    assert json.loads(out.read_text())["type"] == "FeatureCollection"


_THREADS_AFTER = """
import os, sys
from maskrender.cli import main
status = main(sys.argv[1:])
print(status, "OPENBLAS_NUM_THREADS" in os.environ, len(os.listdir("/proc/self/task")))
"""


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="counts threads in /proc (Linux)")
def test_a_command_loads_numpy_with_one_blas_thread_and_leaves_the_environment(tmp_path: Path) -> None:
    """OpenBLAS's pool (a spinning thread per core, never used by maskrender) is not started by a
    command; the variable that says so is gone when the command ends; the user's own setting wins."""
    out = tmp_path / "o.png"
    args = ["render", str(FIXTURES / "acne.json"), "--image", str(FIXTURES / "restored.jpg"), "-o", str(out), "-q"]
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    done = subprocess.run([sys.executable, "-c", _THREADS_AFTER, *args], capture_output=True, text=True, cwd=ROOT,
                          env=env, timeout=120, check=True)
    assert done.stdout.split() == ["0", "False", "1"]
    assert out.stat().st_size > 0
    env["OPENBLAS_NUM_THREADS"] = "2"
    done = subprocess.run([sys.executable, "-c", _THREADS_AFTER, *args], capture_output=True, text=True, cwd=ROOT,
                          env=env, timeout=120, check=True)
    status, kept, threads = done.stdout.split()
    assert (status, kept) == ("0", "True")
    assert int(threads) >= 1
