"""Gallery: report images made from the fixtures (run by ``python gallery/generate.py``).

Writes, next to this file:

* ``report_single.png``       one selfie, every algorithm of ``results_list.json`` (one failed)
* ``report_sides.png``        left | front | right, each photo with its own side's masks
* ``report_before_after.png`` two visits of the same subject, every metric with its change
* ``report_many.png``         twenty algorithms (the layout's upper bound), most of them metrics only

Run alone: ``python gallery/make_reports.py``.
"""

from __future__ import annotations

import copy
import json
import sys
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


def main(out_dir: Path = HERE) -> list[Path]:
    """Write the four report pictures; return their paths."""
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
    ]
    written = []
    for name, data, options in jobs:
        image = options.pop("image")
        written.append(report_file(data, out_dir / name, image, width=WIDTH, compress_level=9, **options))
    return written


if __name__ == "__main__":
    for path in main():
        print(f"wrote {path.relative_to(ROOT)}")
