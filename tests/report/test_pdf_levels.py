"""PDF masks keep the PNG's levels: where lines of two intensities cross the larger wins (issue
11's defect 5, in the report's vector path: the PDF drew one path per level and blended both),
and the contour between two heatmap levels agrees with the PNG's integral.

The oracle is poppler (``pdftoppm``), which shares no code with the writer; its page is compared
with the PNG report of the same layout, drawn by the raster renderer that
``tests/draw/test_exactness.py`` checks against exact areas.
"""

from __future__ import annotations

import copy
import json
import subprocess
from typing import Any

import numpy as np
import pytest
from helpers import FIXTURES
from helpers.report import tool
from PIL import Image

from maskrender.report import build_report, report_file
from maskrender.style import Style

GREY = 128
SIZE = 400


def _line(coords: list[list[float]], intensity: float) -> dict[str, Any]:
    return {"type": "Feature", "geometry": {"type": "LineString", "coordinates": coords},
            "properties": {"intensity": intensity}}


def _area(ring: list[list[float]], intensity: float) -> dict[str, Any]:
    return {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[*ring, ring[0]]]},
            "properties": {"intensity": intensity}}


def _mask(mask_type: str, tech: str, fill: str, features: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "mask_type": mask_type, "features": features,
            "view_box": f"0 0 {SIZE} {SIZE}", "name": tech, "tech_name": tech, "fill": fill, "side": "front"}


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("pdflevels")
    record = copy.deepcopy(json.loads((FIXTURES / "lines.json").read_text(encoding="utf-8")))
    masks = [
        _mask("polyline_mask", "crossing_lines", "#1040c0", [_line([[40, 150], [360, 150]], 0.48),
                                                              _line([[150, 40], [150, 360]], 0.53)]),
        # two heatmap levels sharing a diagonal edge (axis-aligned edges land crisp in poppler)
        _mask("heatmap_mask", "graded_heat", "#c01010", [_area([[220, 220], [380, 220], [220, 380]], 0.5),
                                                          _area([[380, 220], [380, 380], [220, 380]], 1.0)]),
        _mask("point_mask", "graded_dots", "#10a040", [
            {"type": "Feature", "geometry": {"type": "MultiPoint", "coordinates": [[70, 280], [100, 320]]},
             "properties": {"intensity": 0.48}},
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [72, 282]},
             "properties": {"intensity": 0.53}},
        ]),
    ]
    record["result"]["masks_restored"] = masks
    record["result"]["masks_original"] = copy.deepcopy(masks)
    src = tmp / "levels.json"
    src.write_text(json.dumps(record), encoding="utf-8")
    photo = tmp / "grey.png"
    Image.new("RGB", (SIZE, SIZE), (GREY, GREY, GREY)).save(photo)
    style = Style(point_radius=5.0)  # discs big enough for poppler's anti-aliasing to measure
    report = build_report(src, photo, style=style)
    out = report_file(src, tmp / "r.pdf", photo, style=style)
    subprocess.run([tool("pdftoppm"), "-r", "150", "-f", "1", "-l", "1", "-png", str(out), str(tmp / "pg")],
                   check=True, timeout=120)
    page = np.asarray(Image.open(next(tmp.glob("pg*.png"))).convert("RGB")).astype(np.float64)
    sheet = np.asarray(report.image().convert("RGB")).astype(np.float64)
    box = report.layout.boxes["photo:front"]
    x0, y0 = round(box.x), round(box.y)
    w = round(box.right) - x0

    def crop(a: Any) -> Any:
        return a[y0:y0 + w, x0:x0 + w]

    return {"pdf": crop(page), "png": crop(sheet), "k": w / SIZE}


def _ink(a: Any) -> Any:
    """How far each pixel is from the grey photo (the largest channel difference)."""
    return np.abs(a - GREY).max(axis=2)


def test_pdf_crossing_lines_show_the_larger_level_not_both(pages: dict[str, Any]) -> None:
    k = pages["k"]
    ink = _ink(pages["pdf"])
    c = round(150 * k)

    def peak(y: int, x: int) -> float:
        return float(ink[y - 3:y + 4, x - 3:x + 4].max())

    crossing = peak(c, c)
    upper = peak(round(90 * k), c)  # on the 0.53 line alone
    lower = peak(c, round(300 * k))  # on the 0.48 line alone
    assert upper > lower > 10  # both drawn, the 0.53 line darker
    # painted once: 0.53 wins (both blended would be ~1.5x the 0.53 line's ink at this opacity)
    assert crossing == pytest.approx(upper, abs=2)
    png = _ink(pages["png"])
    assert crossing == pytest.approx(float(png[c - 3:c + 4, c - 3:c + 4].max()), abs=4)


def test_pdf_heatmap_levels_meet_without_a_pale_seam(pages: dict[str, Any]) -> None:
    """On the contour the PDF's pixels agree with the PNG's integral of the level: no lighter (a
    seam) or darker on average than 4% of the step between the levels."""
    k = pages["k"]
    pdf, png = _ink(pages["pdf"]), _ink(pages["png"])
    ys, xs = np.mgrid[0:pdf.shape[0], 0:pdf.shape[1]]
    u, v = (xs + 0.5) / k, (ys + 0.5) / k  # pixel centres in view_box units
    near = (np.abs(u + v - 600) / np.sqrt(2) * k < 0.75) & (u > 235) & (u < 365)
    lo = float(np.median(pdf[(u + v < 560) & (u > 230) & (v > 230)]))
    hi = float(np.median(pdf[(u + v > 640) & (u < 370) & (v < 370)]))
    assert hi > lo > 10
    bias = float((pdf[near] - png[near]).mean())
    assert abs(bias) <= 0.04 * (hi - lo), (bias, lo, hi, int(near.sum()))


def test_pdf_discs_match_the_png_and_overlap_once(pages: dict[str, Any]) -> None:
    k = pages["k"]
    pdf, png = _ink(pages["pdf"]), _ink(pages["png"])
    region = (slice(round(240 * k), round(360 * k)), slice(round(40 * k), round(130 * k)))
    got, want = pdf[region], png[region]
    assert want.sum() > 0
    assert got.sum() == pytest.approx(want.sum(), rel=0.06)  # same discs: radius and places
    # the 0.53 disc over a 0.48 one 2.8 units away shows 0.53 where they overlap (its own ink), the
    # lone 0.48 disc shows 0.48: both blended would be about 1.5x the 0.53 disc's ink
    def peak(x: float, y: float, a: Any) -> float:
        return float(a[round(y * k) - 2:round(y * k) + 3, round(x * k) - 2:round(x * k) + 3].max())

    both, lone = peak(71, 281, pdf), peak(100, 320, pdf)
    assert both == pytest.approx(peak(71, 281, png), abs=4)
    assert lone < both < 1.25 * lone
