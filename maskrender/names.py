"""The one name matcher: which masks and results a user's name selects.

A name given to ``only=``/``--only``, to ``Style(fills=...)``/``--fill NAME=COLOR``, to a batch
manifest's ``only``/``fill`` cells or to a report's selection is matched here, and nowhere
else, against every key of a mask (most specific first):

* the mask's tech name (``papules_mask_restored``) and its stem (``papules``: vendor tech names
  vary across sides and sets, so ``x_mask_restored_right`` is ``x``);
* the mask's display name (``Papules``);
* the result's family (``acne.papules``), the family's last part (``papules``), its group
  (``acne`` selects every ``acne.*`` family) and the algorithm (``papules``).

Examples
--------
>>> import maskrender as mr
>>> acne = mr.load("fixtures/acne.json")
>>> [m.tech_name for m in acne.masks() if matches(m, ["papules"])]
['papules_mask_restored']
>>> unmatched(acne.masks(), ["acne", "pores"])
['pores']
>>> lookup(acne.masks()[0], {"acne": "#ff0000", acne.masks()[0].tech_name: "#00ff00"})
'#00ff00'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol, TypeVar

from maskrender.aliases import vendor_aliases  # the rasterisation service's names (i22)
from maskrender.errors import SelectionError

__all__ = [
    "available_names",
    "group_of",
    "lookup",
    "mask_keys",
    "matches",
    "require_known",
    "result_matches",
    "stem",
    "unmatched",
]

T = TypeVar("T")

_SUFFIXES = ("_mask_restored", "_mask_original", "_restored", "_original", "_mask")
_SIDES = ("_left", "_right", "_front")


class _MaskLike(Protocol):
    @property
    def tech_name(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def family(self) -> str: ...
    @property
    def algorithm(self) -> str: ...


class _ResultLike(Protocol):
    @property
    def family(self) -> str: ...
    @property
    def algorithm(self) -> str: ...


def stem(tech_name: str) -> str:
    """A mask tech name without its set/side suffixes (vendor names vary across sides).

    >>> stem("papules_mask_restored"), stem("acne_restored_left"), stem("x_mask_restored_right"), stem("beard")
    ('papules', 'acne', 'x', 'beard')
    """
    out = tech_name
    for side in _SIDES:
        out = out.removesuffix(side)
    for suffix in _SUFFIXES:
        if out.endswith(suffix):
            return out[: -len(suffix)]
    return out


def group_of(family: str) -> str:
    """The group of a family: ``acne`` for ``acne.papules`` (empty for a family without a dot)."""
    head, dot, _ = family.partition(".")
    return head if dot else ""


def _family_keys(r: _ResultLike) -> tuple[str, ...]:
    return (r.family, r.family.rpartition(".")[2], r.algorithm, group_of(r.family),
            *vendor_aliases(r.algorithm, r.family))


def mask_keys(mask: _MaskLike) -> tuple[str, ...]:
    """Every name that selects ``mask``, most specific first, without blanks or repeats.

    >>> import maskrender as mr
    >>> mask_keys(mr.load("fixtures/acne.json").masks()[1])
    ('papules_mask_restored', 'papules', 'Papules Mask', 'acne.acne', 'acne')
    """
    keys = (mask.tech_name, stem(mask.tech_name), mask.name, *_family_keys(mask))
    return tuple(dict.fromkeys(k for k in keys if k))


def matches(mask: _MaskLike, names: Iterable[str]) -> bool:
    """Whether any of ``names`` selects ``mask``."""
    keys = set(mask_keys(mask))
    return any(n in keys for n in names)


def result_matches(result: _ResultLike, name: str) -> bool:
    """Whether ``name`` selects a whole result: its algorithm, family, family's last part or group."""
    return bool(name) and name in _family_keys(result)


def lookup(mask: _MaskLike, table: Mapping[str, T]) -> T | None:
    """The value of the most specific of ``mask``'s keys in ``table`` (``--fill`` colours), or ``None``."""
    for key in mask_keys(mask):
        if key in table:
            return table[key]
    return None


def unmatched(masks: Iterable[_MaskLike], names: Sequence[str]) -> list[str]:
    """The ``names`` that select none of ``masks`` (for an error that lists what exists)."""
    keys = {k for m in masks for k in mask_keys(m)}
    return [n for n in names if n not in keys]


def available_names(masks: Iterable[_MaskLike]) -> list[str]:
    """The names a user may give to select among ``masks``: tech names, stems, families, algorithms."""
    out: set[str] = set()
    for m in masks:
        out.update(k for k in mask_keys(m) if k != m.name)
    return sorted(out)


def require_known(names: Sequence[str], masks: Sequence[_MaskLike], *, what: str, source: str) -> None:
    """Raise :class:`~maskrender.SelectionError` if any of ``names`` selects none of ``masks``.

    The message names the source, the option (``what``: ``--fill``, ``only``) and lists what
    exists, so a typo is never silently ignored.

    >>> import maskrender as mr
    >>> require_known(["acne", "pores"], mr.load("fixtures/acne.json").all_masks(),  # doctest: +ELLIPSIS
    ...               what="fill", source="acne.json")
    Traceback (most recent call last):
    ...
    maskrender.errors.SelectionError: acne.json: fill name pores matches no mask; there are: acne, acne.acne, ...
    """
    unknown = unmatched(masks, names)
    if unknown:
        plural = "s" if len(unknown) > 1 else ""
        verb = "match" if len(unknown) > 1 else "matches"
        there = ", ".join(available_names(masks)) or "no masks at all"
        raise SelectionError(f"{source}: {what} name{plural} {', '.join(unknown)} {verb} no mask; there are: {there}")
