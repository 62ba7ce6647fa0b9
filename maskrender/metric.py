"""Metrics and the facial areas they belong to, with the documented grades of ``bad_good_line`` scores.

>>> Metric(name="Acne", tech_name="acne", value="87", widget_type="bad_good_line").grade
'Great'
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

__all__ = ["GRADES", "UNIT_SYMBOLS", "Area", "Metric", "grade", "unit_symbol", "with_units"]

UNIT_SYMBOLS: dict[str, str] = {"per mille": "‰", "percentage": "%", "percent": "%", "degrees": "°", "degree": "°",
                                "deg": "°"}
"""How a metric's ``units`` (any case) are written after its value; other units are written as given.
A degree sign follows its number without a space (``41.3°``), the others after one (``38 ‰``)."""


def unit_symbol(units: str | None) -> str:
    """The symbol ``units`` are written with (``‰`` for ``per mille``; empty without units)."""
    written = (units or "").strip()
    return UNIT_SYMBOLS.get(written.lower(), written)


def with_units(number: float, units: str | None) -> str:
    """A number with its units as a short text.

    >>> with_units(38, "per mille"), with_units(41.3, "Degrees"), with_units(2.5, "mm"), with_units(7, None)
    ('38 ‰', '41.3°', '2.5 mm', '7')
    """
    text = f"{number:g}"
    unit = unit_symbol(units)
    if not unit:
        return text
    return f"{text}{unit}" if unit == "°" else f"{text} {unit}"

GRADES: tuple[tuple[float, str], ...] = (
    (90.0, "Excellent"),
    (80.0, "Great"),
    (70.0, "Good"),
    (50.0, "Average"),
    (30.0, "Poor"),
)
"""Lower (exclusive) bounds of the ``bad_good_line`` grades; ``[0, 30]`` is ``Bad``."""


def grade(score: float) -> str:
    """Return the documented grade class of a ``bad_good_line`` score (0..100).

    (90,100] Excellent, (80,90] Great, (70,80] Good, (50,70] Average, (30,50] Poor, [0,30] Bad.

    >>> grade(90), grade(90.5), grade(30), grade(31)
    ('Great', 'Excellent', 'Bad', 'Poor')
    """
    for bound, name in GRADES:
        if score > bound:
            return name
    return "Bad"


@dataclass(frozen=True, slots=True)
class Metric:
    """One metric: a score, a share, a count or a category.

    >>> m = Metric(name="Acne", tech_name="acne", value="87", widget_type="bad_good_line")
    >>> m.number, m.grade
    (87.0, 'Great')
    """

    name: str
    tech_name: str
    value: float | int | str | None
    widget_type: str = ""
    units: str | None = None
    widget_show: bool = True
    widget_meta: Any = None

    @property
    def number(self) -> float | None:
        """The value as a float when it is numeric (``"4"`` counts), else ``None``."""
        if isinstance(self.value, bool) or self.value is None:
            return None
        try:
            n = float(self.value)
        except (ValueError, OverflowError):
            return None
        return n if math.isfinite(n) else None

    @property
    def grade(self) -> str | None:
        """The grade class of a ``bad_good_line`` score, else ``None``."""
        n = self.number
        if self.widget_type != "bad_good_line" or n is None:
            return None
        return grade(n)

    @property
    def display_value(self) -> str:
        """The value with its units, as a short text (``"2 ‰"``, ``"87"``, ``"moderate"``)."""
        n = self.number
        if n is None:
            return "" if self.value is None else str(self.value)
        return with_units(n, self.units)

    @property
    def unit_symbol(self) -> str:
        """The units as written after the value (``‰`` for ``per mille``; empty without units)."""
        return unit_symbol(self.units)

    @property
    def unit_names(self) -> tuple[str, str] | None:
        """What is counted, singular and plural, from ``widget_meta`` (``verbose_name``,
        ``verbose_name_plural``), or ``None`` when the metric does not say.

        >>> Metric("Papules", "papules", 2, widget_meta={"verbose_name": "papule",
        ...                                              "verbose_name_plural": "papules"}).unit_names
        ('papule', 'papules')
        """
        meta = self.widget_meta
        if not isinstance(meta, dict):
            return None
        one, many = meta.get("verbose_name"), meta.get("verbose_name_plural")
        if not isinstance(one, str) or not one.strip():
            return None
        return one.strip(), many.strip() if isinstance(many, str) and many.strip() else one.strip()

    @property
    def counted(self) -> str | None:
        """The value with what it counts (``"2 papules"``, ``"1 papule"``), when ``widget_meta``
        names it and the value is a number; else ``None``.

        >>> Metric("Papules", "papules", 1, widget_meta={"verbose_name": "papule"}).counted
        '1 papule'
        """
        names, n = self.unit_names, self.number
        if names is None or n is None:
            return None
        return f"{n:g} {names[0] if n == 1 else names[1]}"


@dataclass(frozen=True, slots=True)
class Area:
    """The metrics of one facial area (``face``, ``forehead``, ``nose``, ...)."""

    name: str
    main_metric: Metric | None
    sub_metrics: tuple[Metric, ...] = ()
