"""The one name matcher: which masks and results a user's name selects.

A name given to ``only=``/``--only``, to ``Style(fills=...)``/``--fill NAME=COLOR``, to a batch
manifest's ``only``/``fill`` cells or to a report's selection is matched here, and nowhere
else, against every key of a mask (most specific first):

* the mask's tech name (``papules_mask_restored``) and its stem (``papules``: vendor tech names
  vary across sides and sets, so ``x_mask_restored_right`` is ``x``);
* the mask's display name (``Papules``);
* the result's family (``acne.papules``), the family's last part (``papules``), the algorithm
  (``papules``), and the family's group (``acne`` selects every ``acne.*`` family).

Names match case-insensitively (``Acne``, ``pores mask``).  A group is the least specific key:
where a name is also an algorithm, family or mask name among the masks looked at, it selects
those and not the rest of its group (``lines`` is the lines algorithm, not every ``lines.*``
family such as ``lines.wrinkles_depth``): :func:`select` decides with the whole selection in view.

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

from collections.abc import Callable, Iterable, Mapping, Sequence
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
    "select",
    "select_results",
    "stem",
    "unmatched",
]

T = TypeVar("T")
M = TypeVar("M", bound="_MaskLike")
R = TypeVar("R", bound="_ResultLike")

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


def _fold(name: str) -> str:
    return name.strip().casefold()


def _mask_specific(mask: _MaskLike) -> set[str]:
    return {_fold(k) for k in (mask.tech_name, stem(mask.tech_name), mask.name, *_family_keys(mask)[:3]) if k}


def _result_specific(result: _ResultLike) -> set[str]:
    return {_fold(k) for k in _family_keys(result)[:3] if k}


def _tiered(specific: Sequence[set[str]], groups: Sequence[str], names: Iterable[str]) -> list[bool]:
    """Which items the names select: each name by the items it names specifically, else by its group."""
    keep = [False] * len(specific)
    for name in {_fold(n) for n in names}:
        hits = [name in keys for keys in specific]
        if not any(hits):
            hits = [bool(name) and name == g for g in groups]
        keep = [k or h for k, h in zip(keep, hits, strict=True)]
    return keep


def select(masks: Sequence[M], names: Iterable[str]) -> list[M]:
    """The ``masks`` that any of ``names`` selects, in their order, each name at its most specific.

    A name that is a tech name, stem, display name, family, family part or algorithm of one of
    ``masks`` selects those; otherwise it selects the masks of its family group.  Case does not matter.

    >>> import maskrender as mr
    >>> masks = mr.load("fixtures/results_list.json").masks()
    >>> [m.tech_name for m in select(masks, ["PAPULES", "pores mask"])]
    ['pores_mask_restored', 'papules_mask_restored']
    """
    specific = [_mask_specific(m) for m in masks]
    groups = [_fold(group_of(m.family)) for m in masks]
    keep = _tiered(specific, groups, names)
    return [m for m, k in zip(masks, keep, strict=True) if k]


def select_results(results: Sequence[R], names: Iterable[str],
                   masks_of: Callable[[R], Iterable[_MaskLike]]) -> list[R]:
    """The ``results`` that any of ``names`` selects (itself or one of its masks, ``masks_of``),
    each name at its most specific, as :func:`select` decides for masks.

    >>> import maskrender as mr
    >>> results = mr.load("fixtures/results_list.json")
    >>> [r.family for r in select_results(list(results), ["Lines"], lambda r: r.masks_restored)]
    ['lines.lines']
    """
    specific = [_result_specific(r).union(*(_mask_specific(m) for m in masks_of(r))) for r in results]
    groups = [_fold(group_of(r.family)) for r in results]
    keep = _tiered(specific, groups, names)
    return [r for r, k in zip(results, keep, strict=True) if k]


def mask_keys(mask: _MaskLike) -> tuple[str, ...]:
    """Every name that selects ``mask``, most specific first, without blanks or repeats.

    >>> import maskrender as mr
    >>> mask_keys(mr.load("fixtures/acne.json").masks()[1])
    ('papules_mask_restored', 'papules', 'Papules Mask', 'acne.acne', 'acne')
    """
    keys = (mask.tech_name, stem(mask.tech_name), mask.name, *_family_keys(mask))
    return tuple(dict.fromkeys(k for k in keys if k))


def matches(mask: _MaskLike, names: Iterable[str]) -> bool:
    """Whether any of ``names`` is one of ``mask``'s keys (any case; :func:`select` also weighs
    a group name against the other masks)."""
    keys = {_fold(k) for k in mask_keys(mask)}
    return any(_fold(n) in keys for n in names)


def result_matches(result: _ResultLike, name: str) -> bool:
    """Whether ``name`` (any case) is a result's algorithm, family, family's last part or group."""
    return bool(name.strip()) and _fold(name) in {_fold(k) for k in _family_keys(result) if k}


def lookup(mask: _MaskLike, table: Mapping[str, T], among: Sequence[_MaskLike] = ()) -> T | None:
    """The value of the most specific of ``mask``'s keys in ``table`` (``--fill`` colours; any
    case), or ``None``.  With ``among`` (every mask of the picture), a group name that is also a
    more specific name of one of them is that name, as :func:`select` decides.

    >>> import maskrender as mr
    >>> masks = mr.load("fixtures/results_list.json").masks()
    >>> lookup(masks[0], {"PORES": 1}), lookup(masks[0], {"acne": 1}, masks)
    (1, None)
    """
    folded = {_fold(k): v for k, v in table.items()}
    group = _fold(group_of(mask.family))
    for key in mask_keys(mask):
        k = _fold(key)
        if k not in folded:
            continue
        if k == group and k not in _mask_specific(mask) and any(k in _mask_specific(m) for m in among):
            continue  # the word names another mask more specifically
        return folded[k]
    return None


def unmatched(masks: Iterable[_MaskLike], names: Sequence[str]) -> list[str]:
    """The ``names`` that select none of ``masks`` (for an error that lists what exists)."""
    pool = list(masks)
    return [n for n in names if not select(pool, [n])]


def available_names(masks: Iterable[_MaskLike]) -> list[str]:
    """Every name that selects one of ``masks``: tech names, stems, display names, families,
    algorithms and groups, once each whatever its case, sorted.

    >>> import maskrender as mr
    >>> available_names(mr.load("fixtures/pores.json").masks())
    ['pores', 'Pores Mask', 'pores.pores', 'pores_mask_restored']
    """
    out: dict[str, str] = {}
    for m in masks:
        for k in mask_keys(m):
            out.setdefault(_fold(k), k)
    return sorted(out.values(), key=lambda k: (_fold(k), k))


def require_known(names: Sequence[str], masks: Sequence[_MaskLike], *, what: str, source: str) -> None:
    """Raise :class:`~maskrender.SelectionError` if any of ``names`` selects none of ``masks``.

    The message names the source, the option (``what``: ``--fill``, ``only``) and lists what
    exists, so a typo is never silently ignored.

    >>> import maskrender as mr
    >>> require_known(["acne", "pores"], mr.load("fixtures/acne.json").all_masks(),  # doctest: +ELLIPSIS
    ...               what="fill", source="acne.json")
    Traceback (most recent call last):
    ...
    maskrender.errors.SelectionError: acne.json: fill name pores matches no mask; there are: acne, Acne Mask, ...
    """
    unknown = unmatched(masks, names)
    if unknown:
        plural = "s" if len(unknown) > 1 else ""
        verb = "match" if len(unknown) > 1 else "matches"
        there = ", ".join(available_names(masks)) or "no masks at all"
        raise SelectionError(f"{source}: {what} name{plural} {', '.join(unknown)} {verb} no mask; there are: {there}")
