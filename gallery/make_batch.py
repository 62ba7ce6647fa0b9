"""Gallery: the review page of a batch (``maskrender batch … --index``), run by ``python gallery/generate.py``.

Writes, next to this file:

* ``batch_review.png``       the page in headless Chromium, 1280 px wide, sorted by status (failures first)
* ``batch_review_phone.png`` the same page 390 px wide (a phone): one card per job

The batch: twelve visits (the fixture results with their scores shifted, on the portrait photo) and two
failures. Run alone: ``python gallery/make_batch.py``.
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


def visits(folder: Path) -> Path:
    """A manifest of twelve visits and two failing jobs, written in ``folder``."""
    records = json.loads((FIXTURES / "results_list.json").read_text(encoding="utf-8"))
    rows = ["result,image,output,masks"]
    for n in range(12):
        visit: list[dict[str, Any]] = copy.deepcopy(records)
        for i, record in enumerate(visit):
            result = record.get("result")
            if not isinstance(result, dict):
                continue
            for area in result.get("area_results") or []:
                metric = area.get("main_metric") or {}
                if isinstance(metric.get("value"), (int, float)) and metric.get("widget_type") == "bad_good_line":
                    metric["value"] = max(1, min(99, metric["value"] + (n * 17 + i * 11) % 41 - 20))
        (folder / f"visit{n + 1:02d}.json").write_text(json.dumps(visit), encoding="utf-8")
        rows.append(f"visit{n + 1:02d}.json,{FIXTURES}/portrait.jpg,subject{n + 1:02d}.png,original")
    rows.append(f"{FIXTURES}/broken/truncated.json,{FIXTURES}/portrait.jpg,subject13.png,original")
    rows.append(f"missing.json,{FIXTURES}/portrait.jpg,subject14.png,original")
    manifest = folder / "visits.csv"
    manifest.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return manifest


def shoot(page: str, size: tuple[int, int], out: Path) -> None:
    """Screenshot ``page`` (a URL) in headless Chromium at ``size`` CSS pixels."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if chromium is None:
        raise SystemExit("make_batch.py: needs Chromium (Debian: chromium)")
    with tempfile.TemporaryDirectory(prefix="maskrender-chromium-") as profile:
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                        "--disable-background-networking", "--disable-component-update", "--disable-sync",
                        f"--user-data-dir={profile}", f"--screenshot={out}", f"--window-size={size[0]},{size[1]}",
                        "--hide-scrollbars", "--force-device-scale-factor=1", "--force-color-profile=srgb",
                        "--virtual-time-budget=3000", page], check=True, capture_output=True, timeout=180)


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="maskrender-gallery-batch-") as tmp:
        folder = Path(tmp)
        out = folder / "out"
        done = subprocess.run([sys.executable, "-m", "maskrender", "batch", str(visits(folder)), "-o", str(out),
                               "--index", "--jobs", "2", "-q"], cwd=ROOT, capture_output=True, text=True, check=False)
        if done.returncode not in (0, 1):                # 1: the two failures meant to be shown
            raise SystemExit(f"make_batch.py: the batch failed: {done.stderr}")
        page = (out / "index.html").as_uri()
        shoot(page + "#sort=status", (1280, 900), HERE / "batch_review.png")
        shoot(page + "#q=subject1", (390, 844), HERE / "batch_review_phone.png")
    print("wrote batch_review.png, batch_review_phone.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
