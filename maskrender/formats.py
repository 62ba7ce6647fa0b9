"""The one table of output formats: extension, Pillow encoder, MIME type, what may be written in it.

Overlays and reports, the CLI, batch manifests and the file writers all read this table, so a
new format is one new :class:`OutputFormat` (plus its writer).

Examples
--------
>>> output_format("overlay.JPG", "overlay").name
'jpeg'
>>> output_format("r.pdf", "overlay")
Traceback (most recent call last):
...
maskrender.errors.OutputError: r.pdf: an overlay cannot be written as .pdf; expected .png, .jpg, .jpeg, .webp or .svg
>>> extensions("report")
('.png', '.jpg', '.jpeg', '.webp', '.svg', '.pdf', '.html', '.htm')
>>> output_format("masks.coco.json", "export").name, output_format("labels.PNG", "export").name
('coco', 'labels')
>>> format_named("JPG", "overlay").name
'jpeg'
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from maskrender.errors import OutputError

__all__ = ["OUTPUT_FORMATS", "OUTPUT_KINDS", "OutputFormat", "extensions", "format_named", "output_format"]


@dataclass(frozen=True, slots=True)
class OutputFormat:
    """One output format.

    Attributes
    ----------
    name : str
        ``png``, ``jpeg``, ``webp``, ``svg``, ``pdf`` or ``html``.
    extensions : tuple of str
        File name endings, lower case, the usual one first.
    pillow : str or None
        Pillow's format name for raster formats, ``None`` for documents.
    mime : str
        The MIME type.
    kinds : frozenset of str
        What may be written in it: ``overlay``, ``report``, ``export`` (masks and metrics as data:
        :mod:`maskrender.export`).
    max_side : int or None
        The largest width or height the format can hold (WebP 16,383 px, JPEG 65,535 px).
    """

    name: str
    extensions: tuple[str, ...]
    pillow: str | None
    mime: str
    kinds: frozenset[str]
    max_side: int | None = None

    @property
    def raster(self) -> bool:
        """Whether it is a picture made of pixels (PNG, JPEG, WebP)."""
        return self.pillow is not None


OUTPUT_KINDS = ("overlay", "report", "export")
"""What may be written: an overlay picture, a report, or the masks and metrics as data."""

_BOTH = frozenset({"overlay", "report"})
_EXPORT = frozenset({"export"})

OUTPUT_FORMATS: Mapping[str, OutputFormat] = MappingProxyType({
    f.name: f
    for f in (
        OutputFormat("png", (".png",), "PNG", "image/png", _BOTH, 2**31 - 1),
        OutputFormat("jpeg", (".jpg", ".jpeg"), "JPEG", "image/jpeg", _BOTH, 65_535),
        OutputFormat("webp", (".webp",), "WEBP", "image/webp", _BOTH, 16_383),
        OutputFormat("svg", (".svg",), None, "image/svg+xml", _BOTH),
        OutputFormat("pdf", (".pdf",), None, "application/pdf", frozenset({"report"})),
        OutputFormat("html", (".html", ".htm"), None, "text/html", frozenset({"report"})),
        OutputFormat("geojson", (".geojson",), None, "application/geo+json", _EXPORT),
        OutputFormat("coco", (".coco.json",), None, "application/json", _EXPORT),
        OutputFormat("labels", (".png",), "PNG", "image/png", _EXPORT, 2**31 - 1),
        OutputFormat("npz", (".npz",), None, "application/octet-stream", _EXPORT),
        OutputFormat("csv", (".csv",), None, "text/csv", _EXPORT),
        OutputFormat("jsonl", (".jsonl",), None, "application/jsonl", _EXPORT),
    )
})
"""Every output format, by name (an extension may name one format per kind: ``.png`` is an overlay
picture or, exported, a label map)."""

_ALIASES = {"jpg": "jpeg", "htm": "html", "json": "coco"}


def extensions(kind: str) -> tuple[str, ...]:
    """The file endings ``kind`` (``overlay``, ``report`` or ``export``) may be written with, in table order."""
    return tuple(ext for f in OUTPUT_FORMATS.values() if kind in f.kinds for ext in f.extensions)


def _listed(kind: str) -> str:
    allowed = extensions(kind)
    return ", ".join(allowed[:-1]) + " or " + allowed[-1]


def _what(kind: str) -> str:
    return {"overlay": "an overlay", "export": "an export"}.get(kind, f"a {kind}")


def output_format(path: str | os.PathLike[str], kind: str) -> OutputFormat:
    """The format that ``path``'s ending names for ``kind`` (the longest ending that matches), or an
    :class:`~maskrender.OutputError` that lists the ones ``kind`` may be written in."""
    name = os.path.basename(os.fspath(path)).lower()
    endings = sorted(((ext, f) for f in OUTPUT_FORMATS.values() for ext in f.extensions if name.endswith(ext)),
                     key=lambda pair: -len(pair[0]))
    for _, f in endings:
        if kind in f.kinds:
            return f
    ext = os.path.splitext(name)[1]
    reason = f"{_what(kind)} cannot be written as {endings[0][0]}" if endings else \
        f"unknown output extension {ext or '(none)'}"
    raise OutputError(f"{os.fspath(path)}: {reason}; expected {_listed(kind)}")


def format_named(name: str, kind: str) -> OutputFormat:
    """The format called ``name`` (``png``, ``jpg``/``jpeg``, ``.webp``, ``svg`` ...; any case, an
    optional leading dot) that ``kind`` may be written in, or an :class:`~maskrender.OutputError`."""
    key = name.strip().lower().lstrip(".") if isinstance(name, str) else ""
    key = _ALIASES.get(key, key)
    found = OUTPUT_FORMATS.get(key)
    if kind == "export" and key == "png":
        found = OUTPUT_FORMATS["labels"]
    if found is None or kind not in found.kinds:
        names = ", ".join(f.name for f in OUTPUT_FORMATS.values() if kind in f.kinds)
        raise OutputError(f"format {name!r}: {_what(kind)} is written as one of {names}")
    return found
