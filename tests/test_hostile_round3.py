"""Hostile input, round three (issue 22): wrong types at the public API, photos the reader got wrong
(big-endian 16-bit, complex numbers), ``only="acne"`` as one name, smoothed results, signals and
out-of-memory during a write, and what the command line prints."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from helpers import FIXTURES, ROOT, bare_mask, square
from PIL import Image

import maskrender as mr
from maskrender.image import open_photo

ACNE = FIXTURES / "acne.json"


# ---------------------------------------------------------------------------------------------
# wrong types at the public API: a TypeError or an InputError that says what was expected
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("photo", [5, [[1, 2, 3]], {}, 2.5, object()])
def test_a_photo_of_the_wrong_type_says_what_a_photo_may_be(photo: object) -> None:
    with pytest.raises(TypeError, match="photo: expected a path, encoded bytes, a binary file, a PIL image or a "
                                        "numpy array, not"):
        mr.render(ACNE, photo)  # type: ignore[call-overload]


@pytest.mark.parametrize("call", [mr.render, mr.render_svg])
def test_a_style_that_is_not_a_style_is_refused_by_name(call: object) -> None:
    with pytest.raises(TypeError, match=r"style: expected a maskrender.Style .* not str"):
        call(ACNE, style="red")  # type: ignore[operator]


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"outline": None}, "outline must be a size"),
    ({"line_width": None}, "line_width must be a size"),
    ({"point_radius": 10**400}, "not a size: an integer of 401 digits"),
    ({"outline": 10**5000}, "not a size: an integer of"),
    ({"fills": "red"}, "fills must be a mapping of mask names to colours"),
    ({"fills": {3: "red"}}, "fills must be a mapping of mask names to colours"),
])
def test_style_values_are_checked_when_the_style_is_made(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(mr.InputError, match=message):
        mr.Style(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("given", ["fixtures/acne.json", b"{}", {"a": 1}, 5])
def test_summarize_takes_loaded_results_and_says_so(given: object) -> None:
    with pytest.raises(TypeError, match=r"summarize: expected loaded results \(maskrender.Results\)"):
        mr.summarize(given)  # type: ignore[arg-type]


def test_summarize_takes_one_result_too() -> None:
    result = mr.load(ACNE)[0]
    assert mr.summarize(result)["results"][0]["algorithm"] == result.algorithm


# ---------------------------------------------------------------------------------------------
# photos read wrong: big-endian 16-bit came out white, complex numbers lost their imaginary part
# ---------------------------------------------------------------------------------------------


def test_a_big_endian_16_bit_array_reads_as_its_values() -> None:
    arr = np.full((10, 12), 30000, dtype=">u2")
    assert open_photo(arr).getpixel((0, 0)) == (117, 117, 117)   # round(30000 * 255 / 65535)
    assert open_photo(arr.astype("<u2")).getpixel((0, 0)) == (117, 117, 117)


@pytest.mark.parametrize("mode", ["I;16B", "I;16N", "I;16L", "I;16"])
def test_16_bit_pil_images_of_either_byte_order_read_as_their_values(mode: str) -> None:
    order = ">" if mode == "I;16B" else "="
    im = Image.frombytes(mode, (12, 10), np.full((10, 12), 30000, dtype=f"{order}u2").tobytes())
    assert open_photo(im).getpixel((3, 3)) == (117, 117, 117)


def test_a_16_bit_big_endian_tiff_reads_as_its_values() -> None:
    im = Image.frombytes("I;16B", (12, 10), np.full((10, 12), 30000, dtype=">u2").tobytes())
    buf = io.BytesIO()
    im.save(buf, "TIFF")
    assert open_photo(buf.getvalue()).getpixel((3, 3)) == (117, 117, 117)


@pytest.mark.parametrize("shape", [(0, 10, 3), (10, 0), (0, 0)])
def test_a_photo_array_without_pixels_is_refused(shape: tuple[int, ...]) -> None:
    with pytest.raises(mr.ImageError, match="a photo needs pixels"):
        open_photo(np.zeros(shape, dtype=np.uint8))


@pytest.mark.parametrize("dtype", [np.complex64, np.complex128, object, "U3"])
def test_a_photo_array_of_complex_numbers_or_objects_is_refused(dtype: object) -> None:
    arr = np.zeros((10, 10, 3), dtype=dtype)  # type: ignore[call-overload]
    with pytest.raises(mr.ImageError, match=f"dtype {np.dtype(dtype)}: expected unsigned integers"):  # type: ignore[call-overload]
        mr.render(ACNE, arr)


# ---------------------------------------------------------------------------------------------
# only="acne" is one name, never its characters
# ---------------------------------------------------------------------------------------------


def test_only_as_a_string_is_one_name_everywhere() -> None:
    results = mr.load(ACNE)
    want = [m.tech_name for m in results.masks(only=["acne"])]
    assert want
    assert [m.tech_name for m in results.masks(only="acne")] == want
    assert [m.tech_name for m in mr.select_masks(ACNE, only="acne")] == want
    assert np.array_equal(np.asarray(mr.render(ACNE, size=(64, 64), only="acne")),
                          np.asarray(mr.render(ACNE, size=(64, 64), only=["acne"])))
    assert mr.render_svg(ACNE, only="acne") == mr.render_svg(ACNE, only=["acne"])


def test_a_one_letter_name_is_not_selected_by_a_longer_string() -> None:
    one_letter = bare_mask("polygon_mask", [[square(10, 10, 20, 20)]], tech_name="a")
    with pytest.raises(mr.SelectionError, match="no restored front mask matches acne;"):
        mr.select_masks(one_letter, only="acne")
    with pytest.raises(mr.SelectionError, match="matches ace;"):
        mr.select_masks(ACNE, only="ace")


@pytest.mark.parametrize("only", [5, [1, 2], b"acne"])
def test_only_of_the_wrong_type_says_what_was_expected(only: object) -> None:
    with pytest.raises(TypeError, match=r"only: expected a name or a list of names"):
        mr.select_masks(ACNE, only=only)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# signals and killed writers: no .part temporary left behind
# ---------------------------------------------------------------------------------------------


def _parts(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


def _dead_pid() -> int:
    """The id of a process that has ended (and been reaped)."""
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True)
    return int(done.stdout)


def test_a_dead_writer_s_temporary_is_removed_by_the_next_write_of_that_output(tmp_path: Path) -> None:
    from maskrender.atomic import atomic_write, temporary_name

    dead, alive = _dead_pid(), os.getppid()
    stale = tmp_path / temporary_name("o.png", pid=dead)
    busy = tmp_path / temporary_name("o.png", pid=alive)        # a writer still at work: not touched
    other = tmp_path / temporary_name("other.png", pid=dead)    # another output's: its own next write
    for p in (stale, busy, other):
        p.write_bytes(b"x" * 1000)
    atomic_write(tmp_path / "o.png", b"complete")
    assert (tmp_path / "o.png").read_bytes() == b"complete"
    assert _parts(tmp_path) == sorted([busy.name, other.name])


def test_a_long_name_s_temporary_is_found_again(tmp_path: Path) -> None:
    from maskrender.atomic import atomic_write, temporary_name

    name = "é" * 120 + ".png"                                   # 244 bytes: the temporary's name is shortened
    stale = tmp_path / temporary_name(name, pid=_dead_pid())
    stale.write_bytes(b"x")
    atomic_write(tmp_path / name, b"ok")
    assert _parts(tmp_path) == []


_WRITER = """
import sys
from maskrender.atomic import atomic_write
data = b"\\x00" * (64 << 20)
print("ready", flush=True)
while True:
    atomic_write(sys.argv[1], data)
"""


@pytest.mark.slow
def test_a_writer_killed_at_random_times_leaves_no_temporary(tmp_path: Path) -> None:
    """SIGKILL during a 64 MB write, 12 times: the unnamed temporary (O_TMPFILE) dies with the writer;
    what a kill between naming and renaming leaves, the next write removes."""
    import random
    import time

    target = tmp_path / "big.bin"
    rng = random.Random(22)
    for _ in range(12):
        proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(target)], stdout=subprocess.PIPE)
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == b"ready"
        time.sleep(rng.uniform(0.0, 0.3))
        proc.kill()
        proc.wait()
        if target.exists():
            assert target.stat().st_size == 64 << 20            # never partial
    from maskrender.atomic import atomic_write

    atomic_write(target, b"last")
    assert _parts(tmp_path) == []


def test_the_named_fallback_cleans_up_on_an_interrupt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from maskrender import atomic

    monkeypatch.setattr(atomic, "_anonymous", lambda folder: None)   # a file system without O_TMPFILE
    calls = []

    def interrupted(fd: int, data: bytes, mode: int | None) -> None:
        calls.append(_parts(tmp_path))
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic, "_fill", interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic.atomic_write(tmp_path / "o.png", b"data")
    assert len(calls[0]) == 1
    assert calls[0][0].startswith(f".o.png.{os.getpid()}.")
    assert _parts(tmp_path) == []
    assert not (tmp_path / "o.png").exists()


def test_sigterm_stops_the_command_as_ctrl_c_does(tmp_path: Path) -> None:
    """SIGTERM mid-render: one line, status 130 (as SIGINT), no output and no temporary."""
    import signal
    import time

    out = tmp_path / "o.png"
    proc = subprocess.Popen([sys.executable, "-c", "import sys, time; import maskrender.cli as c; "
                             "print('ready', flush=True); sys.exit(c.main(sys.argv[1:]))",
                             "render", str(FIXTURES / "results_list.json"), "--image", str(FIXTURES / "restored.jpg"),
                             "--size", "6000x6000", "-o", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == b"ready"
    time.sleep(0.3)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, (proc.returncode, err)
    assert err.decode() == "maskrender: interrupted\n"
    assert not out.exists()
    assert _parts(tmp_path) == []


# ---------------------------------------------------------------------------------------------
# out of memory: one line naming what was being made, nothing written
# ---------------------------------------------------------------------------------------------


def _capped(args: list[str], limit_mb: int) -> subprocess.CompletedProcess[str]:
    import resource

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit_mb << 20, limit_mb << 20))

    return subprocess.run([sys.executable, "-m", "maskrender", *args], capture_output=True, text=True, cwd=ROOT,
                          preexec_fn=cap, timeout=120)


@pytest.mark.parametrize(("command", "extra"), [
    ("render", ["--size", "9000x9000"]),
    pytest.param("report", ["--width", "7000"], marks=pytest.mark.slow),
    pytest.param("export", ["--size", "9000x9000"], marks=pytest.mark.slow),
])
def test_out_of_memory_is_one_line_naming_the_output(tmp_path: Path, command: str, extra: list[str]) -> None:
    out = tmp_path / ("o.npz" if command == "export" else "o.png")
    image = ["--image", str(FIXTURES / "restored.jpg")] if command != "export" else []
    run = _capped([command, str(FIXTURES / "results_list.json"), *image, *extra, "-o", str(out)], 400)
    assert run.returncode == 2, run.stderr
    smaller = "--width" if command == "report" else "--max-size"
    assert run.stderr == (f"maskrender: error: out of memory while making the {command} of {out}; nothing was "
                          f"written (free memory or give a smaller {smaller})\n")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_out_of_memory_in_info_is_one_line(tmp_path: Path) -> None:
    feats = [{"type": "Feature", "geometry": {"type": "MultiPoint", "coordinates": [[i % 2000, i // 2000]
                                                                                    for i in range(1_500_000)]}}]
    big = tmp_path / "big.json"
    big.write_text(json.dumps({"mask_type": "point_mask", "view_box": "0 0 2000 2000", "features": feats}))
    run = _capped(["info", str(big)], 330)
    assert run.returncode == 2, run.stderr
    assert run.stderr.startswith(f"maskrender: error: out of memory while making the info of {big};"), run.stderr
    assert run.stderr.count("\n") == 1


# ---------------------------------------------------------------------------------------------
# every line the command prints is escaped
# ---------------------------------------------------------------------------------------------

ESCAPES = "\x1b]0;owned\x07\x1b[2J\x9b1m"


@pytest.mark.parametrize("ext", [".png", ".npz", ".coco.json"])
def test_export_prints_mask_names_escaped(tmp_path: Path, ext: str, capsys: pytest.CaptureFixture[str]) -> None:
    from maskrender.cli import main

    data = tmp_path / "r.json"
    data.write_text(json.dumps(bare_mask("polygon_mask", [[square(10, 10, 40, 40)]], tech_name=f"acne{ESCAPES}")))
    assert main(["export", str(data), "-o", str(tmp_path / f"o{ext}")]) == 0
    out = capsys.readouterr().out
    assert not any(c in out for c in "\x1b\x07\x9b"), repr(out)
    assert "wrote" in out
