"""The mask set that belongs to the photo is drawn, or the message names it; sides never share a canvas.

Results are generated with two sets of different view_boxes, each holding one square in a
place the other set leaves empty; which set was drawn is read from the pixels.
"""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from helpers import ROOT, bare_mask, flat_photo, square

import maskrender as mr
from maskrender.errors import AspectWarning, ImageError, InputError
from maskrender.maskset import MaskSetWarning

GREY = (128, 128, 128)


def two_sets(restored_box: str, original_box: str, restored_sq: list[list[float]],
             original_sq: list[list[float]]) -> bytes:
    """A result record whose restored and original sets each draw one opaque red square."""
    restored = bare_mask("polygon_mask", [[restored_sq]], view_box=restored_box, tech_name="acne_mask_restored",
                         name="Acne Mask", side="front")
    original = bare_mask("polygon_mask", [[original_sq]], view_box=original_box, tech_name="acne_mask_original",
                         name="Acne Mask", side="front")
    record = {"algorithm_family_tech_name": "acne.acne", "is_ok": True,
              "result": {"algorithm_tech_name": "acne", "area_results": [],
                         "masks_restored": [restored], "masks_original": [original]}}
    return json.dumps([record]).encode()


# restored: 100x100 with a square at 10..30; original: 80x60 with a square at 50..70 x 20..40
DATA = two_sets("0 0 100 100", "0 0 80 60", square(10, 10, 30, 30), square(50, 20, 70, 40))
OPAQUE = mr.Style(opacity=1.0)


def test_photo_of_the_original_set_draws_the_original_set_and_says_so_once() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = mr.render(DATA, flat_photo((80, 60), GREY), style=OPAQUE)
    assert out.getpixel((60, 30)) == (255, 0, 0)          # the original square, where it belongs
    assert out.getpixel((16, 12)) == GREY                 # the restored square scaled onto 80x60: not drawn
    notes = [w for w in caught if issubclass(w.category, MaskSetWarning)]
    assert len(notes) == 1
    assert not [w for w in caught if w not in notes]
    text = str(notes[0].message)
    assert "original" in text
    assert "80x60" in text
    assert "0 0 80 60" in text
    assert "--mask-set original" in text


def test_photo_of_the_restored_set_draws_it_without_a_word() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = mr.render(DATA, flat_photo((200, 200), GREY), style=OPAQUE)
    assert out.getpixel((40, 40)) == (255, 0, 0)
    assert out.getpixel((150, 100)) == GREY


def test_exact_size_decides_between_two_sets_of_one_aspect() -> None:
    data = two_sets("0 0 100 100", "0 0 200 200", square(10, 10, 30, 30), square(120, 120, 180, 180))
    with pytest.warns(MaskSetWarning, match="200x200"):
        out = mr.render(data, flat_photo((200, 200), GREY), style=OPAQUE)
    assert out.getpixel((150, 150)) == (255, 0, 0)
    assert out.getpixel((40, 40)) == GREY
    with warnings.catch_warnings():  # a third size fits both by aspect: the restored default, silently
        warnings.simplefilter("error")
        out = mr.render(data, flat_photo((300, 300), GREY), style=OPAQUE)
    assert out.getpixel((60, 60)) == (255, 0, 0)
    assert out.getpixel((225, 225)) == GREY


def test_a_named_set_that_does_not_fit_names_the_one_that_does() -> None:
    with pytest.warns(AspectWarning, match=r"the original masks fit this 80x60 photo.*--mask-set original"):
        mr.render(DATA, flat_photo((80, 60), GREY), mask_set="restored")
    with pytest.raises(ImageError, match=r"--mask-set original"):
        mr.render(DATA, flat_photo((80, 60), GREY), mask_set="restored", strict=True)
    with pytest.raises(ImageError, match=r"does not match view_box 0 0 100 100.*--mask-set original"):
        mr.render(DATA, flat_photo((80, 60), GREY), strict=True)  # strict never guesses


def test_svg_chooses_the_same_set() -> None:
    with pytest.warns(MaskSetWarning):
        svg = mr.render_svg(DATA, flat_photo((80, 60), GREY))
    assert 'width="80" height="60"' in svg
    assert 'class="mask polygon_mask acne_mask_original"' in svg
    assert 'd="M50 20l20 0 0 20-20 0z"' in svg
    assert "acne_mask_restored" not in svg


def test_side_all_is_refused_when_sides_would_share_a_canvas() -> None:
    with pytest.raises(InputError, match=r"front, left and right.*--side left.*--image-left"):
        mr.render("fixtures/sides_result.json", "fixtures/restored.jpg", side=None)
    # one side only in the data: nothing to mix up
    assert mr.render("fixtures/acne.json", size=(64, 64), side=None).size == (64, 64)


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "maskrender", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def test_cli_draws_the_set_of_the_bundled_portrait(tmp_path: Path) -> None:
    out = tmp_path / "x.png"
    done = run("render", "fixtures/results_list.json", "--image", "fixtures/portrait.jpg", "-o", out)
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("maskrender: warning: drawing the original masks")
    explicit = tmp_path / "y.png"
    assert run("render", "fixtures/results_list.json", "--image", "fixtures/portrait.jpg", "--mask-set", "original",
               "-o", explicit).stderr == ""
    assert out.read_bytes() == explicit.read_bytes()


def test_cli_side_all_refused_without_output(tmp_path: Path) -> None:
    out = tmp_path / "x.png"
    done = run("render", "fixtures/sides_result.json", "--image", "fixtures/restored.jpg", "--side", "all", "-o", out)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "each side belongs to its own photo" in done.stderr
    assert not out.exists()
