"""Every ```sh and ```python block of README.md and docs/**/*.md runs as written, from the root of a
copy of the repository, on the bundled fixtures, and makes what it says.

What a block "says" is checked three ways: every ``-o FILE`` and ``> FILE`` it names exists and is
not empty afterwards; a block written as a doctest (``>>>``) is run by doctest, outputs compared;
and a ```` ```text output ```` block right after a block is its standard output (doctest's
ELLIPSIS and whitespace rules: ``...`` stands for what varies, such as timings).

Only these are not run here, each for a stated reason the test keeps true:

* the README's two set-up commands: CI runs exactly them (``tests/test_readme.py``), and the first
  creates a virtual environment and installs from the network;
* any line that runs the test suite itself (``-m pytest``): it would run this test again.
"""

from __future__ import annotations

import doctest
import itertools
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import ROOT

pytestmark = pytest.mark.slow  # about a minute: every example of the documentation, one process each

FENCE = re.compile(r"^```([a-z]*)([^\n]*)\n(.*?)^```[ \t]*$", re.M | re.S)
SUITE = re.compile(r"-m pytest\b")
COPIED = ("fixtures", "gallery", "docs", "README.md", "pyproject.toml", "maskrender", "tests", "benchmarks")


@dataclass(frozen=True)
class Block:
    file: str
    line: int
    lang: str
    code: str
    expected: str | None  # the ```text output block right after it, if any

    @property
    def id(self) -> str:
        return f"{self.file}:{self.line}"


def documents() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def blocks() -> list[Block]:
    out: list[Block] = []
    for path in documents():
        text = path.read_text(encoding="utf-8")
        fences = list(FENCE.finditer(text))
        for n, m in enumerate(fences):
            lang = m.group(1)
            if lang not in ("sh", "python"):
                continue
            after = fences[n + 1] if n + 1 < len(fences) else None
            expected = None
            if (after is not None and after.group(1) == "text" and after.group(2).strip() == "output"
                    and not text[m.end():after.start()].strip()):
                expected = after.group(3)
            out.append(Block(str(path.relative_to(ROOT)), text.count("\n", 0, m.start()) + 1, lang, m.group(3),
                             expected))
    return out


def _setup_block() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"## Set-up: two commands\n.*?```sh\n(.*?)```", readme, re.S)
    assert found, "README.md opens with its two set-up commands"
    return found.group(1)


ALL = [b for b in blocks() if not (b.file == "README.md" and b.code == _setup_block())]
"""Every block but the README's set-up commands, which CI runs exactly (checked below)."""


def test_the_documents_have_runnable_blocks() -> None:
    files = {b.file for b in ALL}
    assert {"README.md", "docs/overlay.md"} <= files
    assert any(b.lang == "python" for b in ALL)
    assert any(b.expected is not None for b in ALL)


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the repository (what a fresh clone holds), with the virtual environment linked in."""
    root = tmp_path_factory.mktemp("clone")
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, root / name, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
        elif source.exists():
            shutil.copy2(source, root / name)
    (root / ".venv").symlink_to(Path(sys.executable).parent.parent)
    return root


def _environment(root: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{root / '.venv' / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(root / ".venv")
    env["COLUMNS"] = "100"
    env.pop("PYTHONPATH", None)
    return env


def _outputs(code: str) -> list[str]:
    """The files a shell block says it writes: ``-o FILE`` and ``> FILE`` (not standard output)."""
    found: list[str] = []
    for line in code.replace("\\\n", " ").splitlines():  # a command continued over lines is one line
        if "|| true" in line:  # a command shown failing: it writes nothing, by design
            continue
        line = line.split(" #", 1)[0]
        try:
            words = shlex.split(line)
        except ValueError:
            continue
        if words and words[0] != "maskrender" and ">" not in words:  # -o of another tool (grep -o) is no output
            continue
        for a, b in itertools.pairwise(words):
            if a in ("-o", "--output", ">") and b != "-" and not b.startswith(("/dev/", "-")):
                found.append(b)
    return found


def _check_output(block: Block, stdout: str) -> None:
    if block.expected is None:
        return
    checker = doctest.OutputChecker()
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    assert checker.check_output(block.expected, stdout, flags), (
        f"{block.id}: the output differs from the document's\n--- document\n{block.expected}--- actual\n{stdout}")


def _run_python(block: Block, root: Path) -> str:
    script = root / f"_block_{block.line}.py"
    if block.code.lstrip().startswith(">>>"):
        body = "import doctest, sys\n" \
               f"test = doctest.DocTestParser().get_doctest({block.code!r}, {{}}, {block.id!r}, {block.file!r}, " \
               f"{block.line})\n" \
               "runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)\n" \
               "runner.run(test)\nsys.exit(1 if runner.failures else 0)\n"
        script.write_text(body, encoding="utf-8")
    else:
        script.write_text(block.code, encoding="utf-8")
    try:
        done = subprocess.run([str(root / ".venv" / "bin" / "python"), script.name], cwd=root,
                              env=_environment(root), capture_output=True, text=True, timeout=600, check=False)
    finally:
        script.unlink()
    assert done.returncode == 0, f"{block.id} failed:\n{block.code}\n--- stdout\n{done.stdout}\n--- stderr\n" \
                                 f"{done.stderr}"
    return done.stdout


def _run_sh(block: Block, root: Path) -> str:
    code = block.code
    lines = [line for line in code.splitlines() if not SUITE.search(line)]
    done = subprocess.run(["bash", "--norc", "--noprofile", "-e", "-o", "pipefail", "-c", "\n".join(lines)],
                          cwd=root, env=_environment(root), capture_output=True, text=True, timeout=900,
                          check=False)
    assert done.returncode == 0, f"{block.id} failed:\n{code}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
    for name in _outputs(code):
        path = root / name
        assert path.exists(), f"{block.id}: says it writes {name}, which is not there"
        assert path.is_dir() or path.stat().st_size > 0, f"{block.id}: {name} is empty"
        kept = made(root, block.file, name)  # as this block made it: later documents may write the same name
        kept.parent.mkdir(parents=True, exist_ok=True)
        if path.is_dir():
            shutil.copytree(path, kept, dirs_exist_ok=True)
        else:
            shutil.copy2(path, kept)
    return done.stdout


def made(root: Path, document: str, name: str) -> Path:
    """Where the copy of ``name``, as ``document``'s blocks made it, is kept."""
    return root / ".made" / document / name.lstrip("/")   # a block writing to /tmp/... is kept under .made too


@pytest.mark.parametrize("block", ALL, ids=[b.id for b in ALL])
def test_block_runs_as_written(block: Block, repo: Path) -> None:
    stdout = _run_python(block, repo) if block.lang == "python" else _run_sh(block, repo)
    _check_output(block, stdout)


def test_every_block_not_run_here_is_run_elsewhere() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    for line in _setup_block().splitlines():
        if line.strip() and not line.startswith("#"):
            assert line in ci
    skipped = [line for b in ALL if b.lang == "sh" for line in b.code.splitlines() if SUITE.search(line)]
    assert all(line.lstrip().startswith(".venv/bin/python -m pytest") for line in skipped), skipped


# the README's three jobs make the pictures the README shows (run after the blocks: same copy, same order)
PICTURES = [("overlay.png", "gallery/overlay_all.png"), ("report.png", "gallery/report_single.png")]


@pytest.mark.parametrize(("picture", "shown"), PICTURES)
def test_the_readme_quickstarts_make_the_pictures_it_shows(picture: str, shown: str, repo: Path) -> None:
    from helpers import diff_stats
    from PIL import Image

    with Image.open(made(repo, "README.md", picture)) as a, Image.open(ROOT / shown) as b:
        assert a.size == b.size
        stats = diff_stats(a.convert("RGB"), b.convert("RGB"))
    assert stats.mad < 4.0, stats       # the gallery resizes the photo with Pillow before drawing
    assert stats.within16 > 0.93, stats  # (Lanczos with and without reducing_gap: fine detail differs)


def test_the_readme_batch_makes_the_contact_sheet(repo: Path) -> None:
    import importlib.util

    from helpers import diff_stats
    from PIL import Image

    spec = importlib.util.spec_from_file_location("make_batch_sheet", ROOT / "gallery" / "make_batch_sheet.py")
    assert spec is not None
    assert spec.loader is not None
    make_batch = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_batch)
    manifest = made(repo, "README.md", "jobs.csv").read_text(encoding="utf-8")
    assert manifest == make_batch.MANIFEST  # the README's manifest is the one the picture was made from
    with Image.open(ROOT / "gallery" / "batch_contact_sheet.png") as shown:
        stats = diff_stats(make_batch.sheet(made(repo, "README.md", "out/")), shown.convert("RGB"))
    assert stats.mad < 0.5, stats


def test_the_full_options_example_leaves_the_face_visible(repo: Path) -> None:
    """docs/overlay.md's every-option example on the 512 px portrait: pores as small discs, not a painted face
    (the README's old --point-radius 5 changed 30% of the face's pixels; this one about 7%)."""
    import numpy as np
    from PIL import Image

    styled = made(repo, "docs/overlay.md", "portrait.webp")
    with Image.open(styled) as drawn, Image.open(ROOT / "fixtures" / "portrait.jpg") as photo:
        a = np.asarray(drawn.convert("RGB"), dtype=np.int16)[120:350, 150:400]   # the face
        b = np.asarray(photo.convert("RGB"), dtype=np.int16)[120:350, 150:400]
    changed = float((np.abs(a - b).max(axis=2) > 24).mean())
    assert 0.02 < changed < 0.15, changed
