"""One option registry (maskrender/options.py): the CLI's render, report and batch arguments and the
batch manifest columns are built from it, with one range per option."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from helpers import FIXTURES

from maskrender.batch import COLUMNS, read_jobs
from maskrender.cli import build_parser, main
from maskrender.errors import BatchError, InputError
from maskrender.options import OPTIONS, call_options, options_for


def _flags(command: str) -> set[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {s for a in sub.choices[command]._actions for s in a.option_strings if a.help != argparse.SUPPRESS}


@pytest.mark.parametrize(("command", "kind"), [("render", "overlay"), ("report", "report"), ("batch", None)])
def test_cli_arguments_come_from_the_registry(command: str, kind: str | None) -> None:
    batch = {o.flag for o in OPTIONS.values() if not o.kinds or o.kinds & {"overlay", "report"}}  # + its own
    wanted = {o.flag for o in options_for(kind)} if kind else batch
    flags = _flags(command)
    assert wanted <= flags
    other = {o.flag for o in OPTIONS.values()} - wanted
    assert not (other & flags), f"{command} takes options of another kind: {other & flags}"


def test_manifest_columns_are_the_registry() -> None:
    assert set(COLUMNS) == {"result", "image", "output", *OPTIONS}


# a value out of range must be refused the same way in render, report and a manifest cell
OUT_OF_RANGE = [("quality", "101"), ("quality", "0"), ("opacity", "1.5"), ("compress_level", "10"),
                ("columns", "9"), ("dpi", "0"), ("width", "100"), ("only", " ; "), ("fill", "acne")]


@pytest.mark.parametrize(("name", "value"), OUT_OF_RANGE)
def test_one_range_per_option(name: str, value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    option = OPTIONS[name]
    with pytest.raises(InputError) as caught:
        option.read(value)
    expected = str(caught.value)
    assert expected.startswith(("expected", "a fill"))
    commands = [c for c, k in (("render", "overlay"), ("report", "report")) if k in option.kinds]
    for command in commands:
        out = tmp_path / "o.png"
        assert main([command, str(FIXTURES / "pih_result.json"), option.flag, value, "-o", str(out)]) == 2
        err = capsys.readouterr().err
        assert f"argument {option.flag}: {expected}" in err, err
        assert not out.exists()
    kind = "report" if "overlay" not in option.kinds else "overlay"
    (tmp_path / "jobs.csv").write_text(f"result,{name}\n{FIXTURES / 'pih_result.json'},\"{value}\"\n")
    with pytest.raises(BatchError) as batch:
        read_jobs(tmp_path / "jobs.csv", tmp_path / "out", kind=kind)
    assert str(batch.value) == f"jobs.csv line 2, column {name!r}: {expected}"


def test_cli_and_manifest_give_the_same_call(tmp_path: Path) -> None:
    args = build_parser().parse_args(["render", "r.json", "-o", "o.png", "--only", "acne;pores", "--only", "lines",
                                      "--fill", "acne=red", "--fill", "pores=#00ff00", "--opacity", "0.4",
                                      "--quality", "80", "--side", "all"])
    from maskrender.cli import option_values

    from_cli = call_options(option_values(args), "overlay")
    (tmp_path / "jobs.csv").write_text("result,only,fill,opacity,quality,side\n"
                                       f"{FIXTURES / 'pih_result.json'},acne;pores|lines,acne=red;pores=#00ff00,0.4,80,"
                                       "all\n")
    (job,) = list(read_jobs(tmp_path / "jobs.csv", tmp_path / "out"))
    assert job.options == from_cli
    assert from_cli["only"] == ("acne", "pores", "lines")
    assert from_cli["side"] is None
    assert {k: c.hex for k, c in from_cli["style"].fills.items()} == {"acne": "#ff0000", "pores": "#00ff00"}
    assert from_cli["style"].opacity == 0.4
