"""Label maps a viewer shows (palette PNG), 256+ labels, .npz names that keep every mask, and memory
that does not grow with the mask count (issues 22 and 24)."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely
from helpers import FIXTURES, ROOT, exact_coverage
from PIL import Image

import maskrender as mr
from maskrender.cli import main
from maskrender.export import LABELS_KEY, export_file
from maskrender.geometry import fit, frame_of


def _squares(n: int, view: int = 600, side: float = 6.0) -> list[dict[str, Any]]:
    """``n`` bare masks, each one small square, on a grid of a ``view`` x ``view`` view_box."""
    per_row = int(view // (side * 1.5))
    masks = []
    for i in range(n):
        x, y = (i % per_row) * side * 1.5 + 1, (i // per_row) * side * 1.5 + 1
        ring = [[x, y], [x + side, y], [x + side, y + side], [x, y + side], [x, y]]
        masks.append({"mask_type": "polygon_mask", "view_box": f"0 0 {view} {view}", "tech_name": f"m{i}",
                      "features": [{"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]}}]})
    return masks


def _voc(k: int) -> tuple[int, int, int]:
    """PASCAL VOC's colour of label ``k`` (its devkit's bitget formula, written out again here)."""
    r = g = b = 0
    for j in range(8):
        r |= ((k >> (3 * j)) & 1) << (7 - j)
        g |= ((k >> (3 * j + 1)) & 1) << (7 - j)
        b |= ((k >> (3 * j + 2)) & 1) << (7 - j)
    return (r, g, b)


def test_the_label_map_is_a_palette_png_whose_indices_are_the_labels(tmp_path: Path) -> None:
    out = tmp_path / "labels.png"
    export_file(FIXTURES / "acne.json", out, size=(302, 302))
    with Image.open(out) as im:
        assert im.mode == "P"
        palette = im.getpalette()
        assert palette is not None
        table = json.loads(im.text[LABELS_KEY])
        indices = np.asarray(im)
        shown = np.asarray(im.convert("RGB"))
    assert table == {"0": "background", "1": "acne_mask_restored", "2": "papules_mask_restored"}
    assert [tuple(palette[3 * k:3 * k + 3]) for k in range(4)] == [_voc(k) for k in range(4)]
    assert [_voc(1), _voc(2)] == [(128, 0, 0), (0, 128, 0)]
    assert set(np.unique(indices)) == {0, 1, 2}
    for k in (1, 2):  # a viewer shows each label in its colour, well away from black
        assert (shown[indices == k] == _voc(k)).all()
    _acne, papules = mr.load(FIXTURES / "acne.json").masks()
    t = fit(frame_of(papules, (302, 302)), (302, 302), check_aspect=False)
    exact = exact_coverage(shapely.union_all(t.apply_all([f.geometry for f in papules.features])), (302, 302))
    assert (indices[exact >= 0.55] == 2).all()


def test_300_masks_make_a_16_bit_label_map(tmp_path: Path) -> None:
    source = tmp_path / "many.json"
    source.write_text(json.dumps(_squares(300)))
    out = tmp_path / "labels.png"
    assert main(["export", str(source), "-o", str(out), "-q"]) == 0
    with Image.open(out) as im:
        assert im.mode == "I;16"
        labels = np.asarray(im)
        table = json.loads(im.text[LABELS_KEY])
    assert len(table) == 301
    assert table["300"] == "m299"
    # square k (label k + 1) sits at its grid place: its centre pixel holds its label
    per_row = int(600 // 9.0)
    for k in (0, 254, 255, 299):
        cx, cy = int((k % per_row) * 9 + 4), int((k // per_row) * 9 + 4)
        assert labels[cy, cx] == k + 1


@pytest.mark.parametrize("hostile", ["allow_pickle", "file", "../../x", "/abs/x", "a\x00b", "names", "x.npy", "..",
                                     "C:\\x"])
def test_npz_keeps_every_mask_under_a_safe_member_name(hostile: str, tmp_path: Path) -> None:
    masks = _squares(3)
    masks[1]["tech_name"] = hostile
    masks[2]["tech_name"] = "x"
    source = tmp_path / "r.json"
    source.write_text(json.dumps(masks))
    out = tmp_path / "cov.npz"
    assert main(["export", str(source), "-o", str(out), "-q"]) == 0
    with zipfile.ZipFile(out) as zf:
        members = zf.namelist()
    for member in members:  # nothing that unzips outside the folder or hides
        assert "/" not in member
        assert "\\" not in member
        assert "\x00" not in member
        assert not member.startswith(".")
    with np.load(out, allow_pickle=False) as npz:
        table = json.loads(str(npz["names"][()]))
        arrays = {table[k]: npz[k] for k in npz.files if k != "names"}
    assert sorted(arrays) == sorted(["m0", hostile, "x"])
    for i, name in enumerate(["m0", hostile, "x"]):
        assert arrays[name].sum() == pytest.approx(36.0, abs=0.01)  # its own 6 x 6 square, nobody else's
        xs = np.nonzero(arrays[name] > 0.5)[1]
        assert xs.min() == 1 + 9 * i


_PEAK = """
import json, sys
import maskrender.export as ex
from maskrender.cli import main
def kb(key):  # VmHWM: this process's own peak (ru_maxrss would count the parent's pages a fork copied)
    return int(next(line for line in open("/proc/self/status") if line.startswith(key)).split()[1])
base = kb("VmRSS")
assert main(["export", sys.argv[1], "-o", sys.argv[2], "-q"]) == 0
print(json.dumps({"base": base, "peak": kb("VmHWM")}))
"""


@pytest.mark.slow
@pytest.mark.parametrize("ending", ["labels.png", "cov.npz", "masks.coco.json"])
def test_400_tiny_masks_do_not_hold_400_canvases(ending: str, tmp_path: Path) -> None:
    source = tmp_path / "many.json"
    source.write_text(json.dumps(_squares(400, view=1000)))  # 134 KB of JSON; a canvas is 4 MB of float32
    done = subprocess.run([sys.executable, "-c", _PEAK, str(source), str(tmp_path / ending)], cwd=ROOT,
                          capture_output=True, text=True, check=True)
    rss = json.loads(done.stdout)
    grown_mb = (rss["peak"] - rss["base"]) / 1024
    # one 1000 x 1000 canvas is 4 MB; 400 of them 1.6 GB. The .npz output itself is small (zeros compress)
    print(f"{ending}: peak RSS grew {grown_mb:.0f} MB over {rss['base'] / 1024:.0f} MB")
    assert grown_mb < 120, grown_mb


def test_the_gallery_label_map_is_what_the_command_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    out = tmp_path / "labels.png"
    # the command gallery/make_exports.py runs (and docs/export.md shows), with the output elsewhere
    assert main(["export", "fixtures/acne.json", "-o", str(out), "--max-size", "400", "-q"]) == 0
    with Image.open(out) as made, Image.open(ROOT / "gallery" / "export_labels.png") as shown:
        assert (shown.mode, shown.size, shown.getpalette(), shown.text) == (
            made.mode, made.size, made.getpalette(), made.text)
        assert np.array_equal(np.asarray(shown), np.asarray(made))
