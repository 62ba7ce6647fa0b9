"""The vendor's fields a reader of a report needs (issue 24): the Image Quality result's ``problems`` and
what a count counts (``widget_meta``: "2 papules", "1 papule"), checked in the PDF by poppler's text
extraction, which shares no code with the writer, in English and German."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from helpers.report import tool

from maskrender.report import report_file

_META = {"description": "papules", "verbose_name": "papule", "verbose_name_plural": "papules"}


def _metric(value: float, name: str, tech: str, meta: dict[str, Any] | None, widget: str) -> dict[str, Any]:
    return {"name": name, "tech_name": tech, "value": value, "units": None, "widget_meta": meta,
            "widget_type": widget, "widget_show": True}


RESULTS = [
    {"id": "a3c1", "is_ok": True, "algorithm_family_tech_name": "quality.quality",
     "result": {"algorithm_tech_name": "quality", "problems": ["face_rotation", "low_light"],
                "area_results": [{"area_name": "face", "main_metric": _metric(78, "Image Quality Score",
                                                                             "image_quality_score", None,
                                                                             "bad_good_line")}],
                "masks_restored": None, "masks_original": None}},
    {"id": "587f", "is_ok": True, "algorithm_family_tech_name": "acne.papules",
     "result": {"algorithm_tech_name": "papules", "masks_restored": [], "masks_original": [], "area_results": [
         {"area_name": "face", "main_metric": _metric(2, "Papules", "papules", _META, "numeric")},
         {"area_name": "chin", "main_metric": _metric(1, "Papules", "papules", _META, "numeric")}]}},
]


def _text(pdf: Path) -> str:
    done = subprocess.run([tool("pdftotext"), "-layout", str(pdf), "-"], capture_output=True, text=True, check=True)
    return " ".join(done.stdout.split())


@pytest.mark.parametrize(("lang", "problems"), [(None, "Problems with the photo: face_rotation, low_light"),
                                                ("de", "Probleme mit dem Foto: face_rotation, low_light")])
def test_the_report_shows_the_photos_problems_and_what_counts_count(tmp_path: Path, lang: str | None,
                                                                   problems: str) -> None:
    pdf = report_file(RESULTS, tmp_path / "report.pdf", lang=lang)
    text = _text(Path(pdf))
    assert problems in text
    assert "2 papules" in text
    assert "1 papule " in text + " "
