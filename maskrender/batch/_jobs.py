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

from maskrender.errors import InputError
from maskrender.model import MASK_SETS, SIDES
from maskrender.style import Color, Size, Style

__all__ = ["KINDS", "ONLY_FOR", "OPTION_PARSERS", "PATH_OPTIONS", "BatchError", "Job", "Outcome", "job_options",
           "output_name"]

KINDS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "overlay": ("maskrender.overlay", "render_file", ("png", "jpg", "jpeg", "webp", "svg")),
    "report": ("maskrender.report", "report_file", ("png", "jpg", "jpeg", "webp", "svg", "pdf", "html")),
}
"""What a batch can make: kind -> (module, function, output extensions it may write)."""


class BatchError(InputError):
    """A batch cannot start: a bad manifest (the message names the row and column), a
    missing folder, two jobs writing one file, or a missing optional component."""

    __module__ = "maskrender.batch"


_FILE_OPTIONS = ("image_left", "image_right", "before", "before_image")


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
        :func:`maskrender.render_file` or ``maskrender.report.report_file``.
    options : mapping
        Keyword options of that function (``masks``, ``side``, ``only``, ``style``, ``size`` ...).
    label : str
        Where the job comes from, for messages (``jobs.csv line 4``); default: the result path.

    Examples
    --------
    >>> from maskrender.style import Style
    >>> job = Job("fixtures/acne.json", "/tmp/acne.png", image="fixtures/portrait.jpg",
    ...           options={"masks": "original", "style": Style(opacity=0.5)})
    >>> job.label
    'fixtures/acne.json'
    """

    result: Path
    output: Path
    image: Path | None
    kind: str
    options: Mapping[str, Any]
    label: str

    def __init__(self, result: str | os.PathLike[str], output: str | os.PathLike[str],
                 image: str | os.PathLike[str] | None = None, *, kind: str = "overlay",
                 options: Mapping[str, Any] | None = None, label: str = "") -> None:
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
        opts = dict(options or {})
        for key in _FILE_OPTIONS:                # files must mean the same on a worker elsewhere
            if isinstance(opts.get(key), (str, os.PathLike)):
                opts[key] = _absolute(opts[key])
        object.__setattr__(self, "result", _absolute(result))
        object.__setattr__(self, "output", _absolute(output))
        object.__setattr__(self, "image", None if image is None or image == "" else _absolute(image))
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "options", opts)
        object.__setattr__(self, "label", label or os.fspath(result))

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

    @property
    def ok(self) -> bool:
        """True unless the job failed."""
        return self.status != "failed"


# -- per-job options ---------------------------------------------------------------------------

def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected text, found {type(value).__name__} {value!r}")
    return value.strip()


def _choice(choices: tuple[str, ...]) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        text = _text(value).lower()
        if text not in choices:
            raise ValueError(f"expected one of {', '.join(choices)}, not {value!r}")
        return text

    return parse


def _names(value: Any) -> tuple[str, ...]:
    """``"pores;acne"``, ``"pores|acne"`` or a list of names."""
    items = re.split(r"[;|]", value) if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)) or not all(isinstance(i, str) for i in items):
        raise ValueError(f"expected names separated by ';' or '|', not {value!r}")
    names = tuple(i.strip() for i in items if i.strip())
    if not names:
        raise ValueError(f"expected at least one name, not {value!r}")
    return names


def _fraction(value: Any) -> float:
    try:
        v = float(value) if not isinstance(value, bool) else -1.0
    except (TypeError, ValueError):
        v = -1.0
    if not 0.0 <= v <= 1.0:
        raise ValueError(f"expected a number from 0 to 1, not {value!r}")
    return v


def _fills(value: Any) -> dict[str, str]:
    """``"pores=#00A0FF;acne=red"``, a mapping, or ``(name, colour)`` pairs."""
    if isinstance(value, Mapping):
        pairs = list(value.items())
    elif isinstance(value, str):
        pairs = [tuple(p.partition("=")[::2]) for p in re.split(r"[;|]", value) if p.strip()]
        if any("=" not in p for p in re.split(r"[;|]", value) if p.strip()):
            raise ValueError(f"expected NAME=COLOR pairs separated by ';' or '|', not {value!r}")
    elif isinstance(value, (list, tuple)):
        pairs = list(value)
    else:
        raise ValueError(f"expected NAME=COLOR pairs, not {value!r}")
    out: dict[str, str] = {}
    for pair in pairs:
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise ValueError(f"expected NAME=COLOR pairs, not {value!r}")
        name, colour = (str(p).strip() for p in pair)
        if not name:
            raise ValueError(f"a fill needs a name before '=': {value!r}")
        Color.parse(colour)
        out[name] = colour
    return out


def _length(value: Any) -> Size:
    return Size.parse(value.strip() if isinstance(value, str) else value)


def _size(value: Any) -> tuple[int, int]:
    try:
        if isinstance(value, str):
            w, h = (int(v) for v in value.lower().split("x"))
        else:
            w, h = (int(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError(f"expected WIDTHxHEIGHT such as 512x512, not {value!r}") from None
    if w <= 0 or h <= 0:
        raise ValueError(f"width and height must be positive, not {value!r}")
    return (w, h)


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "y", "on"):
        return True
    if text in ("0", "false", "no", "n", "off"):
        return False
    raise ValueError(f"expected true or false, not {value!r}")


def _integer(low: int, high: int) -> Callable[[Any], int]:
    def parse(value: Any) -> int:
        try:
            v = int(value) if not isinstance(value, (bool, float)) else None
        except (TypeError, ValueError):
            v = None
        if v is None or not low <= v <= high:
            raise ValueError(f"expected a whole number from {low} to {high}, not {value!r}")
        return v

    return parse


def _label(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError(f"expected text, found {value!r}")
    return str(value).strip()


def _page(value: Any) -> str:
    text = _text(value)
    if text.lower() not in ("a4", "letter"):
        raise ValueError(f"expected A4 or Letter, not {value!r}")
    return text


def _dpi(value: Any) -> float:
    try:
        v = float(value) if not isinstance(value, bool) else 0.0
    except (TypeError, ValueError):
        v = 0.0
    if not 0.0 < v <= 1200.0:
        raise ValueError(f"expected pixels per inch from 1 to 1200, not {value!r}")
    return v


def _file(value: Any) -> str:
    text = _text(value)
    if not text:
        raise ValueError("expected a file name")
    return text


OPTION_PARSERS: dict[str, Callable[[Any], Any]] = {
    "masks": _choice(MASK_SETS),
    "only": _names,
    "opacity": _fraction,
    "fill": _fills,
    "point_radius": _length,
    "line_width": _length,
    "outline": _length,
    "strict": _flag,
    "quality": _integer(0, 100),
    "compress_level": _integer(0, 9),
    # overlays only
    "side": _choice((*SIDES, "all")),
    "size": _size,
    "embed_image": _flag,
    # reports only
    "title": _label,
    "subject": _label,
    "width": _integer(1, 100_000),
    "page": _page,
    "dpi": _dpi,
    "columns": _integer(1, 100),
    "image_left": _file,
    "image_right": _file,
    "before": _file,
    "before_image": _file,
}
"""Per-job options (manifest columns, and the batch-wide defaults) and how each is read."""

ONLY_FOR: dict[str, str] = {
    **dict.fromkeys(("side", "size", "embed_image"), "overlay"),
    **dict.fromkeys(("title", "subject", "width", "page", "dpi", "columns", "image_left", "image_right", "before",
                     "before_image"), "report"),
}
"""Options that apply to one kind of output only."""

PATH_OPTIONS = _FILE_OPTIONS
"""Options naming input files (resolved like ``result`` and ``image``)."""

_STYLE_KEYS = ("opacity", "point_radius", "line_width", "outline")
_COMMON_KEYS = ("masks", "only", "strict", "quality", "compress_level")


@functools.lru_cache(maxsize=256)
def _style(opacity: float | None, fills: tuple[tuple[str, str], ...], point_radius: Size | None,
           line_width: Size | None, outline: Size | None) -> Style:
    kwargs: dict[str, Any] = {"fills": dict(fills)}
    for key, value in zip(_STYLE_KEYS, (opacity, point_radius, line_width, outline), strict=True):
        if value is not None:
            kwargs[key] = value
    return Style(**kwargs)


def job_options(values: Mapping[str, Any], kind: str = "overlay") -> dict[str, Any]:
    """The keyword options of ``render_file``/``report_file`` that parsed ``values`` describe.

    ``values`` maps option names of :data:`OPTION_PARSERS` to parsed values (missing or
    ``None``: the default); options of the other kind are left out. Style options become
    one :class:`~maskrender.Style`.

    >>> opts = job_options({"opacity": 0.5, "only": ("acne",), "side": "all", "title": "x"})
    >>> opts["style"].opacity, opts["only"], opts["side"], "title" in opts
    (0.5, ('acne',), None, False)
    """
    style = _style(
        values.get("opacity"),
        tuple(sorted((values.get("fill") or {}).items())),
        values.get("point_radius"),
        values.get("line_width"),
        values.get("outline"),
    )
    options: dict[str, Any] = {"style": style}
    for key in (*_COMMON_KEYS, *(k for k, only in ONLY_FOR.items() if only == kind)):
        if values.get(key) is not None:
            options[key] = values[key]
    if options.get("side") == "all":
        options["side"] = None
    return options


# -- output names ------------------------------------------------------------------------------

_UNSAFE = re.compile(r"[^\w.+=,@-]+")
_MAX_NAME = 150


def output_name(text: str, extensions: tuple[str, ...], default_ext: str) -> str:
    """A safe file name for ``text``: one path component, inside the output folder.

    Separators, ``.`` and ``..`` components, leading dots and anything but letters, digits
    and ``_ . + = , @ -`` are replaced, so no data can name a file outside the folder (or a
    hidden one). The extension is kept when it is one of ``extensions``, else
    ``.default_ext`` is added.

    >>> output_name("../../etc/passwd", ("png",), "png")
    'etc_passwd.png'
    >>> output_name("/abs/visit 2/face.JPG", ("png", "jpg"), "png")
    'abs_visit_2_face.JPG'
    >>> output_name("..", ("png",), "png")
    ''
    """
    parts = [p for p in re.split(r"[/\\]", unicodedata.normalize("NFC", text)) if p.strip() not in ("", ".", "..")]
    name = _UNSAFE.sub("_", "_".join(p.strip() for p in parts)).lstrip(".-_").rstrip(". ")
    if not name:
        return ""
    stem, dot, ext = name.rpartition(".")
    if not (dot and stem and ext.lower() in extensions):
        stem, ext = name, default_ext
    return f"{stem[:_MAX_NAME]}.{ext}"
