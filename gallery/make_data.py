"""Gallery: the overlay extras and what data users get (legend, dimmed and grey photo, notebook picture).

Run by ``python gallery/generate.py`` (or alone: ``python gallery/make_data.py``); writes, next to
this file, from ``fixtures/``:

* ``extras_legend.png``        every restored mask on the face-aligned photo at 600 px (``--max-size``),
                               with the legend in the top-right corner
* ``extras_background.png``    photo | dim | grey behind the same masks (400 px each)
* ``extras_legend_svg.png``    the SVG overlay of ``extras_legend.png`` (legend as ``<text>``) rendered
                               by resvg, to compare with the PNG
* ``notebook_results.png``     the picture a notebook shows for ``mr.load("fixtures/results_list.json")``

(The label map is ``make_exports.py``'s: the file the command writes.)
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from PIL import Image

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
FIXTURES = ROOT / "fixtures"
sys.path.insert(0, str(ROOT))

import maskrender as mr  # noqa: E402
from maskrender.notebook import notebook_png  # noqa: E402

RESULTS = FIXTURES / "results_list.json"
PHOTO = FIXTURES / "restored.jpg"


def main() -> None:
    mr.render(RESULTS, PHOTO, max_size=600, legend="top-right").save(HERE / "extras_legend.png", optimize=True)
    row = Image.new("RGB", (1200, 400))
    for i, how in enumerate(("photo", "dim", "grey")):
        row.paste(mr.render(RESULTS, PHOTO, max_size=400, background=how, legend="bottom-left"), (400 * i, 0))
    row.save(HERE / "extras_background.png", optimize=True)
    svg = mr.render_svg(RESULTS, PHOTO, max_size=600, legend="top-right", embed_image=True)
    try:
        import resvg_py
    except ImportError:
        print("make_data.py: resvg_py not installed; extras_legend_svg.png not made", file=sys.stderr)
    else:
        png = bytes(resvg_py.svg_to_bytes(svg_string=svg, width=600, height=600))
        Image.open(io.BytesIO(png)).convert("RGB").save(HERE / "extras_legend_svg.png", optimize=True)
    nb = notebook_png(mr.load(RESULTS))
    assert nb is not None
    (HERE / "notebook_results.png").write_bytes(nb)
    print("wrote extras_legend.png, extras_background.png, extras_legend_svg.png, notebook_results.png")


if __name__ == "__main__":
    main()
