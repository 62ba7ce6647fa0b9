"""Embedded fonts for SVG and HTML: each face a report uses, cut to the characters it draws.

The fontTools subsetter keeps only the glyphs of those characters (with the layout tables,
so Arabic still joins and Devanagari still forms its conjuncts in the browser), writes WOFF
(zlib-compressed, no extra dependency), and the result goes into a ``@font-face`` rule as a
``data:`` URI: the page looks the same on a machine without those fonts, and loads nothing.
The bundled faces ship a subset of :data:`BASE_CHARS` (Latin, Greek, Cyrillic), embedded whole
when a report's text needs nothing else: no subsetting, which costs a fresh process 0.35 s a face.

>>> from maskrender.report.fonts import bundled_face
>>> css = font_face_css({bundled_face(): set("Pores 58")})
>>> css.startswith("@font-face{font-family:mr") and "data:font/woff;base64," in css
True
"""

from __future__ import annotations

import base64
import functools
import io
from collections.abc import Iterable, Mapping
from pathlib import Path

from maskrender.report.fonts import FONT_DIR, FontFace
from maskrender.report.text import freetype

__all__ = ["BASE_CHARS", "build_shipped", "css_family", "family_stack", "font_face_css", "real_family", "shipped_woff",
           "subset_woff"]

_BASE_RANGES = ((0x20, 0x7E), (0xA0, 0x17F), (0x370, 0x3FF), (0x400, 0x4FF), (0x2010, 0x2027), (0x2030, 0x2044),
                (0x2066, 0x2069), (0x20AC, 0x20AC), (0x2212, 0x2212), (0x2713, 0x2713))
BASE_CHARS = frozenset(chr(c) for lo, hi in _BASE_RANGES for c in range(lo, hi + 1))
"""The characters of the subsets shipped for the bundled faces: Latin-1 and Latin Extended-A, Greek,
Cyrillic, general punctuation (‰, –, …), €, −, ✓ and the bidi isolates."""


def _shipped_path(face: FontFace) -> Path | None:
    path = Path(face.path)
    if face.index != 0 or path.parent != FONT_DIR or path.suffix != ".ttf":
        return None
    return path.with_suffix(".base.woff")


@functools.lru_cache(maxsize=4)
def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def shipped_woff(face: FontFace, chars: Iterable[str]) -> bytes | None:
    """The WOFF shipped for a bundled face, when it has every one of ``chars`` (else ``None``).

    Subsetting a face costs about 0.35 s in a fresh process (most of an HTML report's time from the
    command line); the bundled faces come with a subset of :data:`BASE_CHARS` made once, about 38 KB
    each, which serves any report in Latin, Greek or Cyrillic script.

    >>> from maskrender.report.fonts import bundled_face
    >>> len(shipped_woff(bundled_face(), "Pores 58 ‰")) > 10_000, shipped_woff(bundled_face(), "毛穴")
    (True, None)
    """
    path = _shipped_path(face)
    if path is None or not set(chars) <= BASE_CHARS:
        return None
    return _read(path)


def build_shipped() -> list[Path]:
    """Write the shipped subsets of the bundled faces (run ``python -m maskrender.report.webfonts``
    after changing :data:`BASE_CHARS` or the bundled fonts)."""
    from maskrender.report.fonts import bundled_face

    out = []
    for bold in (False, True):
        face = bundled_face(bold)
        path = _shipped_path(face)
        assert path is not None
        path.write_bytes(subset_woff(face.path, face.index, BASE_CHARS))
        out.append(path)
    return out


@functools.lru_cache(maxsize=32)
def subset_woff(path: str, index: int, chars: frozenset[str]) -> bytes:
    """WOFF bytes of the face ``(path, index)`` holding only the glyphs of ``chars``."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(path, fontNumber=index, lazy=False, recalcBBoxes=False, recalcTimestamp=False)
    options = subset.Options()
    options.flavor = "woff"
    options.layout_features = ["*"]
    options.name_IDs = [1, 2]
    options.notdef_outline = True
    options.hinting = False
    options.drop_tables = [*options.drop_tables, "FFTM"]
    options.desubroutinize = True
    sub = subset.Subsetter(options)
    sub.populate(unicodes=sorted({ord(c) for c in chars} | {0x20}))
    sub.subset(font)
    buf = io.BytesIO()
    font.flavor = "woff"
    font.save(buf)
    font.close()
    return buf.getvalue()


def real_family(face: FontFace) -> str:
    """The family name the font file gives itself (``DejaVu Sans``, ``Noto Sans Arabic``)."""
    name = freetype(face.path, face.index, 16, False).font.family
    return str(name or "sans-serif")


def css_family(face: FontFace) -> str:
    """The CSS family name of the embedded face: one per font family, its weights under it (``mr3f2a9c1d``)."""
    import hashlib

    return "mr" + hashlib.sha1(real_family(face).encode("utf-8")).hexdigest()[:8]


def family_stack(face: FontFace) -> str:
    """The CSS ``font-family`` of a run: the embedded subset, then the face's own name, then sans-serif."""
    return f"{css_family(face)}, '{_css_string(real_family(face))}', sans-serif"


def _css_string(text: str) -> str:
    return "".join(c for c in text if c.isalnum() or c in " -_")


def font_face_css(used: Mapping[FontFace, Iterable[str]]) -> str:
    """One ``@font-face`` rule per face, with its subset as a data URI (weight from the face)."""
    rules = []
    for face in sorted(used, key=lambda f: (f.bold, f.path, f.index)):
        chars = frozenset(used[face])
        data = shipped_woff(face, chars) or subset_woff(face.path, face.index, chars)
        uri = "data:font/woff;base64," + base64.b64encode(data).decode("ascii")
        rules.append(f"@font-face{{font-family:{css_family(face)};src:url({uri}) format('woff');"
                     f"font-weight:{'bold' if face.bold else 'normal'};font-style:normal}}")
    return "\n".join(rules)


if __name__ == "__main__":  # pragma: no cover - maintenance
    for written in build_shipped():
        print(f"wrote {written}")
