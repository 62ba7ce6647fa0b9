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
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from maskrender.errors import OutputError

__all__ = ["FORMATS", "OutputFormat", "extensions", "output_format"]


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
        What may be written in it: ``overlay``, ``report``.
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


_BOTH = frozenset({"overlay", "report"})

FORMATS: Mapping[str, OutputFormat] = MappingProxyType({
    f.name: f
    for f in (
        OutputFormat("png", (".png",), "PNG", "image/png", _BOTH, 2**31 - 1),
        OutputFormat("jpeg", (".jpg", ".jpeg"), "JPEG", "image/jpeg", _BOTH, 65_535),
        OutputFormat("webp", (".webp",), "WEBP", "image/webp", _BOTH, 16_383),
        OutputFormat("svg", (".svg",), None, "image/svg+xml", _BOTH),
        OutputFormat("pdf", (".pdf",), None, "application/pdf", frozenset({"report"})),
        OutputFormat("html", (".html", ".htm"), None, "text/html", frozenset({"report"})),
    )
})
"""Every output format, by name."""

_BY_EXTENSION = {ext: f for f in FORMATS.values() for ext in f.extensions}


def extensions(kind: str) -> tuple[str, ...]:
    """The file endings ``kind`` (``overlay`` or ``report``) may be written with, in table order."""
    return tuple(ext for f in FORMATS.values() if kind in f.kinds for ext in f.extensions)


def output_format(path: str | os.PathLike[str], kind: str) -> OutputFormat:
    """The format that ``path``'s extension names, or an :class:`~maskrender.OutputError` that lists
    the ones ``kind`` may be written in."""
    ext = os.path.splitext(os.fspath(path))[1].lower()
    found = _BY_EXTENSION.get(ext)
    if found is None or kind not in found.kinds:
        allowed = extensions(kind)
        listed = ", ".join(allowed[:-1]) + " or " + allowed[-1]
        what = "an overlay" if kind == "overlay" else f"a {kind}"
        reason = f"{what} cannot be written as {ext}" if found is not None else \
            f"unknown output extension {ext or '(none)'}"
        raise OutputError(f"{os.fspath(path)}: {reason}; expected {listed}")
    return found
