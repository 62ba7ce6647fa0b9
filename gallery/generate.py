"""Regenerate the whole gallery: run every ``gallery/make_*.py`` in sorted order.

Each script writes its pictures next to itself from ``fixtures/`` and is run as its own
process (``python gallery/make_NAME.py``) from the repository root, so a new kind of picture
is one new ``make_*.py`` file and nothing else.  Stops at the first script that fails and
exits with its status.

Usage::

    python gallery/generate.py            # every script
    python gallery/generate.py overlays   # only make_overlays.py (names without make_ / .py)
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def scripts(only: list[str] | None = None) -> list[Path]:
    """The ``make_*.py`` scripts of this folder, sorted by name (optionally only some)."""
    found = sorted(HERE.glob("make_*.py"))
    if only:
        wanted = {f"make_{name.removeprefix('make_').removesuffix('.py')}.py" for name in only}
        missing = wanted - {p.name for p in found}
        if missing:
            raise SystemExit(f"generate.py: no such script: {', '.join(sorted(missing))}")
        found = [p for p in found if p.name in wanted]
    return found


def main(argv: list[str]) -> int:
    todo = scripts(argv)
    if not todo:
        print("generate.py: no make_*.py scripts in gallery/", file=sys.stderr)
        return 1
    for script in todo:
        start = time.perf_counter()
        print(f"== {script.name}", flush=True)
        done = subprocess.run([sys.executable, str(script)], cwd=ROOT, check=False)
        if done.returncode != 0:
            print(f"generate.py: {script.name} failed with exit status {done.returncode}", file=sys.stderr)
            return done.returncode
        print(f"   {script.name} done in {time.perf_counter() - start:.1f} s", flush=True)
    total = sum(p.stat().st_size for p in HERE.iterdir() if p.suffix in (".png", ".svg", ".jpg", ".webp"))
    print(f"gallery: {total / 1e6:.2f} MB of pictures")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
