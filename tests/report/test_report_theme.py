"""The theme: a gauge readable with colour blindness, grade text readable on white, grade bounds from the model.

Colour-vision deficiency is simulated with the Machado, Oliveira & Fernandes (2009) matrices at full
severity (protanopia, deuteranopia, tritanopia) on linear RGB; colours are compared in CIELAB (ΔE76).
The old red-to-green scale is the control: the same check fails it.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from maskrender.model import GRADES, grade
from maskrender.report.theme import THEME

MACHADO = {
    "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
    "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                     [-0.011820, 0.042940, 0.968881]],
    "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]],
}
RED_TO_GREEN = ["#d73027", "#f46d43", "#fdae61", "#a6d96a", "#66bd63", "#1a9850"]  # the scale reports used before


def _linear(hex_color: str) -> np.ndarray:
    c = np.array([int(hex_color[i:i + 2], 16) / 255 for i in (1, 3, 5)])
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _lab(lin: np.ndarray) -> np.ndarray:
    m = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
    xyz = m @ np.clip(lin, 0, 1) / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 216 / 24389, np.cbrt(xyz), (24389 / 27 * xyz + 16) / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def _min_delta(colors: list[str], matrix: list[list[float]] | None) -> float:
    labs = [_lab(np.asarray(matrix) @ _linear(c) if matrix else _linear(c)) for c in colors]
    return min(float(np.linalg.norm(a - b)) for a, b in itertools.combinations(labs, 2))


def _scale() -> list[str]:
    return [THEME.grade_color(g) for g, _, _ in THEME.grade_spans()]


@pytest.mark.parametrize("vision", [None, *MACHADO])
def test_gauge_grades_stay_apart_for_colour_blind_readers(vision: str | None) -> None:
    matrix = MACHADO[vision] if vision else None
    assert _min_delta(_scale(), matrix) >= 15.0, vision


def test_the_check_rejects_the_old_red_to_green_scale() -> None:
    assert min(_min_delta(RED_TO_GREEN, m) for m in MACHADO.values()) < 15.0


def _contrast(a: str, b: str) -> float:
    la, lb = (float(np.array([0.2126, 0.7152, 0.0722]) @ _linear(c)) for c in (a, b))
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def test_grade_text_colours_are_legible_on_white_and_on_cards() -> None:
    for name, color in THEME.grade_text.items():
        assert _contrast(color, THEME.paper) >= 4.5, name
        assert _contrast(color, THEME.card) >= 4.5, name
    for tone in ("better", "worse", "muted"):
        assert _contrast(THEME.color(tone), THEME.card) >= 4.5, tone


def test_gauge_segments_follow_the_models_grades() -> None:
    spans = THEME.grade_spans()
    assert [g for g, _, _ in spans] == ["Bad", *[name for _, name in reversed(GRADES)]]
    for name, lo, hi in spans:
        assert grade((lo + hi) / 2) == name
        assert grade(hi) == name  # upper bounds belong to the grade, as documented
    assert spans[0][1] == 0
    assert spans[-1][2] == 100
