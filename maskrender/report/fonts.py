"""Which font draws each character: the bundled faces, the user's, then the system's.

A report's text may hold any script (subjects' names are written in Japanese, Arabic, Hindi,
Thai ...).  The chain that draws it is, in order:

1. font files the user gives (``fonts=`` / ``--font FILE``), tried first;
2. DejaVu Sans regular and bold, bundled in ``fonts/`` (Latin, Greek, Cyrillic, Armenian,
   Georgian, many symbols): a report in those scripts is the same on every machine;
3. for any character none of these has, the system font fontconfig names for it
   (``fc-match 'sans-serif:charset=XXXX'``; CJK, Arabic, Hebrew, Devanagari and Thai come
   from Debian's ``fonts-noto-core`` and ``fonts-noto-cjk`` when installed), found once per
   process and checked against the font's own ``cmap``.

A character no font has is drawn by the first face (its missing-glyph box).  Faces are plain
data (a path, a face index in a collection, a weight), so a layout that names them can be
drawn by any writer: Pillow, the PDF library, or a browser through embedded subsets.

Examples
--------
>>> chain = FontChain()
>>> chain.face_for("A", bold=False).name
'DejaVuSans.ttf'
>>> chain.face_for("Ж", bold=True).bold
True
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from maskrender.errors import InputError

__all__ = ["FONT_DIR", "FontChain", "FontFace", "bundled_face"]

FONT_DIR = Path(__file__).resolve().parent / "fonts"
"""Where the bundled fonts live."""

_BUNDLED = {False: "DejaVuSans.ttf", True: "DejaVuSans-Bold.ttf"}
_FONT_EXTENSIONS = (".ttf", ".otf", ".ttc", ".otc")


@dataclass(frozen=True)
class FontFace:
    """One face of a font file: its path, its index in a collection (``.ttc``) and its weight."""

    path: str
    index: int = 0
    bold: bool = False

    @property
    def name(self) -> str:
        """The file's name (for messages)."""
        return os.path.basename(self.path)

    @property
    def key(self) -> str:
        """A short identifier, stable for the same face, usable as a font family name (``f3a9c1``)."""
        import hashlib

        digest = hashlib.sha1(f"{self.path}\0{self.index}\0{self.bold}".encode()).hexdigest()[:8]
        return f"mr{digest}"

    def covers(self, char: str) -> bool:
        """Whether the face has a glyph for ``char``."""
        return ord(char) in codepoints(self.path, self.index)


def bundled_face(bold: bool = False) -> FontFace:
    """The bundled DejaVu Sans face."""
    return FontFace(str(FONT_DIR / _BUNDLED[bold]), 0, bold)


@functools.lru_cache(maxsize=64)
def codepoints(path: str, index: int = 0) -> frozenset[int]:
    """The code points a font face maps to a glyph (its best Unicode ``cmap``)."""
    from fontTools.ttLib import TTFont

    try:
        with open(path, "rb") as fh, TTFont(fh, fontNumber=index, lazy=True) as font:  # our file: closed even
            cmap = font.getBestCmap() or {}                                          # when TTFont() raises
    except Exception:  # an unreadable file covers nothing (user files are checked earlier)
        return frozenset()
    return frozenset(cmap)


@functools.lru_cache(maxsize=1024)
def _system_face(char: str, bold: bool) -> FontFace | None:
    """The system font for ``char``, from ``fc-list`` (``None`` without fontconfig or a font that has it).

    Of the fonts that cover the character: sans-serif before serif, proportional before
    monospaced, a font other than DejaVu (the bundled one already failed or is second best),
    the closest weight, then by file name and face index, so the choice is the same every run.
    """
    exe = shutil.which("fc-list")
    if exe is None:
        return None
    try:
        done = subprocess.run([exe, "-f", "%{file}\t%{index}\t%{family[0]}\t%{weight}\t%{style[0]}\n",
                               f":charset={ord(char):x}"], capture_output=True, text=True, timeout=20, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    want = 200 if bold else 80
    ranked: list[tuple[tuple[int, int, int, int, int, int, str, int], FontFace]] = []
    for line in done.stdout.splitlines():
        parts = line.split("\t")
        if len(parts) < 5 or not parts[0].lower().endswith(_FONT_EXTENSIONS):
            continue
        path, family, style = parts[0], parts[2].lower(), parts[4].lower()
        try:
            index, weight = int(parts[1] or 0), int(float(parts[3] or 80))
        except ValueError:
            continue
        rank = (int("serif" in family and "sans" not in family), int("mono" in family), int("dejavu" in family),
                int(not family.startswith("noto sans")),
                int("italic" in style or "oblique" in style or "condensed" in style), abs(weight - want), path, index)
        ranked.append((rank, FontFace(path, index, bold)))
    for _, face in sorted(ranked, key=lambda r: r[0]):
        if face.covers(char):
            return face
    return None


def _system_first(char: str) -> bool:
    """Whether ``char`` is of a script the system's fonts draw better than the bundled DejaVu.

    DejaVu has Hebrew and Arabic letters but not all their marks, ligatures and extensions: a
    system font for those scripts (Noto) comes first when there is one.
    """
    code = ord(char)
    return 0x0590 <= code < 0x0900 or 0xFB1D <= code < 0xFF00


def user_face(path: str | os.PathLike[str], bold: bool = False) -> FontFace:
    """A font file the user gave, checked: it must exist and be a TrueType/OpenType font.

    >>> user_face("no/such/font.ttf")
    Traceback (most recent call last):
    ...
    maskrender.errors.InputError: no/such/font.ttf: font file not found
    """
    text = os.fspath(path)
    if not os.path.isfile(text):
        raise InputError(f"{text}: font file not found")
    if not text.lower().endswith(_FONT_EXTENSIONS):
        raise InputError(f"{text}: expected a font file ({', '.join(_FONT_EXTENSIONS)})")
    if not codepoints(text, 0):
        raise InputError(f"{text}: not a readable TrueType/OpenType font (no character map)")
    damage = _damage(text)
    if damage:
        raise InputError(f"{text}: a damaged font file ({damage}); expected a whole TrueType/OpenType font")
    return FontFace(text, 0, bold)


def _damage(path: str) -> str:
    """What is wrong with a font file whose character map reads (``""``: nothing found): every table
    decompiled, every glyph outline read, and the FreeType face opened and measured."""
    from fontTools.ttLib import TTFont

    # fontTools says what it repairs through logging (the application's to show or not; the command line
    # keeps it quiet): no logger is touched here, a library call changes no process-wide state
    try:
        with open(path, "rb") as fh, TTFont(fh, fontNumber=0, lazy=False) as font:
            tags = font.keys()  # a TTFont is no mapping: its tables are listed by keys()
            for tag in tags:
                font.get(tag)  # decompiling every table is the check
            if "glyf" in font:
                glyf = font["glyf"]
                for name in font.getGlyphOrder():
                    glyf[name].getCoordinates(glyf)
        from PIL import ImageFont

        ImageFont.truetype(path, 24).getlength("Ag")
    except Exception as err:  # any exception of a parser is a damaged file
        return f"{type(err).__name__}: {str(err)[:120]}" if str(err) else type(err).__name__
    return ""


@dataclass
class FontChain:
    """The faces text is drawn with, tried in order; system faces are added as characters need them.

    ``fonts`` are the user's font files, tried before the bundled ones.  ``system=False``
    keeps to the bundled and the user's faces (the same output on every machine; characters
    they lack show as missing-glyph boxes).
    """

    fonts: Sequence[str | os.PathLike[str]] = ()
    system: bool = True
    _faces: dict[bool, list[FontFace]] = field(default_factory=dict, init=False, repr=False)
    _chosen: dict[tuple[str, bool], FontFace] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        users = [user_face(f) for f in self.fonts]
        for bold in (False, True):
            self._faces[bold] = [FontFace(u.path, u.index, bold) for u in users] + [bundled_face(bold)]

    def primary(self, bold: bool = False) -> FontFace:
        """The first face of the chain (draws what no face has)."""
        return self._faces[bold][0]

    def faces(self, bold: bool = False) -> list[FontFace]:
        """The faces found so far, in the order they are tried."""
        return list(self._faces[bold])

    def face_for(self, char: str, bold: bool = False, prefer: FontFace | None = None) -> FontFace:
        """The face that draws ``char``: ``prefer`` when it has it, else the first in the chain that has it."""
        if prefer is not None and prefer.covers(char):
            return prefer
        found = self._chosen.get((char, bold))
        if found is not None:
            return found
        pool = self._faces[bold]
        if self.system and _system_first(char):  # scripts DejaVu covers only partly: the system's fonts first
            pool = [f for f in pool if f.path != bundled_face(bold).path]
        face = next((f for f in pool if f.covers(char)), None)
        if face is None and self.system:
            face = _system_face(char, bold) or (_system_face(char, False) if bold else None)
            if face is not None:
                face = FontFace(face.path, face.index, bold)
                if face not in self._faces[bold]:
                    self._faces[bold].append(face)
        if face is None:
            face = next((f for f in self._faces[bold] if f.covers(char)), self.primary(bold))
        self._chosen[(char, bold)] = face
        return face

