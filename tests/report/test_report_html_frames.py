"""The HTML report's pictures resolve mask sizes in their own frame (issue 21, item 3).

Line widths and disc radii are resolved against a canvas (with floors in output pixels); the
HTML page resolved them in a fixed 480 px (thumbnails) or 1200 px (hero) frame, while the PNG,
PDF and SVG reports use the picture's box in the layout, so its thumbnails drew thinner,
fainter masks (lines 0.44x, pores 0.65x the PNG report's ink).  Oracle: each inline ``<svg>`` of
the page, drawn by resvg (no code shared with the raster writer) at the size of the matching box
of the PNG report, on a flat grey photo: its ink (distance from the grey) against the PNG's.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from helpers import FIXTURES, resvg_render
from PIL import Image

from maskrender.report import build_report
from maskrender.report.elements import Photo

GREY = 128
_SVG = re.compile(r'<svg viewBox="0 0 (\d+) (\d+)" role="img" aria-labelledby="([^"]+)" class="photo">.*?</svg>',
                  re.S)


def _ink(a: Any) -> float:
    d = np.abs(np.asarray(a, dtype=np.float64)[..., :3] - GREY).max(axis=2)
    return float(d[d > 3].sum())  # the photo goes through JPEG: its grey may be off by a step or two


@pytest.mark.slow
@pytest.mark.parametrize("fixture", ["lines", "pores"])
def test_html_pictures_carry_the_png_reports_ink(fixture: str, tmp_path: Path) -> None:
    photo = tmp_path / "grey.png"
    Image.new("RGB", (604, 604), (GREY, GREY, GREY)).save(photo)
    report = build_report(FIXTURES / f"{fixture}.json", photo)
    sheet = report.image().convert("RGB")
    html = report.html()
    pictures = list(_SVG.finditer(html))
    boxes = [e for e in report.layout.elements if isinstance(e, Photo)]
    assert len(pictures) == len(boxes) == 2  # the hero and the one panel's thumbnail, in page order
    image = re.search(r'<image id="[^"]+"[^>]*/>', html)
    assert image is not None
    for match, el in zip(pictures, boxes, strict=True):
        x0, y0 = round(el.box.x), round(el.box.y)
        w, h = round(el.box.right) - x0, round(el.box.bottom) - y0
        svg = match.group(0).replace("<svg ", f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" ', 1)
        if "<use href=" in svg:  # the page embeds the photo once; a thumbnail refers to the hero's
            svg = svg.replace("</title>", f"</title><defs>{image.group(0)}</defs>", 1)
        drawn = resvg_render(svg, (w, h))
        want = _ink(sheet.crop((x0, y0, x0 + w, y0 + h)))
        assert want > 500
        ratio = _ink(drawn) / want
        print(fixture, el.algorithm or "hero", f"ink ratio HTML/PNG {ratio:.3f}")
        assert ratio == pytest.approx(1.0, abs=0.04), (fixture, el.algorithm, ratio)
