"""``maskrender render``: the command line over the Python API, its exit codes and its files."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from helpers import FIXTURES, ROOT, bare_mask, sha256, square
from PIL import Image

from maskrender.cli import main
from maskrender.overlay import render, render_file
from maskrender.style import Size, Style

RESULTS = str(FIXTURES / "results_list.json")
RESTORED = str(FIXTURES / "restored.jpg")
PORTRAIT = str(FIXTURES / "portrait.jpg")


@pytest.fixture(autouse=True, scope="module")
def inputs_untouched() -> Iterator[None]:
    """No command of this module changes a byte of the fixtures."""
    before = {p: sha256(p) for p in sorted(FIXTURES.rglob("*")) if p.is_file()}
    yield
    after = {p: sha256(p) for p in sorted(FIXTURES.rglob("*")) if p.is_file()}
    assert after == before


def run(*args: str) -> int:
    return main(["render", *args])


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


# ---------------------------------------------------------------------------------------------
# the commands
# ---------------------------------------------------------------------------------------------


def test_overlay_on_a_selfie(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "overlay.png"
    assert run(RESULTS, "--image", RESTORED, "-o", str(out)) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    with Image.open(out) as im:
        assert (im.format, im.mode, im.size) == ("PNG", "RGB", (2416, 2416))
        assert im.tobytes() == render(RESULTS, RESTORED).tobytes()
    assert oct(out.stat().st_mode & 0o777) != oct(0o600)  # a normal file, not a private temp file


def test_svg_with_the_photo_embedded(tmp_path: Path) -> None:
    out = tmp_path / "overlay.svg"
    assert run(RESULTS, "--image", RESTORED, "-o", str(out), "--embed-image") == 0
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<svg")
    assert "data:image/jpeg;base64," in text


def test_no_photo_gives_a_transparent_layer_of_the_view_box_or_size(tmp_path: Path) -> None:
    assert run(RESULTS, "-o", str(tmp_path / "layer.png")) == 0
    with Image.open(tmp_path / "layer.png") as im:
        assert (im.mode, im.size) == ("RGBA", (2416, 2416))
        assert im.getpixel((0, 0)) == (0, 0, 0, 0)
    assert run(RESULTS, "--size", "300x300", "-o", str(tmp_path / "small.png")) == 0
    with Image.open(tmp_path / "small.png") as im:
        assert im.size == (300, 300)
        assert np.asarray(im)[:, :, 3].any()


def test_every_style_option_matches_the_python_call(tmp_path: Path) -> None:
    out = tmp_path / "out.webp"
    args = [RESULTS, "--mask-set", "original", "--side", "front", "--only", "pores", "--only", "acne",
            "--opacity", "0.6", "--fill", "pores=#00A0FF", "--point-radius", "5", "--line-width", "3",
            "--outline", "1", "-o", str(out)]
    assert run(*args) == 0
    same = render_file(RESULTS, tmp_path / "py.webp", mask_set="original", side="front", only=["pores", "acne"],
                       style=Style(opacity=0.6, fills={"pores": "#00A0FF"}, point_radius=5, line_width=3,
                                   outline=1))
    assert out.read_bytes() == same.read_bytes()
    with Image.open(out) as im:
        assert (im.format, im.size) == ("WEBP", (512, 600))


def test_relative_sizes_and_css_colours(tmp_path: Path) -> None:
    out = tmp_path / "rel.png"
    assert run(RESULTS, "--size", "512x512", "--only", "lines", "--line-width", "0.5%", "--fill",
               "line_lines_mask_restored=rebeccapurple", "-o", str(out)) == 0
    expected = render(RESULTS, size=(512, 512), only=["lines"],
                      style=Style(line_width=Size.parse("0.5%"), fills={"line_lines_mask_restored": "#663399"}))
    with Image.open(out) as im:
        assert im.tobytes() == expected.tobytes()


@pytest.mark.parametrize(("ext", "fmt"), [(".png", "PNG"), (".jpg", "JPEG"), (".jpeg", "JPEG"), (".webp", "WEBP")])
def test_format_follows_the_extension(tmp_path: Path, ext: str, fmt: str) -> None:
    out = tmp_path / f"o{ext}"
    assert run(RESULTS, "--image", PORTRAIT, "--mask-set", "original", "-o", str(out)) == 0
    with Image.open(out) as im:
        assert im.format == fmt
        assert im.size == (512, 600)


def test_png_compression_level_changes_size_not_pixels(tmp_path: Path) -> None:
    fast, small = tmp_path / "fast.png", tmp_path / "small.png"
    assert run(RESULTS, "--image", PORTRAIT, "--mask-set", "original", "--compress-level", "0", "-o", str(fast)) == 0
    assert run(RESULTS, "--image", PORTRAIT, "--mask-set", "original", "--compress-level", "9", "-o", str(small)) == 0
    assert small.stat().st_size < fast.stat().st_size
    with Image.open(fast) as a, Image.open(small) as b:
        assert a.tobytes() == b.tobytes()


# ---------------------------------------------------------------------------------------------
# user errors: exit 2, one line, no traceback
# ---------------------------------------------------------------------------------------------


def error_of(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert run(*args) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err


def test_unmatched_only_lists_what_exists(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = error_of(capsys, RESULTS, "--only", "freckles", "-o", str(tmp_path / "x.png"))
    assert err.startswith("maskrender: error: ")
    assert "freckles" in err
    assert "pores_mask_restored" in err
    assert "acne.acne" in err
    assert not (tmp_path / "x.png").exists()


def test_aspect_warning_and_strict(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # the restored set asked for on the portrait, which the original set fits: the message names it
    done = subprocess.run([sys.executable, "-m", "maskrender", "render", RESULTS, "--image", PORTRAIT, "--mask-set",
                           "restored", "-o", str(tmp_path / "w.png")], cwd=ROOT, capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0
    assert done.stderr.startswith("maskrender: warning: ")
    assert "does not match view_box" in done.stderr
    assert "--mask-set original" in done.stderr
    assert done.stderr.count("\n") == 1  # once, not once per mask
    err = error_of(capsys, RESULTS, "--image", PORTRAIT, "--mask-set", "restored", "--strict", "-o",
                   str(tmp_path / "s.png"))
    assert "does not match view_box" in err
    assert "--mask-set original" in err
    assert not (tmp_path / "s.png").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty file"),
        ((FIXTURES / "restored.jpg").read_bytes()[:5000], "truncated"),
        (b"GIF89a not really", "not an image"),
        ((FIXTURES / "acne.json").read_bytes(), "not an image"),
    ],
    ids=["zero-byte", "truncated", "not-an-image", "json"],
)
def test_broken_photos_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes,
                              message: str) -> None:
    photo = tmp_path / "selfie.jpg"
    photo.write_bytes(content)
    err = error_of(capsys, RESULTS, "--image", str(photo), "-o", str(tmp_path / "o.png"))
    assert message in err
    assert "selfie.jpg" in err
    assert photo.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["selfie.jpg"]


def test_decompression_bomb_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from helpers import png_header_only

    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(png_header_only(100_000, 100_000))
    assert "MAX_IMAGE_PIXELS" in error_of(capsys, RESULTS, "--image", str(bomb), "-o", str(tmp_path / "o.png"))


def test_giant_canvases_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "MAX_CANVAS_PIXELS" in error_of(capsys, RESULTS, "--size", "100000x100000", "-o", str(tmp_path / "o.png"))
    huge = tmp_path / "huge.json"
    import json

    huge.write_text(json.dumps(bare_mask("polygon_mask", [[square(0, 0, 10, 10)]], view_box="0 0 1e9 1e9")))
    assert "MAX_CANVAS_PIXELS" in error_of(capsys, str(huge), "-o", str(tmp_path / "o.png"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-o", "out.gif"], "unknown output extension .gif"),
        (["--size", "12by12", "-o", "o.png"], "WIDTHxHEIGHT"),
        (["--opacity", "1.5", "-o", "o.png"], "from 0 to 1"),
        (["--fill", "pores=url(x)", "-o", "o.png"], "not a colour"),
        (["--fill", "pores", "-o", "o.png"], "NAME=COLOR"),
        (["--line-width", "-2", "-o", "o.png"], "not a size"),
        (["--compress-level", "12", "-o", "o.png"], "--compress-level: expected a whole number from 0 to 9"),
        (["--quality", "0", "-o", "o.jpg"], "from 1 to 100"),
        (["--mask-set", "both", "-o", "o.png"], "--mask-set: expected one of restored, original, not 'both'"),
        (["--embed-image", "-o", "o.svg"], "needs a photo"),
        (["--image", PORTRAIT, "--mask-set", "original", "--size", "10x10", "-o", "o.png"],
         "would distort the 512x600 photo"),
    ],
)
def test_bad_arguments_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                              args: list[str], message: str) -> None:
    monkeypatch.chdir(tmp_path)
    assert message in error_of(capsys, RESULTS, *args)
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------------------------
# files: atomic, inputs never touched
# ---------------------------------------------------------------------------------------------


def test_failed_write_leaves_no_partial_file_and_keeps_the_old_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "overlay.png"
    out.write_bytes(b"previous overlay")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    err = error_of(capsys, RESULTS, "--image", PORTRAIT, "--mask-set", "original", "-o", str(out))
    assert "No space left on device" in err
    assert out.read_bytes() == b"previous overlay"
    assert leftovers(tmp_path) == []


def test_failed_render_leaves_the_old_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "overlay.png"
    out.write_bytes(b"previous overlay")
    error_of(capsys, RESULTS, "--only", "nothing", "-o", str(out))
    assert out.read_bytes() == b"previous overlay"
    assert leftovers(tmp_path) == []


def test_output_over_an_input_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    photo = tmp_path / "selfie.png"
    Image.new("RGB", (512, 600), (1, 2, 3)).save(photo)
    before = sha256(photo)
    assert "refusing to overwrite an input" in error_of(capsys, RESULTS, "--image", str(photo), "--mask-set",
                                                        "original", "-o", str(photo))
    assert sha256(photo) == before
    result = tmp_path / "r.png"
    result.write_bytes(b"not really json")
    assert "refusing" in error_of(capsys, str(result), "-o", str(result))


def test_output_is_an_existing_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "x.png"
    folder.mkdir()
    assert "is a directory" in error_of(capsys, RESULTS, "-o", str(folder))


def test_a_real_process_prints_one_line_and_no_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"")
    done = subprocess.run([sys.executable, "-m", "maskrender", "render", RESULTS, "--image", str(bad), "-o",
                           str(tmp_path / "o.png")], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0
    assert done.stderr.startswith("maskrender: error:")
    ok = subprocess.run([sys.executable, "-m", "maskrender", "render", RESULTS, "--size", "64x64", "-q", "-o",
                         str(tmp_path / "o.png")], cwd=ROOT, capture_output=True, text=True, check=False)
    assert (ok.returncode, ok.stdout, ok.stderr) == (0, "", "")
    with Image.open(io.BytesIO((tmp_path / "o.png").read_bytes())) as im:
        assert im.size == (64, 64)
