"""The OpenCV overlay recipe (what supervision's annotators do), with no anti-aliasing.

Per mask: copy the picture into a colour layer, draw the features into it with
``cv2.fillPoly`` (one call per polygon: exterior and its own holes, so overlapping features
do not cancel), ``cv2.circle`` (filled) or ``cv2.polylines``, then blend the layer with
``cv2.addWeighted(layer, opacity, picture, 1 - opacity)``. A heatmap gets one layer per
intensity level (opacity times the level), as one annotator call per level would.
"""

from __future__ import annotations

import numpy as np

from benchmarks.peers.scene import OPACITY, Scene, load_scene, script_args


def _ints(xy: np.ndarray) -> np.ndarray:
    return np.round(xy).astype(np.int32).reshape(-1, 1, 2)


def draw(scene: Scene, photo: np.ndarray) -> np.ndarray:
    """The overlay on a copy of ``photo`` (H, W, 3 uint8)."""
    import cv2

    out = photo.copy()
    radius = round(scene.point_radius)
    thickness = max(1, round(scene.line_width))
    for m in scene.masks:
        color = tuple(int(c) for c in m.color)
        if m.mask_type == "point_mask":
            layer = out.copy()
            for x, y in np.round(m.points).astype(int).tolist():
                cv2.circle(layer, (x, y), radius, color, -1)
            cv2.addWeighted(layer, OPACITY, out, 1 - OPACITY, 0, dst=out)
        elif m.mask_type == "polyline_mask":
            layer = out.copy()
            cv2.polylines(layer, [_ints(line) for line in m.lines], False, color, thickness)
            cv2.addWeighted(layer, OPACITY, out, 1 - OPACITY, 0, dst=out)
        else:
            for level in sorted({lv for lv, _ in m.polygons}):
                layer = out.copy()
                for lv, rings in m.polygons:
                    if lv == level:
                        cv2.fillPoly(layer, [_ints(r) for r in rings], color)
                a = OPACITY * level
                cv2.addWeighted(layer, a, out, 1 - a, 0, dst=out)
    return out


def main(argv: list[str] | None = None) -> None:
    """``python -m benchmarks.peers.opencv_recipe result.json photo.jpg out.png``."""
    import cv2

    result, photo_path, output = script_args(argv)
    photo = cv2.imread(photo_path, cv2.IMREAD_COLOR)
    scene = load_scene(result, (photo.shape[1], photo.shape[0]))
    cv2.imwrite(output, draw(scene, photo))


if __name__ == "__main__":
    main()
