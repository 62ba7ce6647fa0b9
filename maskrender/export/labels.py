"""Label maps as the field writes them: a palette PNG whose indices are the labels (VOC, labelme).

Label ``k`` is the ``k``-th mask, 0 the background.  Up to 255 masks the PNG is 8-bit with a
palette (mode ``P``): any viewer shows the labels in the PASCAL VOC colours (1 dark red,
2 dark green, 3 olive, 4 dark blue ...; labelme and imgviz use the same), and every reader
gets the indices, not colours (``numpy.asarray(Image.open(path))``).  Beyond 255 masks it is
16-bit greyscale (mode ``I;16``), which has no palette.  Either way the label table travels in
the PNG's ``maskrender:labels`` text chunk (JSON: label -> mask name).

Examples
--------
>>> voc_palette()[:12]
[0, 0, 0, 128, 0, 0, 0, 128, 0, 128, 128, 0]
>>> import numpy as np, io
>>> from PIL import Image
>>> im = Image.open(io.BytesIO(label_png(np.array([[0, 1], [2, 2]], dtype=np.uint8), {0: "background", 1: "a",
...                                                                                    2: "b"})))
>>> im.mode, np.asarray(im).tolist(), im.text[LABELS_KEY]
('P', [[0, 1], [2, 2]], '{"0": "background", "1": "a", "2": "b"}')
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from maskrender.coverage import mask_patch
from maskrender.model import Mask

if TYPE_CHECKING:
    from maskrender.style import Style

__all__ = ["LABELS_KEY", "label_png", "paint_labels", "voc_palette"]

LABELS_KEY = "maskrender:labels"
"""The PNG text chunk of a label map that holds its label table (JSON: label -> mask name)."""


def voc_palette() -> list[int]:
    """The PASCAL VOC colour map (256 RGB triples, flat): label ``k``'s colour spreads the bits of ``k``
    over the high bits of red, green and blue (see the module's example)."""
    out = []
    for k in range(256):
        r = g = b = 0
        c = k
        for shift in range(7, -1, -1):
            r |= (c & 1) << shift
            g |= ((c >> 1) & 1) << shift
            b |= ((c >> 2) & 1) << shift
            c >>= 3
        out += [r, g, b]
    return out


def paint_labels(masks: Sequence[Mask], names: Sequence[str], size: tuple[int, int], *,
                 style: Style | None = None) -> tuple[npt.NDArray[np.integer[Any]], dict[int, str]]:
    """Label ``k`` where mask ``k`` covers at least half the pixel, the mask drawn last winning where
    masks overlap; ``uint8``, ``uint16`` beyond 255 masks.  Each mask is computed over the box it
    touches only: memory is the label map and one mask's box.

    >>> import maskrender as mr
    >>> labels, table = paint_labels(mr.load("fixtures/acne.json").masks(), ["acne", "papules"], (151, 151))
    >>> labels.dtype.name, sorted(set(labels.ravel().tolist())), table
    ('uint8', [0, 1, 2], {0: 'background', 1: 'acne', 2: 'papules'})
    """
    w, h = size
    labels = np.zeros((h, w), dtype=np.uint8 if len(masks) <= 255 else np.uint16)
    table: dict[int, str] = {0: "background"}
    for k, (m, name) in enumerate(zip(masks, names, strict=True), start=1):
        table[k] = name
        patch = mask_patch(m, size, style=style)
        if patch is not None:
            (x0, y0, x1, y1), cov = patch
            labels[y0:y1, x0:x1][cov >= 0.5] = k
    return labels, table


def label_png(labels: npt.NDArray[np.integer[Any]], table: dict[int, str]) -> bytes:
    """The PNG of a label map: palette (mode ``P``) up to 255 labels, else 16-bit; the table in a text chunk."""
    info = PngInfo()
    info.add_itxt(LABELS_KEY, json.dumps({str(k): v for k, v in table.items()}, ensure_ascii=False))
    if labels.dtype == np.uint8:
        image = Image.fromarray(labels).convert("L")
        image = image.copy()
        image.putpalette(voc_palette())  # an L image with a palette becomes mode P, indices untouched
    else:
        image = Image.fromarray(labels.astype(np.uint16))
    buf = io.BytesIO()
    image.save(buf, "PNG", pnginfo=info, compress_level=6)
    return buf.getvalue()
