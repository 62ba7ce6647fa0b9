"""Helpers of the batch tests (``tests/batch/``): manifests, running the command, reading outputs."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from html.parser import HTMLParser
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


def chromium_dom(page: Path, fragment: str = "") -> str:
    """The DOM of ``page`` (``#fragment`` appended) after its scripts ran, as headless Chromium dumps it."""
    from helpers import find_chromium

    chromium = find_chromium()
    assert chromium, "Chromium is needed (Debian: chromium)"
    with tempfile.TemporaryDirectory(prefix="maskrender-chromium-") as profile:
        cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               f"--user-data-dir={profile}", "--dump-dom", page.as_uri() + (f"#{fragment}" if fragment else "")]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, f"Chromium failed: {done.stderr[-2000:]}"
    assert "</html>" in done.stdout, f"Chromium dumped no page: {done.stderr[-2000:]}"
    return done.stdout


class TableRows(HTMLParser):
    """The body rows of a page's ``<table id="jobs">``: each row's class, ``hidden`` flag and cell texts;
    and every ``<script>``, ``<img>`` and link the page holds."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[dict[str, Any]] = []
        self.scripts = 0
        self.images: list[dict[str, str | None]] = []
        self.links: list[str] = []
        self.root: dict[str, str | None] = {}
        self._in_body = False
        self._cell: list[str] | None = None
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "html":
            self.root = a
        elif tag == "script":
            self.scripts += 1
        elif tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self.rows.append({"class": a.get("class"), "hidden": "hidden" in a, "cells": []})
        elif tag == "td" and self._in_body:
            self._cell = []
        elif tag == "img":
            self.images.append(a)
        if tag == "a" and a.get("href") is not None:
            self.links.append(str(a["href"]))

    def handle_endtag(self, tag: str) -> None:
        if tag == "tbody":
            self._in_body = False
        elif tag == "td" and self._cell is not None:
            self.rows[-1]["cells"].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
