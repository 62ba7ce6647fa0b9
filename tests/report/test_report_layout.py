"""Report layout: pure geometry checks on the display list, from 1 to 20 algorithms.

"""

from __future__ import annotations

from typing import Any

import pytest
from helpers import FIXTURES
from helpers.report import NASTY, many_results

import maskrender as mr
from maskrender.report import build_report
from maskrender.report.elements import Box, Circle, Layout, Line, Photo, Rect, Text
from maskrender.report.layout_parts import share as _share


def _extent(el: object) -> Box:
    if isinstance(el, (Rect, Photo)):
        return el.box
    if isinstance(el, Text):
        return el.extent
    if isinstance(el, Line):
        return Box(min(el.x0, el.x1), min(el.y0, el.y1), abs(el.x1 - el.x0), abs(el.y1 - el.y0))
    assert isinstance(el, Circle)
    return Box(el.cx - el.r, el.cy - el.r, 2 * el.r, 2 * el.r)


def check_layout(layout: Layout) -> None:
    """The geometric promises of a layout: what the tests below and the output tests rely on."""
    sheet = Box(0, 0, layout.width, layout.height)
    panels = layout.panel_boxes()
    # Panels do not intersect each other, the photos, the legend or the summary.
    for box in layout.boxes.values():
        assert sheet.contains(box)
    parts = [(k, b) for k, b in layout.boxes.items() if k.split(":")[0] in ("panel", "photo", "legend", "summary",
                                                                            "footer")]
    for i, (ka, a) in enumerate(parts):
        for kb, b in parts[i + 1:]:
            assert not a.intersects(b), f"{ka} {a} overlaps {kb} {b}"
    # Every text fits the box it was fitted to, and every element stays on the sheet.
    for el in layout.elements:
        assert sheet.contains(_extent(el), tol=1.0), el
        if isinstance(el, Text):
            assert el.width <= el.box.w + 0.01, (el.text, el.width, el.box.w)
            assert el.box.contains(el.extent, tol=0.01), el.text
    # Whatever touches a panel lies inside it (the card itself excepted).
    for key, box in panels.items():
        for el in layout.elements:
            ext = _extent(el)
            if isinstance(el, Rect) and el.box == box:
                continue
            if ext.intersects(box):
                assert box.contains(ext, tol=1.0), f"{el} spills out of panel {key} {box}"
    # Page breaks are ordered and never inside a panel.
    assert list(layout.breaks) == sorted(layout.breaks)
    for y in layout.breaks:
        assert not any(b.y < y < b.bottom for b in panels.values()), y


def _report(n: int, mode: str, width: int) -> Layout:
    data = mr.load(many_results(n, failures=min(2, n - 1)))
    kwargs: dict[str, Any] = {"width": width, "title": "A " + "very " * 30 + "long title " + NASTY,
                              "subject": "Zoë 漢字 " + "x" * 300}
    if mode == "sides":
        kwargs.update(image_left=FIXTURES / "left.jpg", image_right=FIXTURES / "right.jpg")
    if mode == "compare":
        kwargs.update(before=mr.load(many_results(max(1, n - 1), failures=1)), before_image=FIXTURES / "restored.jpg")
    return build_report(data, FIXTURES / "restored.jpg", **kwargs).layout


@pytest.mark.parametrize("mode", ["single", "sides", "compare"])
@pytest.mark.parametrize("n", [1, 2, 7, 20])
def test_layout_never_overlaps(n: int, mode: str) -> None:
    layout = _report(n, mode, 1240)
    check_layout(layout)
    assert len(layout.panel_boxes()) == n


@pytest.mark.parametrize(("n", "width"), [(1, 400), (20, 400), (20, 3000), (3, 640)])
def test_layout_extreme_widths(n: int, width: int) -> None:
    layout = _report(n, "single", width)
    check_layout(layout)
    assert layout.width == width


def test_panels_fill_rows_left_to_right() -> None:
    layout = _report(7, "single", 1240)
    boxes = list(layout.panel_boxes().values())
    assert [round(b.y) for b in boxes[:2]] == [round(boxes[0].y)] * 2
    assert boxes[0].x < boxes[1].x
    assert boxes[2].y > boxes[0].bottom
    assert all(b.w == boxes[0].w for b in boxes)


def test_long_title_wraps_then_ellipsises() -> None:
    layout = _report(1, "single", 1240)
    header = layout.boxes["header"]
    lines = [t for t in layout.texts() if header.contains(t.box) and t.font.size >= 28]
    assert len(lines) == 2
    assert lines[1].text.endswith("…")
    assert "".join(t.text for t in layout.texts()).count("<script>") <= 3  # only as text, fitted


def test_share_columns() -> None:
    assert _share([50, 20, 30], 200) == [50, 20, 30]
    widths = _share([300, 20, 100], 200)
    assert sum(widths) == pytest.approx(200)
    assert widths[1] == 20


def test_checker_catches_overlaps_and_overflow() -> None:
    """check_layout is not vacuous: a moved panel, a spilling text and an overlong text all fail it."""
    import dataclasses

    layout = _report(3, "single", 1240)
    check_layout(layout)
    boxes = dict(layout.boxes)
    first, second = list(layout.panel_boxes())[:2]
    boxes[f"panel:{second}"] = dataclasses.replace(boxes[f"panel:{second}"], x=boxes[f"panel:{first}"].x + 10)
    with pytest.raises(AssertionError, match="overlaps"):
        check_layout(dataclasses.replace(layout, boxes=boxes))
    text = next(t for t in layout.texts() if layout.panel_boxes()[first].contains(t.box))
    moved = dataclasses.replace(text, x=text.x + layout.panel_boxes()[first].w)
    with pytest.raises(AssertionError):
        check_layout(dataclasses.replace(layout, elements=(*layout.elements, moved)))
    wide = dataclasses.replace(text, width=text.box.w + 5)
    with pytest.raises(AssertionError):
        check_layout(dataclasses.replace(layout, elements=(*layout.elements, wide)))


@pytest.mark.parametrize("mode", ["single", "sides", "compare"])
def test_no_text_below_8_points_on_paper(mode: str) -> None:
    """Laid out for A4 at 150 DPI (1240 px across 210 mm), every text is at least 8 pt."""
    layout = _report(7, mode, 1240)
    smallest = min(t.font.px for t in layout.texts())
    assert smallest * 72 / 150 >= 8.0, smallest


def test_sides_legend_lists_each_mask_once() -> None:
    report = build_report(FIXTURES / "sides_result.json", FIXTURES / "restored.jpg",
                          image_left=FIXTURES / "left.jpg", image_right=FIXTURES / "right.jpg")
    names = [i.name for i in report.content.legend]
    assert len(names) == len(set(names)), names
    per_side = {side: {m.tech_name for m in mr.load(FIXTURES / "sides_result.json").masks(side=side)}
                for side in ("front", "left", "right")}
    assert all(per_side.values())  # each side has masks of its own ...
    assert len(names) == len(per_side["front"])  # ... and the legend names each mask once
    assert not any(n.lower().endswith("mask") for n in names), names
    texts = {t.text for t in report.layout.texts()}
    assert set(names) <= texts


def test_panels_without_masks_show_no_thumbnail() -> None:
    """Twenty algorithms, most without masks: only panels with masks carry a thumbnail."""
    records = many_results(20, failures=2)
    for rec in records[3:]:
        if isinstance(rec.get("result"), dict):
            rec["result"]["masks_restored"] = []
    report = build_report(mr.load(records), FIXTURES / "restored.jpg")
    thumbs = [e for e in report.layout.elements if isinstance(e, Photo) and e.algorithm is not None]
    with_masks = {p.algorithm for p in report.content.panels if p.has_masks}
    assert {t.algorithm for t in thumbs} == with_masks
    assert len(thumbs) == len(with_masks) <= 3


def test_wide_area_table_keeps_every_column() -> None:
    """Five sub-metrics per area: the table is cut into parts that repeat the area column, nothing is lost."""
    data = FIXTURES.parent / "tests" / "report" / "data" / "face_metrics_pigmentation.json"
    report = build_report(data, width=1240)
    check_layout(report.layout)
    panel = report.layout.panel_boxes()["pigmentation"]
    texts = [t.text for t in report.layout.texts() if panel.contains(t.box)]
    for value in ("6", "3", "0.5", "0.2", "12"):  # nose_upper_triangle's five sub-metric values
        assert value in texts, value
    assert texts.count("Nose upper triangle") >= 2  # repeated in each part
    words = " ".join(texts)
    for word in ("Number", "density", "Average size", "Standard", "intensity"):
        assert word in words, word
