"""The ``maskrender`` command: a thin shell over the Python API.

Exit status: 0 success, 2 a user error (one line on stderr, no traceback), 1 an unexpected
internal error.  Warnings print as one ``maskrender: warning: ...`` line each.  ``-`` reads the
result or the photo from standard input and ``-o -`` writes to standard output (with ``--format``);
missing output folders are created, in every command.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from maskrender import __version__
from maskrender._clio import STDIO, one_blas_thread, output_folders, photo_argument, result_argument, to_stdout
from maskrender._jsonpath import printable
from maskrender.atomic import terminate_as_interrupt
from maskrender.completion import SHELLS, did_you_mean, script
from maskrender.defaults import BATCH_FORMAT
from maskrender.draw.core import core_name
from maskrender.errors import InputError, MaskRenderError, OutputError
from maskrender.formats import extensions, format_named
from maskrender.options import OPTIONS, Option, options_for  # light: heavy modules load when a command runs

__all__ = ["main"]


class _UsageError(Exception):
    pass


class _StdoutError(Exception):
    """Standard output cannot be written (a full disk, a closed pipe): ``__cause__`` says why."""


def _say(text: str) -> None:
    """Print ``text`` on standard output, each line escaped (no terminal escape sequence from the data;
    tabs and newlines are the caller's), and flush it, so a failure shows here and not at exit."""
    try:
        print("\n".join("\t".join(map(printable, line.split("\t"))) for line in text.split("\n")))
        sys.stdout.flush()
    except OSError as err:
        raise _StdoutError from err


def _stdout_failed(err: BaseException | None) -> int:
    """One line and status 2 for an unwritable standard output (0 for a reader that went away, as
    ``| head`` does); standard output is pointed at the null device so the interpreter's last flush
    cannot fail again with a traceback."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    if isinstance(err, BrokenPipeError):
        return 0
    reason = getattr(err, "strerror", None) or err
    with contextlib.suppress(OSError, ValueError):
        print(f"maskrender: error: cannot write to standard output: {reason}", file=sys.stderr)
    return 2


def _out_of_memory(args: argparse.Namespace | None) -> int:
    """One line for an out-of-memory failure, naming what was being made (outputs are atomic: nothing
    partial was left), and status 2."""
    command = getattr(args, "command", None) or "the command"
    target = getattr(args, "output", None) or getattr(args, "out_dir", None)
    what = f"{command} of {target}" if target else f"{command} of {getattr(args, 'result', None) or 'the input'}"
    smaller = {"render": " or give a smaller --max-size", "export": " or give a smaller --max-size",
               "report": " or give a smaller --width"}.get(command, "")
    with contextlib.suppress(OSError, ValueError, MemoryError):
        print(printable(f"maskrender: error: out of memory while making the {what}; nothing was written "
                        f"(free memory{smaller})"), file=sys.stderr)
    return 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:
        raise _UsageError(f"{self.prog}: {message}")


def _say_more(args: argparse.Namespace, text: str) -> None:
    """With ``-v``: one more line on standard error."""
    if getattr(args, "verbose", False):
        print(f"maskrender: {printable(text)}", file=sys.stderr)


def _reader(option: Option) -> Callable[[str], Any]:
    """An argparse ``type`` that reads with the registry's reader (a bad value: a usage error, exit 2)."""
    def read(text: str) -> Any:
        try:
            return option.read(text)
        except InputError as err:
            raise argparse.ArgumentTypeError(str(err)) from None

    read.__name__ = option.name  # argparse names the type in some messages
    read.choices = option.choices  # type: ignore[attr-defined]  # for shell completion
    return read


def _no_side(text: str) -> None:
    raise argparse.ArgumentTypeError("does not apply to a report; give --image-left/--image-right for the sides")


def add_options(p: argparse.ArgumentParser, kind: str | None) -> None:
    """The registry's options for ``kind`` (``overlay``, ``report``, ``export``; ``None``: every
    overlay and report option, as a batch takes them), each with its one reader, range and help."""
    # a batch takes what its jobs (overlays, reports) take, and its own settings (options of no kind: timeout)
    chosen = options_for(kind) if kind is not None else tuple(
        o for o in OPTIONS.values() if not o.kinds or o.kinds & {"overlay", "report"})
    for option in chosen:
        how: dict[str, Any] = {"dest": option.name}
        if option.switch:
            how.update(action="store_true", default=None)
        elif option.repeat:  # each use read on its own, so an error names the bad one
            how.update(action="append", type=_reader(option), metavar=option.metavar)
        else:
            how.update(type=_reader(option), metavar=option.metavar)
        older = "".join(f"; {old} is its older name" for old in option.alias_flags)
        p.add_argument(option.flag, help=option.help_for(kind) + older, **how)
        for old in option.alias_flags:  # an older name users already type (--masks): read, not listed on its own
            p.add_argument(old, help=argparse.SUPPRESS, **how)


def option_values(args: argparse.Namespace) -> dict[str, Any]:
    """The registry options given on the command line, read (repeated ones merged)."""
    values: dict[str, Any] = {}
    for name, option in OPTIONS.items():
        value = getattr(args, name, None)
        if value is None:
            continue
        if option.repeat:  # a list of what each use read: names tuples or fill dicts
            value = ({k: v for d in value for k, v in d.items()} if name in ("fill", "opacity")
                     else tuple(n for names in value for n in names))
        # a path argument is a path, even "[visit 1].json" (a str would be read as JSON text)
        values[name] = Path(value) if option.path and isinstance(value, str) else value
    return values


def _cmd_info(args: argparse.Namespace) -> int:
    from maskrender.info import format_summary, summarize
    from maskrender.parse import load

    summary = summarize(load(result_argument(args.result, [])))
    _say(json.dumps(summary, indent=2, ensure_ascii=False) if args.json else format_summary(summary))
    return 0


def _draw(args: argparse.Namespace, kind: str) -> int:
    """``render`` and ``report``: one result (and photo) into one file, or standard output."""
    from maskrender.options import call_options

    write: Callable[..., Any]
    if kind == "overlay":  # only the command's own modules are imported (a report's are heavier)
        from maskrender.overlay import render_file as write
    else:
        from maskrender.report import report_file as write
    taken: list[str] = []
    result = result_argument(args.result, taken)
    photo = photo_argument(args.image, taken)
    kwargs = call_options(option_values(args), kind)
    started = time.perf_counter()
    if args.output == STDIO:
        if args.format is None:
            raise OutputError(f"-o - (standard output) needs --format: {', '.join(_format_names(kind))}")
        write(result, sys.stdout.buffer, photo, format=args.format, **kwargs)
        sys.stdout.buffer.flush()
        _say_more(args, f"wrote {format_named(args.format, kind).name} to standard output in "
                        f"{time.perf_counter() - started:.2f} s")
        return 0
    with output_folders(args.output):
        out = write(result, args.output, photo, format=args.format, **kwargs)
    _say_more(args, f"{os.path.getsize(out):,} bytes in {time.perf_counter() - started:.2f} s")
    if not args.quiet:
        _say(f"wrote {printable(str(out))}")
    return 0


def _cmd_render(args: argparse.Namespace) -> int:
    return _draw(args, "overlay")


def _format_names(kind: str) -> list[str]:
    from maskrender.formats import OUTPUT_FORMATS

    return [f.name for f in OUTPUT_FORMATS.values() if kind in f.kinds]


def _cmd_batch(args: argparse.Namespace) -> int:
    from maskrender.batch import read_jobs, run_batch

    defaults = option_values(args)
    jobs = read_jobs(args.source, args.out_dir, kind=args.kind, format=args.format, defaults=defaults)
    _say_more(args, f"{len(jobs)} job(s) from {args.source}")
    summary = run_batch(jobs, args.out_dir, workers=args.jobs, scheduler=args.scheduler, resume=args.resume,
                        progress=not args.quiet and sys.stderr.isatty(), messages=None if args.quiet else sys.stderr,
                        index=args.index)
    if not args.quiet or summary.exit_status:
        _say(printable(str(summary)))
    return summary.exit_status


def _cmd_export(args: argparse.Namespace) -> int:
    from maskrender.export import export_file
    from maskrender.options import call_options

    values = option_values(args)
    kwargs = {k: values[k] for k in ("mask_set", "side", "only", "size", "max_size", "coordinates") if k in values}
    if kwargs.get("side") == "all":
        kwargs["side"] = None
    style = call_options(values, "overlay")["style"]
    taken: list[str] = []
    # paths, even "[visit 1].json" (a str would be read as JSON text); several: one COCO file
    sources = [result_argument(r, taken) for r in args.result]
    data: Any = sources[0] if len(sources) == 1 else sources
    image = photo_argument(args.image, taken)
    if args.output == STDIO:  # the label table goes to standard error: standard output is the data
        if args.format is None:
            raise OutputError(f"-o - (standard output) needs --format: {', '.join(_format_names('export'))}")
        fmt = format_named(args.format, "export")
        done: dict[str, Any] = {}
        to_stdout(lambda path: done.update(export_file(data, path, style=style, image=image, **kwargs)),
                  fmt.extensions[0])
        if not args.quiet:
            for label, name in (done.get("labels") or {}).items():
                print(f"{label}\t{printable(str(name))}", file=sys.stderr)
        return 0
    if args.format is not None and not args.output.lower().endswith(format_named(args.format, "export").extensions):
        raise OutputError(f"{args.output}: an export's format follows the file's ending; --format is for -o -")
    started = time.perf_counter()
    with output_folders(args.output):
        done = export_file(data, args.output, style=style, image=image, **kwargs)
    _say_more(args, f"{done['format']}: {os.path.getsize(done['path']):,} bytes in "
                    f"{time.perf_counter() - started:.2f} s")
    if not args.quiet:
        lines = [f"{label}\t{printable(str(name))}" for label, name in (done.get("labels") or {}).items()]
        _say("\n".join([*lines, f"wrote {printable(str(done['path']))}"]))
    return 0


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, not {text!r}")
    return int(text)


def _cmd_report(args: argparse.Namespace) -> int:
    return _draw(args, "report")


def _cmd_completion(args: argparse.Namespace) -> int:
    _say(script(build_parser(), args.shell).rstrip("\n"))
    return 0


def _quiet_or_verbose(p: argparse.ArgumentParser, quiet: str) -> None:
    loud = p.add_mutually_exclusive_group()
    loud.add_argument("-q", "--quiet", action="store_true", help=quiet)
    loud.add_argument("-v", "--verbose", action="store_true", help="say more on standard error: sizes, times, counts")


def _drawing_command(sub: Any, name: str, summary: str, description: str, kind: str,
                     image_help: str) -> argparse.ArgumentParser:
    """A command that draws one result into one file: ``result -o OUTPUT [--image] [-q]`` and the
    registry's options of ``kind``; the output formats come from the format table."""
    endings = extensions(kind)
    listed = ", ".join(endings[:-1]) + " or " + endings[-1]
    p: argparse.ArgumentParser = sub.add_parser(name, help=summary, description=f"{description} Formats by "
                                                f"extension: {listed}.")
    p.add_argument("result", help="result JSON file ('-': standard input)")
    p.add_argument("-o", "--output", required=True, help=f"output file: {listed}; '-': standard output (give "
                   "--format); missing folders are created")
    p.add_argument("--image", help=image_help + " ('-': standard input)")
    p.add_argument("--format", help="the output format when the name does not say it (needed with -o -): "
                   + ", ".join(_format_names(kind)))
    _quiet_or_verbose(p, "print nothing on success")
    add_options(p, kind)
    return p


EXAMPLES = """\
examples (from the repository root, on the bundled fixtures):
  maskrender info fixtures/results_list.json
  maskrender render fixtures/results_list.json --image fixtures/restored.jpg -o overlay.png
  maskrender report fixtures/results_list.json --image fixtures/restored.jpg -o report.pdf
  maskrender export fixtures/acne.json -o masks.geojson
  maskrender batch fixtures/ -o out/ --format webp
  maskrender completion bash > ~/.local/share/bash-completion/completions/maskrender

'-' reads the result or the photo from standard input; -o - writes to standard output (with --format).
"""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``maskrender`` command."""
    parser = _Parser(prog="maskrender", description="Draw skin-analysis masks as PNG and SVG overlays, reports, data "
                     "exports and batches.", epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version",
                        version=f"maskrender {__version__} (rasteriser core: {core_name()})")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p: argparse.ArgumentParser = sub.add_parser("info", help="print what a result holds",
                                                description="Print each algorithm, ok or failed, its metrics per "
                                                            "area with grades, and each mask.")
    p.add_argument("result", help="result JSON file ('-': standard input)")
    p.add_argument("--json", action="store_true", help="machine-readable JSON")
    p.set_defaults(func=_cmd_info)

    p = _drawing_command(sub, "render", "draw masks over a photo, or as a transparent layer",
                         "Draw the selected masks over the photo (or on a transparent canvas), atomically. Example: "
                         "maskrender render fixtures/results_list.json --image fixtures/restored.jpg -o overlay.png.",
                         "overlay", "the photo (default: a transparent canvas)")
    p.set_defaults(func=_cmd_render)

    p = sub.add_parser("batch", help="render many jobs: a manifest or a folder of results and photos",
                       description="Render every job of a manifest (.csv, .tsv or .jsonl; columns result, image, "
                                   "output and any render option, e.g. mask_set, side, only, opacity, fill, size; for "
                                   "reports also title, subject, before, image_left ...) or of a folder (NAME.json "
                                   "with NAME.jpg/.png/.webp). Relative paths are resolved against the manifest's "
                                   "folder; command-line options are the defaults that cells override. Failures are "
                                   "listed in OUT/errors.jsonl. Exit status: 0 all done, 1 some failed, 2 a usage "
                                   "error (nothing was rendered), 130 interrupted. Example: maskrender batch "
                                   "fixtures/ -o out/ --format webp.")
    p.add_argument("source", help="manifest file, or folder of results")
    p.add_argument("-o", "--output", dest="out_dir", required=True, metavar="OUT",
                   help="output folder (created if missing)")
    p.add_argument("--kind", choices=("overlay", "report"), default="overlay", help="what to make (default overlay)")
    p.add_argument("--format", default=BATCH_FORMAT,
                   help=f"extension of outputs the manifest does not name: png, jpg, webp, svg; for reports also "
                        f"pdf, html (default: {BATCH_FORMAT})")
    where = p.add_mutually_exclusive_group()
    where.add_argument("-j", "--jobs", type=_positive, metavar="N", help="worker processes (default: every core)")
    where.add_argument("--scheduler", metavar="ADDRESS", help="run on this Dask scheduler (needs maskrender[dask])")
    p.add_argument("--resume", action="store_true", help="skip jobs whose output exists and is complete")
    p.add_argument("--index", action="store_true", help="also write OUT/index.html, a review page: a thumbnail per "
                   "job linked to its output, the main metrics, failures; sortable, with a filter; works offline")
    _quiet_or_verbose(p, "no progress bar; print only a summary of failures")
    add_options(p, None)
    p.set_defaults(func=_cmd_batch)

    p = _drawing_command(sub, "report", "a report: photo with masks, legend, one panel of metrics per algorithm",
                         "Write a report: header, the photo with every selected mask and a legend, and one panel per "
                         "algorithm (thumbnail, score, grade, gauge, per-area table). Example: maskrender report "
                         "fixtures/results_list.json --image fixtures/restored.jpg -o report.pdf.", "report",
                         "the photo the masks belong to (default: a neutral canvas)")
    p.add_argument("--side", type=_no_side, help=argparse.SUPPRESS)  # a common slip: say what to do instead
    p.set_defaults(func=_cmd_report)

    endings = ", ".join(extensions("export"))
    p = sub.add_parser("export", help="masks and metrics as data: GeoJSON, COCO RLE, label map, arrays, metrics table",
                       description="Write the selected masks, or the metrics, as data; the format follows the ending: "
                                   ".geojson (GeoJSON FeatureCollection), .coco.json (COCO, one RLE annotation per "
                                   "lesion, many results in one file), .png (a palette label map, its label table "
                                   "printed and in a PNG text chunk), .npz (one coverage array per mask), .csv / "
                                   ".jsonl (the metrics table). Masks are laid on a pixel grid of --size (default: "
                                   "the view_box's, or the photo's with --image). Example: maskrender export "
                                   "fixtures/acne.json -o masks.geojson.")
    p.add_argument("result", nargs="+", help="result JSON file ('-': standard input); for .coco.json also several, "
                                             "a folder of results (NAME.json with its photo NAME.jpg ...) or a batch "
                                             "manifest")
    p.add_argument("-o", "--output", required=True, help=f"output file: {endings}; '-': standard output (give "
                   "--format); missing folders are created")
    p.add_argument("--format", help="the output format when the name does not say it (needed with -o -): "
                   + ", ".join(_format_names("export")))
    p.add_argument("--image", help="the photo: its size is the output's, its file name the COCO image's")
    _quiet_or_verbose(p, "print nothing on success")
    add_options(p, "export")
    p.set_defaults(func=_cmd_export)

    p = sub.add_parser("completion", help="print a shell completion script (bash or zsh)",
                       description="Print the completion script of maskrender for bash or zsh. Example: "
                                   "eval \"$(maskrender completion bash)\" in ~/.bashrc, or "
                                   "maskrender completion zsh > ~/.zfunc/_maskrender.")
    p.add_argument("shell", choices=SHELLS, help="bash or zsh")
    p.set_defaults(func=_cmd_completion)
    return parser


def _warning_printer(stream: TextIO) -> Callable[..., None]:
    def show(message: Warning | str, category: type[Warning], filename: str, lineno: int,
             file: TextIO | None = None, line: str | None = None) -> None:
        print(f"maskrender: warning: {printable(str(message))}", file=stream)

    return show


@contextlib.contextmanager
def _quiet_logger(name: str) -> Iterator[None]:
    """The command's own logging setting: ``name``'s warnings and errors (fontTools repairing a damaged
    --font) unprinted: the command's error says what is wrong, once."""
    logger = logging.getLogger(name)
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = build_parser()
    with warnings.catch_warnings(), terminate_as_interrupt(), _quiet_logger("fontTools"), one_blas_thread():
        warnings.showwarning = _warning_printer(sys.stderr)      # the command's own settings, undone at the end
        # maskrender checks its limits.MAX_IMAGE_PIXELS on every photo; Pillow's warning at half of its
        # own limit would say the same in other words (a program may set filters; the library may not)
        warnings.filterwarnings("ignore", message=r"Image size \(\d+ pixels\) exceeds limit", module="PIL")
        return _run(parser, argv)


def _run(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> int:
    args: argparse.Namespace | None = None
    try:
        words = list(sys.argv[1:] if argv is None else argv)
        try:
            args = parser.parse_args(words)
        except _UsageError as err:  # a misspelt flag or command: the closest one
            print(printable(did_you_mean(str(err), parser, words)), file=sys.stderr)
            return 2
        if getattr(args, "func", None) is None:
            parser.print_help(sys.stderr)
            return 2
        status = int(args.func(args))
        sys.stdout.flush()
        return status
    except _StdoutError as err:
        return _stdout_failed(err.__cause__)
    except MaskRenderError as err:
        print(f"maskrender: error: {printable(str(err))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("maskrender: interrupted", file=sys.stderr)
        return 130
    except MemoryError:
        return _out_of_memory(args)
    except Exception as err:  # GEOS (shapely) reports running out of memory as its own error
        if "bad_alloc" in str(err) and type(err).__name__ == "GEOSException":
            return _out_of_memory(args)
        raise
    except BrokenPipeError as err:
        return _stdout_failed(err)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
