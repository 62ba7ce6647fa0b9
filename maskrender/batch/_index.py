"""The review page of a batch, ``OUT/index.html`` (``maskrender batch --index``).

One table row per job: its thumbnail (made once by the worker, ``OUT/.maskrender-batch/thumbs``, loaded
lazily) linked to its output, where it came from, its status, the main metric of each algorithm, and a
failure's message. Every column sorts (a button in its header), a text filter keeps the rows holding
every word typed, and both are kept in the address (``index.html#sort=acne&order=desc&q=failed``), so a
view can be shared or bookmarked. The page is one file with its style and script inline: it works
offline, loads nothing from elsewhere, and is read on a phone as one card per job.

Built for 10,000 jobs: the rows are written once as HTML (the browser lays out nothing per row from a
script; sorting reads each column once and moves the rows in one go), images load only when scrolled to,
and writing the page is one pass over the rows.
"""

from __future__ import annotations

import html
import os
import re
import time
import urllib.parse
from collections.abc import Iterable, Mapping, Sized
from pathlib import Path
from typing import Any

from maskrender.batch._index_assets import SCRIPT, STYLE
from maskrender.batch._jobs import Job, Outcome
from maskrender.batch._review import THUMBS
from maskrender.errors import BatchError

__all__ = ["INDEX_FILE", "IndexPage"]

INDEX_FILE = "index.html"
"""The review page's name in the output folder."""

_MARK = '<meta name="generator" content="maskrender batch">'
_POLICY = ("default-src 'none'; img-src 'self' file: data:; style-src 'unsafe-inline'; "
           "script-src 'unsafe-inline'; base-uri 'none'; form-action 'none'")
_STATUS = {"done": "made", "skipped": "kept", "failed": "failed"}
_DIGITS = re.compile(r"(\d+)")

_Row = tuple[str, str, str, str, str, Mapping[str, Any] | None]
"""(link to the output, output name, source, status, message, review data)."""


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _key(name: str) -> str:
    """The column's name in the page's address (``#sort=acne``); an algorithm named like a fixed column is
    told apart."""
    return f"metric:{name}" if name in ("output", "source", "status", "message") else name


def _natural(text: str) -> list[tuple[int, str]]:
    """A sort key putting ``jobs.csv line 10`` after ``jobs.csv line 9``.

    >>> sorted(["a line 10", "a line 9", "b"], key=_natural)
    ['a line 9', 'a line 10', 'b']
    """
    return [(1, part) if i % 2 == 0 else (0, part.zfill(20)) for i, part in enumerate(_DIGITS.split(text))]


def _link(out: Path, path: Path) -> str:
    """A relative URL from the page to ``path``: every character that means something in a URL escaped."""
    try:
        rel = os.path.relpath(path, out)
    except ValueError:          # another drive
        rel = os.fspath(path)
    return urllib.parse.quote(Path(rel).as_posix(), safe="/", errors="surrogateescape")   # the name's own bytes


class IndexPage:
    """The rows of the review page, gathered as outcomes arrive, then written in one pass.

    >>> import tempfile
    >>> from pathlib import Path
    >>> out = Path(tempfile.mkdtemp())
    >>> page = IndexPage(out, 1)
    >>> page.add(Outcome(Job("fixtures/acne.json", out / "<b>.png"), "failed", error="ParseError",
    ...                  message="bad <json>"))
    >>> text = page.write(out / ".maskrender-batch").read_text(encoding="utf-8")
    >>> "&lt;b&gt;.png" in text and "bad &lt;json&gt;" in text and "<b>" not in text
    True
    """

    def __init__(self, out: Path, total: int | None = None) -> None:
        self.out = out
        self.path = out / INDEX_FILE
        self.total = total
        self.rows: list[_Row] = []
        self.columns: dict[str, None] = {}    # algorithm labels, in the order first seen
        self.counts = {"done": 0, "skipped": 0, "failed": 0}

    def check(self, jobs: Iterable[Job]) -> None:
        """Before any work: refuse a batch whose job writes the page, or an ``index.html`` this batch did
        not write (it would be replaced). Jobs are looked at only if they can be read twice (a list, a
        :class:`~maskrender.batch.Manifest`)."""
        if isinstance(jobs, Sized):
            for job in jobs:
                if os.path.normcase(os.fspath(job.output)) == os.path.normcase(os.fspath(self.path)):
                    raise BatchError(f"{job.label}: writes {self.path}, the batch's review page (--index); "
                                     "give it another name in an 'output' column")
        try:
            with open(self.path, "rb") as fh:
                head = fh.read(4096)
        except FileNotFoundError:
            return
        except OSError as err:
            raise BatchError(f"{self.path}: cannot read it: {err.strerror or err}") from None
        if _MARK.encode() not in head:
            raise BatchError(f"{self.path}: exists and was not written by maskrender batch --index; move it away, "
                             "or choose another output folder")

    def add(self, outcome: Outcome) -> None:
        """One job's row."""
        job = outcome.job
        self.counts[outcome.status] += 1
        message = f"{outcome.error}: {outcome.message}" if outcome.status == "failed" else ""
        review = outcome.review
        if review is not None:
            metrics = review.get("metrics")
            if isinstance(metrics, Mapping):
                self.columns.update(dict.fromkeys(metrics))
        self.rows.append((_link(self.out, job.output), job.output.name, job.label, outcome.status, message, review))

    def _head(self) -> list[str]:
        cells = ['<th scope="col" data-key="output"><button type="button">Output</button></th>',
                 '<th scope="col" data-key="source"><button type="button">Source</button></th>',
                 '<th scope="col" data-key="status"><button type="button">Status</button></th>']
        cells += [f'<th scope="col" data-key="{_e(_key(name))}" data-type="number"><button type="button">'
                  f'<bdi>{_e(name)}</bdi></button></th>' for name in self.columns]
        cells.append('<th scope="col" data-key="message"><button type="button">Message</button></th>')
        return cells

    def _row(self, row: _Row, thumbs: str, labels: list[str]) -> str:
        href, name, source, status, message, given = row
        review: Mapping[str, Any] = given or {}
        thumb = review.get("thumb")
        if isinstance(thumb, str) and status != "failed":
            size = f' width="{int(review.get("width") or 0)}" height="{int(review.get("height") or 0)}"'
            picture = (f'<img src="{thumbs}/{urllib.parse.quote(thumb)}" alt="" loading="lazy" '
                       f'decoding="async"{size}>')
        else:
            picture = ""
        output = (f'<td class="out" data-v="{_e(name)}"><a href="{href}">{picture}<bdi>{_e(name)}</bdi></a></td>'
                  if status != "failed" else f'<td class="out" data-v="{_e(name)}"><bdi>{_e(name)}</bdi></td>')
        cells = [output, f'<td data-label="Source"><bdi>{_e(source)}</bdi></td>',
                 f'<td class="st" data-label="Status">{_STATUS[status]}</td>']
        found = review.get("metrics")
        metrics: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
        for label, escaped in zip(self.columns, labels, strict=True):
            m = metrics.get(label)
            if not isinstance(m, Mapping):
                cells.append(f'<td class="num" data-label="{escaped}"></td>')
            elif m.get("error"):
                cells.append(f'<td class="num err" data-label="{escaped}">{_e(m["error"])}</td>')
            else:
                value = m.get("value")
                v = "" if not isinstance(value, (int, float)) else repr(float(value))
                grade = f" <small>{_e(m['grade'])}</small>" if m.get("grade") else ""
                cells.append(f'<td class="num" data-label="{escaped}" data-v="{v}">{_e(m.get("display", ""))}'
                             f'{grade}</td>')
        cells.append(f'<td class="msg" data-label="Message"><bdi>{_e(message)}</bdi></td>' if message
                     else '<td class="msg"></td>')
        return f'<tr class="{status}">{"".join(cells)}</tr>'

    def write(self, work: Path) -> Path:
        """Write ``index.html`` (atomically); ``work`` is the batch's own folder, where the thumbnails are."""
        from maskrender.atomic import atomic_write

        thumbs = _link(self.out, work / THUMBS)
        labels = [_e(name) for name in self.columns]
        n = len(self.rows)
        c = self.counts
        title = f"Batch review: {self.out.name or self.out}"
        left = f", {self.total - n:,} not reached" if self.total is not None and self.total > n else ""
        parts = [
            "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">', _MARK,
            f'<meta http-equiv="Content-Security-Policy" content="{_POLICY}">',
            f"<title>{_e(title)}</title>", f"<style>{STYLE}</style>", "</head>", "<body>",
            f"<header><h1>{_e(title)}</h1>",
            f"<p>{n:,} jobs: {c['done']:,} made, {c['skipped']:,} kept from an earlier run, {c['failed']:,} failed"
            f"{left}. Written {_e(time.strftime('%Y-%m-%d %H:%M'))}.</p>",
            "<p>Click a column's name to sort by it; type words to keep the jobs holding all of them "
            "(<a href=\"#q=failed\">failures only</a>).</p></header>",
            "<main>",
            '<form id="search" role="search"><label for="filter">Filter</label> '
            '<input id="filter" type="search" autocomplete="off" placeholder="name, algorithm, grade, error">'
            f' <output id="shown" for="filter" aria-live="polite">{n:,} of {n:,} jobs shown</output></form>',
            '<table id="jobs">',
            f"<caption>{n:,} jobs; metrics are each algorithm's main score on the face</caption>",
            f"<thead><tr>{''.join(self._head())}</tr></thead>", "<tbody>",
        ]
        rows = sorted(self.rows, key=lambda row: _natural(row[2]))    # the jobs' order, not that of completion
        parts += [self._row(row, thumbs, labels) for row in rows]
        parts += ["</tbody>", "</table>", "</main>", f"<script>{SCRIPT}</script>", "</body>", "</html>", ""]
        atomic_write(self.path, "\n".join(parts).encode("utf-8", "replace"))   # a lone surrogate: U+FFFD
        return self.path
