"""The one registry of render and report options: name, kinds, how a value is read, its range, its help.

The ``maskrender`` command builds its ``render``, ``report`` and ``batch`` arguments from
:data:`OPTIONS`, and batch manifests read their columns with the same :class:`Option` objects,
so an option has one name, one range and one meaning everywhere.  :func:`call_options` turns
read values into the keyword arguments of :func:`maskrender.render_file` /
:func:`maskrender.report_file` (style options become one :class:`~maskrender.Style`).

Every reader takes text (a CLI argument, a CSV cell) or an already-typed value (JSON Lines, a
Python mapping) and raises :class:`~maskrender.InputError` saying what was expected.

Examples
--------
>>> OPTIONS["quality"].read("95"), OPTIONS["only"].read("pores; acne|lines")
(95, ('pores', 'acne', 'lines'))
>>> OPTIONS["quality"].read("101")
Traceback (most recent call last):
...
maskrender.errors.InputError: expected a whole number from 1 to 100, not '101'
>>> sorted(o.name for o in options_for("report") if o.name.startswith("image"))
['image_left', 'image_right']
>>> kw = call_options({"opacity": 0.5, "side": "all", "title": "x"}, "overlay")
>>> kw["style"].opacity, kw["side"], "title" in kw
(0.5, None, False)
>>> OPTIONS["opacity"].read("0.5; acne=0.3")
{'': 0.5, 'acne': 0.3}
>>> call_options({"opacity": OPTIONS["opacity"].read("acne=0.3")})["style"].opacities
{'acne': 0.3}
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from maskrender.defaults import (
    BACKGROUND,
    BACKGROUNDS,
    BATCH_TIMEOUT,
    COORDINATES,
    GEOJSON_COORDINATES,
    LEGENDS,
    MASK_SET,
    MASK_SETS,
    OPACITY,
    OVERLAY_COMPRESS_LEVEL,
    PAGES,
    QUALITY,
    REPORT_COLUMNS,
    REPORT_DPI,
    REPORT_PAGE,
    SIDE,
    SIDES,
)
from maskrender.errors import InputError
from maskrender.palettes import DEFAULT_PALETTE, PALETTES

__all__ = ["ALIASES", "EXPORT_OPTIONS", "OPTIONS", "Option", "call_options", "options_for"]

_PICTURES = ("overlay", "report")
"""What maskrender makes: an overlay picture (``render``) or a report (``report``)."""


# -- readers ------------------------------------------------------------------------------------

def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise InputError(f"expected text, found {type(value).__name__} {value!r}")
    return value.strip()


def _choice(choices: tuple[str, ...]) -> Callable[[Any], str]:
    def read(value: Any) -> str:
        text = _text(value).lower()
        if text not in choices:
            raise InputError(f"expected one of {', '.join(choices)}, not {value!r}")
        return text

    read.choices = choices  # type: ignore[attr-defined]  # for shell completion and the reference
    return read


def _names(value: Any) -> tuple[str, ...]:
    """``"pores;acne"``, ``"pores|acne"``, or a list of such texts (one per ``--only``)."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)) or not all(isinstance(i, str) for i in items):
        raise InputError(f"expected names separated by ';' or '|', not {value!r}")
    names = tuple(n.strip() for i in items for n in re.split(r"[;|]", i) if n.strip())
    if not names:
        raise InputError(f"expected at least one name, not {value!r}")
    return names


def _fraction(value: Any) -> float:
    try:
        v = float(value) if not isinstance(value, bool) else -1.0
    except (TypeError, ValueError):
        v = -1.0
    if not 0.0 <= v <= 1.0:
        raise InputError(f"expected a number from 0 to 1, not {value!r}")
    return v


def _opacities(value: Any) -> dict[str, float]:
    """``"0.5"`` (every mask), ``"acne=0.3"``, ``"0.5;acne=0.3"``, a list of such texts (one per
    ``--opacity``), a number or a mapping.  The opacity of every mask is under the name ``""``."""
    if isinstance(value, Mapping):
        items: list[Any] = list(value.items())
    else:
        items = []
        for item in value if isinstance(value, (list, tuple)) else [value]:
            if isinstance(item, str):
                items.extend(p.partition("=")[::2] if "=" in p else ("", p)
                             for p in re.split(r"[;|]", item) if p.strip())
            else:
                items.append(("", item))
    out: dict[str, float] = {}
    for name, v in items:
        key = str(name).strip()
        try:
            out[key] = _fraction(v.strip() if isinstance(v, str) else v)
        except InputError:
            if not key:  # a plain value: the message every number option gives
                raise
            raise InputError(f"expected a number from 0 to 1, or NAME=OPACITY such as acne=0.3, not {value!r}") \
                from None
    if not out:
        raise InputError(f"expected a number from 0 to 1, or NAME=OPACITY such as acne=0.3, not {value!r}")
    return out


def _fills(value: Any) -> dict[str, str]:
    """``"pores=#00A0FF;acne=red"``, a list of such texts (one per ``--fill``), a mapping, or pairs."""
    if isinstance(value, Mapping):
        pairs: list[Any] = list(value.items())
    elif isinstance(value, (str, list, tuple)):
        pairs = []
        for item in [value] if isinstance(value, str) else value:
            if isinstance(item, str):
                pieces = [p for p in re.split(r"[;|]", item) if p.strip()]
                if any("=" not in p for p in pieces):
                    raise InputError(f"expected NAME=COLOR pairs such as pores=#00A0FF (several separated by ';'), "
                                     f"not {item!r}")
                pairs.extend(tuple(p.partition("=")[::2]) for p in pieces)
            else:
                pairs.append(item)
    else:
        raise InputError(f"expected NAME=COLOR pairs, not {value!r}")
    from maskrender.style import Color

    out: dict[str, str] = {}
    for pair in pairs:
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise InputError(f"expected NAME=COLOR pairs, not {value!r}")
        name, colour = (str(p).strip() for p in pair)
        if not name:
            raise InputError(f"a fill needs a name before '=': {value!r}")
        Color.parse(colour)
        out[name] = colour
    return out


def _length(value: Any) -> Any:
    from maskrender.style import Size

    return Size.parse(value.strip() if isinstance(value, str) else value)


def _width(value: Any) -> Any:
    from maskrender.style import Size

    return Size.parse(value.strip() if isinstance(value, str) else value, positive=True)


def _size(value: Any) -> tuple[int, int]:
    try:
        if isinstance(value, str):
            w, h = (int(v) for v in value.lower().split("x"))
        else:
            w, h = (int(v) for v in value)
    except (TypeError, ValueError):
        raise InputError(f"expected WIDTHxHEIGHT such as 512x512, not {value!r}") from None
    if w <= 0 or h <= 0:
        raise InputError(f"expected a positive width and height, not {value!r}")
    return (w, h)


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "y", "on"):
        return True
    if text in ("0", "false", "no", "n", "off"):
        return False
    raise InputError(f"expected true or false, not {value!r}")


def _integer(low: int, high: int) -> Callable[[Any], int]:
    def read(value: Any) -> int:
        try:
            v = int(value.strip() if isinstance(value, str) else value) if not isinstance(value, (bool, float)) \
                else None
        except (TypeError, ValueError):
            v = None
        if v is None or not low <= v <= high:
            raise InputError(f"expected a whole number from {low} to {high}, not {value!r}")
        return v

    return read


def _number(low: float, high: float) -> Callable[[Any], float]:
    def read(value: Any) -> float:
        try:
            v = float(value) if not isinstance(value, bool) else None
        except (TypeError, ValueError):
            v = None
        if v is None or not low <= v <= high:
            raise InputError(f"expected a number from {low:g} to {high:g}, not {value!r}")
        return v

    return read


def _label(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise InputError(f"expected text, found {value!r}")
    return str(value).strip()


def _files(value: Any) -> tuple[str, ...]:
    """One file name, several separated by ``;`` or ``|`` (a manifest cell), or a list of them."""
    items = [value] if isinstance(value, (str, os.PathLike)) else value
    if not isinstance(items, (list, tuple)) or not all(isinstance(i, (str, os.PathLike)) for i in items):
        raise InputError(f"expected file names separated by ';', not {value!r}")
    names = tuple(n.strip() for i in items for n in re.split(r"[;|]", os.fspath(i)) if n.strip())
    if not names:
        raise InputError(f"expected at least one file name, not {value!r}")
    return names


def _file(value: Any) -> str:
    text = _text(value) if not hasattr(value, "__fspath__") else str(value)
    if not text:
        raise InputError("expected a file name")
    return text


# -- the registry -------------------------------------------------------------------------------

def _or(words: Iterable[str]) -> str:
    """``a, b or c``: the choices as the help lists them."""
    listed = list(words)
    return ", ".join(listed[:-1]) + " or " + listed[-1] if len(listed) > 1 else "".join(listed)


BOTH = frozenset(_PICTURES)
OVERLAY = frozenset({"overlay"})
REPORT = frozenset({"report"})
EXPORT = frozenset({"export"})
BATCH: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Option:
    """One option of the render and report calls, the CLI and batch manifests.

    Attributes
    ----------
    name : str
        The keyword and manifest column (``point_radius``); the CLI flag is ``--point-radius``.
    read : callable
        Reads text or a typed value; raises :class:`~maskrender.InputError`.
    kinds : frozenset of str
        ``overlay``, ``report`` or both; none for a setting of the batch itself (``timeout``).
    help : str
        The CLI help (also documents the default, which the library, not the CLI, applies).
    metavar : str, optional
        The CLI placeholder.
    repeat : bool
        Given several times on the CLI (``--only a --only b``); ``;``-separated in a cell.
    switch : bool
        A CLI switch without a value (``--strict``).
    path : bool
        Names an input file (resolved like ``result`` and ``image`` in manifests).
    style : bool
        Part of the :class:`~maskrender.Style` rather than a keyword of its own.
    cli : str, optional
        The CLI flag when it is not ``--`` + the name with dashes (``--font`` for ``fonts``).
    kind_help : tuple of (kind, help) pairs
        The help of the option in one kind's command when it differs there (``export`` takes no
        photo; an overlay chooses the mask set by the photo).
    aliases : tuple of str
        Older names still read: each a CLI flag (``--masks``, not shown in the help) and a manifest
        column or JSON Lines key (``masks``), read as this option.
    """

    name: str
    read: Callable[[Any], Any]
    kinds: frozenset[str]
    help: str
    metavar: str | None = None
    repeat: bool = False
    switch: bool = False
    path: bool = False
    style: bool = False
    cli: str | None = None
    kind_help: tuple[tuple[str, str], ...] = ()
    aliases: tuple[str, ...] = ()

    def help_for(self, kind: str | None) -> str:
        """The help in ``kind``'s command (``None``: a batch, which makes overlays by default).

        >>> OPTIONS["size"].help_for("export").startswith("the pixel grid")
        True
        """
        return dict(self.kind_help).get(kind or "overlay", self.help)

    @property
    def choices(self) -> tuple[str, ...]:
        """The values the option takes, when it takes one of a few words (``restored``, ``original``).

        >>> OPTIONS["mask_set"].choices, OPTIONS["opacity"].choices
        (('restored', 'original'), ())
        """
        found: tuple[str, ...] = getattr(self.read, "choices", ())
        return found

    @property
    def flag(self) -> str:
        """The CLI flag: ``--point-radius``."""
        return self.cli or "--" + self.name.replace("_", "-")

    @property
    def alias_flags(self) -> tuple[str, ...]:
        """The CLI flags of the older names, still read (``--masks`` for ``--mask-set``).

        >>> OPTIONS["mask_set"].flag, OPTIONS["mask_set"].alias_flags
        ('--mask-set', ('--masks',))
        """
        return tuple("--" + a.replace("_", "-") for a in self.aliases)


_ALL: tuple[Option, ...] = (
    Option("mask_set", _choice(MASK_SETS), BOTH | EXPORT, f"which mask set to draw: {_or(MASK_SETS)} (default: "
           f"{MASK_SET})", "SET", aliases=("masks",),
           kind_help=(("overlay", f"which mask set to draw: {_or(MASK_SETS)} (default: the set whose view_box fits "
                                  f"the photo, said on stderr when it is the original; else {MASK_SET}; with "
                                  f"--strict, {MASK_SET})"),)),
    Option("side", _choice((*SIDES, "all")), OVERLAY | EXPORT, f"which side's masks to draw: {_or((*SIDES, 'all'))} "
           f"(default: {SIDE}; all is refused when the sides would share a picture: each has its own photo)", "SIDE",
           kind_help=(("export", f"which side's masks to export: {_or((*SIDES, 'all'))} (default: {SIDE})"),)),
    Option("only", _names, BOTH | EXPORT, "keep masks this name selects (any case): an algorithm, family, family "
           "group, mask tech name, its stem or display name (repeatable)", "NAME", repeat=True),
    Option("opacity", _opacities, BOTH, f"opacity 0..1 of every mask (default {OPACITY:g}), or of the masks NAME "
           "selects (NAME=0.3; repeatable)", "[NAME=]0-1", repeat=True, style=True),
    Option("fill", _fills, BOTH, "override the colour of the masks NAME selects (any CSS colour; repeatable)",
           "NAME=COLOR", repeat=True, style=True),
    Option("point_radius", _length, BOTH | EXPORT, "disc radius: pixels (5) or relative to the image (0.3%%); default "
           "0.35%%, less for dense points", "LEN", style=True),
    Option("line_width", _width, BOTH | EXPORT, "stroke width above 0: pixels (3) or relative to the image's longer "
           "side (the vendor's polyline_line_thickness 0.001 is 0.1%%); default 0.2%%, at least 1.5 px; under 0.5 px "
           "warns", "LEN", style=True),
    Option("outline", _length, BOTH, "outline polygons with this width (default: none)", "LEN", style=True),
    Option("palette", _choice(tuple(sorted(PALETTES))), BOTH, "colour-blind-safe palette for masks without a fill, "
           f"distinct within a picture: {', '.join(sorted(PALETTES))} (default {DEFAULT_PALETTE})", "NAME", style=True),
    Option("strict", _flag, BOTH, "refuse a photo whose aspect ratio differs from the view_box", switch=True),
    Option("quality", _integer(1, 100), BOTH, f"JPEG/WebP quality 1-100 (default {QUALITY})", "1-100"),
    Option("compress_level", _integer(0, 9), OVERLAY, f"PNG zlib level 0-9 (default {OVERLAY_COMPRESS_LEVEL}: fast)",
           "0-9"),
    Option("size", _size, OVERLAY | EXPORT, "output size; a photo is resized to it (its aspect ratio kept within 1%%); "
           "default: the photo's, else the view_box's", "WxH",
           kind_help=(("export", "the pixel grid of COCO, label maps, arrays and pixel coordinates (default: the "
                                 "view_box's size)"),)),
    Option("max_size", _integer(1, 100_000), OVERLAY | EXPORT, "scale the output down, photo included, so neither side "
           "exceeds N pixels (a 4000 px selfie with 800 gives an 800 px picture); default: no limit", "N",
           kind_help=(("export", "scale the pixel grid down so neither side exceeds N pixels (default: no limit)"),)),
    Option("legend", _choice(LEGENDS), OVERLAY, f"draw a legend of the masks in this corner: {_or(LEGENDS)} "
           "(default: none)", "CORNER"),
    Option("background", _choice(BACKGROUNDS), OVERLAY, f"the photo behind the masks: {_or(BACKGROUNDS)} (default: "
           f"{BACKGROUND}; dim: darkened, grey: greyscale)", "HOW"),
    Option("embed_image", _flag, OVERLAY, "SVG: embed the photo as a data URI", switch=True),
    Option("coordinates", _choice(COORDINATES), EXPORT, f"GeoJSON coordinates: {_or(COORDINATES)} (default: "
           f"{GEOJSON_COORDINATES}; view_box: the masks' own units, pixels: of --size)", "UNITS"),
    Option("keep_metadata", _flag, OVERLAY, "keep the photo's camera metadata (EXIF, with GPS) in the output; by "
           "default only its colour profile and dpi are kept", switch=True),
    Option("title", _label, REPORT, "report title (default: Skin analysis report)", "TEXT"),
    Option("subject", _label, REPORT, "who or what the report is about, e.g. an ID", "TEXT"),
    Option("width", _integer(320, 10_000), REPORT, "sheet width in pixels, 320-10000 (default: the page width "
           "at --dpi)", "PX"),
    Option("page", _choice(tuple(p.lower() for p in PAGES)), REPORT, f"paper size: {_or(PAGES)} (default: "
           f"{REPORT_PAGE})", "PAGE"),
    Option("dpi", _number(1, 1200), REPORT, f"pixels per inch of the page, 1-1200 (default {REPORT_DPI:g})", "DPI"),
    Option("columns", _integer(1, 6), REPORT, f"panels per row, 1-6 (default {REPORT_COLUMNS})", "1-6"),
    Option("image_left", _file, REPORT, "left side photo: adds a left | front | right row", "IMAGE", path=True),
    Option("image_right", _file, REPORT, "right side photo", "IMAGE", path=True),
    Option("before", _file, REPORT, "an earlier result of the same subject: a before/after report", "RESULT",
           path=True),
    Option("before_image", _file, REPORT, "the earlier result's photo", "IMAGE", path=True),
    Option("lang", _label, REPORT, "the report's own words: a language code (en, de) or a JSON catalogue file with "
           "the keys of maskrender/report/lang/en.json", "CODE|FILE"),
    Option("fonts", _files, REPORT, "a font file to draw text with, before the bundled and system fonts "
           "(repeatable)", "FILE", repeat=True, cli="--font"),
    # no kinds: a setting of the batch (a flag, a manifest column), not an argument of render_file/report_file
    Option("timeout", _number(0, 604_800), BATCH, "batch: seconds a job may take before it is stopped and "
           f"recorded as failed (default {BATCH_TIMEOUT:g}; 0: no limit)", "SECONDS"),
)

OPTIONS: Mapping[str, Option] = {o.name: o for o in _ALL}
"""Every option, by name, in the order the CLI lists them."""

ALIASES: Mapping[str, str] = {a: o.name for o in _ALL for a in o.aliases}
"""Older option names still read (manifest columns, CLI flags, ``read_jobs`` defaults) -> the name now.

>>> ALIASES["masks"]
'mask_set'
"""


def options_for(kind: str) -> tuple[Option, ...]:
    """The options that apply to ``kind`` (``overlay``, ``report`` or ``export``)."""
    return tuple(o for o in _ALL if kind in o.kinds)


EXPORT_OPTIONS = tuple(o.name for o in options_for("export"))
"""The options of ``maskrender export``: the selection and sizes of an overlay, and the GeoJSON coordinates."""


_STYLE_KEYS = ("opacity", "point_radius", "line_width", "outline", "palette")


@functools.lru_cache(maxsize=256)
def _style(opacity: float | None, fills: tuple[tuple[str, str], ...], point_radius: Any, line_width: Any,
           outline: Any, palette: str | None = None, opacities: tuple[tuple[str, float], ...] = ()) -> Any:
    from maskrender.style import Style

    kwargs: dict[str, Any] = {"fills": dict(fills), "opacities": dict(opacities)}
    for key, value in zip(_STYLE_KEYS, (opacity, point_radius, line_width, outline, palette), strict=True):
        if value is not None:
            kwargs[key] = value
    return Style(**kwargs)


def call_options(values: Mapping[str, Any], kind: str = "overlay") -> dict[str, Any]:
    """The keyword options of ``render_file``/``report_file`` that read ``values`` describe.

    ``values`` maps option names to read values (missing or ``None``: the library's default);
    options of the other kind are left out; style options become one :class:`~maskrender.Style`;
    ``side="all"`` is ``side=None``.
    """
    opacity = values.get("opacity")
    named = dict(opacity) if isinstance(opacity, Mapping) else {}  # read: {"": every mask, NAME: its masks}
    options: dict[str, Any] = {"style": _style(
        named.pop("", None) if isinstance(opacity, Mapping) else opacity,
        tuple(sorted((values.get("fill") or {}).items())),
        values.get("point_radius"),
        values.get("line_width"),
        values.get("outline"),
        values.get("palette"),
        tuple(sorted(named.items())),
    )}
    for o in options_for(kind):
        if not o.style and values.get(o.name) is not None:
            options[o.name] = values[o.name]
    if options.get("side") == "all":
        options["side"] = None
    return options


