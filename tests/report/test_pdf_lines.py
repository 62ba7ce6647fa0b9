"""The PDF report keeps polylines open (issue 21, item 2).

fpdf2 closes every subpath of a path by default, so each wrinkle got a straight chord from its
last point back to its first: the lines panel carried 1.5x the PNG report's ink.  The oracles are
poppler (``pdftoppm``) and MuPDF (``mutool draw``), which share no code with the writer; each
page is compared, photo box by photo box, with the PNG report of the same layout (the raster
renderer, checked against exact areas in ``tests/draw/test_exactness.py``).

The polylines are generated the way wrinkle masks come: pixel-traced (unit steps along a curve,
so many short collinear segments), open, and bent so that the chord a closing would add is long.
"""

from __future__ import annotations

import copy
import json
import math
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from helpers import FIXTURES
from helpers.report import tool
from PIL import Image

from maskrender.report import build_report, report_file
from maskrender.report.elements import Photo

GREY = 128
SIZE = 600


def _traced(cx: float, cy: float, r: float, a0: float, a1: float) -> list[list[float]]:
    """An arc traced on the pixel grid: integer points, one unit step at a time, never closed."""
    pts: list[list[float]] = []
    for i in range(400):
        a = a0 + (a1 - a0) * i / 399
        p = [float(round(cx + r * math.cos(a))), float(round(cy + r * math.sin(a)))]
        if not pts or p != pts[-1]:
            pts.append(p)
    return pts


def _record(tmp: Path) -> Path:
    rng = np.random.default_rng(21)
    features = []
    for _ in range(14):
        cx, cy = rng.uniform(120, 480, 2)
        r = rng.uniform(30, 90)
        a0 = rng.uniform(0, 2 * math.pi)
        features.append({"type": "Feature", "properties": {"intensity": 1.0},
                         "geometry": {"type": "LineString",
                                      "coordinates": _traced(cx, cy, r, a0, a0 + rng.uniform(2.2, 4.2))}})
    mask = {"type": "FeatureCollection", "mask_type": "polyline_mask", "features": features,
            "view_box": f"0 0 {SIZE} {SIZE}", "name": "Wrinkles", "tech_name": "traced_wrinkles",
            "fill": "#1040c0", "side": "front"}
    record = copy.deepcopy(json.loads((FIXTURES / "lines.json").read_text(encoding="utf-8")))
    record["result"]["masks_restored"] = [mask]
    record["result"]["masks_original"] = [copy.deepcopy(mask)]
    src = tmp / "traced.json"
    src.write_text(json.dumps(record), encoding="utf-8")
    return src


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("pdflines")
    src = _record(tmp)
    photo = tmp / "grey.png"
    Image.new("RGB", (SIZE, SIZE), (GREY, GREY, GREY)).save(photo)
    report = build_report(src, photo)
    out = report_file(src, tmp / "r.pdf", photo)
    subprocess.run([tool("pdftoppm"), "-r", "150", "-f", "1", "-l", "1", "-png", str(out), str(tmp / "pp")],
                   check=True, timeout=120)
    subprocess.run([tool("mutool"), "draw", "-q", "-r", "150", "-o", str(tmp / "mu%d.png"), str(out), "1"],
                   check=True, timeout=120, capture_output=True)
    return {"png": np.asarray(report.image().convert("RGB")).astype(np.float64),
            "poppler": np.asarray(Image.open(next(tmp.glob("pp*.png"))).convert("RGB")).astype(np.float64),
            "mupdf": np.asarray(Image.open(tmp / "mu1.png").convert("RGB")).astype(np.float64),
            "boxes": {name: report.layout.boxes[name] for name in ("photo:front", "panel:lines")},
            "thumb": [e.box for e in report.layout.elements if isinstance(e, Photo) and e.algorithm]}


def _ink(a: Any, box: Any) -> float:
    x0, y0 = round(box.x) + 2, round(box.y) + 2
    x1, y1 = round(box.right) - 2, round(box.bottom) - 2
    d = np.abs(a[y0:y1, x0:x1] - GREY).max(axis=2)
    return float(d[d > 3].sum())  # the PDF's photo is a JPEG: its grey may be off by one or two


@pytest.mark.parametrize("renderer", ["poppler", "mupdf"])
def test_pdf_polylines_stay_open(rendered: dict[str, Any], renderer: str) -> None:
    page, png = rendered[renderer], rendered["png"]
    assert abs(page.shape[1] - png.shape[1]) <= 1  # the sheet is laid out at the page's width at 150 dpi
    boxes = [rendered["boxes"]["photo:front"], *rendered["thumb"]]
    assert len(boxes) == 2  # the big photo and the lines panel's thumbnail
    for box in boxes:
        want = _ink(png, box)
        assert want > 1000
        # closed, every arc gets a chord (~1.4x the ink); open, the same strokes as the PNG
        assert _ink(page, box) == pytest.approx(want, rel=0.06), (renderer, box)
