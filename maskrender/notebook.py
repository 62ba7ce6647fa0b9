"""How results and masks show themselves in a notebook (Jupyter, VS Code, Colab).

``Results``, ``Result`` and ``Mask`` have one rich representation, ``_repr_html_``: their front
restored masks drawn on a light neutral canvas at most :data:`NOTEBOOK_SIZE` pixels, the right
way up as in the photo, with a legend, as one inline PNG, above a table of each result with its
main metric and masks.  There is no ``_repr_png_``: Jupyter stores every representation an
object has, so a second one would store the picture twice (a 10-cell notebook was 1.77 MB).
Their ``repr()`` stays one short line: a notebook shows the HTML, a console the ``repr()``.
:func:`notebook_png` gives the picture alone.

Examples
--------
>>> import maskrender as mr
>>> results = mr.load("fixtures/results_list.json")
>>> png = notebook_png(results)
>>> png[:8], notebook_picture(results).size
(b'\\x89PNG\\r\\n\\x1a\\n', (480, 480))
>>> "<table" in notebook_html(results) and "data:image/png;base64," in notebook_html(results)
True
"""

from __future__ import annotations

import base64
import io
from html import escape
from typing import Union

from PIL import Image

from maskrender.coverage import canvas_size
from maskrender.errors import SelectionError
from maskrender.model import Mask, Result, Results

__all__ = ["NOTEBOOK_BACKGROUND", "NOTEBOOK_OPACITY", "NOTEBOOK_SIZE", "notebook_html", "notebook_picture",
           "notebook_png"]

Shown = Union[Results, Result, Mask]

NOTEBOOK_SIZE = 480
"""The longer side of a notebook picture, in pixels."""

NOTEBOOK_BACKGROUND = (242, 242, 242)
"""The neutral canvas masks are drawn on in a notebook (no photo is known)."""

NOTEBOOK_OPACITY = 0.85
"""Masks are drawn more opaque than over a photo: on a plain canvas nothing needs to show through."""


def _masks(obj: Shown) -> list[Mask]:
    if isinstance(obj, Mask):
        return [obj]
    results = obj if isinstance(obj, Results) else Results([obj])
    return list(results.masks())


def notebook_picture(obj: Shown) -> Image.Image | None:
    """The front restored masks of ``obj`` on a neutral canvas with a legend (``None`` if it has none)."""
    from maskrender.overlay import render
    from maskrender.style import Style

    masks = _masks(obj)
    if not masks:
        return None
    frame = next((m for m in masks if m.view_box is not None), masks[0])
    canvas = Image.new("RGB", canvas_size(frame, None, NOTEBOOK_SIZE), NOTEBOOK_BACKGROUND)
    try:
        return render(masks, canvas, legend="top-right", style=Style(opacity=NOTEBOOK_OPACITY))
    except SelectionError:
        return None


def notebook_png(obj: Shown) -> bytes | None:
    """``notebook_picture`` as PNG bytes (the picture inside the notebook HTML)."""
    picture = notebook_picture(obj)
    if picture is None:
        return None
    buf = io.BytesIO()
    picture.save(buf, "PNG", compress_level=6)
    return buf.getvalue()


def _rows(results: Results) -> list[str]:
    rows = []
    for r in results:
        main = r.main_metric()
        if not r.ok:
            value = "failed"
        elif main is not None:
            grade = f" ({main.grade})" if main.grade else ""
            value = f"{main.name or main.tech_name}: {main.display_value}{grade}"
        elif r.value is not None:
            value = f"legacy value {r.value:g}"
        else:
            value = ""
        masks = ", ".join(m.display_name for m in (*r.masks_restored, *r.masks_original) if m.mask_set == "restored")
        rows.append(f"<tr><td>{escape(r.label)}</td><td>{escape(r.family)}</td><td>{escape(value)}</td>"
                    f"<td>{len(r.areas)}</td><td>{escape(masks)}</td></tr>")
    return rows


def notebook_html(obj: Shown) -> str:
    """An HTML summary: the picture (if any) and, for results, one table row per result."""
    parts = ["<div>"]
    png = notebook_png(obj)
    if png is not None:
        parts.append(f'<img alt="masks" src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}"/>')
    if isinstance(obj, Mask):
        parts.append(f"<p><code>{escape(repr(obj))}</code></p>")
    else:
        results = obj if isinstance(obj, Results) else Results([obj])
        parts.append(f"<p><code>{escape(repr(obj))}</code></p>")
        parts.append("<table><tr><th>result</th><th>family</th><th>main metric (face)</th><th>areas</th>"
                     "<th>masks (restored)</th></tr>" + "".join(_rows(results)) + "</table>")
    parts.append("</div>")
    return "".join(parts)
