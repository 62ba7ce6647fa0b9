"""Batch rendering: manifests, output names, outcomes, errors.jsonl, exit codes, --resume
after a real kill, bounded memory, and identical bytes whatever the number of workers."""

from __future__ import annotations

import io
import json
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import threading
import tracemalloc
from collections.abc import Iterator
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psutil
import pytest
from helpers import FIXTURES, ROOT
from helpers.batch import RECORDS, WORK, big_manifest, cli, contents, listing, small_manifest, write_csv
from PIL import Image

from maskrender import limits
from maskrender.batch import (
    COLUMNS,
    BatchError,
    Job,
    is_complete,
    process_pool,
    read_jobs,
    render_batch,
    run_batch,
)
from maskrender.batch import _executors as batch_executors
from maskrender.batch import _jobs as batch_jobs
from maskrender.style import Style

# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------


class Inline(Executor):
    """Runs each job at submission, in this process (for memory measurements)."""

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        future.set_result(fn(*args, **kwargs))
        return future


# ---------------------------------------------------------------------------------------------
# manifests
# ---------------------------------------------------------------------------------------------


def test_csv_relative_paths_resolve_against_the_manifest_folder(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(FIXTURES / "acne.json", data / "a.json")
    shutil.copy(FIXTURES / "portrait.jpg", data / "a.jpg")
    manifest = write_csv(tmp_path / "lists" / "jobs.csv", "Result,Image,Point-Radius,only,fill",
                         ['../data/a.json,../data/a.jpg,3px,acne|papules,"acne=rgb(1,2,3);papules=red"'])
    (job,) = read_jobs(manifest, tmp_path / "out", defaults={"mask_set": "original", "fill": {"pores": "blue"}})
    assert job.result == data / "a.json"
    assert job.image == data / "a.jpg"
    assert job.output == tmp_path / "out" / "a.png"
    assert job.label == "jobs.csv line 2"
    assert job.options["mask_set"] == "original"
    assert job.options["only"] == ("acne", "papules")
    style = job.options["style"]
    assert style.point_radius.value == 3.0
    assert {k: c.hex for k, c in style.fills.items()} == {"pores": "#0000ff", "acne": "#010203", "papules": "#ff0000"}


def test_jsonl_takes_native_json_values(tmp_path: Path) -> None:
    manifest = tmp_path / "jobs.jsonl"
    manifest.write_text(
        json.dumps({"result": str(FIXTURES / "acne.json"), "only": ["acne"], "size": [300, 200],
                    "fill": {"acne": "#00ff00"}, "opacity": 0.25, "strict": True, "image": None}) + "\n\n"
        + json.dumps({"result": str(FIXTURES / "pores.json"), "output": "p.svg", "side": "all"}) + "\n",
        encoding="utf-8")
    first, second = read_jobs(manifest, tmp_path / "out")
    assert first.image is None
    assert first.options["size"] == (300, 200)
    assert first.options["strict"] is True
    assert first.options["style"].opacity == 0.25
    assert second.output.name == "p.svg"
    assert second.options["side"] is None
    assert second.label == "jobs.jsonl line 3"


def test_folder_pairs_results_and_photos_by_stem(tmp_path: Path) -> None:
    for name in ("a.json", "b.json", "c.json", ".hidden.json", "a.JPG", "b.webp", "z.png", "notes.txt"):
        (tmp_path / name).write_bytes(b"{}")
    jobs = list(read_jobs(tmp_path, tmp_path / "out", format="webp"))
    assert [(j.result.name, j.image.name if j.image else None, j.output.name) for j in jobs] == [
        ("a.json", "a.JPG", "a.webp"), ("b.json", "b.webp", "b.webp"), ("c.json", None, "c.webp")]
    (tmp_path / "a.png").write_bytes(b"")
    with pytest.raises(BatchError, match=r"a\.json: more than one photo has its name: a\.JPG, a\.png"):
        read_jobs(tmp_path, tmp_path / "out")


def test_an_empty_folder_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(BatchError, match=r"no \*\.json results"):
        read_jobs(tmp_path, tmp_path / "out")


BAD_MANIFESTS = [
    ("result,photo\na.json,a.jpg", "jobs.csv line 1: unknown column 'photo'; known columns: result, image"),
    ("image,output\na.jpg,x", "jobs.csv line 1: no 'result' column"),
    ("result,only,Only\na.json,x,y", "jobs.csv line 1: column 'Only' appears twice"),
    ("result,,image\na.json,,a.jpg", "jobs.csv line 1: a column has no name"),
    ("", "empty manifest; the first line must name the columns"),
    ("result,opacity\na.json,0.5\nb.json,1.5", "jobs.csv line 3, column 'opacity': expected a number from 0 to 1"),
    ("result,side\na.json,back", "jobs.csv line 2, column 'side': expected one of front, left, right, all"),
    ("result,mask_set\na.json,both", "jobs.csv line 2, column 'mask_set': expected one of restored, original"),
    ("result,masks\na.json,both", "jobs.csv line 2, column 'masks': expected one of restored, original"),  # older name
    ("result,masks,Mask-Set\na.json,original,restored",
     "jobs.csv line 1: column 'Mask-Set' appears twice ('masks' and 'mask_set' both name 'mask_set')"),
    ("result,fill\na.json,acne=notacolour", "jobs.csv line 2, column 'fill': not a colour: 'notacolour'"),
    ("result,fill\na.json,acne", "jobs.csv line 2, column 'fill': expected NAME=COLOR pairs"),
    ("result,only\na.json, ; |", "jobs.csv line 2, column 'only': expected at least one name"),
    ("result,size\na.json,12", "jobs.csv line 2, column 'size': expected WIDTHxHEIGHT"),
    ("result,size\na.json,0x5", "jobs.csv line 2, column 'size': expected a positive width and height"),
    ("result,line_width\na.json,-3", "jobs.csv line 2, column 'line_width': not a size"),
    ("result,quality\na.json,high", "jobs.csv line 2, column 'quality': expected a whole number from 1 to 100"),
    ("result,compress_level\na.json,12", "jobs.csv line 2, column 'compress_level': expected a whole number"),
    ("result,strict\na.json,maybe", "jobs.csv line 2, column 'strict': expected true or false"),
    ("result,image\na.json,a.jpg,extra", "jobs.csv line 2: 3 cells but the header names 2 columns"),
    ("result,image\n,a.jpg", "jobs.csv line 2, column 'result': empty"),
    ("result,output\na.json,../..", "jobs.csv line 2, column 'output': '../..' gives no usable file name"),
    ("result,subject\na.json,x", "jobs.csv line 2, column 'subject': applies to report output only, not overlay"),
]


@pytest.mark.parametrize(("text", "message"), BAD_MANIFESTS)
def test_bad_csv_manifests_name_the_line_and_column(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "jobs.csv").write_text(text + "\n" if text else "", encoding="utf-8")
    with pytest.raises(BatchError) as caught:
        read_jobs(tmp_path / "jobs.csv", tmp_path / "out")
    assert message in str(caught.value)


@pytest.mark.parametrize(("line", "message"), [
    ('{"result": "a.json", "colour": "red"}', "jobs.jsonl line 2: unknown column 'colour'"),
    ('["a.json"]', "jobs.jsonl line 2: expected a JSON object"),
    ('{"result": "a.json"', "jobs.jsonl line 2: not valid JSON"),
    ('{"result": 3}', "jobs.jsonl line 2, column 'result': expected a file name, found 3"),
    ('{"result": "a.json", "opacity": true}', "jobs.jsonl line 2, column 'opacity': expected a number from 0 to 1"),
])
def test_bad_jsonl_manifests_name_the_line_and_key(tmp_path: Path, line: str, message: str) -> None:
    (tmp_path / "jobs.jsonl").write_text('{"result": "ok.json"}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(BatchError) as caught:
        read_jobs(tmp_path / "jobs.jsonl", tmp_path / "out")
    assert message in str(caught.value)


def test_bad_defaults_and_sources_are_usage_errors(tmp_path: Path) -> None:
    manifest = write_csv(tmp_path / "jobs.csv", "result", ["a.json"])
    with pytest.raises(BatchError, match="option 'opacity': expected a number from 0 to 1"):
        read_jobs(manifest, tmp_path / "out", defaults={"opacity": 3})
    with pytest.raises(BatchError, match="unknown option 'colour'"):
        read_jobs(manifest, tmp_path / "out", defaults={"colour": "red"})
    with pytest.raises(BatchError, match="no such manifest or folder"):
        read_jobs(tmp_path / "missing", tmp_path / "out")
    with pytest.raises(BatchError, match=r"expected a folder or a manifest ending in \.csv"):
        read_jobs(FIXTURES / "acne.json", tmp_path / "out")
    with pytest.raises(BatchError, match="overlay output cannot be written as 'gif'"):
        read_jobs(manifest, tmp_path / "out", format="gif")
    with pytest.raises(BatchError, match="the output folder is a file"):
        read_jobs(manifest, manifest)


def test_two_jobs_writing_one_file_are_reported_before_work(tmp_path: Path) -> None:
    manifest = write_csv(tmp_path / "jobs.csv", "result,image,output",
                         ["v1/a.json,1.jpg,", "v2/a.json,2.jpg,", "b.json,,Out.png", "c.json,,out", "d.json,,x"])
    with pytest.raises(BatchError) as caught:
        read_jobs(manifest, tmp_path / "out")
    message = str(caught.value)
    assert "jobs.csv line 2 and jobs.csv line 3 both write a.png" in message
    assert "jobs.csv line 4 and jobs.csv line 5 both write out.png" in message     # names differ only in case
    assert "'output' column" in message


def test_an_output_may_not_overwrite_an_input(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_bytes(b"{}")
    (tmp_path / "a.png").write_bytes(b"")
    with pytest.raises(BatchError, match=r"a\.json: the output .*a\.png is one of the batch's inputs"):
        read_jobs(tmp_path, tmp_path)


@pytest.mark.parametrize(("cell", "name"), [
    ("../../etc/passwd", "etc_passwd.png"),
    ("/tmp/abs.png", "tmp_abs.png"),
    ("..\\..\\win.jpg", "win.jpg"),
    ("a/../../b", "a_b.png"),
    (".hidden", "hidden.png"),
    ("-rf", "rf.png"),
    ("x\x00y\nz", "x_y_z.png"),
    ("visit 1/über.webp", "visit_1_über.webp"),
    ("report.exe", "report.exe.png"),
    ("name.SVG", "name.SVG"),
])
def test_output_names_are_sanitised_into_the_output_folder(tmp_path: Path, cell: str, name: str) -> None:
    manifest = tmp_path / "m" / "jobs.jsonl"
    manifest.parent.mkdir()
    manifest.write_text(json.dumps({"result": "r.json", "output": cell}) + "\n", encoding="utf-8")
    (job,) = read_jobs(manifest, tmp_path / "out")
    assert job.output.parent == tmp_path / "out"
    assert job.output.name == name


def test_a_kind_whose_module_is_missing_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(batch_jobs.JOB_KINDS, "report", ("maskrender.no_such_module", "report_file", ("png",)))
    with pytest.raises(BatchError, match=r"report output needs maskrender\.no_such_module\.report_file, which this "
                                         r"installation lacks \(No module named 'maskrender\.no_such_module'\)"):
        read_jobs(small_manifest(tmp_path, 1), tmp_path / "out", kind="report")


def test_options_of_the_other_kind_are_refused(tmp_path: Path) -> None:
    overlay = write_csv(tmp_path / "o.csv", "result,title", ["a.json,Visit 1"])
    with pytest.raises(BatchError, match=r"o\.csv line 2, column 'title': applies to report output only, not overlay"):
        read_jobs(overlay, tmp_path / "out")
    report = write_csv(tmp_path / "r.csv", "result,side", ["a.json,left"])
    with pytest.raises(BatchError, match=r"r\.csv line 2, column 'side': applies to overlay output only, not report"):
        read_jobs(report, tmp_path / "out", kind="report")
    with pytest.raises(BatchError, match="option 'side' applies to overlay output only"):
        read_jobs(report.with_name("o.csv"), tmp_path / "out", kind="report", defaults={"side": "left"})
    # the command's defaults (side front, no size) are not choices: they are dropped for reports
    (job,) = read_jobs(write_csv(tmp_path / "ok.csv", "result", ["a.json"]), tmp_path / "out", kind="report",
                       defaults={"side": "front", "size": None, "embed_image": False, "dpi": 100})
    assert "side" not in job.options
    assert job.options["dpi"] == 100.0


# ---------------------------------------------------------------------------------------------
# is_complete
# ---------------------------------------------------------------------------------------------


def _encoded(fmt: str) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 90)).save(buf, fmt)
    return buf.getvalue()


SVG = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="4" height="4">'
       b'<g><path d="M0 0h1"/></g></svg>')


@pytest.mark.parametrize(("name", "data", "complete"), [
    ("a.png", _encoded("PNG"), True),
    ("a.png", _encoded("PNG")[:-12], False),                # no IEND
    ("a.png", _encoded("PNG")[:60] + _encoded("PNG")[-12:], False),   # pixels cut out, end kept
    ("a.jpg", _encoded("JPEG"), True),
    ("a.jpg", _encoded("JPEG")[:-2], False),
    ("a.jpg", _encoded("JPEG")[:300] + b"\xff\xd9", False),
    ("a.webp", _encoded("WEBP"), True),
    ("a.webp", _encoded("WEBP")[:-4], False),
    ("a.png", _encoded("JPEG"), False),                     # wrong format for the name
    ("a.svg", SVG, True),
    ("a.svg", SVG[:-6], False),
    ("a.svg", b"<html></html>", False),
    ("a.png", b"", False),
    ("a.gif", b"GIF89a", False),
])
def test_is_complete(tmp_path: Path, name: str, data: bytes, complete: bool) -> None:
    (tmp_path / name).write_bytes(data)
    assert is_complete(tmp_path / name) is complete


def test_a_symlink_or_a_folder_is_never_complete(tmp_path: Path) -> None:
    (tmp_path / "real.png").write_bytes(_encoded("PNG"))
    (tmp_path / "link.png").symlink_to(tmp_path / "real.png")
    (tmp_path / "dir.png").mkdir()
    assert is_complete(tmp_path / "real.png")
    assert not is_complete(tmp_path / "link.png")
    assert not is_complete(tmp_path / "dir.png")
    assert not is_complete(tmp_path / "missing.png")


# ---------------------------------------------------------------------------------------------
# render_batch: outcomes, bounded and lazy, limits, dying workers
# ---------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_failures_are_outcomes_not_exceptions(tmp_path: Path) -> None:
    jobs = [
        Job(FIXTURES / "acne.json", tmp_path / "ok.png", FIXTURES / "portrait.jpg", options={"mask_set": "original"}),
        Job(FIXTURES / "broken/truncated.json", tmp_path / "t.png"),
        Job(FIXTURES / "acne.json", tmp_path / "m.png", tmp_path / "missing.jpg"),
        Job(FIXTURES / "acne.json", tmp_path / "s.png", FIXTURES / "portrait.jpg", options={"only": ["nothing"]}),
        Job(FIXTURES / "acne.json", tmp_path / "no-such-folder" / "x.png", FIXTURES / "portrait.jpg",
            options={"mask_set": "original"}),
    ]
    with ThreadPoolExecutor(1) as pool:
        outcomes = {o.job.output.name: o for o in render_batch(jobs, pool)}
    assert {n: (o.status, o.error) for n, o in outcomes.items()} == {
        "ok.png": ("done", None), "t.png": ("failed", "ParseError"), "m.png": ("failed", "ImageError"),
        "s.png": ("failed", "SelectionError"), "x.png": ("failed", "OutputError")}
    assert outcomes["ok.png"].output == tmp_path / "ok.png"
    assert is_complete(tmp_path / "ok.png")
    assert "missing.jpg: no such file" in (outcomes["m.png"].message or "")
    assert outcomes["t.png"].output is None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ok.png"]


class Counting(ThreadPoolExecutor):
    def __init__(self) -> None:
        super().__init__(2)
        self.submitted = 0

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        self.submitted += 1
        return super().submit(fn, *args, **kwargs)


def test_jobs_are_consumed_lazily_with_a_bounded_number_in_flight(tmp_path: Path) -> None:
    pulled = 0

    def jobs() -> Iterator[Job]:
        nonlocal pulled
        for i in range(12):
            pulled += 1
            yield Job(FIXTURES / "lines.json", tmp_path / f"{i}.svg", options={"size": (64, 64)})

    received = 0
    with Counting() as pool:
        for outcome in render_batch(jobs(), pool, max_in_flight=3):
            assert outcome.status == "done"
            assert pulled - received <= 3
            assert pool.submitted - received <= 3
            received += 1
    assert received == pulled == 12


def test_limits_reach_spawned_workers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_CANVAS_PIXELS", 1000)
    jobs = [Job(FIXTURES / "lines.json", tmp_path / "a.png", options={"size": (64, 64)})]
    (outcome,) = render_batch(jobs, workers=1)
    assert outcome.error == "LimitError"
    assert "more than the 1,000 allowed" in (outcome.message or "")


def test_default_pool_has_a_worker_per_core_and_does_not_fork() -> None:
    pool = process_pool()
    try:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        assert pool._max_workers == cores  # type: ignore[attr-defined]
        assert pool._mp_context.get_start_method() in ("forkserver", "spawn")  # type: ignore[union-attr]
    finally:
        pool.shutdown()


def _die_on_crash(result: Any, output: Any, image: Any = None, **options: Any) -> None:
    if "crash" in os.fspath(output):
        os._exit(3)
    Path(output).write_bytes(b"made")


def test_a_dying_worker_fails_its_jobs_and_the_batch_goes_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # fork, so that the workers see this test's stand-in renderer
    monkeypatch.setitem(batch_jobs.JOB_KINDS, "overlay", (__name__, "_die_on_crash", ("png",)))
    fork = multiprocessing.get_context("fork")
    monkeypatch.setattr(batch_executors.multiprocessing, "get_context", lambda method: fork)  # type: ignore[attr-defined]
    names = ["a", "b", "crash", "c", "d", "e"]
    jobs = [Job("r.json", tmp_path / f"{n}.png") for n in names]
    outcomes = {o.job.output.stem: o for o in render_batch(iter(jobs), workers=1, max_in_flight=1)}
    assert outcomes["crash"].error == "WorkerDied"
    assert "--resume" in (outcomes["crash"].message or "")
    assert {n for n, o in outcomes.items() if o.status == "done"} == {"a", "b", "c", "d", "e"}


# ---------------------------------------------------------------------------------------------
# memory stays flat
# ---------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_memory_stays_flat_over_a_batch(tmp_path: Path) -> None:
    """Python allocations (tracemalloc) and RSS sampled after each job do not grow with jobs."""
    n = 70
    jobs = (Job(FIXTURES / f"{RECORDS[i % 4]}.json", tmp_path / f"{i % 3}.png", FIXTURES / "portrait.jpg",
                options={"mask_set": "original"}) for i in range(n))
    process = psutil.Process()
    traced: list[int] = []
    rss: list[int] = []
    tracemalloc.start()
    try:
        for outcome in render_batch(jobs, Inline(), max_in_flight=2):
            assert outcome.status == "done"
            traced.append(tracemalloc.get_traced_memory()[0])
            rss.append(process.memory_info().rss)
    finally:
        tracemalloc.stop()
    assert len(traced) == n
    warm = 20                                    # caches, lazy imports and allocator pools fill first
    assert max(traced[warm:]) - traced[warm] < 1 << 20, traced[warm::10]
    assert max(rss[warm:]) - rss[warm] < 24 << 20, [r >> 20 for r in rss[warm::10]]


# ---------------------------------------------------------------------------------------------
# the command
# ---------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_cli_batch_writes_outputs_errors_and_a_summary(tmp_path: Path) -> None:
    manifest = write_csv(tmp_path / "jobs.csv", "result,image,output,masks,only,opacity", [
        f"{FIXTURES}/acne.json,{FIXTURES}/portrait.jpg,acne,original,acne;papules,0.5",
        f"{FIXTURES}/pores.json,{FIXTURES}/portrait.jpg,pores.jpg,original,,",
        f"{FIXTURES}/broken/empty.json,{FIXTURES}/portrait.jpg,empty,original,,",
        f"{FIXTURES}/lines.json,{FIXTURES}/portrait.jpg,lines.svg,original,,",
    ])
    out = tmp_path / "out"
    run = cli("batch", manifest, "-o", out, "--jobs", "2")
    assert run.returncode == 1, run.stderr
    assert listing(out) == ["acne.png", "errors.jsonl", "lines.svg", "pores.jpg"]
    assert all(is_complete(out / n) for n in ("acne.png", "lines.svg", "pores.jpg"))
    (record,) = [json.loads(line) for line in (out / "errors.jsonl").read_text(encoding="utf-8").splitlines()]
    assert record["error"] == "ParseError"
    assert record["message"].endswith("empty.json: empty input, expected JSON")
    assert record["job"]["source"] == "jobs.csv line 4"
    assert record["job"]["output"] == str(out / "empty.png")
    assert run.stdout.startswith("3 done, 0 skipped, 1 failed in ")
    assert run.stdout.rstrip().endswith(f"images/s); failures listed in {out / 'errors.jsonl'}")
    assert "maskrender: failed: jobs.csv line 4: ParseError:" in run.stderr
    assert "\r" not in run.stderr
    assert "img/s" not in run.stderr
    # the overlay equals what `maskrender render` makes
    single = cli("render", FIXTURES / "acne.json", "--image", FIXTURES / "portrait.jpg", "--mask-set", "original",
                 "--only", "acne", "--only", "papules", "--opacity", "0.5", "-o", tmp_path / "single.png")
    assert single.returncode == 0, single.stderr
    assert (tmp_path / "single.png").read_bytes() == (out / "acne.png").read_bytes()


@pytest.mark.slow
def test_cli_batch_all_done_exits_0_and_quiet_prints_nothing(tmp_path: Path) -> None:
    run = cli("batch", small_manifest(tmp_path, 3), "-o", tmp_path / "out", "-q")
    assert (run.returncode, run.stdout, run.stderr) == (0, "", "")
    assert len(listing(tmp_path / "out")) == 3


@pytest.mark.parametrize(("args", "message"), [
    (["batch", "{tmp}/missing", "-o", "{tmp}/out"], "no such manifest or folder"),
    (["batch", "{tmp}/bad.csv", "-o", "{tmp}/out"], "bad.csv line 1: unknown column 'photo'"),
    (["batch", "{tmp}/dup.csv", "-o", "{tmp}/out"], "dup.csv line 2 and dup.csv line 3 both write acne.png"),
    (["batch", "{tmp}/dup.csv", "-o", "{tmp}/out", "--jobs", "2", "--scheduler", "tcp://x:1"], "not allowed with"),
    (["batch", "{tmp}/dup.csv", "-o", "{tmp}/out", "--jobs", "0"], "expected a whole number of at least 1"),
    (["batch", "{tmp}/ok.csv", "-o", "{tmp}/out", "--opacity", "2"], "expected a number from 0 to 1"),
    (["batch", "{tmp}/ok.csv", "-o", "{tmp}/out", "--format", "tiff"], "cannot be written as 'tiff'"),
    (["batch", "{tmp}/ok.csv", "-o", "{tmp}/out", "--scheduler", "nonsense"],
     "cannot reach the Dask scheduler at nonsense: missing port number"),
])
def test_cli_usage_errors_exit_2_before_any_work(tmp_path: Path, args: list[str], message: str) -> None:
    write_csv(tmp_path / "bad.csv", "result,photo", ["a.json,a.jpg"])
    write_csv(tmp_path / "dup.csv", "result", [f"{FIXTURES}/acne.json", f"{FIXTURES}/broken/../acne.json"])
    write_csv(tmp_path / "ok.csv", "result", [f"{FIXTURES}/acne.json"])
    run = cli(*(a.format(tmp=tmp_path) for a in args))
    assert run.returncode == 2
    assert message in run.stderr
    assert run.stdout == ""
    assert not (tmp_path / "out").exists()


def test_one_output_folder_takes_one_batch_at_a_time(tmp_path: Path) -> None:
    import fcntl

    out = tmp_path / "out"
    out.mkdir()
    fd = os.open(out, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)          # as a running batch holds it
        run = cli("batch", small_manifest(tmp_path, 1), "-o", out)
    finally:
        os.close(fd)
    assert run.returncode == 2
    assert f"{out}: another batch is writing into this folder" in run.stderr
    assert list(out.iterdir()) == []


@pytest.mark.slow
def test_cli_report_batch_with_per_job_report_columns(tmp_path: Path) -> None:
    from maskrender.report import report_file

    manifest = tmp_path / "visits" / "jobs.jsonl"
    manifest.parent.mkdir()
    rows = [
        {"result": "../../../work/none.json", "output": "missing"},
        {"result": str(FIXTURES / "results_list.json"), "image": str(FIXTURES / "restored.jpg"), "output": "p42.pdf",
         "title": "Visit 2", "subject": 42, "before": str(FIXTURES / "results_list_before.json"),
         "before_image": str(FIXTURES / "restored.jpg")},
        {"result": str(FIXTURES / "pores.json"), "image": str(FIXTURES / "restored.jpg"), "output": "pores",
         "width": 640, "only": "pores", "opacity": 0.8},
    ]
    manifest.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "out"
    run = cli("batch", manifest, "-o", out, "--kind", "report", "--format", "jpg", "-j", "2")
    assert run.returncode == 1, run.stderr
    assert run.stdout.startswith("2 done, 0 skipped, 1 failed")
    assert listing(out) == ["errors.jsonl", "p42.pdf", "pores.jpg"]
    assert is_complete(out / "p42.pdf")
    assert is_complete(out / "pores.jpg")
    assert Image.open(out / "pores.jpg").width == 640
    expected = report_file(FIXTURES / "pores.json", tmp_path / "direct.jpg", FIXTURES / "restored.jpg", width=640,
                           only=("pores",), style=Style(opacity=0.8))
    assert expected.read_bytes() == (out / "pores.jpg").read_bytes()
    (record,) = [json.loads(line) for line in (out / "errors.jsonl").read_text(encoding="utf-8").splitlines()]
    assert record["job"]["source"] == "jobs.jsonl line 1"
    assert record["job"]["kind"] == "report"


@pytest.mark.slow
def test_cli_outputs_are_identical_whatever_the_number_of_workers(tmp_path: Path) -> None:
    manifest = small_manifest(tmp_path, 6)
    lines = manifest.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace(".png", ".jpg")
    lines[4] = lines[4].replace(".png", ".webp")
    lines[5] = lines[5].replace(".png", ".svg")
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for n in ("1", "2"):
        run = cli("batch", manifest, "-o", tmp_path / f"out{n}", "--jobs", n)
        assert run.returncode == 0, run.stderr
    one, two = contents(tmp_path / "out1"), contents(tmp_path / "out2")
    assert len(one) == 6
    assert one == two
    (tmp_path / "threads").mkdir()
    with ThreadPoolExecutor(2) as pool:
        for o in render_batch(read_jobs(manifest, tmp_path / "threads"), pool):
            assert o.ok
    assert contents(tmp_path / "threads") == one


def test_cli_folder_source(tmp_path: Path) -> None:
    results = tmp_path / "results"
    results.mkdir()
    for name, record in (("ann", "acne"), ("bob", "redness")):
        shutil.copy(FIXTURES / f"{record}.json", results / f"{name}.json")
        shutil.copy(FIXTURES / "portrait.jpg", results / f"{name}.jpg")
    run = cli("batch", results, "-o", tmp_path / "out", "--mask-set", "original", "--format", "webp")
    assert run.returncode == 0, run.stderr
    assert listing(tmp_path / "out") == ["ann.webp", "bob.webp"]
    assert Image.open(tmp_path / "out" / "ann.webp").size == (512, 600)


def test_a_symlink_in_the_output_folder_is_replaced_not_written_through(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    victim = elsewhere / "victim.png"
    victim.write_bytes(_encoded("PNG"))            # a complete image: --resume must not trust it
    errors_victim = elsewhere / "list.txt"
    errors_victim.write_text("keep me", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / "job00.png").symlink_to(victim)
    (out / "errors.jsonl").symlink_to(errors_victim)
    manifest = small_manifest(tmp_path, 1)
    with manifest.open("a", encoding="utf-8") as fh:
        fh.write(f"{FIXTURES}/broken/empty.json,,job01.png,\n")
    run = cli("batch", manifest, "-o", out, "--resume")
    assert run.returncode == 1, run.stderr
    assert victim.read_bytes() == _encoded("PNG")
    assert errors_victim.read_text(encoding="utf-8") == "keep me"
    assert not (out / "job00.png").is_symlink()
    assert is_complete(out / "job00.png")
    assert not (out / "errors.jsonl").is_symlink()
    assert run.stdout.startswith("1 done, 0 skipped, 1 failed")


@pytest.mark.slow
def test_resume_skips_complete_outputs_and_redoes_the_rest(tmp_path: Path) -> None:
    manifest = small_manifest(tmp_path, 4)
    out = tmp_path / "out"
    assert cli("batch", manifest, "-o", out).returncode == 0
    reference = contents(out)
    kept = (out / "job00.png").stat().st_mtime_ns
    (out / "job01.png").write_bytes(reference["job01.png"][: len(reference["job01.png"]) // 2])  # truncated
    (out / "job02.png").unlink()
    (out / ".job03.png.a1b2c3d4.part").write_bytes(b"named like a temporary file, not made by the batch")
    run = cli("batch", manifest, "-o", out, "--resume")
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("2 done, 2 skipped, 0 failed")
    assert contents(out) == {**reference, ".job03.png.a1b2c3d4.part": b"named like a temporary file, not made by "
                             b"the batch"}       # a batch removes only what it made
    assert (out / "job00.png").stat().st_mtime_ns == kept


@pytest.mark.slow
def test_progress_bar_on_a_terminal(tmp_path: Path) -> None:
    import fcntl
    import pty
    import struct
    import termios

    manifest = small_manifest(tmp_path, 3)
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))   # a 100-column terminal
    try:
        proc = subprocess.run([sys.executable, "-m", "maskrender", "batch", str(manifest), "-o", str(tmp_path / "o")],
                              stderr=follower, stdout=subprocess.PIPE, text=True, cwd=ROOT, timeout=120)
        os.close(follower)
        follower = -1
        seen = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    finally:
        os.close(leader)
        if follower >= 0:
            os.close(follower)
    assert proc.returncode == 0
    assert b"3/3" in seen
    assert b"img/s" in seen
    assert proc.stdout.startswith("3 done, 0 skipped, 0 failed")


def test_run_batch_progress_and_messages_go_to_the_given_stream(tmp_path: Path) -> None:
    stream = io.StringIO()
    jobs = read_jobs(small_manifest(tmp_path, 2), tmp_path / "out")
    with ThreadPoolExecutor(1) as pool:
        summary = run_batch(jobs, tmp_path / "out", executor=pool, progress=True, messages=stream)
    assert summary.exit_status == 0
    assert "2/2" in stream.getvalue()
    assert str(summary).startswith("2 done, 0 skipped, 0 failed in ")


# ---------------------------------------------------------------------------------------------
# killed mid-batch, then --resume
# ---------------------------------------------------------------------------------------------


N_BIG = 12


@pytest.fixture(scope="module")
def big_batch(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A manifest of slower jobs, and its outputs made in one uninterrupted run."""
    folder = tmp_path_factory.mktemp("big")
    manifest = big_manifest(folder, N_BIG)
    run = cli("batch", manifest, "-o", folder / "reference", "-q")
    assert run.returncode == 0, run.stderr
    return manifest, folder / "reference"


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["SIGKILL", "SIGINT"])
def test_a_batch_killed_mid_way_then_resumed_ends_complete(tmp_path: Path, big_batch: tuple[Path, Path],
                                                            sig: signal.Signals) -> None:
    manifest, reference = big_batch
    n = N_BIG
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "maskrender", "batch", str(manifest), "-o", str(out), "-j", "2"],
                            cwd=ROOT, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        first = threading.Event()
        while proc.poll() is None and not first.wait(0.005):   # until the first output lands
            if out.is_dir() and any(p.suffix == ".jpg" for p in out.iterdir()):
                first.set()
        assert first.is_set(), "the batch ended before any output appeared"
        os.killpg(proc.pid, sig)                                # the CLI, its pool and its workers
        stdout, _ = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    made = [p for p in out.iterdir() if p.suffix == ".jpg"]
    assert 0 < len(made) < n, "the kill should land mid-batch"
    if sig == signal.SIGINT:          # no new job starts; those running finish and are counted
        assert proc.returncode == 130
        assert "interrupted: run it again with --resume" in stdout
        assert stdout.startswith(f"{len(made)} done, 0 skipped, 0 failed")
    else:
        assert proc.returncode == -signal.SIGKILL
    for p in made:                                               # what exists is never truncated
        assert is_complete(p)
        assert p.read_bytes() == (reference / p.name).read_bytes()

    run = cli("batch", manifest, "-o", out, "--resume", "-j", "2")
    assert run.returncode == 0, run.stderr
    skipped = int(run.stdout.split(" skipped")[0].rsplit(" ", 1)[1])
    assert skipped >= len(made)
    assert listing(out) == listing(reference)                      # nothing half-made is left over
    assert all(is_complete(out / name) for name in listing(out))
    assert sorted(os.listdir(out / WORK)) == ["ABOUT", "made.jsonl"]       # the killed run's scratch is gone
    assert contents(out) == contents(reference)


def test_every_column_is_documented() -> None:
    assert COLUMNS[:3] == ("result", "image", "output")
    help_text = cli("batch", "--help").stdout
    for name in ("mask_set", "side", "only", "opacity", "fill", "size"):
        assert name in help_text
