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
    assert out.getpixel((50, 50))[:3] == (0, 255, 0)  # type: ignore[index]
    if expected_mode == "RGBA":
        assert out.getpixel((5, 5))[3] == photo.convert("RGBA").getpixel((5, 5))[3]  # type: ignore[index]  # alpha kept
        assert out.getpixel((50, 50))[3] == 255  # type: ignore[index]


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
    kwargs = {"mask_set": "original"}
    by_path = render(FIXTURES / "results_list.json", path, **kwargs)  # type: ignore[call-overload]
    assert render(FIXTURES / "results_list.json", str(path), **kwargs).tobytes() == by_path.tobytes()  # type: ignore[call-overload]
    assert render(FIXTURES / "results_list.json", data, **kwargs).tobytes() == by_path.tobytes()  # type: ignore[call-overload]
    with path.open("rb") as fh:
        assert render(FIXTURES / "results_list.json", fh, **kwargs).tobytes() == by_path.tobytes()  # type: ignore[call-overload]
    with Image.open(path) as im:
        assert render(FIXTURES / "results_list.json", im, **kwargs).tobytes() == by_path.tobytes()  # type: ignore[call-overload]


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


# ---------------------------------------------------------------------------------------------
# issue 11, defect 8: a transparent colour (tRNS) is alpha, never a key on new pixels
# ---------------------------------------------------------------------------------------------

WHITE_MASK = bare_mask("polygon_mask", [[square(40, 40, 60, 60)]], fill="#ffffff")


def test_a_keyed_photo_does_not_turn_new_pixels_transparent() -> None:
    """A white-keyed photo under an opaque white mask: the mask must show (opaque white), and the
    photo's keyed pixels stay transparent as an alpha channel says, not through a key in the file."""
    photo = Image.new("RGB", (100, 100), (255, 255, 255))
    photo.paste((30, 60, 90), (0, 0, 100, 20))                 # a band of real colour; the rest is "transparent"
    keyed = encode(photo, transparency=(255, 255, 255))
    out = render(WHITE_MASK, keyed, style=Style(opacity=1.0))
    assert out.mode == "RGBA"
    assert "transparency" not in out.info
    assert out.getpixel((50, 50)) == (255, 255, 255, 255)      # the mask: opaque
    assert out.getpixel((10, 10)) == (30, 60, 90, 255)          # the photo's colour: opaque
    assert out.getpixel((90, 90))[3] == 0                       # type: ignore[index]  # keyed, not under the mask: transparent
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        from maskrender.overlay import render_file

        path = render_file(WHITE_MASK, Path(folder) / "o.png", keyed, style=Style(opacity=1.0))
        with Image.open(path) as back:
            assert "transparency" not in back.info
            assert back.convert("RGBA").getpixel((50, 50)) == (255, 255, 255, 255)


def test_a_keyed_grey_photo_is_read_with_alpha() -> None:
    grey = Image.new("L", (100, 100), 7)
    grey.paste(200, (0, 0, 100, 50))
    photo = open_photo(encode(grey, transparency=7))
    assert photo.mode == "RGBA"
    assert photo.getpixel((5, 5)) == (200, 200, 200, 255)
    assert photo.getpixel((5, 90))[3] == 0  # type: ignore[index]


# ---------------------------------------------------------------------------------------------
# issue 11, defect 9: 16-bit greyscale by its real depth, rounded
# ---------------------------------------------------------------------------------------------


def pgm16(values: np.ndarray, maxval: int = 65535) -> bytes:
    h, w = values.shape
    return f"P5\n{w} {h}\n{maxval}\n".encode() + values.astype(">u2").tobytes()


def test_a_dark_16_bit_pgm_stays_dark() -> None:
    """Near-black in 16 bits (no value above 255 of 65535) is near-black, not read as 8-bit grey 200."""
    values = np.full((20, 30), 200, dtype=np.uint16)
    values[:, :10] = 0
    photo = open_photo(pgm16(values))
    assert photo.mode == "RGB"
    assert photo.getpixel((20, 5)) == (1, 1, 1)                 # 200 * 255 / 65535 = 0.78 -> 1
    assert photo.getpixel((5, 5)) == (0, 0, 0)


@pytest.mark.parametrize("source", ["pgm", "png", "numpy"])
def test_16_bit_values_are_rounded_not_truncated(source: str) -> None:
    values = np.array([[0, 128, 129, 32767, 32768, 65407, 65408, 65535]], dtype=np.uint16)
    expected = np.floor(values.astype(np.float64) * 255 / 65535 + 0.5).astype(np.uint8)    # nearest level
    data: object = {"pgm": lambda: pgm16(values), "png": lambda: encode(Image.fromarray(values)),  # type: ignore[no-untyped-call]
                    "numpy": lambda: values}[source]()
    photo = open_photo(data)  # type: ignore[arg-type]
    assert np.asarray(photo.convert("L"))[0].tolist() == expected[0].tolist()


# ---------------------------------------------------------------------------------------------
# issue 11, defect 10, and issue 15 point 10: colour profile and dpi kept, camera data not
# ---------------------------------------------------------------------------------------------


def _camera_exif() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"                                # Make
    exif[0x0131] = "Firmware 1.0"                               # Software
    gps = exif.get_ifd(0x8825)
    gps[2] = (48.0, 51.0, 24.0)                                 # GPSLatitude
    gps[1] = "N"
    return exif.tobytes()


def _srgb_profile() -> bytes:
    from PIL import ImageCms

    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return profile


@pytest.fixture
def selfie() -> bytes:
    """A JPEG with an ICC profile, 300 dpi and camera EXIF with GPS."""
    im = Image.new("RGB", (100, 100), (180, 140, 120))
    return encode(im, "JPEG", quality=95, icc_profile=_srgb_profile(), dpi=(300, 300), exif=_camera_exif())


@pytest.mark.parametrize("ext", [".png", ".jpg", ".webp"])
def test_every_raster_output_keeps_the_dpi_and_drops_camera_data_and_the_profile(tmp_path: Path, selfie: bytes,
                                                                                ext: str) -> None:
    from maskrender.overlay import render_file

    out = render_file(MASK, tmp_path / f"o{ext}", selfie)
    raw = out.read_bytes()
    with Image.open(out) as back:
        assert "icc_profile" not in back.info                   # sRGB, untagged (docs/colour.md)
        if ext != ".webp":                                      # WebP has no resolution field
            assert [round(d) for d in back.info["dpi"]] == [300, 300]
    assert b"CameraMaker" not in raw
    assert b"Exif" not in raw
    assert b"eXIf" not in raw


@pytest.mark.parametrize("ext", [".png", ".jpg", ".webp"])
def test_keep_metadata_keeps_the_camera_data(tmp_path: Path, selfie: bytes, ext: str) -> None:
    from maskrender.overlay import render_file

    out = render_file(MASK, tmp_path / f"o{ext}", selfie, keep_metadata=True)
    with Image.open(out) as back:
        exif = back.getexif()
        assert exif.get(0x010F) == "CameraMaker"
        assert exif.get_ifd(0x8825).get(1) == "N"


def test_a_cmyk_profile_is_not_put_on_an_rgb_output(tmp_path: Path) -> None:
    from maskrender.overlay import render_file

    fake_cmyk_profile = bytes(16) + b"CMYK" + bytes(108)
    data = encode(Image.new("CMYK", (100, 100), (10, 40, 80, 20)), "JPEG", icc_profile=fake_cmyk_profile)
    out = render_file(MASK, tmp_path / "o.png", data)
    with Image.open(out) as back:
        assert "icc_profile" not in back.info


def _embedded(svg: str) -> bytes:
    import base64
    import re

    found = re.search(r'href="data:image/(?:jpeg|png|webp);base64,([^"]+)"', svg)
    assert found is not None
    return base64.b64decode(found.group(1))


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_embedding_a_photo_strips_its_camera_data_losslessly(fmt: str) -> None:
    from maskrender.overlay import render_svg

    photo = Image.new("RGB", (100, 100), (180, 140, 120))
    photo.paste((20, 30, 40), (10, 10, 30, 30))
    params: dict[str, object] = {"icc_profile": _srgb_profile(), "exif": _camera_exif()}
    if fmt == "JPEG":
        params["quality"] = 90
    data = encode(photo, fmt, **params)
    embedded = _embedded(render_svg(MASK, data, embed_image=True))
    assert b"CameraMaker" not in embedded
    with Image.open(io.BytesIO(embedded)) as back, Image.open(io.BytesIO(data)) as original:
        assert back.format == fmt
        assert back.info.get("icc_profile") == _srgb_profile()
        assert np.array_equal(np.asarray(back.convert("RGB")), np.asarray(original.convert("RGB")))  # same pixels
    kept = _embedded(render_svg(MASK, data, embed_image=True, keep_metadata=True))
    assert kept == data
