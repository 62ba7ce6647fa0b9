"""The HTML report in a real browser: headless Chromium screenshots it and dumps its DOM.

Checks that the page is not blank, that the photo and every panel are where the layout puts
them (pixel probes at the layout's boxes), that the grade words are in the DOM, and that the
console stays silent (no error, no blocked load).  A control page proves the console check
sees errors.  Chromium must be there under CI; elsewhere a missing browser skips.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from helpers import FIXTURES
from helpers.report import tool

from maskrender.report import build_report
from maskrender.report.html import html_page
from maskrender.report.layout import CARD

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
         "--enable-logging=stderr", "--v=0"]


def chromium(page: Path, tmp: Path, *extra: str) -> tuple[str, list[str]]:
    """Run headless Chromium on ``page``; return its stdout and its console lines."""
    profile = tmp / f"profile-{len(list(tmp.glob('profile-*')))}"
    profile.mkdir()
    done = subprocess.run([tool("chromium"), *FLAGS, f"--user-data-dir={profile}", *extra, page.as_uri()],
                          capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    console = [ln for ln in done.stderr.splitlines() if ":CONSOLE" in ln or "Uncaught" in ln]
    return done.stdout, console


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("browser")
    report = build_report(FIXTURES / "results_list.json", FIXTURES / "restored.jpg", title="Visit 3",
                          subject="ID 0042")
    page = tmp / "report.html"
    page.write_text(report.html(), encoding="utf-8")
    w, h = report.layout.width, report.layout.height
    shot = tmp / "shot.png"
    _, console_shot = chromium(page, tmp, f"--screenshot={shot}", f"--window-size={w},{h}")
    dom, console_dom = chromium(page, tmp, "--dump-dom")
    return {"report": report, "shot": Image.open(shot).convert("RGB"), "dom": dom,
            "console": console_shot + console_dom, "tmp": tmp}


def test_screenshot_is_the_report(browser: dict[str, Any]) -> None:
    report, shot = browser["report"], browser["shot"]
    assert shot.size == (report.layout.width, report.layout.height)
    px = np.asarray(shot).astype(np.int16)
    assert px.std() > 40  # not blank
    mine = np.asarray(report.image()).astype(np.int16)
    assert np.abs(px - mine).mean() < 6  # the browser draws what the PNG shows


def test_photo_and_panels_are_where_the_layout_says(browser: dict[str, Any]) -> None:
    report = browser["report"]
    px = np.asarray(browser["shot"]).astype(np.int16)
    mine = np.asarray(report.image()).astype(np.int16)
    photo = report.layout.boxes["photo:front"]
    inner = (slice(round(photo.y) + 4, round(photo.bottom) - 4), slice(round(photo.x) + 4, round(photo.right) - 4))
    assert px[inner].std() > 30
    assert np.abs(px[inner].mean(axis=(0, 1)) - mine[inner].mean(axis=(0, 1))).max() < 4
    outside = px[round(photo.y) + 10, round(photo.x) - 6]
    assert (outside >= 250).all()  # the margin left of the photo is paper
    card = np.array([int(CARD[i:i + 2], 16) for i in (1, 3, 5)])
    for key, box in report.layout.panel_boxes().items():
        for x, y in ((box.x + 5, box.y + 5), (box.right - 5, box.bottom - 5)):
            assert np.abs(px[round(y), round(x)] - card).max() <= 3, (key, x, y)
        assert (px[round(box.y) - 6, round(box.x + 5)] >= 250).all(), key  # paper just above each card
    thumbs = [e.box for e in report.layout.elements if type(e).__name__ == "Photo" and e.algorithm == "pores"]
    t = thumbs[0]
    assert px[round(t.y) + 2:round(t.bottom) - 2, round(t.x) + 2:round(t.right) - 2].std() > 30


def test_dom_has_the_words(browser: dict[str, Any]) -> None:
    dom = browser["dom"]
    for word in ("Visit 3", "Subject: ID 0042", "Average", "Poor", "Good", "not available", "face not detected",
                 "Lesion count", "‰", "Figures are cosmetic skin information, not medical advice."):
        assert word in dom, word
    assert "<script" not in dom


def test_console_is_silent(browser: dict[str, Any]) -> None:
    assert browser["console"] == []


def test_console_check_sees_problems(browser: dict[str, Any]) -> None:
    """A page with an external reference: the Content-Security-Policy blocks it, loudly."""
    tmp: Path = browser["tmp"]
    bad = ('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
           '<image href="https://example.invalid/x.png" width="10" height="10"/></svg>')
    page = tmp / "control.html"
    page.write_text(html_page(bad, title="control", width=10), encoding="utf-8")
    _, console = chromium(page, tmp, "--dump-dom")
    assert any("Content Security Policy" in line for line in console), console
