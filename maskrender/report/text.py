"""Text for reports: runs of one font and one direction, measured, fitted and wrapped.

Every line of a report goes through :meth:`Fonts.runs`: the Unicode bidirectional algorithm
gives each character its level (an Arabic name inside a Latin line, digits inside Arabic),
each character gets the face of :class:`~maskrender.report.fonts.FontChain` that has it, and
the line is cut into :class:`Run` s of one face and one direction, in visual order, each
with its measured advance.  The writers draw the same runs: Pillow (shaping with Raqm when
Pillow has it), the PDF library (shaping with HarfBuzz), SVG/HTML (the browser shapes; the
widths were measured in the same faces, which are embedded).

Fields from the data inside a line of the report's own words are isolated with U+2068/U+2069
(:func:`isolate`), so an Arabic subject does not pull the date's digits into its run.

Examples
--------
>>> fonts = Fonts()
>>> f = fonts.get(13)
>>> fonts.width("Pores", f) > 0
True
>>> fonts.fit("A very long algorithm name indeed", fonts.get(13), 80)
'A very lon…'
>>> fonts.wrap("Post inflammatory hyperpigmentation", fonts.get(16, bold=True), 200, max_lines=2)
['Post inflammatory', 'hyperpigmentation']
>>> [(r.text, r.rtl) for r in fonts.runs("ID " + isolate("אבג 12"), f)]
[('ID ', False), ('12', False), ('אבג ', True)]
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import ImageFont, features

from maskrender.errors import InputError
from maskrender.report.fonts import FONT_DIR, FontChain, FontFace

__all__ = ["ELLIPSIS", "FONT_DIR", "Font", "Fonts", "Run", "clean", "freetype", "isolate", "pillow_font"]

ELLIPSIS = "…"
FSI, PDI = "\u2068", "\u2069"
_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
# DejaVu Sans vertical metrics (hhea, 2048 units per em): ascent 1901, descent 483.
ASCENT = 1901 / 2048
DESCENT = 483 / 2048


@dataclass(frozen=True)
class Font:
    """A font size and weight: what a text element of a report is drawn with."""

    size: float
    bold: bool = False

    @property
    def weight(self) -> str:
        """The CSS font weight."""
        return "bold" if self.bold else "normal"

    @property
    def px(self) -> int:
        """The whole-pixel size every writer draws at."""
        return max(1, round(self.size))


@dataclass(frozen=True)
class Run:
    """A piece of a line in one face and one direction: its text (logical order), offset and width."""

    text: str
    face: FontFace
    rtl: bool
    x: float
    width: float


def isolate(text: str) -> str:
    """``text`` (from the data) wrapped in FIRST STRONG ISOLATE ... POP DIRECTIONAL ISOLATE.

    Bidi controls inside ``text`` are dropped first, so it cannot leak out of its isolate.
    """
    inner = "".join(c for c in text if c not in _CONTROLS)
    return f"{FSI}{inner}{PDI}" if inner else ""


def clean(text: str) -> str:
    """One line of printable text: control characters and line breaks become spaces.

    Isolates (U+2068/U+2069) and joiners are kept: the report puts them there.  Only the first
    :data:`LONGEST` characters are kept (no line of a report shows more).

    >>> clean("Forehead\\u2028left\\x00 cheek")
    'Forehead left cheek'
    """
    text = text[:LONGEST]
    out = "".join(" " if unicodedata.category(c)[0] == "C" and c not in "\u200d\u200c\u2068\u2069" else c
                  for c in text)
    return " ".join(out.split())


LONGEST = 2000
"""The most characters of one string a report lays out (a line of the widest sheet shows a few hundred)."""

_KEPT = frozenset("\u200d\u200c") | _CONTROLS


def _one_line(text: str) -> str:
    """``text`` (its first :data:`LONGEST` characters) with control characters and line or paragraph
    separators as spaces; joiners and the bidi controls the report places are kept."""
    text = text[:LONGEST]
    if text.isprintable():
        return text
    return "".join(" " if (unicodedata.category(c)[0] == "C" or unicodedata.category(c) in ("Zl", "Zp"))
                   and c not in _KEPT else c for c in text)


_SIMPLE_MAX = 0x0590  # Latin, Greek, Cyrillic, Armenian: no shaping engine needed


def _needs_shaping(text: str) -> bool:
    return any(ord(c) >= _SIMPLE_MAX for c in text)


@functools.lru_cache(maxsize=256)
def freetype(path: str, index: int, size_px: int, shaped: bool) -> ImageFont.FreeTypeFont:
    """The Pillow font of a face at a size (``shaped``: Raqm layout, when Pillow has it)."""
    engine = ImageFont.Layout.RAQM if shaped and features.check("raqm") else ImageFont.Layout.BASIC
    return ImageFont.truetype(path, size_px, index=index, layout_engine=engine)


def _length(face: FontFace, ft: ImageFont.FreeTypeFont, text: str, direction: str | None) -> float:
    """The advance of ``text``; a glyph FreeType cannot read is the font file's fault, said so."""
    try:
        return float(ft.getlength(text, direction=direction))
    except OSError as err:  # "invalid outline", "invalid composite glyph": a damaged file
        raise InputError(f"{face.path}: a damaged font file ({err} drawing {text[:40]!r})") from None


def pillow_font(face: FontFace, px: int, text: str, rtl: bool) -> tuple[ImageFont.FreeTypeFont, str | None]:
    """The Pillow font to draw (or measure) one run with, and the ``direction`` its calls take."""
    shaped = rtl or _needs_shaping(text)
    ft = freetype(face.path, face.index, px, shaped)
    return ft, (("rtl" if rtl else "ltr") if shaped and features.check("raqm") else None)


def _levels(text: str) -> list[int]:
    """The embedding level of each character (0: left to right), by the Unicode bidi algorithm."""
    if not any(unicodedata.bidirectional(c) in ("R", "AL", "AN", "RLE", "RLO", "RLI") for c in text):
        return [0] * len(text)
    from fpdf.bidi import BidiParagraph

    chars = BidiParagraph(text, None).get_characters_with_embedding_level()
    levels = [0] * len(text)
    for c in chars:
        levels[c.character_index] = c.embedding_level
    if not any(level % 2 for level in levels):  # left to right throughout (an isolate of Latin text)
        return [0] * len(text)
    return levels


def _neutral(char: str) -> bool:
    cat = unicodedata.category(char)
    return cat[0] in "MZPSN" or char in _CONTROLS


class Fonts:
    """Measures, fits and wraps text in a :class:`FontChain`, in output pixels.

    One ``Fonts`` serves a whole report (it caches the lines it has measured).
    """

    def __init__(self, chain: FontChain | None = None) -> None:
        self.chain = chain or FontChain()
        self._runs: dict[tuple[str, int, bool], tuple[Run, ...]] = {}

    def get(self, size: float, bold: bool = False) -> Font:
        """A font of ``size`` pixels."""
        return Font(round(size * 4) / 4, bold)

    def runs(self, text: str, font: Font) -> tuple[Run, ...]:
        """``text`` cut into runs of one face and direction, in visual order, with offsets and widths.

        Line and paragraph separators and other control characters count as spaces, and only the
        first :data:`LONGEST` characters are laid out (no line of a report shows more): Pillow's
        layout fails on the former and refuses over a million characters.

        >>> [r.text for r in Fonts().runs("Forehead\\u2028left", Fonts().get(12))]
        ['Forehead left']
        """
        text = _one_line(text)
        key = (text, font.px, font.bold)
        found = self._runs.get(key)
        if found is None:
            found = self._runs[key] = self._layout(text, font)
        return found

    def _layout(self, text: str, font: Font) -> tuple[Run, ...]:
        if not text:
            return ()
        chain, bold = self.chain, font.bold
        primary = chain.primary(bold)
        if all(primary.covers(c) or c in _CONTROLS for c in text) and not _needs_shaping(text):
            ft = freetype(primary.path, primary.index, font.px, False)
            plain = "".join(c for c in text if c not in _CONTROLS)
            return (Run(plain, primary, False, 0.0, _length(primary, ft, plain, None)),) if plain else ()
        levels = _levels(text)
        strong: list[FontFace | None] = [None if _neutral(c) else chain.face_for(c, bold) for c in text]
        faces: list[FontFace] = []
        for i, c in enumerate(text):  # neutrals keep the face of the letters around them
            own = strong[i]
            if own is None and c not in _CONTROLS:
                near = next((strong[j] for j in range(i - 1, -1, -1) if strong[j] is not None), None)
                after = next((strong[j] for j in range(i + 1, len(text)) if strong[j] is not None), None)
                prefer = near if near is not None and (after is None or after == near) else after
                if near is None or after is None or near == after:
                    own = chain.face_for(c, bold, prefer=prefer)
                else:  # between two faces: the chain's first that has it
                    own = chain.face_for(c, bold)
            faces.append(own or primary)
        pieces: list[tuple[str, FontFace, int]] = []
        for c, face, level in zip(text, faces, levels, strict=True):
            if c in _CONTROLS:
                continue
            if pieces and pieces[-1][1] == face and pieces[-1][2] == level:
                pieces[-1] = (pieces[-1][0] + c, face, level)
            else:
                pieces.append((c, face, level))
        order = _visual_order([lv for _, _, lv in pieces])
        out: list[Run] = []
        x = 0.0
        for i in order:
            s, face, level = pieces[i]
            rtl = level % 2 == 1
            ft, direction = pillow_font(face, font.px, s, rtl)
            w = _length(face, ft, s, direction)
            out.append(Run(s, face, rtl, x, w))
            x += w
        return tuple(out)

    def width(self, text: str, font: Font) -> float:
        """The advance width of ``text`` in pixels."""
        runs = self.runs(text, font)
        return runs[-1].x + runs[-1].width if runs else 0.0

    def line_height(self, font: Font) -> float:
        """The height of one line of ``font`` (1.3 em)."""
        return font.px * 1.3

    def baseline(self, top: float, font: Font) -> float:
        """The baseline of a line whose box starts at ``top`` (text centred in the line)."""
        size = font.px
        return top + (self.line_height(font) - (ASCENT + DESCENT) * size) / 2 + ASCENT * size

    def fit(self, text: str, font: Font, max_width: float) -> str:
        """``text`` as is when it fits ``max_width``, else cut with an ellipsis.

        >>> Fonts().fit("short", Fonts().get(12), 500)
        'short'
        >>> Fonts().fit("anything", Fonts().get(12), 1)
        ''
        """
        text = clean(text)
        if self.width(text, font) <= max_width:
            return text
        if self.width(ELLIPSIS, font) > max_width:
            return ""
        lo, hi = 0, len(text)
        while lo < hi:  # the longest prefix that fits with the ellipsis
            mid = (lo + hi + 1) // 2
            if self.width(_cut(text, mid) + ELLIPSIS, font) <= max_width:
                lo = mid
            else:
                hi = mid - 1
        return _cut(text, lo) + ELLIPSIS

    def wrap(self, text: str, font: Font, max_width: float, max_lines: int = 2) -> list[str]:
        """Break ``text`` into at most ``max_lines`` lines that fit; the last one ellipsised.

        Words longer than a line are cut between characters.
        """
        text = clean(text)
        lines: list[str] = []
        words = text.split(" ")
        current = ""
        i = 0
        while i < len(words):
            word = words[i]
            candidate = f"{current} {word}" if current else word
            if self.width(candidate, font) <= max_width:
                current = candidate
                i += 1
                continue
            if not current:  # one word wider than the line: cut it
                cut = self._longest_prefix(word, font, max_width)
                lines.append(word[:cut])
                words[i] = word[cut:]
            else:
                lines.append(current)
                current = ""
            if len(lines) == max_lines:
                break
        if len(lines) < max_lines and current:
            lines.append(current)
            current = ""
        rest = " ".join([current, *words[i:]]).strip() if i < len(words) or current else ""
        if rest and lines:
            lines[-1] = self.fit(f"{lines[-1]} {rest}", font, max_width)
        return lines or [""]

    def _longest_prefix(self, word: str, font: Font, max_width: float) -> int:
        lo, hi = 1, len(word)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.width(word[:mid], font) <= max_width:
                lo = mid
            else:
                hi = mid - 1
        return lo


def _cut(text: str, n: int) -> str:
    """The first ``n`` characters, right-stripped, with an isolate left open closed again."""
    head = text[:n].rstrip()
    if head.count(FSI) > head.count(PDI):
        head += PDI * (head.count(FSI) - head.count(PDI))
    return head


def _visual_order(levels: Sequence[int]) -> list[int]:
    """Indices of the runs in display order (rule L2: reverse from the highest level down to the lowest odd one)."""
    order = list(range(len(levels)))
    if not levels:
        return order
    top = max(levels)
    low_odd = min((lv for lv in levels if lv % 2), default=top + 1)
    for level in range(top, low_odd - 1, -1):
        i = 0
        while i < len(order):
            if levels[order[i]] >= level:
                j = i
                while j < len(order) and levels[order[j]] >= level:
                    j += 1
                order[i:j] = reversed(order[i:j])
                i = j
            else:
                i += 1
    return order

