"""One table of mask kinds (maskrender/kinds.py): every stage reads it, none keeps its own list."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from helpers import ROOT

import maskrender as mr
from maskrender.info import format_summary, summarize
from maskrender.kinds import GEOMETRIES, MASK_KINDS, MASK_TYPES, kind_of, rank
from maskrender.overlay import select_masks

PACKAGE = ROOT / "maskrender"


def _code_strings(path: Path) -> list[tuple[int, str]]:
    """String constants in code (docstrings left out: examples may name mask types)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                  if isinstance(n, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                  and n.body and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
    return [(n.lineno, n.value) for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docstrings]


def test_no_module_but_kinds_spells_a_mask_type() -> None:
    pattern = re.compile("^(" + "|".join(MASK_TYPES) + ")$")
    found = [f"{path.relative_to(ROOT)}:{line}: {text}"
             for path in sorted(PACKAGE.rglob("*.py")) if path.name != "kinds.py"
             for line, text in _code_strings(path) if pattern.match(text)]
    assert found == [], "mask types belong in maskrender/kinds.py only"


def test_the_table_is_complete_and_ordered() -> None:
    assert MASK_TYPES == ("heatmap_mask", "polygon_mask", "polyline_mask", "point_mask")
    assert [rank(t) for t in MASK_TYPES] == [0, 1, 2, 3]
    assert rank("sparkle_mask") == len(MASK_KINDS)
    assert {k.geometry.name for k in MASK_KINDS.values()} == set(GEOMETRIES)
    assert {k.drawn_as for k in MASK_KINDS.values()} == {"filled", "dots", "strokes"}
    assert [t for t in MASK_TYPES if MASK_KINDS[t].polygonal] == ["heatmap_mask", "polygon_mask"]
    assert kind_of("nope") is None


@pytest.mark.parametrize(("family", "spelling", "multi"), [
    ("polygon", "MultiPolygon", True), ("polygon", "Multipolygon", True), ("polygon", "POLYGON", False),
    ("line", "Multipolyline", True), ("line", "MultiLineString", True), ("line", "LineString", False),
    ("line", "polyline", False), ("point", "MultiPoint", True), ("point", "Point", False),
    ("point", "MultiPolygon", None), ("polygon", "MultiPoint", None), ("line", "GeometryCollection", None),
])
def test_geometry_spellings(family: str, spelling: str, multi: bool | None) -> None:
    assert GEOMETRIES[family].reads(spelling) is multi


def test_stages_agree_with_the_table() -> None:
    results = mr.load(ROOT / "fixtures" / "results_list.json")
    ordered = [m.mask_type for m in select_masks(results)]
    assert ordered == sorted(ordered, key=rank)                     # drawing order
    for m in results.all_masks():
        kind = MASK_KINDS[m.mask_type]
        assert m.geometry.geom_type == kind.geometry.multi           # model builds the family's geometry
        assert (m.area > 0) == kind.polygonal                        # only area kinds cover area
    text = format_summary(summarize(results))
    assert "1390 point(s)" in text                                  # info names parts from the table


def test_an_unknown_kind_warns_and_is_skipped() -> None:
    with pytest.warns(mr.UnknownMaskTypeWarning, match=r"unknown mask type 'sparkle_mask' skipped \(known: "
                      + ", ".join(MASK_TYPES)):
        results = mr.load(b'{"mask_type": "sparkle_mask", "features": []}')
    assert results.all_masks() == ()
