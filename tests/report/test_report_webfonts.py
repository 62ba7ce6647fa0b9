"""The HTML report's fonts (issue 24): the bundled faces ship a subset of Latin, Greek and
Cyrillic, so a fresh process never subsets them (1.0-1.4 s of a cold CLI HTML report went to
fontTools' subsetter); the shipped subsets draw what the bundled fonts draw.

Oracles: FreeType (through Pillow, which reads WOFF) draws each shipped subset and its source
font; a fresh interpreter's ``sys.modules`` says whether the subsetter ran.
"""

from __future__ import annotations

import base64
import io
import re
import subprocess
import sys
import unicodedata

import numpy as np
import pytest
from helpers import FIXTURES
from PIL import Image, ImageDraw, ImageFont

from maskrender.report.fonts import bundled_face
from maskrender.report.webfonts import BASE_CHARS, shipped_woff


@pytest.mark.parametrize("bold", [False, True])
def test_the_shipped_subset_draws_every_base_character_as_the_font_does(bold: bool) -> None:
    face = bundled_face(bold)
    woff = shipped_woff(face, "A")
    assert woff is not None
    assert woff[:4] == b"wOFF"
    shipped = ImageFont.truetype(io.BytesIO(woff), 160)
    source = ImageFont.truetype(face.path, 160)
    # the subset drops the hinting programs, so each glyph is compared large (where grid fitting moves
    # an edge by a pixel in 160): the same outline, the same advance
    for char in sorted(c for c in BASE_CHARS if c.isprintable() and not c.isspace()
                       and not unicodedata.category(c).startswith("M")):  # a lone mark gets a dotted circle
        pictures = []
        for font in (shipped, source):
            im = Image.new("L", (240, 240), 0)
            ImageDraw.Draw(im).text((40, 20), char, font=font, fill=255)
            pictures.append(np.asarray(im, dtype=np.float64) / 255)
        a, b = pictures
        if b.sum() == 0:  # a character the font has no glyph for: the subset has none either
            assert a.sum() == 0, char
            continue
        assert a.sum() == pytest.approx(b.sum(), rel=0.15), char  # the same ink (thin bars snap to rows) ...
        ys, xs = np.mgrid[0:240, 0:240]
        for axis in (xs, ys):  # ... in the same place (hinting moves an edge, or a dot, by up to 4 px in 160)
            assert (axis * a).sum() / a.sum() == pytest.approx((axis * b).sum() / b.sum(), abs=4), char
        assert shipped.getlength(char) == pytest.approx(source.getlength(char), abs=1.0), char


def test_a_fresh_html_report_embeds_the_shipped_subsets_without_subsetting(tmp_path: object) -> None:
    code = ("import sys; from maskrender.report import build_report; "
            f"html = build_report({str(FIXTURES / 'results_list.json')!r}, {str(FIXTURES / 'restored.jpg')!r}).html(); "
            "print('fontTools.subset' in sys.modules); print(html)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    subsetted, html = done.stdout.split("\n", 1)
    assert subsetted == "False"
    uris = re.findall(r"data:font/woff;base64,([A-Za-z0-9+/=]+)", html)
    shipped = {base64.b64encode(shipped_woff(bundled_face(b), "A") or b"").decode("ascii") for b in (False, True)}
    assert shipped <= set(uris)


def test_text_beyond_the_base_set_is_still_subset() -> None:
    from maskrender.report.webfonts import font_face_css

    css = font_face_css({bundled_face(): set("Pores \u0530\u0531")})  # Armenian: not in the shipped subset
    uri = re.search(r"base64,([A-Za-z0-9+/=]+)", css)
    assert uri is not None
    assert base64.b64decode(uri.group(1)) != shipped_woff(bundled_face(), "A")
