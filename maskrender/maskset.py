"""Which mask set belongs to a photo, and which sides may share one picture.

A result holds two mask sets: ``restored`` (in the face-aligned image the service made) and
``original`` (in the photo as it was sent).  Each belongs to its own image, so drawing one on
the other's photo gives a confidently wrong picture.  When the caller does not name the set,
:func:`choose_set` takes the one whose view_box fits the photo (its exact size first, then its
aspect ratio) and says so; :func:`fitting_hint` names the set that fits when the caller named
one that does not.  :func:`check_sides` refuses front, left and right masks on one canvas: each
side is a photo of its own.

Examples
--------
>>> import maskrender as mr
>>> results = mr.load("fixtures/results_list.json")
>>> choose_set(results, (2416, 2416), side="front", only=None)
('restored', None)
>>> chosen, note = choose_set(results, (512, 600), side="front", only=None)
>>> chosen, note.split(":")[0]
('original', 'drawing the original masks')
>>> fitting_hint(results, (512, 600), "restored", side="front", only=None)
'the original masks fit this 512x600 photo (view_box 0 0 512 600): mask_set="original" (--mask-set original)'
"""

from __future__ import annotations

from collections.abc import Sequence

from maskrender.defaults import MASK_SET, MASK_SETS, MaskSet, Side
from maskrender.errors import InputError, MaskSetWarning
from maskrender.geometry import aspect_mismatch
from maskrender.model import Mask, Results

__all__ = ["MaskSetWarning", "check_sides", "choose_set", "fitting_hint"]

DEFAULT_SET = MASK_SET
"""The set drawn when nothing tells the sets apart (no photo, or a photo both or neither fit)."""


def _fit(masks: Sequence[Mask], size: tuple[int, int]) -> int:
    """How well a set's masks fit a photo of ``size``: 2 every view_box has its exact size,
    1 every view_box its aspect ratio (within 1%), 0 not (nor a set without a view_box or a mask)."""
    boxes = {str(m.view_box): m.view_box for m in masks if m.view_box is not None}
    if not boxes:
        return 0
    if all(round(b.width) == size[0] and round(b.height) == size[1] for b in boxes.values()):
        return 2
    return 1 if all(aspect_mismatch(b, size) is None for b in boxes.values()) else 0


def _sets(results: Results, size: tuple[int, int], side: Side | None,
          only: Sequence[str] | None) -> dict[MaskSet, tuple[int, str]]:
    """Per set with masks to draw: how well it fits and its first view_box (for messages)."""
    out: dict[MaskSet, tuple[int, str]] = {}
    for name in MASK_SETS:
        masks = results.masks(mask_set=name, side=side, only=only)
        if masks:
            box = next((str(m.view_box) for m in masks if m.view_box is not None), "none")
            out[name] = (_fit(masks, size), box)
    return out


def _best(sets: dict[MaskSet, tuple[int, str]]) -> MaskSet | None:
    """The one set that fits better than every other, if there is one."""
    if not sets:
        return None
    top = max(score for score, _ in sets.values())
    best = [name for name, (score, _) in sets.items() if score == top]
    return best[0] if top > 0 and len(best) == 1 else None


def choose_set(results: Results, size: tuple[int, int], *, side: Side | None,
               only: Sequence[str] | None) -> tuple[MaskSet, str | None]:
    """The mask set to draw on a photo of ``size`` pixels, and a note when it is not the default.

    The set whose view_box has the photo's exact size wins, else the one whose aspect ratio
    matches (within 1%); when both or neither fit, ``restored``.  The note (``None`` for the
    default set) says which set is drawn and why, for a warning.
    """
    sets = _sets(results, size, side, only)
    best = _best(sets)
    if best is None or best == DEFAULT_SET or DEFAULT_SET not in sets:
        return (best or DEFAULT_SET, None)
    w, h = size
    note = (f"drawing the {best} masks: they fit this {w}x{h} photo (view_box {sets[best][1]}) and the "
            f"{DEFAULT_SET} ones (view_box {sets[DEFAULT_SET][1]}) do not; pass mask_set=\"{best}\" "
            f"(--mask-set {best}) to say so")
    return (best, note)


def fitting_hint(results: Results, size: tuple[int, int], chosen: MaskSet, *, side: Side | None,
                 only: Sequence[str] | None) -> str | None:
    """When ``chosen`` does not fit a photo of ``size`` and another set does: which, and how to ask for it."""
    sets = _sets(results, size, side, only)
    best = _best(sets)
    if best is None or best == chosen or sets.get(chosen, (0, ""))[0] > 0:
        return None
    return (f"the {best} masks fit this {size[0]}x{size[1]} photo (view_box {sets[best][1]}): "
            f"mask_set=\"{best}\" (--mask-set {best})")


def check_sides(masks: Sequence[Mask]) -> None:
    """Refuse masks of several sides on one picture: each side belongs to its own photo.

    >>> import maskrender as mr
    >>> check_sides(mr.load("fixtures/sides_result.json").masks(side=None))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    maskrender.errors.InputError: side all would draw the front, left and right masks on one picture, ...
    """
    sides = list(dict.fromkeys(m.side for m in masks))
    if len(sides) > 1:
        listed = ", ".join(sides[:-1]) + " and " + sides[-1]
        raise InputError(f"side all would draw the {listed} masks on one picture, but each side belongs to its "
                         "own photo: draw one side per picture (side=\"left\", --side left, with the left photo), "
                         "or make a report with every side (maskrender report --image-left L --image-right R)")
