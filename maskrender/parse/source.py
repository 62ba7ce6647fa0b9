"""Reading a source into parsed JSON, with every limit checked before the memory it bounds is used.

A path is opened only if it is a regular file (a named pipe, a device or a socket is refused
without blocking), and read with the byte limit applied to the bytes actually read. Before
``json.loads`` builds anything, the raw text is scanned (:class:`TextScan`, a few C-level passes
per block) for what parsing will allocate: JSON values, coordinate-like arrays and nesting depth.
A file larger than :data:`STREAM_FROM` is scanned block by block as it is read, before it is held
in memory at all, so a 10-million-point file is refused with a few hundred kB allocated.

Names are made printable; every failure is a :class:`~maskrender.ParseError` or
:class:`~maskrender.LimitError` naming the source.
"""

from __future__ import annotations

import json
import os
from typing import IO, Any, Union

import numpy as np

from maskrender import limits
from maskrender._jsonpath import join, text
from maskrender.errors import InputError, LimitError, MaskRenderError, ParseError
from maskrender.files import open_regular

__all__ = ["STREAM_FROM", "Source", "TextScan", "read_source"]

Source = Union[str, "os.PathLike[str]", bytes, bytearray, IO[str], IO[bytes], dict[str, Any], list[Any]]
"""Anything :func:`maskrender.load` reads."""

STREAM_FROM = 8 << 20
"""Files larger than this (bytes) are scanned block by block before they are read whole."""

_BLOCK = 1 << 18
"""Bytes of text scanned at a time in memory."""
_STREAM_BLOCK = 1 << 16
"""Bytes read and scanned at a time from a large file (what the pre-scan holds)."""


# -- reading ---------------------------------------------------------------------------------------

def read_source(source: Source, name: str | None) -> tuple[Any, str]:
    """Return ``(parsed JSON, source name)``.

    Names are made printable: a non-UTF-8 file name arrives with surrogate escapes.
    """
    name = text(name) if name else None
    if isinstance(source, (dict, list)):
        return source, name or f"<{type(source).__name__}>"
    if isinstance(source, (bytes, bytearray)):
        return _decode(bytes(source), name or "<bytes>"), name or "<bytes>"
    if isinstance(source, str) and source.lstrip("\ufeff \t\r\n")[:1] in ("{", "["):
        return _decode(source.encode("utf-8", "surrogatepass"), name or "<str>"), name or "<str>"
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        label = name or text(str(path))
        return _decode(_read_file(path, label), label), label
    if hasattr(source, "read"):
        label = name or text(str(getattr(source, "name", "<file>")))
        cap = limits.MAX_INPUT_BYTES
        try:
            raw_any = source.read() if cap is None else source.read(cap + 1)
        except UnicodeDecodeError as err:  # a text-mode file of other bytes
            raise ParseError(f"{label}: not {err.encoding} text (invalid byte at offset {err.start})") from None
        except (OSError, ValueError) as err:  # e.g. a closed file
            raise ParseError(f"{label}: cannot read: {err}") from None
        raw = raw_any.encode("utf-8", "surrogatepass") if isinstance(raw_any, str) else bytes(raw_any)
        return _decode(raw, label), label
    raise InputError(f"load() takes a path, bytes, str, file object, dict or list, not {type(source).__name__}")


def _read_file(path: str | bytes, label: str) -> bytes:
    cap = limits.MAX_INPUT_BYTES
    try:
        with open_regular(path, label, "a JSON file") as fh:  # type: ignore[arg-type]
            size = os.fstat(fh.fileno()).st_size
            _check_size(size, label)
            if size > STREAM_FROM:           # count before holding it: refuse a huge file early
                scan = TextScan(label)
                for block in iter(lambda: fh.read(_STREAM_BLOCK), b""):
                    scan.feed(block)
                scan.finish()
                fh.seek(0)
            return fh.read() if cap is None else fh.read(cap + 1)   # bounded by what is read
    except MaskRenderError:  # ours (a ParseError is also a ValueError): as raised
        raise
    except FileNotFoundError:
        raise ParseError(f"{label}: no such file") from None
    except OSError as err:
        raise ParseError(f"{label}: cannot read: {err.strerror or err}") from None
    except ValueError as err:  # e.g. a NUL character in the path
        raise ParseError(f"{label!r}: not a usable file name ({err})") from None


def _check_size(size: int, label: str) -> None:
    cap = limits.MAX_INPUT_BYTES
    if cap is not None and size > cap:
        raise LimitError(
            f"{label}: {size:,} bytes is more than the {cap:,} allowed (maskrender.limits.MAX_INPUT_BYTES)"
        )


def _decode(raw: bytes, label: str) -> Any:
    _check_size(len(raw), label)
    scan = TextScan(label)
    for start in range(0, len(raw), _BLOCK):
        scan.feed(raw[start : start + _BLOCK])
    depth = scan.finish()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ParseError(f"{label}: not UTF-8 text (invalid byte at offset {err.start})") from None
    if not text.strip():
        raise ParseError(f"{label}: empty input, expected JSON")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        what = "truncated JSON" if err.pos >= len(text.rstrip()) else "invalid JSON"
        raise ParseError(f"{label}: {what} at line {err.lineno} column {err.colno}: {err.msg}") from None
    except RecursionError:
        raise _too_deep(label, "$") from None
    except ValueError as err:  # e.g. integers longer than Python's digit limit
        raise ParseError(f"{label}: invalid JSON: {err}") from None
    cap = limits.MAX_JSON_DEPTH
    if cap is not None and depth > cap:
        raise _too_deep(label, _deep_path(data, cap))
    return data


# -- the scan before parsing ----------------------------------------------------------------------

_SPACE = b" \t\r\n"
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_NUMBER_START = b"-0123456789NI"   # NaN and Infinity too: they parse, and cost what numbers cost
_IS_NUMBER_START = np.zeros(256, dtype=bool)
_IS_NUMBER_START[list(_NUMBER_START)] = True


class TextScan:
    r"""Counts over JSON text outside its strings, fed block by block: values, coordinate-like
    arrays and the nesting depth; raises :class:`~maskrender.LimitError` as soon as a count passes
    ``limits.MAX_JSON_VALUES`` or ``limits.MAX_COORDINATES``.

    * values: one per comma and per non-empty array or object, plus the top one: every element of
      an array and every member of an object (what ``json.loads`` makes objects of, up to ~100
      bytes each);
    * coordinate-like arrays: every ``[`` whose first element is a number (a GeoJSON position is one;
      an array of numbers elsewhere counts too, so this never counts fewer than the loader will);
    * depth: the running sum of ``+1`` per ``[``/``{`` and ``-1`` per ``]``/``}``, at its peak.

    Escapes go first (in valid JSON they only occur in strings and pair up from the left), then
    the strings (every other piece between quotes) become one placeholder byte each. A block may
    end anywhere, even inside a string or an escape: what is left over is carried to the next.

    >>> scan = TextScan("<bytes>")
    >>> for block in (b'{"a[[": [[1, 2], [3, 4', b']], "b": "]\\', b'\\\\"{"}'):  # "b" is ]\"{
    ...     scan.feed(block)
    >>> scan.finish(), scan.values, scan.points
    (3, 9, 2)
    """

    __slots__ = ("_carry", "_last", "depth", "in_string", "label", "level", "points", "values")

    def __init__(self, label: str) -> None:
        self.label = label
        self.in_string = False
        self.level = self.depth = self.points = 0
        self.values = 1
        self._carry = b""          # a trailing run of backslashes, which may start an escape
        self._last = -1            # the last byte outside strings of what was scanned so far

    def feed(self, block: bytes) -> None:
        """Scan the next piece of the text."""
        if self._carry:
            block = self._carry + block
        cut = len(block)
        while cut and block[cut - 1] == 0x5C:
            cut -= 1
        self._carry = block[cut:] if cut < len(block) else b""
        self._scan(block[:cut] if self._carry else block)

    def finish(self) -> int:
        """Scan what is left; return the depth."""
        if self._carry:
            carry, self._carry = self._carry, b""
            self._scan(carry)
        return self.depth

    def _scan(self, block: bytes) -> None:
        if b"\\" in block:
            block = block.replace(b"\\\\", b"").replace(b'\\"', b"")
        pieces = block.split(b'"')
        if self.in_string:       # pieces alternate inside/outside strings, starting inside
            outside, ends_inside = pieces[1::2], len(pieces) % 2 == 1 and len(pieces) > 1
        else:
            outside, ends_inside = pieces[::2], len(pieces) % 2 == 0
        if len(pieces) % 2 == 0:
            self.in_string = not self.in_string
        # each string that opens here leaves one "$" (a value, so that ["a"] is not taken for [])
        body = (b"$".join(outside) + (b"$" if ends_inside else b"")).translate(None, _SPACE)
        if not body:
            return
        opening = body.count(b"[")
        # one value per element: commas, plus one per non-empty array/object, plus the top one
        self.values += body.count(b",") + opening + body.count(b"{") - body.count(b"[]") - body.count(b"{}")
        if self._last == 0x5B:                       # what the last block left open
            self.points += body[0] in _NUMBER_START
            self.values -= body[0] == 0x5D
        elif self._last == 0x7B:
            self.values -= body[0] == 0x7D
        self._last = body[-1]
        if opening:
            chars = np.frombuffer(body, dtype=np.uint8)
            after = np.flatnonzero(chars[:-1] == 0x5B) + 1
            self.points += int(np.count_nonzero(_IS_NUMBER_START[chars[after]]))
        brackets = body.translate(None, _NOT_BRACKETS)
        if brackets:
            run = np.cumsum((np.frombuffer(brackets, dtype=np.int8) & 2) - 1, dtype=np.int32) + self.level
            self.depth = max(self.depth, int(run.max()))
            self.level = int(run[-1])
        self._check()

    def _check(self) -> None:
        cap = limits.MAX_JSON_VALUES
        if cap is not None and self.values > cap:
            raise LimitError(f"{self.label}: more than {cap:,} JSON values (numbers, strings, arrays, objects) in one "
                             "input, counted before parsing (maskrender.limits.MAX_JSON_VALUES)")
        cap = limits.MAX_COORDINATES
        if cap is not None and self.points > cap:
            raise LimitError(f"{self.label}: more than {cap:,} coordinates in one input, counted before parsing "
                             "(maskrender.limits.MAX_COORDINATES)")


def _too_deep(label: str, path: str) -> ParseError | LimitError:
    cap = limits.MAX_JSON_DEPTH
    if cap is None:
        return ParseError(f"{label}: JSON nested too deeply for Python's parser")
    if len(path) > 120:  # keep whole segments: "a.b[0][0]...[0][0]"
        head, tail = path[:80], path[-30:]
        head = head[: max(head.rfind("["), head.rfind("."))]
        tail = tail[min(i for i in (tail.find("["), tail.find("."), len(tail)) if i >= 0):]
        path = f"{head}...{tail}"
    return LimitError(
        f"{label}: {path}: arrays/objects nested more than {cap} deep (maskrender.limits.MAX_JSON_DEPTH)"
    )


def _deep_path(data: Any, cap: int) -> str:
    """The JSON path of the first array/object nested more than ``cap`` deep (iterative)."""
    stack: list[tuple[Any, str, int]] = [(data, "", 1)]
    while stack:
        node, path, depth = stack.pop()
        if depth > cap:
            return path or "$"
        items = node.items() if isinstance(node, dict) else enumerate(node)
        stack.extend((v, join(path, k), depth + 1) for k, v in items if isinstance(v, (dict, list)))
    return "$"
