"""Other names of the vendor's algorithms, and what ``only=`` may be.

The vendor's rasterisation service names some algorithms differently from the results it draws from
(its ``algorithm_tech_name`` values ``eye_bags``, ``eyes_age``, ``skintone_classification`` are the
results ``eye_area_condition``, ``eye_age`` and ``skin_tone``). A user who learnt the names there gives
them to ``only=``/``--only`` or ``--fill``: :func:`vendor_aliases` lists them for the name matcher
(:mod:`maskrender.names`), so they select what they name.

>>> vendor_aliases("eye_area_condition", "eye_area_condition.eye_area_condition")
('eye_bags',)
>>> selection("acne")
('acne',)
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["VENDOR_ALIASES", "selection", "vendor_aliases"]

VENDOR_ALIASES: dict[str, tuple[str, ...]] = {
    "eye_area_condition": ("eye_bags",),
    "eye_age": ("eyes_age",),
    "skin_tone": ("skintone_classification",),
}
"""The rasterisation service's names of results (by the results' ``algorithm_tech_name``)."""


def vendor_aliases(algorithm: str, family: str = "") -> tuple[str, ...]:
    """The other names of the result of ``algorithm`` (or of ``family``'s last part)."""
    found = VENDOR_ALIASES.get(algorithm, ())
    tail = family.rpartition(".")[2]
    return found + tuple(a for a in VENDOR_ALIASES.get(tail, ()) if a not in found)


def selection(only: Sequence[str] | str | None, what: str = "only") -> tuple[str, ...] | None:
    """``only=`` as a tuple of names: a string is one name (never its characters); ``None`` stays ``None``.
    Anything but a string or a sequence of strings is a :class:`TypeError` that says what was expected.

    >>> selection(["acne", "pores"]), selection(None)
    (('acne', 'pores'), None)
    >>> selection(5)
    Traceback (most recent call last):
    ...
    TypeError: only: expected a name or a list of names (e.g. ["acne", "pores"]), not int
    """
    if only is None:
        return None
    if isinstance(only, str):
        return (only,)
    if isinstance(only, (Sequence, set, frozenset)) and not isinstance(only, (bytes, bytearray)) and all(
            isinstance(n, str) for n in only):
        return tuple(only)
    raise TypeError(f'{what}: expected a name or a list of names (e.g. ["acne", "pores"]), not {type(only).__name__}')
