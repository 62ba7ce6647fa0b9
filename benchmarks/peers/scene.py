"""The masks of a results list as pixel-space arrays: the common input of every peer.

Only ``json`` and numpy: this is the parsing a user of OpenCV, matplotlib or Pillow would
write for the restored masks of one photo. Rings are closed, holes kept per polygon.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

OPACITY = 0.6  # maskrender's default; point radius and line width also follow its Style()
ORDER = ("heatmap_mask", "polygon_mask", "polyline_mask", "point_mask")


@dataclass
class MaskArrays:
    """One mask in pixels: polygons (list of rings per polygon), lines, or points."""

    mask_type: str
    color: tuple[int, int, int]
    polygons: list[tuple[float, list[np.ndarray]]] = field(default_factory=list)  # (intensity, rings)
    lines: list[np.ndarray] = field(default_factory=list)
    points: np.ndarray = field(default_factory=lambda: np.empty((0, 2)))


@dataclass
class Scene:
    """Every mask of a photo, in drawing order, plus the style sizes in pixels."""

    size: tuple[int, int]
    masks: list[MaskArrays]
    point_radius: float
    line_width: float


def _color(text: str) -> tuple[int, int, int]:
    text = text.lstrip("#")
    return (int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16))


def scene_from_results(results: list[dict[str, Any]], size: tuple[int, int]) -> Scene:
    """The restored masks of ``results`` mapped onto a photo of ``size`` (W, H)."""
    masks: list[MaskArrays] = []
    for record in results:
        body = record.get("result") if isinstance(record, dict) else None
        if not isinstance(body, dict):
            continue
        for m in body.get("masks_restored") or []:
            x0, y0, vw, vh = (float(v) for v in m["view_box"].split())
            s = np.array([size[0] / vw, size[1] / vh])
            off = np.array([x0, y0])
            ma = MaskArrays(m["mask_type"], _color(m.get("fill", "#ff0000")))
            pts: list[np.ndarray] = []
            for f in m["features"]:
                g = f["geometry"]
                inten = float((f.get("properties") or {}).get("intensity", 1.0))
                t = g["type"].lower()
                if t == "multipoint":
                    pts.append(np.array([c[:2] for c in g["coordinates"]], dtype=float))
                elif t == "multilinestring":
                    ma.lines.extend((np.asarray(c, dtype=float)[:, :2] - off) * s for c in g["coordinates"])
                elif t == "multipolygon":
                    for poly in g["coordinates"]:
                        ma.polygons.append((inten, [(np.asarray(r, dtype=float)[:, :2] - off) * s for r in poly]))
            if pts:
                ma.points = (np.concatenate(pts) - off) * s
            masks.append(ma)
    masks.sort(key=lambda m: ORDER.index(m.mask_type) if m.mask_type in ORDER else len(ORDER))
    radius, width = _style_sizes(results, size)
    return Scene(size, masks, radius, width)


def _style_sizes(results: list[dict[str, Any]], size: tuple[int, int]) -> tuple[float, float]:
    """The point radius and line width maskrender's default style picks for these masks."""
    from maskrender.overlay import prepare

    radius, width = 1.5, 1.5
    for d in prepare(results, size=size)[2]:
        if d.mask.mask_type == "point_mask":
            radius = float(d.style.point_radius)
        elif d.mask.mask_type == "polyline_mask":
            width = float(d.style.line_width)
    return radius, width


def load_scene(result_path: str | Path, size: tuple[int, int]) -> Scene:
    """Read a results JSON file and map its restored masks onto ``size``."""
    return scene_from_results(json.loads(Path(result_path).read_bytes()), size)


def script_args(argv: list[str] | None = None) -> tuple[str, str, str]:
    """``result.json photo output`` from the command line of a peer script."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 3:
        raise SystemExit("usage: python -m benchmarks.peers.NAME result.json photo output")
    return args[0], args[1], args[2]
