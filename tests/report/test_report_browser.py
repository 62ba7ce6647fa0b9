"""The HTML report in a real browser: headless Chromium at phone (390 px) and desktop (1300 px) widths.

Screenshots show the page is drawn (photo, panels); a measuring copy of the page (the report
plus a test-only script, its CSP removed so the script may run: the shipped page has neither),
shown in an iframe of each width,
reports every text's computed size and box, the page's scroll width, and what a click on a
legend label does to the mask layers (CSS only: the page has no script).  The console must
stay silent, and a control page proves the console check sees a blocked load.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from helpers import FIXTURES
from helpers.report import tool
from PIL import Image

from maskrender.report import build_report

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
         "--enable-logging=stderr", "--v=0"]
WIDTHS = (390, 1300)

MEASURE = """<script>
window.addEventListener('load', () => {
  const out = {texts: [], width: innerWidth, scroll: document.documentElement.scrollWidth};
  for (const el of document.querySelectorAll('h1,h2,h3,p,span,th,td,label,figcaption,caption')) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    const r = el.getBoundingClientRect();
    if (!own || r.width === 0) continue;
    out.texts.push({tag: el.tagName, text: el.textContent.trim().slice(0, 40),
                    size: parseFloat(getComputedStyle(el).fontSize), left: r.left, right: r.right,
                    clipped: !!el.closest('.tw')});
  }
  out.panels = [...document.querySelectorAll('.panel')].map(p => p.getBoundingClientRect().left);
  out.photo = document.querySelector('.hero svg.photo').getBoundingClientRect().width;
  const shown = () => [...document.querySelectorAll('.layer-0')].map(g => getComputedStyle(g).display);
  out.before = shown();
  document.querySelector('label[for$="-l0"]').click();
  out.after = shown();
  parent.postMessage(JSON.stringify(out), '*');
});
</script>"""

FRAME = """<!DOCTYPE html><html><body style="margin:0"><iframe src="{src}" style="border:0;width:{w}px;height:2600px">
</iframe><script>
window.addEventListener('message', e => {{
  const pre = document.createElement('pre'); pre.id = 'measured'; pre.textContent = e.data;
  document.body.appendChild(pre);
}});
</script></body></html>"""


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
    html = report.html()
    page = tmp / "report.html"
    page.write_text(html, encoding="utf-8")
    probe = tmp / "measure.html"
    probe.write_text(re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html)
                     .replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    out: dict[str, Any] = {"report": report, "html": html, "tmp": tmp, "console": []}
    for w in WIDTHS:
        shot = tmp / f"shot{w}.png"
        _, console = chromium(page, tmp, f"--screenshot={shot}", f"--window-size={w},2600")
        out["console"] += console
        out[f"shot{w}"] = Image.open(shot).convert("RGB")
        frame = tmp / f"frame{w}.html"  # headless windows are at least 500 px wide: an iframe sets the viewport
        frame.write_text(FRAME.format(src=probe.name, w=w), encoding="utf-8")
        dom, _ = chromium(frame, tmp, "--dump-dom", "--virtual-time-budget=8000", "--window-size=1400,2600",
                          "--allow-file-access-from-files")
        found = re.search(r'<pre id="measured">(.*?)</pre>', dom, re.S)
        assert found, dom[-500:]
        out[f"m{w}"] = json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&").replace("&lt;", "<")
                                  .replace("&gt;", ">"))
    dom, console = chromium(page, tmp, "--dump-dom")
    out["dom"], out["console"] = dom, out["console"] + console
    return out


@pytest.mark.slow
@pytest.mark.parametrize("width", WIDTHS)
def test_text_is_readable_at_phone_and_desktop_width(browser: dict[str, Any], width: int) -> None:
    m = browser[f"m{width}"]
    assert m["width"] == width
    sizes = [t["size"] for t in m["texts"]]
    assert len(sizes) > 100
    assert min(sizes) >= 14.0, min(m["texts"], key=lambda t: t["size"])  # 14 CSS px and up, on a phone too
    body = [t["size"] for t in m["texts"] if t["tag"] in ("TD", "TH", "P")]
    assert np.median(body) >= 15.0
    assert m["scroll"] <= width  # nothing makes the page scroll sideways
    for t in m["texts"]:  # every text is on the screen (wide tables scroll inside their own box)
        if not t["clipped"]:
            assert t["left"] >= -0.5, t
            assert t["right"] <= width + 0.5, t


@pytest.mark.slow
def test_layout_adapts_to_the_width(browser: dict[str, Any]) -> None:
    phone, desk = browser["m390"], browser["m1300"]
    assert len(set(round(x) for x in phone["panels"])) == 1  # one column on a phone
    assert len(set(round(x) for x in desk["panels"])) >= 3  # several on a desktop
    assert phone["photo"] >= 330  # the photo takes the phone's width


@pytest.mark.parametrize("width", WIDTHS)
def test_screenshots_show_the_report(browser: dict[str, Any], width: int) -> None:
    px = np.asarray(browser[f"shot{width}"]).astype(np.int16)
    assert px.shape[1] == width
    assert px.std() > 40  # not blank
    top = px[: px.shape[0] // 3]
    assert (np.abs(top - top.mean(axis=(0, 1))).max(axis=2) > 60).mean() > 0.1  # the photo is in the first third


def test_legend_switches_mask_layers_without_script(browser: dict[str, Any]) -> None:
    m = browser["m1300"]
    assert m["before"]
    assert all(d != "none" for d in m["before"])
    assert all(d == "none" for d in m["after"])  # a click on its label's checkbox hides it everywhere
    assert "<script" not in browser["html"]


def test_pictures_and_tables_have_accessible_names(browser: dict[str, Any]) -> None:
    html = browser["html"]
    photos = re.findall(r'<svg viewBox="[^"]*" role="img" aria-labelledby="([^"]+)" class="photo">', html)
    assert len(photos) >= 5  # the photo and the thumbnails
    for ident in photos:
        title = re.search(rf'<title id="{re.escape(ident)}">([^<]+)</title>', html)
        assert title, ident
        assert len(title.group(1)) > 10, ident
    assert re.search(r'<title id="[^"]+">photo with the masks: Redness, Deep Lines', html, re.I)
    gauges = re.findall(r'class="gauge"[^>]*aria-label="([^"]+)"', html)
    assert "58 of 100, grade Average" in gauges
    assert html.count("<table>") >= 8
    assert 'scope="col"' in html
    assert "scope=row" in html


def test_dom_has_the_words(browser: dict[str, Any]) -> None:
    dom = browser["dom"]
    for word in ("Visit 3", "Subject: ", "ID 0042", "Average", "Poor", "Good", "not available", "face not detected",
                 "Lesion count", "‰", "Figures are cosmetic skin information, not medical advice."):
        assert word in dom, word
    assert "<script" not in dom


def test_fonts_are_embedded_and_nothing_loads(browser: dict[str, Any]) -> None:
    html = browser["html"]
    assert html.count("@font-face") >= 2
    assert "data:font/woff;base64," in html
    assert "default-src 'none'" in html
    assert not re.search(r'(?:href|src)="(?!#|data:)', html)
    assert browser["console"] == []


def test_console_check_sees_problems(browser: dict[str, Any]) -> None:
    """A page with an external reference under the same policy: the CSP blocks it, loudly."""
    tmp: Path = browser["tmp"]
    csp = re.search(r'<meta http-equiv="Content-Security-Policy"[^>]*>', browser["html"])
    assert csp
    page = tmp / "control.html"
    page.write_text(f'<!DOCTYPE html><html><head>{csp.group(0)}</head><body><img src="https://example.invalid/x.png">'
                    "</body></html>", encoding="utf-8")
    _, console = chromium(page, tmp, "--dump-dom")
    assert any("Content Security Policy" in line for line in console), console
