"""What a batch keeps in its output folder besides the outputs: ``errors.jsonl`` and its work folder.

* ``errors.jsonl``: one complete line per failed job. A line is written with one ``write`` and,
  if that fails (a full disk), cut back, so the file never ends in half a line; the failures it
  could not take are counted and reported in the summary instead.
* ``.maskrender-batch/``: the batch's own folder, marked as such when it is made. It holds
  ``made.jsonl`` (what each output was made from, so ``--resume`` redoes jobs whose inputs or
  options changed) and, while a run lasts, ``run-<id>/``, where workers render before renaming
  an output into place. A run removes its own ``run-<id>`` when it ends; the next run removes
  what a killed one left there. Nothing outside this folder is ever removed, except an
  ``errors.jsonl`` from an earlier run.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from maskrender.batch._jobs import Outcome
from maskrender.batch._resume import MADE
from maskrender.errors import BatchError

__all__ = ["ERRORS_FILE", "WORK_FOLDER", "ErrorLog", "WorkFolder", "json_line"]

ERRORS_FILE = "errors.jsonl"
"""The file in the output folder where a batch records each failed job."""

WORK_FOLDER = ".maskrender-batch"
"""The batch's own folder inside the output folder."""

_MARK = "ABOUT"
_MARK_TEXT = ("This folder belongs to maskrender batch: made.jsonl records what each output in the folder above "
              "was made from (for --resume); run-* folders hold the work of a run in progress. Delete it to make "
              "--resume redo every output.\n")

_RISKY = re.compile("[\x7f-\x9f\ud800-\udfff\u2028\u2029]")


def json_line(record: Mapping[str, Any]) -> str:
    r"""``record`` as one line of JSON, readable (UTF-8 as is) but with every character a terminal would
    act on escaped: JSON escapes C0 controls itself; DEL, C1 controls (``\x9b`` is CSI), lone
    surrogates and line separators are escaped here, losslessly.

    >>> json_line({"message": "bad \x1b[31mred\x9b2J é"})
    '{"message": "bad \\u001b[31mred\\u009b2J é"}'
    """
    text = json.dumps(record, ensure_ascii=False)
    return _RISKY.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


class ErrorLog:
    """``errors.jsonl``: created on the first failure; an earlier run's list is removed at the start."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None
        self.unrecorded = 0
        self.problem: str | None = None
        try:
            os.unlink(path)  # a stale list from an earlier run (or a symlink): never written through
        except FileNotFoundError:
            pass
        except OSError as err:
            raise BatchError(f"{path}: cannot remove the failures list of an earlier run: {err.strerror or err}; "
                             "remove it, or choose another output folder") from None

    def write(self, outcome: Outcome) -> bool:
        """Record one failure; ``False`` when it could not be (the reason is in :attr:`problem`)."""
        if self.problem is not None:
            self.unrecorded += 1
            return False
        record: dict[str, Any] = {"job": outcome.job.describe(), "error": outcome.error, "message": outcome.message}
        if outcome.details:
            record["traceback"] = outcome.details
        data = (json_line(record) + "\n").encode("utf-8")
        start = 0
        try:
            if self._fd is None:
                flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) \
                    | getattr(os, "O_CLOEXEC", 0)
                self._fd = os.open(self.path, flags, 0o644)
            start = os.lseek(self._fd, 0, os.SEEK_END)
            view = memoryview(data)
            while view:
                written = os.write(self._fd, view)
                view = view[written:]
        except OSError as err:
            self.problem = err.strerror or str(err)
            self.unrecorded += 1
            if self._fd is not None:        # never leave half a line
                with contextlib.suppress(OSError):
                    os.ftruncate(self._fd, start)
            return False
        return True

    def close(self) -> Path | None:
        """Close; the file's path if it holds any failure."""
        if self._fd is None:
            return None
        with contextlib.suppress(OSError):
            os.close(self._fd)
        self._fd = None
        return self.path if os.path.exists(self.path) and os.path.getsize(self.path) else None


class WorkFolder:
    """``OUT/.maskrender-batch``: made.jsonl and this run's ``run-<id>`` folder."""

    def __init__(self, out: Path) -> None:
        self.path = out / WORK_FOLDER
        self.run: Path | None = None

    def open(self, clean: bool = True) -> None:
        """Make (or recognise) the folder, remove what killed runs left (with ``clean``: the output
        folder is locked, so no other run is using it), and start this run's folder."""
        mark = self.path / _MARK
        try:
            self.path.mkdir(exist_ok=True)
            if not mark.is_file():
                if any(self.path.iterdir()):
                    raise BatchError(f"{self.path}: exists but was not made by maskrender batch; move it away, or "
                                     "choose another output folder")
                mark.write_text(_MARK_TEXT, encoding="utf-8")
            for entry in self.path.iterdir() if clean else ():
                if entry.name.startswith("run-") and entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry, ignore_errors=True)   # a killed run's half-made outputs
            self.run = self.path / f"run-{secrets.token_hex(4)}"
            self.run.mkdir()
        except OSError as err:
            raise BatchError(f"{self.path}: cannot prepare the batch's work folder: {err.strerror or err}") from None
        self._compact()

    def close(self) -> None:
        """Remove this run's folder (everything in it was made by this run)."""
        if self.run is not None:
            shutil.rmtree(self.run, ignore_errors=True)
            self.run = None

    def _lines(self) -> Iterator[dict[str, Any]]:
        try:
            fh = open(self.path / MADE, encoding="utf-8", errors="replace")  # noqa: SIM115 - closed below
        except OSError:
            return
        with fh:
            for line in fh:
                with contextlib.suppress(ValueError):
                    record = json.loads(line)
                    if isinstance(record, dict) and isinstance(record.get("output"), str):
                        yield record

    def made(self) -> dict[str, dict[str, Any]]:
        """The latest record of each output (a line a full disk cut short is skipped)."""
        return {r["output"]: r for r in self._lines()}

    def _compact(self) -> None:
        """Rewrite ``made.jsonl`` with only the latest record of each output, when it has grown to
        more than twice that (runs append; before this run's workers start, nothing else writes)."""
        lines = list(self._lines())
        latest = {r["output"]: r for r in lines}
        if len(lines) <= 2 * len(latest) + 100:
            return
        from maskrender.atomic import atomic_write

        with contextlib.suppress(Exception):
            atomic_write(self.path / MADE, "".join(json_line(r) + "\n" for r in latest.values()).encode("utf-8"))
