"""Exports: label maps, coverage arrays, GeoJSON, the metrics table and the ``export`` command (COCO, the
label map's palette, GeoJSON read back and memory: ``tests/export/``).

Every check compares with something that shares no code with the exporter: pycocotools decodes
and measures the RLE, shapely gives exact areas (``exact_coverage``), the csv module and json
read the tables back.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely
from helpers import FIXTURES, exact_coverage
from PIL import Image

import maskrender as mr
from maskrender.cli import main
from maskrender.export import LABELS_KEY, coverage_arrays, export_file, geojson, label_map
from maskrender.geometry import fit, frame_of
from maskrender.table import METRIC_COLUMNS

# pycocotools 2.0.x with numpy 2 warns about its own __array__ call; not ours to fix
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")


def exact_pixels(mask: mr.Mask, size: tuple[int, int]) -> np.ndarray:
    """Exact coverage of a polygonal mask on an image of ``size``, from shapely alone."""
    t = fit(frame_of(mask, size), size, check_aspect=False)
    return exact_coverage(shapely.union_all(t.apply_all([f.geometry for f in mask.features])), size)


# --------------------------------------------------------------------------- label map and arrays


def test_label_map_png_carries_its_table_and_the_cli_prints_it(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "labels.png"
    assert main(["export", str(FIXTURES / "acne.json"), "-o", str(out), "--size", "604x604"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed == ["0\tbackground", "1\tacne_mask_restored", "2\tpapules_mask_restored", f"wrote {out}"]
    with Image.open(out) as im:
        assert (im.mode, im.size) == ("P", (604, 604))
        table = json.loads(im.text[LABELS_KEY])
        labels = np.asarray(im)
    assert table == {"0": "background", "1": "acne_mask_restored", "2": "papules_mask_restored"}
    acne, papules = mr.load(FIXTURES / "acne.json").masks()
    exact_papules = exact_pixels(papules, (604, 604))
    exact_acne = exact_pixels(acne, (604, 604))
    assert (labels[exact_papules >= 0.55] == 2).all()  # papules are drawn last: they win
    assert (labels[(exact_acne >= 0.55) & (exact_papules <= 0.45)] == 1).all()
    assert (labels[(exact_acne <= 0.45) & (exact_papules <= 0.45)] == 0).all()


def test_coverage_arrays_npz_and_mask_coverage(tmp_path: Path) -> None:
    out = tmp_path / "coverage.npz"
    export_file(FIXTURES / "acne.json", out, max_size=302)
    with np.load(out) as npz:
        arrays = {k: npz[k] for k in npz.files}
    assert sorted(arrays) == ["acne_mask_restored", "names", "papules_mask_restored"]
    acne = mr.load(FIXTURES / "acne.json").masks()[0]
    cov = arrays["acne_mask_restored"]
    assert (cov.dtype, cov.shape) == (np.float32, (302, 302))
    exact = exact_pixels(acne, (302, 302))
    assert np.abs(cov - exact).max() < 0.11  # 5 sub-scanlines: vertical coverage in steps of 0.2
    assert float(cov.sum()) == pytest.approx(exact.sum(), rel=0.005)
    assert np.array_equal(mr.mask_coverage(acne, (302, 302)), cov)
    assert coverage_arrays(FIXTURES / "acne.json", (302, 302)).keys() == arrays.keys() - {"names"}


def test_names_stay_unique_across_sides() -> None:
    labels, table = label_map(FIXTURES / "sides_result.json", (512, 600), side=None)
    assert table == {0: "background", 1: "acne_mask_restored", 2: "acne_restored_left", 3: "acne_mask_restored_right"}
    assert set(np.unique(labels)) <= {0, 1, 2, 3}


# --------------------------------------------------------------------------- GeoJSON


def test_geojson_view_box_and_pixel_coordinates(tmp_path: Path) -> None:
    out = tmp_path / "m.geojson"
    export_file(FIXTURES / "pih_result.json", out)
    doc = json.loads(out.read_text())
    (mask,) = mr.load(FIXTURES / "pih_result.json").masks()
    (feature,) = doc["features"]
    assert doc["type"] == "FeatureCollection"
    assert shapely.geometry.shape(feature["geometry"]).equals(mask.features[0].geometry)
    assert feature["properties"]["mask"] == "post_inflammatory_hyperpigmentation_mask_restored"
    px = geojson(FIXTURES / "pih_result.json", coordinates="pixels", size=(604, 604))
    scaled = shapely.affinity.scale(mask.features[0].geometry, 0.25, 0.25, origin=(0, 0))
    assert shapely.geometry.shape(px["features"][0]["geometry"]).equals_exact(scaled, 1e-9)
    assert px["size"] == [604, 604]
    with pytest.raises(mr.InputError, match="coordinates must be one of view_box, pixels"):
        geojson(FIXTURES / "pih_result.json", coordinates="lonlat")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- metrics table


def test_metrics_csv_reads_back_with_the_csv_module(tmp_path: Path) -> None:
    out = tmp_path / "metrics.csv"
    assert main(["export", str(FIXTURES / "results_list.json"), "-o", str(out), "-q"]) == 0
    with out.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == list(METRIC_COLUMNS)
    results = mr.load(FIXTURES / "results_list.json")
    assert len(rows) == len(results.metrics())
    face = next(r for r in rows if r["algorithm"] == "acne" and r["area"] == "face" and r["metric"] == "main")
    assert (face["value"], face["grade"]) == ("72.0", "Good")
    assert face["algorithm_version_id"] == str(results[3].algorithm_version_id)
    failed = [r for r in rows if r["ok"] == "False"]
    assert [(r["algorithm"], r["error"]) for r in failed] == [("wrinkles_depth", "face not detected")]
    legacy = [r for r in rows if r["metric"] == "legacy"]
    assert [(r["algorithm"], r["value"]) for r in legacy] == [("age", "42.0")]
    categories = [(r["algorithm"], r["value"], r["value_text"]) for r in rows if r["widget_type"] == "category"]
    assert categories == [("redness", "", "moderate"), ("acne", "", "mild"), ("skin_tone", "", "light"),
                          ("skin_tone", "", "II")]


def test_metrics_jsonl_and_the_vendor_sub_metrics(tmp_path: Path) -> None:
    out = tmp_path / "metrics.jsonl"
    export_file(FIXTURES / "vendor" / "hautai_pores_snippets_bare.json", out)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(r["metric"], r["name"], r["value"], r["widget_type"]) for r in rows] == [
        ("main", "Pores Score", 64.0, "bad_good_line"), ("sub", "Pores Number", 455.0, "numeric"),
        ("sub", "Pores Density", 1.0, "density")]


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(("args", "message"), [
    (["-o", "x.geo"], "unknown output extension .geo; expected .geojson, .coco.json, .png, .npz, .csv or .jsonl"),
    (["-o", "x.svg"], "an export cannot be written as .svg"),
    (["-o", "x.png", "--only", "nothing"], "no restored front mask matches nothing"),
    (["-o", "x.png", "--size", "0x5"], "positive width and height"),
])
def test_export_errors_are_one_line_and_status_2(args: list[str], message: str, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["export", str(FIXTURES / "acne.json"), *args]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert len(err.splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_export_python_api_takes_loaded_results() -> None:
    results: Any = mr.load(FIXTURES / "acne.json")
    labels, table = label_map(results, (151, 151))
    assert labels.shape == (151, 151)
    assert len(table) == 3


def test_export_never_overwrites_its_input(tmp_path: Path) -> None:
    source = tmp_path / "r.csv"
    source.write_bytes((FIXTURES / "acne.json").read_bytes())
    link = tmp_path / "link.csv"
    link.symlink_to(source)
    from maskrender.export import export_file

    with pytest.raises(mr.OutputError, match="refusing to overwrite an input"):
        export_file(link, source)
    assert source.read_bytes() == (FIXTURES / "acne.json").read_bytes()


def test_export_reads_a_file_named_like_json_as_a_path(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "[visit 1].json").write_bytes((FIXTURES / "acne.json").read_bytes())
    assert main(["export", "[visit 1].json", "-o", "labels.png"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "wrote labels.png"


def test_export_names_print_escaped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = json.loads((FIXTURES / "pih_result.json").read_text())
    doc["result"]["masks_restored"][0]["tech_name"] = "evil\x1b]0;pwned\x07\x1b[2J"
    source = tmp_path / "r.json"
    source.write_text(json.dumps(doc))
    assert main(["export", str(source), "-o", str(tmp_path / "l.png")]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out
    assert "\x07" not in out
    assert "1\tevil\ufffd]0;pwned\ufffd\ufffd[2J" in out.splitlines()


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
def test_export_to_a_full_standard_output_is_one_line_and_non_zero(tmp_path: Path) -> None:
    import subprocess
    import sys

    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "maskrender", "export", str(FIXTURES / "acne.json"), "-o",
                               str(tmp_path / "labels.png"), "--size", "64x64"], stdout=full, stderr=subprocess.PIPE,
                              text=True, check=False)
    assert done.returncode != 0
    assert done.stderr.splitlines() == ["maskrender: error: cannot write to standard output: No space left on device"]


def test_the_metrics_table_reads_into_pandas_with_what_matters_first() -> None:
    pd = pytest.importorskip("pandas")  # in the test extra
    df = pd.DataFrame(mr.load(FIXTURES / "results_list.json").metrics())
    assert list(df.columns[:5]) == ["area", "name", "value", "units", "grade"]
    assert list(df.columns) == list(METRIC_COLUMNS)
    face = df[(df.algorithm == "acne") & (df.area == "face") & (df.metric == "main")]
    assert (face.value.item(), face.grade.item()) == (72.0, "Good")


def test_export_image_sizes_the_output_and_a_bad_photo_is_one_line(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    photo = tmp_path / "p.png"
    Image.new("RGB", (320, 240)).save(photo)
    out = tmp_path / "labels.png"
    assert main(["export", str(FIXTURES / "acne.json"), "--image", str(photo), "-o", str(out), "-q"]) == 0
    with Image.open(out) as im:
        assert im.size == (320, 240)
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8 not a jpeg")
    acne = str(FIXTURES / "acne.json")
    assert main(["export", acne, "--image", str(broken), "-o", str(tmp_path / "x.coco.json")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"maskrender: error: {broken}: cannot read the photo")
    assert len(err.splitlines()) == 1
    assert not (tmp_path / "x.coco.json").exists()
    assert main(["export", acne, str(FIXTURES / "lines.json"), "-o", str(tmp_path / "m.csv")]) == 2
    assert "only a .coco.json export takes several results" in capsys.readouterr().err


def test_one_photo_for_several_results_is_refused(tmp_path: Path) -> None:
    with pytest.raises(mr.InputError, match="one photo for several results"):
        export_file([FIXTURES / "acne.json", FIXTURES / "lines.json"], tmp_path / "x.coco.json",
                    image=FIXTURES / "restored.jpg")
    assert list(tmp_path.iterdir()) == []
