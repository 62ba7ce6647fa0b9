"""Is an output complete? What ``--resume`` trusts, and nothing less."""

from __future__ import annotations

import os
import stat
import xml.etree.ElementTree as ET
from pathlib import Path

__all__ = ["is_complete"]

_PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"
_RASTER = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP"}


def _tail(path: Path, size: int, n: int) -> bytes:
    with open(path, "rb") as fh:
        fh.seek(max(0, size - n))
        return fh.read()


def _raster_complete(path: Path, fmt: str, size: int) -> bool:
    from PIL import Image

    with open(path, "rb") as fh:
        head = fh.read(12)
    tail = _tail(path, size, 16)
    if fmt == "PNG" and not (head.startswith(b"\x89PNG\r\n\x1a\n") and tail.endswith(_PNG_END)):
        return False
    if fmt == "JPEG" and not (head.startswith(b"\xff\xd8") and tail.endswith(b"\xff\xd9")):
        return False
    if fmt == "WEBP" and not (head[:4] == b"RIFF" and head[8:12] == b"WEBP"
                              and int.from_bytes(head[4:8], "little") + 8 == size):
        return False
    with Image.open(path) as im:
        if im.format != fmt:
            return False
        im.verify()                       # chunk CRCs (PNG) and structure
    with Image.open(path) as im:
        im.load()                         # every pixel decodes
    return True


def _svg_complete(path: Path) -> bool:
    root = None
    for event, element in ET.iterparse(path, events=("start", "end")):   # reads to the end
        if root is None:
            root = element
        elif event == "end" and element is not root:
            element.clear()
    return root is not None and root.tag in ("svg", "{http://www.w3.org/2000/svg}svg")


def is_complete(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a finished output that ``--resume`` may keep.

    Complete means: a regular file (not a symlink, which the batch replaces rather than
    writes through), not empty, and by extension: a PNG, JPEG or WebP whose signature and
    end marker are in place (PNG ``IEND``, JPEG ``EOI``, WebP's RIFF length equal to the
    file's) and that Pillow verifies and decodes to the last pixel; an SVG that parses to
    the end with an ``<svg>`` root; a PDF from ``%PDF-`` to ``%%EOF``; an HTML file ending
    in ``</html>``. Anything else is incomplete.

    Outputs are written to a temporary file and renamed, so a half-written output should
    never exist; this checks anyway (disk full, another program, a copy interrupted).

    >>> import tempfile, os
    >>> folder = tempfile.mkdtemp()
    >>> is_complete(os.path.join(folder, "missing.png"))
    False
    >>> from PIL import Image
    >>> Image.new("RGB", (8, 8)).save(os.path.join(folder, "a.png"))
    >>> is_complete(os.path.join(folder, "a.png"))
    True
    >>> data = open(os.path.join(folder, "a.png"), "rb").read()
    >>> _ = open(os.path.join(folder, "cut.png"), "wb").write(data[:-20])
    >>> is_complete(os.path.join(folder, "cut.png"))
    False
    """
    p = Path(path)
    try:
        st = os.lstat(p)
    except OSError:
        return False
    if not stat.S_ISREG(st.st_mode) or st.st_size == 0:
        return False
    ext = p.suffix.lower()
    try:
        if ext in _RASTER:
            return _raster_complete(p, _RASTER[ext], st.st_size)
        if ext == ".svg":
            return _svg_complete(p)
        if ext == ".pdf":
            with open(p, "rb") as fh:
                head = fh.read(5)
            return head == b"%PDF-" and _tail(p, st.st_size, 32).rstrip().endswith(b"%%EOF")
        if ext in (".html", ".htm"):
            return _tail(p, st.st_size, 64).rstrip().lower().endswith(b"</html>")
    except Exception:  # any failure to read or decode means: not complete, render it again
        return False
    return False
