"""Where jobs come from: a CSV/TSV or JSON Lines manifest, or a folder of results and photos.

Everything that can be checked without rendering is checked by :func:`read_jobs`, before
any work starts: the header, every cell, the output names (two jobs writing one file, or a
job overwriting an input) and that the kind of output can be made at all.
"""

from __future__ import annotations

import csv
import importlib
import io
import json
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from maskrender.batch._jobs import (
    JOB_KINDS,
    ONLY_FOR,
    OPTION_PARSERS,
    BatchError,
    Job,
    output_name,
    resolve_files,
)
from maskrender.batch._records import ERRORS_FILE, WORK_FOLDER
from maskrender.defaults import BATCH_FORMAT, SIDE
from maskrender.files import open_regular
from maskrender.options import ALIASES, call_options

__all__ = ["COLUMNS", "MANIFEST_SUFFIXES", "OPTION_COLUMNS", "PHOTO_SUFFIXES", "Manifest", "read_jobs"]

MANIFEST_SUFFIXES: dict[str, str | None] = {".csv": ",", ".tsv": "\t", ".jsonl": None, ".ndjson": None}
"""Manifest file types: CSV or TSV with a header line, or JSON Lines (one object a line)."""

PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")
"""Photos a results folder pairs with ``NAME.json`` by stem."""

OPTION_COLUMNS = tuple(OPTION_PARSERS)
"""Per-job render options: manifest columns, and the batch-wide ``defaults`` of :func:`read_jobs`."""

COLUMNS = ("result", "image", "output", *OPTION_COLUMNS)
"""The columns (or JSON Lines keys) a manifest may have; only ``result`` is required."""

Row = tuple[str, dict[str, Any]]


def _column(name: str) -> str:
    return name.strip().lower().replace("-", "_").replace(" ", "_")


def _option(column: str) -> str:
    """What a column names: itself, or the option an older name stands for (``masks``: ``mask_set``)."""
    return ALIASES.get(column, column)


def _unknown(label: str, name: str) -> BatchError:
    return BatchError(f"{label}: unknown column {name!r}; known columns: {', '.join(COLUMNS)}")


def _snapshot(path: Path) -> bytes:
    """The manifest's bytes, read once (a manifest rewritten while the batch runs changes nothing), if it
    is a regular file (a named pipe would block, a device never end)."""
    try:
        with open_regular(path, str(path), "a manifest file", BatchError) as raw:
            return raw.read()
    except OSError as err:
        raise BatchError(f"{path}: cannot read the manifest: {err.strerror or err}") from None


def _open_manifest(data: bytes, newline: str | None) -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline=newline)


def _csv_rows(path: Path, data: bytes, delimiter: str) -> Iterator[Row]:
    fh = _open_manifest(data, "")
    with fh:
        reader = csv.reader(fh, delimiter=delimiter)
        try:
            header = next((r for r in reader if any(c.strip() for c in r)), None)
            if header is None:
                raise BatchError(f"{path}: empty manifest; the first line must name the columns, "
                                 f"e.g. result,image,output")
            where = f"{path.name} line {reader.line_num}"
            columns = [_column(c) for c in header]
            for i, (name, raw) in enumerate(zip(columns, header, strict=True)):
                if not name:
                    raise BatchError(f"{where}: a column has no name")
                if _option(name) not in COLUMNS:
                    raise _unknown(where, raw.strip())
                if _option(name) in map(_option, columns[:i]):
                    earlier = next(c for c in columns[:i] if _option(c) == _option(name))
                    also = "" if earlier == name else f" ({earlier!r} and {name!r} both name {_option(name)!r})"
                    raise BatchError(f"{where}: column {raw.strip()!r} appears twice{also}")
            if "result" not in columns:
                raise BatchError(f"{where}: no 'result' column (the header is {', '.join(header)}); "
                                 f"the first line must name the columns, e.g. result,image,output")
            for cells in reader:
                if not any(c.strip() for c in cells):
                    continue
                label = f"{path.name} line {reader.line_num}"
                if len(cells) > len(columns):
                    raise BatchError(f"{label}: {len(cells)} cells but the header names {len(columns)} columns")
                yield label, {k: v for k, v in zip(columns, cells, strict=False) if v.strip()}
        except csv.Error as err:
            raise BatchError(f"{path.name} line {reader.line_num}: not valid CSV: {err}") from None
        except UnicodeDecodeError as err:
            raise BatchError(f"{path}: not UTF-8 text: {err}") from None


def _jsonl_rows(path: Path, data: bytes) -> Iterator[Row]:
    fh = _open_manifest(data, None)
    with fh:
        try:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                label = f"{path.name} line {n}"
                try:
                    obj = json.loads(line)
                except ValueError as err:
                    raise BatchError(f"{label}: not valid JSON: {err}") from None
                if not isinstance(obj, dict):
                    raise BatchError(f"{label}: expected a JSON object such as "
                                     f'{{"result": "a.json", "image": "a.jpg"}}, found {type(obj).__name__}')
                values: dict[str, Any] = {}
                for key, value in obj.items():
                    name = _column(key)
                    if _option(name) not in COLUMNS:
                        raise _unknown(label, key)
                    earlier = next((k for k in values if _option(k) == _option(name)), None)
                    if earlier is not None:
                        raise BatchError(f"{label}: {earlier!r} and {name!r} both name {_option(name)!r}; give one")
                    if value is not None and value != "":
                        values[name] = value
                yield label, values
        except UnicodeDecodeError as err:
            raise BatchError(f"{path}: not UTF-8 text: {err}") from None


def _folder_rows(folder: Path) -> list[Row]:
    results: list[Path] = []
    photos: dict[str, list[Path]] = {}
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith(".") or not entry.is_file():
            continue
        suffix = entry.suffix.lower()
        if suffix == ".json":
            results.append(entry)
        elif suffix in PHOTO_SUFFIXES:
            photos.setdefault(entry.stem, []).append(entry)
    if not results:
        raise BatchError(f"{folder}: no *.json results in this folder")
    rows: list[Row] = []
    for result in results:
        found = photos.get(result.stem, [])
        if len(found) > 1:
            raise BatchError(f"{result}: more than one photo has its name: {', '.join(p.name for p in found)}; "
                             f"keep one, or list the pairs in a manifest")
        values = {"result": os.fspath(result)}
        if found:
            values["image"] = os.fspath(found[0])
        rows.append((result.name, values))
    return rows


def _parse_values(label: str, values: Mapping[str, Any], defaults: Mapping[str, Any], kind: str,
                  base: Path) -> dict[str, Any]:
    parsed = dict(defaults)
    for column, value in values.items():  # messages name the column as the manifest does
        key = _option(column)
        if key in ("result", "image", "output"):
            continue
        if ONLY_FOR.get(key, kind) != kind:
            raise BatchError(f"{label}, column {column!r}: applies to {ONLY_FOR[key]} output only, not {kind}")
        try:
            parsed[key] = OPTION_PARSERS[key](value)
        except ValueError as err:
            raise BatchError(f"{label}, column {column!r}: {err}") from None
        parsed.update(resolve_files({key: parsed[key]}, lambda k, name: _usable(label, k, Path(
            os.path.normpath(base / name)))))
    if "fill" in values and defaults.get("fill"):
        parsed["fill"] = {**defaults["fill"], **parsed["fill"]}
    return parsed


def _path_cell(label: str, values: Mapping[str, Any], key: str, base: Path) -> Path | None:
    value = values.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise BatchError(f"{label}, column {key!r}: expected a file name, found {value!r}")
    return _usable(label, key, Path(os.path.normpath(base / value.strip())))


def _usable(label: str, key: str, path: Path) -> Path:
    """``path`` if the system can take it as a file name (no NUL, encodable)."""
    try:
        if b"\0" in os.fsencode(path):
            raise ValueError("a NUL character")
    except (ValueError, UnicodeError) as err:
        raise BatchError(f"{label}, column {key!r}: not a usable file name ({err})") from None
    return path


class Manifest:
    """Validated jobs from a manifest or a results folder (made by :func:`read_jobs`).

    ``len()`` is the number of jobs; iterating yields :class:`Job` objects, parsing the manifest
    again row by row so that a long manifest is never held in memory as jobs. The manifest file
    itself is read once, when the jobs are checked: its bytes are kept, so a manifest rewritten
    while the batch runs changes nothing (memory: the manifest's size).
    """

    def __init__(self, source: Path, out_dir: Path, kind: str, fmt: str, defaults: Mapping[str, Any],
                 rows: list[Row] | None) -> None:
        self.source = source
        self.out_dir = out_dir
        self.kind = kind
        self.format = fmt
        self._defaults = dict(defaults)
        self._rows = rows
        self._data: bytes | None = None
        self._count = 0
        self._check()

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[Job]:
        for label, values in self._read():
            yield self._job(label, values)

    def __repr__(self) -> str:
        return f"<Manifest {os.fspath(self.source)!r}: {self._count} {self.kind} jobs into {os.fspath(self.out_dir)!r}>"

    def _read(self) -> Iterator[Row]:
        if self._rows is not None:
            return iter(self._rows)
        delimiter = MANIFEST_SUFFIXES[self.source.suffix.lower()]
        if self._data is None:
            self._data = _snapshot(self.source)
        return _jsonl_rows(self.source, self._data) if delimiter is None else \
            _csv_rows(self.source, self._data, delimiter)

    def _job(self, label: str, values: Mapping[str, Any]) -> Job:
        base = self.source if self._rows is not None else self.source.parent
        result = _path_cell(label, values, "result", base)
        if result is None:
            raise BatchError(f"{label}, column 'result': empty; every job needs a result file")
        image = _path_cell(label, values, "image", base)
        given = values.get("output")
        if given is not None and not isinstance(given, str):
            raise BatchError(f"{label}, column 'output': expected a file name, found {given!r}")
        name = output_name(given if given else result.stem, JOB_KINDS[self.kind][2], self.format)
        if not name:
            raise BatchError(f"{label}, column 'output': {given!r} gives no usable file name")
        parsed = _parse_values(label, values, self._defaults, self.kind, base)
        timeout = parsed.pop("timeout", None)
        options = call_options(parsed, self.kind)
        return Job(result, self.out_dir / name, image, kind=self.kind, options=options, label=label, timeout=timeout)

    def _check(self) -> None:
        writers: dict[str, str] = {}
        clashes: list[str] = []
        inputs = _Inputs()
        if self._rows is None:
            inputs.add(self.source, _MANIFEST)
        outputs: list[tuple[Path, str]] = []
        for job in self:
            self._count += 1
            key = job.output.name.casefold()
            if key in writers:
                clashes.append(f"{writers[key]} and {job.label} both write {job.output.name}")
            else:
                writers[key] = job.label
            for path in job.inputs():
                inputs.add(path, job.label)
            outputs.append((job.output, job.label))
        if clashes:
            more = f" (and {len(clashes) - 5} more)" if len(clashes) > 5 else ""
            raise BatchError(f"two jobs would write one file: {'; '.join(clashes[:5])}{more}; "
                             f"give them distinct names in an 'output' column")
        folder = os.path.realpath(self.out_dir)
        for output, label in outputs:
            owner = inputs.owner(output, folder)
            if owner is not None:
                real = inputs.shown(output, folder)
                also = f", {real}" if real != os.fspath(output) else ""
                raise BatchError(f"{label}: the output {output}{also} is one of the batch's inputs (read by {owner}); "
                                 "choose another output folder or name")
        errors = self.out_dir / ERRORS_FILE
        owner = inputs.owner(errors, folder)
        if owner is not None:
            what = "is the manifest" if owner == _MANIFEST else f"is read by {owner}"
            raise BatchError(f"{errors} {what}, and each batch replaces that file with the failures of its run; "
                             "copy it elsewhere, or choose another output folder")
        work = os.path.join(folder, WORK_FOLDER) + os.sep
        for real, label in inputs.by_path.items():
            if real.startswith(work):
                raise BatchError(f"{label}: reads {real}, inside the batch's own folder {WORK_FOLDER}; move it out")


_MANIFEST = "the manifest"


class _Inputs:
    """Every input of a batch, by real path and by device and inode (a hard link is the same file)."""

    def __init__(self) -> None:
        self.by_path: dict[str, str] = {}
        self.by_node: dict[tuple[int, int], str] = {}

    def add(self, path: Path, label: str) -> None:
        real = os.path.realpath(path)
        self.by_path.setdefault(real, label)
        try:
            st = os.stat(real)
        except (OSError, ValueError):
            return
        self.by_node.setdefault((st.st_dev, st.st_ino), label)

    def owner(self, path: Path, folder: str) -> str | None:
        """The label of the job (or "the manifest") that reads ``path``, an output in ``folder``."""
        real = os.path.realpath(os.path.join(folder, path.name))
        if real in self.by_path:
            return self.by_path[real]
        try:
            st = os.stat(real)
        except (OSError, ValueError):
            return None
        return self.by_node.get((st.st_dev, st.st_ino))

    def shown(self, path: Path, folder: str) -> str:
        return os.path.realpath(os.path.join(folder, path.name))


def _check_kind(kind: str, fmt: str) -> None:
    if kind not in JOB_KINDS:
        raise BatchError(f"unknown kind {kind!r}; expected one of {', '.join(JOB_KINDS)}")
    module, function, extensions = JOB_KINDS[kind]
    if fmt not in extensions:
        raise BatchError(f"{kind} output cannot be written as {fmt!r}; expected one of {', '.join(extensions)}")
    try:
        getattr(importlib.import_module(module), function)
    except (ImportError, AttributeError) as err:
        raise BatchError(f"{kind} output needs {module}.{function}, which this installation lacks ({err})") from None


def read_jobs(source: str | os.PathLike[str], out_dir: str | os.PathLike[str], *, kind: str = "overlay",
              format: str = BATCH_FORMAT, defaults: Mapping[str, Any] | None = None) -> Manifest:
    """Read and check the jobs of a manifest or a results folder.

    Parameters
    ----------
    source : path
        A ``.csv``/``.tsv`` manifest (a header line naming the columns, then one job per
        line), a ``.jsonl`` manifest (one JSON object per line, the same keys), or a folder,
        where each ``NAME.json`` is paired with the photo ``NAME.jpg``/``.jpeg``/``.png``/
        ``.webp`` (none: a transparent layer). Columns: ``result`` (required), ``image``,
        ``output`` (file name in ``out_dir``; default: the result's stem) and any of
        :data:`~maskrender.batch.COLUMNS`: for both kinds ``mask_set`` (or its older name
        ``masks``), ``only``, ``opacity``, ``fill``, ``point_radius``, ``line_width``, ``outline``,
        ``strict``, ``quality``, ``compress_level``; for overlays ``side`` (or ``all``), ``size``, ``embed_image``; for
        reports ``title``, ``subject``, ``width``, ``page``, ``dpi``, ``columns``,
        ``image_left``, ``image_right``, ``before``, ``before_image``, ``lang``, ``fonts``.
        ``only``, ``fill`` and ``fonts`` take several values separated by ``;`` or ``|``
        (``pores=#00A0FF;acne=red``).
        Relative paths (also a ``lang`` catalogue file, unless it names a shipped language, and
        ``fonts`` files) are resolved against the manifest's folder; empty cells take the default.
    out_dir : path
        The output folder. Output names are sanitised so no cell can write outside it.
    kind : {"overlay", "report"}
    format : str
        Extension of outputs whose ``output`` cell names none (``png``, ``jpg``, ``webp``,
        ``svg``; reports also ``pdf`` and ``html``).
    defaults : mapping, optional
        Option values for every job (cells override them; ``fill`` cells add to them), by option
        name (an older name such as ``masks`` is read as the name now, ``mask_set``).

    Raises
    ------
    BatchError
        Naming the file, line and column of the first problem; or two jobs writing one file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "jobs.csv").write_text(
    ...     "result,image,output,only,opacity\\n"
    ...     "../fixtures/acne.json,../fixtures/portrait.jpg,visit 1/acne,acne|papules,0.4\\n")
    >>> jobs = read_jobs(folder / "jobs.csv", folder / "out", defaults={"mask_set": "original"})
    >>> len(jobs)
    1
    >>> job = next(iter(jobs))
    >>> job.output.name, job.options["only"], job.options["style"].opacity, job.label
    ('visit_1_acne.png', ('acne', 'papules'), 0.4, 'jobs.csv line 2')
    >>> _ = (folder / "bad.csv").write_text("result,opacity\\nacne.json,2\\n")
    >>> read_jobs(folder / "bad.csv", folder / "out")
    Traceback (most recent call last):
      ...
    maskrender.errors.BatchError: bad.csv line 2, column 'opacity': expected a number from 0 to 1, not '2'
    """
    src = Path(os.path.abspath(source))
    out = Path(os.path.abspath(out_dir))
    fmt = format.lower().lstrip(".")
    _check_kind(kind, fmt)
    if out.exists() and not out.is_dir():
        raise BatchError(f"{out}: the output folder is a file")
    checked: dict[str, Any] = {}
    for given, value in (defaults or {}).items():
        key = ALIASES.get(given, given)
        if key in checked:
            raise BatchError(f"option {key!r} given twice (also as {given!r}, its older name)")
        if key not in OPTION_PARSERS:
            raise BatchError(f"unknown option {key!r}; known options: {', '.join(OPTION_PARSERS)}")
        if ONLY_FOR.get(key, kind) != kind:
            if value in (None, False) or (key == "side" and value == SIDE):   # a default: ignore
                continue
            raise BatchError(f"option {key!r} applies to {ONLY_FOR[key]} output only, not {kind}")
        if value is not None:
            try:
                checked[key] = OPTION_PARSERS[key](value)
            except ValueError as err:
                raise BatchError(f"option {key!r}: {err}") from None
            checked.update(resolve_files({key: checked[key]}, lambda k, name: Path(os.path.abspath(name))))
    if src.is_dir():
        return Manifest(src, out, kind, fmt, checked, _folder_rows(src))
    if not src.exists():
        raise BatchError(f"{src}: no such manifest or folder")
    if src.suffix.lower() not in MANIFEST_SUFFIXES:
        raise BatchError(f"{src}: expected a folder or a manifest ending in {', '.join(MANIFEST_SUFFIXES)}")
    return Manifest(src, out, kind, fmt, checked, None)
