"""Plain Pillow: ``ImageDraw`` on one RGBA sheet per mask, ``alpha_composite``, ``save()`` defaults.

No anti-aliasing; holes are punched into the mask's own sheet (which also erases any
overlapping feature drawn before: ``ImageDraw.polygon`` has no holes); heatmap levels are
drawn in increasing order with alpha ``opacity * level`` (the higher level overwrites).
"""

from __future__ import annotations

from PIL import Image, ImageDraw

from benchmarks.peers.scene import OPACITY, Scene, load_scene, script_args


def draw(scene: Scene, photo: Image.Image) -> Image.Image:
    """The overlay (RGB) over ``photo``."""
    out = photo.convert("RGBA")
    r = scene.point_radius
    width = max(1, round(scene.line_width))
    for m in scene.masks:
        sheet = Image.new("RGBA", out.size, (0, 0, 0, 0))
        d = ImageDraw.Draw(sheet)
        a = round(255 * OPACITY)
        if m.mask_type == "point_mask":
            for x, y in m.points.tolist():
                d.ellipse((x - r, y - r, x + r, y + r), fill=(*m.color, a))
        elif m.mask_type == "polyline_mask":
            for line in m.lines:
                d.line([tuple(p) for p in line.tolist()], fill=(*m.color, a), width=width, joint="curve")
        else:
            for level, rings in sorted(m.polygons, key=lambda p: p[0]):
                d.polygon([tuple(p) for p in rings[0].tolist()], fill=(*m.color, round(a * level)))
                for hole in rings[1:]:
                    d.polygon([tuple(p) for p in hole.tolist()], fill=(0, 0, 0, 0))
        out.alpha_composite(sheet)
    return out.convert("RGB")


def main(argv: list[str] | None = None) -> None:
    """``python -m benchmarks.peers.pillow_plain result.json photo.jpg out.png``."""
    result, photo_path, output = script_args(argv)
    photo = Image.open(photo_path)
    scene = load_scene(result, photo.size)
    draw(scene, photo).save(output)


if __name__ == "__main__":
    main()
