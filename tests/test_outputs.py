"""Outputs never overwrite inputs, however they are reached, and names the file system cannot hold
are one-line errors (issue 15, points 1, 8 and 10): ``maskrender.outputs`` and its callers."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import FIXTURES, ROOT, sha256

from maskrender.atomic import atomic_write
from maskrender.errors import OutputError
from maskrender.outputs import check_name, check_output, refuse_inputs
from maskrender.overlay import render_file

RESULT = FIXTURES / "results_list.json"


def cli(*args: str | os.PathLike[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "maskrender", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    path = tmp_path / "p.jpg"
    shutil.copy(FIXTURES / "restored.jpg", path)
    return path


# ---------------------------------------------------------------------------------------------
# an output is never an input
# ---------------------------------------------------------------------------------------------


def _aliases(photo: Path) -> dict[str, Path]:
    """Other names of ``photo``: through a symlinked folder, a ``..`` detour, a symlink, a hard link."""
    folder = photo.parent
    (folder / "via").symlink_to(folder)
    (folder / "sub").mkdir()
    (folder / "link.jpg").symlink_to(photo)
    os.link(photo, folder / "hard.jpg")
    return {"symlinked folder": folder / "via" / photo.name, "dot-dot": folder / "sub" / ".." / photo.name,
            "symlink": folder / "link.jpg", "hard link": folder / "hard.jpg", "same path": photo}


@pytest.mark.parametrize("how", ["symlinked folder", "dot-dot", "symlink", "hard link", "same path"])
def test_render_file_refuses_any_name_of_its_photo(photo: Path, how: str) -> None:
    target = _aliases(photo)[how]
    before = sha256(photo)
    with pytest.raises(OutputError, match="refusing to overwrite an input"):
        render_file(RESULT, target, photo)
    assert sha256(photo) == before


def test_render_file_refuses_its_result_and_an_open_input_file(tmp_path: Path, photo: Path) -> None:
    result = tmp_path / "r.json"
    shutil.copy(RESULT, result)
    os.link(result, tmp_path / "r.png")          # the output's name is a second name of the result
    with pytest.raises(OutputError, match="is the input"):
        render_file(result, tmp_path / "r.png", photo)
    other = tmp_path / "other-name.jpg"
    os.link(photo, other)
    with other.open("rb") as fh, pytest.raises(OutputError, match="is the input"):
        render_file(RESULT, photo, fh)           # an open file is compared by what it is, not by its name
    assert sha256(result) == sha256(RESULT)


def test_cli_render_through_a_symlinked_folder_is_one_line_exit_2(photo: Path) -> None:
    before = sha256(photo)
    (photo.parent / "out").symlink_to(photo.parent)
    run = cli("render", RESULT, "--image", photo, "-o", photo.parent / "out" / photo.name)
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1
    assert "refusing to overwrite an input" in run.stderr
    assert sha256(photo) == before


def test_the_guard_the_report_can_use(photo: Path) -> None:
    """check_output is what report_file calls: every photo of a report is an input too."""
    left = photo.with_name("left.jpg")
    shutil.copy(photo, left)
    (photo.parent / "via-left.jpg").symlink_to(left)
    with pytest.raises(OutputError, match="is the input"):
        check_output(photo.parent / "via-left.jpg", "report", [RESULT, photo, left])
    assert check_output(photo.with_name("r.pdf"), "report", [RESULT, photo, left]).name == "pdf"
    with pytest.raises(OutputError, match=r"cannot be written as \.pdf"):
        check_output(photo.with_name("r.pdf"), "overlay")


def test_refuse_inputs_ignores_what_is_not_a_file(tmp_path: Path) -> None:
    refuse_inputs(tmp_path / "o.png", [None, b"\x89PNG", {"mask_type": "point_mask"}, tmp_path / "missing.json"])


# ---------------------------------------------------------------------------------------------
# names and permissions
# ---------------------------------------------------------------------------------------------


def test_over_long_names_are_one_line_output_errors(tmp_path: Path) -> None:
    long = tmp_path / ("x" * 300 + ".png")
    with pytest.raises(OutputError, match="the file name is 304 bytes, more than the 255"):
        check_name(long)
    with pytest.raises(OutputError, match="more than the 255"):
        render_file(RESULT, long, size=(64, 64))
    deep = tmp_path.joinpath(*["d" * 200] * 25, "o.png")
    with pytest.raises(OutputError, match="the path is"):
        check_name(deep)
    for command in ("render", "report"):
        run = cli(command, RESULT, "-o", long)
        assert run.returncode == 2, run.stderr
        assert run.stderr.startswith("maskrender: error: "), run.stderr
        assert run.stderr.count("\n") == 1, run.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_legal_250_byte_name_is_written(tmp_path: Path) -> None:
    """Its temporary ``.NAME.xxxxxxxx.part`` would be 265 bytes: the temporary name is shortened instead."""
    name = "é" * 123 + ".png"                    # 246 + 4 = 250 bytes
    assert len(name.encode()) == 250
    out = render_file(RESULT, tmp_path / name, size=(64, 64))
    assert out.read_bytes().startswith(b"\x89PNG")
    assert os.listdir(tmp_path) == [name]
    from maskrender.atomic import temporary_name

    temporary = temporary_name(name).encode()
    assert 254 <= len(temporary) <= 255   # cut at a character: a 2-byte é may leave one byte unused
    temporary.decode("utf-8")              # whole characters


def test_rewriting_a_private_file_keeps_it_private(tmp_path: Path) -> None:
    out = tmp_path / "o.png"
    render_file(RESULT, out, size=(64, 64))
    os.chmod(out, 0o600)
    render_file(RESULT, out, size=(80, 80))
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    atomic_write(out, b"data")
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    new = tmp_path / "new.bin"
    atomic_write(new, b"x")
    umask = os.umask(0)                          # read the umask (and put it back) to know what is expected
    os.umask(umask)
    assert stat.S_IMODE(new.stat().st_mode) == 0o666 & ~umask
