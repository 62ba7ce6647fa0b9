"""What ``--resume`` trusts, and nothing less: an output that is complete (:func:`is_complete`) and,
where the batch keeps its own folder, that is still the very file ``made.jsonl`` records as made from
the same inputs and options (:func:`fingerprint`, :func:`still_made_from`)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from maskrender.batch._jobs import PATH_OPTIONS, Job
from maskrender.errors import MaskRenderError
from maskrender.files import open_regular

__all__ = ["MADE", "earlier_fingerprint", "fingerprint", "is_complete", "record_made", "still_made_from"]

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


# -- what an output was made from ---------------------------------------------------------------------------

def _canonical(value: Any) -> Any:
    """Options as plain JSON (dataclasses by their fields, paths as text), the same in every process."""
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return {type(value).__name__: {f: _canonical(getattr(value, f)) for f in value.__dataclass_fields__}}
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return value if isinstance(value, (str, int, float, bool, type(None))) else repr(value)


def _file_digest(path: Path, cache: dict[tuple[Any, ...], bytes] | None) -> bytes | None:
    """SHA-256 of one input file (``None``: unreadable), remembered in ``cache`` by what the file system says
    of it (device, inode, size, modification and change times), so that a photo many jobs share is read once."""
    try:
        with open_regular(path, os.fspath(path), "a file") as fh:   # never blocks on a FIFO
            st = os.fstat(fh.fileno())
            key = (os.fspath(path), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
            if cache is not None and key in cache:
                return cache[key]
            digest = hashlib.sha256()
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    except (OSError, MaskRenderError):
        return None
    if cache is not None:
        if len(cache) > 4096:
            cache.clear()
        cache[key] = digest.digest()
    return digest.digest()


def fingerprint(job: Job, cache: dict[tuple[Any, ...], bytes] | None = None) -> str | None:
    """A SHA-256 of what ``job``'s output is made from: the kind, the output's format, every option,
    and the content of every input file (:meth:`Job.inputs`: the result, the photo, a catalogue and
    font files...). ``None`` if an input cannot be read (the job will fail). ``cache`` (a dict kept
    between calls) spares reading a file again that the file system says is unchanged.

    >>> from maskrender.batch import Job
    >>> a = fingerprint(Job("fixtures/acne.json", "/tmp/a.png", options={"masks": "original"}))
    >>> a == fingerprint(Job("fixtures/acne.json", "/tmp/b.png", options={"masks": "original"}))
    True
    >>> a == fingerprint(Job("fixtures/acne.json", "/tmp/a.png", options={"masks": "restored"}))
    False
    """
    digest = hashlib.sha256()
    head = {"kind": job.kind, "format": job.output.suffix.lower(), "options": _canonical(job.options)}
    digest.update(json.dumps(head, sort_keys=True, default=repr).encode("utf-8", "surrogatepass"))
    for path in job.inputs():
        content = _file_digest(path, cache)
        if content is None:
            return None
        digest.update(b"\0" + os.fsencode(path) + b"\0" + content)
    return digest.hexdigest()


def earlier_fingerprint(job: Job) -> str | None:
    """The fingerprint earlier versions recorded (every input streamed into one hash, before files were hashed
    one by one), for a job they fingerprinted whole (one that reads no catalogue or font file), so that the
    outputs they made are kept by ``--resume``; ``None`` for other jobs, or an unreadable input.

    >>> from maskrender.batch import Job
    >>> earlier_fingerprint(Job("fixtures/acne.json", "/tmp/a.png")) == fingerprint(Job("fixtures/acne.json",
    ...                                                                                  "/tmp/a.png"))
    False
    """
    inputs = job.inputs()
    if len(inputs) != len([p for p in (job.result, job.image, *(job.options.get(k) for k in PATH_OPTIONS))
                           if isinstance(p, Path)]):
        return None
    digest = hashlib.sha256()
    head = {"kind": job.kind, "format": job.output.suffix.lower(), "options": _canonical(job.options)}
    digest.update(json.dumps(head, sort_keys=True, default=repr).encode("utf-8", "surrogatepass"))
    for path in inputs:
        digest.update(b"\0" + os.fsencode(path) + b"\0")
        try:
            with open_regular(path, os.fspath(path), "a file") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(block)
        except (OSError, MaskRenderError):
            return None
    return digest.hexdigest()


MADE = "made.jsonl"
"""The file in a batch's work folder recording what each output was made from, one line each."""


def record_made(work: str, key: str, made_from: str, path: Path, review: Mapping[str, Any] | None = None) -> None:
    """Append one line to ``made.jsonl`` beside the run's folder ``work`` (one ``write`` in append mode: lines
    do not interleave). The output's inode, size and modification time tie the record to this very file
    (a rename keeps them); ``review`` is what the review page shows of it."""
    st = os.stat(path)
    record: dict[str, Any] = {"output": key, "made_from": made_from, "inode": st.st_ino, "size": st.st_size,
                              "mtime_ns": st.st_mtime_ns}
    if review is not None:
        record["review"] = review
    line = json.dumps(record, ensure_ascii=False) + "\n"
    with contextlib.suppress(OSError):  # no record only means: --resume makes it again
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
        fd = os.open(os.path.join(os.path.dirname(work), MADE), flags, 0o644)
        try:
            os.write(fd, line.encode("utf-8", "surrogatepass"))
        finally:
            os.close(fd)


def still_made_from(path: Path, record: Mapping[str, Any]) -> bool:
    """Whether ``path`` is still the very file ``record`` describes (inode, size, modification time)."""
    try:
        st = os.lstat(path)
    except OSError:
        return False
    return (st.st_ino, st.st_size, st.st_mtime_ns) == (record.get("inode"), record.get("size"),
                                                         record.get("mtime_ns"))
