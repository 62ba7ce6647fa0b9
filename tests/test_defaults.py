"""One word for the mask set (``mask_set=``, ``--mask-set``, a ``mask_set`` column; the older ``masks``
still read), every default and every choice written once in :mod:`maskrender.defaults`, and no
signature restating one."""

from __future__ import annotations

import argparse
import ast
import inspect
import io
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, get_args

import pytest
from helpers import FIXTURES, ROOT, sha256

import maskrender as mr
from maskrender import defaults
from maskrender.batch import read_jobs
from maskrender.cli import build_parser, main
from maskrender.completion import commands
from maskrender.export import coco, coco_many, coverage_arrays, geojson, label_map
from maskrender.options import ALIASES, OPTIONS
from maskrender.overlay import RenderOptions, prepare
from maskrender.report import ReportOptions

ACNE = FIXTURES / "acne.json"          # restored masks in 2416 x 2416, original ones in 512 x 600
PORTRAIT = FIXTURES / "portrait.jpg"   # the photo the original masks belong to


# -- the choices: Literal types and the tuples the registry and the CLI read ----------------------

@pytest.mark.parametrize(("alias", "words"), [
    (defaults.MaskSet, defaults.MASK_SETS), (defaults.Side, defaults.SIDES), (defaults.Corner, defaults.CORNERS),
    (defaults.Legend, defaults.LEGENDS), (defaults.Background, defaults.BACKGROUNDS),
    (defaults.Coordinates, defaults.COORDINATES), (defaults.Page, defaults.PAGES),
])
def test_each_literal_type_and_its_tuple_are_the_same_words(alias: Any, words: tuple[str, ...]) -> None:
    assert get_args(alias) == words
    assert (*defaults.CORNERS, "none") == defaults.LEGENDS


CHOICES = {"mask_set": defaults.MASK_SETS, "side": (*defaults.SIDES, "all"), "legend": defaults.LEGENDS,
           "background": defaults.BACKGROUNDS, "coordinates": defaults.COORDINATES,
           "page": tuple(p.lower() for p in defaults.PAGES)}


@pytest.mark.parametrize("name", sorted(CHOICES))
def test_the_registry_and_every_command_offer_the_words_of_defaults(name: str) -> None:
    assert OPTIONS[name].choices == CHOICES[name]
    taking = [(command, a) for command, parser in commands(build_parser()).items() for a in parser._actions
              if a.dest == name and (a.help != argparse.SUPPRESS or a.option_strings == ["--masks"])]
    assert taking
    for command, action in taking:  # --mask-set and --masks alike
        assert tuple(getattr(action.type, "choices", ())) == CHOICES[name], (command, action.option_strings)


# -- no signature restates a default ----------------------------------------------------------------

WATCHED = {"mask_set", "masks", "side", "quality", "compress_level", "dpi", "page", "coordinates", "timeout",
           "columns"}
"""Parameters whose default lives in maskrender.defaults."""

EXEMPT = {
    ("encode.py", "encode"): "the photo layer's encoder: every writer passes its product's value (render_file, "
                             "encode_picture); another stream owns the module this round",
    ("encode.py", "png_encoder_name"): "as encode",
}


def _literal_defaults(path: Path) -> list[tuple[str, str, object]]:
    found: list[tuple[str, str, object]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            a = node.args
            positional = [*a.posonlyargs, *a.args]
            pairs = [*zip(positional[len(positional) - len(a.defaults):], a.defaults, strict=True),
                     *((k, d) for k, d in zip(a.kwonlyargs, a.kw_defaults, strict=True) if d is not None)]
            found += [(node.name, arg.arg, d.value) for arg, d in pairs
                      if arg.arg in WATCHED and isinstance(d, ast.Constant)
                      and d.value is not None and d.value is not Ellipsis and not isinstance(d.value, bool)]
        elif isinstance(node, ast.ClassDef):  # dataclass fields: Mask.side, Report.dpi, Slot.side ...
            found += [(node.name, s.target.id, s.value.value) for s in node.body
                      if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)
                      and s.target.id in WATCHED | {"mask_set"} and isinstance(s.value, ast.Constant)
                      and s.value.value is not None]
    return found


def test_no_signature_writes_a_default_of_its_own() -> None:
    package = ROOT / "maskrender"
    found = [f"{path.relative_to(package)}: {name}({arg}={value!r})"
             for path in sorted(package.rglob("*.py"))
             for name, arg, value in _literal_defaults(path) if (path.name, name) not in EXEMPT]
    assert found == [], "take these defaults from maskrender.defaults"


PUBLIC: list[Callable[..., Any]] = [
    mr.render, mr.render_svg, mr.render_file, mr.select_masks, prepare, mr.report_file, mr.build_report,
    mr.export_file, geojson, coco, coco_many, label_map, coverage_arrays, mr.Results.masks, mr.Result.masks,
]
CONSTANTS = {"mask_set": defaults.MASK_SET, "side": defaults.SIDE, "quality": defaults.QUALITY,
             "dpi": defaults.REPORT_DPI, "coordinates": defaults.GEOJSON_COORDINATES}


@pytest.mark.parametrize("call", PUBLIC, ids=lambda c: c.__qualname__)
def test_every_public_signature_takes_the_default_of_defaults(call: Callable[..., Any]) -> None:
    params = inspect.signature(call).parameters
    passed = {mr.render_file: RenderOptions, mr.report_file: ReportOptions}.get(call)  # **options: Unpack[...]
    assert "mask_set" in params or (passed is not None and "mask_set" in passed.__annotations__), call.__qualname__
    assert "masks" not in params
    for name, want in CONSTANTS.items():
        if name in params:
            got = params[name].default
            # the drawing calls default to None: the set that fits the photo (else MASK_SET)
            assert got == want or (name == "mask_set" and got is None), (call.__qualname__, name, got)
    if "compress_level" in params:
        want = defaults.REPORT_COMPRESS_LEVEL if call is mr.report_file else defaults.OVERLAY_COMPRESS_LEVEL
        assert params["compress_level"].default == want


def test_the_report_and_the_style_defaults_come_from_defaults() -> None:
    from maskrender.report.theme import THEME

    report = mr.build_report(FIXTURES / "pores.json")
    assert (report.page, report.dpi) == (defaults.REPORT_PAGE, defaults.REPORT_DPI)
    assert report.layout.width == round(210 / 25.4 * defaults.REPORT_DPI)  # A4 at 150 dpi: 1240 px
    assert THEME.columns == defaults.REPORT_COLUMNS
    assert mr.Style().opacity == defaults.OPACITY


# -- the older keywords: still read, with a DeprecationWarning ----------------------------------------

def _png(call: Callable[..., Any], **kwargs: Any) -> bytes:
    buf = io.BytesIO()
    call(ACNE, buf, PORTRAIT, format="png", **kwargs)
    return buf.getvalue()


def test_the_older_masks_keyword_still_draws_the_set_it_names_and_warns() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the new word warns about nothing
        new = _png(mr.render_file, mask_set="original")
    with pytest.warns(DeprecationWarning, match=r"render_file\(masks=\.\.\.\) is now render_file\(mask_set=\.\.\.\)"):
        old = _png(mr.render_file, masks="original")
    assert old == new
    with pytest.warns(DeprecationWarning, match=r"render\(masks="):
        picture = mr.render(ACNE, PORTRAIT, masks="original")  # type: ignore[call-overload]
    assert picture.tobytes() == mr.render(ACNE, PORTRAIT, mask_set="original").tobytes()


@pytest.mark.parametrize(("call", "args"), [
    (mr.render_svg, (ACNE,)), (mr.select_masks, (ACNE,)), (prepare, (ACNE,)), (geojson, (ACNE,)),
    (coco, (ACNE, (51, 60))), (label_map, (ACNE, (51, 60))), (coverage_arrays, (ACNE, (51, 60))),
    (coco_many, ([ACNE], (51, 60))),
], ids=lambda v: getattr(v, "__name__", ""))
def test_every_selecting_call_reads_the_older_keyword_as_the_new_one(call: Callable[..., Any],
                                                                      args: tuple[Any, ...]) -> None:
    def seen(out: Any) -> str:  # prepare: the masks it would draw; the rest: what it returns
        return repr([d.mask.tech_name for d in out[2]]) if call is prepare else repr(out)

    new = seen(call(*args, mask_set="original"))
    with pytest.warns(DeprecationWarning, match=rf"{call.__name__}\(masks=\.\.\.\) is now"):
        old = seen(call(*args, masks="original"))
    assert old == new
    assert new != seen(call(*args, mask_set="restored"))  # the keyword chose something


def test_the_model_reads_its_older_image_keyword() -> None:
    results = mr.load(ACNE)
    with pytest.warns(DeprecationWarning, match=r"masks\(image=\.\.\.\) is now masks\(mask_set=\.\.\.\)"):
        old = results.masks(image="original")  # type: ignore[call-arg]
    assert [m.tech_name for m in old] == ["acne_mask_original", "papules_mask_original"]
    with pytest.warns(DeprecationWarning, match=r"masks\(image="):
        assert results[0].masks(image="original") == results[0].masks(mask_set="original")  # type: ignore[call-arg]


def test_the_reports_read_the_older_keyword() -> None:
    with pytest.warns(DeprecationWarning, match=r"build_report\(masks="):
        old = mr.build_report(ACNE, masks="original")  # type: ignore[call-arg]
    assert old.scene.mask_set == "original"
    with pytest.warns(DeprecationWarning, match=r"report_file\(masks="):
        mr.report_file(FIXTURES / "pores.json", io.BytesIO(), format="svg",  # type: ignore[call-overload]
                       masks="original")


def test_both_names_at_once_is_a_type_error_naming_them() -> None:
    with pytest.raises(TypeError, match=r"render\(\) got both masks= and mask_set="):
        mr.render(ACNE, masks="original", mask_set="restored")  # type: ignore[call-overload]


# -- the command line: --mask-set, and --masks as users already type it --------------------------------

def test_mask_set_and_the_older_masks_flag_make_the_same_picture(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    outs = {flag: tmp_path / f"{flag.strip('-')}.png" for flag in ("--mask-set", "--masks")}
    for flag, out in outs.items():
        assert main(["render", str(ACNE), "--image", str(PORTRAIT), flag, "original", "-o", str(out)]) == 0
    assert main(["render", str(ACNE), "--mask-set", "restored", "--size", "604x604",
                 "-o", str(tmp_path / "restored.png")]) == 0
    capsys.readouterr()
    assert sha256(outs["--mask-set"]) == sha256(outs["--masks"])
    assert sha256(outs["--mask-set"]) == sha256(mr.render_file(ACNE, tmp_path / "py.png", PORTRAIT,
                                                               mask_set="original"))
    assert sha256(outs["--mask-set"]) != sha256(tmp_path / "restored.png")


@pytest.mark.parametrize("command", ["render", "report", "export", "batch"])
def test_help_shows_mask_set_and_names_the_older_flag_once(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main([command, "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "[--mask-set SET]" in text
    assert "[--masks" not in text
    assert "--mask-set SET which mask set to draw" in text
    assert "--masks is its older name" in text


def test_a_bad_value_after_the_older_flag_names_that_flag(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["render", str(ACNE), "--masks", "both", "-o", "x.png"]) == 2
    assert "argument --masks: expected one of restored, original, not 'both'" in capsys.readouterr().err


# -- batch manifests: a mask_set column, and masks as before ---------------------------------------------

@pytest.mark.parametrize("column", ["mask_set", "masks", "Mask-Set", "MASKS"])
def test_a_manifest_column_names_the_set_by_either_word(column: str, tmp_path: Path) -> None:
    manifest = tmp_path / "jobs.csv"
    manifest.write_text(f"result,image,{column}\n{ACNE},{PORTRAIT},original\n", encoding="utf-8")
    (job,) = read_jobs(manifest, tmp_path / "out")
    assert job.options["mask_set"] == "original"
    assert "masks" not in job.options
    lines = tmp_path / "jobs.jsonl"
    lines.write_text(f'{{"result": "{ACNE}", "{column}": "original"}}\n', encoding="utf-8")
    (job,) = read_jobs(lines, tmp_path / "out")
    assert job.options["mask_set"] == "original"


def test_a_json_line_naming_the_set_twice_is_refused(tmp_path: Path) -> None:
    lines = tmp_path / "jobs.jsonl"
    lines.write_text(f'{{"result": "{ACNE}", "masks": "original", "mask_set": "restored"}}\n', encoding="utf-8")
    with pytest.raises(mr.BatchError, match=r"jobs.jsonl line 1: 'masks' and 'mask_set' both name 'mask_set'"):
        read_jobs(lines, tmp_path / "out")


def test_batch_defaults_read_the_older_name(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.json").write_bytes(ACNE.read_bytes())
    (job,) = read_jobs(folder, tmp_path / "out", defaults={"masks": "original"})
    assert job.options["mask_set"] == "original"
    assert ALIASES == {"masks": "mask_set"}
    with pytest.raises(mr.BatchError, match="given twice"):
        read_jobs(folder, tmp_path / "out", defaults={"masks": "original", "mask_set": "restored"})


@pytest.mark.parametrize("column", ["mask_set", "masks"])
def test_a_coco_export_of_a_manifest_reads_the_set_column_by_either_word(column: str, tmp_path: Path) -> None:
    manifest = tmp_path / "jobs.csv"
    manifest.write_text(f"result,image,{column}\n{ACNE},{PORTRAIT},original\n", encoding="utf-8")
    doc = coco_many(manifest)
    assert {a["mask_set"] for a in doc["annotations"]} == {"original"}
    assert (doc["images"][0]["width"], doc["images"][0]["height"]) == (512, 600)  # the portrait's own size
