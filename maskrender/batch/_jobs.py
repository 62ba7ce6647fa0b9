"""Jobs and outcomes, the per-job render options and the output-name rules."""

from __future__ import annotations

import functools
import os
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from maskrender.errors import BatchError, InputError
from maskrender.formats import extensions
from maskrender.options import OPTIONS

__all__ = ["JOB_KINDS", "ONLY_FOR", "OPTION_PARSERS", "PATH_OPTIONS", "BatchError", "Job", "Outcome",
           "output_name", "resolve_files"]

JOB_KINDS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "overlay": ("maskrender.overlay", "render_file", tuple(e.lstrip(".") for e in extensions("overlay"))),
    "report": ("maskrender.report", "report_file", tuple(e.lstrip(".") for e in extensions("report"))),
}
"""What a batch can make: kind -> (module, function, output extensions it may write)."""


def _absolute(path: str | os.PathLike[str]) -> Path:
    return Path(os.path.abspath(path))


@dataclass(frozen=True, init=False)
class Job:
    """One picture to make: a result, an optional photo, where to write, and how to draw.

    Parameters
    ----------
    result : path
        The result JSON. Relative paths are made absolute here, in the submitting process,
        so that they mean the same on every worker (a cluster needs a shared file system).
    output : path
        The file to write (its extension picks the format). Written atomically.
    image : path, optional
        The photo to draw on (default: a transparent canvas).
    kind : {"overlay", "report"}
        :func:`maskrender.render_file` or :func:`maskrender.report_file`.
    options : mapping
        Keyword options of that function (``mask_set``, ``side``, ``only``, ``style``, ``size`` ...).
    label : str
        Where the job comes from, for messages (``jobs.csv line 4``); default: the result path.
    timeout : float, optional
        Seconds the job may take before it is stopped and fails (``None``: the batch's default,
        ``0``: no limit).

    Examples
    --------
    >>> from maskrender.style import Style
    >>> job = Job("fixtures/acne.json", "/tmp/acne.png", image="fixtures/portrait.jpg",
    ...           options={"mask_set": "original", "style": Style(opacity=0.5)})
    >>> job.label
    'fixtures/acne.json'
    """

    result: Path
    output: Path
    image: Path | None
    kind: str
    options: Mapping[str, Any]
    label: str
    timeout: float | None

    def __init__(self, result: str | os.PathLike[str], output: str | os.PathLike[str],
                 image: str | os.PathLike[str] | None = None, *, kind: str = "overlay",
                 options: Mapping[str, Any] | None = None, label: str = "", timeout: float | None = None) -> None:
        if kind not in JOB_KINDS:
            raise InputError(f"kind must be one of {', '.join(JOB_KINDS)}, not {kind!r}")
        opts = resolve_files(options or {}, lambda key, value: _absolute(value))   # the same on every worker
        object.__setattr__(self, "result", _absolute(result))
        object.__setattr__(self, "output", _absolute(output))
        object.__setattr__(self, "image", None if image is None or image == "" else _absolute(image))
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "options", opts)
        object.__setattr__(self, "label", label or os.fspath(result))
        object.__setattr__(self, "timeout", timeout)

    def inputs(self) -> tuple[Path, ...]:
        """Every file the job reads: the result, the photo, path options (``before``, ``image_left``...), a
        ``lang`` catalogue file and the ``fonts`` files."""
        fonts = self.options.get("fonts") or ()
        paths = [self.result, self.image, *(self.options.get(k) for k in (*PATH_OPTIONS, "lang")),
                 *(fonts if isinstance(fonts, (list, tuple)) else ())]
        return tuple(p for p in paths if isinstance(p, Path))

    def describe(self) -> dict[str, str | None]:
        """The job as plain strings (what ``errors.jsonl`` records)."""
        return {
            "source": self.label,
            "result": os.fspath(self.result),
            "image": None if self.image is None else os.fspath(self.image),
            "output": os.fspath(self.output),
            "kind": self.kind,
        }


Status = Literal["done", "skipped", "failed"]


@dataclass(frozen=True)
class Outcome:
    """What became of one job.

    ``status`` is ``"done"`` (``output`` written), ``"skipped"`` (resuming, and ``output``
    was already complete) or ``"failed"`` (``error`` is the exception's class name and
    ``message`` its text; ``output`` is ``None``). ``warnings`` are those the job emitted.
    """

    job: Job
    status: Status
    output: Path | None = None
    error: str | None = None
    message: str | None = None
    warnings: tuple[str, ...] = ()
    details: str | None = None
    """For an unexpected error (not a :class:`~maskrender.MaskRenderError`): the worker's traceback."""
    review: Mapping[str, Any] | None = None
    """What the batch's review page shows of the output (``run_batch(index=True)``): its thumbnail's
    file name and size in ``OUT/.maskrender-batch/thumbs``, and the main metric of each algorithm."""

    @property
    def ok(self) -> bool:
        """True unless the job failed."""
        return self.status != "failed"


# -- per-job options ---------------------------------------------------------------------------
# One registry (maskrender.options) defines every option, its kinds and its range; these are views of it.

OPTION_PARSERS: dict[str, Callable[[Any], Any]] = {o.name: o.read for o in OPTIONS.values()}
"""Per-job options (manifest columns, and the batch-wide defaults) and how each is read."""

ONLY_FOR: dict[str, str] = {  # (an option of no kind, such as timeout, is the batch's own: it applies to all)
    o.name: min(o.kinds & set(JOB_KINDS) or o.kinds)
    for o in OPTIONS.values() if o.kinds and len(o.kinds & set(JOB_KINDS)) < 2}
"""Options that apply to one kind of output only."""

PATH_OPTIONS = tuple(o.name for o in OPTIONS.values() if o.path)
"""Options naming input files (resolved like ``result`` and ``image``)."""


@functools.lru_cache(maxsize=1)
def _catalogue_codes() -> frozenset[str]:
    from maskrender.report.i18n import shipped_languages

    return frozenset(["en", *shipped_languages()])


def resolve_files(options: Mapping[str, Any], resolve: Callable[[str, Any], Path]) -> dict[str, Any]:
    """``options`` with every file they name passed through ``resolve(key, name)``: the path options
    (``before``, ``image_left`` ...), each of ``fonts``, and ``lang`` unless it is a shipped language code.

    >>> opts = resolve_files({"lang": "de", "fonts": ("a.ttf",), "before": "b.json", "title": "t"},
    ...                      lambda key, name: Path("/data", name))
    >>> opts["lang"], opts["fonts"][0].as_posix(), opts["before"].as_posix(), opts["title"]
    ('de', '/data/a.ttf', '/data/b.json', 't')
    """
    opts = dict(options)
    for key in PATH_OPTIONS:
        if isinstance(opts.get(key), (str, os.PathLike)):
            opts[key] = resolve(key, opts[key])
    fonts = opts.get("fonts")
    if isinstance(fonts, (str, os.PathLike)):
        fonts = (fonts,)
    if isinstance(fonts, (list, tuple)):
        opts["fonts"] = tuple(resolve("fonts", f) if isinstance(f, (str, os.PathLike)) else f for f in fonts)
    lang = opts.get("lang")
    if isinstance(lang, os.PathLike) or (isinstance(lang, str) and lang not in _catalogue_codes()):
        opts["lang"] = resolve("lang", lang)
    return opts



_UNSAFE = re.compile(r"[^\w.+=,@-]+")
NAME_BYTES = 255
"""The longest output name, in UTF-8 bytes (``NAME_MAX`` of common file systems; temporary names
shorten themselves to fit)."""


def output_name(text: str, extensions: tuple[str, ...], default_ext: str) -> str:
    """A safe file name for ``text``: one path component, inside the output folder.

    Separators, ``.`` and ``..`` components, leading dots and anything but letters, digits
    and ``_ . + = , @ -`` are replaced, so no data can name a file outside the folder (or a
    hidden one). The extension is kept when it is one of ``extensions``, else
    ``.default_ext`` is added. Longer names are cut, at a character, to :data:`NAME_BYTES` bytes.

    >>> output_name("../../etc/passwd", ("png",), "png")
    'etc_passwd.png'
    >>> output_name("/abs/visit 2/face.JPG", ("png", "jpg"), "png")
    'abs_visit_2_face.JPG'
    >>> output_name("..", ("png",), "png")
    ''
    >>> name = output_name("顔" * 100, ("png",), "png")
    >>> len(name), len(name.encode())
    (87, 253)
    """
    parts = [p for p in re.split(r"[/\\]", unicodedata.normalize("NFC", text)) if p.strip() not in ("", ".", "..")]
    name = _UNSAFE.sub("_", "_".join(p.strip() for p in parts)).lstrip(".-_").rstrip(". ")
    if not name:
        return ""
    stem, dot, ext = name.rpartition(".")
    if not (dot and stem and ext.lower() in extensions):
        stem, ext = name, default_ext
    room = NAME_BYTES - len(ext.encode()) - 1
    cut = stem.encode()[:room].decode("utf-8", "ignore")
    return f"{cut}.{ext}"
