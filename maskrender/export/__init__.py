"""Masks and metrics as data: GeoJSON, instance-level COCO, a label map, coverage arrays, a metrics table.

One call writes any of them, the format chosen by the file's ending (the ``export`` formats of
:mod:`maskrender.formats`)::

    export_file("result.json", "masks.geojson")                  # GeoJSON, view_box coordinates
    export_file("result.json", "masks.geojson", coordinates="pixels", size=(1024, 1024))
    export_file("result.json", "masks.coco.json", image="selfie.jpg")  # COCO, one RLE per lesion
    export_file("results/", "all.coco.json")                     # a folder or manifest: one COCO file
    export_file("result.json", "labels.png")                     # palette label map; table in a text chunk
    export_file("result.json", "coverage.npz")                   # one float32 array per mask
    export_file("results.json", "metrics.csv")                   # the metrics table (also .jsonl)

and the same as Python objects: :func:`geojson`, :func:`coco`, :func:`label_map`,
:func:`coverage_arrays`, ``Results.metrics()``.  The masks are chosen as for a drawing (``mask_set``,
``side``, ``only``; :func:`maskrender.select_masks`) and laid on an image of ``size`` (default:
the photo's when ``image`` is given, else the view_box's; ``max_size`` scales it down) as the
renderer lays them; points and lines cover discs and strokes of the sizes ``style`` gives them.
Each mask is named by its tech name (its display name if it has none), with ``@side``/``@set``
added where two masks would share a name.  Memory: the label map, the ``.npz`` and COCO compute
one mask (or one lesion) at a time, so it is one canvas plus the output, whatever the mask count.

Examples
--------
>>> labels, table = label_map("fixtures/acne.json", size=(302, 302))
>>> labels.shape, labels.dtype.name, table
((302, 302), 'uint8', {0: 'background', 1: 'acne_mask_restored', 2: 'papules_mask_restored'})
>>> gj = geojson("fixtures/pih_result.json")
>>> gj["type"], len(gj["features"]), gj["features"][0]["geometry"]["type"]
('FeatureCollection', 1, 'MultiPolygon')
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Union

import numpy as np
import numpy.typing as npt

from maskrender.atomic import atomic_write
from maskrender.coverage import canvas_size, mask_coverage
from maskrender.defaults import (
    COORDINATES,
    GEOJSON_COORDINATES,
    MASK_SET,
    SIDE,
    Coordinates,
    MaskSet,
    Side,
    renamed_keywords,
)
from maskrender.errors import InputError
from maskrender.export.arrays import names_table, npz_bytes
from maskrender.export.coco import Dataset, photo_size
from maskrender.export.geo import geojson_masks
from maskrender.export.labels import LABELS_KEY, label_png, paint_labels
from maskrender.export.rle import rle_decode, rle_encode
from maskrender.export.tables import metrics_csv, metrics_jsonl
from maskrender.model import Mask
from maskrender.outputs import check_canvas, check_output
from maskrender.overlay import MaskInput, select_masks
from maskrender.style import Style

__all__ = ["COORDINATES", "LABELS_KEY", "Many", "coco", "coco_many", "coverage_arrays", "export_file", "geojson",
           "label_map", "mask_names", "metrics_csv", "metrics_jsonl", "names_table", "rle_decode", "rle_encode"]

Photo = Union[str, "os.PathLike[str]", None]
Many = Union[str, "os.PathLike[str]", Sequence[Union[MaskInput, tuple[MaskInput, Photo]]]]
"""Many results for one COCO file: a folder or manifest (as ``maskrender batch`` reads them: each
result with its photo), or a sequence of results, each alone or as ``(result, photo)``."""


def mask_names(masks: Sequence[Mask]) -> list[str]:
    """A unique name per mask: its tech name (or display name), then ``@side``, ``@set-side`` and a
    number only where two masks would still share a name.

    >>> import maskrender as mr
    >>> mask_names(mr.load("fixtures/sides_result.json").masks(side=None))
    ['acne_mask_restored', 'acne_restored_left', 'acne_mask_restored_right']
    """
    levels = [[base, f"{base}@{m.side}", f"{base}@{m.mask_set}-{m.side}"]
              for m, base in ((m, m.tech_name or m.display_name) for m in masks)]
    names = [next((c for k, c in enumerate(cands) if sum(o[k] == c for o in levels) == 1), cands[-1])
             for cands in levels]
    seen: dict[str, int] = {}
    for i, name in enumerate(names):
        seen[name] = seen.get(name, 0) + 1
        if seen[name] > 1:
            names[i] = f"{name}#{seen[name]}"
    return names


def _chosen(data: MaskInput, size: tuple[int, int] | None, max_size: int | None, image: Photo,
            kw: dict[str, Any]) -> tuple[list[Mask], tuple[int, int]]:
    chosen = select_masks(data, **kw)
    frame = next((m for m in chosen if m.view_box is not None), chosen[0])
    canvas = canvas_size(frame, size if size is not None or image is None else photo_size(image), max_size)
    check_canvas(canvas)
    return chosen, canvas


def _coverages(data: MaskInput, size: tuple[int, int] | None, max_size: int | None, image: Photo,
               style: Style | None,
               kw: dict[str, Any]) -> Iterator[tuple[str, npt.NDArray[np.float32]]]:
    chosen, canvas = _chosen(data, size, max_size, image, kw)
    for m, name in zip(chosen, mask_names(chosen), strict=True):
        yield name, mask_coverage(m, canvas, style=style)


@renamed_keywords(masks="mask_set")
def coverage_arrays(data: MaskInput, size: tuple[int, int] | None = None, *, max_size: int | None = None,
                    mask_set: MaskSet = MASK_SET, side: Side | None = SIDE, only: Sequence[str] | None = None,
                    style: Style | None = None, image: Photo = None) -> dict[str, npt.NDArray[np.float32]]:
    """One coverage array (0..1 float32, ``(height, width)``) per selected mask, by :func:`mask_names`
    (all held at once: the ``.npz`` export writes them one at a time instead).

    >>> {k: v.shape for k, v in coverage_arrays("fixtures/acne.json", (151, 151)).items()}
    {'acne_mask_restored': (151, 151), 'papules_mask_restored': (151, 151)}
    """
    return dict(_coverages(data, size, max_size, image, style, {"mask_set": mask_set, "side": side, "only": only}))


@renamed_keywords(masks="mask_set")
def label_map(data: MaskInput, size: tuple[int, int] | None = None, *, max_size: int | None = None,
              mask_set: MaskSet = MASK_SET, side: Side | None = SIDE, only: Sequence[str] | None = None,
              style: Style | None = None, image: Photo = None) -> tuple[npt.NDArray[np.integer[Any]], dict[int, str]]:
    """A label map (``uint8``, ``uint16`` beyond 255 masks): label ``k`` where mask ``k`` covers at least
    half the pixel, the mask drawn last winning where masks overlap (as in a drawing); 0 is background.
    Returns the array and its label table (see the module's example)."""
    chosen, canvas = _chosen(data, size, max_size, image, {"mask_set": mask_set, "side": side, "only": only})
    return paint_labels(chosen, mask_names(chosen), canvas, style=style)


@renamed_keywords(masks="mask_set")
def geojson(data: MaskInput, *, coordinates: Coordinates = GEOJSON_COORDINATES, size: tuple[int, int] | None = None,
            max_size: int | None = None, mask_set: MaskSet = MASK_SET, side: Side | None = SIDE,
            only: Sequence[str] | None = None, image: Photo = None) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of the selected masks' features (y down, as in the image), its frame
    declared in a ``crs`` member, that :func:`maskrender.load` reads back (:mod:`maskrender.export.geo`).

    Geometries are in view_box units, or with ``coordinates="pixels"`` in pixels of ``size``
    (rounded to 1/1000 px); each feature's properties name its mask, type, algorithm, side,
    set, view_box, fill and 0..1 ``intensity``.

    >>> geojson("fixtures/pih_result.json", coordinates="pixels", size=(604, 604))["features"][0]["properties"]["mask"]
    'post_inflammatory_hyperpigmentation_mask_restored'
    """
    if coordinates not in COORDINATES:
        raise InputError(f"coordinates must be one of {', '.join(COORDINATES)}, not {coordinates!r}")
    chosen, canvas = _chosen(data, size, max_size, image, {"mask_set": mask_set, "side": side, "only": only})
    return geojson_masks(chosen, mask_names(chosen), canvas if coordinates == "pixels" else None)


@renamed_keywords(masks="mask_set")
def coco(data: MaskInput, size: tuple[int, int] | None = None, *, max_size: int | None = None,
         mask_set: MaskSet = MASK_SET, side: Side | None = SIDE, only: Sequence[str] | None = None,
         style: Style | None = None,
         image: Photo = None, file_name: str | None = None) -> dict[str, Any]:
    """A COCO dataset dict of one result: one image (the photo's name and size when ``image`` is given),
    one category per kind of finding, one RLE annotation per lesion (:mod:`maskrender.export.coco`).

    >>> doc = coco("fixtures/acne.json", (302, 302))
    >>> [c["name"] for c in doc["categories"]], doc["annotations"][1]["segmentation"]["size"]
    (['acne', 'papules'], [302, 302])
    """
    dataset = Dataset()
    dataset.add(data, photo=image, size=size, max_size=max_size, mask_set=mask_set, side=side, only=only, style=style,
                file_name=file_name)
    return dataset.to_dict()


def _entries(many: Many) -> Iterator[tuple[MaskInput, Photo, dict[str, Any]]]:
    if isinstance(many, (str, os.PathLike)):
        from maskrender.batch import read_jobs

        source = Path(many)
        for job in read_jobs(source, source.parent / ".maskrender-export-unused"):
            yield job.result, job.image, {k: job.options[k] for k in ("mask_set", "side", "only") if k in job.options}
        return
    for item in many:
        if isinstance(item, tuple):
            yield item[0], item[1], {}
        else:
            yield item, None, {}


@renamed_keywords(masks="mask_set")
def coco_many(many: Many, size: tuple[int, int] | None = None, *, max_size: int | None = None,
              mask_set: MaskSet = MASK_SET, side: Side | None = SIDE, only: Sequence[str] | None = None,
              style: Style | None = None) -> dict[str, Any]:
    """One COCO dataset of many results, one image each: a folder (``NAME.json`` with its photo
    ``NAME.jpg``...) or manifest as :func:`maskrender.batch.read_jobs` reads it (a manifest's
    ``mask_set``/``side``/``only`` cells apply to their row), or a sequence of results or
    ``(result, photo)`` pairs.  Image ids follow the order given; categories are shared.  A result
    nothing is selected in is an image without annotations (sized by its photo or its masks' frame).

    >>> doc = coco_many(["fixtures/acne.json", ("fixtures/pih_result.json", "fixtures/restored.jpg")])
    >>> [(i["id"], i["file_name"], i["width"]) for i in doc["images"]]
    [(1, 'acne.json', 2416), (2, 'restored.jpg', 2416)]
    """
    dataset = Dataset()
    for data, photo, cells in _entries(many):
        kw: dict[str, Any] = {"mask_set": mask_set, "side": side, "only": only, **cells}
        dataset.add(data, photo=photo, size=size, max_size=max_size, style=style, empty_ok=True, **kw)
    return dataset.to_dict()


@renamed_keywords(masks="mask_set")
def export_file(data: MaskInput | Many, output: str | os.PathLike[str], *, size: tuple[int, int] | None = None,
                max_size: int | None = None, mask_set: MaskSet = MASK_SET, side: Side | None = SIDE,
                only: Sequence[str] | None = None, style: Style | None = None,
                coordinates: Coordinates = GEOJSON_COORDINATES, image: Photo = None) -> dict[str, Any]:
    """Write the export ``output``'s ending names (``.geojson``, ``.coco.json``, ``.png``, ``.npz``, ``.csv``,
    ``.jsonl``), atomically (an output that is the input is refused).  ``data`` is one result; for
    ``.coco.json`` also a folder, a manifest or a list (:func:`coco_many`).  Returns what was written:
    ``{"path", "format", ...}`` with the label table of a label map (``labels``), the names of the
    masks or categories, or the number of rows.

    >>> import os, tempfile
    >>> done = export_file("fixtures/acne.json", os.path.join(tempfile.mkdtemp(), "labels.png"), size=(302, 302))
    >>> done["format"], done["labels"][2]
    ('labels', 'papules_mask_restored')
    """
    out = Path(output)
    many = isinstance(data, list) or (isinstance(data, (str, os.PathLike)) and Path(data).is_dir())
    inputs = tuple(data) if isinstance(data, list) else (data,)
    fmt = check_output(out, "export", inputs)  # the format; a usable place; never an input itself
    info: dict[str, Any] = {"path": out, "format": fmt.name}
    if many and fmt.name != "coco":
        raise InputError(f"{out}: only a .coco.json export takes several results (a folder or a list)")
    if image is not None and (many or _is_manifest(data)):
        raise InputError(f"{out}: one photo for several results; a folder pairs NAME.json with NAME.jpg, a list "
                         "takes (result, photo) pairs, a manifest has an image column")
    if fmt.name in ("csv", "jsonl"):
        text = metrics_csv(data, only=only) if fmt.name == "csv" else metrics_jsonl(data, only=only)  # type: ignore[arg-type]
        info["rows"] = text.count("\n") - (fmt.name == "csv")
        atomic_write(out, text.encode("utf-8"))
        return info
    kw: dict[str, Any] = {"max_size": max_size, "mask_set": mask_set, "side": side, "only": only}
    one: Any = data
    if fmt.name == "geojson":
        payload = json.dumps(geojson(one, coordinates=coordinates, size=size, image=image, **kw)).encode("utf-8")
    elif fmt.name == "coco":
        doc = coco_many(data, size, style=style, **kw) if many or _is_manifest(data) else coco(  # type: ignore[arg-type]
            one, size, style=style, image=image, **kw)
        info["masks"] = [c["name"] for c in doc["categories"]]
        info["images"], info["annotations"] = len(doc["images"]), len(doc["annotations"])
        payload = json.dumps(doc).encode("utf-8")
    elif fmt.name == "labels":
        labels, table = label_map(one, size, style=style, image=image, **kw)
        info["labels"] = table
        payload = label_png(labels, table)
    else:
        names: list[str] = []
        payload = npz_bytes(_noted(_coverages(one, size, max_size, image, style,
                                              {"mask_set": mask_set, "side": side, "only": only}), names))
        info["masks"] = names
    atomic_write(out, payload)
    return info


def _is_manifest(data: Any) -> bool:
    return isinstance(data, (str, os.PathLike)) and str(data).lower().endswith((".csv", ".tsv", ".jsonl"))


def _noted(items: Iterator[tuple[str, Any]], names: list[str]) -> Iterator[tuple[str, Any]]:
    for name, array in items:
        names.append(name)
        yield name, array
