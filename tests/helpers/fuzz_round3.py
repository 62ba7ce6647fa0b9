"""Case generators and oracles of hostile-input round three (issue 22): ``tests/fuzz_long.py`` takes turns
with them (kinds ``catalogue``, ``font``, ``export_names`` and ``executor``).

* ``catalogue``: a language catalogue (a JSON file) with texts holding hostile placeholders (format specs
  that build huge strings, conversions, attributes, indexes, unknown names), wrong types, unknown keys,
  separators and controls; a PNG report in that language is made, or the call raises an ``InputError``
  naming the catalogue. Never another exception, never a string of the spec's size.
* ``font``: the bundled font with its bytes cut, scrambled or spliced, given as a report font: the report
  is made (the damage missed what is drawn) or an ``InputError`` names the file; fontTools' log lines
  never reach standard error.
* ``export_names``: masks named with path separators, ``..``, NUL, numpy's keyword names, dots, long and
  duplicate names, exported as ``.npz``, label-map ``.png``, ``.coco.json`` and ``.geojson``: the one
  output is written in its folder and nothing else; every ``.npz`` member is a plain unique name and the
  name table inside lists every mask.
* ``executor``: a batch on an executor whose ``submit`` raises, or whose futures fail, after a random
  number of jobs: ``run_batch`` returns a summary, and every job is made or listed in ``errors.jsonl``.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import random
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future
from pathlib import Path
from typing import Any

import numpy as np

import maskrender as mr
from helpers.fuzz import FIXTURES, OracleError, crash
from maskrender.batch import Job, run_batch
from maskrender.export import export_file
from maskrender.report import build_report

__all__ = ["GENERATORS"]

_FONT = Path(mr.__file__).parent / "report" / "fonts" / "DejaVuSans.ttf"
_EN = json.loads((Path(mr.__file__).parent / "report" / "lang" / "en.json").read_text(encoding="utf-8"))
_HOSTILE_TEXTS = ["{day:>300000000}", "{month:d}", "{year:%Y}", "{n!r}", "{n.__class__}", "{n[0]}", "{0}", "{}",
                  "{unknown}", "{{literal}}", "{", "}", "{n:{n}}", "Stirn\u2028links", "\x00\x1b]0;title\x07",
                  "\u202eevil", "x" * 5000, "{n}" * 3]


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[io.StringIO]:
    """Standard error captured for the case (what a library printing to it would show a user), with
    fontTools' logging set as the command line sets it (what it logs is the application's to show)."""
    buffer = io.StringIO()
    logger = logging.getLogger("fontTools")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        with contextlib.redirect_stderr(buffer):
            yield buffer
    finally:
        logger.setLevel(level)


# --------------------------------------------------------------------------- catalogues


def random_catalogue(rng: random.Random) -> dict[str, Any]:
    keys = [k for k in _EN if k != "language"]
    words: dict[str, Any] = {"language": rng.choice(["de", "xx", "", "\x00"])}
    for key in rng.sample(keys, rng.randrange(1, 6)):
        roll = rng.random()
        if roll < 0.6:
            words[key] = rng.choice(_HOSTILE_TEXTS)
        elif roll < 0.8:
            words[key] = rng.choice([5, None, [], {"a": 1}, True])
        else:
            words[key] = _EN[key]
    if rng.random() < 0.2:
        words[rng.choice(["no.such.key", "../x", ""])] = "x"
    return words


def check_catalogue(words: dict[str, Any]) -> bool:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "catalogue.json"
        path.write_text(json.dumps(words), encoding="utf-8")
        try:
            page = build_report(FIXTURES / "acne.json", lang=path, width=600).image()
        except mr.InputError as err:
            if str(path) not in str(err):
                raise OracleError(f"catalogue error does not name the file: {err}"[:300]) from err
            return False
        except Exception as err:
            raise crash("catalogue: ", err) from err
    if page.width != 600:
        raise OracleError(f"the report is {page.width} px wide, not 600")
    return True


# --------------------------------------------------------------------------- fonts


def random_font(rng: random.Random) -> bytes:
    data = bytearray(_FONT.read_bytes())
    roll = rng.randrange(4)
    if roll == 0:
        return bytes(data[: rng.randrange(len(data))])
    if roll == 1:
        for _ in range(rng.randrange(1, 40)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        return bytes(data)
    if roll == 2:
        at = rng.randrange(len(data))
        return bytes(data[:at] + data[at + rng.randrange(1, 4096):])
    return bytes(rng.getrandbits(8) for _ in range(rng.randrange(0, 2048)))


def check_font(data: bytes) -> bool:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "broken.ttf"
        path.write_bytes(data)
        with _quiet_stderr() as stderr:
            try:
                build_report(FIXTURES / "acne.json", fonts=[path], width=600, title="Stirn links").image()
                ok = True
            except mr.InputError as err:
                if str(path) not in str(err):
                    raise OracleError(f"font error does not name the file: {err}"[:300]) from err
                ok = False
            except Exception as err:
                raise crash("font: ", err) from err
        if stderr.getvalue():
            raise OracleError(f"a damaged font wrote to stderr: {stderr.getvalue()[:200]!r}")
    return ok


# --------------------------------------------------------------------------- exports with hostile names

_NAMES = ["acne", "allow_pickle", "file", "names", "../../x", "/abs/x", "a\x00b", "x.npy", "..", ".", "C:\\x", "",
          "a/b", "\u202eevil", "\x1b[2J", "p" * 300, "ACNE", "acne ", "名前"]


def random_export(rng: random.Random) -> tuple[dict[str, Any], str]:
    masks = []
    for i in range(rng.randrange(1, 6)):
        x = 10 + 15 * i
        masks.append({"type": "FeatureCollection", "mask_type": rng.choice(["polygon_mask", "point_mask"]),
                      "view_box": "0 0 100 100", "fill": "#00ff00", "tech_name": rng.choice(_NAMES),
                      "name": rng.choice(_NAMES),
                      "features": [{"type": "Feature", "properties": {},
                                    "geometry": {"type": "Polygon",
                                                 "coordinates": [[[x, 10], [x + 10, 10], [x + 10, 20], [x, 10]]]}}]})
    for m in masks:
        if m["mask_type"] == "point_mask":
            m["features"] = [{"type": "Feature", "properties": {}, "geometry": {"type": "MultiPoint",
                                                                                "coordinates": [[50, 50]]}}]
    doc = {"algorithm_tech_name": "acne", "result": {"area_results": [], "masks_restored": masks}}
    return doc, rng.choice([".npz", ".png", ".coco.json", ".geojson"])


def check_export(doc: dict[str, Any], ending: str) -> bool:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "out"
        folder.mkdir()
        target = folder / f"masks{ending}"
        try:
            export_file(doc, target)
        except mr.MaskRenderError:
            return False
        except Exception as err:
            raise crash(f"export {ending}: ", err) from err
        made = sorted(p.relative_to(tmp).as_posix() for p in Path(tmp).rglob("*") if p.is_file())
        if made != [f"out/masks{ending}"]:
            raise OracleError(f"export {ending} wrote {made}")
        if ending == ".npz":
            with zipfile.ZipFile(target) as z:
                members = [m.removesuffix(".npy") for m in z.namelist()]
            if len(set(members)) != len(members) or not all(m and m.replace("_", "a").replace("-", "a").replace(
                    "@", "a").replace("#", "a").isascii() and m.replace("_", "a").replace("-", "a").replace(
                    "@", "a").replace("#", "a").isalnum() for m in members):
                raise OracleError(f".npz members not plain and unique: {members}")
            with np.load(target) as arrays:
                table = json.loads(str(arrays["names"]))
            if len(table) != len(members) - 1 or set(table) != set(members) - {"names"}:
                raise OracleError(f".npz name table {table} does not list the members {members}")
    return True


# --------------------------------------------------------------------------- executors that fail


class _Failing(Executor):
    """Runs jobs in the calling thread; ``submit`` raises after ``raise_after`` jobs, or futures fail."""

    def __init__(self, raise_after: int, error: BaseException, futures_fail: bool) -> None:
        self.raise_after, self.error, self.futures_fail, self.count = raise_after, error, futures_fail, 0

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        self.count += 1
        if self.count > self.raise_after and not self.futures_fail:
            raise self.error
        future: Future[Any] = Future()
        if self.count > self.raise_after:
            future.set_exception(self.error)
        else:
            future.set_result(fn(*args, **kwargs))
        return future


def random_executor(rng: random.Random) -> tuple[int, int, BaseException, bool]:
    error = rng.choice([ConnectionError("scheduler gone"), RuntimeError("closed client"), OSError(5, "I/O"),
                        ValueError("odd"), KeyError("x")])
    return rng.randrange(2, 6), rng.randrange(0, 5), error, rng.random() < 0.5


def check_executor(jobs: int, raise_after: int, error: BaseException, futures_fail: bool) -> bool:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        batch = [Job(FIXTURES / "acne.json", out / f"job{i}.png") for i in range(jobs)]
        with _quiet_stderr():
            try:
                summary = run_batch(batch, out, executor=_Failing(raise_after, error, futures_fail),
                                    messages=io.StringIO())
            except Exception as err:
                raise crash("executor: ", err) from err
        made = {p.name for p in out.glob("job*.png")}
        listed: set[str] = set()
        if summary.errors is not None:
            for line in summary.errors.read_text(encoding="utf-8").splitlines():
                listed.add(Path(json.loads(line)["job"]["output"]).name)
        if made | listed != {f"job{i}.png" for i in range(jobs)}:
            raise OracleError(f"executor: made {sorted(made)}, listed {sorted(listed)} of {jobs} jobs")
        if summary.done + summary.failed + summary.skipped != jobs:
            raise OracleError(f"executor: summary {summary} does not count {jobs} jobs")
    return summary.failed == 0


GENERATORS: dict[str, Callable[[random.Random], Callable[[], object]]] = {
    "catalogue": lambda rng: (lambda words: lambda: check_catalogue(words))(random_catalogue(rng)),
    "font": lambda rng: (lambda data: lambda: check_font(data))(random_font(rng)),
    "export_names": lambda rng: (lambda case: lambda: check_export(*case))(random_export(rng)),
    "executor": lambda rng: (lambda case: lambda: check_executor(*case))(random_executor(rng)),
}
"""Kind -> a function of a random generator giving the case as a thunk that runs its oracle."""
