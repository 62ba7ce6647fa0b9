"""Hostile arguments and files at the command line and the API (issue 15, points 3, 5, 7, 8, 9):
named pipes and devices, path arguments that look like JSON, a full standard output, sizes and
qualities out of range, pictures too large for a format or for the rasteriser, escape sequences
in the data. Each is one line on stderr, exit status 2, nothing written."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import FIXTURES, ROOT, bare_mask, png_header_only, square
from PIL import Image

import maskrender as mr
from maskrender.encode import encode

RESULT = FIXTURES / "results_list.json"
ESCAPES = "\x1b]0;owned\x07\x1b[2J\x9b1m"


def cli(*args: str | os.PathLike[str], timeout: float = 60, **kwargs: object) -> subprocess.CompletedProcess[bytes]:
    kwargs.setdefault("cwd", ROOT)
    return subprocess.run([sys.executable, "-m", "maskrender", *map(str, args)], capture_output=True,  # type: ignore[no-any-return]
                          timeout=timeout, **kwargs)  # type: ignore[call-overload]


def one_line_error(run: subprocess.CompletedProcess[bytes], *parts: str) -> str:
    """Assert exit status 2 and one ``maskrender: error:`` line (no traceback) holding ``parts``."""
    err = run.stderr.decode("utf-8", "replace")
    assert run.returncode == 2, err
    assert err.startswith("maskrender"), err
    assert err.count("\n") == 1, err
    for part in parts:
        assert part in err, err
    return err


# ---------------------------------------------------------------------------------------------
# point 3: reads that could block or never end
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "fifo.json"
    os.mkfifo(path)
    return path


def test_info_on_a_named_pipe_is_refused_at_once(fifo: Path) -> None:
    one_line_error(cli("info", fifo, timeout=20), "is a named pipe (FIFO), not a regular file; expected a JSON file")


def test_info_on_a_device_never_reads_it(tmp_path: Path) -> None:
    run = cli("info", "/dev/zero", timeout=20, preexec_fn=lambda: __import__("resource").setrlimit(
        __import__("resource").RLIMIT_AS, (2 << 30, 2 << 30)))         # were it read: MemoryError, not an answer
    one_line_error(run, "/dev/zero: is a character device, not a regular file")


def test_a_photo_or_a_manifest_that_is_a_pipe_is_refused(fifo: Path, tmp_path: Path) -> None:
    one_line_error(cli("render", RESULT, "--image", fifo, "-o", tmp_path / "o.png", timeout=20),
                   "fifo.json: is a named pipe (FIFO), not a regular file; expected a photo")
    manifest = tmp_path / "jobs.csv"
    os.mkfifo(manifest)
    one_line_error(cli("batch", manifest, "-o", tmp_path / "out", timeout=20), "expected a manifest file")
    with pytest.raises(mr.ParseError, match="named pipe"):
        mr.load(fifo)


# ---------------------------------------------------------------------------------------------
# point 8: a path argument is a path
# ---------------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("name", ["[visit 1].json", "{2024}.json"])
def test_path_arguments_that_start_like_json_are_paths(tmp_path: Path, name: str) -> None:
    shutil.copy(FIXTURES / "results_list.json", tmp_path / name)
    shutil.copy(FIXTURES / "results_list_before.json", tmp_path / f"old {name}")
    run = cli("info", name, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout.decode().startswith(f"{name}: 7 result(s)")
    run = cli("render", name, "-o", "o.png", "--size", "64x64", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    run = cli("report", name, "--before", f"old {name}", "-o", "r.svg", "--width", "400", cwd=tmp_path)
    assert run.returncode == 0, run.stderr


# ---------------------------------------------------------------------------------------------
# point 7: standard output cannot be written
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("args", [["info", str(RESULT)], ["info", str(RESULT), "--json"],
                                  ["render", str(RESULT), "--size", "32x32", "-o", "{tmp}/o.png"]])
def test_a_full_standard_output_is_one_line_and_exit_2(tmp_path: Path, args: list[str]) -> None:
    with open("/dev/full", "w") as full:
        run = subprocess.run([sys.executable, "-m", "maskrender", *(a.format(tmp=tmp_path) for a in args)],
                             stdout=full, stderr=subprocess.PIPE, cwd=ROOT, timeout=60)
    one_line_error(run, "cannot write to standard output: No space left on device")


def test_a_reader_that_goes_away_is_quiet(tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "maskrender", "info", str(RESULT)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, cwd=ROOT)
    assert proc.stdout is not None
    proc.stdout.close()                            # as `| head -0` does
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0
    assert err == b""


# ---------------------------------------------------------------------------------------------
# point 5: sizes, qualities and pictures out of range
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("args", "message"), [
    (["--line-width", "1e308"], "not a size: '1e308' (at most 1,000,000 pixels or 10000%)"),
    (["--point-radius", "1e300%"], "not a size"),
    (["--outline", "inf"], "not a size"),
    (["--quality", "101", "-o", "{tmp}/o.jpg"], "expected a whole number from 1 to 100, not '101'"),
    (["--size", "20000x100", "-o", "{tmp}/o.webp"], "20000x100 is wider or taller than WebP's largest 16,383 pixels"),
    (["--size", "70000x100", "-o", "{tmp}/o.jpg"], "70000x100 is wider or taller than JPEG's largest 65,535 pixels"),
    (["--size", "600000x10", "-o", "{tmp}/o.png"], "a side is longer than the 524,287 pixels a picture may have"),
    (["--size", "100000000x1", "-o", "{tmp}/o.png"], "a side is longer than the 524,287 pixels"),
    (["--size", "10001x10000", "-o", "{tmp}/o.png"], "more than the 100,000,000 allowed"),
])
def test_out_of_range_is_one_line_and_writes_nothing(tmp_path: Path, args: list[str], message: str) -> None:
    argv = [a.format(tmp=tmp_path) for a in args]
    if "-o" not in argv:
        argv += ["-o", str(tmp_path / "o.png")]
    one_line_error(cli("render", RESULT, *argv), message)
    assert list(tmp_path.iterdir()) == []


def test_a_photo_larger_than_an_output_may_be_is_refused_from_its_header(tmp_path: Path) -> None:
    """12,000 x 12,000 is within MAX_IMAGE_PIXELS (a photo may be read) but not MAX_CANVAS_PIXELS (an
    output of its size may not be made): refused before a pixel is decoded."""
    photo = tmp_path / "huge.png"
    photo.write_bytes(png_header_only(12_000, 12_000))
    one_line_error(cli("render", RESULT, "--image", photo, "-o", tmp_path / "o.png"),
                   "huge.png: an output the photo's size, 12000x12000 is 144,000,000 pixels, more than the "
                   "100,000,000 allowed (maskrender.limits.MAX_CANVAS_PIXELS)")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["huge.png"]


def test_quality_and_compress_level_are_checked_in_every_call(tmp_path: Path) -> None:
    picture = Image.new("RGB", (8, 8))
    for bad in (0, 101, 2.5, True):
        with pytest.raises(mr.InputError, match="quality must be a whole number from 1 to 100"):
            encode(picture, "JPEG", quality=bad)  # type: ignore[arg-type]
        with pytest.raises(mr.InputError, match="quality"):
            encode(picture, "WEBP", quality=bad)  # type: ignore[arg-type]
    with pytest.raises(mr.InputError, match="quality"):
        mr.render_file(RESULT, tmp_path / "o.jpg", size=(16, 16), quality=101)
    with pytest.raises(mr.InputError, match="compress_level must be a whole number from 0 to 9"):
        encode(picture, "PNG", compress_level=10)
    assert list(tmp_path.iterdir()) == []


def test_a_mask_at_the_rasteriser_s_widest_canvas_is_drawn_where_it_is(tmp_path: Path) -> None:
    """524,287 px wide (the widest allowed): a square at the far right lands at the far right."""
    w = 524_287
    mask = bare_mask("polygon_mask", [[square(w - 40, 0, w - 10, 10)]], view_box=f"0 0 {w} 10", fill="#00ff00")
    out = mr.render(mask, size=(w, 10), style=mr.Style(opacity=1.0))
    assert out.getpixel((w - 20, 5)) == (0, 255, 0, 255)
    assert out.getpixel((w - 60, 5))[3] == 0  # type: ignore[index]


# ---------------------------------------------------------------------------------------------
# point 9: what the data says is printed escaped
# ---------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_names_from_the_data_are_escaped_in_errors_and_warnings(tmp_path: Path) -> None:
    result = json.loads((FIXTURES / "acne.json").read_text())
    text = json.dumps(result).replace('"papules_mask_restored"', json.dumps("papules" + ESCAPES))
    evil = tmp_path / "evil.json"
    evil.write_text(text)
    runs = [cli("render", evil, "--only", "nothing", "-o", tmp_path / "o.png"),
            cli("render", evil, "--fill", "nothing=red", "-o", tmp_path / "o.png"),
            cli("report", evil, "--only", "nothing", "-o", tmp_path / "r.png"),
            cli("info", evil)]
    for run in runs:
        for raw in (run.stdout, run.stderr):
            assert not re.search(rb"[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]", raw), raw
    assert b"papules" in runs[0].stderr
