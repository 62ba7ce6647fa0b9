"""A feature of intensity 0 (level 0 of 255) is drawn in no format: neither its fill nor its outline.

The PNG left it out; the SVG and the PDF outlined it (the outline path took every feature).  Each
output is read back by a renderer that shares no code with ours: resvg for the SVG, poppler's
pdftoppm for the PDF.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from helpers import resvg_render
from PIL import Image

from maskrender.overlay import prepare, render, render_svg
from maskrender.style import Style

SIZE = (100, 100)
ZERO = (slice(5, 45), slice(5, 45))     # rows, columns around the level-0 square (10..40)
ONE = (slice(55, 95), slice(55, 95))    # around the level-1 square (60..90)


def _mask(kind: str, zero: float) -> dict[str, object]:
    def square(x: int, y: int, intensity: float) -> dict[str, object]:
        ring = [[x, y], [x + 30, y], [x + 30, y + 30], [x, y + 30], [x, y]]
        return {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
                "properties": {"intensity": intensity}}
    return {"mask_type": kind, "view_box": "0 0 100 100", "fill": "#ff0000",
            "features": [square(10, 10, zero), square(60, 60, 1.0)]}


STYLE = Style(opacity=0.5, outline=3)


@pytest.mark.parametrize("kind", ["polygon_mask", "heatmap_mask"])
@pytest.mark.parametrize("zero", [0.0, 0.0015])   # 0.0015 * 255 rounds to level 0 too
def test_png_and_svg_leave_a_level_0_feature_out(kind: str, zero: float) -> None:
    png = np.asarray(render(_mask(kind, zero), size=SIZE, style=STYLE))[:, :, 3]
    svg = np.asarray(resvg_render(render_svg(_mask(kind, zero), size=SIZE, style=STYLE), SIZE))[:, :, 3]
    for alpha in (png, svg):
        assert alpha[ZERO].max() == 0
        assert alpha[ONE].max() == 255       # the other feature's outline, at outline opacity 1


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils (pdftoppm) is not installed")
@pytest.mark.parametrize("kind", ["polygon_mask", "heatmap_mask"])
def test_pdf_leaves_a_level_0_feature_out(kind: str, tmp_path: Path) -> None:
    from fpdf import FPDF

    from maskrender.report.pdfmasks import draw_masks

    _, canvas, drawings = prepare(_mask(kind, 0.0), size=SIZE, style=STYLE)
    pdf = FPDF(unit="pt", format=(100, 100))
    pdf.add_page()
    draw_masks(pdf, drawings, canvas, origin=(0.0, 0.0), scale=1.0)
    (tmp_path / "m.pdf").write_bytes(bytes(pdf.output()))
    subprocess.run(["pdftoppm", "-r", "72", "-png", "-singlefile", str(tmp_path / "m.pdf"), str(tmp_path / "m")],
                   check=True)
    with Image.open(io.BytesIO((tmp_path / "m.png").read_bytes())) as im:
        rgb = np.asarray(im.convert("RGB")).astype(int)
    ink = 255 - rgb[:, :, 1]                 # red on white: green drops where anything is drawn
    assert ink[ZERO].max() == 0
    assert ink[ONE].max() > 200
