"""The ``maskrender`` command: a thin shell over the Python API.

Exit status: 0 success, 2 a user error (one line on stderr, no traceback), 1 an unexpected
internal error.  Warnings print as one ``maskrender: warning: ...`` line each.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TextIO

from maskrender import __version__
from maskrender.errors import MaskRenderError

if TYPE_CHECKING:  # style pulls numpy, shapely and Pillow: `maskrender --version` should not
    from maskrender.style import Size, Style

__all__ = ["main"]


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:
        raise _UsageError(f"{self.prog}: {message}")


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT such as 512x512, not {text!r}") from None
    if w <= 0 or h <= 0:
        raise argparse.ArgumentTypeError(f"width and height must be positive, not {text!r}")
    return (w, h)


def _fill(text: str) -> tuple[str, str]:
    name, sep, colour = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=COLOR such as pores=#00A0FF, not {text!r}")
    from maskrender.style import Color

    try:
        Color.parse(colour)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None
    return (name, colour)


def _length(text: str) -> Size:
    from maskrender.style import Size

    try:
        return Size.parse(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _quality(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 100:
        raise argparse.ArgumentTypeError(f"expected a whole number from 1 to 100, not {text!r}")
    return int(text)


def _fraction(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        v = -1.0
    if not 0.0 <= v <= 1.0:
        raise argparse.ArgumentTypeError(f"expected a number from 0 to 1, not {text!r}")
    return v


def add_render_options(p: argparse.ArgumentParser) -> None:
    """Options shared by every command that draws masks."""
    p.add_argument("--masks", choices=("restored", "original"), default="restored",
                   help="which mask set to draw (default: restored)")
    p.add_argument("--side", choices=("front", "left", "right"), default="front",
                   help="which side's masks to draw (default: front)")
    p.add_argument("--only", action="append", metavar="NAME",
                   help="keep masks of this algorithm, family or mask tech name (repeatable)")
    p.add_argument("--opacity", type=_fraction, default=0.6, help="global opacity 0..1 (default 0.6)")
    p.add_argument("--fill", action="append", type=_fill, metavar="NAME=COLOR",
                   help="override a mask's colour (any CSS colour; repeatable)")
    p.add_argument("--point-radius", type=_length, metavar="LEN",
                   help="disc radius: pixels (5) or relative to the image (0.3%%); default 0.35%%, less for "
                        "dense points")
    p.add_argument("--line-width", type=_length, metavar="LEN",
                   help="stroke width: pixels (3) or relative to the image (0.1%%); default 0.2%%, at least 1.5 px")
    p.add_argument("--outline", type=_length, metavar="LEN", default="0",
                   help="outline polygons with this width (default: none)")
    p.add_argument("--strict", action="store_true", help="refuse a photo whose aspect ratio differs from the view_box")


def style_from(args: argparse.Namespace) -> Style:
    """The :class:`Style` the shared render options describe."""
    from maskrender.style import Style

    kwargs: dict[str, Any] = {"opacity": args.opacity, "fills": dict(args.fill or []), "outline": args.outline}
    if args.point_radius is not None:
        kwargs["point_radius"] = args.point_radius
    if args.line_width is not None:
        kwargs["line_width"] = args.line_width
    return Style(**kwargs)


def _cmd_info(args: argparse.Namespace) -> int:
    from maskrender.info import format_summary, summarize
    from maskrender.parse import load

    summary = summarize(load(args.result))
    if args.json:
        print(json.dumps(summary, indent=2, ensure_ascii=False))
    else:
        print(format_summary(summary))
    return 0


def _cmd_render(args: argparse.Namespace) -> int:
    from maskrender.overlay import render_file

    out = render_file(
        args.result,
        args.output,
        args.image,
        embed_image=args.embed_image,
        compress_level=args.compress_level,
        quality=args.quality,
        size=args.size,
        masks=args.masks,
        side=args.side,
        only=args.only,
        style=style_from(args),
        strict=args.strict,
    )
    if not args.quiet:
        print(f"wrote {out}")
    return 0


def _cmd_batch(args: argparse.Namespace) -> int:
    from maskrender.batch import OPTIONS, read_jobs, run_batch

    defaults = {k: v for k, v in vars(args).items() if k in OPTIONS and v is not None}
    jobs = read_jobs(args.source, args.out_dir, kind=args.kind, format=args.format, defaults=defaults)
    summary = run_batch(jobs, args.out_dir, workers=args.jobs, scheduler=args.scheduler, resume=args.resume,
                        progress=not args.quiet and sys.stderr.isatty(), messages=None if args.quiet else sys.stderr)
    if not args.quiet or summary.exit_status:
        print(summary)
    return summary.exit_status


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, not {text!r}")
    return int(text)


def _cmd_report(args: argparse.Namespace) -> int:
    from maskrender.errors import InputError
    from maskrender.report import report_file

    if args.side != "front":
        raise InputError("--side does not apply to a report; give --image-left/--image-right for the sides")
    out = report_file(
        args.result,
        args.output,
        args.image,
        image_left=args.image_left,
        image_right=args.image_right,
        before=args.before,
        before_image=args.before_image,
        only=args.only,
        title=args.title,
        subject=args.subject,
        masks=args.masks,
        style=style_from(args),
        width=args.width,
        page=args.page,
        dpi=args.dpi,
        columns=args.columns,
        strict=args.strict,
        quality=args.quality,
        lang=args.lang,
        fonts=args.font or (),
    )
    if not args.quiet:
        print(f"wrote {out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``maskrender`` command."""
    parser = _Parser(prog="maskrender", description="Draw skin-analysis masks as PNG and SVG overlays.")
    parser.add_argument("--version", action="version", version=f"maskrender {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser("info", help="print what a result holds")
    p.add_argument("result", help="result JSON file")
    p.add_argument("--json", action="store_true", help="machine-readable JSON")
    p.set_defaults(func=_cmd_info)

    p = sub.add_parser("render", help="draw masks over a photo, or as a transparent layer",
                       description="Draw the selected masks over the photo (or on a transparent canvas) and write "
                                   "a .png, .jpg, .webp or .svg, atomically. Example: maskrender render result.json "
                                   "--image selfie.jpg -o overlay.png")
    p.add_argument("result", help="result JSON file")
    p.add_argument("-o", "--output", required=True, help="output file: .png, .jpg, .webp or .svg")
    p.add_argument("--image", help="the photo (default: a transparent canvas)")
    p.add_argument("--size", type=_size, metavar="WxH", help="canvas size without a photo (default: the view_box)")
    p.add_argument("--embed-image", action="store_true", help="SVG: embed the photo as a data URI")
    p.add_argument("--compress-level", type=int, choices=range(10), default=1, metavar="0-9",
                   help="PNG zlib level (default 1: fast)")
    p.add_argument("--quality", type=_quality, default=90, metavar="1-100", help="JPEG/WebP quality (default 90)")
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")
    add_render_options(p)
    p.set_defaults(func=_cmd_render)

    p = sub.add_parser("batch", help="render many jobs: a manifest or a folder of results and photos",
                       description="Render every job of a manifest (.csv, .tsv or .jsonl; columns result, image, "
                                   "output and any render option, e.g. masks, side, only, opacity, fill, size; for "
                                   "reports also title, subject, before, image_left ...) or of a folder (NAME.json "
                                   "with NAME.jpg/.png/.webp). Relative paths are resolved against the manifest's "
                                   "folder; command-line options are the defaults that cells override. Failures are "
                                   "listed in OUT/errors.jsonl. Exit status: 0 all done, 1 some failed, 2 a usage "
                                   "error (nothing was rendered), 130 interrupted.")
    p.add_argument("source", help="manifest file, or folder of results")
    p.add_argument("-o", "--output", dest="out_dir", required=True, metavar="OUT", help="output folder")
    p.add_argument("--kind", choices=("overlay", "report"), default="overlay", help="what to make (default overlay)")
    p.add_argument("--format", default="png",
                   help="extension of outputs the manifest does not name: png (default), jpg, webp, svg; pdf, html")
    where = p.add_mutually_exclusive_group()
    where.add_argument("-j", "--jobs", type=_positive, metavar="N", help="worker processes (default: every core)")
    where.add_argument("--scheduler", metavar="ADDRESS", help="run on this Dask scheduler (needs maskrender[dask])")
    p.add_argument("--resume", action="store_true", help="skip jobs whose output exists and is complete")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar; print only a summary of failures")
    p.add_argument("--size", type=_size, metavar="WxH", help="canvas size of jobs without a photo")
    p.add_argument("--embed-image", action="store_true", default=None, help="SVG: embed the photo as a data URI")
    p.add_argument("--compress-level", type=int, choices=range(10), metavar="0-9", help="PNG zlib level (default 1)")
    p.add_argument("--quality", type=int, help="JPEG/WebP quality (default 90)")
    add_render_options(p)
    p.set_defaults(func=_cmd_batch)

    p = sub.add_parser("report", help="a report page: photo with masks, legend, one panel of metrics per algorithm",
                       description="Write a report: header, the photo with every selected mask and a legend, and "
                                   "one panel per algorithm (thumbnail, score, grade, gauge, per-area table). "
                                   "Formats by extension: .png .jpg .webp .svg .pdf .html.")
    p.add_argument("result", help="result JSON file")
    p.add_argument("-o", "--output", required=True, help="output file: .png, .jpg, .webp, .svg, .pdf or .html")
    p.add_argument("--image", help="the photo the masks belong to (default: a neutral canvas)")
    p.add_argument("--image-left", metavar="IMAGE", help="left side photo: adds a left | front | right row")
    p.add_argument("--image-right", metavar="IMAGE", help="right side photo")
    p.add_argument("--before", metavar="RESULT", help="an earlier result of the same subject: before/after report")
    p.add_argument("--before-image", metavar="IMAGE", help="the earlier result's photo")
    p.add_argument("--title", help="report title (default: Skin analysis report)")
    p.add_argument("--subject", help="who or what the report is about, e.g. an ID")
    p.add_argument("--width", type=int, metavar="PX", help="sheet width in pixels (default: the page width at --dpi)")
    p.add_argument("--page", choices=("A4", "Letter", "a4", "letter"), help="paper size (default A4)")
    p.add_argument("--dpi", type=float, default=150.0, help="pixels per inch of the page (default 150)")
    p.add_argument("--columns", type=int, choices=range(1, 7), metavar="1-6", help="panels per row (default 2)")
    p.add_argument("--quality", type=_quality, default=90, metavar="1-100", help="JPEG/WebP quality (default 90)")
    p.add_argument("--lang", metavar="CODE|FILE",
                   help="the report's words: en (default), de, or a JSON catalogue file (keys of report/lang/en.json)")
    p.add_argument("--font", action="append", metavar="FILE",
                   help="a .ttf/.otf/.ttc font tried before the bundled and system fonts (repeatable)")
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")
    add_render_options(p)
    p.set_defaults(func=_cmd_report)
    return parser


def _warning_printer(stream: TextIO) -> Callable[..., None]:
    def show(message: Warning | str, category: type[Warning], filename: str, lineno: int,
             file: TextIO | None = None, line: str | None = None) -> None:
        print(f"maskrender: warning: {message}", file=stream)

    return show


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = build_parser()
    old_show = warnings.showwarning
    warnings.showwarning = _warning_printer(sys.stderr)
    try:
        try:
            args = parser.parse_args(argv)
        except _UsageError as err:
            print(f"{err}", file=sys.stderr)
            return 2
        if getattr(args, "func", None) is None:
            parser.print_help(sys.stderr)
            return 2
        return int(args.func(args))
    except MaskRenderError as err:
        print(f"maskrender: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("maskrender: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    finally:
        warnings.showwarning = old_show


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
