"""Gallery: report images made from the fixtures (run by ``python gallery/generate.py``).

Writes, next to this file:

* ``report_single.png``       one selfie, every algorithm of ``results_list.json`` (one failed)
* ``report_sides.png``        left | front | right, each photo with its own side's masks
* ``report_before_after.png`` two visits of the same subject, every metric with its change
* ``report_many.png``         twenty algorithms (the layout's upper bound), most of them metrics only
* ``report_scripts.png``      titles, subjects and metric names in Japanese, Chinese, Korean, Arabic, Hebrew,
                              Devanagari, Thai, Greek and Cyrillic (system Noto fonts through fontconfig)
* ``report_pdf_page1.png``    the PDF report's first page, as poppler's ``pdftoppm`` draws it
* ``report_pdf_lines.png``    the PDF report's lines panel as poppler and MuPDF draw it, beside the PNG report's
                              (open wrinkles: no chord from a line's end back to its start)
* ``report_p3_selfie.png``    the report of a Display P3 selfie (the bundled photo as an iPhone writes it)
* ``report_html_phone.png``   the HTML report in headless Chromium, 390 px wide (a phone)
* ``report_html_desktop.png`` the same page 1300 px wide

Run alone: ``python gallery/make_reports.py``.
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
FIXTURES = ROOT / "fixtures"
WIDTH = 1000

# Names of the vendor's algorithm families, for a realistic twenty-algorithm report.
MANY = ("Acne", "Pores", "Lines", "Redness", "Pigmentation", "Uniformness", "Hydration", "Eye bags",
        "Dark circles", "Sagging", "Translucency", "Oiliness", "Freckles", "Melasma", "Moles",
        "Solar pigmentation", "Texture", "Radiance", "Firmness", "Perceived age")


def many_algorithms() -> list[dict[str, Any]]:
    """Twenty results: the fixture list's four with masks, sixteen metric-only ones, one failed."""
    base = {r["result"]["algorithm_tech_name"]: r for r in json.loads((FIXTURES / "results_list.json").read_text())
            if r.get("is_ok") and isinstance(r.get("result"), dict)}
    out: list[dict[str, Any]] = []
    for i, name in enumerate(MANY):
        tech = name.lower().replace(" ", "_")
        if tech in base:  # acne, pores, lines, redness: as measured
            out.append(base[tech])
            continue
        rec = copy.deepcopy(base["acne"])
        res = rec["result"]
        rec["algorithm_family_tech_name"] = f"{tech}.{tech}"
        res["algorithm_tech_name"] = tech
        res["masks_restored"], res["masks_original"] = [], []
        for area in res["area_results"]:
            area["sub_metrics"] = []
            metric = area["main_metric"]
            metric["name"], metric["tech_name"] = name, tech
            metric["value"] = 25 + (i * 29 + len(area["area_name"]) * 7) % 74
        if name == "Firmness":
            rec = {"id": "f", "is_ok": False, "algorithm_family_tech_name": "firmness.firmness",
                   "creation_time": rec.get("creation_time"), "result": {"error": "image too dark"}}
        out.append(rec)
    return out


SCRIPTS = {"pores": "鈴木 花子 · 毛穴", "lines": "张伟 · 皱纹", "redness": "أحمد علي · احمرار",
           "acne": "דוד כהן · אקנה", "skin_tone": "प्रिया शर्मा · त्वचा", "age": "สมชาย ใจดี · อายุ"}


def scripts() -> list[dict[str, Any]]:
    """The fixture list with its metric names in six scripts (four of them need system fonts)."""
    records = json.loads((FIXTURES / "results_list.json").read_text())
    for rec in records:
        res = rec.get("result")
        if not isinstance(res, dict):
            continue
        name = SCRIPTS.get(res.get("algorithm_tech_name", ""))
        for area in res.get("area_results") or []:
            if name and area.get("main_metric"):
                area["main_metric"]["name"] = name
    return records


def _documents(out_dir: Path) -> list[Path]:
    """The PDF's first page (pdftoppm) and the HTML at phone and desktop width (Chromium), when the tools exist."""
    from maskrender.report import build_report

    report = build_report(FIXTURES / "results_list.json", FIXTURES / "restored.jpg", title="Visit 3",
                          subject="ID 0042")
    written = []
    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp, "r.pdf")
        pdf.write_bytes(report.pdf())
        if shutil.which("pdftoppm"):
            subprocess.run(["pdftoppm", "-r", "100", "-f", "1", "-l", "1", "-png", "-singlefile", str(pdf),
                            str(out_dir / "report_pdf_page1")], check=True, timeout=120)
            written.append(out_dir / "report_pdf_page1.png")
        else:
            print("make_reports.py: pdftoppm not found, report_pdf_page1.png not made", file=sys.stderr)
        written += _pdf_lines(report, pdf, Path(tmp), out_dir)
        written += _p3_selfie(out_dir, Path(tmp))
        page = Path(tmp, "r.html")
        page.write_text(report.html(), encoding="utf-8")
        chromium = shutil.which("chromium") or shutil.which("chromium-browser")
        for name, size in (("report_html_phone.png", "390,2300"), ("report_html_desktop.png", "1300,1750")):
            if chromium is None:
                print(f"make_reports.py: chromium not found, {name} not made", file=sys.stderr)
                continue
            subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                            f"--user-data-dir={tmp}/profile-{name}", f"--screenshot={out_dir / name}",
                            f"--window-size={size}", page.as_uri()], check=True, timeout=180, capture_output=True)
            written.append(out_dir / name)
    return written


def _pdf_lines(report: Any, pdf: Path, tmp: Path, out_dir: Path) -> list[Path]:
    """The lines panel: the PNG report's, poppler's and MuPDF's, side by side."""
    from PIL import Image, ImageDraw

    from maskrender.report.picture import draw_layout

    if not (shutil.which("pdftoppm") and shutil.which("mutool")):
        print("make_reports.py: pdftoppm or mutool not found, report_pdf_lines.png not made", file=sys.stderr)
        return []
    layout = report.pdf_layout()
    box = layout.boxes["panel:lines"]
    crop = (round(box.x) - 4, round(box.y) - 4, round(box.right) + 4, round(box.bottom) + 4)
    subprocess.run(["pdftoppm", "-r", "150", "-f", "1", "-l", "1", "-png", "-singlefile", str(pdf), str(tmp / "pp")],
                   check=True, timeout=120)
    subprocess.run(["mutool", "draw", "-q", "-r", "150", "-o", str(tmp / "mu.png"), str(pdf), "1"],
                   check=True, timeout=120, capture_output=True)
    panels = [("PNG report", draw_layout(layout, report.scene)), ("PDF, poppler", Image.open(tmp / "pp.png")),
              ("PDF, MuPDF", Image.open(tmp / "mu.png"))]
    w, h = crop[2] - crop[0], crop[3] - crop[1]
    sheet = Image.new("RGB", (3 * w + 40, h + 36), "white")
    draw = ImageDraw.Draw(sheet)
    for i, (label, page) in enumerate(panels):
        sheet.paste(page.convert("RGB").crop(crop), (10 + i * (w + 10), 30))
        draw.text((14 + i * (w + 10), 8), label, fill=(33, 37, 41))
    sheet.save(out_dir / "report_pdf_lines.png", optimize=True)
    return [out_dir / "report_pdf_lines.png"]


def _p3_selfie(out_dir: Path, tmp: Path) -> list[Path]:
    """The report of the bundled selfie written as a Display P3 JPEG (the profile: tests/report/p3.py)."""
    sys.path.insert(0, str(ROOT / "tests" / "report"))
    from p3 import p3_photo
    from PIL import Image

    from maskrender.report import report_file

    with Image.open(FIXTURES / "restored.jpg") as im:
        photo = p3_photo(im.convert("RGB"))
    path = tmp / "selfie-p3.jpg"
    photo.save(path, quality=95, subsampling=0, icc_profile=photo.info["icc_profile"])
    return [report_file(FIXTURES / "results_list.json", out_dir / "report_p3_selfie.png", path, width=WIDTH,
                        compress_level=9, title="Display P3 selfie", subject="ID 0042")]


def main(out_dir: Path = HERE) -> list[Path]:
    """Write the report pictures; return their paths."""
    sys.path.insert(0, str(ROOT))
    from maskrender.report import report_file

    jobs: list[tuple[str, Any, dict[str, Any]]] = [
        ("report_single.png", FIXTURES / "results_list.json",
         {"image": FIXTURES / "restored.jpg", "title": "Visit 3", "subject": "ID 0042"}),
        ("report_sides.png", FIXTURES / "sides_result.json",
         {"image": FIXTURES / "restored.jpg", "image_left": FIXTURES / "left.jpg",
          "image_right": FIXTURES / "right.jpg", "title": "Three sides", "subject": "ID 0042"}),
        ("report_before_after.png", FIXTURES / "results_list.json",
         {"image": FIXTURES / "restored.jpg", "before": FIXTURES / "results_list_before.json",
          "before_image": FIXTURES / "restored.jpg", "title": "Progress since November", "subject": "ID 0042"}),
        ("report_many.png", many_algorithms(),
         {"image": FIXTURES / "restored.jpg", "title": "Full analysis: twenty algorithms", "subject": "ID 0042"}),
        ("report_scripts.png", scripts(),
         {"image": FIXTURES / "restored.jpg", "title": "肌分析レポート · 皮肤分析报告", "subject": "أحمد علي"}),
    ]
    written = []
    for name, data, options in jobs:
        image = options.pop("image")
        written.append(report_file(data, out_dir / name, image, width=WIDTH, compress_level=9, **options))
    return written + _documents(out_dir)


if __name__ == "__main__":
    for path in main():
        print(f"wrote {path.relative_to(ROOT)}")
