"""Report layout: pure geometry checks on the display list, from 1 to 20 algorithms.

Also home of :func:`many_results`, the synthetic results list the report tests share.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from helpers import FIXTURES

NASTY = '"><script>alert(1)</script><img src=x onerror=alert(2)>'
LONG_NAMES = (
    "Post-inflammatory hyperpigmentation and solar lentigines combined assessment score",
    "Морщины и мелкие линии вокруг глаз",
    "Ρυτίδες μετώπου",
    "皮肤水分含量",
    "Über‐Pigmentierung (Sonnenflecken) – Gesamtbewertung",
    "שומה",
    NASTY,
    "Supercalifragilisticexpialidociousnessmeasurementwithoutspaces",
)


def many_results(n: int, *, failures: int = 2) -> list[dict[str, Any]]:
    """``n`` result records cloned from the fixture list, with long, Unicode and hostile names.

    Every record gets its own algorithm name; masks keep their geometry (renamed); the last
    ``failures`` records are ``is_ok: false``.
    """
    base = [r for r in json.loads((FIXTURES / "results_list.json").read_text()) if r.get("is_ok")
            and isinstance(r.get("result"), dict)]
    out = []
    for i in range(n):
        rec = copy.deepcopy(base[i % len(base)])
        name = LONG_NAMES[i % len(LONG_NAMES)] if i % 3 == 1 else f"Metric {i + 1}"
        tech = f"algo_{i + 1}"
        rec["algorithm_family_tech_name"] = f"family.{tech}"
        res = rec["result"]
        res["algorithm_tech_name"] = tech
        for area in res.get("area_results") or []:
            if area.get("main_metric"):
                area["main_metric"]["name"] = name
                if area["main_metric"].get("widget_type") == "bad_good_line":
                    area["main_metric"]["value"] = (i * 37) % 101
        for j, mask in enumerate(res.get("masks_restored") or []):
            mask["name"] = f"{name} mask {j + 1}" if i % 3 == 1 else mask.get("name", "")
            mask["tech_name"] = f"{tech}_mask_{j}"
        res["masks_original"] = []
        if i >= n - failures:
            rec = {"id": f"f{i}", "is_ok": False, "algorithm_family_tech_name": f"family.{tech}",
                   "creation_time": rec.get("creation_time"), "result": {"error": f"{name} failed: {NASTY}"}}
        out.append(rec)
    return out


# --- the tests -----------------------------------------------------------------------------

import pytest  # noqa: E402

import maskrender as mr  # noqa: E402
from maskrender.report import build_report  # noqa: E402
from maskrender.report.layout import Box, Circle, Layout, Line, Photo, Rect, Text, _share  # noqa: E402


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
    assert [round(b.y) for b in boxes[:3]] == [round(boxes[0].y)] * 3
    assert boxes[0].x < boxes[1].x < boxes[2].x
    assert boxes[3].y > boxes[0].bottom
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
