"""PNG-vs-SVG parity on generated workloads: the SVG drawn by resvg and by Chromium against the PNG.

A :class:`Workload` is a list of bare masks, a canvas and a style, built from a seed by the
generators below (no fixture, no code shared with the renderers):

* frames: ``uniform`` (a 1000-unit square view_box on a smaller square canvas), ``non-uniform``
  (the same view_box on a 400x250 or other off-aspect canvas: discs must stay circles),
  ``far`` (the view_box origin at (1e7, 5e6), a few units per pixel: single-precision renderers
  must still place every edge);
* masks of every kind: polygons (some with holes, some overlapping), nested heatmap blobs,
  polylines that cross each other, clustered points whose discs overlap;
* intensities ``graded`` (crossing shapes of close levels, 0.48 and 0.53 as in the issue, so
  double blending shows as 0.76) or ``random`` levels.

:func:`workloads` is the hypothesis strategy; :data:`NAMED` the fixed set
``python tests/imaging.py`` prints (via :func:`print_parity`).  Figures are taken over the
*inked* pixels (those where either picture differs from the photo), so that a defect along a
few crossings is not diluted by the untouched photo.
"""

from __future__ import annotations

import html
import io
import math
import re
import tempfile
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from hypothesis import strategies as st
from PIL import Image

from helpers import chromium_screenshot, find_chromium, resvg_render

FRAMES = ("uniform", "non-uniform", "far")
KINDS = ("polygon_mask", "heatmap_mask", "polyline_mask", "point_mask")
FAR_ORIGIN = (1e7, 5e6)
PALETTE = ("#1d3557", "#2a9d8f", "#6a040f", "#3a0ca3")
"""Mask colours far from the skin-toned photo, so that an alpha error shows."""

Mask = dict[str, Any]


@dataclass(frozen=True)
class Workload:
    """Bare masks on a canvas of ``size`` output pixels, drawn with one style."""

    name: str
    masks: tuple[Mask, ...]
    size: tuple[int, int]
    opacity: float = 0.8
    line_width: float = 5.0
    point_radius: float = 3.0
    outline: float = 0.0
    frame: str = "uniform"
    tags: tuple[str, ...] = field(default=())

    def style(self) -> Any:
        from maskrender.style import Style

        return Style(opacity=self.opacity, line_width=self.line_width, point_radius=self.point_radius,
                     outline=self.outline)


# ---------------------------------------------------------------------------------------------
# generators
# ---------------------------------------------------------------------------------------------


def _frame(frame: str, rng: np.random.Generator) -> tuple[tuple[float, float, float, float], tuple[int, int]]:
    """``(min_x, min_y, width, height)`` of the view_box and the canvas size."""
    if frame == "non-uniform":
        size = (400, 250) if rng.random() < 0.5 else (int(rng.integers(260, 400)), int(rng.integers(150, 230)))
        return (0.0, 0.0, 1000.0, 1000.0), size
    n = int(rng.integers(180, 300))
    if frame == "far":  # a few view_box units per pixel: float32 cannot hold 1e7 + a fraction
        units = float(rng.choice([n / 2, n / 3, n / 4]))
        return (*FAR_ORIGIN, units, units), (n, n)
    return (0.0, 0.0, 1000.0, 1000.0), (n, n)


def _blob(rng: np.random.Generator, cx: float, cy: float, r: float, n: int = 28) -> npt.NDArray[np.float64]:
    """A closed star-shaped ring (unit frame) around ``(cx, cy)`` of mean radius ``r``."""
    ang = np.sort(rng.uniform(0, 2 * math.pi, n))
    rad = r * (1 + 0.25 * np.sin(3 * ang + rng.uniform(0, 6)) + rng.uniform(-0.05, 0.05, n))
    ring = np.stack([cx + rad * np.cos(ang), cy + rad * np.sin(ang)], axis=1)
    return np.vstack([ring, ring[:1]])


Pair = tuple[float, float] | None
"""Two alternating intensities, or ``None`` to draw them."""


def _levels(rng: np.random.Generator, graded: bool, n: int, pair: Pair = None) -> list[float]:
    if graded:  # close levels that cross: double blending of 0.48 and 0.53 shows as 0.76
        drawn = sorted(rng.choice([0.3, 0.45, 0.6, 0.75, 0.9], 2, replace=False))
        two = pair or ((0.48, 0.53) if rng.random() < 0.5 else drawn)
        return [float(two[i % 2]) for i in range(n)]
    return [float(v) for v in rng.choice([0.25, 0.5, 0.75, 1.0], n)]


def _polygons(rng: np.random.Generator, graded: bool, pair: Pair) -> tuple[list[Any], list[float]]:
    feats = []
    n = int(rng.integers(4, 9))
    for _ in range(n):
        cx, cy, r = rng.uniform(0.2, 0.8), rng.uniform(0.2, 0.8), rng.uniform(0.06, 0.16)
        rings = [_blob(rng, cx, cy, r)]
        if rng.random() < 0.3:
            rings.append(_blob(rng, cx, cy, r * 0.35)[::-1])
        feats.append(rings)
    return feats, _levels(rng, graded, n, pair)


def _heatmap(rng: np.random.Generator, graded: bool) -> tuple[list[Any], list[float]]:
    feats, levels = [], []
    steps = [0.48, 0.53, 0.75] if graded else [0.2, 0.4, 0.6, 0.8, 1.0]
    for _ in range(int(rng.integers(2, 4))):
        cx, cy, r = rng.uniform(0.25, 0.75), rng.uniform(0.25, 0.75), rng.uniform(0.15, 0.25)
        for k, level in enumerate(steps):
            feats.append([_blob(rng, cx, cy, r * (1 - k / len(steps)), 36)])
            levels.append(level)
    return feats, levels


def _lines(rng: np.random.Generator, graded: bool, pair: Pair) -> tuple[list[Any], list[float]]:
    feats = []
    n = int(rng.integers(6, 13))
    for i in range(n):
        t = np.linspace(0.05, 0.95, int(rng.integers(3, 12)))
        off = rng.uniform(0.15, 0.85) + rng.uniform(-0.04, 0.04, len(t))
        xy = np.stack([t, off], axis=1) if i % 2 == 0 else np.stack([off, t], axis=1)  # rows cross columns
        feats.append([xy])
    return feats, _levels(rng, graded, n, pair)


def _points(rng: np.random.Generator, graded: bool, pair: Pair, spread: float) -> tuple[list[Any], list[float]]:
    feats = []
    for c in rng.uniform(0.15, 0.85, (int(rng.integers(6, 14)), 2)):
        # a cluster of discs that overlap (spread is about a radius), one feature each
        feats += [[c + rng.normal(0, spread, 2)] for _ in range(int(rng.integers(2, 6)))]
    return feats, _levels(rng, graded, len(feats), pair)


def _to_view_box(coords: Any, vb: tuple[float, float, float, float]) -> Any:
    if isinstance(coords, np.ndarray) and coords.ndim == 1:
        return [round(vb[0] + coords[0] * vb[2], 3), round(vb[1] + coords[1] * vb[3], 3)]
    return [_to_view_box(c, vb) for c in coords]


def make_workload(seed: int, frame: str, kinds: Sequence[str], graded: bool, *, name: str = "",
                  opacity: float | None = None, outline: float | None = None,
                  pair: tuple[float, float] | None = None) -> Workload:
    """The workload of ``seed``: masks of ``kinds`` in a ``frame``, intensities graded (two
    alternating levels, ``pair`` if given) or random."""
    rng = np.random.default_rng(seed)
    vb, size = _frame(frame, rng)
    line_width = float(rng.uniform(3, 9))
    radius = float(rng.uniform(2, 5))
    unit = min(size) / 1.0
    masks: list[Mask] = []
    for kind in kinds:
        if kind == "polygon_mask":
            feats, levels = _polygons(rng, graded, pair)
            geom = "Polygon"
        elif kind == "heatmap_mask":
            feats, levels = _heatmap(rng, graded)
            geom = "Polygon"
        elif kind == "polyline_mask":
            feats, levels = _lines(rng, graded, pair)
            geom = "MultiLineString"
        else:
            feats, levels = _points(rng, graded, pair, radius / unit)
            geom = "MultiPoint"
        masks.append({
            "type": "FeatureCollection", "mask_type": kind, "tech_name": f"{kind}_{seed}",
            "view_box": " ".join(f"{v:.10g}" for v in vb),
            "fill": PALETTE[len(masks) % len(PALETTE)],
            "features": [{"type": "Feature", "geometry": {"type": geom, "coordinates": _to_view_box(f, vb)},
                          "properties": {"intensity": level}} for f, level in zip(feats, levels, strict=True)],
        })
    return Workload(
        name or f"{frame}-{'graded' if graded else 'random'}-{seed}", tuple(masks), size,
        opacity=float(rng.uniform(0.6, 1.0)) if opacity is None else opacity,
        line_width=line_width, point_radius=radius,
        outline=(1.5 if rng.random() < 0.3 else 0.0) if outline is None else outline,
        frame=frame, tags=(frame, "graded" if graded else "random"),
    )


@st.composite
def workloads(draw: st.DrawFn, frames: Sequence[str] = FRAMES, kinds: Sequence[str] = KINDS,
              graded: bool | None = None) -> Workload:
    """Generated workloads: a frame, a non-empty subset of mask kinds, graded or random levels."""
    frame = draw(st.sampled_from(list(frames)))
    chosen = draw(st.lists(st.sampled_from(list(kinds)), min_size=1, max_size=len(kinds), unique=True))
    grade = draw(st.booleans()) if graded is None else graded
    seed = draw(st.integers(0, 2**32 - 1))
    return make_workload(seed, frame, sorted(chosen, key=KINDS.index), grade)


NAMED: tuple[Workload, ...] = (
    *(make_workload(s, "uniform", KINDS, False, name=f"uniform, random levels #{s}") for s in (1, 2)),
    *(make_workload(s, "uniform", KINDS, True, name=f"uniform, graded crossings #{s}") for s in (3, 4)),
    make_workload(5, "non-uniform", KINDS, False, name="non-uniform view_box, random levels"),
    make_workload(6, "non-uniform", ("polyline_mask", "point_mask"), True, name="non-uniform, lines+points graded"),
    make_workload(7, "far", KINDS, False, name="far origin (1e7, 5e6), random levels"),
    make_workload(8, "far", KINDS, True, name="far origin, graded crossings"),
    make_workload(9, "uniform", ("polyline_mask",), True, name="crossing lines 0.48/0.53 only", opacity=1.0,
                  pair=(0.48, 0.53)),
    make_workload(10, "uniform", ("point_mask",), True, name="overlapping discs 0.48/0.53 only", opacity=1.0,
                  pair=(0.48, 0.53)),
    make_workload(11, "uniform", ("heatmap_mask",), False, name="nested heatmap only", opacity=1.0),
)
"""The fixed workloads :func:`print_parity` reports on."""


# ---------------------------------------------------------------------------------------------
# drawing and measuring
# ---------------------------------------------------------------------------------------------


def photo_for(size: tuple[int, int]) -> Image.Image:
    """A smooth, skin-toned gradient photo (not one colour, so an offset shows)."""
    w, h = size
    x = np.linspace(0, 1, w)[None, :, None]
    y = np.linspace(0, 1, h)[:, None, None]
    base = np.array([205.0, 160.0, 135.0]) + 30 * x * np.array([1, -0.5, 0.3]) - 25 * y * np.array([0.2, 1, 0.6])
    return Image.fromarray(np.clip(base, 0, 255).astype(np.uint8), "RGB")


def _png_bytes(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "PNG", compress_level=1)
    return buf.getvalue()


def draw_both(w: Workload) -> tuple[Image.Image, Image.Image, str]:
    """The photo, the PNG renderer's picture on it, and the SVG document with the photo embedded."""
    from maskrender.errors import AspectWarning
    from maskrender.overlay import render, render_svg

    photo = photo_for(w.size)
    with warnings.catch_warnings():  # the non-uniform frame is off-aspect on purpose
        warnings.simplefilter("ignore", AspectWarning)
        png = render(list(w.masks), photo, style=w.style())
        svg = render_svg(list(w.masks), _png_bytes(photo), embed_image=True, style=w.style())
    assert isinstance(png, Image.Image)
    return photo, png.convert("RGB"), svg


@dataclass(frozen=True)
class Parity:
    """How an SVG renderer's picture compares with the PNG renderer's."""

    mad: float
    """Mean absolute difference per channel over the whole picture, in levels of 255."""
    ink_mad: float
    """The same over the inked pixels (either picture differs from the photo)."""
    ink_within16: float
    """Share of inked pixels whose every channel is within 16 levels."""
    ink_pixels: int
    max: int


def parity(svg_picture: Image.Image, png: Image.Image, photo: Image.Image) -> Parity:
    """Compare two pictures of the same workload on ``photo``."""
    a = np.asarray(svg_picture.convert("RGB"), dtype=np.int16)
    b = np.asarray(png.convert("RGB"), dtype=np.int16)
    p = np.asarray(photo.convert("RGB"), dtype=np.int16)
    d = np.abs(a - b)
    ink = (np.abs(a - p).max(axis=2) > 2) | (np.abs(b - p).max(axis=2) > 2)
    n = int(ink.sum())
    if not n:
        return Parity(float(d.mean()), 0.0, 1.0, 0, int(d.max(initial=0)))
    return Parity(float(d.mean()), float(d[ink].mean()), float((d.max(axis=2)[ink] <= 16).mean()), n,
                  int(d.max(initial=0)))


def pooled(figures: Sequence[Parity]) -> Parity:
    """The figures of several workloads taken together (their inked pixels pooled)."""
    n = sum(f.ink_pixels for f in figures)
    if not n:
        return Parity(0.0, 0.0, 1.0, 0, 0)
    return Parity(sum(f.mad for f in figures) / len(figures), sum(f.ink_mad * f.ink_pixels for f in figures) / n,
                  sum(f.ink_within16 * f.ink_pixels for f in figures) / n, n, max(f.max for f in figures))


def via_resvg(w: Workload) -> Parity:
    """PNG renderer vs resvg drawing the SVG (photo embedded)."""
    photo, png, svg = draw_both(w)
    return parity(resvg_render(svg, w.size).convert("RGB"), png, photo)


def via_chromium(ws: Sequence[Workload], chromium: str) -> list[Parity]:
    """PNG renderer vs headless Chromium showing each SVG in an ``<img>``: one browser run for all."""
    drawn = [draw_both(w) for w in ws]
    gap, x, y, row_h, width = 8, 0, 0, 0, 1600
    places = []
    for w in ws:
        if x and x + w.size[0] > width:
            x, y, row_h = 0, y + row_h + gap, 0
        places.append((x, y))
        x, row_h = x + w.size[0] + gap, max(row_h, w.size[1])
    page_w = max(px + w.size[0] for (px, _), w in zip(places, ws, strict=True))
    page_h = max(py + w.size[1] for (_, py), w in zip(places, ws, strict=True))
    with tempfile.TemporaryDirectory(prefix="maskrender-parity-") as tmp:
        folder = Path(tmp)
        imgs = []
        for i, ((px, py), w, (_, _, svg)) in enumerate(zip(places, ws, drawn, strict=True)):
            (folder / f"case{i}.svg").write_text(svg, encoding="utf-8")
            imgs.append(f'<img src="case{i}.svg" width="{w.size[0]}" height="{w.size[1]}" '
                        f'style="position:absolute;left:{px}px;top:{py}px;display:block" alt="{html.escape(w.name)}">')
        page = folder / "page.html"
        page.write_text("<!DOCTYPE html><html><head><meta charset='utf-8'><style>html,body{margin:0;padding:0;"
                        f"background:#fff;overflow:hidden}}</style></head><body>{''.join(imgs)}</body></html>",
                        encoding="utf-8")
        shot = chromium_screenshot(page, (page_w, page_h), folder / "shot.png", chromium)
    out = []
    for (px, py), w, (photo, png, _) in zip(places, ws, drawn, strict=True):
        crop = shot.crop((px, py, px + w.size[0], py + w.size[1]))
        out.append(parity(crop, png, photo))
    return out


# ---------------------------------------------------------------------------------------------
# reading path data back (to check coordinates; shares no code with the writer)
# ---------------------------------------------------------------------------------------------

_PATH_TOKEN = re.compile(r"[MmLlHhVvZz]|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def subpaths(d: str) -> list[npt.NDArray[np.float64]]:
    """The absolute vertices of each subpath of SVG path data (commands M, L, H, V, Z, either case)."""
    tokens = _PATH_TOKEN.findall(d)
    out: list[list[tuple[float, float]]] = []
    cx = cy = sx = sy = 0.0
    cmd, i, first = "", 0, True
    while i < len(tokens):
        if tokens[i].isalpha():
            cmd = tokens[i]
            i += 1
            if cmd in "Zz":
                cx, cy = sx, sy
                continue
        c = cmd.lower()
        rel = cmd.islower() and not first  # a path's first "m" is absolute
        first = False
        if c in "ml":
            x, y = float(tokens[i]), float(tokens[i + 1])
            i += 2
            cx, cy = (cx + x, cy + y) if rel else (x, y)
            if c == "m":
                out.append([])
                sx, sy = cx, cy
                cmd = "l" if cmd == "m" else "L"
        elif c == "h":
            v = float(tokens[i])
            i += 1
            cx = cx + v if rel else v
        elif c == "v":
            v = float(tokens[i])
            i += 1
            cy = cy + v if rel else v
        out[-1].append((cx, cy))
    return [np.array(s, dtype=np.float64).reshape(-1, 2) for s in out]


# ---------------------------------------------------------------------------------------------
# reading SVG back
# ---------------------------------------------------------------------------------------------

SVG_NS = "{http://www.w3.org/2000/svg}"


def svg_root(svg: str) -> ET.Element:
    """The parsed document (it must be well-formed, with an ``<svg>`` root)."""
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG_NS}svg"
    return root


def local(tag: str) -> str:
    """A tag without its namespace."""
    return tag.rpartition("}")[2]


def mask_groups(root: ET.Element) -> list[ET.Element]:
    """The top-level groups of masks (not outlines)."""
    return [g for g in root if local(g.tag) == "g" and "mask" in g.get("class", "").split()]


def alpha_of(svg: str, size: tuple[int, int]) -> npt.NDArray[np.float64]:
    """The alpha channel (0..255) of an SVG drawn by resvg."""
    return np.asarray(resvg_render(svg, size), dtype=np.float64)[..., 3]


# ---------------------------------------------------------------------------------------------
# the report
# ---------------------------------------------------------------------------------------------


def print_parity(workloads: Sequence[Workload] = NAMED) -> None:
    """Print PNG-vs-SVG parity via resvg and via Chromium (if installed) on ``workloads``."""
    print("PNG renderer vs SVG on generated workloads (inked pixels: where either differs from the photo)")
    chromium = find_chromium()
    browser = via_chromium(workloads, chromium) if chromium else [None] * len(workloads)
    for w, c in zip(workloads, browser, strict=True):
        r = via_resvg(w)
        line = (f"  {w.name:40s} {w.size[0]}x{w.size[1]}  resvg: MAD {r.mad:5.2f}, inked MAD {r.ink_mad:5.2f}, "
                f"within16 {r.ink_within16:7.2%}")
        if c is not None:
            line += f" | Chromium: MAD {c.mad:5.2f}, inked MAD {c.ink_mad:5.2f}, within16 {c.ink_within16:7.2%}"
        print(line)
    if chromium is None:
        print("  (Chromium not installed: browser figures skipped)")


def draw_with(w: Workload, accelerate: bool) -> tuple[list[tuple[tuple[int, int, int, int], bytes]], bytes]:
    """The layers (box, alpha bytes) of ``w`` and the photo they blend into, drawn and blended by the
    compiled core (``accelerate=True``, when built) or by the numpy reference and Pillow."""
    from maskrender.draw.layers import blend, mask_layers
    from maskrender.errors import AspectWarning
    from maskrender.overlay import prepare

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AspectWarning)
        _, canvas, drawings = prepare(list(w.masks), size=w.size, style=w.style())
    layers = [la for d in drawings for la in mask_layers(d.mask, d.transform, d.style, canvas, accelerate=accelerate)]
    picture = blend(photo_for(w.size), layers, accelerate=accelerate)
    return [(la.box, la.alpha.tobytes()) for la in layers], picture.tobytes()
