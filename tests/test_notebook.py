"""Notebook display and one-line reprs of results and masks."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import numpy as np
import pytest
from helpers import FIXTURES, ROOT
from PIL import Image

import maskrender as mr
from maskrender.notebook import NOTEBOOK_BACKGROUND, NOTEBOOK_OPACITY, NOTEBOOK_SIZE


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
    (encoded,) = re.findall(r'src="data:image/png;base64,([^"]+)"', acne._repr_html_())
    with Image.open(io.BytesIO(base64.b64decode(encoded))) as im:
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
    html = r._repr_html_()
    assert "<img" not in html
    assert "Pores Score: 64 (Average)" in html


def test_each_object_offers_its_picture_once() -> None:
    """Jupyter stores every ``_repr_*_`` an object has: one picture, inside the HTML, nothing else."""
    results = mr.load(FIXTURES / "results_list.json")
    for obj in (results, results[3], results[3].masks()[0]):
        offered = [name for name in dir(obj) if name.startswith("_repr_") and name.endswith("_")]
        assert offered == ["_repr_html_"]
        assert obj._repr_html_().count("data:image/png;base64,") == 1


@pytest.mark.slow
def test_a_notebook_run_by_nbclient_stores_one_picture_per_cell(tmp_path: Path) -> None:
    nbformat = pytest.importorskip("nbformat")  # nbclient, nbformat, ipykernel: the test extra
    nbclient = pytest.importorskip("nbclient")
    cells = ["import maskrender as mr", f"mr.load({str(FIXTURES / 'results_list.json')!r})",
             f"mr.load({str(FIXTURES / 'acne.json')!r}).masks()[0]",
             f"import pandas as pd; pd.DataFrame(mr.load({str(FIXTURES / 'results_list.json')!r}).metrics())"
             ".columns[:5].tolist()"]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}
                            ).execute()
    for cell in nb.cells[1:3]:
        (output,) = cell.outputs
        assert sorted(output["data"]) == ["text/html", "text/plain"]
        assert output["data"]["text/html"].count("data:image/png;base64,") == 1
    path = tmp_path / "masks.ipynb"
    nbformat.write(nb, str(path))
    pictures = [m for c in nb.cells for o in c.outputs for m in re.findall(r"base64,([^\"]+)",
                                                                          o.get("data", {}).get("text/html", ""))]
    assert len(pictures) == 2
    assert path.stat().st_size < 1.2 * sum(len(p) for p in pictures) + 20_000  # the pictures, once, and little else
    assert nb.cells[3].outputs[0]["data"]["text/plain"] == "['area', 'name', 'value', 'units', 'grade']"
