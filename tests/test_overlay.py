"""The raster renderer's semantics, each pinned by pixel probes or golden images.

Probes use synthetic masks on flat photos (where the expected pixel is arithmetic) and the
fixtures (where the expected region comes from shapely, independently of the renderer).
"""

from __future__ import annotations

import io
import subprocess
import sys
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
import shapely
from helpers import (
    EDGE_CASES,
    FIXTURES,
    ROOT,
    assert_matches_golden,
    bare_mask,
    flat_photo,
    measure_mask_edges,
    reference_alpha,
    square,
)
from PIL import Image

import maskrender as mr
from maskrender import limits
from maskrender.defaults import MaskSet
from maskrender.errors import InputError, LimitError, SelectionError
from maskrender.model import Mask
from maskrender.overlay import prepare, render, render_file, select_masks
from maskrender.style import Color, Size, Style, auto_point_radius, palette_color

GREY = (128, 128, 128)

def px(image: Image.Image, x: int, y: int) -> tuple[int, ...]:
    value = image.getpixel((x, y))
    assert isinstance(value, tuple)
    return value


def interior_pixels(region: shapely.Geometry, size: tuple[int, int], margin: float = 1.5) -> np.ndarray:
    """Integer pixel coordinates whose whole square lies inside ``region`` shrunk by ``margin``."""
    inner = region.buffer(-margin)
    if inner.is_empty:
        return np.empty((0, 2), dtype=int)
    x0, y0, x1, y1 = (int(v) for v in inner.bounds)
    ys, xs = np.mgrid[max(y0, 0):min(y1 + 1, size[1]), max(x0, 0):min(x1 + 1, size[0])]
    ok = shapely.contains_xy(inner, xs.ravel() + 0.5, ys.ravel() + 0.5)
    return np.stack([xs.ravel()[ok], ys.ravel()[ok]], axis=1)


def output_geometry(mask: Mask, size: tuple[int, int]) -> list[shapely.Geometry]:
    """Each feature's geometry mapped onto an output of ``size`` (like the renderer does)."""
    _, _, drawings = prepare([mask], size=size)
    return [drawings[0].transform.apply(f.geometry) for f in mask.features]


# ---------------------------------------------------------------------------------------------
# mapping onto the output
# ---------------------------------------------------------------------------------------------


def test_view_box_is_scaled_onto_the_photo() -> None:
    mask = bare_mask("polygon_mask", [[square(10, 10, 20, 20)]])
    out = render(mask, flat_photo((200, 200)), style=Style(opacity=1.0))
    assert px(out, 30, 30) == (255, 0, 0)       # (15, 15) in view_box units, times 2
    assert px(out, 20, 20) == (255, 0, 0)
    assert px(out, 19, 30) == GREY               # just outside x = 10 * 2
    assert px(out, 40, 30) == GREY               # just outside x = 20 * 2


def test_non_zero_view_box_origin_is_honoured() -> None:
    mask = bare_mask("polygon_mask", [[square(110, 60, 120, 70)]], view_box="100 50 100 100")
    out = render(mask, flat_photo((100, 100)), style=Style(opacity=1.0))
    assert px(out, 15, 15) == (255, 0, 0)
    assert px(out, 5, 5) == GREY


def test_canvas_without_photo_is_the_view_box_or_the_given_size() -> None:
    mask = bare_mask("polygon_mask", [[square(10, 10, 20, 20)]], view_box="0 0 100 50")
    layer = render(mask)
    assert (layer.mode, layer.size) == ("RGBA", (100, 50))
    assert px(layer, 0, 0) == (0, 0, 0, 0)
    big = render(mask, size=(300, 150), style=Style(opacity=1.0))
    assert big.size == (300, 150)
    assert px(big, 45, 45) == (255, 0, 0, 255)
    assert px(big, 25, 25) == (0, 0, 0, 0)


def test_fixture_masks_land_where_their_geometry_says() -> None:
    photo = flat_photo((604, 604))
    out = render(FIXTURES / "acne.json", photo, only=["acne_mask_restored"], style=Style(opacity=1.0))
    mask = select_masks(FIXTURES / "acne.json", only=["acne_mask_restored"])[0]
    geoms = output_geometry(mask, (604, 604))
    inside = interior_pixels(shapely.union_all(geoms), (604, 604))
    assert len(inside) > 100
    arr = np.asarray(out)
    assert (arr[inside[:, 1], inside[:, 0]] == (0xFF, 0x9F, 0x1C)).all()


def test_size_with_a_photo_resizes_it_and_refuses_a_distorting_size() -> None:
    assert render(FIXTURES / "acne.json", flat_photo((64, 64)), size=(32, 32)).size == (32, 32)
    with pytest.raises(InputError, match="would distort the 64x64 photo"):
        render(FIXTURES / "acne.json", flat_photo((64, 64)), size=(32, 16))


# ---------------------------------------------------------------------------------------------
# selection
# ---------------------------------------------------------------------------------------------


def layer_colours(layer: Image.Image) -> set[tuple[int, int, int]]:
    arr = np.asarray(layer)
    return {(int(c[0]), int(c[1]), int(c[2])) for c in np.unique(arr[arr[:, :, 3] > 0][:, :3], axis=0)}


def test_default_selection_is_every_restored_front_mask() -> None:
    masks = select_masks(FIXTURES / "results_list.json")
    assert {m.mask_set for m in masks} == {"restored"}
    assert {m.side for m in masks} == {"front"}
    assert len(masks) == 6


@pytest.mark.parametrize(
    ("only", "expected"),
    [
        (["pores"], {"pores_mask_restored"}),                                  # algorithm
        (["lines.lines"], {"line_lines_mask_restored", "deep_lines_mask_restored"}),  # family
        (["papules_mask_restored"], {"papules_mask_restored"}),                # mask tech name
        (["pores", "redness"], {"pores_mask_restored", "redness_mask_restored"}),  # repeated
    ],
)
def test_only_matches_algorithm_family_or_tech_name(only: list[str], expected: set[str]) -> None:
    assert {m.tech_name for m in select_masks(FIXTURES / "results_list.json", only=only)} == expected


def test_only_draws_nothing_else() -> None:
    layer = render(FIXTURES / "results_list.json", size=(256, 256), only=["pores"])
    assert layer_colours(layer) == {(0x00, 0xB4, 0xD8)}


def test_mask_set_and_side_choose_what_is_drawn() -> None:
    original = select_masks(FIXTURES / "results_list.json", mask_set="original")
    assert {m.tech_name for m in original} >= {"pores_mask_original", "acne_mask_original"}
    assert {m.view_box.size for m in original if m.view_box} == {(512.0, 600.0)}
    left = select_masks(FIXTURES / "sides_result.json", side="left")
    assert [m.tech_name for m in left] == ["acne_restored_left"]
    assert len(select_masks(FIXTURES / "sides_result.json", side=None)) == 3


def test_original_masks_fit_the_original_photo() -> None:
    photo = Image.open(FIXTURES / "portrait.jpg")
    out = render(FIXTURES / "acne.json", photo, mask_set="original", only=["acne_mask_original"],
                 style=Style(opacity=1.0))
    mask = select_masks(FIXTURES / "acne.json", mask_set="original", only=["acne_mask_original"])[0]
    inside = interior_pixels(shapely.union_all(output_geometry(mask, (512, 600))), (512, 600), margin=0.8)
    assert len(inside) > 10
    assert all(px(out, int(x), int(y)) == (0xFF, 0x9F, 0x1C) for x, y in inside)


def test_no_match_says_what_exists() -> None:
    with pytest.raises(SelectionError) as err:
        select_masks(FIXTURES / "results_list.json", only=["wrinkles_everywhere"])
    message = str(err.value)
    assert "wrinkles_everywhere" in message
    assert "pores_mask_restored" in message
    assert "acne.acne" in message


def test_an_empty_set_says_what_exists() -> None:
    with pytest.raises(SelectionError, match=r"no original front masks.*restored front 1, restored left 1"):
        select_masks(FIXTURES / "sides_result.json", mask_set="original")


# ---------------------------------------------------------------------------------------------
# colours, opacity, intensity
# ---------------------------------------------------------------------------------------------


def test_fill_comes_from_the_mask_and_can_be_overridden() -> None:
    mask = bare_mask("polygon_mask", [[square(10, 10, 90, 90)]], fill="#D9580F", tech_name="acne_mask_restored")
    assert px(render(mask, flat_photo((100, 100)), style=Style(opacity=1.0)), 50, 50) == (0xD9, 0x58, 0x0F)
    for colour, rgb in (("#00A0FF", (0, 160, 255)), ("rebeccapurple", (102, 51, 153)), ("rgb(1,2,3)", (1, 2, 3))):
        style = Style(opacity=1.0, fills={"acne_mask_restored": colour})
        assert px(render(mask, flat_photo((100, 100)), style=style), 50, 50) == rgb


def test_fill_override_by_algorithm_short_name_and_family() -> None:
    for key in ("pores", "pores.pores", "pores_mask_restored"):
        layer = render(FIXTURES / "pores.json", size=(128, 128), style=Style(fills={key: "#00A0FF"}))
        assert layer_colours(layer) == {(0, 160, 255)}
    style = Style(fills={"papules": "#123456"})
    assert layer_colours(render(FIXTURES / "acne.json", size=(128, 128), only=["papules_mask_restored"],
                                style=style)) == {(0x12, 0x34, 0x56)}
    assert layer_colours(render(FIXTURES / "acne.json", size=(128, 128), only=["acne_mask_restored"],
                                style=style)) == {(0xFF, 0x9F, 0x1C)}


def test_mask_without_fill_gets_a_stable_palette_colour() -> None:
    papules = select_masks(FIXTURES / "acne.json", only=["papules_mask_restored"])[0]
    assert papules.fill is None
    colour = palette_color(papules).rgb  # alone, a mask takes the colour its name prefers
    alone = render(FIXTURES / "acne.json", size=(256, 256), only=["papules_mask_restored"])
    assert layer_colours(alone) == {colour}
    for source in ("acne.json", "results_list.json"):  # with others: the same colour in every run
        runs = []
        for _ in range(2):
            _, _, drawings = prepare(FIXTURES / source, size=(256, 256))
            runs.append([d.style.color.rgb for d in drawings if d.mask.tech_name == "papules_mask_restored"])
        assert runs[0] == runs[1]
        assert len(runs[0]) == 1
    original = select_masks(FIXTURES / "acne.json", mask_set="original", only=["papules_mask_original"])[0]
    assert palette_color(original) == palette_color(papules)


@pytest.mark.parametrize("opacity", [1.0, 0.6, 0.25])
def test_feature_opacity_is_global_opacity_times_intensity(opacity: float) -> None:
    levels = [1.0, 0.8, 0.5, 0.2]
    mask = bare_mask("heatmap_mask", [[square(10 + 20 * i, 10, 25 + 20 * i, 90)] for i in range(4)],
                     fill="#ffffff", intensities=levels)
    out = render(mask, flat_photo((100, 100), (0, 0, 0)), style=Style(opacity=opacity))
    for i, level in enumerate(levels):
        value = px(out, 17 + 20 * i, 50)[0]
        assert abs(value - 255 * opacity * level) <= 1, (level, value)


def test_heatmap_fixture_shows_its_gradation() -> None:
    """Each intensity region of the redness fixture, away from the higher ones, has its level."""
    mask = select_masks(FIXTURES / "redness.json")[0]
    size = (604, 604)
    geoms = output_geometry(mask, size)
    out = np.asarray(render(mask, flat_photo(size, (0, 0, 0)), style=Style(opacity=1.0, fills={"redness": "#fff"})))
    levels = sorted({f.intensity for f in mask.features})
    assert levels == [0.2, 0.4, 0.6, 0.8, 1.0]
    for level in levels:
        here = shapely.union_all([g for g, f in zip(geoms, mask.features, strict=True) if f.intensity == level])
        above = shapely.union_all([g for g, f in zip(geoms, mask.features, strict=True) if f.intensity > level])
        probe = interior_pixels(shapely.difference(here, above.buffer(1.5)), size)
        assert len(probe) > 20, level
        values = out[probe[:, 1], probe[:, 0], 0].astype(int)
        assert np.abs(values - round(255 * level)).max() <= 1, level


# ---------------------------------------------------------------------------------------------
# a mask is one layer
# ---------------------------------------------------------------------------------------------


def test_overlapping_features_look_like_one() -> None:
    """Where two or three features of a mask overlap the pixel is as where one covers it."""
    mask = bare_mask("polygon_mask", [[square(10, 10, 60, 60)], [square(40, 40, 90, 90)], [square(45, 10, 55, 90)]])
    out = render(mask, flat_photo((100, 100)), style=Style(opacity=0.5))
    single = px(out, 20, 20)
    assert single != GREY
    assert px(out, 50, 50) == single  # three features overlap (even-odd would cancel one)
    assert px(out, 42, 42) == single  # two
    assert px(out, 50, 20) == single  # two


def test_overlapping_features_look_like_one_on_their_edges_too() -> None:
    """Two identical features: every pixel, edges included, as with one of them."""
    one = bare_mask("polygon_mask", [[square(20.5, 20.5, 70.25, 60.5)]])
    two = bare_mask("polygon_mask", [[square(20.5, 20.5, 70.25, 60.5)], [square(20.5, 20.5, 70.25, 60.5)]])
    a = np.asarray(render(one, size=(100, 100)))
    b = np.asarray(render(two, size=(100, 100)))
    assert (a[:, :, 3] == b[:, :, 3]).all(), f"edge alpha {a[40, 20, 3]} alone, {b[40, 20, 3]} doubled"


def test_hole_shows_the_photo_untouched() -> None:
    ring = square(10, 10, 90, 90)
    hole = square(30, 30, 70, 70)[::-1]
    mask = bare_mask("polygon_mask", [[ring, hole]])
    out = render(mask, flat_photo((100, 100)), style=Style(opacity=0.5))
    assert px(out, 50, 50) == GREY
    assert px(out, 15, 15) != GREY


def test_another_feature_over_a_hole_fills_it() -> None:
    mask = bare_mask("polygon_mask", [[square(10, 10, 90, 90), square(30, 30, 70, 70)[::-1]],
                                      [square(40, 40, 60, 60)]])
    out = render(mask, flat_photo((100, 100)), style=Style(opacity=0.5))
    assert px(out, 50, 50) == px(out, 15, 15) != GREY
    assert px(out, 35, 35) == GREY


def test_fixture_overlaps_and_holes() -> None:
    """acne.json has overlapping separate features and features with holes: probe both."""
    size = (604, 604)
    mask = select_masks(FIXTURES / "acne.json", only=["acne_mask_restored"])[0]
    geoms = output_geometry(mask, size)
    out = np.asarray(render(mask, flat_photo(size), style=Style(opacity=0.6)))
    expected = np.asarray(render(mask, flat_photo(size), style=Style(opacity=0.6)))  # deterministic
    assert (out == expected).all()
    single = interior_pixels(shapely.union_all(geoms), size)
    colour = out[single[0, 1], single[0, 0]]
    assert (colour != GREY).any()
    overlaps = [shapely.intersection(a, b) for i, a in enumerate(geoms) for b in geoms[i + 1:]]
    overlap_px = np.concatenate([interior_pixels(o, size, 1.0) for o in overlaps if o.area > 4])
    assert len(overlap_px) >= 3
    assert (out[overlap_px[:, 1], overlap_px[:, 0]] == colour).all()
    all_px = out[single[:, 1], single[:, 0]]
    assert (all_px == colour).all()
    holes = [shapely.Polygon(r) for g in geoms for p in shapely.get_parts(g) for r in p.interiors]
    assert len(holes) == 3
    union = shapely.union_all(geoms)
    hole_px = np.concatenate([interior_pixels(shapely.difference(h, union.difference(h)), size, 1.0) for h in holes])
    assert len(hole_px) > 0
    assert (out[hole_px[:, 1], hole_px[:, 0]] == GREY).all()


# ---------------------------------------------------------------------------------------------
# shapes and sizes
# ---------------------------------------------------------------------------------------------


def test_points_are_discs_of_the_given_radius() -> None:
    mask = bare_mask("point_mask", [[[50, 50]]])
    layer = render(mask, size=(100, 100), style=Style(opacity=1.0, point_radius=10))
    alpha = np.asarray(layer.getchannel("A")).astype(float) / 255
    assert abs(alpha.sum() - np.pi * 100) < 0.5
    assert alpha[50, 57] == 1.0
    assert alpha[57, 50] == 1.0
    assert alpha[45, 45] == 1.0
    assert alpha[50, 61] == 0.0
    assert alpha[44, 44] == 1.0
    assert alpha[41, 41] == 0.0


def test_lines_are_strokes_with_round_caps_and_joins() -> None:
    mask = bare_mask("polyline_mask", [[[[20, 20], [80, 20], [80, 80]]]])
    layer = render(mask, size=(100, 100), style=Style(opacity=1.0, line_width=10))
    alpha = np.asarray(layer.getchannel("A"))
    assert alpha[20, 50] == 255
    assert alpha[24, 50] == 255
    assert alpha[26, 50] == 0
    assert alpha[20, 16] == 255
    assert alpha[15, 15] == 0
    assert alpha[20, 14] == 0
    assert alpha[15, 84] == 0
    assert alpha[17, 82] == 255
    assert alpha[50, 50] == 0                                                    # a line, not a fill


def test_polygons_are_filled_and_outlined_on_request() -> None:
    mask = bare_mask("polygon_mask", [[square(20, 20, 80, 80)]], fill="#ffffff")
    plain = render(mask, flat_photo((100, 100), (0, 0, 0)), style=Style(opacity=0.5))
    outlined = render(mask, flat_photo((100, 100), (0, 0, 0)), style=Style(opacity=0.5, outline=4))
    assert px(plain, 50, 50) == px(outlined, 50, 50) == (128, 128, 128)
    assert px(plain, 20, 50) == (128, 128, 128)
    assert px(outlined, 20, 50) == (255, 255, 255)    # on the edge: the outline, opaque
    assert px(outlined, 17, 50) == (0, 0, 0)          # 2 px outside: nothing
    assert px(outlined, 18, 50) == (255, 255, 255)


def test_sizes_in_pixels_or_relative_to_the_image() -> None:
    cases = ((3, (100, 100), 3), ("3px", (100, 100), 3), ("2%", (200, 100), 4), ("0.1%", (4000, 3000), 4))
    for spec, size, width in cases:
        height = 100 * size[1] / size[0]
        mask = bare_mask("polyline_mask", [[[[0, height / 2], [100, height / 2]]]], view_box=f"0 0 100 {height}")
        layer = render(mask, size=size, style=Style(opacity=1.0, line_width=spec))
        column = np.asarray(layer.getchannel("A"))[:, size[0] // 2].astype(float) / 255
        assert abs(column.sum() - width) < 0.05, (spec, column.sum())
    assert Size.parse("0.1%").pixels((2416, 2416)) == pytest.approx(2.416)


def test_default_sizes_suit_small_and_large_photos() -> None:
    """Defaults follow the image (0.35% radius, 0.2% width) with floors; dense pores stay dots."""
    pores = select_masks(FIXTURES / "pores.json")[0]
    line = select_masks(FIXTURES / "lines.json", only=["line_lines_mask_restored"])[0]
    small, large = Style().resolve(line, (512, 512)), Style().resolve(line, (4000, 4000))
    assert small.line_width == 1.5
    assert large.line_width == 8.0
    r_small, r_large = auto_point_radius(pores, (512, 512)), auto_point_radius(pores, (4000, 4000))
    assert 0.75 <= r_small < 2.0
    assert 8.0 < r_large <= 14.0
    original = select_masks(FIXTURES / "pores.json", mask_set="original")[0]
    assert 0.5 < auto_point_radius(original, (512, 600)) < 0.75  # 1,390 pores on a 240 px face: a speckle
    landmarks = bare_mask("point_mask", [[[10, 10], [90, 90]]])
    assert auto_point_radius(mr.load(landmarks).masks()[0], (1000, 1000)) == pytest.approx(3.5)


# ---------------------------------------------------------------------------------------------
# order and determinism
# ---------------------------------------------------------------------------------------------


def four_types_in_one_place(reverse: bool) -> list[dict[str, object]]:
    masks = [
        bare_mask("heatmap_mask", [[square(40, 40, 60, 60)]], fill="#ff0000"),
        bare_mask("polygon_mask", [[square(40, 40, 60, 60)]], fill="#00ff00"),
        bare_mask("polyline_mask", [[[[30, 50], [70, 50]]]], fill="#0000ff"),
        bare_mask("point_mask", [[[50, 50]]], fill="#ffffff"),
    ]
    return masks[::-1] if reverse else masks


@pytest.mark.parametrize("reverse", [False, True])
def test_layer_order_is_heatmap_polygon_polyline_point(reverse: bool) -> None:
    style = Style(opacity=1.0, point_radius=3, line_width=8)
    out = render(four_types_in_one_place(reverse), flat_photo((100, 100)), style=style)
    assert px(out, 50, 50) == (255, 255, 255)   # point on top
    assert px(out, 35, 50) == (0, 0, 255)       # line over the polygons
    assert px(out, 45, 58) == (0, 255, 0)       # polygon over the heatmap


def test_output_is_byte_identical_run_to_run(tmp_path: Path) -> None:
    outputs = []
    for i in range(2):
        out = tmp_path / f"run{i}.png"
        render_file(FIXTURES / "results_list.json", out, FIXTURES / "portrait.jpg", mask_set="original")
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    code = (
        "import sys; from maskrender.overlay import render_file; "
        "render_file('fixtures/results_list.json', sys.argv[1], 'fixtures/portrait.jpg', mask_set='original')"
    )
    other = tmp_path / "process.png"
    subprocess.run([sys.executable, "-c", code, str(other)], cwd=ROOT, check=True)
    assert other.read_bytes() == outputs[0]


# ---------------------------------------------------------------------------------------------
# untouched pixels and anti-aliasing
# ---------------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("mask_set", ["restored", "original"])
def test_pixels_away_from_features_are_byte_identical(mask_set: MaskSet) -> None:
    photo = Image.open(FIXTURES / ("restored.jpg" if mask_set == "restored" else "portrait.jpg")).convert("RGB")
    photo = photo.resize((512, 512) if mask_set == "restored" else photo.size)
    out = render(FIXTURES / "results_list.json", photo, mask_set=mask_set)
    changed = (np.asarray(out) != np.asarray(photo)).any(axis=2)
    footprint = np.zeros(changed.shape, dtype=bool)
    _, canvas, drawings = prepare(FIXTURES / "results_list.json", photo, mask_set=mask_set)
    for d in drawings:
        footprint |= reference_alpha(d.mask, d.transform, d.style, canvas) > 0
    grown = np.asarray(Image.fromarray(footprint).filter(__import__("PIL.ImageFilter").ImageFilter.MaxFilter(3)))
    assert changed.sum() > 1000
    assert not (changed & ~grown).any(), f"{int((changed & ~grown).sum())} pixels changed away from every feature"


def edge_case(name: str, mask_set: MaskSet, size: tuple[int, int]) -> object:
    return pytest.param(name, mask_set, size, id=f"{name}-{mask_set}")


@pytest.mark.slow
@pytest.mark.parametrize(("name", "mask_set", "size"), [edge_case(*case) for case in EDGE_CASES])
def test_anti_aliased_edges_match_an_exact_reference(name: str, mask_set: MaskSet, size: tuple[int, int]) -> None:
    """Against the exact oracle (helpers.oracle): mean edge error <= 1.5/255, area bias within 0.5%
    (the renderer of bf4e62c was 0.5-5/255 and 0.3%; it rounded near-horizontal edges to 1/5 px)."""
    figures = measure_mask_edges(FIXTURES / f"{name}.json", mask_set, size)
    assert figures
    for tech, fig in figures.items():
        assert fig.edge_pixels > 50, tech
        assert fig.edge_error <= 1.5, f"{tech}: mean edge error {fig.edge_error:.2f}/255"
        assert abs(fig.area_bias) <= 0.005, f"{tech}: area bias {fig.area_bias:+.2%}"


# ---------------------------------------------------------------------------------------------
# golden images
# ---------------------------------------------------------------------------------------------


# Goldens are drawn on a flat background (small files, the masks plainly visible); one is
# drawn on the photo and cropped to the face.  MASKRENDER_UPDATE_GOLDEN=1 rewrites them: look
# at every rewritten picture before committing it.

BACKDROP = (226, 222, 216)


@pytest.mark.parametrize("name", ["acne", "redness", "lines", "pores", "pih_result", "sides_result"])
def test_golden_overlay(name: str) -> None:
    assert_matches_golden(render(FIXTURES / f"{name}.json", flat_photo((256, 256), BACKDROP)), f"overlay-{name}")


def test_golden_styles() -> None:
    style = Style(opacity=0.8, outline=1.5, point_radius="0.8%", line_width=2, fills={"papules": "#00A0FF"})
    styled = render(FIXTURES / "results_list.json", flat_photo((256, 256), BACKDROP), style=style)
    assert_matches_golden(styled, "styled-outline")
    assert_matches_golden(render(FIXTURES / "results_list.json", size=(256, 256)), "layer-transparent")
    with Image.open(FIXTURES / "portrait.jpg") as portrait:
        out = render(FIXTURES / "results_list.json", portrait, mask_set="original")
    assert_matches_golden(out.crop((130, 100, 390, 360)), "original-portrait-face")


# ---------------------------------------------------------------------------------------------
# Python in, Python out
# ---------------------------------------------------------------------------------------------


def test_pil_in_pil_out_and_the_photo_is_not_modified() -> None:
    photo = flat_photo((100, 100))
    before = photo.tobytes()
    out = render(bare_mask("polygon_mask", [[square(10, 10, 90, 90)]]), photo)
    assert isinstance(out, Image.Image)
    assert out is not photo
    assert photo.tobytes() == before
    assert out.tobytes() != before


@pytest.mark.parametrize("channels", [3, 4])
def test_numpy_in_numpy_out_and_the_array_is_not_modified(channels: int) -> None:
    photo = np.full((60, 80, channels), 100, dtype=np.uint8)
    before = photo.copy()
    out = render(bare_mask("polygon_mask", [[square(10, 10, 90, 90)]], view_box="0 0 80 60"), photo)
    assert isinstance(out, np.ndarray)
    assert out.shape == (60, 80, channels)
    assert out.dtype == np.uint8
    assert (photo == before).all()
    assert (out[30, 40] != 100).any()
    out[0, 0] = 0  # a normal, writable array


def test_rgba_photo_keeps_its_alpha() -> None:
    photo = flat_photo((100, 100), (10, 20, 30, 77), mode="RGBA")
    out = render(bare_mask("polygon_mask", [[square(40, 40, 60, 60)]]), photo, style=Style(opacity=0.5))
    assert out.mode == "RGBA"
    assert px(out, 5, 5) == (10, 20, 30, 77)
    r, _, _, a = px(out, 50, 50)
    assert a > 77
    assert r > 10


# ---------------------------------------------------------------------------------------------
# hostile sizes and geometry
# ---------------------------------------------------------------------------------------------


def test_giant_view_box_without_photo_is_refused_before_allocating() -> None:
    mask = bare_mask("polygon_mask", [[square(0, 0, 10, 10)]], view_box="0 0 1000000000 1000000000")
    tracemalloc.start()
    try:
        with pytest.raises(LimitError, match="MAX_CANVAS_PIXELS"):
            render(mask)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20_000_000


def test_giant_size_is_refused() -> None:
    with pytest.raises(LimitError, match="100000x100000"):
        render(FIXTURES / "acne.json", size=(100_000, 100_000))


def test_canvas_limit_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_CANVAS_PIXELS", 1000)
    with pytest.raises(LimitError):
        render(FIXTURES / "acne.json", size=(100, 100))
    monkeypatch.setattr(limits, "MAX_CANVAS_PIXELS", None)
    assert render(FIXTURES / "acne.json", size=(100, 100)).size == (100, 100)


def test_geometry_far_off_canvas_is_clipped_not_drawn() -> None:
    far = 1e8
    mask_data = [
        bare_mask("polygon_mask", [[square(-far, -far, far, 50)]], fill="#ff0000"),       # covers the top half
        bare_mask("polyline_mask", [[[[-far, 75], [far, 75]]]], fill="#00ff00"),       # crosses the canvas
        bare_mask("point_mask", [[[far, far], [-far, 3 * far]]], fill="#0000ff"),       # nowhere near
        bare_mask("polygon_mask", [[square(far, far, far + 10, far + 10)]], fill="#ffffff"),
    ]
    tracemalloc.start()
    try:
        out = render(mask_data, flat_photo((100, 100)), style=Style(opacity=1.0, line_width=4))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20_000_000
    assert px(out, 50, 25) == (255, 0, 0)
    assert px(out, 50, 75) == (0, 255, 0)
    assert px(out, 50, 90) == GREY


def test_colours_and_styles_reject_nonsense() -> None:
    with pytest.raises(ValueError, match="not a colour"):
        Color.parse("url(javascript:alert(1))")
    with pytest.raises(ValueError, match="opacity"):
        Style(opacity=1.5)
    with pytest.raises(ValueError, match="not a size"):
        Size.parse("-3px")


def test_render_accepts_bytes_and_loaded_results() -> None:
    data = (FIXTURES / "pih_result.json").read_bytes()
    a = render(data, size=(128, 128))
    b = render(mr.load(io.BytesIO(data)), size=(128, 128))
    assert a.tobytes() == b.tobytes()
    assert np.asarray(a)[:, :, 3].any()
