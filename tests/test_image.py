"""Photos in: orientation, modes, sources, aspect checks, and broken or hostile files."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np
import pytest
from helpers import FIXTURES, bare_mask, png_header_only, square
from PIL import Image

from maskrender import limits
from maskrender.errors import AspectWarning, ImageError, InputError, LimitError
from maskrender.image import open_photo
from maskrender.overlay import render
from maskrender.style import Style

MASK = bare_mask("polygon_mask", [[square(40, 40, 60, 60)]], fill="#00ff00")
"""A green square in the middle of a 100x100 view_box."""


def encode(im: Image.Image, fmt: str = "PNG", **params: object) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **params)
    return buf.getvalue()


# ---------------------------------------------------------------------------------------------
# orientation
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("orientation", "corner"), [(1, (0, 0)), (3, (99, 149)), (6, (149, 0)), (8, (0, 99))])
def test_exif_orientation_is_applied(orientation: int, corner: tuple[int, int]) -> None:
    """The stored picture is 100x150 with a red top-left block; EXIF says how to turn it."""
    stored = Image.new("RGB", (100, 150), (40, 40, 40))
    stored.paste((255, 0, 0), (0, 0, 20, 20))
    exif = Image.Exif()
    exif[0x0112] = orientation
    data = encode(stored, exif=exif.tobytes())
    turned = orientation in (6, 8)
    view_box = "0 0 150 100" if turned else "0 0 100 150"
    out = render(bare_mask("point_mask", [[[75, 50]]], view_box=view_box), data, style=Style(point_radius=2))
    assert out.size == ((150, 100) if turned else (100, 150))
    assert out.getpixel(corner) == (255, 0, 0)


# ---------------------------------------------------------------------------------------------
# modes
# ---------------------------------------------------------------------------------------------


def photos() -> dict[str, tuple[Image.Image, str]]:
    """Photos of every common mode, with the mode the renderer should return."""
    rgb = Image.new("RGB", (100, 100), (90, 120, 150))
    p_transparent = Image.new("P", (100, 100), 1)
    p_transparent.putpalette([0, 0, 0, 90, 120, 150] + [0] * 762)
    p_transparent.info["transparency"] = 0
    return {
        "RGB": (rgb, "RGB"),
        "RGBA": (Image.new("RGBA", (100, 100), (90, 120, 150, 100)), "RGBA"),
        "L": (Image.new("L", (100, 100), 120), "RGB"),
        "LA": (Image.new("LA", (100, 100), (120, 200)), "RGBA"),
        "P": (rgb.convert("P", palette=Image.Palette.ADAPTIVE, colors=16), "RGB"),
        "P+transparency": (p_transparent, "RGBA"),
        "CMYK": (Image.new("CMYK", (100, 100), (10, 40, 80, 20)), "RGB"),
        "I;16": (Image.fromarray(np.full((100, 100), 40000, dtype=np.uint16)), "RGB"),
        "1": (Image.new("1", (100, 100), 1), "RGB"),
    }


@pytest.mark.parametrize("name", list(photos()))
def test_every_common_mode_works_and_keeps_untouched_pixels(name: str) -> None:
    photo, expected_mode = photos()[name]
    fmt = "JPEG" if name == "CMYK" else "PNG"
    data = encode(photo, fmt, **({"quality": 100} if fmt == "JPEG" else {}))
    with Image.open(io.BytesIO(data)) as reopened:
        assert reopened.mode == photo.mode or (name == "P+transparency" and reopened.mode == "P")
    out = render(MASK, data, style=Style(opacity=1.0))
    assert out.mode == expected_mode
    normal = open_photo(data)
    assert out.getpixel((5, 5)) == normal.getpixel((5, 5))
    assert out.getpixel((50, 50))[:3] == (0, 255, 0)
    if expected_mode == "RGBA":
        assert out.getpixel((5, 5))[3] == photo.convert("RGBA").getpixel((5, 5))[3]  # alpha kept
        assert out.getpixel((50, 50))[3] == 255


def test_16_bit_photos_are_scaled_to_8_bits() -> None:
    arr = np.zeros((100, 100), dtype=np.uint16)
    arr[:, :50] = 65535
    arr[:, 50:] = 32896
    out = render(MASK, encode(Image.fromarray(arr)), style=Style(opacity=0.5))
    assert out.getpixel((10, 10)) == (255, 255, 255)
    assert out.getpixel((90, 90)) == (128, 128, 128)
    numpy_out = render(MASK, arr)
    assert isinstance(numpy_out, np.ndarray)
    assert numpy_out.dtype == np.uint8
    assert tuple(numpy_out[10, 10]) == (255, 255, 255)


def test_sources_path_bytes_file_and_pil_agree(tmp_path: Path) -> None:
    path = FIXTURES / "portrait.jpg"
    data = path.read_bytes()
    kwargs = {"masks": "original"}
    by_path = render(FIXTURES / "results_list.json", path, **kwargs)
    assert render(FIXTURES / "results_list.json", str(path), **kwargs).tobytes() == by_path.tobytes()
    assert render(FIXTURES / "results_list.json", data, **kwargs).tobytes() == by_path.tobytes()
    with path.open("rb") as fh:
        assert render(FIXTURES / "results_list.json", fh, **kwargs).tobytes() == by_path.tobytes()
    with Image.open(path) as im:
        assert render(FIXTURES / "results_list.json", im, **kwargs).tobytes() == by_path.tobytes()


# ---------------------------------------------------------------------------------------------
# aspect ratio
# ---------------------------------------------------------------------------------------------


def test_aspect_within_one_percent_is_quiet() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        render(MASK, Image.new("RGB", (100, 101)))


def test_aspect_off_by_more_than_one_percent_warns_once() -> None:
    with pytest.warns(AspectWarning, match=r"100x103.*view_box 0 0 100 100") as caught:
        render([MASK, MASK], Image.new("RGB", (100, 103)))
    assert len([w for w in caught if issubclass(w.category, AspectWarning)]) == 1


def test_strict_refuses_a_mismatched_photo() -> None:
    with pytest.raises(InputError, match="does not match view_box"):
        render(FIXTURES / "results_list.json", FIXTURES / "portrait.jpg", strict=True)


# ---------------------------------------------------------------------------------------------
# broken and hostile photos
# ---------------------------------------------------------------------------------------------


def test_decompression_bomb_is_a_limit_error() -> None:
    with pytest.raises(LimitError, match="MAX_IMAGE_PIXELS"):
        render(MASK, png_header_only(100_000, 100_000))


def test_image_pixel_limit_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_IMAGE_PIXELS", 5000)
    with pytest.raises(LimitError, match="MAX_IMAGE_PIXELS"):
        render(MASK, encode(Image.new("RGB", (100, 100))))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        ((FIXTURES / "restored.jpg").read_bytes()[:3000], "truncated"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "not an image|broken|cannot read"),
        ((FIXTURES / "acne.json").read_bytes(), "not an image"),
    ],
    ids=["zero-byte", "truncated", "garbage-png", "json"],
)
def test_broken_photos_are_image_errors_naming_the_file(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "selfie.jpg"
    path.write_bytes(content)
    with pytest.raises(ImageError, match=message) as err:
        render(MASK, path)
    assert "selfie.jpg" in str(err.value)


def test_missing_photo_and_folder_are_image_errors(tmp_path: Path) -> None:
    with pytest.raises(ImageError, match="no such file"):
        render(MASK, tmp_path / "nope.jpg")
    with pytest.raises(ImageError, match="directory"):
        render(MASK, tmp_path)


def test_numpy_photos_of_odd_shapes_are_refused() -> None:
    with pytest.raises(ImageError, match="shape"):
        render(MASK, np.zeros((10, 10, 2), dtype=np.uint8))
