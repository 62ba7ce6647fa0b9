"""What the review page (``maskrender batch --index``) shows of one output, made in the worker with the output:
a small thumbnail, made once and kept in the batch's own folder, and the main metric of each algorithm."""

from __future__ import annotations

import hashlib
import io
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from maskrender.batch._jobs import Job

__all__ = ["THUMBS", "THUMB_SIZE", "has_review", "job_metrics", "make_review", "thumbnail_name"]

THUMBS = "thumbs"
"""The folder of thumbnails inside the batch's own folder (``OUT/.maskrender-batch/thumbs``)."""

THUMB_SIZE = 160
"""The longer side of a thumbnail, in pixels."""

_RASTER = (".png", ".jpg", ".jpeg", ".webp")
_OVERLAY_KEYS = ("mask_set", "side", "only", "style")


def thumbnail_name(output: str) -> str:
    """The thumbnail's file name for the output named ``output``: short, safe, one per output.

    >>> thumbnail_name("visit 1.png")
    '2fa6335e81a7097ef3d1.webp'
    """
    return hashlib.sha256(output.encode("utf-8", "surrogatepass")).hexdigest()[:20] + ".webp"


def _metric(result: Any) -> dict[str, Any]:
    if not result.ok:
        from maskrender.table import error_text

        return {"error": error_text(result.error) or "failed"}
    main = result.main_metric()
    if main is None:
        return {"value": None, "display": "", "grade": None}
    number = main.number
    value = float(number) if number is not None and math.isfinite(number) else None
    return {"value": value, "display": main.display_value, "grade": main.grade}


def job_metrics(result: str | os.PathLike[str]) -> dict[str, dict[str, Any]]:
    """The main metric of each algorithm of ``result``: ``{label: {value, display, grade}}``, or
    ``{label: {error}}`` for an algorithm that failed.

    >>> m = job_metrics("fixtures/results_list.json")
    >>> m["pores"], m["wrinkles_depth"]
    ({'value': 58.0, 'display': '58', 'grade': 'Average'}, {'error': 'face not detected'})
    """
    from maskrender.parse import load

    metrics: dict[str, dict[str, Any]] = {}
    for r in load(result):
        label, n = r.label, 2
        while label in metrics:
            label, n = f"{r.label} ({n})", n + 1
        metrics[label] = _metric(r)
    return metrics


def _picture(job: Job, made: Path) -> Any:
    """The output as a small picture: a raster output scaled down; an SVG, PDF or HTML one drawn again small."""
    from PIL import Image

    if made.suffix.lower() in _RASTER:
        with Image.open(made) as im:
            im.draft("RGB", (THUMB_SIZE * 2, THUMB_SIZE * 2))     # JPEG: decode at a fraction of the size
            im.thumbnail((THUMB_SIZE, THUMB_SIZE))
            return im.convert("RGBA" if "A" in im.getbands() or "transparency" in im.info else "RGB")
    from maskrender.overlay import render

    options = {k: job.options[k] for k in _OVERLAY_KEYS if k in job.options}
    picture = render(job.result, job.image, max_size=THUMB_SIZE, **options)
    picture.thumbnail((THUMB_SIZE, THUMB_SIZE))
    return picture


def make_review(job: Job, made: Path, work: Path) -> dict[str, Any]:
    """The review data of ``job`` whose output is the file ``made``: its thumbnail (written to
    ``work/thumbs``, atomically) with its size, and :func:`job_metrics`. A part that cannot be made is
    left out (the page shows the output without it), never a reason to fail the job."""
    from maskrender.atomic import atomic_write

    review: dict[str, Any] = {"thumb": None}
    try:
        picture = _picture(job, made)
        data = io.BytesIO()
        picture.save(data, "WEBP", quality=70, method=4)
        folder = work / THUMBS
        folder.mkdir(exist_ok=True)
        name = thumbnail_name(job.output.name)
        atomic_write(folder / name, data.getvalue())
        review.update(thumb=name, width=picture.width, height=picture.height)
    except Exception:  # a thumbnail is a convenience: the output itself was made
        review["thumb"] = None
    try:
        review["metrics"] = job_metrics(job.result)
    except Exception:
        review["metrics"] = {}
    return review


def has_review(record: Mapping[str, Any], work: Path) -> bool:
    """Whether a ``made.jsonl`` record holds review data whose thumbnail is still in ``work/thumbs``."""
    review = record.get("review")
    if not isinstance(review, Mapping) or not isinstance(review.get("metrics"), Mapping):
        return False
    thumb = review.get("thumb")
    return thumb is None or (isinstance(thumb, str) and (work / THUMBS / thumb).is_file())
