"""Geometry: building masks' shapely geometries from their coordinates (:mod:`.build`), and
mapping them from their view_box onto images (:mod:`.transform`).

>>> from maskrender.geometry import fit
>>> from maskrender.model import ViewBox
>>> fit(ViewBox.parse("0 0 100 50"), (200, 100)).sx
2.0
"""

from __future__ import annotations

from maskrender.geometry.transform import ASPECT_TOLERANCE, Transform, aspect_mismatch, fit, frame_of

__all__ = ["ASPECT_TOLERANCE", "Transform", "aspect_mismatch", "fit", "frame_of"]
