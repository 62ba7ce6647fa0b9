"""Shared test helpers (the one module tests import helpers from; never from another test file).

* comparisons: :func:`diff_stats`, :func:`assert_image_similar` (Pillow-style tolerance,
  with the two pictures and their difference saved for a look when it fails) and
  :func:`assert_matches_golden` for the golden PNGs in ``tests/golden/``;
* independent references: :func:`exact_coverage` (exact pixel areas from shapely) and
  :func:`reference_alpha`, which rebuilds what a mask should cover from its geometry without
  the renderer's code (``helpers.oracle``: discs, strokes, nested level sets, exact areas);
* other renderers: :func:`resvg_render` and :func:`chromium_screenshot`;
* :func:`sha256` to prove inputs are left untouched.

``python tests/imaging.py`` prints the measured figures (edge error, area bias, PNG/SVG parity,
SVG sizes) with these helpers.
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import shutil
import struct
import subprocess
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import shapely
from PIL import Image

if TYPE_CHECKING:
    from maskrender.defaults import MaskSet

ROOT = Path(__file__).resolve().parent.parent.parent
FIXTURES = ROOT / "fixtures"
GOLDEN = ROOT / "tests" / "golden"
FAILURES = Path(os.environ.get("MASKRENDER_TEST_OUTPUT", tempfile.gettempdir())) / "maskrender-test-failures"

# ---------------------------------------------------------------------------------------------
# comparisons
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Diff:
    """Per-channel absolute differences between two pictures of one size."""

    mad: float
    """Mean absolute difference per channel, in 0..255 levels."""
    within16: float
    """Share of pixels whose every channel differs by at most 16 levels."""
    max: int
    """The largest difference."""


def _array(image: Image.Image | npt.NDArray[np.uint8], mode: str) -> npt.NDArray[np.int16]:
    if isinstance(image, np.ndarray):
        image = Image.fromarray(image)
    return np.asarray(image.convert(mode), dtype=np.int16)


def diff_stats(a: Image.Image | npt.NDArray[np.uint8], b: Image.Image | npt.NDArray[np.uint8],
               mode: str = "RGB") -> Diff:
    """Compare two pictures channel by channel in ``mode``."""
    x, y = _array(a, mode), _array(b, mode)
    assert x.shape == y.shape, f"sizes differ: {x.shape} vs {y.shape}"
    d = np.abs(x - y)
    per_pixel = d.max(axis=2) if d.ndim == 3 else d
    return Diff(float(d.mean()), float((per_pixel <= 16).mean()), int(d.max(initial=0)))


def save_failure(name: str, **images: Image.Image) -> Path:
    """Save pictures under the failure folder (to look at) and return the folder."""
    folder = FAILURES / name
    folder.mkdir(parents=True, exist_ok=True)
    for key, im in images.items():
        im.save(folder / f"{key}.png")
    return folder


def difference_picture(a: Image.Image, b: Image.Image) -> Image.Image:
    """|a - b| amplified 8x, so small differences show."""
    d = np.abs(_array(a, "RGB") - _array(b, "RGB")) * 8
    return Image.fromarray(np.clip(d, 0, 255).astype(np.uint8), "RGB")


def assert_image_similar(actual: Image.Image, expected: Image.Image, *, mad: float = 2.0,
                         within16: float = 0.99, name: str = "image", mode: str = "RGB") -> Diff:
    """Fail unless the mean absolute difference is ``<= mad`` levels and at least ``within16``
    of the pixels are within 16 levels; on failure the pictures are saved to look at."""
    stats = diff_stats(actual, expected, mode)
    if stats.mad > mad or stats.within16 < within16:
        folder = save_failure(name, actual=actual, expected=expected, diff=difference_picture(actual, expected))
        raise AssertionError(
            f"{name}: mean abs difference {stats.mad:.3f} (allowed {mad}), {stats.within16:.2%} of pixels "
            f"within 16 levels (needed {within16:.1%}), max {stats.max}; pictures in {folder}"
        )
    return stats


def assert_matches_golden(image: Image.Image, name: str, *, mad: float = 0.5, within16: float = 0.999) -> None:
    """Compare with ``tests/golden/<name>.png``; ``MASKRENDER_UPDATE_GOLDEN=1`` rewrites it."""
    path = GOLDEN / f"{name}.png"
    if os.environ.get("MASKRENDER_UPDATE_GOLDEN") == "1":
        GOLDEN.mkdir(exist_ok=True)
        image.save(path, optimize=True)
    assert path.exists(), f"no golden image {path}: run the tests once with MASKRENDER_UPDATE_GOLDEN=1, look at it"
    with Image.open(path) as golden:
        mode = "RGBA" if golden.mode == "RGBA" else "RGB"
        assert_image_similar(image.convert(mode), golden.convert(mode), mad=mad, within16=within16,
                             name=f"golden-{name}", mode=mode)


def sha256(path: str | os.PathLike[str]) -> str:
    """The SHA-256 of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# ---------------------------------------------------------------------------------------------
# synthetic masks and photos
# ---------------------------------------------------------------------------------------------

_GEOMETRY = {"polygon_mask": "MultiPolygon", "heatmap_mask": "MultiPolygon", "point_mask": "MultiPoint",
             "polyline_mask": "MultiLineString"}


def square(x0: float, y0: float, x1: float, y1: float) -> list[list[float]]:
    """A closed ring (as GeoJSON coordinates) of an axis-aligned rectangle."""
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]


def bare_mask(mask_type: str, features: list[object], *, view_box: str | None = "0 0 100 100",
              fill: str | None = "#ff0000", intensities: list[float] | None = None,
              **keys: object) -> dict[str, object]:
    """A bare mask (FeatureCollection) with one feature per entry of ``features``.

    Polygon and heatmap features are given as one polygon (a list of rings: exterior, holes);
    point features as a list of points; line features as a list of lines.
    """
    feats = []
    for i, coords in enumerate(features):
        if mask_type in ("polygon_mask", "heatmap_mask"):
            coords = [coords]
        props = {"intensity": intensities[i]} if intensities is not None else {}
        feats.append({"type": "Feature", "geometry": {"type": _GEOMETRY[mask_type], "coordinates": coords},
                      "properties": props})
    mask: dict[str, object] = {"type": "FeatureCollection", "mask_type": mask_type, "features": feats, **keys}
    if view_box is not None:
        mask["view_box"] = view_box
    if fill is not None:
        mask["fill"] = fill
    return mask


def synth_workload(**sizes: int) -> list[dict[str, object]]:
    """``fixtures/generate.py``'s synthetic results list (masks of the given sizes)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("fixture_generator", FIXTURES / "generate.py")
    assert spec is not None
    assert spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    workload: list[dict[str, object]] = generator.synth_workload(**sizes)
    return workload


def flat_photo(size: tuple[int, int], color: tuple[int, ...] = (128, 128, 128), mode: str = "RGB") -> Image.Image:
    """A photo of one colour."""
    return Image.new(mode, size, color)


# ---------------------------------------------------------------------------------------------
# independent references
# ---------------------------------------------------------------------------------------------


def exact_coverage(geom: shapely.Geometry, size: tuple[int, int]) -> npt.NDArray[np.float64]:
    """Exact covered share (0..1) of every pixel of a ``size = (W, H)`` canvas by ``geom``.

    Pixel ``(i, j)`` is the square ``[i, i+1) x [j, j+1)``.  Pixels whose square touches the
    boundary get their exact intersection area; the others are in or out by their centre.
    """
    w, h = size
    out = np.zeros((h, w), dtype=np.float64)
    # the union's polygons are disjoint, so their coverages add up exactly
    small_x: list[npt.NDArray[np.intp]] = []
    small_y: list[npt.NDArray[np.intp]] = []
    small_part: list[npt.NDArray[np.object_]] = []
    for part in shapely.get_parts(shapely.union_all(geom)):
        if part.is_empty or part.geom_type != "Polygon":
            continue
        minx, miny, maxx, maxy = part.bounds
        x0, y0 = max(0, math.floor(minx)), max(0, math.floor(miny))
        x1, y1 = min(w, math.ceil(maxx) + 1), min(h, math.ceil(maxy) + 1)
        if x1 <= x0 or y1 <= y0:
            continue
        ys, xs = np.mgrid[y0:y1, x0:x1]
        xs, ys = xs.ravel(), ys.ravel()
        if len(xs) <= 256:  # small: intersect every cell, all small parts in one call below
            small_x.append(xs)
            small_y.append(ys)
            small_part.append(np.full(len(xs), part, dtype=object))
            continue
        shapely.prepare(part)
        inside = shapely.contains_xy(part, xs + 0.5, ys + 0.5).astype(np.float64)
        boundary = part.boundary
        shapely.prepare(boundary)
        cells = shapely.box(xs, ys, xs + 1, ys + 1)
        edge = shapely.intersects(boundary, cells)
        inside[edge] = shapely.area(shapely.intersection(cells[edge], part))
        out[y0:y1, x0:x1] += inside.reshape(y1 - y0, x1 - x0)
    if small_x:
        xs, ys = np.concatenate(small_x), np.concatenate(small_y)
        areas = shapely.area(shapely.intersection(shapely.box(xs, ys, xs + 1, ys + 1), np.concatenate(small_part)))
        np.add.at(out, (ys, xs), areas)
    return out


def reference_alpha(mask: object, transform: object, style: object, size: tuple[int, int]) -> npt.NDArray[np.float64]:
    """What a mask should cover (0..1 per pixel, before opacity), from its geometry alone.

    Every feature covers its shape at its 8-bit level (polygons and heatmaps: the polygons;
    points: discs of the style's radius; lines: round-capped, round-joined strokes of the
    style's width), and a pixel gets the integral of the largest level over its area: nested
    level sets (``helpers.oracle.level_integral``).  Only the model and the transform are
    shared with the renderer.
    """
    from helpers.oracle import disc, level_integral, stroke
    from maskrender.model import Mask

    assert isinstance(mask, Mask)
    shapes = []
    for f in mask.features:
        level = round(f.intensity * 255) / 255
        if level <= 0:
            continue
        g = transform.apply(f.geometry)  # type: ignore[attr-defined]
        if mask.mask_type == "point_mask":
            shape = shapely.union_all([disc(x, y, style.point_radius)  # type: ignore[attr-defined]
                                       for x, y in shapely.get_coordinates(g)])
        elif mask.mask_type == "polyline_mask":
            shape = stroke(g, style.line_width)  # type: ignore[attr-defined]
        else:
            shape = g
        shapes.append((shape, level))
    return level_integral(shapes, size)


@dataclass(frozen=True)
class EdgeFigures:
    """How a rendered alpha compares with the exact reference."""

    edge_error: float
    """Mean |rendered - reference| over edge pixels, in 0..255 levels."""
    area_bias: float
    """(rendered area - reference area) / reference area."""
    edge_pixels: int


def edge_figures(alpha: npt.NDArray[np.uint8], ref: npt.NDArray[np.float64]) -> EdgeFigures:
    """Compare a rendered 8-bit alpha (opacity 1) with a reference coverage."""
    rendered = alpha.astype(np.float64) / 255.0
    edge = ((ref > 1e-6) & (ref < 1 - 1e-6)) | ((alpha > 0) & (alpha < 255))
    err = float(np.abs(rendered - ref)[edge].mean() * 255) if edge.any() else 0.0
    area = float(ref.sum())
    return EdgeFigures(err, (float(rendered.sum()) - area) / area, int(edge.sum()))


def measure_mask_edges(source: Path, mask_set: MaskSet, size: tuple[int, int]) -> dict[str, EdgeFigures]:
    """Edge figures of every mask of a fixture drawn alone at opacity 1 on a transparent canvas."""
    from maskrender.overlay import prepare, render
    from maskrender.style import Style

    style = Style(opacity=1.0)
    _, canvas, drawings = prepare(source, size=size, mask_set=mask_set, style=style)
    out = {}
    for d in drawings:
        layer = render([d.mask], size=canvas, style=style)
        alpha = np.asarray(layer.getchannel("A"))
        out[d.mask.tech_name] = edge_figures(alpha, reference_alpha(d.mask, d.transform, d.style, canvas))
    return out


@dataclass(frozen=True)
class PhaseFigures:
    """The worst sub-pixel phase of one mask type drawn at one opacity, against the oracle."""

    mask_type: str
    opacity: float
    edge_error: float
    """Mean |rendered - oracle| over edge pixels at the worst phase, in levels of 255."""
    worst_phase: float
    area_bias: float
    """The largest |relative area error| over the phases."""


Scene = tuple[list[object], list[float], dict[str, float], list[tuple[object, float]]]


def _phase_shapes(mask_type: str, p: float) -> Scene:
    """Features (GeoJSON coordinates), intensities, style sizes and oracle shapes at phase ``p``."""
    from helpers.oracle import disc, stroke

    if mask_type == "polygon_mask":
        g = shapely.affinity.rotate(shapely.box(8 + p, 6 + p, 40 + p, 30 + p), 17, origin="centroid")
        return [[np.asarray(g.exterior.coords).tolist()]], [1.0], {}, [(g, 1.0)]
    if mask_type == "heatmap_mask":
        outer, inner = shapely.box(5 + p, 4 + p, 43, 36), shapely.box(14 + p, 12 + p, 32 + p, 27.3 + p)
        feats = [[np.asarray(outer.exterior.coords).tolist()], [np.asarray(inner.exterior.coords).tolist()]]
        return feats, [0.4, 1.0], {}, [(outer, 102 / 255), (inner, 1.0)]  # type: ignore[return-value]
    if mask_type == "point_mask":
        pts = np.array([[10 + p, 10 + p * 0.7], [25.5 + p, 20 + p], [36 + p * 0.3, 30 + p], [15, 28 + p]])
        union = shapely.union_all([disc(x, y, 2.7) for x, y in pts])
        return [pts.tolist()], [1.0], {"point_radius": 2.7}, [(union, 1.0)]
    lines = [[[4 + p, 8 + p], [44 + p, 8 + p]], [[6 + p, 34 + p], [40 + p, 14 + p], [30, 36 + p]]]
    geom = shapely.MultiLineString(lines)
    return [lines], [1.0], {"line_width": 3.3}, [(stroke(geom, 3.3), 1.0)]


def phase_figures(mask_type: str, opacity: float, phases: int = 16) -> PhaseFigures:
    """Draw a small scene of ``mask_type`` at ``phases`` sub-pixel shifts, transparent canvas, and
    compare its alpha with ``opacity x`` the oracle's level integral (exact pixel areas)."""
    from helpers.oracle import level_integral
    from maskrender.overlay import render
    from maskrender.style import Style

    size = (48, 40)
    worst, at, bias = 0.0, 0.0, 0.0
    for k in range(phases):
        p = k / phases
        feats, intens, sizes, shapes = _phase_shapes(mask_type, p)
        mask = bare_mask(mask_type, feats, view_box="0 0 48 40", intensities=intens)
        alpha = np.asarray(render(mask, size=size, style=Style(opacity=opacity, **sizes)))[:, :, 3].astype(np.float64)  # type: ignore[arg-type]
        ref = level_integral(shapes, size) * opacity * 255
        edge = ((ref > 1e-6) & (ref < opacity * 255 - 1e-6) & (ref > 0)) | ((alpha > 0) & (alpha < alpha.max()))
        err = float(np.abs(alpha - ref)[edge].mean())
        if err > worst:
            worst, at = err, p
        bias = max(bias, abs(float(alpha.sum()) - float(ref.sum())) / float(ref.sum()))
    return PhaseFigures(mask_type, opacity, worst, at, bias)


# ---------------------------------------------------------------------------------------------
# other renderers
# ---------------------------------------------------------------------------------------------


def resvg_render(svg: str, size: tuple[int, int]) -> Image.Image:
    """An SVG document rendered by resvg, as RGBA."""
    import resvg_py

    png = resvg_py.svg_to_bytes(svg_string=svg, width=size[0], height=size[1])
    with Image.open(io.BytesIO(bytes(png))) as im:
        return im.convert("RGBA")  # type: ignore[no-any-return]


def find_chromium() -> str | None:
    """The Chromium (or Chrome) executable, if one is installed."""
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def chromium_screenshot(page: Path, size: tuple[int, int], out: Path, chromium: str) -> Image.Image:
    """Open ``page`` in headless Chromium at ``size`` CSS pixels (scale 1) and screenshot it."""
    with tempfile.TemporaryDirectory(prefix="maskrender-chromium-") as profile:
        cmd = [
            chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={profile}", f"--screenshot={out}", f"--window-size={size[0]},{size[1]}",
            "--hide-scrollbars", "--force-device-scale-factor=1", "--force-color-profile=srgb",
            # wait for every image to be decoded and painted: on a loaded machine the screenshot was once
            # taken with a large SVG <img> still blank (a full-suite run; never alone)
            "--run-all-compositor-stages-before-draw", "--virtual-time-budget=10000",
            page.as_uri(),
        ]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    assert out.exists(), f"Chromium wrote no screenshot (exit {done.returncode}): {done.stderr[-2000:]}"
    with Image.open(out) as im:
        return im.convert("RGB")  # type: ignore[no-any-return]


# ---------------------------------------------------------------------------------------------
# figures
# ---------------------------------------------------------------------------------------------

_SETS: tuple[MaskSet, ...] = ("restored", "original")
EDGE_CASES: tuple[tuple[str, MaskSet, tuple[int, int]], ...] = tuple(
    (name, mask_set, (512, 512) if mask_set == "restored" else (512, 600))
    for name in ("acne", "redness", "lines", "pores")
    for mask_set in _SETS
)
"""(fixture, mask set, canvas) the edge figures are measured on: the restored set drawn at
512 px (a 0.21 scale) and the original set at its own 512x600."""


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims ``width x height`` pixels (the classic decompression bomb's header)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    body = struct.pack(">I", len(ihdr)) + chunk + struct.pack(">I", zlib.crc32(chunk))
    idat = zlib.compress(b"\x00" * 64)
    idat_chunk = b"IDAT" + idat
    body += struct.pack(">I", len(idat)) + idat_chunk + struct.pack(">I", zlib.crc32(idat_chunk))
    return b"\x89PNG\r\n\x1a\n" + body
