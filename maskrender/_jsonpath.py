r"""Where in the input: JSON paths, short descriptions of found values, and the per-load context
that turns them into path-bearing :class:`~maskrender.FormatError`\ s (shared by the loader and
the geometry builder)."""

from __future__ import annotations

import json
import math
import re
from typing import Any

from maskrender import limits
from maskrender.errors import FormatError, LimitError

__all__ = ["Context", "describe", "finite", "join", "printable", "text"]


def describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"string {json.dumps(shown)}"
    if isinstance(value, int):
        if abs(value) < 10**40:
            return f"int {value}"
        # exact without str(), which refuses more than 4,300 digits: 2**(bits-1) has n digits
        n = int((value.bit_length() - 1) * math.log10(2)) + 1
        if n > 100_000:
            return f"an integer of about {n:,} digits"
        return f"an integer of {n + (abs(value) >= 10**n):,} digits"
    if isinstance(value, float):
        return f"float {value!r}"
    if isinstance(value, dict):
        keys = ", ".join(list(map(str, value))[:5])
        return f"an object with keys [{keys}]" if value else "an empty object"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    return type(value).__name__


def finite(value: Any) -> float | None:
    """``value`` as a float if it is a JSON number that is finite as a float, else ``None``.

    Booleans are not numbers; integers too large for a float are not finite.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        f = float(value)
    except OverflowError:
        return None
    return f if math.isfinite(f) else None


class Context:
    """What a loader call carries: the source's name and the running coordinate count."""

    __slots__ = ("coords", "src")

    def __init__(self, src: str) -> None:
        self.src = src
        self.coords = 0

    def fail(self, path: str, expected: str, value: Any) -> FormatError:
        return FormatError(self.src, path, expected, describe(value))

    def count(self, n: int, path: str) -> None:
        self.coords += n
        cap = limits.MAX_COORDINATES
        if cap is not None and self.coords > cap:
            raise LimitError(
                f"{self.src}: {path or '$'}: more than {cap:,} coordinates in one input "
                "(maskrender.limits.MAX_COORDINATES)"
            )


def join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


_SURROGATE = re.compile("[\ud800-\udfff]")


def text(s: str) -> str:
    r"""``s`` with lone surrogates (JSON allows ``"\ud800"``; UTF-8 cannot encode it) made U+FFFD.

    >>> text("ok \ud800!")
    'ok \ufffd!'
    """
    return s if s.isascii() else _SURROGATE.sub("\ufffd", s)


_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def printable(message: str) -> str:
    r"""``message`` safe to print on a terminal: control characters (escape sequences, BEL) and lone
    surrogates (which UTF-8 cannot encode) become U+FFFD; newlines and tabs too, so one message stays
    one line.

    >>> printable("red\x1b[31m\ud800\x07")
    'red\ufffd[31m\ufffd\ufffd'
    """
    return _UNPRINTABLE.sub("\ufffd", message)
