"""Overlay extras: the legend, a dimmed or grey photo, the output size with a photo, rendering to memory.

PNG pixels are checked against the photo's own pixels; the SVG is rendered by resvg (an oracle
that shares no code with the raster renderer) and compared with the PNG.
"""

from __future__ import annotations

import io
import math
import re
from pathlib import Path

import numpy as np
import pytest
from helpers import FIXTURES, bare_mask, diff_stats, resvg_render
from PIL import Image

import maskrender as mr
from maskrender.backdrop import DIM
from maskrender.cli import main
from maskrender.defaults import Corner
from maskrender.legend import CORNERS, legend_entries, legend_layout
from maskrender.overlay import prepare, render, render_file, render_svg

RESULTS = FIXTURES / "results_list.json"
PHOTO = FIXTURES / "restored.jpg"


def legend_box(corner: str, size: tuple[int, int] = (604, 604)) -> tuple[int, int, int, int]:
    _, canvas, drawings = prepare(RESULTS, size=size)
    x0, y0, x1, y1 = legend_layout(legend_entries(drawings), canvas, corner).box
    return (int(x0), int(y0), int(x1) + 1, int(y1) + 1)


@pytest.mark.parametrize("corner", CORNERS)
def test_the_legend_sits_in_its_corner_and_touches_nothing_else(corner: Corner) -> None:
    plain = np.asarray(render(RESULTS, PHOTO, max_size=604))
    with_legend = np.asarray(render(RESULTS, PHOTO, max_size=604, legend=corner))
    x0, y0, x1, y1 = legend_box(corner)
    changed = np.argwhere((plain != with_legend).any(axis=2))
    assert len(changed) > 500
    assert changed[:, 1].min() >= x0 and changed[:, 1].max() < x1  # noqa: PT018 - one box
    assert changed[:, 0].min() >= y0 and changed[:, 0].max() < y1  # noqa: PT018
    assert (x0 < 302) == corner.endswith("left")
    assert (y0 < 302) == corner.startswith("top")


def test_every_mask_has_a_row_in_its_drawn_colour() -> None:
    _, canvas, drawings = prepare(RESULTS, size=(604, 604))
    layout = legend_layout(legend_entries(drawings), canvas, "top-right")
    assert [r.text for r in layout.rows] == ["Redness Mask", "Deep Lines Mask", "Acne Mask", "Papules Mask",
                                             "Lines Mask", "Pores Mask"]
    picture = render(RESULTS, size=(604, 604), legend="top-right")
    for row in layout.rows:
        x0, y0, x1, y1 = row.swatch
        if row.entry.swatch in ("filled", "dot"):
            centre: tuple[int, ...] = picture.getpixel((round((x0 + x1) / 2), round((y0 + y1) / 2)))  # type: ignore[assignment]
            assert max(abs(a - b) for a, b in zip(centre[:3], row.entry.color.rgb, strict=True)) <= 3
    colours = {d.mask.display_name: d.style.color for d in drawings}
    assert {r.text: r.entry.color for r in layout.rows} == colours


@pytest.mark.slow
def test_the_svg_legend_is_text_and_agrees_with_the_png() -> None:
    png = render(RESULTS, PHOTO, max_size=604, legend="bottom-left", background="dim")
    svg = render_svg(RESULTS, PHOTO, max_size=604, legend="bottom-left", background="dim", embed_image=True)
    assert svg.count("<text ") == 6
    assert ">Papules Mask</text>" in svg
    drawn = resvg_render(svg, (604, 604)).convert("RGB")
    x0, y0, x1, y1 = legend_box("bottom-left")
    stats = diff_stats(drawn.crop((x0, y0, x1, y1)), png.crop((x0, y0, x1, y1)))
    assert stats.mad < 8  # the same panel, swatches and words; glyph edges differ between rasterisers
    whole = diff_stats(drawn, png)
    assert whole.mad < 2.5


def test_many_masks_end_with_a_more_row_and_names_are_escaped() -> None:
    masks = [{"mask_type": "point_mask", "name": f"<m{i}> & co", "view_box": "0 0 100 100",
              "features": [{"geometry": {"type": "Point", "coordinates": [i, i]}}]} for i in range(40)]
    svg = render_svg(masks, size=(200, 200), legend="top-left")
    assert "&lt;m0&gt; &amp; co" in svg
    assert "<m0>" not in svg
    assert "more</text>" in svg


def test_no_legend_and_bad_corners() -> None:
    assert render(RESULTS, size=(64, 64), legend="none").tobytes() == render(RESULTS, size=(64, 64)).tobytes()
    with pytest.raises(mr.InputError, match="legend must be one of top-left"):
        render(RESULTS, size=(64, 64), legend="middle")  # type: ignore[call-overload]


# --------------------------------------------------------------------------- background


def test_dim_and_grey_backgrounds_change_only_the_photo() -> None:
    photo = np.asarray(Image.open(PHOTO).convert("RGB").resize((302, 302), Image.Resampling.LANCZOS,
                                                                 reducing_gap=2.0)).astype(int)
    plain = np.asarray(render(RESULTS, PHOTO, max_size=302)).astype(int)
    untouched = (plain == photo).all(axis=2)  # pixels no mask reaches
    assert untouched.mean() > 0.5
    dim = np.asarray(render(RESULTS, PHOTO, max_size=302, background="dim")).astype(int)
    off = np.abs(dim[untouched] - np.rint(photo[untouched] * (1 - DIM)))
    assert (off <= 1).mean() > 0.999  # a faint mask edge that rounds away on the photo may show on the dim one
    assert off.max() <= 3
    grey = np.asarray(render(RESULTS, PHOTO, max_size=302, background="grey")).astype(int)
    g = grey[untouched]
    spread = g.max(axis=1) - g.min(axis=1)
    assert (spread == 0).mean() > 0.999
    assert spread.max() <= 3
    assert not (grey[~untouched][:, 0] == grey[~untouched][:, 2]).all()  # the masks keep their colours


def test_an_svg_overlay_dims_the_img_under_it_as_the_png_does() -> None:
    svg = render_svg(RESULTS, PHOTO, max_size=302, background="dim")
    assert '<rect class="dim"' in svg
    overlay = resvg_render(svg, (302, 302))
    photo = Image.open(PHOTO).convert("RGBA").resize((302, 302), Image.Resampling.LANCZOS, reducing_gap=2.0)
    laid = Image.alpha_composite(photo, overlay).convert("RGB")
    assert diff_stats(laid, render(RESULTS, PHOTO, max_size=302, background="dim")).mad < 1.5


def test_background_needs_a_photo_and_grey_svg_needs_it_embedded() -> None:
    with pytest.raises(mr.InputError, match="background dim is for a photo"):
        render(RESULTS, background="dim")
    with pytest.raises(mr.InputError, match="background grey needs the photo in the SVG"):
        render_svg(RESULTS, PHOTO, background="grey")
    svg = render_svg(RESULTS, PHOTO, max_size=128, background="grey", embed_image=True)
    drawn = np.asarray(resvg_render(svg, (128, 128)).convert("RGB")).astype(int)
    assert np.abs(drawn[5, 5, 0] - drawn[5, 5, 2]) <= 2  # a corner of the photo: grey
    with pytest.raises(mr.InputError, match="background must be one of photo, dim, grey"):
        render(RESULTS, PHOTO, background="sepia")  # type: ignore[call-overload]


# --------------------------------------------------------------------------- output size


@pytest.mark.slow
def test_max_size_scales_a_big_selfie_in_one_call(tmp_path: Path) -> None:
    big = tmp_path / "selfie.jpg"
    Image.open(PHOTO).resize((4000, 4000)).save(big, quality=90)
    small = render(RESULTS, big, max_size=800)
    assert small.size == (800, 800)
    reference = render(RESULTS, Image.open(PHOTO).resize((4000, 4000)).resize((800, 800), Image.Resampling.LANCZOS))
    assert diff_stats(small, reference).mad < 2.0  # masks at the same places at 800 px
    out = tmp_path / "web.png"
    assert main(["render", str(RESULTS), "--image", str(big), "--max-size", "800", "-o", str(out), "-q"]) == 0
    with Image.open(out) as im:
        assert im.size == (800, 800)
    assert render(RESULTS, max_size=100).size == (100, 100)  # no photo: the view_box, scaled
    assert render(RESULTS, PHOTO, max_size=5000).size == (2416, 2416)  # never scaled up


def test_size_resizes_the_photo_and_keeps_the_masks_on_it() -> None:
    out = render(FIXTURES / "acne.json", FIXTURES / "portrait.jpg", mask_set="original", size=(256, 300))
    assert out.size == (256, 300)
    with pytest.raises(mr.InputError, match="max_size must be a whole number"):
        render(RESULTS, max_size=0)


# --------------------------------------------------------------------------- render to memory


@pytest.mark.parametrize(("fmt", "magic"), [("png", b"\x89PNG"), ("JPEG", b"\xff\xd8"), ("jpg", b"\xff\xd8"),
                                            ("webp", b"RIFF"), ("svg", b"<svg")])
def test_render_file_writes_to_a_binary_file_object(fmt: str, magic: bytes, tmp_path: Path) -> None:
    buf = io.BytesIO()
    assert render_file(RESULTS, buf, PHOTO, format=fmt, max_size=256, legend="top-left") is buf
    data = buf.getvalue()
    assert data.startswith(magic)
    ext = {"JPEG": "jpg"}.get(fmt, fmt)
    path = render_file(RESULTS, tmp_path / f"o.{ext}", PHOTO, max_size=256, legend="top-left")
    assert path.read_bytes() == data


def test_a_file_object_needs_a_format() -> None:
    with pytest.raises(mr.OutputError, match="a file object needs format="):
        render_file(RESULTS, io.BytesIO(), PHOTO)
    with pytest.raises(mr.OutputError, match="format 'pdf': an overlay is written as one of png, jpeg, webp, svg"):
        render_file(RESULTS, io.BytesIO(), PHOTO, format="pdf")


def test_the_command_line_draws_what_python_draws(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "o.png"
    assert main(["render", str(RESULTS), "--image", str(PHOTO), "--max-size", "300", "--legend", "bottom-right",
                 "--background", "grey", "--palette", "tol-muted", "-o", str(out), "-q"]) == 0
    want = render(RESULTS, PHOTO, max_size=300, legend="bottom-right", background="grey",
                  style=mr.Style(palette="tol-muted"))
    with Image.open(out) as got:
        assert got.tobytes() == want.tobytes()
    assert main(["render", str(RESULTS), "-o", str(out), "--legend", "centre"]) == 2
    assert "--legend: expected one of top-left, top-right, bottom-left, bottom-right, none" in capsys.readouterr().err
    assert main(["render", str(RESULTS), "-o", str(tmp_path / "o.svg"), "--image", str(PHOTO),
                 "--background", "grey"]) == 2
    assert "needs the photo in the SVG" in capsys.readouterr().err


# --------------------------------------------------------------------------- small pictures

SMALL_NAMES = (
    "Post-inflammatory hyperpigmentation and solar lentigines combined assessment score",
    "Морщины и мелкие линии вокруг глаз",
    "Ρυτίδες μετώπου",
    "Supercalifragilisticexpialidociousnessmeasurementwithoutspaces",
    "Über-Pigmentierung (Sonnenflecken) - Gesamtbewertung",
)


def _named_masks() -> list[dict[str, object]]:
    colours = ("#e63946", "#2a9d8f", "#1d3557", "#f4a261", "#6a040f")
    masks: list[dict[str, object]] = []
    for i, (name, fill) in enumerate(zip(SMALL_NAMES, colours, strict=True)):
        ring = [[60 + i * 6, 60], [80 + i * 6, 60], [80 + i * 6, 80], [60, 80], [60 + i * 6, 60]]
        mask = bare_mask("polygon_mask", [[ring]], view_box="0 0 100 100")
        mask.update(name=name, fill=fill)
        masks.append(mask)
    return masks


@pytest.mark.parametrize("side", [96, 128, 200, 256, 384, 512])
def test_on_small_pictures_the_legend_fits_and_the_svg_says_what_the_png_says(side: int) -> None:
    """Issue 21, item 6: names cut at 40 characters whatever the room made the PNG clip mid-word
    and the SVG spill its text over the photo (resvg as the oracle), and the panel covered up to
    60% of a 128 px picture."""
    size = side
    masks = _named_masks()
    photo = Image.new("RGB", (size, size), (90, 120, 100))
    png = np.asarray(render(masks, photo, legend="top-left").convert("RGB"), dtype=np.float64)
    svg = render_svg(masks, photo, legend="top-left", embed_image=True)
    drawn = np.asarray(resvg_render(svg, (size, size)).convert("RGB"), dtype=np.float64)
    _, canvas, drawings = prepare(masks, photo)
    x0, y0, x1, y1 = legend_layout(legend_entries(drawings), canvas, "top-left").box
    assert (x1 - x0) * (y1 - y0) <= 0.25 * size * size  # a quarter of the picture at most
    assert x1 - x0 <= 0.5 * size + 1
    diff = np.abs(png - drawn).max(axis=2)
    panel = np.zeros(diff.shape, dtype=bool)
    panel[math.floor(y0):math.ceil(y1) + 1, math.floor(x0):math.ceil(x1) + 1] = True
    assert int((diff[~panel] > 24).sum()) == 0  # no text outside the panel, in either picture
    layout = legend_layout(legend_entries(drawings), canvas, "top-left")
    for row in layout.rows:  # the same words: each row's text ends at the same column, inside the panel
        band = slice(math.floor(row.swatch[1]), math.ceil(row.swatch[3]))
        left, right = round(row.baseline[0]) - 1, math.floor(x1) - 2  # the text's room, inside the border
        ends = []
        for picture in (png, drawn):
            ink = np.clip(225 - picture[band, left:right].mean(axis=2), 0, None).sum(axis=0)  # dark on white
            ends.append(left + int(np.searchsorted(np.cumsum(ink), 0.97 * ink.sum())))
        assert abs(ends[0] - ends[1]) <= max(2.0, 0.4 * layout.font_size), (row.text, ends)  # within a glyph
    for text in re.findall(r'<text [^>]*>([^<]*)</text>', svg):
        assert text in {"+2 more", "+3 more"} or any(n.startswith(text.rstrip("…").rstrip()) for n in SMALL_NAMES)
