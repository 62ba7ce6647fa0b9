"""CLI conventions: shell completion run by bash itself, "did you mean", -v beside -q, help examples."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys

import pytest
from helpers import ROOT

from maskrender.cli import build_parser, main
from maskrender.completion import commands

BASH = shutil.which("bash")


def complete(line: str) -> list[str]:
    """What bash offers for the last word of ``line`` with the generated script loaded."""
    assert BASH is not None
    words = shlex.split(line) + ([""] if line.endswith(" ") else [])
    script = subprocess.run([sys.executable, "-m", "maskrender", "completion", "bash"], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout
    program = (f"{script}\ncomplete -p maskrender\nCOMP_WORDS=({' '.join(shlex.quote(w) for w in words)})\n"
               f"COMP_CWORD={len(words) - 1}\n_maskrender\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n")
    done = subprocess.run([BASH, "--norc", "--noprofile", "-c", program], cwd=ROOT, capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr
    first, *rest = done.stdout.splitlines()
    assert first == "complete -o filenames -F _maskrender maskrender"  # bash registered it
    return rest


@pytest.mark.skipif(BASH is None, reason="bash is the shell under test")
def test_bash_completes_commands_flags_and_values() -> None:
    assert complete("maskrender re") == ["render", "report"]
    assert complete("maskrender render x.json --mas") == ["--mask-set"]   # the older --masks is not offered
    assert complete("maskrender render x.json --mask-set ") == ["restored", "original"]
    assert complete("maskrender render x.json --masks ") == ["restored", "original"]   # but still completed
    assert complete("maskrender report x.json --page ") == ["a4", "letter"]
    assert "--only" in complete("maskrender export x.json --")
    assert complete("maskrender completion ") == ["bash", "zsh"]
    assert complete("maskrender info fixtures/acne.js") == ["fixtures/acne.json"]   # file names for files


def test_zsh_script_loads_the_same_function_through_bashcompinit(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["completion", "zsh"]) == 0
    zsh = capsys.readouterr().out
    assert zsh.startswith("#compdef maskrender\n")
    assert "autoload -U +X bashcompinit && bashcompinit" in zsh
    assert main(["completion", "bash"]) == 0
    bash = capsys.readouterr().out
    assert bash.split("\n", 1)[1] in zsh  # the same function and `complete` line


@pytest.mark.parametrize(("argv", "hint"), [
    (["rendr", "x.json"], "did you mean 'render'?"),
    (["reprot", "x.json"], "did you mean 'report'?"),
    (["render", "x.json", "-o", "o.png", "--opactiy", "0.3"], "did you mean: --opactiy -> --opacity?"),
    (["export", "x.json", "-o", "o.geojson", "--cordinates=pixels"], "--cordinates=pixels -> --coordinates"),
    (["render", "x.json", "-o", "o.png", "--masks", "orignal"], "did you mean 'original'?"),
])
def test_did_you_mean(argv: list[str], hint: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert hint in err
    assert "Traceback" not in err


def test_verbose_beside_quiet(tmp_path: object, capsys: pytest.CaptureFixture[str]) -> None:
    out = f"{tmp_path}/o.png"
    assert main(["render", "fixtures/acne.json", "--size", "64x64", "-o", out, "-v"]) == 0
    captured = capsys.readouterr()
    assert captured.out == f"wrote {out}\n"
    assert captured.err.startswith("maskrender: ")
    assert " bytes in " in captured.err
    assert main(["render", "fixtures/acne.json", "-o", out, "-q", "-v"]) == 2
    assert "not allowed with argument" in capsys.readouterr().err
    for name, sub in commands(build_parser()).items():
        if name not in ("info", "completion"):
            assert {"-v", "--verbose", "-q", "--quiet"} <= set(sub._option_string_actions), name


def test_top_level_help_shows_an_example_per_command() -> None:
    text = build_parser().format_help()
    lines = [line.strip() for line in text.splitlines() if line.strip().startswith("maskrender ")]
    for name in commands(build_parser()):
        assert any(line.startswith(f"maskrender {name} ") for line in lines), name


def test_export_help_speaks_of_a_photo_only_where_it_takes_one() -> None:
    """The photo is export's --image (its size and file name); --size and --max-size speak of the output."""
    help_text = commands(build_parser())["export"].format_help()
    options = {block.split()[0]: " ".join(block.split()) for block in help_text.split("\n  -")[1:]}
    assert "photo" in options["-image"]
    assert [flag for flag, text in options.items() if "photo" in text.lower() and flag != "-image"] == []
    assert "--size" in help_text
    assert "pixel grid" in help_text
