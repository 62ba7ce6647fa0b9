"""Gallery: overlays on the selfie, one picture per mask type and per notable style.

Run by ``python gallery/generate.py`` (or alone: ``python gallery/make_overlays.py``); writes,
next to this file, from ``fixtures/``:

* ``overlay_all.png``            every restored mask on the face-aligned photo (400 px), defaults
* ``overlay_polygon.png``        polygon masks (acne; papules has no fill: a palette colour)
* ``overlay_point.png``          point masks (pores): discs, radius from the image and spacing
* ``overlay_polyline.png``       polyline masks (lines) with the polygon deep-lines ribbons
* ``overlay_heatmap.png``        heatmap (redness): opacity follows intensity 0.2..1.0
* ``style_outline.png``          polygons outlined (0.2%), papules filled #00A0FF, opacity 0.45

(The four mask-type pictures and the outline are 400 px crops of a 1000 px rendering.)
* ``style_intensity.png``        one heatmap at opacity 1, close up: the five intensity steps
* ``style_sides.png``            left | front | right, each photo with its own side's masks
* ``style_original_vs_restored.png``  the original set on the uploaded photo | the restored set on the aligned one
* ``style_transparent_layer.png`` the RGBA layer alone (no photo), as an app would stack it
* ``style_detail_2416.png``      a crop at the restored image's full 2416 px: edges and dots up close
* ``style_small_512.png``         the original set on the 512 px portrait, at its own size
* ``overlay.svg``                the SVG overlay (no photo: lay it over an <img>)
* ``svg_in_chromium.png``        that SVG over the photo in headless Chromium (screenshot)

Pictures are downscaled or cropped to keep the gallery small.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
FIXTURES = ROOT / "fixtures"
SIDE = 400  # pixel size of the face pictures
CAPTION = 22


def photo(name: str, height: int | None = None) -> Image.Image:
    """A fixture photo, optionally resized to ``height`` keeping its aspect ratio."""
    with Image.open(FIXTURES / name) as im:
        out = im.convert("RGB")
    if height is not None:
        out = out.resize((round(out.width * height / out.height), height), Image.Resampling.LANCZOS)
    return out


def captioned(panels: list[tuple[Image.Image, str]], gap: int = 6) -> Image.Image:
    """Panels side by side, each with a caption underneath, on white."""
    font = ImageFont.load_default(size=15)
    height = max(p.height for p, _ in panels) + CAPTION
    width = sum(p.width for p, _ in panels) + gap * (len(panels) - 1)
    sheet = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    x = 0
    for panel, text in panels:
        sheet.paste(panel.convert("RGB"), (x, 0))
        draw.text((x + panel.width / 2, panel.height + 3), text, fill=(40, 40, 40), font=font, anchor="mt")
        x += panel.width + gap
    return sheet


def save(image: Image.Image, name: str, exact: bool = False) -> Path:
    """Write a picture: 256 dithered colours (a third of the bytes) unless ``exact`` (edges up close)."""
    path = HERE / name
    if not exact and image.mode == "RGB":
        image = image.quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.FLOYDSTEINBERG)
    image.save(path, optimize=True)
    print(f"wrote {path.relative_to(ROOT)} ({path.stat().st_size / 1000:.0f} kB)")
    return path


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    raise SystemExit("make_overlays.py: svg_in_chromium.png needs Chromium (apt-get install chromium)")


def chromium_screenshot(svg: Path, backdrop: Path, size: tuple[int, int]) -> Image.Image:
    """The photo and the overlay SVG stacked in <img> elements, screenshot by headless Chromium."""
    with tempfile.TemporaryDirectory(prefix="maskrender-gallery-") as tmp:
        folder = Path(tmp)
        shutil.copy(svg, folder / "overlay.svg")
        shutil.copy(backdrop, folder / "photo.png")
        style = "position:absolute;left:0;top:0;display:block"
        (folder / "page.html").write_text(
            "<!DOCTYPE html><html><body style='margin:0;overflow:hidden'>"
            f"<img src='photo.png' width='{size[0]}' height='{size[1]}' style='{style}'>"
            f"<img src='overlay.svg' width='{size[0]}' height='{size[1]}' style='{style}'>"
            "</body></html>",
            encoding="utf-8",
        )
        shot = folder / "shot.png"
        subprocess.run(
            [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={folder / 'profile'}", f"--screenshot={shot}", f"--window-size={size[0]},{size[1]}",
             "--hide-scrollbars", "--force-device-scale-factor=1", "--force-color-profile=srgb",
             (folder / "page.html").as_uri()],
            check=True, capture_output=True, timeout=120,
        )
        with Image.open(shot) as im:
            return im.convert("RGB")


def main() -> list[Path]:
    sys.path.insert(0, str(ROOT))
    from maskrender.overlay import render, render_svg
    from maskrender.style import Style

    results = FIXTURES / "results_list.json"
    face = photo("restored.jpg", SIDE)
    medium = photo("restored.jpg", 1000)  # the mask-type pictures: a 400 px crop of a 1000 px photo

    def zoom(name: str, box: tuple[int, int, int, int], style: Style | None = None) -> Image.Image:
        return render(FIXTURES / name, medium, style=style).crop(box)

    written = [
        save(render(results, face), "overlay_all.png"),
        save(zoom("acne.json", (60, 250, 460, 650)), "overlay_polygon.png"),
        save(zoom("pores.json", (300, 200, 700, 600)), "overlay_point.png"),
        save(zoom("lines.json", (180, 100, 580, 500)), "overlay_polyline.png"),
        save(zoom("redness.json", (130, 280, 530, 680)), "overlay_heatmap.png"),
    ]

    outlined = Style(opacity=0.45, outline="0.2%", fills={"papules": "#00A0FF"})
    written.append(save(zoom("acne.json", (60, 250, 460, 650), outlined), "style_outline.png"))

    big = photo("restored.jpg")
    redness = render(FIXTURES / "redness.json", big, style=Style(opacity=1.0))
    written.append(save(redness.crop((1030, 1010, 1590, 1570)).resize((360, 360), Image.Resampling.LANCZOS),
                        "style_intensity.png", exact=True))

    face_box = (96, 96, 416, 416)  # the face in the 512x600 side photos, 320 px square
    sides = [
        (render(FIXTURES / "sides_result.json", FIXTURES / "left.jpg", side="left").crop(face_box),
         "left.jpg, side=left"),
        (render(FIXTURES / "sides_result.json", photo("restored.jpg", 320), side="front"), "restored.jpg, side=front"),
        (render(FIXTURES / "sides_result.json", FIXTURES / "right.jpg", side="right").crop(face_box),
         "right.jpg, side=right"),
    ]
    written.append(save(captioned(sides), "style_sides.png"))

    both = [
        (render(results, photo("portrait.jpg", 360), mask_set="original"), "original set on portrait.jpg"),
        (render(results, photo("restored.jpg", 360), mask_set="restored"), "restored set on restored.jpg"),
    ]
    written.append(save(captioned(both), "style_original_vs_restored.png"))

    written.append(save(render(results, size=(SIDE, SIDE)), "style_transparent_layer.png"))

    detail = render(results, big).crop((1250, 1200, 1730, 1560))
    written.append(save(detail, "style_detail_2416.png", exact=True))

    small = render(results, FIXTURES / "portrait.jpg", mask_set="original")
    written.append(save(small.crop((140, 100, 380, 340)), "style_small_512.png", exact=True))

    svg_path = HERE / "overlay.svg"
    svg_path.write_text(render_svg(results, size=(SIDE, SIDE)), encoding="utf-8")
    print(f"wrote {svg_path.relative_to(ROOT)} ({svg_path.stat().st_size / 1000:.0f} kB)")
    written.append(svg_path)
    with tempfile.TemporaryDirectory() as tmp:
        backdrop = Path(tmp) / "face.png"
        face.save(backdrop)
        shot = chromium_screenshot(svg_path, backdrop, face.size)
    written.append(save(shot, "svg_in_chromium.png"))
    return written


if __name__ == "__main__":
    main()
