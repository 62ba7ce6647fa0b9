"""maskrender: draw skin-analysis masks as PNG and SVG overlays, locally and offline.

The public API is small; everything below is importable from ``maskrender`` directly.
Names load on first use (PEP 562), so ``import maskrender`` and ``maskrender --version``
stay fast: numpy, shapely and Pillow are imported only when something needs them.

>>> import maskrender as mr
>>> results = mr.load("fixtures/pih_result.json")
>>> results[0].masks()[0].mask_type
'polygon_mask'

The three writers: ``render_file`` (an overlay picture or SVG), ``report_file`` (a report: PNG,
JPEG, WebP, SVG, PDF or HTML) and ``export_file`` (GeoJSON, COCO, a label map, arrays, a metrics
table); the format follows the output's extension.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from maskrender.errors import (
    AspectWarning,
    BatchError,
    FormatError,
    GeometryWarning,
    ImageError,
    InputError,
    LimitError,
    MaskRenderError,
    MaskRenderWarning,
    MaskSetWarning,
    OutputError,
    ParseError,
    SelectionError,
    SizeWarning,
    UnknownMaskTypeWarning,
)

if TYPE_CHECKING:
    from maskrender.coverage import mask_coverage
    from maskrender.export import export_file
    from maskrender.geometry import Transform, fit
    from maskrender.info import format_summary, summarize
    from maskrender.model import Area, Feature, Mask, Metric, Result, Results, ViewBox, grade
    from maskrender.overlay import RenderOptions, render, render_file, render_svg, select_masks
    from maskrender.parse import load
    from maskrender.report import ReportOptions, build_report, report_file
    from maskrender.style import Color, Size, Style

__version__ = "0.1.0"

_LAZY: dict[str, str] = {
    "RenderOptions": "maskrender.overlay",
    "ReportOptions": "maskrender.report",
    "Area": "maskrender.model",
    "Color": "maskrender.style",
    "Feature": "maskrender.model",
    "Mask": "maskrender.model",
    "Metric": "maskrender.model",
    "Result": "maskrender.model",
    "Results": "maskrender.model",
    "Size": "maskrender.style",
    "Style": "maskrender.style",
    "Transform": "maskrender.geometry",
    "ViewBox": "maskrender.model",
    "build_report": "maskrender.report",
    "export_file": "maskrender.export",
    "fit": "maskrender.geometry",
    "format_summary": "maskrender.info",
    "grade": "maskrender.model",
    "load": "maskrender.parse",
    "mask_coverage": "maskrender.coverage",
    "render": "maskrender.overlay",
    "render_file": "maskrender.overlay",
    "render_svg": "maskrender.overlay",
    "report_file": "maskrender.report",
    "select_masks": "maskrender.overlay",
    "summarize": "maskrender.info",
}

__all__ = [
    "Area",
    "AspectWarning",
    "BatchError",
    "Color",
    "Feature",
    "FormatError",
    "GeometryWarning",
    "ImageError",
    "InputError",
    "LimitError",
    "Mask",
    "MaskRenderError",
    "MaskRenderWarning",
    "MaskSetWarning",
    "Metric",
    "OutputError",
    "ParseError",
    "RenderOptions",
    "ReportOptions",
    "Result",
    "Results",
    "SelectionError",
    "Size",
    "SizeWarning",
    "Style",
    "Transform",
    "UnknownMaskTypeWarning",
    "ViewBox",
    "__version__",
    "build_report",
    "export_file",
    "fit",
    "format_summary",
    "grade",
    "load",
    "mask_coverage",
    "render",
    "render_file",
    "render_svg",
    "report_file",
    "select_masks",
    "summarize",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'maskrender' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
