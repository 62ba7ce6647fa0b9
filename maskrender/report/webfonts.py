"""Embedded fonts for SVG and HTML: each face a report uses, cut to the characters it draws.

The fontTools subsetter keeps only the glyphs of those characters (with the layout tables,
so Arabic still joins and Devanagari still forms its conjuncts in the browser), writes WOFF
(zlib-compressed, no extra dependency), and the result goes into a ``@font-face`` rule as a
``data:`` URI: the page looks the same on a machine without those fonts, and loads nothing.

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

from maskrender.report.fonts import FontFace
from maskrender.report.text import freetype

__all__ = ["css_family", "family_stack", "font_face_css", "real_family", "subset_woff"]


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
        data = subset_woff(face.path, face.index, frozenset(used[face]))
        uri = "data:font/woff;base64," + base64.b64encode(data).decode("ascii")
        rules.append(f"@font-face{{font-family:{css_family(face)};src:url({uri}) format('woff');"
                     f"font-weight:{'bold' if face.bold else 'normal'};font-style:normal}}")
    return "\n".join(rules)
