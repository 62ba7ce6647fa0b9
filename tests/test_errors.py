"""The error contract: every bad value that reaches the public API raises a MaskRenderError subclass
with a message that says what was expected; input errors are also ValueErrors; errors survive
pickling and re-raising with their class and fields."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from helpers import FIXTURES

import maskrender as mr
from maskrender import errors
from maskrender.batch import Job, read_jobs
from maskrender.geometry import fit
from maskrender.model import ViewBox
from maskrender.report import build_report, report_file

PIH = FIXTURES / "pih_result.json"

# (entry point, its call, the class, parts the message must hold)
CASES: list[tuple[str, Callable[[], Any], type[Exception], tuple[str, ...]]] = [
    ("Color.parse", lambda: mr.Color.parse("url(x)"), mr.InputError, ("not a colour", "expected #rrggbb")),
    ("Size.parse", lambda: mr.Size.parse("3 apples"), mr.InputError, ("not a size", "0.1%")),
    ("Size.parse negative", lambda: mr.Size.parse(-1), mr.InputError, ("not a size", ">= 0")),
    ("Style opacity", lambda: mr.Style(opacity=2), mr.InputError, ("opacity", "0 to 1")),
    ("Style fills", lambda: mr.Style(fills={"pores": "nope"}), mr.InputError, ("not a colour",)),
    ("Style line_width", lambda: mr.Style(line_width="wide"), mr.InputError, ("not a size",)),
    ("ViewBox.parse", lambda: ViewBox.parse("0 0 -1 5"), mr.InputError, ("positive width and height",)),
    ("fit", lambda: fit(ViewBox(0, 0, 1, 1), (0, 5)), mr.InputError, ("image size must be positive",)),
    ("load type", lambda: mr.load(42), mr.InputError, ("load() takes a path",)),  # type: ignore[arg-type]
    ("load missing", lambda: mr.load("no/such.json"), mr.ParseError, ("no/such.json", "no such file")),
    ("load format", lambda: mr.load(b'{"mask_type": "point_mask", "features": 3}'), mr.FormatError,
     ("<bytes>", "features", "expected a list")),
    ("render mask_set", lambda: mr.render(PIH, mask_set="both"), mr.InputError,  # type: ignore[call-overload]
     ("mask_set must be one of",)),
    ("render side", lambda: mr.render(PIH, side="top"), mr.InputError,  # type: ignore[call-overload]
     ("side must be one of",)),
    ("render only", lambda: mr.render(PIH, only=["pores"]), mr.SelectionError, ("pih_result.json", "pores")),
    ("render fill", lambda: mr.render(PIH, style=mr.Style(fills={"x": "red"})), mr.SelectionError,
     ("fill name x",)),
    ("render photo", lambda: mr.render(PIH, b"not a photo"), mr.ImageError, ("<photo>",)),
    ("render_svg embed", lambda: mr.render_svg(PIH, embed_image=True), mr.InputError, ("needs a photo",)),
    ("render_file ext", lambda: mr.render_file(PIH, "/tmp/x.bmp"), mr.OutputError, (".bmp", "expected .png")),
    ("render_file level", lambda: mr.render_file(PIH, "/tmp/x.png", compress_level=12), mr.OutputError,
     ("compress_level",)),
    ("report ext", lambda: report_file(PIH, "/tmp/x.docx"), mr.OutputError, (".docx", ".pdf")),
    ("report mask_set", lambda: build_report(PIH, mask_set="all"), mr.InputError,  # type: ignore[arg-type]
     ("mask_set must be",)),
    ("report dpi", lambda: build_report(PIH, dpi=0), mr.InputError, ("dpi",)),
    ("report format", lambda: build_report(FIXTURES / "broken" / "wrong_types.json"), mr.FormatError,
     ("wrong_types.json",)),
    ("Job kind", lambda: Job(PIH, "/tmp/o.png", kind="poster"), mr.InputError, ("kind must be one of",)),
    ("read_jobs", lambda: read_jobs(FIXTURES / "nowhere.csv", "/tmp/out"), mr.BatchError, ("nowhere.csv",)),
]


@pytest.mark.parametrize(("what", "call", "cls", "parts"), CASES, ids=[c[0] for c in CASES])
def test_bad_values_raise_a_mask_render_error(what: str, call: Callable[[], Any], cls: type[Exception],
                                              parts: tuple[str, ...]) -> None:
    with pytest.raises(cls) as caught:
        call()
    assert isinstance(caught.value, mr.MaskRenderError), what
    for part in parts:
        assert part in str(caught.value), (what, str(caught.value))


def test_input_errors_are_value_errors() -> None:
    for cls in (mr.InputError, mr.ParseError, mr.FormatError, mr.ImageError, mr.BatchError):
        assert issubclass(cls, ValueError), cls
    with pytest.raises(ValueError, match="not a colour"):  # code written for bare ValueErrors keeps working
        mr.Color.parse("nope")


def _every_error() -> list[mr.MaskRenderError]:
    out: list[mr.MaskRenderError] = []
    for name in errors.__all__:
        cls = getattr(errors, name)
        if isinstance(cls, type) and issubclass(cls, mr.MaskRenderError):
            if cls is mr.FormatError:
                out.append(mr.FormatError("r.json", "result.area_results[0]", "an object", "int 3"))
            else:
                out.append(cls(f"r.json: a {name}"))
    return out


@pytest.mark.parametrize("err", _every_error(), ids=lambda e: type(e).__name__)
def test_errors_pickle_with_class_and_fields(err: mr.MaskRenderError) -> None:
    again = pickle.loads(pickle.dumps(err))
    assert type(again) is type(err)
    assert str(again) == str(err)
    assert again.__dict__ == err.__dict__


@pytest.mark.parametrize("err", _every_error(), ids=lambda e: type(e).__name__)
def test_prefixed_keeps_class_and_fields(err: mr.MaskRenderError) -> None:
    again = err.prefixed("jobs.csv line 3")
    assert type(again) is type(err)
    assert str(again) == f"jobs.csv line 3: {err}"
    assert again.__dict__ == err.__dict__
    assert pickle.loads(pickle.dumps(again)).__dict__ == err.__dict__


def test_format_error_fields() -> None:
    err = mr.FormatError("r.json", "", "a mask", "null")
    assert (err.source, err.path, err.expected, err.found) == ("r.json", "$", "a mask", "null")
    assert str(err) == "r.json: $: expected a mask, found null"


def test_batch_error_is_exported_once(tmp_path: Path) -> None:
    import maskrender.batch

    assert maskrender.batch.BatchError is mr.BatchError is errors.BatchError
    assert issubclass(mr.BatchError, mr.InputError)
