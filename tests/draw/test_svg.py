"""The SVG renderer: structure, compactness, and that nothing from the data becomes markup."""

from __future__ import annotations

import base64
import io
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from helpers import FIXTURES, bare_mask, resvg_render, square, synth_workload
from PIL import Image

from maskrender.draw.svg import decimals_for, safe_id, xml_text
from maskrender.errors import InputError, MaskRenderWarning
from maskrender.overlay import render_svg, select_masks
from maskrender.style import Style

SVG = "{http://www.w3.org/2000/svg}"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
ALLOWED_TAGS = {"svg", "g", "path", "title", "image", "defs"}


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return root


def local(tag: str) -> str:
    return tag.rpartition("}")[2]


def mask_groups(root: ET.Element) -> list[ET.Element]:
    return [g for g in root if local(g.tag) == "g" and "mask" in g.get("class", "").split()]


# ---------------------------------------------------------------------------------------------
# structure
# ---------------------------------------------------------------------------------------------


def test_document_is_svg_1_1_with_a_view_box() -> None:
    svg = render_svg(FIXTURES / "results_list.json", size=(512, 512))
    root = parse(svg)
    assert root.get("version") == "1.1"
    assert root.get("viewBox") == "0 0 512 512"
    assert (root.get("width"), root.get("height")) == ("512", "512")
    assert {local(e.tag) for e in root.iter()} <= ALLOWED_TAGS


def test_one_group_per_mask_with_safe_id_class_and_fill() -> None:
    root = parse(render_svg(FIXTURES / "results_list.json"))
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


def test_one_evenodd_path_per_polygon_with_its_own_holes() -> None:
    root = parse(render_svg(FIXTURES / "acne.json", only=["acne_mask_restored"]))
    (group,) = mask_groups(root)
    paths = group.findall(f"{SVG}path")
    mask = select_masks(FIXTURES / "acne.json", only=["acne_mask_restored"])[0]
    polygons = [p for f in mask.features for p in f.geometry.geoms]
    assert len(paths) == len(polygons) == 33
    assert all(p.get("fill-rule") == "evenodd" for p in paths)
    rings = sorted(len(re.findall("M", p.get("d", ""))) for p in paths)
    assert rings.count(2) == 3
    assert rings.count(1) == 30


def test_points_are_compact_round_capped_subpaths() -> None:
    root = parse(render_svg(FIXTURES / "pores.json"))
    (group,) = mask_groups(root)
    assert group.get("stroke-linecap") == "round"
    paths = group.findall(f"{SVG}path")
    assert len(paths) == 1
    d = paths[0].get("d", "")
    assert d.count("h0") == 1390
    assert re.fullmatch(r"(M-?[\d.]+ -?[\d.]+h0)+", d)


def test_lines_are_stroked_paths_with_round_joins_and_caps() -> None:
    root = parse(render_svg(FIXTURES / "lines.json", only=["line_lines_mask_restored"]))
    (group,) = mask_groups(root)
    assert group.get("stroke-linecap") == "round"
    assert group.get("stroke-linejoin") == "round"
    assert float(group.get("stroke-width", "0")) > 0
    assert all(p.get("fill") == "none" for p in group.findall(f"{SVG}path"))


def test_coordinates_keep_only_the_precision_the_output_needs() -> None:
    svg = render_svg(FIXTURES / "pores.json", masks="original")      # floats with 2 decimals, scale 1
    numbers = re.findall(r"M(-?[\d.]+) (-?[\d.]+)h0", svg)
    assert max(len(x.partition(".")[2]) for x, _ in numbers) == 2
    small = render_svg(FIXTURES / "pores.json", masks="original", size=(128, 150))  # scale 0.25
    assert max(len(x.partition(".")[2]) for x, _ in re.findall(r"M(-?[\d.]+) (-?[\d.]+)h0", small)) == 1
    integers = render_svg(FIXTURES / "pores.json")                    # restored: integers stay integers
    assert all("." not in x + y for x, y in re.findall(r"M(-?[\d.]+) (-?[\d.]+)h0", integers))
    assert decimals_for(1.0) == 2
    assert decimals_for(0.25) == 1
    assert decimals_for(20) == 3


def test_a_5000_point_mask_stays_well_under_250_kb() -> None:
    svg = render_svg(synth_workload(n_points=5000, n_polygons=0, n_polylines=0, n_heat=0))
    points = svg.count("h0")
    assert points >= 5000
    assert len(svg.encode()) < 125_000, f"{len(svg.encode()):,} bytes for {points} points"


def test_outline_is_a_stroked_group_over_the_fill() -> None:
    root = parse(render_svg(FIXTURES / "acne.json", only=["acne_mask_restored"], style=Style(outline=2)))
    groups = [g for g in root if local(g.tag) == "g"]
    assert [g.get("class", "").split()[0] for g in groups] == ["mask", "outline"]
    assert groups[1].get("fill") == "none"
    assert groups[1].get("stroke") == groups[0].get("fill")


def test_heatmap_levels_are_disjoint_with_their_opacity() -> None:
    root = parse(render_svg(FIXTURES / "redness.json"))
    (group,) = mask_groups(root)
    opacities = sorted(float(g.get("fill-opacity", "1")) for g in group.findall(f"{SVG}g"))
    assert opacities == [0.2, 0.4, 0.6, 0.8]
    assert group.get("opacity") == "0.6"


# ---------------------------------------------------------------------------------------------
# the photo
# ---------------------------------------------------------------------------------------------


def test_without_a_photo_the_svg_is_a_transparent_overlay() -> None:
    svg = render_svg(FIXTURES / "acne.json", FIXTURES / "restored.jpg")
    root = parse(svg)
    assert root.find(f"{SVG}image") is None
    assert root.get("viewBox") == "0 0 2416 2416"
    corner = np.asarray(resvg_render(svg, (302, 302)))[0, 0]
    assert corner[3] == 0


def test_embed_image_puts_the_photo_under_the_masks_as_a_data_uri() -> None:
    svg = render_svg(FIXTURES / "acne.json", FIXTURES / "restored.jpg", embed_image=True)
    root = parse(svg)
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
    root = parse(render_svg(mask, buf.getvalue(), embed_image=True))
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
        bare_mask("polyline_mask", [[[[0, 0], [90, 90]]]], name=text, tech_name="", fill=text),
    ]
    with pytest.warns(MaskRenderWarning, match="not a hex colour"):
        svg = render_svg(masks, style=Style(fills={text: "#123456"}))
    root = parse(svg)  # well-formed XML
    for el in root.iter():
        assert local(el.tag) in ALLOWED_TAGS, el.tag
        assert local(el.tag) != "script"
        for key, value in el.attrib.items():
            name = local(key).lower()
            assert not name.startswith("on"), (name, value)
            assert name not in ("style",), name
            assert "javascript:" not in value.lower(), (name, value)
            assert "url(" not in value.lower(), (name, value)
            assert "href" not in name, (name, value)
            if name in ("id", "class"):
                assert re.fullmatch(r"[A-Za-z0-9_ -]+", value), value
            if name in ("fill", "stroke"):
                assert re.fullmatch(r"#[0-9a-f]{6}|none", value), value
    assert "<script" not in svg
    assert "<?xml-stylesheet" not in svg
    assert "<!--" not in svg
    titles = [el.text or "" for el in root.iter(f"{SVG}title")]
    assert xml_text(text) in titles  # the name is kept, as text
    resvg_render(svg, (100, 100))  # and a renderer takes it


def test_safe_id_keeps_only_a_plain_name() -> None:
    assert safe_id('"><script>alert(1)</script>') == "script-alert-1-script"
    assert safe_id("123abc") == "m-123abc"
    assert safe_id("") == "mask"
    assert safe_id("a" * 500) == "a" * 80
