"""Colour-managed photos (issue 21, point 1): every output shows the photo as itself and each fill as the
sRGB colour it names, whatever profile the photo carries.

The oracle is LittleCMS through Pillow's ``ImageCms``, on profiles built from their published primaries
(:mod:`helpers.icc`): the photo converted to sRGB by LittleCMS, the fill composited over it (source-over,
in sRGB numbers), against the output read back through LittleCMS to sRGB (an untagged output is sRGB).
"""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from helpers import bare_mask, resvg_render
from helpers.icc import adobe_rgb, cmyk, display_p3, grey_gamma, srgb_built
from PIL import Image, ImageCms

from maskrender.image import open_photo
from maskrender.overlay import render_file, render_svg
from maskrender.style import Style

W, H = 120, 100
FILL = (230, 57, 70)
SRGB = ImageCms.createProfile("sRGB")


def _scene(mode: str) -> Image.Image:
    """A photo with skin tones, saturated colours and greys: gradients in every channel."""
    y, x = np.mgrid[0:H, 0:W]
    rgb = np.stack([40 + x * 1.7, 30 + y * 1.9, 200 - x * 0.8 - y * 0.6], axis=-1)
    rgb[10:40, 70:110] = (222, 170, 140)                     # a skin patch
    im = Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8))
    if mode == "L":
        return im.convert("L")
    if mode == "CMYK":
        a = np.asarray(im).astype(np.float64) / 255
        k = 1 - a.max(axis=2)
        cmy = (1 - a - k[..., None]) / np.maximum(1 - k[..., None], 1e-9)
        return Image.fromarray(np.round(np.dstack([cmy, k]) * 255).astype(np.uint8), mode="CMYK")
    return im


PROFILES: dict[str, tuple[str, Callable[[], bytes] | None]] = {
    "display-p3": ("RGB", display_p3),
    "adobe-rgb": ("RGB", adobe_rgb),
    "srgb": ("RGB", srgb_built),
    "none": ("RGB", None),
    "grey": ("L", grey_gamma),
    "cmyk": ("CMYK", cmyk),
}


def _photo(name: str) -> bytes:
    mode, make = PROFILES[name]
    params: dict[str, object] = {} if make is None else {"icc_profile": make()}
    buf = io.BytesIO()
    if mode == "CMYK":
        _scene(mode).save(buf, "TIFF", **params)  # lossless CMYK with a profile
    else:
        _scene(mode).save(buf, "PNG", **params)
    return buf.getvalue()


def _as_srgb(im: Image.Image) -> npt.NDArray[np.int16]:
    """What a colour-managed viewer shows, in sRGB numbers: through LittleCMS when the picture is tagged."""
    icc = im.info.get("icc_profile")
    mode = "CMYK" if im.mode == "CMYK" else "L" if im.mode == "L" else "RGB"
    im = im.convert(mode) if im.mode != mode else im
    if icc:
        src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        shown = ImageCms.profileToProfile(im, src, SRGB, outputMode="RGB",
                                          renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC,
                                          flags=ImageCms.Flags.BLACKPOINTCOMPENSATION)
        assert shown is not None
        im = shown
    return np.asarray(im.convert("RGB"), dtype=np.int16)


def _expected(data: bytes, opacity: float) -> npt.NDArray[np.int16]:
    """LittleCMS's sRGB photo with the fill composited over the mask's pixels, in sRGB numbers."""
    with Image.open(io.BytesIO(data)) as im:
        im.load()
        photo = _as_srgb(im).astype(np.float64)
    out = photo.copy()
    region = (slice(20, 70), slice(30, 90))
    out[region] = opacity * np.asarray(FILL) + (1 - opacity) * photo[region]
    rounded: npt.NDArray[np.int16] = np.round(out).astype(np.int16)
    return rounded


MASK = bare_mask("polygon_mask", [[[[30, 20], [90, 20], [90, 70], [30, 70], [30, 20]]]],
                 view_box=f"0 0 {W} {H}", fill="#e63946")


def _figures(got: npt.NDArray[np.int16], want: npt.NDArray[np.int16], *,
             skip_edges: bool = False) -> tuple[float, float]:
    """Mean |Δ| (of 255) and the share of pixels within 16; ``skip_edges``: without the 2 px on each side
    of the mask's edge, where a lossy format's 4:2:0 chroma (WebP always) blurs the colour step."""
    d = np.abs(got - want)
    keep = np.ones((H, W), dtype=bool)
    if skip_edges:
        for y0, y1, x0, x1 in ((18, 22, 28, 92), (68, 72, 28, 92), (18, 72, 28, 32), (18, 72, 88, 92)):
            keep[y0:y1, x0:x1] = False
    return float(d[keep].mean()), float((d.max(axis=2)[keep] <= 16).mean())


@pytest.mark.parametrize("opacity", [1.0, 0.6])
@pytest.mark.parametrize("profile", list(PROFILES))
def test_png_shows_the_photo_as_itself_and_the_fill_as_named(tmp_path: Path, profile: str, opacity: float) -> None:
    data = _photo(profile)
    out = render_file(MASK, tmp_path / "o.png", data, style=Style(opacity=opacity))
    with Image.open(out) as back:
        assert "icc_profile" not in back.info                # written as sRGB, untagged: the photo's is not copied
        mean, within = _figures(_as_srgb(back), _expected(data, opacity))
    assert mean <= 1.0, (profile, mean)
    assert within >= 0.99, (profile, within)


@pytest.mark.parametrize("ext", [".jpg", ".webp"])
@pytest.mark.parametrize("profile", ["display-p3", "adobe-rgb", "cmyk"])
def test_lossy_outputs_show_the_same_colours(tmp_path: Path, profile: str, ext: str) -> None:
    data = _photo(profile)
    out = render_file(MASK, tmp_path / f"o{ext}", data, style=Style(opacity=0.6), quality=95)
    with Image.open(out) as back:
        assert "icc_profile" not in back.info
        mean, within = _figures(_as_srgb(back), _expected(data, 0.6), skip_edges=ext == ".webp")
    assert mean <= 2.5, (profile, mean)
    assert within >= (0.98 if ext == ".webp" else 0.99), (profile, within)  # lossy WebP is 4:2:0 whatever we ask


@pytest.mark.parametrize("profile", ["display-p3", "adobe-rgb", "grey", "none"])
def test_svg_with_the_photo_embedded_shows_the_same_colours(profile: str) -> None:
    data = _photo(profile)
    svg = render_svg(MASK, data, embed_image=True, style=Style(opacity=0.6))
    found = re.search(r'href="data:image/(?:jpeg|png|webp);base64,([^"]+)"', svg)
    assert found is not None
    with Image.open(io.BytesIO(base64.b64decode(found.group(1)))) as embedded:
        assert "icc_profile" not in embedded.info or profile == "none"
    shown = resvg_render(svg, (W, H)).convert("RGB")        # resvg does no colour management: sRGB numbers
    mean, within = _figures(np.asarray(shown, dtype=np.int16), _expected(data, 0.6))
    assert mean <= 1.0, (profile, mean)
    assert within >= 0.99, (profile, within)


def test_the_conversion_is_littlecms_s_and_an_srgb_photo_is_untouched() -> None:
    p3 = _photo("display-p3")
    with Image.open(io.BytesIO(p3)) as im:
        stored = np.asarray(im.convert("RGB"), dtype=np.int16)
    photo = np.asarray(open_photo(p3), dtype=np.int16)
    assert np.abs(photo - _as_srgb(Image.open(io.BytesIO(p3)))).max() <= 1
    assert np.abs(photo - stored).mean() > 3                 # P3 numbers are not sRGB numbers
    srgb = _photo("srgb")
    assert np.array_equal(np.asarray(open_photo(srgb)), np.asarray(Image.open(io.BytesIO(srgb)).convert("RGB")))


def test_a_photo_with_a_profile_over_a_megabyte_gives_a_png_pillow_reopens(tmp_path: Path) -> None:
    big = bytearray(display_p3())
    padding = bytes(1_500_000)                               # a LUT profile's size: 1.5 MB of tag data
    big[0:4] = (len(big) + len(padding)).to_bytes(4, "big")
    profile = bytes(big) + padding
    buf = io.BytesIO()
    _scene("RGB").save(buf, "JPEG", quality=95, icc_profile=profile)
    out = render_file(MASK, tmp_path / "o.png", buf.getvalue())
    with Image.open(out) as back:
        back.load()
        assert back.size == (W, H)
        assert "icc_profile" not in back.info


def test_rgba_photo_keeps_its_alpha_through_the_conversion() -> None:
    im = _scene("RGB").convert("RGBA")
    im.putalpha(Image.linear_gradient("L").resize((W, H)))
    buf = io.BytesIO()
    im.save(buf, "PNG", icc_profile=display_p3())
    photo = open_photo(buf.getvalue())
    assert photo.mode == "RGBA"
    assert np.array_equal(np.asarray(photo.getchannel("A")), np.asarray(im.getchannel("A")))
