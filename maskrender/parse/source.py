"""Reading a source into parsed JSON, with the size and depth limits checked as early as they can be.

Names are made printable; every failure is a :class:`~maskrender.ParseError` or
:class:`~maskrender.LimitError` naming the source.
"""

from __future__ import annotations

import json
import os
from typing import IO, Any, Union

import numpy as np

from maskrender import limits
from maskrender._paths import join, text
from maskrender.errors import InputError, LimitError, ParseError

__all__ = ["Source", "read_source"]

Source = Union[str, "os.PathLike[str]", bytes, bytearray, IO[str], IO[bytes], dict[str, Any], list[Any]]
"""Anything :func:`maskrender.load` reads."""


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
    try:
        size = os.path.getsize(path)
        _check_size(size, label)
        with open(path, "rb") as fh:
            return fh.read()
    except IsADirectoryError:
        raise ParseError(f"{label}: is a directory, expected a JSON file") from None
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
    if cap is not None and _max_depth(raw) > cap:
        raise _too_deep(label, _deep_path(data, cap))
    return data


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


_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_CHUNK = 1 << 22


def _max_depth(raw: bytes) -> int:
    """How deep arrays/objects nest in valid JSON text, in a few C-level passes.

    Backslash escapes go first (in valid JSON they only occur in strings and pair up from
    the left), then the strings (every other piece between quotes), then all but the
    brackets; the running sum of +1 per ``[``/``{`` and -1 per ``]``/``}`` peaks at the depth.

    >>> _max_depth(b'{"a[[": [1, [2, "]\\\\\\\\\\\\"{"]]}')
    3
    """
    body = raw.replace(b"\\\\", b"").replace(b'\\"', b"") if b"\\" in raw else raw
    brackets = np.frombuffer(b"".join(body.split(b'"')[::2]).translate(None, _NOT_BRACKETS), dtype=np.uint8)
    deepest = level = 0
    for start in range(0, len(brackets), _CHUNK):
        # "[" 0x5B and "{" 0x7B have bit 1 set, "]" 0x5D and "}" 0x7D do not
        run = np.cumsum((brackets[start : start + _CHUNK] & 2).astype(np.int32) - 1) + level
        deepest = max(deepest, int(run.max()))
        level = int(run[-1])
    return deepest


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
