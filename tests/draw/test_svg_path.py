"""Path data: fixed-point numbers that read back exactly, relative subpaths of each kind."""

from __future__ import annotations

import re

import numpy as np
import pytest
import shapely
from helpers import resvg_render
from helpers.parity import subpaths
from hypothesis import given, settings
from hypothesis import strategies as st

from maskrender.draw.svg_path import format_fixed, subpaths_d


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(-(10**12), 10**12), min_size=1, max_size=60), st.integers(0, 3))
def test_fixed_point_numbers_read_back_exactly(values: list[int], decimals: int) -> None:
    text = format_fixed(np.array(values, dtype=np.int64), decimals)
    tokens = re.findall(r"[-+]?(?:\d+\.?\d*|\.\d+)", text)  # the SVG number grammar, greedy
    assert [round(float(t) * 10**decimals) for t in tokens] == values


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.tuples(st.floats(-5000, 5000), st.floats(-5000, 5000)), min_size=1, max_size=8),
                min_size=1, max_size=8),
       st.sampled_from(["ring", "line", "dot"]))
def test_subpaths_read_back_as_their_rounded_vertices(rings: list[list[tuple[float, float]]], kind: str) -> None:
    xy = np.array([v for r in rings for v in r], dtype=np.float64)
    d = subpaths_d(xy, [len(r) for r in rings], kind)  # type: ignore[arg-type]
    read = subpaths(d)
    if kind == "dot":
        assert np.abs(np.array([s[0] for s in read]) - np.round(xy, 2)).max() < 1e-6
        return
    expected = [np.round(np.array(r), 2) for r in rings]
    if kind == "ring":  # a closing vertex equal to the first is implied by "z"
        expected = [e[:-1] if len(e) > 1 and (e[0] == e[-1]).all() else e for e in expected]
    assert len(read) == len(expected)
    for got, want in zip(read, expected, strict=True):
        assert np.abs(got - want).max() < 1e-6


@pytest.mark.parametrize("radius", [4.7059, 4.7041, 6.12345, 17.0])
def test_a_filled_disc_has_its_area_in_resvg(radius: float) -> None:
    """Two arcs of the radius as written, through points twice that radius apart: a 4.706 px radius written
    4.71 with a 9.41 diameter made each arc the large arc of a wider circle, 6% too much ink."""
    size = 64
    d = subpaths_d(np.array([[31.3, 30.7]]), np.array([1]), "dot", radius=radius)
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" viewBox="0 0 {size} {size}">'
           f'<path fill="#000" d="{d}"/></svg>')
    ink = np.asarray(resvg_render(svg, (size, size)))[..., 3].astype(np.float64).sum() / 255
    exact = shapely.Point(31.3, 30.7).buffer(radius, quad_segs=256).area
    assert abs(ink - exact) / exact < 0.012, (ink, exact)   # resvg's anti-aliasing: within 1%
