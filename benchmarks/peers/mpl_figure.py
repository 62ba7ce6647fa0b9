"""A detectron2-style matplotlib figure: the photo with ``imshow``, one patch per feature.

Like detectron2's ``Visualizer``: a frameless figure of the photo's size at a fixed dpi,
``PathPatch`` per polygon (holes kept), ``Circle`` per point, ``Line2D`` per line, all with
alpha; the Agg canvas is drawn and read back as an RGB array.
"""

from __future__ import annotations

import numpy as np

from benchmarks.peers.scene import OPACITY, Scene, load_scene, script_args

DPI = 100


def draw(scene: Scene, photo: np.ndarray) -> np.ndarray:
    """The overlay as an (H, W, 3) uint8 array."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Circle, PathPatch
    from matplotlib.path import Path as MPath

    w, h = scene.size
    fig = Figure(figsize=(w / DPI, h / DPI), dpi=DPI, frameon=False)
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.axis("off")
    ax.imshow(photo, extent=(0, w, h, 0), interpolation="nearest")
    ax.set_xlim(0, w)
    ax.set_ylim(h, 0)
    lw_points = scene.line_width * 72 / DPI
    for m in scene.masks:
        color = tuple(c / 255 for c in m.color)
        if m.mask_type == "point_mask":
            for x, y in m.points.tolist():
                ax.add_patch(Circle((x, y), scene.point_radius, facecolor=color, edgecolor="none", alpha=OPACITY))
        elif m.mask_type == "polyline_mask":
            for line in m.lines:
                ax.add_line(Line2D(line[:, 0], line[:, 1], color=color, alpha=OPACITY, linewidth=lw_points,
                                   solid_capstyle="round", solid_joinstyle="round"))
        else:
            for level, rings in m.polygons:
                path = MPath.make_compound_path(*(MPath(r, closed=True) for r in rings))
                ax.add_patch(PathPatch(path, facecolor=color, edgecolor="none", alpha=OPACITY * level))
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[:, :, :3].copy()


def main(argv: list[str] | None = None) -> None:
    """``python -m benchmarks.peers.mpl_figure result.json photo.jpg out.png``."""
    from PIL import Image

    result, photo_path, output = script_args(argv)
    photo = np.asarray(Image.open(photo_path).convert("RGB"))
    scene = load_scene(result, (photo.shape[1], photo.shape[0]))
    Image.fromarray(draw(scene, photo)).save(output)


if __name__ == "__main__":
    main()
