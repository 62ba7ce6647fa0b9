"""Coverage arrays as an ``.npz`` that keeps every mask, whatever its name.

Mask names are data, not keywords: each array is stored under a member name made safe for a
zip file and for ``numpy.load`` (letters, digits, ``_ - @ #``; no folder parts and no dot, which
``numpy.load`` would read as an ending; at most 100 characters; a number added where two would
clash), and the table from member to mask name is stored in the file itself as the member
``names`` (a JSON string, read without pickle).  The arrays are written one at a time into the
compressed archive.

Examples
--------
>>> member_names(["acne", "allow_pickle", "../../x", "/abs/x", "a\\x00b", "file", "names", "acne"])
['acne', 'allow_pickle', 'x', 'x_2', 'a_b', 'file', 'names_2', 'acne_2']
>>> import io, numpy as np
>>> raw = npz_bytes([("../../x", np.ones((2, 2), np.float32))])
>>> with np.load(io.BytesIO(raw)) as npz:
...     npz.files, names_table(npz)
(['x', 'names'], {'x': '../../x'})
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["NAMES_MEMBER", "member_names", "names_table", "npz_bytes"]

NAMES_MEMBER = "names"
"""The member of an exported ``.npz`` that holds the table member -> mask name (JSON text)."""

_UNSAFE = re.compile(r"[^A-Za-z0-9_@#-]+")  # no dot: "x.npy" would be read as the member of "x"


class _Members:
    """Hands out safe member names, each once."""

    def __init__(self) -> None:
        self.taken = {NAMES_MEMBER}

    def __call__(self, name: str) -> str:
        last = name.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
        base = _UNSAFE.sub("_", last).strip("_")[:100] or "mask"
        candidate, n = base, 1
        while candidate in self.taken:
            n += 1
            candidate = f"{base}_{n}"
        self.taken.add(candidate)
        return candidate


def member_names(names: Sequence[str]) -> list[str]:
    """A safe, unique ``.npz`` member name per mask name (see the module's example)."""
    members = _Members()
    return [members(n) for n in names]


def npz_bytes(arrays: Iterable[tuple[str, npt.NDArray[Any]]]) -> bytes:
    """A compressed ``.npz`` of ``(mask name, array)`` pairs, written one array at a time, with the
    member -> name table as the member :data:`NAMES_MEMBER`."""
    buf = io.BytesIO()
    table: dict[str, str] = {}
    members = _Members()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
        for name, array in arrays:
            member = members(name)
            table[member] = name
            with zf.open(member + ".npy", "w", force_zip64=True) as fh:
                np.lib.format.write_array(fh, np.asanyarray(array), allow_pickle=False)
        with zf.open(NAMES_MEMBER + ".npy", "w") as fh:
            np.lib.format.write_array(fh, np.array(json.dumps(table, ensure_ascii=True)), allow_pickle=False)
    return buf.getvalue()


def names_table(npz: Any) -> dict[str, str]:
    """The member -> mask name table of an exported ``.npz`` opened with ``numpy.load``."""
    table: dict[str, str] = json.loads(str(npz[NAMES_MEMBER][()]))
    return table
