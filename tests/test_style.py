"""Palette colours for masks without a fill, named palettes, and line widths that show.

The pairs the old ``crc32(name) % 12`` palette gave one colour (unshaven/beard, papules/pustules,
freckles/melasma) are drawn together here and told apart by their pixels.
"""

from __future__ import annotations

import json
import warnings
from typing import Any

import pytest
from helpers import FIXTURES
from PIL import Image

import maskrender as mr
from maskrender.cli import main
from maskrender.overlay import prepare, render
from maskrender.palettes import PALETTES
from maskrender.style import Color, Size, Style, palette, palette_colors

SQUARE = [[[0, 0], [40, 0], [40, 40], [0, 40], [0, 0]]]


def masks_without_fill(*stems: str, fills: dict[str, str] | None = None) -> dict[str, Any]:
    """A bare-mask list, one square per stem side by side, none with a fill unless given."""
    out = []
    for i, stem in enumerate(stems):
        ring = [[x + 50 * i, y] for x, y in SQUARE[0]]
        m: dict[str, Any] = {"mask_type": "polygon_mask", "tech_name": f"{stem}_mask_restored", "view_box":
                             f"0 0 {50 * len(stems)} 40", "features": [{"geometry": {"type": "Polygon",
                                                                                     "coordinates": [ring]}}]}
        if fills and stem in fills:
            m["fill"] = fills[stem]
        out.append(m)
    return {"masks": out}


def drawn_colours(data: Any, n: int, style: Style | None = None) -> list[tuple[int, int, int]]:
    picture = render(data["masks"], size=(50 * n, 40), style=style or Style(opacity=1.0))
    return [tuple(picture.getpixel((20 + 50 * i, 20)))[:3] for i in range(n)]  # type: ignore[arg-type,misc]


@pytest.mark.parametrize("pair", [("unshaven", "beard"), ("papules", "pustules"), ("freckles", "melasma")])
def test_pairs_that_used_to_collide_get_distinct_colours(pair: tuple[str, str]) -> None:
    loaded = mr.load(masks_without_fill(*pair)["masks"])
    colours = drawn_colours({"masks": list(loaded.masks())}, 2)
    assert colours[0] != colours[1]
    okabe = {Color.parse(c).rgb for c in PALETTES["okabe-ito"]}
    assert set(colours) <= okabe


def test_many_masks_get_distinct_colours_and_the_same_every_time() -> None:
    stems = ("papules", "pustules", "freckles", "melasma", "unshaven", "beard", "stubble", "moustache", "moles")
    masks = list(mr.load(masks_without_fill(*stems)["masks"]).masks())
    first = drawn_colours({"masks": masks}, len(stems))
    assert len(set(first)) == len(stems)  # nine masks: the palette's seven, then other palettes' colours
    assert drawn_colours({"masks": list(reversed(masks))}, len(stems)) == first  # same set, same colours


def test_palette_colours_keep_away_from_the_fills_drawn_with_them() -> None:
    _, _, drawings = prepare(FIXTURES / "acne.json", size=(256, 256))
    acne, papules = (d.style.color for d in drawings)
    assert acne.hex == "#ff9f1c"
    assert papules.hex not in ("#e69f00", "#f0e442")  # Okabe-Ito orange and yellow look like the acne orange


@pytest.mark.parametrize("name", sorted(PALETTES))
def test_named_palettes_from_python_and_the_command_line(name: str, tmp_path: Any) -> None:
    masks = list(mr.load(masks_without_fill("papules", "pustules")["masks"]).masks())
    colours = drawn_colours({"masks": masks}, 2, Style(opacity=1.0, palette=name))
    assert set(colours) <= {c.rgb for c in palette(name)}
    out = tmp_path / "o.png"
    assert main(["render", str(FIXTURES / "acne.json"), "-o", str(out), "--palette", name, "--size", "128x128",
                 "--only", "papules", "-q"]) == 0
    with mr.render(FIXTURES / "acne.json", size=(128, 128), only=["papules"], style=Style(palette=name)) as want:
        from PIL import Image

        with Image.open(out) as got:
            assert got.tobytes() == want.tobytes()


def test_a_palette_of_your_own_and_bad_palettes() -> None:
    masks = list(mr.load(masks_without_fill("papules", "pustules")["masks"]).masks())
    assert set(drawn_colours({"masks": masks}, 2, Style(opacity=1.0, palette=["#ff0000", "#0000ff"]))) == {
        (255, 0, 0), (0, 0, 255)}
    with pytest.raises(mr.InputError, match="unknown palette 'rainbow'; known palettes: okabe-ito"):
        Style(palette="rainbow")
    with pytest.raises(mr.InputError, match="at least two colours"):
        Style(palette=["red"])
    assert palette_colors([]) == {}


# --------------------------------------------------------------------------- line widths


def test_the_vendors_fraction_given_as_pixels_warns_and_its_percent_draws() -> None:
    lines = mr.load(FIXTURES / "lines.json")
    with pytest.warns(mr.SizeWarning, match=r"line width 0.001 is 0.001 px .* give 0.1%"):
        render(lines, size=(2416, 2416), only=["line_lines_mask_restored"], style=Style(line_width=0.001))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        layer = render(lines, size=(2416, 2416), only=["line_lines_mask_restored"], style=Style(line_width="0.1%"))
    assert layer.getchannel("A").getbbox() is not None
    _, _, drawings = prepare(lines, size=(2416, 2416), only=["line_lines_mask_restored"],
                             style=Style(line_width="0.1%"))
    assert drawings[0].style.line_width == pytest.approx(2.416)


@pytest.mark.parametrize("width", [0, "0", "0px", "0%", Size(0.0)])
def test_a_zero_line_width_is_refused(width: Any) -> None:
    with pytest.raises(mr.InputError, match="not a width"):
        Style(line_width=width)


def test_the_command_line_refuses_zero_and_warns_under_half_a_pixel(tmp_path: Any,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "o.png"
    assert main(["render", str(FIXTURES / "lines.json"), "-o", str(out), "--line-width", "0"]) == 2
    assert "not a width: '0'" in capsys.readouterr().err
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        assert main(["render", str(FIXTURES / "lines.json"), "-o", str(out), "--line-width", "0.001", "-q"]) == 0
    err = capsys.readouterr().err
    assert "maskrender: warning: line_lines_mask_restored: line width 0.001 is 0.001 px" in err
    assert "give 0.1%" in err


# ---------------------------------------------------------------------------------------------
# per-mask opacity (issue 23): Style(opacities=...), --opacity NAME=VALUE, manifest cells
# ---------------------------------------------------------------------------------------------

GREY = (128, 128, 128)
TWO = masks_without_fill("acne", "pores", fills={"acne": "#ff0000", "pores": "#0000ff"})["masks"]


def _blend(colour: tuple[int, int, int], opacity: float) -> tuple[int, ...]:
    return tuple(round(g + opacity * (c - g)) for c, g in zip(colour, GREY, strict=True))


def _close(a: object, b: tuple[int, ...]) -> bool:
    assert isinstance(a, tuple)
    return all(abs(x - y) <= 1 for x, y in zip(a, b, strict=True))


def test_opacities_override_the_global_opacity_per_name() -> None:
    photo = mr.render(TWO, Image.new("RGB", (100, 40), GREY), style=Style(opacity=1.0, opacities={"Pores": 0.25}))
    assert photo.getpixel((20, 20)) == (255, 0, 0)                          # acne: the global opacity, 1
    assert _close(photo.getpixel((70, 20)), _blend((0, 0, 255), 0.25))     # pores: its own
    with pytest.raises(mr.InputError, match=r"opacities\['pores'\] must be a number from 0 to 1"):
        Style(opacities={"pores": 1.5})


def test_cli_opacity_name_value_as_fill_does(tmp_path: Any) -> None:
    source = tmp_path / "two.json"
    source.write_text(json.dumps(TWO))
    Image.new("RGB", (100, 40), GREY).save(tmp_path / "grey.png")
    out = tmp_path / "o.png"
    assert main(["render", str(source), "--image", str(tmp_path / "grey.png"), "--opacity", "1",
                 "--opacity", "pores=0.25", "-o", str(out)]) == 0
    with Image.open(out) as picture:
        assert picture.getpixel((20, 20)) == (255, 0, 0)
        assert _close(picture.getpixel((70, 20)), _blend((0, 0, 255), 0.25))


def test_cli_opacity_name_that_selects_nothing_is_an_error(tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["render", str(FIXTURES / "acne.json"), "--size", "64x64", "--opacity", "porse=0.3", "-o",
                 str(tmp_path / "o.png")]) == 2
    err = capsys.readouterr().err
    assert "opacity name porse matches no mask; there are: acne" in err
    assert not (tmp_path / "o.png").exists()
    assert main(["render", str(FIXTURES / "acne.json"), "--opacity", "acne=2", "-o", str(tmp_path / "o.png")]) == 2
    assert "NAME=OPACITY" in capsys.readouterr().err


def test_manifest_cell_reads_opacities() -> None:
    from maskrender.options import OPTIONS, call_options

    style = call_options({"opacity": OPTIONS["opacity"].read("0.5; acne=0.3|pores=1")})["style"]
    assert (style.opacity, dict(style.opacities)) == (0.5, {"acne": 0.3, "pores": 1.0})


def test_cli_accepts_outlines_alone(tmp_path: Any) -> None:
    out = tmp_path / "outline.svg"
    assert main(["render", str(FIXTURES / "acne.json"), "--size", "200x200", "--opacity", "0", "--outline", "2",
                 "-o", str(out)]) == 0
    assert out.read_text().startswith("<svg")
