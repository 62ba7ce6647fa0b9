"""Helpers of the batch tests (``tests/batch/``): manifests, running the command, reading outputs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from helpers import FIXTURES, ROOT

RECORDS = ("acne", "pores", "lines", "redness", "results_list")
WORK = ".maskrender-batch"
"""The batch's own folder in an output folder (made.jsonl, a run's scratch)."""


def write_csv(path: Path, header: str, rows: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def small_manifest(folder: Path, n: int = 6, fmt: str = "png") -> Path:
    """``n`` quick jobs: fixture records on portrait.jpg, in the original frame (512x600)."""
    rows = [f"{FIXTURES}/{RECORDS[i % len(RECORDS)]}.json,{FIXTURES}/portrait.jpg,job{i:02d}.{fmt},original"
            for i in range(n)]
    return write_csv(folder / "jobs.csv", "result,image,output,masks", rows)


def big_manifest(folder: Path, n: int, fmt: str = "jpg") -> Path:
    """``n`` slower jobs: fixture records on the 2416x2416 restored photo."""
    rows = [f"{FIXTURES}/{RECORDS[i % len(RECORDS)]}.json,{FIXTURES}/restored.jpg,job{i:02d}.{fmt}"
            for i in range(n)]
    return write_csv(folder / "jobs.csv", "result,image,output", rows)


def cli(*args: str | os.PathLike[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """``python -m maskrender ARGS`` from the repository root; output captured as text."""
    return subprocess.run([sys.executable, "-m", "maskrender", *map(str, args)], capture_output=True,
                          text=True, cwd=ROOT, timeout=300, **kwargs)


def listing(folder: Path) -> list[str]:
    """The names in ``folder`` but the batch's own work folder, sorted."""
    return sorted(p.name for p in folder.iterdir() if p.name != WORK)


def contents(folder: Path) -> dict[str, bytes]:
    """Every output's bytes by name (not errors.jsonl, not the work folder)."""
    return {name: (folder / name).read_bytes() for name in listing(folder) if name != "errors.jsonl"}
