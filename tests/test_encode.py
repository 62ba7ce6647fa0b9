"""Picture encoding: the fast PNG writer (with and without the ISA-L accelerator) is lossless,
valid, and about as small as Pillow's; the other levels and formats go through Pillow."""

from __future__ import annotations

import importlib.util
import io
import zlib

import numpy as np
import pytest
from PIL import Image, ImageCms

from maskrender import encode as enc
from maskrender.errors import OutputError

HAS_ISAL = importlib.util.find_spec("isal") is not None
PATHS = [
    pytest.param(True, id="isal", marks=pytest.mark.skipif(not HAS_ISAL, reason="maskrender[fast] not installed")),
    pytest.param(False, id="stdlib-zlib"),
]


def _noise(mode: str, size: tuple[int, int], seed: int = 0) -> Image.Image:
    rng = np.random.default_rng(seed)
    w, h = size
    bands = len(mode)
    arr = rng.integers(0, 256, (h, w, bands), dtype=np.uint8)
    # smooth gradients plus noise: something a filter can predict, and something it cannot
    arr[: h // 2] = (np.arange(w, dtype=np.uint16)[None, :, None] * 255 // max(w, 1)).astype(np.uint8)
    return Image.fromarray(arr[:, :, 0] if bands == 1 else arr, mode=mode)


def _decode(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


def _chunks(data: bytes) -> list[bytes]:
    out, pos = [], 8
    while pos < len(data):
        n = int.from_bytes(data[pos : pos + 4], "big")
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + n]
        crc = int.from_bytes(data[pos + 8 + n : pos + 12 + n], "big")
        assert zlib.crc32(body, zlib.crc32(kind)) == crc, kind
        out.append(kind)
        pos += 12 + n
    return out


@pytest.mark.parametrize("accelerate", PATHS)
@pytest.mark.parametrize("mode", ["RGB", "RGBA", "L", "LA"])
@pytest.mark.parametrize("size", [(1, 1), (7, 3), (300, 211)])
def test_fast_png_is_lossless(accelerate: bool, mode: str, size: tuple[int, int]) -> None:
    im = _noise(mode, size)
    data = enc.encode(im, "PNG", accelerate=accelerate)
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert _chunks(data) == [b"IHDR", b"IDAT", b"IEND"]
    back = _decode(data)
    assert back.mode == mode
    assert back.size == size
    assert np.array_equal(np.asarray(back), np.asarray(im))


@pytest.mark.parametrize("accelerate", PATHS)
@pytest.mark.parametrize("level", [1, 2, 3])
def test_many_bands_and_levels(accelerate: bool, level: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(enc, "_BAND_BYTES", 500)  # a few rows per band: band seams get exercised
    im = _noise("RGB", (97, 130), seed=level)
    back = _decode(enc.encode(im, "PNG", compress_level=level, accelerate=accelerate))
    assert np.array_equal(np.asarray(back), np.asarray(im))


def test_both_paths_give_the_same_picture() -> None:
    im = _noise("RGBA", (120, 90))
    fast = np.asarray(_decode(enc.encode(im, "PNG", accelerate=True)))
    plain = np.asarray(_decode(enc.encode(im, "PNG", accelerate=False)))
    pillow = np.asarray(_decode(enc.encode(im, "PNG", compress_level=6)))
    assert np.array_equal(fast, plain)
    assert np.array_equal(fast, pillow)


def test_icc_profile_is_kept() -> None:
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    im = _noise("RGB", (20, 10))
    im.info["icc_profile"] = icc
    data = enc.encode(im, "PNG")
    assert b"iCCP" in _chunks(data)
    assert _decode(data).info.get("icc_profile") == icc


@pytest.mark.parametrize("accelerate", PATHS)
def test_photo_size_close_to_pillow_defaults(accelerate: bool, fixtures: object) -> None:
    from helpers import FIXTURES

    with Image.open(FIXTURES / "restored.jpg") as src:
        photo = src.convert("RGB").crop((600, 600, 1240, 1240))
    ours = enc.encode(photo, "PNG", accelerate=accelerate)
    buf = io.BytesIO()
    photo.save(buf, "PNG")
    assert len(ours) <= 1.25 * len(buf.getvalue())


@pytest.mark.parametrize("level", [0, 4, 9])
def test_other_levels_use_pillow(level: int) -> None:
    im = _noise("RGB", (40, 30))
    data = enc.encode(im, "PNG", compress_level=level)
    assert np.array_equal(np.asarray(_decode(data)), np.asarray(im))
    assert "Pillow" in enc.png_encoder_name(level)


@pytest.mark.parametrize("im", [
    Image.new("P", (10, 10), 3),
    Image.new("1", (9, 4), 1),
    Image.new("I;16", (5, 5), 300),
])
def test_other_modes_use_pillow(im: Image.Image) -> None:
    back = _decode(enc.encode(im, "PNG"))
    assert back.size == im.size
    assert np.array_equal(np.asarray(back.convert("RGB")), np.asarray(im.convert("RGB")))


def test_transparency_key_is_kept() -> None:
    im = Image.new("RGB", (6, 6), (1, 2, 3))
    im.info["transparency"] = (1, 2, 3)
    back = _decode(enc.encode(im, "PNG"))
    assert back.info.get("transparency") == (1, 2, 3)


def test_encoder_name_tells_the_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(enc, "_isal", lambda: None)
    assert "zlib (standard library)" in enc.png_encoder_name()
    im = _noise("RGB", (33, 17))
    assert np.array_equal(np.asarray(_decode(enc.encode(im, "PNG"))), np.asarray(im))
    if HAS_ISAL:
        monkeypatch.undo()
        assert "ISA-L" in enc.png_encoder_name()


def test_jpeg_flattens_alpha_on_white() -> None:
    im = Image.new("RGBA", (16, 16), (255, 0, 0, 0))
    back = _decode(enc.encode(im, "JPEG"))
    assert back.mode == "RGB"
    assert np.asarray(back).min() > 240


def test_webp_round_trip() -> None:
    back = _decode(enc.encode(_noise("RGB", (32, 32)), "WEBP", quality=80))
    assert back.format == "WEBP"
    assert back.size == (32, 32)


def test_unknown_format() -> None:
    with pytest.raises(OutputError, match="GIF"):
        enc.encode(Image.new("RGB", (2, 2)), "GIF")


# ---------------------------------------------------------------------------------------------
# what besides pixels goes into the file; what does not fit a format
# ---------------------------------------------------------------------------------------------


def _srgb() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


@pytest.mark.parametrize("accelerate", PATHS)
def test_fast_png_writes_dpi_and_only_asked_for_exif(accelerate: bool) -> None:
    im = _noise("RGB", (20, 10))
    exif = Image.Exif()
    exif[0x010F] = "Maker"
    im.info.update({"dpi": (300.0, 150.0), "exif": exif.tobytes(), "icc_profile": _srgb(), "comment": b"x"})
    plain = enc.encode(im, "PNG", accelerate=accelerate)
    assert _chunks(plain) == [b"IHDR", b"iCCP", b"pHYs", b"IDAT", b"IEND"]
    assert [round(d) for d in _decode(plain).info["dpi"]] == [300, 150]
    kept = enc.encode(im, "PNG", accelerate=accelerate, keep_metadata=True)
    assert b"eXIf" in _chunks(kept)
    assert _decode(kept).getexif()[0x010F] == "Maker"


@pytest.mark.parametrize("fmt", ["JPEG", "WEBP", "PNG"])
def test_every_format_keeps_the_profile_and_takes_nothing_else_from_info(fmt: str) -> None:
    im = _noise("RGB", (16, 16))
    exif = Image.Exif()
    exif[0x010F] = "Maker"
    im.info.update({"icc_profile": _srgb(), "exif": exif.tobytes()})
    data = enc.encode(im, fmt, compress_level=6)        # PNG through Pillow: it reads info by itself
    back = _decode(data)
    assert back.info.get("icc_profile") == _srgb()
    assert b"Maker" not in data


def test_a_profile_of_another_colour_space_is_left_out() -> None:
    im = _noise("L", (8, 8))
    im.info["icc_profile"] = _srgb()                     # an RGB profile on a grey picture would be wrong
    assert "icc_profile" not in _decode(enc.encode(im, "PNG")).info


@pytest.mark.parametrize(("fmt", "size"), [("WEBP", (16_384, 2)), ("JPEG", (2, 65_536))])
def test_pictures_larger_than_the_format_holds_are_refused_before_encoding(fmt: str, size: tuple[int, int]) -> None:
    with pytest.raises(OutputError, match=r"^out: .* is wider or taller than"):
        enc.encode(Image.new("RGB", size), fmt, label="out")


# ---------------------------------------------------------------------------------------------
# issue 21, point 4: overlay JPEG is 4:4:4, so thin lines and pores keep their colour
# ---------------------------------------------------------------------------------------------


def test_overlay_jpeg_is_444_and_mask_pixels_keep_the_png_colours(tmp_path: object) -> None:
    from pathlib import Path

    from helpers import FIXTURES
    from PIL import JpegImagePlugin

    from maskrender.overlay import render_file

    folder = Path(str(tmp_path))
    data, photo = FIXTURES / "results_list.json", FIXTURES / "restored.jpg"
    png = render_file(data, folder / "o.png", photo, max_size=1024, only=["lines", "pores"])
    jpg = render_file(data, folder / "o.jpg", photo, max_size=1024, only=["lines", "pores"])
    with Image.open(jpg) as im:
        assert JpegImagePlugin.get_sampling(im) == 0            # 4:4:4: Pillow reads the file's own sampling
        got = np.asarray(im.convert("RGB"), dtype=np.int16)
    with Image.open(png) as im:
        want = np.asarray(im.convert("RGB"), dtype=np.int16)
    bare = np.asarray(Image.open(photo).convert("RGB").resize((want.shape[1], want.shape[0]),
                                                               Image.Resampling.LANCZOS), dtype=np.int16)
    inked = np.abs(want - bare).max(axis=2) > 24                # the mask pixels: where the PNG is not the photo
    assert inked.sum() > 1000
    within = float((np.abs(got - want).max(axis=2)[inked] <= 16).mean())
    assert within >= 0.9, within                                # 4:2:0 gave 0.67 on the overlay
