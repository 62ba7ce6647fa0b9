"""GeoJSON that maskrender.load() reads back with the same areas, in a frame geopandas reads as pixels."""

from __future__ import annotations

import json
import math
import re
import warnings
from pathlib import Path

import pytest
import shapely
from helpers import FIXTURES

import maskrender as mr
from maskrender.cli import main
from maskrender.export import export_file


@pytest.mark.parametrize("name", ["results_list.json", "acne.json", "redness.json", "sides_result.json"])
def test_view_box_geojson_reads_back_with_identical_areas(name: str, tmp_path: Path) -> None:
    out = tmp_path / "masks.geojson"
    export_file(FIXTURES / name, out, side=None)
    def key(m: mr.Mask) -> tuple[str, str, str]:
        return (m.algorithm, m.tech_name, m.side)

    before = sorted(mr.select_masks(FIXTURES / name, side=None), key=key)
    after = sorted(mr.load(out).masks(side=None), key=key)
    assert [(m.tech_name, m.mask_type, m.side, m.algorithm, m.family, m.view_box, m.fill) for m in after] == [
        (m.tech_name, m.mask_type, m.side, m.algorithm, m.family, m.view_box, m.fill) for m in before]
    for a, b in zip(after, before, strict=True):
        assert a.area == b.area  # the same numbers, so the same area to the last bit
        assert a.geometry.equals_exact(b.geometry, 0)
        assert [f.intensity for f in a.features] == [f.intensity for f in b.features]


def test_pixel_geojson_is_rounded_to_a_thousandth_and_reads_back(tmp_path: Path) -> None:
    out = tmp_path / "px.geojson"
    size = (1024, 1024)
    export_file(FIXTURES / "acne.json", out, coordinates="pixels", size=size)
    doc = json.loads(out.read_text())
    shapes = [shapely.geometry.shape(f["geometry"]) for f in doc["features"]]
    coords = shapely.get_coordinates(shapes).ravel().tolist()
    coords = shapely.get_coordinates(shapes).ravel().tolist()
    assert all(round(c, 3) == c for c in coords)
    geometry_text = json.dumps([f["geometry"] for f in doc["features"]])
    assert not re.search(r"\.\d{4}", geometry_text)  # as written: at most 3 decimals
    scale = 1024 / 2416
    for back, orig in zip(mr.load(out).masks(), mr.load(FIXTURES / "acne.json").masks(), strict=True):
        assert str(back.view_box) == "0 0 1024 1024"
        exact = orig.area * scale * scale
        perimeter = float(shapely.union_all(shapely.get_parts(orig.geometry)).length) * scale
        assert abs(back.area - exact) <= 0.0005 * math.sqrt(2) * perimeter  # each vertex moved <= 0.0005 px


def test_geopandas_reads_the_pixel_frame_without_a_geographic_crs(tmp_path: Path) -> None:
    gpd = pytest.importorskip("geopandas")  # in the test extra
    out = tmp_path / "px.geojson"
    assert main(["export", str(FIXTURES / "acne.json"), "-o", str(out), "--coordinates", "pixels",
                 "--size", "604x604", "-q"]) == 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # EPSG:4326 would warn on .area
        df = gpd.read_file(out)
        area = df.area
    assert df.crs is not None
    assert not df.crs.is_geographic
    assert df.crs.is_projected is False
    assert [a.unit_name for a in df.crs.axis_info] == ["pixel", "pixel"]
    assert [a.direction for a in df.crs.axis_info] == ["east", "south"]
    acne, papules = mr.load(FIXTURES / "acne.json").masks()
    by_mask = area.groupby(df["mask"]).sum()
    # features of one mask may overlap: geopandas sums them, the union counts once
    assert by_mask["papules_mask_restored"] >= papules.area_px((604, 604)) * 0.999
    union = shapely.union_all(df[df["mask"] == "acne_mask_restored"].geometry.values)
    assert union.area == pytest.approx(acne.area_px((604, 604)), rel=1e-4)


@pytest.mark.parametrize(("feature", "key", "value", "where"), [
    (7, "geometry", {"type": "Polygon", "coordinates": [[[0, 0], [1, "a"], [1, 1], [0, 0]]]},
     "features[7].geometry.coordinates[0][1][1]: expected a number"),
    (5, "intensity", "strong", "features[5].properties.intensity: expected a finite number or null"),
    (0, "family", 5, "features[0].properties.family: expected a string"),
])
def test_a_damaged_export_names_its_own_feature(feature: int, key: str, value: object, where: str,
                                                tmp_path: Path) -> None:
    out = tmp_path / "masks.geojson"
    export_file(FIXTURES / "acne.json", out)
    doc = json.loads(out.read_text())
    if key == "geometry":
        doc["features"][feature]["geometry"] = value
    else:
        doc["features"][feature]["properties"][key] = value
    out.write_text(json.dumps(doc))
    with pytest.raises(mr.FormatError) as caught:
        mr.load(out)
    assert str(caught.value).startswith(f"{out}: {where}")
