"""docs/export.md runs as written: every sh and python block from the repository root, and each python
block prints the text block that follows it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import ROOT

DOC = ROOT / "docs" / "export.md"
_BLOCK = re.compile(r"```(\w+)\n(.*?)```", re.S)


def _blocks() -> list[tuple[str, str, str | None]]:
    found = [(m.group(1), m.group(2)) for m in _BLOCK.finditer(DOC.read_text(encoding="utf-8"))]
    return [(lang, code, found[i + 1][1] if i + 1 < len(found) and found[i + 1][0] == "text" else None)
            for i, (lang, code) in enumerate(found) if lang in ("sh", "python")]


@pytest.mark.slow
@pytest.mark.parametrize(("lang", "code", "shown"), _blocks(), ids=lambda v: str(v)[:30].replace("\n", " "))
def test_the_export_doc_runs_as_written(lang: str, code: str, shown: str | None) -> None:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    command = ["bash", "-euo", "pipefail", "-c", code] if lang == "sh" else [sys.executable, "-c", code]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    if lang == "python" and shown is not None:
        assert done.stdout.strip() == shown.strip()
