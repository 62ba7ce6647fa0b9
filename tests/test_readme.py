"""The README's set-up commands are what CI runs, and they keep working."""

from __future__ import annotations

import re

from helpers import ROOT


def _readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Set-up: two commands\n.*?```sh\n(.*?)```", text, re.S)
    assert block, "README.md must open with a 'Set-up: two commands' section holding a sh block"
    return [line for line in block.group(1).splitlines() if line.strip() and not line.startswith("#")]


def test_readme_has_exactly_two_setup_commands() -> None:
    commands = _readme_commands()
    assert len(commands) == 2
    assert "maskrender render" in commands[0]
    assert "-o overlay.png" in commands[0]
    assert "pytest" in commands[1]


def test_ci_runs_the_readme_commands_verbatim() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    for command in _readme_commands():
        assert command in ci, f".ci/run does not run the README command: {command}"
