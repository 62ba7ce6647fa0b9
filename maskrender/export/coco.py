"""Instance-level COCO: one annotation per lesion, one category per kind of finding, many photos in one file.

Every separate lesion of a mask (:mod:`maskrender.export.lesions`: a connected region of its
union; points as discs, lines as strokes) is one annotation whose ``segmentation`` is COCO's
compressed RLE (:mod:`maskrender.export.rle`) of the pixels the lesion covers at least half of,
``area`` their count (what pycocotools' ``mask.area`` gives), ``bbox`` their box, and
``exact_area`` the lesion's exact area in pixels² before it is made binary.  Categories are
what was found: one per mask name without its set and side suffixes (``papules``, not
``papules_mask_restored``), the algorithm as supercategory.  Each result is one image: the
photo's file name and size when a photo is given, else the result's name and its view_box size.

Examples
--------
>>> doc = Dataset()
>>> doc.add("fixtures/acne.json", size=(604, 604))
1
>>> out = doc.to_dict()
>>> [(c["name"], c["supercategory"]) for c in out["categories"]], len(out["annotations"])
([('acne', 'acne'), ('papules', 'acne')], 43)
>>> out["images"]
[{'id': 1, 'width': 604, 'height': 604, 'file_name': 'acne.json'}]
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from maskrender.coverage import canvas_size, fitted, pixel_size
from maskrender.defaults import MASK_SET, SIDE, MaskSet, Side
from maskrender.errors import SelectionError
from maskrender.export.lesions import lesions
from maskrender.export.rle import rle_encode_box
from maskrender.model import Mask
from maskrender.names import stem
from maskrender.outputs import check_canvas
from maskrender.overlay import MaskInput, select_masks
from maskrender.parse import load
from maskrender.style import Style

__all__ = ["Dataset", "category_name", "photo_size"]


def category_name(mask: Mask) -> str:
    """What a mask found: its tech name without set and side suffixes, else its display name.

    >>> import maskrender as mr
    >>> [category_name(m) for m in mr.load("fixtures/sides_result.json").masks(side=None)]
    ['acne', 'acne', 'acne']
    """
    return (stem(mask.tech_name) if mask.tech_name else "") or mask.display_name


def photo_size(photo: str | os.PathLike[str]) -> tuple[int, int]:
    """A photo's ``(width, height)`` as the renderer lays masks on it (turned by its EXIF orientation),
    read from its header.

    >>> photo_size("fixtures/portrait.jpg")
    (512, 600)
    """
    from PIL import Image

    from maskrender.errors import InputError

    try:
        with Image.open(photo) as im:
            w, h = im.size
            turned = im.getexif().get(0x0112) in (5, 6, 7, 8)
    except (OSError, ValueError, SyntaxError) as err:  # Pillow's ways of saying "not an image"
        raise InputError(f"{photo}: cannot read the photo: {err}") from None
    return (h, w) if turned else (w, h)


class Dataset:
    """A COCO dataset built one result at a time (:meth:`add`), written by :meth:`to_dict`.

    Only the annotations' RLE strings are kept: memory is one lesion's box at a time plus the output.
    """

    def __init__(self, description: str = "maskrender export") -> None:
        self.description = description
        self.images: list[dict[str, Any]] = []
        self.annotations: list[dict[str, Any]] = []
        self._categories: dict[tuple[str, str], int] = {}

    def add(self, data: MaskInput, *, photo: str | os.PathLike[str] | None = None,
            size: tuple[int, int] | None = None, max_size: int | None = None, mask_set: MaskSet = MASK_SET,
            side: Side | None = SIDE, only: Sequence[str] | None = None, style: Style | None = None,
            file_name: str | None = None, empty_ok: bool = False) -> int:
        """Add one result as one image (the photo's size unless ``size`` is given); returns its image id.

        With ``empty_ok`` a result nothing is selected in is an image without annotations (a photo
        with no lesion is an example too), sized by its photo, ``size`` or its other masks' frame.
        """
        try:
            chosen = select_masks(data, mask_set=mask_set, side=side, only=only)
        except SelectionError:
            if not empty_ok:
                raise
            chosen = []
        if size is None and photo is not None:
            size = photo_size(photo)
        pool = chosen or (list(load(data).all_masks()) if isinstance(data, (str, os.PathLike, bytes)) else [])
        frame = next((m for m in pool if m.view_box is not None), pool[0] if pool else None)
        if frame is None and size is None:
            raise SelectionError(f"{_source_name(data)}: no masks to annotate and no photo or size to give the "
                                 "image's size")
        canvas = canvas_size(frame, size, max_size) if frame is not None else fitted(pixel_size(size), max_size)
        check_canvas(canvas)
        image_id = len(self.images) + 1
        if file_name is None:
            file_name = Path(photo).name if photo is not None else _source_name(data)
        self.images.append({"id": image_id, "width": canvas[0], "height": canvas[1], "file_name": file_name})
        for m in chosen:
            key = (category_name(m), m.algorithm or m.family or "")
            category = self._categories.setdefault(key, len(self._categories) + 1)
            for (x0, y0, _, _), cov in lesions(m, canvas, style=style):
                binary = cov >= 0.5
                if not binary.any():
                    continue
                rows, cols = np.nonzero(binary)
                bx, by = x0 + int(cols.min()), y0 + int(rows.min())
                self.annotations.append({
                    "id": len(self.annotations) + 1, "image_id": image_id, "category_id": category,
                    "segmentation": rle_encode_box(binary, (x0, y0), canvas), "area": float(binary.sum()),
                    "bbox": [float(bx), float(by), float(x0 + cols.max() + 1 - bx), float(y0 + rows.max() + 1 - by)],
                    "iscrowd": 0, "exact_area": round(float(cov.sum(dtype=np.float64)), 3),
                    "mask_type": m.mask_type, "tech_name": m.tech_name, "side": m.side, "mask_set": m.mask_set})
        return image_id

    def to_dict(self) -> dict[str, Any]:
        """The dataset as COCO's JSON object (``info``, ``licenses``, ``images``, ``categories``, ``annotations``)."""
        categories = [{"id": i, "name": name, "supercategory": algorithm}
                      for (name, algorithm), i in self._categories.items()]
        return {"info": {"description": self.description, "version": "1.0"}, "licenses": [],
                "images": self.images, "categories": categories, "annotations": self.annotations}


def _source_name(data: MaskInput) -> str:
    if isinstance(data, (str, os.PathLike)) and not str(data).lstrip().startswith(("{", "[")):
        return Path(data).name
    source = getattr(data, "source", None)
    return Path(source).name if isinstance(source, str) and not source.startswith("<") else "masks"
