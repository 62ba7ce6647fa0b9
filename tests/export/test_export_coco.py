"""Instance-level COCO, checked by pycocotools (COCO, annToMask, COCOeval) against exact shapely lesions."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import numpy as np
import pytest
import shapely
from helpers import FIXTURES, exact_coverage
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from pycocotools import mask as coco_mask
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

import maskrender as mr
from maskrender.cli import main
from maskrender.export import coco, coco_many, export_file, rle_decode, rle_encode
from maskrender.geometry import fit, frame_of

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")


def _api(path: Path) -> COCO:
    with contextlib.redirect_stdout(io.StringIO()):  # pycocotools prints its progress
        return COCO(str(path))


def _pixel_union(mask: mr.Mask, size: tuple[int, int]) -> shapely.Geometry:
    t = fit(frame_of(mask, size), size, check_aspect=False)
    return shapely.union_all(shapely.get_parts(t.apply_all([f.geometry for f in mask.features])))


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 30), st.integers(1, 30), st.floats(0, 1), st.integers(0, 2**31 - 1))
def test_rle_matches_pycocotools_bit_for_bit(h: int, w: int, density: float, seed: int) -> None:
    binary = np.random.default_rng(seed).random((h, w)) < density
    ours = rle_encode(binary)
    theirs = coco_mask.encode(np.asfortranarray(binary.astype(np.uint8)))
    assert ours == {"size": [h, w], "counts": theirs["counts"].decode("ascii")}
    assert (coco_mask.decode(ours) == binary).all()
    assert (rle_decode(ours) == binary).all()


@pytest.mark.parametrize("name", ["acne.json", "pih_result.json", "lines.json"])
def test_one_annotation_per_lesion_decodes_to_the_exact_lesion(name: str, tmp_path: Path) -> None:
    size = (302, 302)
    out = tmp_path / "masks.coco.json"
    export_file(FIXTURES / name, out, size=size, only=None)
    api = _api(out)
    cats = {c["id"]: c for c in api.loadCats(api.getCatIds())}
    anns = api.loadAnns(api.getAnnIds())
    for mask in mr.select_masks(FIXTURES / name):
        if mask.mask_type not in ("polygon_mask", "heatmap_mask"):
            continue
        stem = mask.tech_name.removesuffix("_mask_restored")
        mine = [a for a in anns if cats[a["category_id"]]["name"] == stem and a["tech_name"] == mask.tech_name]
        assert cats[mine[0]["category_id"]]["supercategory"] == mask.algorithm
        parts = [exact_coverage(p, size) for p in shapely.get_parts(_pixel_union(mask, size))]
        shown = [p for p in parts if (p >= 0.5).any()]
        assert len(mine) == len(shown)  # one annotation per separate region, none for what no pixel shows
        for ann in mine:
            decoded = api.annToMask(ann).astype(bool)
            assert ann["area"] == decoded.sum() == float(coco_mask.area(ann["segmentation"]))
            part = max(shown, key=lambda p: float(p[decoded].sum()))
            assert decoded[part >= 0.55].all()
            assert not decoded[part <= 0.45].any()
            assert ann["exact_area"] == pytest.approx(part.sum(), rel=0.01, abs=0.5)
            ys, xs = np.nonzero(decoded)
            assert ann["bbox"] == [xs.min(), ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1]


def test_points_are_discs_and_overlapping_discs_are_one_lesion() -> None:
    radius = 3.0
    doc = coco(FIXTURES / "pores.json", (604, 604), style=mr.Style(point_radius=radius))
    (pores,) = mr.select_masks(FIXTURES / "pores.json")
    t = fit(frame_of(pores, (604, 604)), (604, 604), check_aspect=False)
    centres = shapely.points(shapely.get_coordinates(t.apply(pores.geometry)))
    discs = shapely.get_parts(shapely.union_all(shapely.buffer(centres, radius, quad_segs=64)))
    assert doc["categories"] == [{"id": 1, "name": "pores", "supercategory": "pores"}]
    assert abs(len(doc["annotations"]) - len(discs)) <= 2  # discs that all but touch may go either way
    lone = [d for d in discs if d.area < np.pi * radius**2 * 1.01]
    assert len(lone) > 100
    areas = [a["exact_area"] for a in doc["annotations"]]
    assert sorted(areas)[len(areas) // 4] == pytest.approx(np.pi * radius**2, rel=0.01)  # a lone pore: one disc


def test_a_file_evaluated_against_itself_scores_1(tmp_path: Path) -> None:
    out = tmp_path / "all.coco.json"
    export_file([FIXTURES / "acne.json", FIXTURES / "lines.json", FIXTURES / "pih_result.json"], out,
                max_size=302)
    gt = _api(out)
    assert len(gt.imgs) == 3
    # results as a model would give them: segmentation and score (a bbox would make loadRes read boxes)
    dets = [{"image_id": a["image_id"], "category_id": a["category_id"], "segmentation": a["segmentation"],
             "score": 1.0} for a in gt.loadAnns(gt.getAnnIds())]
    with contextlib.redirect_stdout(io.StringIO()):
        dt = gt.loadRes(dets)
        ev = COCOeval(gt, dt, "segm")
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    assert max(len(gt.getAnnIds(imgIds=[i], catIds=[c])) for i in gt.imgs for c in gt.cats) <= 100  # maxDets
    assert ev.stats[0] == pytest.approx(1.0)  # AP at IoU .50:.95
    assert ev.stats[8] == pytest.approx(1.0)  # AR at the most detections


def test_the_photo_names_and_sizes_the_image(tmp_path: Path) -> None:
    photo = tmp_path / "visit 1.jpg"
    Image.new("RGB", (600, 400)).save(photo)
    doc = coco(FIXTURES / "acne.json", image=photo)
    assert doc["images"] == [{"id": 1, "width": 600, "height": 400, "file_name": "visit 1.jpg"}]
    assert {a["segmentation"]["size"][0] for a in doc["annotations"]} == {400}
    turned = tmp_path / "turned.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated 90°: the photo as shown is 400 x 600
    Image.new("RGB", (600, 400)).save(turned, exif=exif)
    assert coco(FIXTURES / "acne.json", image=turned)["images"][0]["width"] == 400


def test_a_folder_of_results_and_photos_is_one_coco_file(tmp_path: Path) -> None:
    folder = tmp_path / "visits"
    folder.mkdir()
    for stem, source in (("anna", "acne.json"), ("ben", "pih_result.json")):
        (folder / f"{stem}.json").write_bytes((FIXTURES / source).read_bytes())
    Image.new("RGB", (302, 302)).save(folder / "anna.jpg")
    out = tmp_path / "visits.coco.json"
    assert main(["export", str(folder), "-o", str(out), "-q"]) == 0
    doc = json.loads(out.read_text())
    assert [(i["file_name"], i["width"]) for i in doc["images"]] == [("anna.jpg", 302), ("ben.json", 2416)]
    assert [c["name"] for c in doc["categories"]] == ["acne", "papules", "post_inflammatory_hyperpigmentation"]
    assert {a["image_id"] for a in doc["annotations"]} == {1, 2}
    listed = coco_many([FIXTURES / "acne.json", (FIXTURES / "pih_result.json", folder / "anna.jpg")])
    assert [i["width"] for i in listed["images"]] == [2416, 302]


def test_a_photo_without_lesions_is_an_image_without_annotations(tmp_path: Path) -> None:
    photo = tmp_path / "clear.jpg"
    Image.new("RGB", (300, 200)).save(photo)
    doc = coco_many([FIXTURES / "acne.json", (FIXTURES / "vendor" / "hautai_pores_snippets_bare.json", photo),
                     (FIXTURES / "lines.json", photo)], only=["acne"])
    assert [(i["file_name"], i["width"], i["height"]) for i in doc["images"]] == [
        ("acne.json", 2416, 2416), ("clear.jpg", 300, 200), ("clear.jpg", 300, 200)]
    assert {a["image_id"] for a in doc["annotations"]} == {1}
    with pytest.raises(mr.SelectionError, match=r"hautai_pores_snippets_bare\.json: no masks to annotate"):
        coco_many([FIXTURES / "vendor" / "hautai_pores_snippets_bare.json"])
    with pytest.raises(mr.SelectionError):  # one result: nothing selected is an error, as in a drawing
        coco(FIXTURES / "lines.json", only=["acne"])
