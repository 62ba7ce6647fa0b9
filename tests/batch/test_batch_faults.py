"""A batch under hostile folders and flaky machines (issue 15): it removes only what it made, never
overwrites an input however reached, survives its parent dying, SIGTERM, stuck and greedy jobs and a
full disk, cuts names to what the file system holds, escapes what the data would print, and redoes
on --resume what was made from older inputs."""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psutil
import pytest
from helpers import FIXTURES, ROOT, sha256
from helpers.batch import WORK, big_manifest, cli, contents, listing, small_manifest, write_csv

from maskrender.batch import Job, is_complete, read_jobs, render_batch
from maskrender.batch import _jobs as batch_jobs


def popen_batch(*args: str | os.PathLike[str], **kwargs: Any) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "maskrender", "batch", *map(str, args)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


def wait_for_work(proc: subprocess.Popen[str], out: Path, timeout: float = 120) -> list[psutil.Process]:
    """Wait until the batch has workers and its first output; return its child processes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if out.is_dir() and any(p.suffix == ".jpg" for p in out.iterdir()):
            return psutil.Process(proc.pid).children(recursive=True)  # type: ignore[no-any-return]
        time.sleep(0.02)
    raise AssertionError("the batch ended, or made nothing, before it could be interrupted")


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A manifest of 12 slower jobs and its outputs, made in one uninterrupted run."""
    folder = tmp_path_factory.mktemp("reference")
    manifest = big_manifest(folder, 12)
    run = cli("batch", manifest, "-o", folder / "out", "-q")
    assert run.returncode == 0, run.stderr
    return manifest, folder / "out"


# ---------------------------------------------------------------------------------------------
# point 6: the parent dies, or is asked to stop
# ---------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_killing_the_batch_leaves_no_process_holding_its_output(tmp_path: Path, reference: tuple[Path, Path]) -> None:
    manifest, made = reference
    out = tmp_path / "out"
    proc = popen_batch(manifest, "-o", out, "-j", "2")
    children = wait_for_work(proc, out)
    assert children, "a pool of worker processes"
    proc.kill()                                   # the batch only: not its process group
    try:
        proc.communicate(timeout=30)              # returns only when no process holds its stdout/stderr
    except subprocess.TimeoutExpired:
        for child in children:
            child.kill()
        raise AssertionError("a process the batch started kept its output open after it was killed") from None
    _gone, alive = psutil.wait_procs(children, timeout=10)
    assert not alive, [c.cmdline() for c in alive]
    again = cli("batch", manifest, "-o", out, "--resume", "-j", "2")
    assert again.returncode == 0, again.stderr
    assert contents(out) == contents(made)
    assert sorted(os.listdir(out / WORK)) == ["ABOUT", "made.jsonl"]   # what the killed run left is gone


@pytest.mark.slow
def test_sigterm_finishes_the_jobs_in_progress_prints_a_summary_and_resumes(tmp_path: Path,
                                                                           reference: tuple[Path, Path]) -> None:
    manifest, made = reference
    out = tmp_path / "out"
    proc = popen_batch(manifest, "-o", out, "-j", "2")
    children = wait_for_work(proc, out)
    proc.send_signal(signal.SIGTERM)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    done = int(stdout.split(" done")[0])
    assert 0 < done < 12
    assert "interrupted: run it again with --resume to finish" in stdout
    assert "Traceback" not in stderr
    assert all(is_complete(out / name) for name in listing(out))
    assert len(listing(out)) == done
    assert not psutil.wait_procs(children, timeout=10)[1]
    again = cli("batch", manifest, "-o", out, "--resume", "-j", "2")
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith(f"{12 - done} done, {done} skipped, 0 failed")
    assert contents(out) == contents(made)


# ---------------------------------------------------------------------------------------------
# point 3: time limits; and greedy jobs
# ---------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_job_past_its_timeout_fails_and_is_recorded(tmp_path: Path) -> None:
    rng = __import__("numpy").random.default_rng(0)
    points = ",".join(f"[{x:.1f},{y:.1f}]" for x, y in rng.uniform(0, 2416, (600_000, 2)).tolist())
    slow = tmp_path / "slow.json"
    slow.write_text('{"mask_type": "point_mask", "view_box": "0 0 2416 2416", "features": [{"geometry": '
                    f'{{"type": "MultiPoint", "coordinates": [{points}]}}}}]}}', encoding="ascii")
    manifest = write_csv(tmp_path / "jobs.csv", "result,output,timeout",
                         [f"{slow},slow.png,0.5", f"{FIXTURES}/acne.json,acne.png,"])
    run = cli("batch", manifest, "-o", tmp_path / "out", "--timeout", "300")
    assert run.returncode == 1, run.stderr
    assert run.stdout.startswith("1 done, 0 skipped, 1 failed")
    (record,) = [json.loads(line) for line in (tmp_path / "out" / "errors.jsonl").read_text().splitlines()]
    assert record["error"] == "TimeoutError"
    assert "did not finish within 0.5 s" in record["message"]
    assert listing(tmp_path / "out") == ["acne.png", "errors.jsonl"]


def _stand_in(result: Any, output: Any, image: Any = None, **options: Any) -> None:
    """A renderer for the fault tests (workers are forked, so they have it)."""
    name = Path(output).name
    if name.startswith("stuck"):     # catastrophic backtracking: C code that never looks at signals
        re.match(r"(a+)+$", "a" * 40 + "b")
    if name.startswith("hog"):
        bytearray(3 << 30)
    Path(output).write_bytes(b"made by " + name.encode())


@pytest.fixture
def stand_in(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The stand-in renderer, in workers forked from this process; returns the pool's module."""
    from maskrender.batch import _executors

    monkeypatch.setitem(batch_jobs.JOB_KINDS, "overlay", (__name__, "_stand_in", ("png",)))
    fork = multiprocessing.get_context("fork")
    monkeypatch.setattr(_executors.multiprocessing, "get_context", lambda method: fork)  # type: ignore[attr-defined]
    return _executors


def test_a_job_stuck_in_c_code_is_stopped_and_the_jobs_beside_it_are_made(tmp_path: Path, stand_in: Any) -> None:
    jobs = [Job("r.json", tmp_path / name) for name in ("stuck.png", "a.png", "b.png", "c.png")]
    start = time.monotonic()
    outcomes = {o.job.output.name: o for o in render_batch(jobs, workers=2, timeout=1)}
    assert {n: o.status for n, o in outcomes.items()} == {"stuck.png": "failed", "a.png": "done", "b.png": "done",
                                                          "c.png": "done"}
    assert outcomes["stuck.png"].error == "TimeoutError"
    assert "did not finish within 1 s" in (outcomes["stuck.png"].message or "")
    assert time.monotonic() - start < 60
    assert (tmp_path / "a.png").read_bytes() == b"made by a.png"


def test_a_job_that_wants_all_the_memory_fails_alone(tmp_path: Path, stand_in: Any,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    room = psutil.Process().memory_info().vms + (1 << 30)          # what a forked worker has, and 1 GiB more
    monkeypatch.setattr(stand_in, "worker_memory", lambda workers: room)
    jobs = [Job("r.json", tmp_path / name) for name in ("hog.png", "a.png", "b.png")]
    outcomes = {o.job.output.name: o for o in render_batch(jobs, workers=2)}
    assert outcomes["hog.png"].error == "MemoryError"
    assert outcomes["a.png"].status == outcomes["b.png"].status == "done"


# ---------------------------------------------------------------------------------------------
# point 7: errors.jsonl cannot be written, or removed
# ---------------------------------------------------------------------------------------------


def _no_bigger_than(size: int) -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)       # a write past the limit fails instead of killing


def test_a_full_disk_leaves_errors_jsonl_whole_and_the_summary_says_what_is_missing(tmp_path: Path) -> None:
    """RLIMIT_FSIZE plays the full disk: errors.jsonl can take two lines, a third is cut off mid-way."""
    missing = "/nonexistent/" + "x" * 200
    manifest = write_csv(tmp_path / "jobs.csv", "result,output", [f"{missing}{i}.json,o{i}.png" for i in range(6)])
    run = cli("batch", manifest, "-o", tmp_path / "out", "-j", "1", preexec_fn=lambda: _no_bigger_than(1500))
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr
    lines = (tmp_path / "out" / "errors.jsonl").read_bytes().split(b"\n")
    assert lines[-1] == b""                           # ends with a whole line
    records = [json.loads(line) for line in lines[:-1]]
    assert len(records) == 2
    assert run.stdout.startswith("0 done, 0 skipped, 6 failed")
    assert "4 failures could not be written to errors.jsonl (File too large) and were printed above" in run.stdout
    assert run.stderr.count("maskrender: failed: jobs.csv line") == 6


def test_an_errors_list_that_cannot_be_removed_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "out" / "errors.jsonl").mkdir(parents=True)
    (tmp_path / "out" / "errors.jsonl" / "keep").write_text("x")
    run = cli("batch", small_manifest(tmp_path, 1), "-o", tmp_path / "out")
    assert run.returncode == 2
    assert run.stderr.startswith("maskrender: error: "), run.stderr
    assert run.stderr.count("\n") == 1, run.stderr
    assert "cannot remove the failures list of an earlier run" in run.stderr


# ---------------------------------------------------------------------------------------------
# points 1 and 2: inputs are never overwritten nor removed
# ---------------------------------------------------------------------------------------------


def test_the_failures_list_used_as_a_manifest_is_kept(tmp_path: Path) -> None:
    """``maskrender batch errors.jsonl -o .``: the batch would replace its own manifest."""
    manifest = tmp_path / "errors.jsonl"
    manifest.write_text(json.dumps({"result": str(FIXTURES / "acne.json"), "output": "a.png"}) + "\n")
    before = sha256(manifest)
    run = cli("batch", manifest, "-o", tmp_path)
    assert run.returncode == 2
    assert f"{manifest} is the manifest, and each batch replaces that file" in run.stderr
    assert "copy it elsewhere" in run.stderr
    assert sha256(manifest) == before


@pytest.mark.slow
def test_inputs_named_like_temporary_files_are_never_removed(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    odd = out / ".a.png.1a2b3c4d.part"
    shutil.copy(FIXTURES / "acne.json", odd)
    manifest = write_csv(tmp_path / "jobs.csv", "result,output", [f"{odd},a.png"])
    for _ in range(2):                            # a run, and a second one that tidies after the first
        run = cli("batch", manifest, "-o", out)
        assert run.returncode == 0, run.stderr
        assert sha256(odd) == sha256(FIXTURES / "acne.json")
    assert listing(out) == [".a.png.1a2b3c4d.part", "a.png"]


def test_an_output_folder_reached_through_a_link_to_the_input_folder_is_refused(tmp_path: Path) -> None:
    photos = tmp_path / "photos"
    photos.mkdir()
    shutil.copy(FIXTURES / "acne.json", photos / "ann.json")
    shutil.copy(FIXTURES / "portrait.jpg", photos / "ann.jpg")
    (tmp_path / "out").symlink_to(photos)
    before = sha256(photos / "ann.jpg")
    run = cli("batch", photos, "-o", tmp_path / "out", "--format", "jpg")
    assert run.returncode == 2
    assert "ann.jpg" in run.stderr
    assert "is one of the batch's inputs" in run.stderr
    (tmp_path / "out").unlink()
    (tmp_path / "out").mkdir()
    os.link(photos / "ann.jpg", tmp_path / "out" / "ann.jpg")      # a hard link: the same file
    run = cli("batch", photos, "-o", tmp_path / "out", "--format", "jpg")
    assert run.returncode == 2
    assert "is one of the batch's inputs" in run.stderr
    assert sha256(photos / "ann.jpg") == before


# ---------------------------------------------------------------------------------------------
# points 8 and 9: names; what the data would print
# ---------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_long_and_wide_names_are_cut_to_what_the_file_system_holds(tmp_path: Path) -> None:
    legal = "n" * 246 + ".png"                    # 250 bytes: its temporary name would be 265
    manifest = tmp_path / "jobs.jsonl"
    manifest.write_text("".join(json.dumps({"result": str(FIXTURES / "acne.json"), "output": name,
                                            "size": "64x64"}) + "\n" for name in ("顔" * 100, legal, "x" * 400)))
    jobs = read_jobs(manifest, tmp_path / "out")
    names = [job.output.name for job in jobs]
    assert names == ["顔" * 83 + ".png", legal, "x" * 251 + ".png"]
    assert all(len(n.encode()) <= 255 for n in names)
    run = cli("batch", manifest, "-o", tmp_path / "out")
    assert run.returncode == 0, run.stderr
    assert listing(tmp_path / "out") == sorted(names)


ESCAPES = "\x1b]0;owned\x07\x1b[2J\x9b1m"


def test_escape_sequences_from_the_data_never_reach_the_terminal_or_the_records(tmp_path: Path) -> None:
    result = json.loads((FIXTURES / "acne.json").read_text())
    text = json.dumps(result).replace('"papules_mask_restored"', json.dumps("papules" + ESCAPES))
    (tmp_path / "evil.json").write_text(text)
    manifest = write_csv(tmp_path / "jobs.csv", "result,output,only", [f"{tmp_path / 'evil.json'},e.png,nothing"])
    run = subprocess.run([sys.executable, "-m", "maskrender", "batch", str(manifest), "-o", str(tmp_path / "out")],
                         capture_output=True, cwd=ROOT, timeout=120)
    assert run.returncode == 1
    assert b"papules" in run.stderr                              # the name is listed, escaped
    for raw in (run.stdout, run.stderr, (tmp_path / "out" / "errors.jsonl").read_bytes()):
        assert not re.search(rb"[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]", raw), raw
    (record,) = [json.loads(line) for line in (tmp_path / "out" / "errors.jsonl").read_text().splitlines()]
    assert ESCAPES in record["message"]                          # recorded losslessly, as JSON escapes


# ---------------------------------------------------------------------------------------------
# point 11: --resume trusts only outputs made from the same inputs and options
# ---------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_resume_redoes_jobs_whose_inputs_or_options_changed(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    for name in ("a", "b", "c"):
        shutil.copy(FIXTURES / "acne.json", data / f"{name}.json")
    manifest = write_csv(tmp_path / "jobs.csv", "result,output,opacity,size",
                         [f"{data}/{n}.json,{n}.png,0.5,200x200" for n in "abc"])
    out = tmp_path / "out"
    assert cli("batch", manifest, "-o", out).returncode == 0
    first = contents(out)
    shutil.copy(FIXTURES / "pores.json", data / "a.json")           # a's result changes
    manifest.write_text(manifest.read_text().replace("b.png,0.5", "b.png,0.9"))   # b's options change
    run = cli("batch", manifest, "-o", out, "--resume")
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("2 done, 1 skipped, 0 failed")
    now = contents(out)
    assert now["c.png"] == first["c.png"]
    assert now["a.png"] != first["a.png"]
    assert now["b.png"] != first["b.png"]
    fresh = tmp_path / "fresh"
    assert cli("batch", manifest, "-o", fresh).returncode == 0
    assert contents(fresh) == now
    assert cli("batch", manifest, "-o", out, "--resume").stdout.startswith("0 done, 3 skipped")


# ---------------------------------------------------------------------------------------------
# thread executors: no process-wide warning capture
# ---------------------------------------------------------------------------------------------


def test_a_thread_pool_batch_leaves_the_applications_warnings_alone(tmp_path: Path) -> None:
    """While jobs run on threads, a warning the application emits elsewhere reaches the application's
    handler: it is not swallowed into some job's outcome (warnings capture is process-wide)."""
    jobs = [Job(FIXTURES / "results_list.json", tmp_path / f"{i}.png", FIXTURES / "portrait.jpg")
            for i in range(6)]                    # the restored masks on the portrait: aspect warnings
    stop = threading.Event()
    sent = 0

    def application() -> None:
        nonlocal sent
        while not stop.is_set():
            warnings.warn(f"application warning {sent}", UserWarning, stacklevel=1)
            sent += 1
            time.sleep(0.002)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        thread = threading.Thread(target=application)
        thread.start()
        with ThreadPoolExecutor(2) as pool:
            outcomes = list(render_batch(jobs, pool))
        stop.set()
        thread.join()
    assert [o.status for o in outcomes] == ["done"] * 6
    mine = [w for w in caught if str(w.message).startswith("application warning")]
    assert len(mine) == sent
    assert not any("application warning" in note for o in outcomes for note in o.warnings)
