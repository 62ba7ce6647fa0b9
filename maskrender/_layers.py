"""The order of maskrender's layers, written once: each layer imports only from itself and the
layers before it.

``tests/test_architecture.py`` reads every import of the package (top-level and inside functions)
and fails on one that reaches a later layer, unless it is listed in :data:`ALLOWED_UPWARD` with
its reason; it also fails on a module that no layer names, and checks that ``docs/architecture.md``
holds the table :func:`markdown` writes (``python -m maskrender._layers`` prints it).

A module belongs to the layer with the longest entry that names it or one of its packages
(``"draw"`` holds ``maskrender.draw`` and everything under it).

>>> layer_of("maskrender.draw.svg"), layer_of("maskrender.model"), layer_of("maskrender"), layer_of("maskrender.new")
('draw', 'model', 'api', None)
>>> allowed("maskrender.model", "maskrender.notebook"), allowed("maskrender.model", "maskrender.draw.raster")
(True, False)
"""

from __future__ import annotations

__all__ = ["ALLOWED_UPWARD", "LAYERS", "PUBLIC", "allowed", "layer_of", "markdown"]

LAYERS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("foundation", "errors, limits, the tables every stage reads (mask kinds, names, formats, options "
                   "vocabulary), JSON paths in messages, opening and writing files",
     ("_layers", "errors", "limits", "defaults", "kinds", "metric", "viewbox", "palettes", "aliases", "names",
      "formats", "_jsonpath", "files", "outputs", "atomic")),
    ("model", "the typed, immutable results: Results > Result > Area/Metric, Mask > Feature; its tables",
     ("model", "table")),
    ("geometry", "shapely geometries from coordinates, repair; view_box -> pixel transform",
     ("geometry",)),
    ("parse", "JSON in every envelope -> the model (reading, limits, the team's assumptions)",
     ("parse",)),
    ("style", "colours, sizes, opacity -> one resolved style per mask; the option registry",
     ("style", "options")),
    ("draw", "exact coverage and alpha layers (raster), the SVG mask writer",
     ("draw",)),
    ("photo", "photos in (EXIF, modes, colour), pictures out (encoders, atomic files), backgrounds",
     ("colour", "image", "encode", "backdrop")),
    ("compose", "overlays of masks on a photo, legends, coverage arrays",
     ("coverage", "legend", "maskset", "overlay")),
    ("products", "reports, summaries, notebook displays",
     ("report", "info", "notebook")),
    ("batch", "many jobs: manifests, executors, resume, error report; exports of one result or of many "
              "(a COCO dataset of a folder or manifest, read as a batch reads it)",
     ("batch", "export")),
    ("api", "the package's curated names, imported lazily on first use",
     ("",)),
    ("cli", "the command line, a thin shell over the public API",
     ("cli", "_clio", "completion", "clidoc", "__main__")),
)
"""``(layer, what it holds, module entries relative to maskrender)``, lowest first."""

ALLOWED_UPWARD: dict[tuple[str, str], str] = {
    ("maskrender.model", "maskrender.notebook"):
        "notebooks: a Mask or Results shows its picture in Jupyter (_repr_png_/_repr_html_), imported "
        "only when a notebook asks for it",
}
"""The declared exceptions: ``(importer, imported module)`` -> why."""

PUBLIC: dict[str, str] = {
    "maskrender": "load, render, render_file, render_svg, the model, styles and errors",
    "maskrender.defaults": "every default and choice of the API and the CLI, and their Literal types",
    "maskrender.report": "report pages: build_report, report_file and the Report they return",
    "maskrender.export": "masks and metrics as data: export_file, GeoJSON, COCO, label maps, tables",
    "maskrender.batch": "many jobs: manifests, run_batch, render_batch",
}
"""The public modules and what each offers: their ``__all__`` is the API, and the documentation
imports from nothing else.  Every other module is internal (it may change in any release)."""

_RANK = {entry: i for i, (_, _, entries) in enumerate(LAYERS) for entry in entries}


def _entry(module: str) -> str | None:
    rel = module.removeprefix("maskrender").lstrip(".")
    parts = rel.split(".") if rel else []
    for n in range(len(parts), 0 if parts else -1, -1):  # "" names the package itself, nothing under it
        key = ".".join(parts[:n])
        if key in _RANK:
            return key
    return None


def layer_of(module: str) -> str | None:
    """The layer of a dotted module name, or ``None`` when no layer names it."""
    entry = _entry(module)
    return None if entry is None else LAYERS[_RANK[entry]][0]


def allowed(importer: str, imported: str) -> bool:
    """Whether ``importer`` may import ``imported``: same or lower layer, or a declared exception."""
    a, b = _entry(importer), _entry(imported)
    if a is None or b is None:
        return False
    return _RANK[b] <= _RANK[a] or (importer, imported) in ALLOWED_UPWARD


def markdown() -> str:
    """The layer table of ``docs/architecture.md``, lowest layer first."""
    rows = ["| layer | modules (under `maskrender/`) | what it holds |", "|---|---|---|"]
    for name, what, entries in LAYERS:
        mods = ", ".join(f"`{e}`" if e else "`__init__`" for e in entries)
        rows.append(f"| {name} | {mods} | {what} |")
    rows.append("")
    rows.append("Declared exceptions (the only imports that reach a later layer):")
    rows.append("")
    rows.extend(f"- `{a}` -> `{b}`: {why}" for (a, b), why in ALLOWED_UPWARD.items())
    rows.append("")
    rows.append("Public modules (their `__all__` is the API; every other module is internal and may change "
                "in any release):")
    rows.append("")
    rows.extend(f"- `{name}`: {what}" for name, what in PUBLIC.items())
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(markdown(), end="")
