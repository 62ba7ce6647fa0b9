"""A type checker refuses a misspelt keyword to every public writer (``legnd=`` for ``legend=``), and an
option word outside its choices; the same calls spelt right pass.  mypy is run, strict, on a file of
generated calls, in a fresh process, as a user's CI would run it on their code."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import ROOT

WRITERS = {  # the call, spelt right; the misspelt version replaces its last keyword's name
    "render_file": 'mr.render_file("r.json", "o.png", "p.jpg", quality=80, mask_set="original", legend="top-left")',
    "render_file_io": 'mr.render_file("r.json", io.BytesIO(), format="png", max_size=256, legend="none")',
    "render": 'mr.render("r.json", "p.jpg", side="left", background="dim", legend="top-right")',
    "render_svg": 'mr.render_svg("r.json", embed_image=False, mask_set="restored", legend="bottom-left")',
    "report_file": 'mr.report_file("r.json", "r.pdf", "p.jpg", title="Visit 3", page="Letter", lang="de")',
    "report_file_io": 'mr.report_file("r.json", io.BytesIO(), format="pdf", mask_set="original", subject="x")',
    "build_report": 'mr.build_report("r.json", "p.jpg", dpi=200.0, columns=2, title="x")',
    "export_file": 'mr.export_file("r.json", "m.geojson", coordinates="pixels", size=(10, 10), side="front")',
    "export_style": 'mr.export_file("r.json", "l.png", style=mr.Style(opacity=0.5), mask_set="original")',
}
"""Each writer, called as a user would (the files need not exist: nothing runs)."""

MISSPELT = {"legend": "legnd", "title": "titel", "lang": "lnag", "subject": "subjct", "side": "sdie",
            "mask_set": "maskset"}


def _source(misspelt: bool) -> str:
    lines = ["from __future__ import annotations", "import io", "import maskrender as mr",
             ""]
    for name, call in WRITERS.items():
        if misspelt:
            last = re.findall(r"(\w+)=", call)[-1]
            call = re.sub(rf"\b{last}=(?!.*\b{last}=)", f"{MISSPELT.get(last, last + 'x')}=", call)
        lines += [f"def call_{name}() -> object:", f"    return {call}", ""]
    if not misspelt:  # a word outside its choices: as refused as a misspelt keyword
        lines += ["def wrong_word() -> object:", '    return mr.render_svg("r.json", side="fornt")', ""]
    return "\n".join(lines)


def _mypy(tmp_path: Path, source: str) -> list[str]:
    path = tmp_path / "user_code.py"
    path.write_text(source, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--python-version", "3.10",
                           "--follow-imports", "silent", "--cache-dir", str(tmp_path / "cache"),
                           "--no-error-summary", "--hide-error-context", str(path)],
                          cwd=tmp_path, env={**os.environ, "MYPYPATH": str(ROOT)}, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode in (0, 1), done.stderr
    return [line for line in done.stdout.splitlines() if ": error:" in line]


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory: pytest.TempPathFactory) -> dict[bool, tuple[str, list[str]]]:
    out = {}
    for misspelt in (False, True):
        source = _source(misspelt)
        out[misspelt] = (source, _mypy(tmp_path_factory.mktemp("typed"), source))
    return out


@pytest.mark.slow  # mypy analyses the package (and numpy, shapely, Pillow stubs) once: 10-60 s
def test_every_public_writer_refuses_a_misspelt_keyword(verdicts: dict[bool, tuple[str, list[str]]]) -> None:
    source, errors = verdicts[True]
    lines = source.splitlines()
    flagged = {lines[int(e.split(":")[1]) - 1].strip() for e in errors}
    for name in WRITERS:
        line = lines[lines.index(f"def call_{name}() -> object:") + 1].strip()
        assert line in flagged, f"mypy accepts {line}"
    # the message names the keyword it does not know
    assert any('"legnd"' in e for e in errors), errors


@pytest.mark.slow
def test_the_same_calls_spelt_right_pass_and_a_wrong_word_does_not(
        verdicts: dict[bool, tuple[str, list[str]]]) -> None:
    source, errors = verdicts[False]
    lines = source.splitlines()
    wrong = lines.index("def wrong_word() -> object:") + 2
    assert [e for e in errors if int(e.split(":")[1]) != wrong] == []
    assert any(int(e.split(":")[1]) == wrong and "fornt" in e for e in errors), errors
