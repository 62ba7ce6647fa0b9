"""Gallery: a Display P3 selfie's overlay, as a phone writes the photo and as maskrender draws it.

Run by ``python gallery/generate.py`` (or alone: ``python gallery/make_colour.py``); writes, next to this
file, ``colour_p3_overlay.png``, three panels of a crop of the bundled selfie written as a Display P3 JPEG
(the profile: ``tests/report/p3.py``):

* the JPEG's numbers shown as if they were sRGB (a viewer that ignores the profile: the skin washed out);
* LittleCMS's sRGB view of the photo (what a colour-managed viewer shows);
* maskrender's overlay of the acne and pores masks on it: the photo converted to sRGB by LittleCMS when
  opened, the masks in the sRGB colours they name, written untagged (see ``docs/colour.md``).
"""

from __future__ import annotations

import io
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageCms, ImageDraw

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
FIXTURES = ROOT / "fixtures"
CROP = (1150, 1150, 1750, 1650)  # beside the nose, on the 2416 px face-aligned photo
PANEL = 400


def main(out_dir: Path = HERE) -> list[Path]:
    sys.path.insert(0, str(ROOT / "tests" / "report"))
    from p3 import p3_photo

    import maskrender as mr

    with Image.open(FIXTURES / "restored.jpg") as im:
        photo = p3_photo(im.convert("RGB"))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "selfie-p3.jpg"
        photo.save(path, quality=95, subsampling=0, icc_profile=photo.info["icc_profile"])
        with Image.open(path) as written:
            raw = written.convert("RGB")  # the numbers, profile ignored
            profile = ImageCms.ImageCmsProfile(io.BytesIO(written.info["icc_profile"]))
            managed = ImageCms.profileToProfile(written, profile, ImageCms.createProfile("sRGB"), outputMode="RGB")
        overlay = mr.render(FIXTURES / "results_list.json", path, only=["acne", "pores"])
    assert managed is not None
    panels = [("the JPEG's numbers, profile ignored", raw), ("LittleCMS: the photo in sRGB", managed),
              ("maskrender: acne and pores", overlay.convert("RGB"))]
    w = PANEL
    h = round(PANEL * (CROP[3] - CROP[1]) / (CROP[2] - CROP[0]))
    sheet = Image.new("RGB", (10 + len(panels) * (w + 10), h + 40), "white")
    draw = ImageDraw.Draw(sheet)
    for i, (label, picture) in enumerate(panels):
        sheet.paste(picture.crop(CROP).resize((w, h), Image.Resampling.LANCZOS), (10 + i * (w + 10), 30))
        draw.text((14 + i * (w + 10), 8), label, fill=(33, 37, 41))
    target = out_dir / "colour_p3_overlay.png"
    sheet.save(target, optimize=True)
    return [target]


if __name__ == "__main__":
    for written in main():
        print(f"wrote {written.relative_to(ROOT)}")
