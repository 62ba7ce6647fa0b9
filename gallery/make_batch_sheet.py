"""The batch quickstart's picture: the README's manifest run by ``maskrender batch``, its outputs side by side.

Run by ``python gallery/generate.py`` (or alone: ``python gallery/make_batch_sheet.py``); writes, next to
this file, ``batch_contact_sheet.png``: the four overlays of the README's ``jobs.csv`` (a visit on
the face-aligned photo, the portrait with its own original masks, the left and right sides each on
its own photo), each reduced to a 240 px tile with its file name under it.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

MANIFEST = """\
result,image,output,mask_set,side
fixtures/results_list.json,fixtures/restored.jpg,visit,,
fixtures/results_list.json,fixtures/portrait.jpg,portrait,original,
fixtures/sides_result.json,fixtures/left.jpg,left,,left
fixtures/sides_result.json,fixtures/right.jpg,right,,right
"""
"""The README's batch manifest (``jobs.csv``), paths relative to the repository root."""

NAMES = ("visit.png", "portrait.png", "left.png", "right.png")
TILE = 240
CAPTION = 24


def sheet(folder: Path) -> Image.Image:
    """The outputs in ``folder``, each fitted into a square tile, side by side, captioned."""
    out = Image.new("RGB", (TILE * len(NAMES), TILE + CAPTION), "white")
    draw = ImageDraw.Draw(out)
    for n, name in enumerate(NAMES):
        with Image.open(folder / name) as im:
            tile = im.convert("RGB")
        tile.thumbnail((TILE, TILE), Image.Resampling.LANCZOS)
        out.paste(tile, (n * TILE + (TILE - tile.width) // 2, (TILE - tile.height) // 2))
        draw.text((n * TILE + 8, TILE + 6), f"out/{name}", fill="black")
    return out


def main() -> list[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        manifest = ROOT / f".jobs-{Path(tmp).name}.csv"  # at the root, so its relative paths are the README's
        manifest.write_text(MANIFEST, encoding="utf-8")
        try:
            subprocess.run([sys.executable, "-m", "maskrender", "batch", str(manifest), "-o", str(Path(tmp) / "out"),
                            "--jobs", "2", "-q"], cwd=ROOT, check=True)
        finally:
            manifest.unlink()
        target = HERE / "batch_contact_sheet.png"
        sheet(Path(tmp) / "out").save(target, optimize=True)
    return [target]


if __name__ == "__main__":
    for path in main():
        print(f"wrote {path.relative_to(ROOT)}")
