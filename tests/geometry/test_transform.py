"""``maskrender.fit``: the view_box -> image transform, aspect checks, and applying it."""

from __future__ import annotations

import warnings

import pytest
import shapely

import maskrender as mr
from maskrender.geometry import ASPECT_TOLERANCE, frame_of
from maskrender.model import ViewBox


@pytest.mark.parametrize(("view_box", "size", "expected"), [
    ("0 0 2416 2416", (2416, 2416), mr.Transform(1.0, 1.0, 0.0, 0.0)),
    ("0 0 2416 2416", (512, 512), mr.Transform(512 / 2416, 512 / 2416, 0.0, 0.0)),
    ("0 0 512 600", (1024, 1200), mr.Transform(2.0, 2.0, 0.0, 0.0)),
    ("100 50 200 100", (400, 200), mr.Transform(2.0, 2.0, -200.0, -100.0)),
    ("-10 -20 100 100", (50, 50), mr.Transform(0.5, 0.5, 5.0, 10.0)),
    # 1% apart exactly: still fine, and the scale is per axis
    ("0 0 100 100", (101, 100), mr.Transform(1.01, 1.0, 0.0, 0.0)),
])
def test_fit_when_aspects_agree(view_box: str, size: tuple[int, int], expected: mr.Transform) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        t = mr.fit(ViewBox.parse(view_box), size)
    assert (t.sx, t.sy, t.tx, t.ty) == pytest.approx((expected.sx, expected.sy, expected.tx, expected.ty))
    assert t.uniform == (expected.sx == expected.sy)


@pytest.mark.parametrize(("view_box", "size", "aspects"), [
    ("0 0 100 100", (102, 100), "image 102x100 (aspect 1.020) does not match view_box 0 0 100 100 (aspect 1.000)"),
    ("0 0 2416 2416", (512, 600), "image 512x600 (aspect 0.853) does not match view_box 0 0 2416 2416 (aspect 1.000)"),
    ("0 0 512 600", (2416, 2416), "image 2416x2416 (aspect 1.000) does not match view_box 0 0 512 600 (aspect 0.853)"),
])
def test_fit_warns_beyond_one_percent_and_strict_refuses(view_box: str, size: tuple[int, int], aspects: str) -> None:
    vb = ViewBox.parse(view_box)
    message = f"acne_mask_restored: {aspects}: is this the mask set of another image?"
    with pytest.warns(mr.AspectWarning) as caught:
        t = mr.fit(vb, size, what="acne_mask_restored")
    assert [str(w.message) for w in caught] == [message]
    assert caught[0].filename == __file__  # attributed to the caller, not to maskrender
    assert (t.sx, t.sy) == (size[0] / vb.width, size[1] / vb.height)
    assert not t.uniform
    with pytest.raises(mr.ImageError) as info:
        mr.fit(vb, size, strict=True, what="acne_mask_restored")
    assert str(info.value) == message
    assert isinstance(info.value, mr.InputError)


def test_aspect_tolerance_is_one_percent() -> None:
    assert ASPECT_TOLERANCE == 0.01


@pytest.mark.parametrize("size", [(0, 100), (100, 0), (-5, 10)])
def test_fit_refuses_empty_images(size: tuple[int, int]) -> None:
    with pytest.raises(mr.InputError, match=r"^image size must be positive, not "):
        mr.fit(ViewBox(0, 0, 10, 10), size)


def test_transform_applies_to_arrays_and_geometries() -> None:
    t = mr.fit(ViewBox(100, 50, 200, 100), (400, 200))
    assert t.apply_xy([[100, 50], [300, 150], [200, 100]]).tolist() == [[0, 0], [400, 200], [200, 100]]
    poly = shapely.from_wkt("MULTIPOLYGON (((100 50, 110 50, 110 60, 100 50)))")
    assert t.apply(poly).wkt == "MULTIPOLYGON (((0 0, 20 0, 20 20, 0 0)))"
    assert t.scale == 2.0


def test_transforms_compose() -> None:
    a = mr.Transform(2.0, 3.0, 1.0, -1.0)
    b = mr.Transform(0.5, 0.5, 10.0, 20.0)
    ab = a.then(b)
    pts = [[0.0, 0.0], [4.0, -2.0]]
    assert ab.apply_xy(pts).tolist() == b.apply_xy(a.apply_xy(pts)).tolist()


def test_fit_on_a_loaded_non_zero_origin_mask_lands_on_the_image() -> None:
    """quirks.json's melasma mask is shifted by (100, 50) together with its view_box."""
    with pytest.warns(mr.MaskRenderWarning):
        (r,) = mr.load("fixtures/quirks.json")
    melasma = next(m for m in r.masks_restored if m.tech_name == "melasma_mask_restored")
    plain = mr.load("fixtures/redness.json")  # the same face, origin 0 0
    assert melasma.view_box == ViewBox(100, 50, 2416, 2416)
    t = mr.fit(melasma.view_box, (2416, 2416))
    assert (t.tx, t.ty) == (-100.0, -50.0)
    x0, y0, x1, y1 = t.apply(melasma.geometry).bounds
    assert 0 <= x0 < x1 <= 2416
    assert 0 <= y0 < y1 <= 2416
    assert plain[0].masks()[0].view_box == ViewBox(0, 0, 2416, 2416)


@pytest.mark.parametrize(("view_box", "image", "frame"), [
    ("0 0 512 600", None, ViewBox(0, 0, 512, 600)),
    ("0 0 512 600", (100, 100), ViewBox(0, 0, 512, 600)),  # the view_box wins
    (None, (640, 480), ViewBox(0, 0, 640, 480)),  # no view_box: image pixels
    (None, None, ViewBox(0, 0, 30, 21)),  # neither: the geometry's extent, rounded up
])
def test_frame_of(view_box: str | None, image: tuple[int, int] | None, frame: ViewBox) -> None:
    data = {"mask_type": "point_mask", "features": [
        {"geometry": {"type": "MultiPoint", "coordinates": [[1, 2], [29.5, 20.2]]}}]}
    if view_box:
        data["view_box"] = view_box
    (m,) = mr.load(data).masks()
    assert frame_of(m, image) == frame
