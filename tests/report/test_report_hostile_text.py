"""Hostile text in a report (issue 22, report items): line and paragraph separators in any name
or title, strings over Pillow's million-character limit, catalogues whose format specs would
build huge strings or raise, damaged font files, and a DPI too small for a page.

Oracles: poppler's ``pdftotext`` (the PDF's text), the XML parser (the SVG), and the messages.
"""

from __future__ import annotations

import copy
import json
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from helpers import FIXTURES
from helpers.report import tool

from maskrender.cli import main
from maskrender.errors import InputError
from maskrender.report import build_report, report_file
from maskrender.report.i18n import LANG_DIR

SEPARATORS = "\u2028\u2029\u0085\x0b\x0c"


def _salted(value: Any, salt: str) -> Any:
    """Every name-like string of a results document with ``salt`` inserted after its third character."""
    if isinstance(value, dict):
        return {k: (v[:3] + salt + v[3:] if k in ("name", "area_name", "error") and isinstance(v, str)
                    else _salted(v, salt)) for k, v in value.items()}
    if isinstance(value, list):
        return [_salted(v, salt) for v in value]
    return value


@pytest.fixture(scope="module")
def separated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("separators")
    data = _salted(json.loads((FIXTURES / "results_list.json").read_text(encoding="utf-8")), " A" + SEPARATORS + "B")
    src = tmp / "sep.json"
    src.write_text(json.dumps(data), encoding="utf-8")
    return src


@pytest.mark.parametrize("fmt", ["png", "svg", "html", "pdf"])
def test_line_and_paragraph_separators_in_names_and_titles_are_spaces(separated: Path, fmt: str,
                                                                       tmp_path: Path) -> None:
    """A U+2028 or U+2029 in a name crashed every format (``raqm_layout() failed``)."""
    out = report_file(separated, tmp_path / f"r.{fmt}", FIXTURES / "restored.jpg", title="Visit\u20283",
                      subject="ID\u20290042")
    data = out.read_bytes()
    assert data
    if fmt == "pdf":
        text = subprocess.run([tool("pdftotext"), str(out), "-"], capture_output=True, text=True, check=True,
                              timeout=120).stdout
        assert "Visit 3" in text
        assert "Por A B" in " ".join(text.split())  # "Pores" with the separators as spaces
    if fmt in ("svg", "html"):
        assert not any(c in data.decode("utf-8") for c in "\u2028\u2029\x0b\x0c")


@pytest.mark.slow
def test_a_string_over_a_million_characters_is_shown_cut(tmp_path: Path) -> None:
    """Pillow refuses to lay out more than a million characters ("too many characters in string",
    naming neither file nor field); the report shows the beginning of the string, cut to fit."""
    data = json.loads((FIXTURES / "pores.json").read_text(encoding="utf-8"))
    long = "Forehead " + "x" * 1_200_000
    data = copy.deepcopy(data)
    for area in data["result"]["area_results"]:
        area["area_name"] = long
    src = tmp_path / "long.json"
    src.write_text(json.dumps(data), encoding="utf-8")
    report = build_report(src, FIXTURES / "restored.jpg", title="T" * 1_200_000)
    assert report.image().width == 1240
    assert max(len(t.text) for t in report.layout.texts()) < 400
    out = tmp_path / "r.pdf"
    out.write_bytes(report.pdf())
    text = subprocess.run([tool("pdftotext"), str(out), "-"], capture_output=True, text=True, check=True,
                          timeout=120).stdout
    assert "Forehead" in text
    assert len(report.html()) < 2_000_000


def test_a_dpi_too_small_for_the_page_says_so(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """--dpi 30 used to complain about ``width``, an option the user did not give."""
    with pytest.raises(InputError, match=r"dpi 30 makes an A4 page 248 px wide.*at least 39 dpi"):
        build_report(FIXTURES / "pores.json", FIXTURES / "restored.jpg", dpi=30)
    code = main(["report", str(FIXTURES / "pores.json"), "--image", str(FIXTURES / "restored.jpg"), "--dpi", "30",
                 "-o", str(tmp_path / "r.pdf")])
    err = capsys.readouterr().err
    assert code == 2
    assert "width" not in err
    assert "--dpi 30" in err or "dpi 30" in err
    assert not (tmp_path / "r.pdf").exists()


@pytest.mark.parametrize("text", ["{day:>300000000} {month} {year}", "{day} {month:d} {year}",
                                  "{day} {month} {year:%Y}", "{day!r} {month} {year}",
                                  "{day.__class__} {month} {year}", "{day[0]} {month} {year}"])
def test_catalogue_format_specs_are_refused_when_the_catalogue_loads(text: str, tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """Placeholders were checked by name only: ``{day:>300000000}`` built 300 MB strings (then
    MemoryError), ``{month:d}`` and ``{year:%Y}`` raised ValueError tracebacks at every report."""
    english = json.loads((LANG_DIR / "en.json").read_text(encoding="utf-8"))
    key = next(k for k, v in english.items() if isinstance(v, str) and "{day}" in v and "{month}" in v)
    words = tmp_path / "words.json"
    words.write_text(json.dumps({key: text}), encoding="utf-8")
    with pytest.raises(InputError, match=rf"words\.json: {key}: expected a text with plain"):
        build_report(FIXTURES / "pores.json", FIXTURES / "restored.jpg", lang=str(words))
    code = main(["report", str(FIXTURES / "pores.json"), "--image", str(FIXTURES / "restored.jpg"), "--lang",
                 str(words), "-o", str(tmp_path / "r.png")])
    err = capsys.readouterr().err
    assert code == 2
    assert "Traceback" not in err
    assert err.count("\n") == 1


def _damaged_fonts(folder: Path) -> dict[str, Path]:
    """Broken downloads of the bundled font: cut short at several points, glyph outlines scrambled,
    the glyph index (loca) scrambled, the header's magic number wrong."""
    from fontTools.ttLib import TTFont

    from maskrender.report.text import FONT_DIR

    source = FONT_DIR / "DejaVuSans.ttf"
    data = source.read_bytes()
    tables = TTFont(str(source), lazy=True).reader.tables
    out: dict[str, bytes] = {f"cut at {n}": data[:n] for n in (12, 2000, len(data) // 3, len(data) - 4000)}
    rng = np.random.default_rng(22)
    for tag, step in (("glyf", 97), ("loca", 7)):
        entry = tables[tag]
        scrambled = bytearray(data)
        at = np.arange(entry.offset + 16, entry.offset + entry.length, step)
        scrambled_values = rng.integers(0, 256, len(at))
        for i, v in zip(at.tolist(), scrambled_values.tolist(), strict=True):
            scrambled[i] = v
        out[f"{tag} scrambled"] = bytes(scrambled)
    head = bytearray(data)
    head[tables["head"].offset + 12:tables["head"].offset + 16] = b"\0\0\0\0"  # magicNumber
    out["head magic"] = bytes(head)
    paths = {}
    for name, blob in out.items():
        path = folder / f"{name.replace(' ', '-')}.ttf"
        path.write_bytes(blob)
        paths[name] = path
    return paths


@pytest.mark.slow
def test_a_damaged_font_file_is_one_clean_error(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    """A broken ``--font`` file raised ``struct.error``, ``OSError: invalid composite glyph``,
    fontTools' ``TTLibError``, and fontTools' log lines reached stderr unprefixed."""
    for name, font in _damaged_fonts(tmp_path).items():
        out = tmp_path / f"{font.stem}.png"
        code = main(["report", str(FIXTURES / "results_list.json"), "--image", str(FIXTURES / "restored.jpg"),
                     "--font", str(font), "-o", str(out)])
        captured = capfd.readouterr()
        lines = captured.err.splitlines()
        if code == 0:  # a damage fontTools and FreeType both read past (the magic number): drawn, silently
            assert lines == [], (name, lines)
            assert out.exists()
            continue
        assert code == 2, (name, captured.err)
        assert len(lines) == 1, (name, lines)
        assert lines[0].startswith("maskrender: error: "), (name, lines)
        assert str(font) in lines[0], (name, lines)
        assert not out.exists()
