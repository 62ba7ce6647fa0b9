"""maskrender: draw skin-analysis masks as PNG and SVG overlays, locally and offline.

>>> import maskrender as mr
>>> results = mr.load("fixtures/pih_result.json")
>>> results[0].masks()[0].mask_type
'polygon_mask'
"""

from __future__ import annotations

from maskrender.errors import (
    AspectWarning,
    FormatError,
    GeometryWarning,
    ImageError,
    InputError,
    LimitError,
    MaskRenderError,
    MaskRenderWarning,
    OutputError,
    ParseError,
    SelectionError,
    UnknownMaskTypeWarning,
)
from maskrender.geometry import Transform, fit
from maskrender.info import format_summary, summarize
from maskrender.model import Area, Feature, Mask, Metric, Result, Results, ViewBox, grade
from maskrender.overlay import render, render_file, render_svg, select_masks
from maskrender.parse import load
from maskrender.style import Color, Size, Style

__version__ = "0.1.0"

__all__ = [
    "Area",
    "AspectWarning",
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
    "Metric",
    "OutputError",
    "ParseError",
    "Result",
    "Results",
    "SelectionError",
    "Size",
    "Style",
    "Transform",
    "UnknownMaskTypeWarning",
    "ViewBox",
    "__version__",
    "fit",
    "format_summary",
    "grade",
    "load",
    "render",
    "render_file",
    "render_svg",
    "select_masks",
    "summarize",
]
