"""Gallery: what ``maskrender export`` writes, as a user sees it.

Run by ``python gallery/generate.py`` (or alone: ``python gallery/make_exports.py``); writes, next to
this file, from ``fixtures/``:

* ``export_labels.png``  the label map exactly as ``maskrender export fixtures/acne.json -o labels.png
                         --max-size 400`` writes it (:data:`LABELS_COMMAND`): a palette PNG, label 1
                         (acne) dark red, label 2 (papules) dark green, the table in a text chunk
* ``export_coco.png``    the COCO export of the same result on its photo: each annotation (one per
                         lesion) as its decoded RLE pixels and its bbox, coloured by category
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from maskrender.cli import main as cli  # noqa: E402
from maskrender.export import rle_decode  # noqa: E402

LABELS_COMMAND = ["export", "fixtures/acne.json", "-o", "labels.png", "--max-size", "400"]
"""The command whose output ``export_labels.png`` is (run from the repository root)."""

COCO_COMMAND = ["export", "fixtures/acne.json", "--image", "fixtures/restored.jpg", "-o", "acne.coco.json"]
"""The command whose output ``export_coco.png`` draws."""

CATEGORY_COLOURS = [(255, 159, 28), (46, 196, 182), (231, 29, 54)]


def _run(command: list[str], target: Path) -> None:
    argv = [str(target) if a == command[command.index("-o") + 1] else a for a in command]
    if cli([*argv, "-q"]) != 0:
        raise SystemExit(f"make_exports.py: maskrender {' '.join(command)} failed")


def coco_picture(coco_path: Path, photo: Path, size: int = 600) -> Image.Image:
    """The photo with every annotation's pixels (half-transparent) and bbox, by category."""
    doc = json.loads(coco_path.read_text())
    image = Image.open(photo).convert("RGB")
    scale = size / image.width
    overlay = np.asarray(image, dtype=np.float32)
    boxes = []
    for ann in doc["annotations"]:
        colour = np.array(CATEGORY_COLOURS[(ann["category_id"] - 1) % len(CATEGORY_COLOURS)], dtype=np.float32)
        pixels = rle_decode(ann["segmentation"])
        overlay[pixels] = 0.35 * overlay[pixels] + 0.65 * colour
        boxes.append((ann["bbox"], tuple(int(c) for c in colour)))
    picture = Image.fromarray(overlay.round().astype(np.uint8)).resize((size, round(image.height * scale)),
                                                                     Image.Resampling.LANCZOS)
    draw = ImageDraw.Draw(picture)
    for (x, y, w, h), colour in boxes:
        draw.rectangle([x * scale - 2, y * scale - 2, (x + w) * scale + 2, (y + h) * scale + 2], outline=colour)
    return picture


def main() -> None:
    _run(LABELS_COMMAND, HERE / "export_labels.png")
    with tempfile.TemporaryDirectory() as scratch:
        coco_file = Path(scratch) / "acne.coco.json"
        _run(COCO_COMMAND, coco_file)
        coco_picture(coco_file, ROOT / "fixtures" / "restored.jpg").save(HERE / "export_coco.png", optimize=True)
    print("wrote export_labels.png, export_coco.png")


if __name__ == "__main__":
    main()
