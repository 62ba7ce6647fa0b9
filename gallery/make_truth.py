"""Pixel truth, before and after: zoomed crops of a heatmap level boundary and of tiny pores.

"Before" is a saved picture of the renderer at commit bf4e62c (``gallery/saved/``: it cannot be
redrawn once the code changed); "after" is the same crop drawn now, with the same inputs. Each
crop is enlarged 8x with nearest-neighbour sampling so every pixel shows.

Writes ``gallery/truth_heatmap_boundary.png`` and ``gallery/truth_tiny_pores.png``.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

import maskrender as mr

HERE = Path(__file__).resolve().parent
FIXTURES = HERE.parent / "fixtures"
FONT = HERE.parent / "maskrender" / "report" / "fonts" / "DejaVuSans.ttf"
ZOOM = 8

CASES = [
    ("truth_heatmap_boundary.png", "before_heatmap_bf4e62c.png", "redness.json", (1000, 1000), mr.Style(opacity=1.0),
     (480, 420, 520, 460), "heatmap levels: max(coverage x level) -> integrated"),
    ("truth_tiny_pores.png", "before_pores_bf4e62c.png", "pores.json", (512, 512),
     mr.Style(opacity=1.0, point_radius=0.35), (230, 200, 270, 240), "r = 0.35 px pores: lost area -> exact area"),
]


def panel(before: Image.Image, after: Image.Image, title: str) -> Image.Image:
    w, h = before.width * ZOOM, before.height * ZOOM
    font = ImageFont.truetype(str(FONT), 18)
    sheet = Image.new("RGB", (2 * w + 30, h + 70), (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    draw.text((10, 8), title, fill=(30, 30, 30), font=font)
    for i, (label, im) in enumerate((("before (bf4e62c)", before), ("after", after))):
        x = 10 + i * (w + 10)
        sheet.paste(im.convert("RGB").resize((w, h), Image.Resampling.NEAREST), (x, 40))
        draw.text((x, h + 44), label, fill=(80, 80, 80), font=font)
    return sheet


def main() -> None:
    for out, saved, source, size, style, crop, title in CASES:
        photo = Image.new("RGB", size, (40, 40, 40))
        after = mr.render(FIXTURES / source, photo, style=style).crop(crop)
        before = Image.open(HERE / "saved" / saved)
        panel(before, after, title).save(HERE / out, optimize=True)
        print(f"wrote gallery/{out}")


if __name__ == "__main__":
    main()
