"""Print the renderer's measured figures: every output format against the PNG on mask pixels for
an sRGB and a Display P3 selfie (PNG, JPEG, WebP, SVG via resvg, librsvg and Chromium; the
report also as PDF via poppler and MuPDF and HTML via Chromium), pixel truth against the
independent oracle (worst-phase edge error and area bias per mask type and opacity; edge error
and area bias per fixture mask), PNG/SVG parity via resvg and Chromium, SVG sizes.  Run by hand:
``python tests/imaging.py`` (``python tests/imaging.py formats``: the per-format figures only)."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))

from helpers import (
    EDGE_CASES,
    FIXTURES,
    chromium_screenshot,
    diff_stats,
    find_chromium,
    measure_mask_edges,
    phase_figures,
    resvg_render,
    synth_workload,
)


def pixel_truth() -> None:  # pragma: no cover - a report, run by hand
    """Worst sub-pixel phase (16 shifts) per mask type and opacity against helpers.oracle."""
    from maskrender.draw.raster import accelerated

    print("pixel truth vs the exact oracle (shapely areas, nested level sets), 16 sub-pixel phases")
    print(f"  (compiled back-end installed: {accelerated()}; both back-ends give the same bytes)")
    for mask_type in ("polygon_mask", "heatmap_mask", "point_mask", "polyline_mask"):
        for opacity in (1.0, 0.6):
            f = phase_figures(mask_type, opacity)
            print(f"  {mask_type:14s} opacity {opacity:.1f}  worst-phase edge error {f.edge_error:5.2f}/255 "
                  f"(phase {f.worst_phase:.4f})  area bias {f.area_bias:.3%}")


def formats() -> None:  # pragma: no cover - a report, run by hand
    """Every output format against the PNG over mask pixels, for an sRGB and a Display P3 selfie
    (see tests/report/formats.py: LittleCMS's sRGB view of the photo with the PNG's masks is the truth)."""
    from report.formats import overlay_figures, photo_file, report_figures

    with tempfile.TemporaryDirectory() as tmp:
        for profile, label in (("srgb", "sRGB"), ("p3", "Display P3")):
            photo = photo_file(Path(tmp), profile)
            print(f"every format vs the PNG, mask pixels, {label} selfie (512 px; results_list overlay, lines report)")
            for fig in (*overlay_figures(photo), *report_figures(photo)):
                print(f"  {fig.line()}")


def main() -> None:  # pragma: no cover - a report, run by hand
    from maskrender.overlay import render, render_svg

    if sys.argv[1:] == ["formats"]:
        formats()
        return
    formats()
    pixel_truth()
    print("edge error (levels of 255, over edge pixels) and area bias, opacity 1, per mask")
    for name, mask_set, size in EDGE_CASES:
        for tech, fig in measure_mask_edges(FIXTURES / f"{name}.json", mask_set, size).items():
            print(f"  {name:8s} {mask_set:9s} {tech:28s} edge {fig.edge_error:5.2f}  "
                  f"area {fig.area_bias:+.3%}  ({fig.edge_pixels} edge px)")
    print("PNG renderer vs resvg, composited on the photo; SVG size")
    for name, mask_set, size in EDGE_CASES:
        src = FIXTURES / f"{name}.json"
        photo = Image.open(FIXTURES / ("restored.jpg" if mask_set == "restored" else "portrait.jpg")).convert("RGB")
        photo = photo.resize(size, Image.Resampling.LANCZOS)
        png = render(src, photo, mask_set=mask_set)
        svg = render_svg(src, size=size, mask_set=mask_set)
        via_svg = Image.alpha_composite(photo.convert("RGBA"), resvg_render(svg, size)).convert("RGB")
        s = diff_stats(png, via_svg)
        print(f"  {name:8s} {mask_set:9s} MAD {s.mad:.3f}  within16 {s.within16:.3%}  max {s.max:3d}  "
              f"svg {len(svg.encode()):7,d} bytes")
    svg = render_svg(synth_workload(n_points=5000, n_polygons=0, n_polylines=0, n_heat=0))
    points = svg.count("h0") + svg.count("z")
    print(f"SVG of a {points:,}-point mask: {len(svg.encode()):,} bytes")
    chromium = find_chromium()
    if chromium is None:
        print("Chromium: not installed")
        return
    print("PNG renderer vs Chromium screenshot (photo <img> + overlay SVG <img>, 512 px)")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        with Image.open(FIXTURES / "restored.jpg") as im:
            photo = im.convert("RGB").resize((512, 512), Image.Resampling.LANCZOS)
        photo.save(folder / "photo.png")
        for name in ("acne", "redness", "lines", "pores", "results_list"):
            src = FIXTURES / f"{name}.json"
            (folder / "overlay.svg").write_text(render_svg(src, folder / "photo.png"), encoding="utf-8")
            style = "position:absolute;left:0;top:0"
            (folder / "page.html").write_text(
                f"<html><body style='margin:0'><img src='photo.png' style='{style}'>"
                f"<img src='overlay.svg' style='{style}'></body></html>", encoding="utf-8")
            shot = chromium_screenshot(folder / "page.html", (512, 512), folder / "shot.png", chromium)
            (folder / "shot.png").unlink()
            s = diff_stats(shot, render(src, folder / "photo.png"))
            print(f"  {name:12s} MAD {s.mad:.3f}  within16 {s.within16:.3%}  max {s.max:3d}")
    from helpers.parity import print_parity
    print_parity()


if __name__ == "__main__":  # pragma: no cover
    main()
