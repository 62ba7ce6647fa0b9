"""The coordinate frame of a mask: an SVG viewBox ``"min_x min_y width height"``.

>>> ViewBox.parse("0 0 2416 2416").size
(2416.0, 2416.0)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from maskrender.errors import InputError

__all__ = ["ViewBox"]


@dataclass(frozen=True, slots=True)
class ViewBox:
    """An SVG viewBox: the coordinate frame of the image a mask belongs to.

    ``str()`` gives the ``"min_x min_y width height"`` text back, exact to the last digit.

    >>> ViewBox.parse("0 0 2416 2416").size
    (2416.0, 2416.0)
    >>> str(ViewBox.parse("145.123456789,-0.5, 240,1e3"))
    '145.123456789 -0.5 240 1000'
    """

    min_x: float
    min_y: float
    width: float
    height: float

    @property
    def size(self) -> tuple[float, float]:
        """``(width, height)``."""
        return (self.width, self.height)

    @property
    def aspect(self) -> float:
        """``width / height``."""
        return self.width / self.height

    @classmethod
    def parse(cls, text: str) -> ViewBox:
        """Parse ``"min_x min_y width height"`` (space and/or comma separated).

        Raises :class:`~maskrender.InputError` (a ``ValueError``) for anything else, including a
        zero or negative size;
        the loader turns that into a :class:`~maskrender.FormatError` with the JSON path.

        >>> ViewBox.parse("0 0 0 2416")
        Traceback (most recent call last):
        ...
        maskrender.errors.InputError: positive width and height
        """
        parts = text.replace(",", " ").split()
        if len(parts) != 4:
            raise InputError("four numbers")
        try:
            nums = [float(p) for p in parts]
        except ValueError:
            raise InputError("four numbers") from None
        if not all(math.isfinite(n) for n in nums):
            raise InputError("finite numbers")
        if nums[2] <= 0 or nums[3] <= 0:
            raise InputError("positive width and height")
        return cls(*nums)

    def __str__(self) -> str:
        return " ".join(map(_number, (self.min_x, self.min_y, self.width, self.height)))


def _number(v: float) -> str:
    """The shortest text that reads back as exactly ``v`` (``2416``, not ``2416.0``)."""
    text = repr(float(v))
    return text[:-2] if text.endswith(".0") else text
