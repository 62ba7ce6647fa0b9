"""No process-wide side effects: library calls leave warnings filters, the garbage collector,
Pillow's globals, the umask and the environment as they found them, and are safe from threads."""

from __future__ import annotations

import contextlib
import gc
import hashlib
import io
import os
import sys
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from helpers import FIXTURES
from PIL import Image

import maskrender as mr
from maskrender.info import summarize
from maskrender.report import build_report, report_file

RESULTS = FIXTURES / "results_list.json"
PHOTO = FIXTURES / "restored.jpg"


def _umask() -> str:
    """The umask as the kernel reports it (reading it with os.umask would change it)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("Umask:"):
            return line.split()[1]
    pytest.skip("no /proc/self/status umask on this system")


def _state() -> dict[str, Any]:
    return {
        "filters": list(warnings.filters),
        "showwarning": warnings.showwarning,
        "gc": gc.isenabled(),
        "gc_threshold": gc.get_threshold(),
        "max_image_pixels": Image.MAX_IMAGE_PIXELS,
        "umask": _umask(),
        "recursion": sys.getrecursionlimit(),
        "environ": dict(os.environ),
        "cwd": os.getcwd(),
    }


CALLS: dict[str, Callable[[Path], object]] = {
    "load": lambda tmp: mr.load(RESULTS),
    "info": lambda tmp: summarize(mr.load(RESULTS)),
    "render": lambda tmp: mr.render(RESULTS, PHOTO),
    "render_svg": lambda tmp: mr.render_svg(RESULTS, PHOTO, embed_image=True),
    "render_file png": lambda tmp: mr.render_file(RESULTS, tmp / "o.png", PHOTO),
    "render_file jpg": lambda tmp: mr.render_file(RESULTS, tmp / "o.jpg", PHOTO),
    "aspect warning": lambda tmp: mr.render(RESULTS, Image.new("RGB", (300, 200))),
    "report png": lambda tmp: report_file(RESULTS, tmp / "r.png", PHOTO, width=640),
    "report pdf": lambda tmp: report_file(RESULTS, tmp / "r.pdf", PHOTO, width=640),
    "report html": lambda tmp: report_file(RESULTS, tmp / "r.html", PHOTO, width=640),
    "bad input": lambda tmp: mr.load(b"{"),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CALLS))
def test_library_calls_leave_process_state_alone(name: str, tmp_path: Path) -> None:
    before = _state()
    with warnings.catch_warnings():  # the test's own filter; the call must not add or remove any
        warnings.simplefilter("ignore", mr.AspectWarning)
        inner = _state()
        with contextlib.suppress(mr.MaskRenderError):
            CALLS[name](tmp_path)
        assert _state() == inner
    assert _state() == before


def _png(image: Image.Image) -> str:
    buf = io.BytesIO()
    image.save(buf, "PNG", compress_level=0)
    return hashlib.sha256(buf.getvalue()).hexdigest()


JOBS: list[tuple[str, Callable[[], str]]] = [
    ("overlay", lambda: _png(mr.render(RESULTS, PHOTO))),
    ("layer", lambda: _png(mr.render(FIXTURES / "acne.json", size=(700, 700)))),
    ("original", lambda: _png(mr.render(FIXTURES / "acne.json", FIXTURES / "portrait.jpg", mask_set="original"))),
    ("svg", lambda: hashlib.sha256(mr.render_svg(RESULTS, size=(512, 512)).encode()).hexdigest()),
    ("report", lambda: _png(build_report(FIXTURES / "acne.json", FIXTURES / "portrait.jpg", width=640,
                                          mask_set="original").image())),
]


@pytest.mark.slow
def test_threads_give_the_bytes_of_serial_calls() -> None:
    serial = [job() for _, job in JOBS]
    with ThreadPoolExecutor(max_workers=4) as pool:
        threaded = list(pool.map(lambda i: JOBS[i % len(JOBS)][1](), range(3 * len(JOBS))))
    assert threaded == serial * 3


# Calls that switch warnings for the whole process while they run (shapely.is_valid wraps GEOS in
# warnings.catch_warnings()): another thread's warning emitted meanwhile is lost. Only the CLI's own
# process and a batch job that has its process to itself may use them.
_PROCESS_WIDE = ("catch_warnings", "simplefilter", "filterwarnings", "shapely.is_valid(", "resetwarnings")
_MAY_SWITCH = {"cli.py", "batch/_worker.py"}


def test_no_library_module_switches_warnings_for_the_whole_process() -> None:
    package = Path(mr.__file__).parent
    found = [f"{path.relative_to(package)}:{n}: {line.strip()}"
             for path in sorted(package.rglob("*.py")) if str(path.relative_to(package)) not in _MAY_SWITCH
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if any(call in line for call in _PROCESS_WIDE) and not line.lstrip().startswith("#")]
    assert found == []
