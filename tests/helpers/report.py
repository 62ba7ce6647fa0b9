"""Report test data: synthetic results lists with long, Unicode and hostile names."""

from __future__ import annotations

import copy
import json
from typing import Any

from helpers import FIXTURES

__all__ = ["LONG_NAMES", "NASTY", "many_results", "tool"]

NASTY = '"><script>alert(1)</script><img src=x onerror=alert(2)>'
LONG_NAMES = (
    "Post-inflammatory hyperpigmentation and solar lentigines combined assessment score",
    "Морщины и мелкие линии вокруг глаз",
    "Ρυτίδες μετώπου",
    "皮肤水分含量",
    "Über‐Pigmentierung (Sonnenflecken) – Gesamtbewertung",
    "שומה",
    NASTY,
    "Supercalifragilisticexpialidociousnessmeasurementwithoutspaces",
)


def many_results(n: int, *, failures: int = 2) -> list[dict[str, Any]]:
    """``n`` result records cloned from the fixture list, with long, Unicode and hostile names.

    Every record gets its own algorithm name; masks keep their geometry (renamed); the last
    ``failures`` records are ``is_ok: false``.
    """
    base = [r for r in json.loads((FIXTURES / "results_list.json").read_text()) if r.get("is_ok")
            and isinstance(r.get("result"), dict)]
    out = []
    for i in range(n):
        rec = copy.deepcopy(base[i % len(base)])
        name = LONG_NAMES[i % len(LONG_NAMES)] if i % 3 == 1 else f"Metric {i + 1}"
        tech = f"algo_{i + 1}"
        rec["algorithm_family_tech_name"] = f"family.{tech}"
        res = rec["result"]
        res["algorithm_tech_name"] = tech
        for area in res.get("area_results") or []:
            if area.get("main_metric"):
                area["main_metric"]["name"] = name
                if area["main_metric"].get("widget_type") == "bad_good_line":
                    area["main_metric"]["value"] = (i * 37) % 101
        for j, mask in enumerate(res.get("masks_restored") or []):
            mask["name"] = f"{name} mask {j + 1}" if i % 3 == 1 else mask.get("name", "")
            mask["tech_name"] = f"{tech}_mask_{j}"
        res["masks_original"] = []
        if i >= n - failures:
            rec = {"id": f"f{i}", "is_ok": False, "algorithm_family_tech_name": f"family.{tech}",
                   "creation_time": rec.get("creation_time"), "result": {"error": f"{name} failed: {NASTY}"}}
        out.append(rec)
    return out


def tool(name: str) -> str:
    """The path of a command-line tool; a missing tool fails under CI and skips elsewhere."""
    import os
    import shutil

    import pytest

    path = shutil.which(name)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is not installed, and CI must run this test")
        pytest.skip(f"{name} is not installed (apt-get install chromium poppler-utils)")
    return path
