"""``--lang de`` translates the vendor's area and metric names too (issue 24): they stayed English
(``Forehead``, ``Pores count``) while the report's own words were German.  Oracle: poppler's
``pdftotext`` of the PDF."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from helpers import FIXTURES
from helpers.report import tool

from maskrender.report import report_file


def _text(pdf: Path) -> str:
    out = subprocess.run([tool("pdftotext"), str(pdf), "-"], capture_output=True, text=True, check=True, timeout=120)
    return " ".join(out.stdout.split())


@pytest.mark.slow
def test_german_reports_name_areas_and_metrics_in_german(tmp_path: Path) -> None:
    de = _text(report_file(FIXTURES / "results_list.json", tmp_path / "de.pdf", FIXTURES / "restored.jpg", lang="de"))
    for word in ("Stirn", "Nase", "Linke Wange", "Porenanzahl", "Fläche vergrößerter Poren", "Faltenanzahl",
                 "Rötungsgrad", "Hautton"):
        assert word in de, word
    for word in ("Forehead", "Pores count", "Left cheek", "Wrinkles count", "Redness severity"):
        assert word not in de, word
    en = _text(report_file(FIXTURES / "results_list.json", tmp_path / "en.pdf", FIXTURES / "restored.jpg"))
    for word in ("Forehead", "Pores count", "Left cheek", "Wrinkles count"):
        assert word in en, word


def test_a_users_catalogue_may_name_areas_and_metrics(tmp_path: Path) -> None:
    words = tmp_path / "words.json"
    words.write_text(json.dumps({"language": "fr", "area.forehead": "Front", "metric.pores_count": "Nombre de pores"}),
                     encoding="utf-8")
    fr = _text(report_file(FIXTURES / "pores.json", tmp_path / "fr.pdf", FIXTURES / "restored.jpg", lang=str(words)))
    assert "Front" in fr
    assert "Nombre de pores" in fr
    assert "Nose" in fr  # what the catalogue does not name stays as the data spells it
