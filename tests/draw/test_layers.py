"""Masks to layers: levels where features of one mask meet, the compiled core and the numpy reference
giving the same bytes (alpha and blend), thread safety, and no module-level state in ``maskrender.draw``."""

from __future__ import annotations

import importlib
import math
import os
import pkgutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
import shapely
from helpers import FIXTURES, bare_mask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

import maskrender as mr
import maskrender.draw
from maskrender.draw import compiled, sweep
from maskrender.draw.accumulate import alpha_factor
from maskrender.draw.layers import blend, mask_layers
from maskrender.draw.plan import plan
from maskrender.draw.raster import accelerated
from maskrender.draw.shapes import from_geometries
from maskrender.overlay import prepare, render
from maskrender.style import Style

FIXTURE_FILES = ["results_list.json", "acne.json", "pores.json", "lines.json", "redness.json", "pih_result.json"]


def _layers(source: object, size: tuple[int, int], accelerate: bool, style: Style | None = None) -> list[object]:
    _, canvas, drawings = prepare(source, size=size, style=style)  # type: ignore[arg-type]
    return [layer for d in drawings for layer in mask_layers(d.mask, d.transform, d.style, canvas,
                                                             accelerate=accelerate)]


# ---------------------------------------------------------------------------------------------
# levels within one mask
# ---------------------------------------------------------------------------------------------


def test_crossing_lines_of_different_intensities_show_the_larger() -> None:
    lines = [[[2, 5], [38, 35]], [[2, 35], [38, 5]]]
    mask = bare_mask("polyline_mask", [[lines[0]], [lines[1]]], view_box="0 0 40 40", intensities=[0.48, 0.53])
    alpha = np.asarray(render(mask, size=(40, 40), style=Style(opacity=1.0, line_width=4)))[:, :, 3]
    # at the crossing the larger level (0.53 -> 135) wins: not 0.48 over 0.53 (0.76), not the sum
    assert alpha[20, 20] == 135
    assert alpha[8, 6] == 122
    assert alpha[32, 6] == 135


def test_overlapping_points_of_different_intensities_show_the_larger() -> None:
    mask = bare_mask("point_mask", [[[10, 10]], [[12, 10]], [[30, 30]]], view_box="0 0 40 40",
                     intensities=[0.2, 0.8, 0.5])
    alpha = np.asarray(render(mask, size=(40, 40), style=Style(opacity=1.0, point_radius=3)))[:, :, 3]
    assert alpha[10, 11] == 204  # inside both discs: 0.8
    assert alpha[10, 8] == 51  # only the 0.2 disc
    assert alpha[30, 30] == 128


def test_outline_is_a_stroke_of_the_polygon_boundary() -> None:
    mask = bare_mask("polygon_mask", [[[[10, 10], [30, 10], [30, 30], [10, 30], [10, 10]]]], view_box="0 0 40 40")
    _, canvas, drawings = prepare(mask, size=(40, 40), style=Style(opacity=0.5, outline=2, outline_opacity=1.0))
    fill, outline = mask_layers(drawings[0].mask, drawings[0].transform, drawings[0].style, canvas)
    line = np.zeros((40, 40), dtype=np.uint8)
    line[outline.box[1]:outline.box[3], outline.box[0]:outline.box[2]] = outline.alpha
    np.testing.assert_array_equal(line[8:13, 20], [0, 255, 255, 0, 0])  # y from 9 to 11: rows 9 and 10
    assert line[20, 20] == 0
    assert int(fill.alpha.max()) == 128


def test_blend_keeps_untouched_pixels_and_blends_with_pillows_arithmetic() -> None:
    photo = Image.new("RGB", (6, 2), (10, 200, 30))
    layers = _layers(bare_mask("polygon_mask", [[[[1, 0], [3.5, 0], [3.5, 2], [1, 2], [1, 0]]]], view_box="0 0 6 2"),
                     (6, 2), accelerate=False, style=Style(opacity=1.0))
    out = np.asarray(blend(photo, layers))  # type: ignore[arg-type]
    np.testing.assert_array_equal(out[:, 0], [[10, 200, 30]] * 2)
    np.testing.assert_array_equal(out[:, 4:], [[[10, 200, 30]] * 2] * 2)
    np.testing.assert_array_equal(out[:, 1], [[255, 0, 0]] * 2)
    half = 128  # column 3 is half covered: alpha 128, blended (a x 255 + (255 - a) x 10 + 128) / 255
    t = 10 * (255 - half) + 255 * half + 128
    assert out[0, 3, 0] == ((t >> 8) + t) >> 8


# ---------------------------------------------------------------------------------------------
# the compiled core and the numpy reference
# ---------------------------------------------------------------------------------------------

needs_core = pytest.mark.skipif(not accelerated(), reason="the C core was not built (no compiler at install time)")


def test_the_install_built_the_compiled_core() -> None:
    """The dev install (and CI) builds the C core; a silent fallback to numpy would hide every test below."""
    from maskrender.draw.core import core_name

    assert accelerated()
    assert core_name() == "c"
    done = subprocess.run([sys.executable, "-m", "maskrender", "--version"], capture_output=True, text=True,
                          timeout=120, check=True)
    assert "rasteriser core: c" in done.stdout


@needs_core
@pytest.mark.parametrize("name", FIXTURE_FILES)
def test_compiled_core_draws_the_fixtures_byte_for_byte(name: str) -> None:
    outline = Style(outline=1.5)
    for size in ((512, 512), (1000, 1000)):
        a = _layers(FIXTURES / name, size, accelerate=False, style=outline)
        b = _layers(FIXTURES / name, size, accelerate=True, style=outline)
        assert [x.box for x in a] == [y.box for y in b]  # type: ignore[attr-defined]
        for x, y in zip(a, b, strict=True):
            np.testing.assert_array_equal(x.alpha, y.alpha)  # type: ignore[attr-defined]


@needs_core
@pytest.mark.parametrize("name", ["results_list.json", "pores.json", "lines.json", "redness.json"])
def test_compiled_blend_is_byte_identical_to_pillows(name: str) -> None:
    photo = Image.open(FIXTURES / "restored.jpg").convert("RGB").resize((700, 700))
    layers = _layers(FIXTURES / name, (700, 700), accelerate=False)
    pillow = blend(photo.copy(), layers, accelerate=False)  # type: ignore[arg-type]
    ours = blend(photo.copy(), layers, accelerate=True)  # type: ignore[arg-type]
    assert ours.tobytes() == pillow.tobytes()
    assert ours.tobytes() != photo.tobytes()


def _blob(rng: np.random.Generator, r: float) -> shapely.Polygon:
    c = rng.uniform(0, 64, 2)
    ang = np.sort(rng.uniform(0, 2 * math.pi, int(rng.integers(3, 30))))
    rr = r * rng.uniform(0.3, 1.0, len(ang))
    return shapely.Polygon(np.c_[c[0] + rr * np.cos(ang), c[1] + rr * np.sin(ang)])


@needs_core
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), kind=st.sampled_from(["polygons", "points", "lines"]),
       size=st.tuples(st.integers(1, 90), st.integers(1, 90)), opacity=st.floats(0.05, 1.0))
def test_compiled_core_is_byte_identical_on_generated_workloads(seed: int, kind: str, size: tuple[int, int],
                                                                opacity: float) -> None:
    rng = np.random.default_rng(seed)
    levels = rng.choice([30, 128, 200, 255], 20)
    if kind == "polygons":
        s = from_geometries(polygons=[_blob(rng, rng.uniform(0.5, 25)) for _ in range(20)], levels=levels,
                            size=size, origin=tuple(rng.uniform(-5, 5, 2)))
    elif kind == "points":
        s = from_geometries(points=rng.uniform(-5, 70, (int(rng.integers(1, 300)), 2)).round(int(rng.integers(0, 3))),
                            point_levels=None, radius=float(rng.uniform(0.1, 9)), size=size)
    else:
        s = from_geometries(lines=[shapely.LineString(rng.uniform(-5, 70, (int(rng.integers(2, 20)), 2)))
                                   for _ in range(6)], levels=levels[:6], width=float(rng.uniform(0.3, 8)), size=size)
    p = plan(s)
    np.testing.assert_array_equal(compiled.alpha(p, opacity), sweep.alpha(p, opacity))
    np.testing.assert_array_equal(compiled.coverage(p), sweep.coverage(p))


def test_no_jit_is_loaded_and_the_core_draws_the_first_call() -> None:
    """No numba, no threshold: the first mask of a fresh process is drawn by the core."""
    code = ("import sys; from maskrender.overlay import prepare; from maskrender.draw.layers import mask_layers\n"
            "from maskrender.draw import compiled, sweep\n"
            "calls = []\n"
            "real = compiled._run\n"
            "compiled._run = lambda job: calls.append(1) or real(job)\n"
            "_, canvas, ds = prepare('fixtures/pih_result.json', size=(200, 200))\n"
            "[mask_layers(d.mask, d.transform, d.style, canvas) for d in ds]\n"
            "print(len(calls) > 0, 'numba' in sys.modules, 'llvmlite' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True)
    assert done.stdout.split() == [str(accelerated()), "False", "False"]


@needs_core
def test_the_numpy_reference_can_be_chosen_for_a_process(tmp_path: Path) -> None:
    """MASKRENDER_CORE=numpy: the process draws with numpy (``--version`` says so), the same bytes."""
    outs = []
    for value in ("numpy", ""):
        env = {**os.environ, "MASKRENDER_CORE": value}
        out = tmp_path / f"o{value}.png"
        done = subprocess.run([sys.executable, "-m", "maskrender", "--version"], capture_output=True, text=True,
                              env=env, timeout=120, check=True)
        assert f"rasteriser core: {value or 'c'}" in done.stdout
        subprocess.run([sys.executable, "-m", "maskrender", "render", str(FIXTURES / "results_list.json"), "--image",
                        str(FIXTURES / "restored.jpg"), "-o", str(out), "-q"], env=env,
                       timeout=120, check=True)
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]


# ---------------------------------------------------------------------------------------------
# threads and state
# ---------------------------------------------------------------------------------------------


def _png(name: str) -> bytes:
    import io

    buf = io.BytesIO()
    render(FIXTURES / name, FIXTURES / "restored.jpg").save(buf, "PNG", compress_level=1)
    return buf.getvalue()


@pytest.mark.slow
def test_renders_from_a_thread_pool_are_byte_identical_to_serial_ones() -> None:
    names = ["results_list.json", "pores.json", "redness.json", "lines.json", "acne.json"] * 2
    serial = [_png(n) for n in names]
    with ThreadPoolExecutor(max_workers=4) as pool:
        threaded = list(pool.map(_png, names))
    assert threaded == serial


@needs_core
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), workers=st.sampled_from([2, 3, 4]))
def test_plans_cut_into_band_groups_on_helper_threads_are_byte_identical(seed: int, workers: int) -> None:
    """Large plans (here every plan: PARALLEL_WORK 0) are drawn in interleaved groups of bands by helper
    threads, several plans at once: each output equals the numpy reference drawing that plan alone."""
    rng = np.random.default_rng(seed)
    plans = []
    for k in range(3):
        size = (int(rng.integers(520, 900)), int(rng.integers(520, 700)))
        if k == 1:
            s = from_geometries(points=rng.uniform(-20, 900, (400, 2)), point_levels=None,
                                radius=float(rng.uniform(1, 30)), size=size)
        else:
            polys = [shapely.affinity.scale(_blob(rng, rng.uniform(3, 30)), 12, 9, origin=(0, 0)) for _ in range(25)]
            s = from_geometries(polygons=polys, levels=rng.choice([40, 128, 255], 25), size=size)
        plans.append(plan(s))
    outs = [np.zeros((p.height, p.width), np.uint8) for p in plans]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(compiled, "PARALLEL_WORK", 0)
        with compiled.Renderer(workers) as renderer:
            for p, out in zip(plans, outs, strict=True):
                renderer.submit(p, out, 0, alpha_factor(0.7))
            assert renderer._helpers  # the helper threads took part
    for p, out in zip(plans, outs, strict=True):
        np.testing.assert_array_equal(out, sweep.alpha(p, 0.7))
        assert out.any()


@needs_core
def test_small_plans_are_drawn_at_once_on_the_calling_thread() -> None:
    """Below PARALLEL_WORK no helper thread starts (it would cost more than the core's few
    milliseconds), and the output holds its pixels as soon as ``submit`` returns."""
    p = plan(from_geometries(polygons=[shapely.box(3.3, 2.2, 300.5, 200.25)], levels=[255], size=(320, 240)))
    assert compiled.work(p) < compiled.PARALLEL_WORK
    out = np.zeros((p.height, p.width), np.uint8)
    with compiled.Renderer(4) as renderer:
        renderer.submit(p, out, 0, alpha_factor(1.0))
        assert renderer._helpers == []
        np.testing.assert_array_equal(out, sweep.alpha(p, 1.0))


@needs_core
def test_an_error_on_a_helper_thread_is_raised_by_the_renderer(monkeypatch: pytest.MonkeyPatch) -> None:
    """A plan the core refuses (a chain number pointing nowhere) raises on leaving the block, whichever
    thread drew it; the plans queued with it are not left half drawn silently."""
    import dataclasses

    good = plan(from_geometries(polygons=[shapely.box(10, 10, 700, 600)], levels=[255], size=(720, 640)))
    s = from_geometries(polygons=[shapely.box(5.5, 5.5, 600, 500), shapely.box(300, 200, 700, 620)],
                        levels=[255, 128], size=(720, 640))
    p = plan(s)
    bad = dataclasses.replace(p, edge_chain=p.edge_chain + (1 << 40))
    monkeypatch.setattr(compiled, "PARALLEL_WORK", 0)

    def draw_both() -> None:
        with compiled.Renderer(2) as renderer:
            renderer.submit(good, np.zeros((good.height, good.width), np.uint8), 0, 1)
            renderer.submit(bad, np.zeros((bad.height, bad.width), np.uint8), 0, 1)

    with pytest.raises(RuntimeError, match="index out of range"):
        draw_both()


@needs_core
def test_pool_workers_draw_on_one_thread() -> None:
    """In a worker process of a pool (the batch), whose siblings take the other cores, no helper
    threads start; elsewhere as many as the idle cores allow, or as MASKRENDER_THREADS says."""
    import multiprocessing

    with multiprocessing.get_context("spawn").Pool(1) as pool:
        assert pool.apply(compiled.threads) == 1
    cores = min(len(os.sched_getaffinity(0)), compiled.MAX_THREADS)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(os, "getloadavg", lambda: (0.9, 0.5, 0.5))   # this process alone: every core
        assert compiled.threads() == cores
        mp.setattr(os, "getloadavg", lambda: (cores + 0.2, 1.0, 1.0))  # the other cores busy: none
        assert compiled.threads() == 1
        mp.setenv(compiled.THREADS_VARIABLE, "3")
        assert compiled.threads() == 3


def _draw_modules() -> list[ModuleType]:
    out = []
    for info in pkgutil.iter_modules(maskrender.draw.__path__, "maskrender.draw."):
        out.append(importlib.import_module(info.name))
    return out


def test_draw_modules_keep_no_mutable_state() -> None:
    mutable = (list, dict, set, bytearray, np.ndarray)
    found = [f"{m.__name__}.{name}" for m in _draw_modules() for name, value in vars(m).items()
             if not name.startswith("__") and isinstance(value, mutable) and name != "__all__"]
    assert found == []
    assert not hasattr(importlib.import_module("maskrender.draw.raster"), "UNION")


def test_layers_of_loaded_results_match_a_fresh_load() -> None:
    model = mr.load(FIXTURES / "results_list.json")
    a = [x.alpha.tobytes() for x in _layers(model, (300, 300), accelerate=False)]  # type: ignore[attr-defined]
    b = [x.alpha.tobytes() for x in _layers(FIXTURES / "results_list.json", (300, 300), accelerate=False)]  # type: ignore[attr-defined]
    assert a == b
