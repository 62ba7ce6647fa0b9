"""docs/cli.md is what the option registry generates, and --help states the library's default of every option."""

from __future__ import annotations

import dataclasses
import inspect
import re
from collections.abc import Callable
from typing import Any

import pytest
from helpers import ROOT

from maskrender import defaults
from maskrender.batch._run import DEFAULT_TIMEOUT
from maskrender.cli import build_parser
from maskrender.clidoc import reference
from maskrender.completion import commands
from maskrender.export import export_file
from maskrender.options import OPTIONS
from maskrender.overlay import render, render_file, render_svg
from maskrender.report import build_report, report_file
from maskrender.style import Size, Style


def test_the_reference_is_current() -> None:
    assert (ROOT / "docs" / "cli.md").read_text(encoding="utf-8") == reference(), (
        "docs/cli.md is stale: run python -m maskrender.clidoc docs/cli.md")


def _defaults(*calls: Callable[..., Any]) -> dict[str, Any]:
    """Each keyword's default in the library, first call first, with the Style's fields."""
    found: dict[str, Any] = {f.name: (f.default if f.default is not dataclasses.MISSING else None)
                             for f in dataclasses.fields(Style)}
    for call in reversed(calls):
        found.update({k: p.default for k, p in inspect.signature(call).parameters.items()
                      if p.default is not inspect.Parameter.empty})
    return found


LIBRARY = {
    "render": _defaults(render_file, render, render_svg),
    "report": _defaults(report_file, build_report),
    "export": _defaults(export_file),
    "batch": {**_defaults(render_file, render), "timeout": DEFAULT_TIMEOUT},
}


def _stated(value: Any) -> str | None:
    """How a help text states ``value`` (``None``: a default the help need not state as a value)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Size):
        return f"{value.value * 100:g}%" if value.relative else f"{value.value:g}"
    if isinstance(value, (int, float)):
        return "none" if value == 0 else f"{value:g}"
    return str(value) if isinstance(value, str) else None


def _states(helped: str, text: str) -> bool:
    """Whether a help text says ``text`` is the default (``default: 90``, ``default 90``, ``90 (default)``)."""
    pattern = rf"default:?\s+{re.escape(text)}(?![\w.])|{re.escape(text)}\s+\(default\)"
    return re.search(pattern, helped, re.IGNORECASE) is not None


PARSERS = commands(build_parser())
CASES = [(command, name) for command in LIBRARY for name in OPTIONS if name in LIBRARY[command]
         and any(a.dest == name for a in PARSERS[command]._actions)]  # the options each command takes


@pytest.mark.parametrize(("command", "name"), CASES)
def test_help_states_the_library_default(command: str, name: str) -> None:
    parser = PARSERS[command]
    action = next(a for a in parser._actions if a.dest == name)
    text = _stated(LIBRARY[command][name])
    if text is None:
        return
    helped = parser._get_formatter()._expand_help(action)
    assert _states(helped, text), f"{command} --{name}: the library's default is {text}: {helped}"


DEFAULTS: dict[str, Any] = {
    "mask_set": defaults.MASK_SET, "side": defaults.SIDE, "quality": defaults.QUALITY,
    "compress_level": defaults.OVERLAY_COMPRESS_LEVEL, "opacity": defaults.OPACITY, "dpi": defaults.REPORT_DPI,
    "page": defaults.REPORT_PAGE, "columns": defaults.REPORT_COLUMNS, "background": defaults.BACKGROUND,
    "coordinates": defaults.GEOJSON_COORDINATES, "timeout": defaults.BATCH_TIMEOUT,
}
"""The option defaults written in maskrender.defaults: the help of every command that takes the option states
them (``None`` in a signature is the same default, applied inside: the page, the columns, the backdrop)."""


@pytest.mark.parametrize(("command", "name"), [(c, n) for c, parser in PARSERS.items() for n in DEFAULTS
                                               if any(a.dest == n and a.help != "==SUPPRESS=="
                                                      for a in parser._actions)])
def test_help_states_the_value_of_maskrender_defaults(command: str, name: str) -> None:
    parser = PARSERS[command]
    action = next(a for a in parser._actions if a.dest == name and a.help != "==SUPPRESS==")
    helped = parser._get_formatter()._expand_help(action)
    text = _stated(DEFAULTS[name])
    assert text is not None
    if command in ("render", "batch") and name == "mask_set":  # chosen by the photo; else the default
        assert f"else {text};" in helped
        return
    assert _states(helped, text), f"{command} --{name}: maskrender.defaults says {text}: {helped}"
    library = LIBRARY.get(command, {}).get(name)
    assert library in (DEFAULTS[name], None), f"{command}: the library's {name} default {library!r} is not defaults'"


def test_the_batch_format_default_is_the_one_of_defaults() -> None:
    action = next(a for a in PARSERS["batch"]._actions if a.dest == "format")
    assert action.default == defaults.BATCH_FORMAT
    assert f"(default: {defaults.BATCH_FORMAT})" in (action.help or "")


def test_the_overlay_mask_set_default_is_the_one_that_fits() -> None:
    assert LIBRARY["render"]["mask_set"] is None  # chosen by the photo; the help says how
    helped = next(a.help for a in commands(build_parser())["render"]._actions if a.dest == "mask_set")
    assert helped is not None
    assert "fits the photo" in helped
