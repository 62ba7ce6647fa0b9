"""Masks and metrics as data: GeoJSON, COCO RLE annotations, a label map, coverage arrays, a metrics table.

One call writes any of them, the format chosen by the file's ending (the ``export`` formats of
:mod:`maskrender.formats`)::

    export_file("result.json", "masks.geojson")                  # GeoJSON, view_box coordinates
    export_file("result.json", "masks.geojson", coordinates="pixels", size=(1024, 1024))
    export_file("result.json", "masks.coco.json", size=(1024, 1024))  # COCO, RLE per mask
    export_file("result.json", "labels.png")                     # label map; table in a text chunk
    export_file("result.json", "coverage.npz")                   # one float32 array per mask
    export_file("results.json", "metrics.csv")                   # the metrics table (also .jsonl)

and the same as Python objects: :func:`geojson`, :func:`coco`, :func:`label_map`,
:func:`coverage_arrays`, ``Results.metrics()``.  The masks are chosen as for a drawing (``masks``,
``side``, ``only``; :func:`maskrender.select_masks`) and laid on an image of ``size`` (default:
the view_box's; ``max_size`` scales it down) as the renderer lays them; points and lines cover
discs and strokes of the sizes ``style`` gives them.  Each mask is named by its tech name (its
display name if it has none), with ``@side``/``@set`` added where two masks would share a name.

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

import csv
import io
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from maskrender.coverage import canvas_size, mask_coverage
from maskrender.errors import InputError
from maskrender.export.coco import coco_dataset, rle_decode, rle_encode
from maskrender.geometry import fit, frame_of
from maskrender.image import atomic_write, check_canvas
from maskrender.model import Mask, Result, Results
from maskrender.names import result_matches
from maskrender.outputs import check_output
from maskrender.overlay import MaskInput, select_masks
from maskrender.parse import load
from maskrender.table import METRIC_COLUMNS

__all__ = ["COORDINATES", "LABELS_KEY", "coco", "coverage_arrays", "export_file", "geojson", "label_map",
           "mask_names", "metrics_csv", "metrics_jsonl", "rle_decode", "rle_encode"]

COORDINATES = ("view_box", "pixels")
"""The coordinates of a GeoJSON export: the masks' own view_box units, or pixels of ``size``."""

LABELS_KEY = "maskrender:labels"
"""The PNG text chunk of a label map that holds its label table (JSON: label -> mask name)."""


def _selected(data: MaskInput, masks: str, side: str | None, only: Sequence[str] | None) -> list[Mask]:
    return select_masks(data, masks=masks, side=side, only=only)


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


def _size(chosen: Sequence[Mask], size: tuple[int, int] | None, max_size: int | None) -> tuple[int, int]:
    frame = next((m for m in chosen if m.view_box is not None), chosen[0])
    canvas = canvas_size(frame, size, max_size)
    check_canvas(canvas)
    return canvas


def coverage_arrays(data: MaskInput, size: tuple[int, int] | None = None, *, max_size: int | None = None,
                    masks: str = "restored", side: str | None = "front", only: Sequence[str] | None = None,
                    style: Any = None) -> dict[str, npt.NDArray[np.float32]]:
    """One coverage array (0..1 float32, ``(height, width)``) per selected mask, by :func:`mask_names`.

    >>> {k: v.shape for k, v in coverage_arrays("fixtures/acne.json", (151, 151)).items()}
    {'acne_mask_restored': (151, 151), 'papules_mask_restored': (151, 151)}
    """
    chosen = _selected(data, masks, side, only)
    canvas = _size(chosen, size, max_size)
    return {n: mask_coverage(m, canvas, style=style) for m, n in zip(chosen, mask_names(chosen), strict=True)}


def label_map(data: MaskInput, size: tuple[int, int] | None = None, *, max_size: int | None = None,
              masks: str = "restored", side: str | None = "front", only: Sequence[str] | None = None,
              style: Any = None) -> tuple[npt.NDArray[np.integer[Any]], dict[int, str]]:
    """A label map (``uint8``, ``uint16`` beyond 255 masks): label ``k`` where mask ``k`` covers at least
    half the pixel, the mask drawn last winning where masks overlap (as in a drawing); 0 is background.
    Returns the array and its label table (see the module's example)."""
    arrays = coverage_arrays(data, size, max_size=max_size, masks=masks, side=side, only=only, style=style)
    shape = next(iter(arrays.values())).shape
    labels = np.zeros(shape, dtype=np.uint8 if len(arrays) <= 255 else np.uint16)
    table: dict[int, str] = {0: "background"}
    for k, (name, cov) in enumerate(arrays.items(), start=1):
        labels[cov >= 0.5] = k
        table[k] = name
    return labels, table


def _pixel_geometry(m: Mask, canvas: tuple[int, int] | None) -> list[Any]:
    if canvas is None:
        return [f.geometry for f in m.features]
    t = fit(frame_of(m, canvas), canvas, check_aspect=False)
    return list(t.apply_all([f.geometry for f in m.features]))


def geojson(data: MaskInput, *, coordinates: str = "view_box", size: tuple[int, int] | None = None,
            max_size: int | None = None, masks: str = "restored", side: str | None = "front",
            only: Sequence[str] | None = None) -> dict[str, Any]:
    """A standard GeoJSON FeatureCollection of the selected masks' features (y down, as in the image).

    Each feature keeps its geometry (in view_box units, or with ``coordinates="pixels"`` in pixels
    of ``size``) and carries its mask's ``mask``, ``name``, ``mask_type``, ``algorithm``, ``family``,
    ``side``, ``mask_set``, ``view_box``, ``fill`` and the 0..1 ``intensity`` as properties.

    >>> geojson("fixtures/pih_result.json", coordinates="pixels", size=(604, 604))["features"][0]["properties"]["mask"]
    'post_inflammatory_hyperpigmentation_mask_restored'
    """
    if coordinates not in COORDINATES:
        raise InputError(f"coordinates must be one of {', '.join(COORDINATES)}, not {coordinates!r}")
    chosen = _selected(data, masks, side, only)
    canvas = _size(chosen, size, max_size) if coordinates == "pixels" else None
    import shapely

    features = []
    for m, name in zip(chosen, mask_names(chosen), strict=True):
        for f, geom in zip(m.features, _pixel_geometry(m, canvas), strict=True):
            features.append({"type": "Feature", "geometry": json.loads(shapely.to_geojson(geom)), "properties": {
                "mask": name, "name": m.display_name, "mask_type": m.mask_type, "algorithm": m.algorithm,
                "family": m.family, "side": m.side, "mask_set": m.mask_set,
                "view_box": None if m.view_box is None else str(m.view_box), "fill": m.fill,
                "intensity": f.intensity}})
    out: dict[str, Any] = {"type": "FeatureCollection", "features": features, "coordinates": coordinates}
    if canvas is not None:
        out["size"] = list(canvas)
    return out


def coco(data: MaskInput, size: tuple[int, int] | None = None, *, max_size: int | None = None,
         masks: str = "restored", side: str | None = "front", only: Sequence[str] | None = None, style: Any = None,
         file_name: str = "") -> dict[str, Any]:
    """A COCO dataset dict: one image of ``size``, one category and one RLE annotation per mask
    (:mod:`maskrender.export.coco`).

    >>> doc = coco("fixtures/acne.json", (302, 302))
    >>> [c["name"] for c in doc["categories"]], doc["annotations"][1]["segmentation"]["size"]
    (['acne_mask_restored', 'papules_mask_restored'], [302, 302])
    """
    chosen = _selected(data, masks, side, only)
    canvas = _size(chosen, size, max_size)
    names = mask_names(chosen)
    covers = [mask_coverage(m, canvas, style=style) for m in chosen]
    return coco_dataset(chosen, names, covers, canvas, file_name=file_name, description="maskrender export")


def _results(data: MaskInput, only: Sequence[str] | None) -> Results:
    results = data if isinstance(data, Results) else Results([data]) if isinstance(data, Result) else \
        load(data)  # type: ignore[arg-type]
    if only:
        results = Results([r for r in results if any(result_matches(r, n) for n in only)], results.source)
    return results


def _cell(v: Any) -> Any:
    return "" if v is None else v


def metrics_csv(data: MaskInput, *, only: Sequence[str] | None = None) -> str:
    """The metrics table (:func:`maskrender.table.metric_rows`) as CSV text with a header line.

    >>> metrics_csv("fixtures/vendor/hautai_pores_snippets_bare.json").splitlines()[2].split(",")[12:17]
    ['face', 'sub', 'Pores Number', 'pores_number', '455.0']
    """
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(METRIC_COLUMNS)
    for row in _results(data, only).metrics():
        writer.writerow([_cell(row[c]) for c in METRIC_COLUMNS])
    return buf.getvalue()


def metrics_jsonl(data: MaskInput, *, only: Sequence[str] | None = None) -> str:
    """The metrics table as JSON Lines: one object per row, ``null`` where empty.

    >>> metrics_jsonl("fixtures/pih_result.json").count("\\n")
    6
    """
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in _results(data, only).metrics())


def _png(labels: npt.NDArray[np.integer[Any]], table: dict[int, str]) -> bytes:
    info = PngInfo()
    info.add_itxt(LABELS_KEY, json.dumps({str(k): v for k, v in table.items()}, ensure_ascii=False))
    image = Image.fromarray(labels, "L" if labels.dtype == np.uint8 else "I;16")
    buf = io.BytesIO()
    image.save(buf, "PNG", pnginfo=info, compress_level=6)
    return buf.getvalue()


def export_file(data: MaskInput, output: str | os.PathLike[str], *, size: tuple[int, int] | None = None,
                max_size: int | None = None, masks: str = "restored", side: str | None = "front",
                only: Sequence[str] | None = None, style: Any = None, coordinates: str = "view_box") -> dict[str, Any]:
    """Write the export ``output``'s ending names (``.geojson``, ``.coco.json``, ``.png``, ``.npz``, ``.csv``,
    ``.jsonl``), atomically (an output that is the input is refused).  Returns what was written:
    ``{"path", "format", ...}`` with the label table of a label map (``labels``) and the names of
    the masks or the number of rows.

    >>> import os, tempfile
    >>> done = export_file("fixtures/acne.json", os.path.join(tempfile.mkdtemp(), "labels.png"), size=(302, 302))
    >>> done["format"], done["labels"][2]
    ('labels', 'papules_mask_restored')
    """
    out = Path(output)
    fmt = check_output(out, "export", (data,))  # the format; a usable place; never the input itself
    info: dict[str, Any] = {"path": out, "format": fmt.name}
    if fmt.name in ("csv", "jsonl"):
        text = metrics_csv(data, only=only) if fmt.name == "csv" else metrics_jsonl(data, only=only)
        info["rows"] = text.count("\n") - (fmt.name == "csv")
        atomic_write(out, text.encode("utf-8"))
        return info
    kw: dict[str, Any] = {"max_size": max_size, "masks": masks, "side": side, "only": only}
    if fmt.name == "geojson":
        payload = json.dumps(geojson(data, coordinates=coordinates, size=size, **kw)).encode("utf-8")
    elif fmt.name == "coco":
        doc = coco(data, size, style=style, file_name=out.name.removesuffix(".coco.json"), **kw)
        info["masks"] = [c["name"] for c in doc["categories"]]
        payload = json.dumps(doc).encode("utf-8")
    elif fmt.name == "labels":
        labels, table = label_map(data, size, style=style, **kw)
        info["labels"] = table
        payload = _png(labels, table)
    else:
        arrays = coverage_arrays(data, size, style=style, **kw)
        info["masks"] = list(arrays)
        buf = io.BytesIO()
        np.savez_compressed(buf, **arrays)  # type: ignore[arg-type]
        payload = buf.getvalue()
    atomic_write(out, payload)
    return info
