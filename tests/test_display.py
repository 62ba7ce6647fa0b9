"""Notebook display and one-line reprs of results and masks."""

from __future__ import annotations

import base64
import io
import re

import numpy as np
import pytest
from helpers import FIXTURES
from PIL import Image

import maskrender as mr
from maskrender.display import NOTEBOOK_BACKGROUND, NOTEBOOK_OPACITY, NOTEBOOK_SIZE


def test_reprs_are_one_short_line() -> None:
    results = mr.load(FIXTURES / "results_list.json")
    big = mr.load([mr.load(FIXTURES / "pores.json")[0].masks()[0].to_geojson()] * 40)  # 55,600 points
    for obj in (results, *results, *results.all_masks(), big, *big.all_masks()):
        text = repr(obj)
        assert "\n" not in text
        assert len(text) < 200, text
    assert repr(results[0]) == "<Result pores [pores.pores]: 6 area(s), 2 mask(s)>"
    assert repr(results[4]) == "<Result wrinkles_depth [lines.wrinkles_depth]: failed>"
    assert repr(results[6]).endswith(": legacy value 42>")
    assert repr(results[0].masks()[0]) == ("<Mask pores_mask_restored: point_mask, 1 feature(s), restored front, "
                                           "view_box 0 0 2416 2416>")


def test_the_notebook_picture_is_the_masks_the_right_way_up_with_a_legend() -> None:
    acne = mr.load(FIXTURES / "acne.json")
    png = acne._repr_png_()
    assert png is not None
    with Image.open(io.BytesIO(png)) as im:
        picture = im.convert("RGB")
    assert picture.size == (NOTEBOOK_SIZE, NOTEBOOK_SIZE)
    assert picture.getpixel((2, NOTEBOOK_SIZE - 3)) == NOTEBOOK_BACKGROUND
    arr = np.asarray(picture)
    drawn = NOTEBOOK_OPACITY * np.array((0xFF, 0x9F, 0x1C)) + (1 - NOTEBOOK_OPACITY) * np.array(NOTEBOOK_BACKGROUND)
    orange = np.argwhere(np.abs(arr.astype(int) - drawn).sum(axis=2) < 12)
    top = [p for p in orange if p[1] < NOTEBOOK_SIZE * 0.6]  # away from the legend (top right)
    # y down, as in the photo: the acne fixture's forehead lesions (view_box y < 800) are in the upper third
    mask = acne.masks()[0]
    expected_top = min(f.geometry.bounds[1] for f in mask.features) / 2416 * NOTEBOOK_SIZE
    assert min(p[0] for p in top) == pytest.approx(expected_top, abs=3)
    legend = arr[10:60, NOTEBOOK_SIZE - 150:NOTEBOOK_SIZE - 10]
    assert (legend > 240).all(axis=2).mean() > 0.4  # the white legend panel


def test_html_shows_the_picture_and_one_row_per_result() -> None:
    results = mr.load(FIXTURES / "results_list.json")
    html = results._repr_html_()
    assert html.count("<tr>") == 1 + len(results)
    assert "Acne: 72 (Good)" in html
    assert "legacy value 42" in html
    (encoded,) = re.findall(r'src="data:image/png;base64,([^"]+)"', html)
    with Image.open(io.BytesIO(base64.b64decode(encoded))) as im:
        assert im.size == (NOTEBOOK_SIZE, NOTEBOOK_SIZE)
    mask_html = results[3].masks()[0]._repr_html_()
    assert "&lt;Mask acne_mask_restored" in mask_html
    assert "<script" not in html


def test_results_without_masks_show_a_table_and_no_picture() -> None:
    (r,) = mr.load(FIXTURES / "vendor" / "hautai_pores_snippets_bare.json")
    assert r._repr_png_() is None
    html = r._repr_html_()
    assert "<img" not in html
    assert "Pores Score: 64 (Average)" in html
