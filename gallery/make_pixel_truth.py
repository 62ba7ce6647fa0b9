"""Gallery: pixel truth up close, before and after the exact rasteriser.

Run by ``python gallery/generate.py`` (or alone); writes next to this file:

* ``pixel_truth_heatmap.png``  ``fixtures/redness.json`` at opacity 1 on a flat dark picture,
  a 40x40 crop across its level boundaries, 8x, and their difference x6: the old renderer took the largest
  ``coverage x level`` in a pixel where levels meet (a paler ring at every boundary) and
  sampled 5 sub-scanlines; now each pixel is the integral of the level over it;
* ``pixel_truth_pores.png``    the fixture's pores mapped onto a 256 px picture and rounded to
  whole pixels (``gallery/saved/pores_integer.json``), 0.4 px discs, a 40x40 crop, 8x, and the
  difference x6: the old renderer lost a fifth of such a disc's area on the pixel grid (the
  caption gives the ink against the discs' exact area); now every disc keeps its exact area.

The "before" panels are saved pictures drawn by commit bf4e62c (``gallery/saved/``, with the
settings in ``gallery/saved/README.md``), not an emulation; the "after" panels are drawn now
with the same settings.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from PIL import Image

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
ZOOM = 8


def _zoom(im: Image.Image) -> Image.Image:
    return im.convert("RGB").resize((im.width * ZOOM, im.height * ZOOM), Image.Resampling.NEAREST)


def _exact_ink(box: tuple[int, int, int, int], radius: float) -> float:
    """The exact area of the pores' discs inside the crop (shapely)."""
    import json

    import shapely

    doc = json.loads((HERE / "saved" / "pores_integer.json").read_text())
    pts = np.asarray(doc["features"][0]["geometry"]["coordinates"], dtype=np.float64)
    discs = shapely.buffer(shapely.points(pts), radius, quad_segs=64)
    return float(shapely.intersection(shapely.union_all(discs), shapely.box(*box)).area)


def main() -> list[Path]:
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(HERE))
    from make_overlays import captioned, save

    from maskrender.overlay import render
    from maskrender.style import Style

    fixtures = ROOT / "fixtures"
    dark = (40, 40, 40)
    heat = render(fixtures / "redness.json", Image.new("RGB", (1000, 1000), dark), style=Style(opacity=1.0))
    pores = render(HERE / "saved" / "pores_integer.json", Image.new("RGB", (256, 256), dark),
                   style=Style(opacity=1.0, point_radius=0.4))
    written = []
    for name, after, box, what in (
        ("heatmap", heat, (480, 420, 520, 460), "level boundaries"),
        ("pores", pores, (100, 100, 140, 140), "0.4 px pores on whole pixels"),
    ):
        with Image.open(HERE / "saved" / f"before_{name}_bf4e62c.png") as im:
            before = im.convert("RGB")
        now = after.crop(box).convert("RGB")
        diff = np.clip(np.abs(np.asarray(now, dtype=np.int16) - np.asarray(before, dtype=np.int16)) * 6, 0, 255)
        before_note, after_note = f"before: bf4e62c, {what}", "after: exact coverage"
        if name == "pores":  # the area of ink against the discs' exact area (blue channel: 40 -> 216)
            ink = [float(((np.asarray(im)[:, :, 2].astype(np.float64) - 40) / 176).sum()) for im in (before, now)]
            before_note = f"before (bf4e62c): ink {ink[0]:.1f} px2"
            after_note = f"after: {ink[1]:.1f} px2, exact {_exact_ink(box, 0.4):.1f}"
        panels = [(_zoom(before), before_note), (_zoom(now), after_note),
                  (_zoom(Image.fromarray(diff.astype(np.uint8), "RGB")), "difference x6")]
        written.append(save(captioned(panels), f"pixel_truth_{name}.png", exact=True))
    return written


if __name__ == "__main__":
    main()
