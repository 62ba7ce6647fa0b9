"""The report's own words in one catalogue: headings, column titles, grade words, notes.

English (``lang/en.json``) ships and is the fallback of every key; German (``lang/de.json``)
ships as a second language.  A user's translation is a JSON object of the same keys
(``--lang FILE`` / ``lang="my.json"``); keys it leaves out stay English, an unknown key or a
placeholder that differs from the English one (``{n}``, ``{value}`` ...) is refused with the
file and key named, so a typo cannot pass silently.

Examples
--------
>>> en = load_catalogue()
>>> en("heading.summary"), en("meta.algorithms.other", n=7), en.grade("Good")
('Summary', '7 algorithms', 'Good')
>>> de = load_catalogue("de")
>>> de.grade("Excellent"), de.language, de.date("2025-02-26T10:52:17Z")
('Hervorragend', 'de', '26. Feb. 2025')
"""

from __future__ import annotations

import functools
import json
import os
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Union

from maskrender.errors import InputError

__all__ = ["LANG_DIR", "Catalogue", "LangSource", "load_catalogue", "shipped_languages"]

LANG_DIR = Path(__file__).resolve().parent / "lang"
"""Where the shipped catalogues live (``en.json``, ``de.json``)."""

_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}))?")


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@dataclass(frozen=True)
class Catalogue:
    """The words of one language; call it with a key (and the placeholders' values)."""

    language: str
    words: Mapping[str, str]
    source: str = "en"

    def __call__(self, key: str, **values: object) -> str:
        text = self.words.get(key)
        if text is None:
            text = _english().words[key]
        return text.format(**values) if values else text

    def vendor(self, kind: str, key: str, name: str) -> str:
        """The vendor's ``name`` of an ``area`` or a ``metric`` (by its tech name ``key``) in this
        language: the catalogue's ``kind.key`` where it has one, else ``name`` as the data spells it
        (the English catalogue lists the keys a translation may give; the data's own names win in English).

        >>> de, en = load_catalogue("de"), load_catalogue()
        >>> de.vendor("area", "forehead", "Forehead"), en.vendor("area", "forehead", "x")
        ('Stirn', 'x')
        """
        text = self.words.get(f"{kind}.{key}") if self.language != "en" else None
        return text if isinstance(text, str) and text else name

    def grade(self, grade: str) -> str:
        """The word for a grade of :data:`maskrender.model.GRADES` (or ``Bad``)."""
        return self(f"grade.{grade}") if f"grade.{grade}" in _english().words else grade

    def count(self, key: str, n: int) -> str:
        """``key.one`` for 1, else ``key.other``, with ``n`` filled in."""
        return self(f"{key}.{'one' if n == 1 else 'other'}", n=n)

    def date(self, stamp: str | None, with_time: bool = False) -> str:
        """``2025-02-26 10:52:17`` -> ``26 Feb 2025`` in this language; ``""`` for none.

        >>> load_catalogue().date("2025-02-26 10:52:17", with_time=True), load_catalogue().date("last tuesday")
        ('26 Feb 2025, 10:52', 'last tuesday')
        """
        if not stamp:
            return ""
        m = _DATE.match(stamp.strip())
        if not m or not 1 <= int(m.group(2)) <= 12:
            return stamp.strip()[:40]
        day = self("date.day", day=int(m.group(3)), month=self(f"month.{int(m.group(2))}"), year=m.group(1))
        if with_time and m.group(4):
            return self("date.time", date=day, time=f"{m.group(4)}:{m.group(5)}")
        return day


LangSource = Union[str, "os.PathLike[str]", Catalogue, Mapping[str, str], None]


@functools.lru_cache(maxsize=1)
def _english() -> Catalogue:
    words = json.loads((LANG_DIR / "en.json").read_text(encoding="utf-8"))
    return Catalogue("en", MappingProxyType(words), "en")


def shipped_languages() -> list[str]:
    """The codes of the shipped catalogues.

    >>> shipped_languages()
    ['de', 'en']
    """
    return sorted(p.stem for p in LANG_DIR.glob("*.json"))


def _plain(text: str) -> None:
    """Refuse a placeholder with a format spec, a conversion, an attribute or an index
    (``{day:>300000000}`` would build a 300 MB string, ``{month:d}`` raise at every report).

    >>> _plain("{day} {month}")
    >>> _plain("{day:>300000000}")
    Traceback (most recent call last):
    ...
    ValueError: '{day:>300000000}' (a format spec or conversion)
    """
    for _, name, spec, conversion in string.Formatter().parse(text):
        if name is None:
            continue
        if spec or conversion or not name.isidentifier():
            shown = "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
            raise ValueError(f"{shown!r} (a format spec or conversion)")


def _check(words: object, source: str) -> Catalogue:
    english = _english().words
    if not isinstance(words, dict):
        raise InputError(f"{source}: expected a JSON object of catalogue keys to texts, found {type(words).__name__}")
    unknown = sorted(k for k in words if k not in english)
    if unknown:
        raise InputError(f"{source}: unknown catalogue key {unknown[0]!r}; expected keys such as "
                         f"{', '.join(list(english)[1:6])} (see {LANG_DIR / 'en.json'})")
    for key, text in words.items():
        if not isinstance(text, str):
            raise InputError(f"{source}: {key}: expected a string, found {type(text).__name__}")
        try:
            found = _fields(text)
            _plain(text)
        except ValueError as err:
            raise InputError(f"{source}: {key}: expected a text with plain {{placeholders}}, found {err}") from None
        want = _fields(english[key])
        if found != want:
            raise InputError(f"{source}: {key}: expected the placeholders {sorted(want) or 'none'}, "
                             f"found {sorted(found) or 'none'}")
    return Catalogue(str(words.get("language") or "und"), MappingProxyType(dict(words)), source)


def load_catalogue(lang: LangSource = None) -> Catalogue:
    """The catalogue of ``lang``: ``None``/``"en"``, a shipped code (``"de"``), a JSON file's path, or a mapping.

    >>> load_catalogue({"heading.masks": "Layers"})("heading.masks")
    'Layers'
    >>> load_catalogue({"meta.failed": "{count} failed"})
    Traceback (most recent call last):
    ...
    maskrender.errors.InputError: <dict>: meta.failed: expected the placeholders ['n'], found ['count']
    """
    if lang is None or isinstance(lang, Catalogue):
        return lang or _english()
    if isinstance(lang, Mapping):
        return _check(dict(lang), "<dict>")
    text = os.fspath(lang)
    if text == "en":
        return _english()
    if text in shipped_languages():
        path = LANG_DIR / f"{text}.json"
    else:
        path = Path(text)
        if not path.is_file():
            raise InputError(f"{text}: no such catalogue file; expected a JSON file or one of "
                             f"{', '.join(shipped_languages())}")
    try:
        words = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as err:
        raise InputError(f"{text}: not a readable JSON catalogue: {err}") from None
    return _check(words, text)
