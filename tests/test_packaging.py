"""Packaging that builds next year: SPDX licence, one version, bounded build requirement, a long
description that reads well on a package index, and no deprecation warning while building."""

from __future__ import annotations

import email
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from helpers import ROOT

import maskrender


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("wheel")
    run = subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-v", "-w", str(out)],
                         capture_output=True, text=True, timeout=600, check=False)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    (found,) = out.glob("maskrender-*.whl")
    return found, run.stdout + run.stderr


def _metadata(wheel: Path) -> email.message.Message:
    with zipfile.ZipFile(wheel) as zf:
        name = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        return email.message_from_bytes(zf.read(name))


@pytest.mark.slow
def test_build_prints_no_deprecation_warning(wheel: tuple[Path, str]) -> None:
    log = wheel[1]
    assert not re.search(r"(?i)deprecat", log), [line for line in log.splitlines() if "eprecat" in line]


@pytest.mark.slow
def test_metadata_licence_version_and_urls(wheel: tuple[Path, str]) -> None:
    meta = _metadata(wheel[0])
    assert meta["License-Expression"] == "MIT AND Bitstream-Vera"
    assert meta["Version"] == maskrender.__version__
    assert {"LICENSE", "maskrender/report/fonts/LICENSE"} <= set(meta.get_all("License-File") or [])
    assert any(c.startswith("Typing :: Typed") for c in meta.get_all("Classifier") or [])
    assert len(meta.get_all("Project-URL") or []) >= 3
    assert meta["Keywords"]


def test_wheel_ships_types_fonts_and_licences(wheel: tuple[Path, str]) -> None:
    with zipfile.ZipFile(wheel[0]) as zf:
        names = set(zf.namelist())
    assert "maskrender/py.typed" in names
    assert "maskrender/report/fonts/DejaVuSans.ttf" in names
    assert any(n.endswith("licenses/LICENSE") for n in names)


def test_long_description_has_no_relative_links(wheel: tuple[Path, str]) -> None:
    body = _metadata(wheel[0]).get_payload()
    assert isinstance(body, str)
    assert "maskrender render" in body
    links = re.findall(r"\]\(([^)]+)\)|src=\"([^\"]+)\"", body)
    relative = [a or b for a, b in links if not re.match(r"https?://", a or b)]
    assert relative == []


def test_version_is_written_in_one_place() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'dynamic = ["version"]' in pyproject
    assert 'version = { attr = "maskrender.__version__" }' in pyproject   # read from the package
    assert len(re.findall(r"(?m)^version\s*=", pyproject)) == 1
    build = re.search(r"requires = \[\"setuptools>=(\d+),<(\d+)\"\]", pyproject)
    assert build is not None, "the build requirement is bounded on both sides"
    assert int(build.group(1)) >= 77  # SPDX license strings
