"""The SVG renderer: structure, compactness, and that nothing from the data becomes markup."""

from __future__ import annotations

import base64
import io
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest
import shapely
from helpers import FIXTURES, bare_mask, resvg_render, square, synth_workload
from helpers.parity import local, mask_groups, subpaths, svg_root
from PIL import Image

from maskrender.defaults import MaskSet
from maskrender.draw.svg import mask_fragment, safe_id, xml_text
from maskrender.errors import InputError, MaskRenderWarning
from maskrender.overlay import prepare, render_svg, select_masks
from maskrender.style import Style

SVG = "{http://www.w3.org/2000/svg}"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
ALLOWED_TAGS = {"svg", "g", "path", "title", "image", "defs", "mask", "rect"}


# ---------------------------------------------------------------------------------------------
# structure
# ---------------------------------------------------------------------------------------------


def test_document_is_svg_1_1_with_a_view_box() -> None:
    svg = render_svg(FIXTURES / "results_list.json", size=(512, 512))
    root = svg_root(svg)
    assert root.get("version") == "1.1"
    assert root.get("viewBox") == "0 0 512 512"
    assert (root.get("width"), root.get("height")) == ("512", "512")
    assert {local(e.tag) for e in root.iter()} <= ALLOWED_TAGS


def test_one_group_per_mask_with_safe_id_class_and_fill() -> None:
    root = svg_root(render_svg(FIXTURES / "results_list.json"))
    groups = mask_groups(root)
    masks = select_masks(FIXTURES / "results_list.json")
    assert len(groups) == len(masks) == 6
    ids = [g.get("id") for g in groups]
    assert len(set(ids)) == len(ids)
    for g, m in zip(groups, masks, strict=True):
        assert m.tech_name in g.get("class", "").split()
        assert (g.get("id") or "").startswith(m.tech_name)
        assert re.fullmatch(r"#[0-9a-f]{6}", g.get("fill", ""))
        if m.fill:
            assert g.get("fill") == m.fill.lower()
    # drawing order: heatmap, polygon, polyline, point
    assert [g.get("class", "").split()[1] for g in groups] == [m.mask_type for m in masks]
    assert next(m.mask_type for m in masks) == "heatmap_mask"
    assert masks[-1].mask_type == "point_mask"


def test_one_non_zero_path_per_level_with_holes_wound_against_their_exteriors() -> None:
    root = svg_root(render_svg(FIXTURES / "acne.json", only=["acne_mask_restored"]))
    (group,) = mask_groups(root)
    (path,) = group.findall(f"{SVG}path")  # one intensity level: one path, painted once
    assert path.get("fill-rule") is None  # non-zero
    mask = select_masks(FIXTURES / "acne.json", only=["acne_mask_restored"])[0]
    polygons = [p for f in mask.features for p in f.geometry.geoms]
    rings = subpaths(path.get("d", ""))
    holes = sum(len(p.interiors) for p in polygons)
    assert (len(polygons), holes) == (33, 3)
    assert len(rings) == len(polygons) + holes
    turns = [np.sign(signed_area(r)) for r in rings]
    assert turns.count(turns[0]) == len(polygons)  # exteriors one way, the 3 holes the other
    assert len(turns) - turns.count(turns[0]) == holes


def signed_area(ring: np.ndarray) -> float:
    x, y = ring[:, 0], ring[:, 1]
    return float((x * np.roll(y, -1) - np.roll(x, -1) * y).sum() / 2)


def test_points_are_compact_round_capped_relative_subpaths() -> None:
    root = svg_root(render_svg(FIXTURES / "pores.json", style=Style(point_radius=3.5)))
    (group,) = mask_groups(root)
    assert group.get("stroke-linecap") == "round"
    paths = group.findall(f"{SVG}path")
    assert len(paths) == 1
    d = paths[0].get("d", "")
    assert d.count("h0") == 1390
    assert re.fullmatch(r"M[\d.]+ [\d.]+h0(m-?[\d.]+[ -]?-?[\d.]+h0)+", d)


def test_lines_are_stroked_paths_with_round_joins_and_caps() -> None:
    root = svg_root(render_svg(FIXTURES / "lines.json", only=["line_lines_mask_restored"]))
    (group,) = mask_groups(root)
    assert group.get("stroke-linecap") == "round"
    assert group.get("stroke-linejoin") == "round"
    assert float(group.get("stroke-width", "0")) > 0
    assert all(p.get("fill") == "none" for p in group.findall(f"{SVG}path"))


@pytest.mark.parametrize(("mask_set", "size"), [("restored", None), ("restored", (512, 512)), ("original", None),
                                                 ("original", (128, 150))])
def test_coordinates_are_output_pixels_within_a_two_hundredth(mask_set: MaskSet, size: tuple[int, int] | None) -> None:
    svg = render_svg(FIXTURES / "pores.json", mask_set=mask_set, size=size, style=Style(point_radius=2.0))
    assert "transform" not in svg  # no group matrix: the numbers are pixels of the canvas
    _, _canvas, (drawing,) = prepare(FIXTURES / "pores.json", mask_set=mask_set, size=size)
    expected = drawing.transform.apply_xy(shapely.get_coordinates(drawing.mask.features[0].geometry))
    d = mask_groups(svg_root(svg))[0].findall(f"{SVG}path")[0].get("d", "")
    written = np.concatenate(subpaths(d))[::2]  # each dot is "m x y h0": its point twice
    assert np.abs(written - expected).max() <= 0.005 + 1e-9
    numbers = re.findall(r"\d*\.\d+", d)
    assert max((len(n.partition(".")[2]) for n in numbers), default=0) <= 2
    if mask_set == "restored" and size is None:  # integer view_box units on a 1:1 canvas stay integers
        assert not numbers


def test_a_5000_point_mask_stays_under_15_bytes_a_point() -> None:
    svg = render_svg(synth_workload(n_points=5000, n_polygons=0, n_polylines=0, n_heat=0),
                     style=Style(point_radius=3.0))
    points = svg.count("h0")
    assert points >= 5000
    assert len(svg.encode()) < 15 * points, f"{len(svg.encode()):,} bytes for {points} points"


def test_discs_wider_than_a_round_cap_are_filled_arcs_under_50_bytes_a_point() -> None:
    """resvg draws a round cap as a coarse polygon (2% short of a 6 px disc); wider discs are arcs."""
    svg = render_svg(synth_workload(n_points=5000, n_polygons=0, n_polylines=0, n_heat=0),
                     style=Style(point_radius=6.0))
    points = svg.count("z")
    assert "h0" not in svg
    assert 'fill="none"' not in svg
    assert points >= 5000
    assert len(svg.encode()) < 50 * points, f"{len(svg.encode()):,} bytes for {points} points"


def test_outline_is_a_stroked_group_over_the_fill() -> None:
    root = svg_root(render_svg(FIXTURES / "acne.json", only=["acne_mask_restored"], style=Style(outline=2)))
    groups = [g for g in root if local(g.tag) == "g"]
    assert [g.get("class", "").split()[0] for g in groups] == ["mask", "outline"]
    assert groups[1].get("fill") == "none"
    assert groups[1].get("stroke") == groups[0].get("fill")


def test_heatmap_levels_are_nested_sets_that_reach_each_level() -> None:
    """Nested blobs: each level's set once (the blobs inside lower ones are left out of them),
    at alphas whose source-over product is the level."""
    root = svg_root(render_svg(FIXTURES / "redness.json"))
    (group,) = mask_groups(root)
    assert group.get("opacity") == "0.6"
    paths = group.findall(f"{SVG}path")
    alphas = [float(p.get("fill-opacity", "1")) for p in paths]
    mask = select_masks(FIXTURES / "redness.json")[0]
    levels = sorted({round(f.intensity, 3) for f in mask.features})
    assert levels == [0.2, 0.4, 0.6, 0.8, 1.0]
    reached = 1 - np.cumprod([1 - a for a in alphas])
    assert np.allclose(reached, levels, atol=2e-4)
    written = sum(len(r) for p in paths for r in subpaths(p.get("d", "")))
    own = sum(len(r.coords) - 1 for f in mask.features for p in f.geometry.geoms for r in [p.exterior, *p.interiors])
    assert written == own  # every contour once


# ---------------------------------------------------------------------------------------------
# the photo
# ---------------------------------------------------------------------------------------------


def test_without_a_photo_the_svg_is_a_transparent_overlay() -> None:
    svg = render_svg(FIXTURES / "acne.json", FIXTURES / "restored.jpg")
    root = svg_root(svg)
    assert root.find(f"{SVG}image") is None
    assert root.get("viewBox") == "0 0 2416 2416"
    corner = np.asarray(resvg_render(svg, (302, 302)))[0, 0]
    assert corner[3] == 0


def test_embed_image_puts_the_photo_under_the_masks_as_a_data_uri() -> None:
    svg = render_svg(FIXTURES / "acne.json", FIXTURES / "restored.jpg", embed_image=True)
    root = svg_root(svg)
    image = root.find(f"{SVG}image")
    assert image is not None
    assert list(root).index(image) < list(root).index(mask_groups(root)[0])
    href = image.get(XLINK_HREF) or image.get("href") or ""
    assert href.startswith("data:image/jpeg;base64,")
    assert base64.b64decode(href.partition(",")[2]) == (FIXTURES / "restored.jpg").read_bytes()
    assert (image.get("width"), image.get("height")) == ("2416", "2416")


def test_embedded_photo_is_oriented_and_normalised() -> None:
    """A photo needing EXIF rotation (or not RGB) is embedded as the PNG the renderer draws on."""
    photo = Image.new("RGB", (60, 40), (200, 10, 10))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to view
    buf = io.BytesIO()
    photo.save(buf, "JPEG", exif=exif.tobytes())
    mask = bare_mask("polygon_mask", [[square(1, 1, 5, 5)]], view_box="0 0 40 60")
    root = svg_root(render_svg(mask, buf.getvalue(), embed_image=True))
    image = root.find(f"{SVG}image")
    assert image is not None
    href = image.get(XLINK_HREF) or ""
    assert href.startswith("data:image/png;base64,")
    with Image.open(io.BytesIO(base64.b64decode(href.partition(",")[2]))) as embedded:
        assert embedded.size == (40, 60)


def test_embed_image_needs_a_photo() -> None:
    with pytest.raises(InputError, match="needs a photo"):
        render_svg(FIXTURES / "acne.json", embed_image=True)


# ---------------------------------------------------------------------------------------------
# hostile strings
# ---------------------------------------------------------------------------------------------

HOSTILE = [
    '"><script>alert(1)</script>',
    "javascript:alert(1)",
    "url(https://evil.example/x.png)",
    "red;background:url(javascript:alert(1))",
    "</title><image href='https://evil.example/a.png'/>",
    "x\" onload=\"alert(1)",
    "@import url(https://evil.example/s.css); fill: expression(alert(1))",
    "\x00\x1b control",
    "<![CDATA[ ]]><!-- --><?xml-stylesheet href='https://evil.example/s.css'?>",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_strings_from_the_data_never_become_markup(text: str) -> None:
    masks = [
        bare_mask("polygon_mask", [[square(10, 10, 50, 50)]], name=text, tech_name=text, fill=text),
        bare_mask("point_mask", [[[60, 60]]], name=text, tech_name=text + "2", fill="#00ff00"),
        bare_mask("polyline_mask", [[[[0, 0], [90, 90]]], [[[0, 90], [90, 0]]]], name=text, tech_name="", fill=text,
                  intensities=[0.4, 0.8]),  # two levels: painted in a luminance <mask>
    ]
    with pytest.warns(MaskRenderWarning, match="not a hex colour"):
        svg = render_svg(masks, style=Style(fills={text: "#123456"}))
    root = svg_root(svg)  # well-formed XML
    assert_inert(root)
    assert "<script" not in svg
    assert "<?xml-stylesheet" not in svg
    assert "<!--" not in svg
    titles = [el.text or "" for el in root.iter(f"{SVG}title")]
    assert xml_text(text) in titles  # the name is kept, as text
    resvg_render(svg, (100, 100))  # and a renderer takes it


def assert_inert(root: ET.Element) -> None:
    """Only drawing elements; no script, handler, style or external reference; the only
    references are ``mask="url(#id)"`` to an element of the same document."""
    ids = {el.get("id") for el in root.iter()} - {None}
    for el in root.iter():
        assert local(el.tag) in ALLOWED_TAGS, el.tag
        assert local(el.tag) != "script"
        for key, value in el.attrib.items():
            name = local(key).lower()
            assert not name.startswith("on"), (name, value)
            assert name not in ("style",), name
            assert "javascript:" not in value.lower(), (name, value)
            if name == "mask":
                ref = re.fullmatch(r"url\(#([A-Za-z0-9_-]+)\)", value)
                assert ref is not None, value
                assert ref.group(1) in ids, value
            else:
                assert "url(" not in value.lower(), (name, value)
            assert "href" not in name or (local(el.tag) == "image" and value.startswith("data:image/")), (name, value)
            if name in ("id", "class"):
                assert re.fullmatch(r"[A-Za-z0-9_ -]+", value), value
            if name in ("fill", "stroke"):
                assert re.fullmatch(r"#[0-9a-f]{6}|none", value), value


def test_safe_id_keeps_only_a_plain_name() -> None:
    assert safe_id('"><script>alert(1)</script>') == "script-alert-1-script"
    assert safe_id("123abc") == "m-123abc"
    assert safe_id("") == "mask"
    assert safe_id("a" * 500) == "a" * 80


def test_fragments_of_one_document_keep_their_ids_and_references_apart() -> None:
    """The report nests one fragment per photo slot: ids (masks included) stay unique and every
    ``mask="url(#...)"`` points into its own fragment."""
    lines = bare_mask("polyline_mask", [[[[0, 0], [90, 90]]], [[[0, 90], [90, 0]]]], intensities=[0.4, 0.8],
                      tech_name="lines")
    _, canvas, drawings = prepare(lines, size=(100, 100))
    a, b = mask_fragment(drawings, canvas, id_prefix="s1-"), mask_fragment(drawings, canvas, id_prefix="s2-")
    root = svg_root(f'<svg xmlns="http://www.w3.org/2000/svg">{a}{b}</svg>')
    ids = [el.get("id") for el in root.iter() if el.get("id")]
    assert len(ids) == len(set(ids)) == 4  # a group and a mask per fragment
    refs = [el.get("mask", "") for el in root.iter() if el.get("mask")]
    assert refs == ["url(#s1-lines-0-levels)", "url(#s2-lines-0-levels)"]
    assert_inert(root)


def test_the_embedded_photo_is_the_only_reference_outside_the_document() -> None:
    svg = render_svg(FIXTURES / "results_list.json", FIXTURES / "restored.jpg", embed_image=True,
                     style=Style(outline=1))
    root = svg_root(svg)
    assert_inert(root)
    assert [local(el.tag) for el in root.iter() if any("href" in k for k in el.attrib)] == ["image"]
