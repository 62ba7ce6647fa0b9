"""Which rasteriser core draws: the compiled C extension when the install built it, else numpy.

A light module (no numpy): the command line's ``--version`` asks it.

>>> core_name() in ("c", "numpy")
True
"""

from __future__ import annotations

import os
from types import ModuleType
from typing import Literal

__all__ = ["CORE", "OFF", "core_name"]


OFF = "MASKRENDER_CORE"
"""An environment variable: ``numpy`` makes a process draw with the numpy reference although the C core was
built (read once, at import; for comparisons such as the benchmark's batch before and after the core)."""


def _load() -> ModuleType | None:
    if os.environ.get(OFF, "").strip().lower() == "numpy":
        return None
    try:
        from maskrender.draw import _core  # type: ignore[attr-defined]
    except ImportError:  # not built (no compiler at install time): numpy draws
        return None
    core: ModuleType = _core
    return core


CORE: ModuleType | None = _load()
"""The compiled extension ``maskrender.draw._core``, or ``None`` when it was not built."""


def core_name() -> Literal["c", "numpy"]:
    """``"c"`` when the compiled core draws, ``"numpy"`` when the numpy reference does.

    >>> core_name() == ("c" if CORE is not None else "numpy")
    True
    """
    return "c" if CORE is not None else "numpy"
