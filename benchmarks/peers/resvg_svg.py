"""maskrender's own SVG (photo embedded) rendered to PNG by resvg (anti-aliased, Rust).

resvg returns PNG bytes, so its "draw" includes its own PNG encoding.
"""

from __future__ import annotations

from pathlib import Path

from benchmarks.peers.scene import script_args


def render_png(svg: str) -> bytes:
    """PNG bytes of an SVG document."""
    import resvg_py

    return bytes(resvg_py.svg_to_bytes(svg_string=svg))


def main(argv: list[str] | None = None) -> None:
    """``python -m benchmarks.peers.resvg_svg result.json photo.jpg out.png``."""
    import maskrender as mr

    result, photo_path, output = script_args(argv)
    svg = mr.render_svg(result, photo_path, embed_image=True)
    Path(output).write_bytes(render_png(svg))


if __name__ == "__main__":
    main()
