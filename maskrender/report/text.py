"""Fonts and text fitting for reports: one bundled font, measured the same on every machine.

Reports use DejaVu Sans (regular and bold, bundled in ``fonts/`` under its free licence):
it covers Latin, Greek, Cyrillic, Hebrew, Arabic, Armenian, Georgian and many symbols
(‰, −, →), and because it ships with the package, a raster report is byte-for-byte the
same on every machine.  Characters the font lacks are measured one em wide, the width a
browser's fallback glyph (say a CJK ideograph) takes in the SVG and HTML reports.

Text is laid out with Pillow's basic layout (no shaping library needed, so no machine-
dependent output); strings with right-to-left characters use Raqm when Pillow has it.

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
"""

from __future__ import annotations

import functools
import unicodedata
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import ImageFont, features

__all__ = ["ELLIPSIS", "FONT_DIR", "FONT_FAMILY", "Font", "Fonts"]

FONT_DIR = Path(__file__).resolve().parent / "fonts"
"""Where the bundled fonts live."""
FONT_FAMILY = "'DejaVu Sans', 'Verdana', sans-serif"
"""The CSS font stack of the SVG and HTML reports (the bundled font first)."""
ELLIPSIS = "…"

_FILES = {False: "DejaVuSans.ttf", True: "DejaVuSans-Bold.ttf"}
# DejaVu Sans vertical metrics (hhea, 2048 units per em): ascent 1901, descent 483.
ASCENT = 1901 / 2048
DESCENT = 483 / 2048


@dataclass(frozen=True)
class Font:
    """A font at a size: what a text element of a report is drawn with."""

    size: float
    bold: bool = False

    @property
    def weight(self) -> str:
        """The CSS font weight."""
        return "bold" if self.bold else "normal"


def _has_rtl(text: str) -> bool:
    return any(unicodedata.bidirectional(c) in ("R", "AL") for c in text)


@functools.lru_cache(maxsize=64)
def _freetype(size_px: int, bold: bool, rtl: bool) -> ImageFont.FreeTypeFont:
    engine = ImageFont.Layout.RAQM if rtl and features.check("raqm") else ImageFont.Layout.BASIC
    path = FONT_DIR / _FILES[bold]
    try:
        return ImageFont.truetype(str(path), size_px, layout_engine=engine)
    except OSError:  # pragma: no cover - only when the package was installed without its fonts
        warnings.warn(f"{path} is missing; reports fall back to Pillow's default font", stacklevel=2)
        return ImageFont.load_default(size=size_px)  # type: ignore[return-value]


class Fonts:
    """Measures, fits and wraps text in the bundled font, in output pixels.

    Sizes are in pixels of the output; one ``Fonts`` serves a whole report.
    """

    def get(self, size: float, bold: bool = False) -> Font:
        """A font of ``size`` pixels."""
        return Font(round(size * 4) / 4, bold)

    def freetype(self, font: Font, text: str = "") -> ImageFont.FreeTypeFont:
        """The Pillow font to draw ``text`` with (integer pixel size, like the SVG's)."""
        return _freetype(max(1, round(font.size)), font.bold, _has_rtl(text))

    def width(self, text: str, font: Font) -> float:
        """The advance width of ``text`` in pixels; glyphs the font lacks count one em."""
        if not text:
            return 0.0
        ft = self.freetype(font, text)
        missing = sum(1 for c in text if not _covered(c, font.bold))
        if missing:
            kept = "".join(c for c in text if _covered(c, font.bold))
            return float(ft.getlength(kept)) + missing * round(font.size)
        return float(ft.getlength(text))

    def line_height(self, font: Font) -> float:
        """The height of one line of ``font`` (1.3 em)."""
        return round(font.size) * 1.3

    def baseline(self, top: float, font: Font) -> float:
        """The baseline of a line whose box starts at ``top`` (text centred in the line)."""
        size = round(font.size)
        lh = self.line_height(font)
        return top + (lh - (ASCENT + DESCENT) * size) / 2 + ASCENT * size

    def fit(self, text: str, font: Font, max_width: float) -> str:
        """``text`` as is when it fits ``max_width``, else cut with an ellipsis.

        >>> Fonts().fit("short", Fonts().get(12), 500)
        'short'
        >>> Fonts().fit("anything", Fonts().get(12), 1)
        ''
        """
        text = _clean(text)
        if self.width(text, font) <= max_width:
            return text
        if self.width(ELLIPSIS, font) > max_width:
            return ""
        lo, hi = 0, len(text)
        while lo < hi:  # the longest prefix that fits with the ellipsis
            mid = (lo + hi + 1) // 2
            if self.width(text[:mid].rstrip() + ELLIPSIS, font) <= max_width:
                lo = mid
            else:
                hi = mid - 1
        return text[:lo].rstrip() + ELLIPSIS

    def wrap(self, text: str, font: Font, max_width: float, max_lines: int = 2) -> list[str]:
        """Break ``text`` into at most ``max_lines`` lines that fit; the last one ellipsised.

        Words longer than a line are cut between characters.
        """
        text = _clean(text)
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


def _clean(text: str) -> str:
    """One line of printable text: control characters and line breaks become spaces."""
    out = "".join(" " if unicodedata.category(c)[0] == "C" and c not in "\u200d\u200c" else c for c in text)
    return " ".join(out.split())


@functools.lru_cache(maxsize=4096)
def _covered(char: str, bold: bool) -> bool:
    return ord(char) in _codepoints(bold)


@functools.lru_cache(maxsize=2)
def _codepoints(bold: bool) -> frozenset[int]:
    """Code points with a glyph in the bundled font, read from its ``cmap`` table."""
    try:
        return frozenset(_read_cmap((FONT_DIR / _FILES[bold]).read_bytes()))
    except OSError:  # pragma: no cover - installed without its fonts: Pillow's default covers ASCII
        return frozenset(range(32, 127))


def _read_cmap(data: bytes) -> set[int]:
    """The code points of a TrueType font's Unicode ``cmap`` subtable (format 4 or 12)."""
    import struct

    num_tables = struct.unpack_from(">H", data, 4)[0]
    cmap_offset = None
    for i in range(num_tables):
        tag, _, offset, _ = struct.unpack_from(">4sIII", data, 12 + 16 * i)
        if tag == b"cmap":
            cmap_offset = offset
    if cmap_offset is None:  # pragma: no cover
        return set()
    n = struct.unpack_from(">H", data, cmap_offset + 2)[0]
    best: tuple[int, int] | None = None
    for i in range(n):
        platform, encoding, offset = struct.unpack_from(">HHI", data, cmap_offset + 4 + 8 * i)
        fmt = struct.unpack_from(">H", data, cmap_offset + offset)[0]
        if platform in (0, 3) and fmt in (4, 12) and (best is None or fmt > best[0]):
            best = (fmt, cmap_offset + offset)
        del encoding
    if best is None:  # pragma: no cover
        return set()
    fmt, at = best
    points: set[int] = set()
    if fmt == 12:
        groups = struct.unpack_from(">I", data, at + 12)[0]
        for g in range(groups):
            start, end, _ = struct.unpack_from(">III", data, at + 16 + 12 * g)
            points.update(range(start, end + 1))
        return points
    segs = struct.unpack_from(">H", data, at + 6)[0] // 2
    ends = struct.unpack_from(f">{segs}H", data, at + 14)
    starts = struct.unpack_from(f">{segs}H", data, at + 16 + 2 * segs)
    deltas = struct.unpack_from(f">{segs}h", data, at + 16 + 4 * segs)
    range_at = at + 16 + 6 * segs
    offsets = struct.unpack_from(f">{segs}H", data, range_at)
    for s in range(segs):
        for c in range(starts[s], ends[s] + 1):
            if c == 0xFFFF:
                continue
            if offsets[s] == 0:
                glyph = (c + deltas[s]) & 0xFFFF
            else:
                glyph_at = range_at + 2 * s + offsets[s] + 2 * (c - starts[s])
                glyph = struct.unpack_from(">H", data, glyph_at)[0]
                glyph = (glyph + deltas[s]) & 0xFFFF if glyph else 0
            if glyph:
                points.add(c)
    return points
