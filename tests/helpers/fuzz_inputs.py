"""Case generators and oracles for fuzzing what is not JSON results: photos, batch manifests and
command-line options (``tests/fuzz_long.py`` and ``tests/test_hostile_fuzz.py`` use them).

Each generator takes a ``random.Random`` and returns a case; each ``check_*`` raises
:class:`~helpers.fuzz.OracleError` when the case is mishandled: any exception but a
``MaskRenderError``, a warning that is neither maskrender's nor one a photo library emits about a
broken file, a partial or misplaced output, or a traceback on the command line.
"""

from __future__ import annotations

import contextlib
import io
import json
import random
import string
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

import maskrender as mr
from helpers.fuzz import FIXTURES, OracleError, crash

PHOTO_MODES = ["1", "L", "LA", "P", "RGB", "RGBA", "CMYK", "I;16", "I", "F"]
PHOTO_FORMATS = {"PNG": ("1", "L", "LA", "P", "RGB", "RGBA", "I;16", "I"), "JPEG": ("L", "RGB", "CMYK"),
                 "WEBP": ("RGB", "RGBA"), "PPM": ("1", "L", "RGB", "I"), "TIFF": tuple(PHOTO_MODES),
                 "GIF": ("L", "P"), "BMP": ("1", "L", "P", "RGB")}
_SQUARE = {"type": "FeatureCollection", "mask_type": "polygon_mask", "view_box": "0 0 100 100", "fill": "#00ff00",
           "features": [{"geometry": {"type": "Polygon", "coordinates": [[[20, 20], [80, 20], [80, 80], [20, 80]]]}}]}


# --------------------------------------------------------------------------- photos


def random_photo(rng: random.Random) -> bytes:
    """A small photo of a random mode and format, with metadata, then 0-3 byte-level edits."""
    fmt = rng.choice(list(PHOTO_FORMATS))
    mode = rng.choice(PHOTO_FORMATS[fmt])
    w, h = rng.randrange(1, 48), rng.randrange(1, 48)
    arr = np.random.default_rng(rng.getrandbits(32)).integers(0, 256, (h, w, 4), dtype=np.uint8)
    im = Image.fromarray(arr, "RGBA").convert("RGB" if mode in ("CMYK", "P", "1") else "RGBA")
    if mode in ("I;16", "I"):
        im = Image.fromarray(np.asarray(im.convert("L"), dtype=np.uint16) * np.uint16(rng.choice([1, 3, 257])))
        im = im if mode == "I;16" else im.convert("I")
    elif mode == "F":
        im = im.convert("F")
    else:
        im = im.convert(mode)
    params: dict[str, Any] = {}
    if rng.random() < 0.3 and fmt in ("PNG", "JPEG", "WEBP", "TIFF"):
        exif = Image.Exif()
        exif[0x0112] = rng.choice([1, 3, 6, 8, 0, 9, 255])      # orientation, also invalid ones
        exif[0x010F] = "maker"
        params["exif"] = exif.tobytes()
    if rng.random() < 0.2 and fmt in ("PNG", "JPEG", "WEBP", "TIFF"):
        params["icc_profile"] = bytes(rng.getrandbits(8) for _ in range(rng.choice([0, 20, 128])))
    if rng.random() < 0.3 and fmt in ("PNG", "JPEG", "TIFF"):
        params["dpi"] = rng.choice([(72, 72), (300, 150), (0.001, 1e6)])
    if rng.random() < 0.3 and fmt in ("PNG", "GIF") and mode in ("L", "RGB", "P"):
        params["transparency"] = 0 if mode in ("L", "P") else (0, 0, 0)
    buf = io.BytesIO()
    try:
        im.save(buf, fmt, **params)
    except (OSError, ValueError, TypeError, KeyError):   # a combination Pillow does not write
        buf = io.BytesIO()
        im.convert("RGB").save(buf, "PNG")
    raw = bytearray(buf.getvalue())
    for _ in range(rng.choice([0, 0, 1, 2, 3])):
        at = rng.randrange(len(raw) + 1)
        roll = rng.randrange(4)
        if roll == 0:
            del raw[at:]
        elif roll == 1 and at < len(raw):
            raw[at] ^= 1 << rng.randrange(8)
        elif roll == 2:
            raw[at:at] = rng.choice([b"\x00" * 8, b"\xff" * 8, b"IEND", b"\xff\xd9", b"RIFF"])
        else:
            del raw[at:at + rng.randrange(1, 64)]
    return bytes(raw)


def _pillow_complaint(w: warnings.WarningMessage) -> bool:
    """A warning a photo library emits about a broken file (not maskrender's to word)."""
    return "PIL" in (w.filename or "") or issubclass(w.category, (Image.DecompressionBombWarning,))


def check_photo(raw: bytes) -> bool:
    """``open_photo`` gives RGB/RGBA without a transparency key, and a render on it keeps its size and
    encodes as PNG, JPEG and WebP; or it raises a ``MaskRenderError``. Returns whether it opened."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        from maskrender.image import open_photo

        try:
            photo = open_photo(raw)
        except mr.MaskRenderError:
            photo = None
        except Exception as err:
            raise crash("open_photo: ", err) from err
        if photo is not None:
            if photo.mode not in ("RGB", "RGBA") or "transparency" in photo.info:
                raise OracleError(f"open_photo gave mode {photo.mode} with info keys {sorted(photo.info)}")
            try:
                out = mr.render(_SQUARE, photo)
                assert out.size == photo.size
                from maskrender.encode import encode

                for fmt in ("PNG", "JPEG", "WEBP"):
                    if max(out.size) <= 16383:
                        encode(out, fmt)
            except mr.MaskRenderError:
                pass
            except Exception as err:
                raise crash("using the photo: ", err) from err
    for w in caught:
        if not issubclass(w.category, mr.MaskRenderWarning) and not _pillow_complaint(w):
            raise OracleError(f"{w.category.__name__}: {w.message}"[:300])
    return photo is not None


# --------------------------------------------------------------------------- manifests

_CELLS: list[Any] = ["", " ", "../../etc/passwd", "/abs/x.png", "a\x00b", "x" * 300, "顔" * 100, "\x1b[31mred",
                     ".hidden", "..", ".", "report.exe", "a/../../b.svg", "1e308", "-1", "nan", "0", "1", "true",
                     "pores;acne", "pores=#00A0FF;acne=red", "=red", "512x512", "0x0", "1e9x1e9", "restored",
                     "original", "all", "left", "A4", "a4", "3px", "0.1%", "1e308%", "\ud800", "\"quoted\"", "a,b",
                     "line\nbreak", "tab\there"]
_JSONL_VALUES: list[Any] = [None, True, False, 0, -1, 1.5, 1e308, float("inf"), [], {}, [1, 2], ["a", "b"],
                            {"a": "b"}, [[1]], "x" * 50]


def random_manifest(rng: random.Random) -> tuple[str, str]:
    """``(suffix, text)`` of a CSV/TSV/JSON Lines manifest with columns of the registry and of no one."""
    from maskrender.batch import COLUMNS

    names = [*COLUMNS, "photo", "Result", "RESULT ", "out-put", "", "x"]
    columns = rng.sample(names, rng.randrange(1, 6))
    if rng.random() < 0.8 and "result" not in columns:
        columns.insert(0, "result")
    suffix = rng.choice([".csv", ".tsv", ".jsonl"])
    rows = []
    for _ in range(rng.randrange(0, 6)):
        cells = [rng.choice(_CELLS) if rng.random() < 0.6 else str(FIXTURES / "acne.json") for _ in columns]
        if suffix == ".jsonl":
            obj = {c: (rng.choice(_JSONL_VALUES) if rng.random() < 0.3 else v) for c, v in zip(columns, cells,
                                                                                              strict=True)}
            rows.append(json.dumps(obj) if rng.random() < 0.9 else rng.choice(["[1]", "{", "null", "\"x\""]))
        else:
            sep = "," if suffix == ".csv" else "\t"
            rows.append(sep.join(('"' + c.replace('"', '""') + '"') if rng.random() < 0.5 else c for c in cells))
    if suffix == ".jsonl":
        return suffix, "\n".join(rows) + "\n"
    sep = "," if suffix == ".csv" else "\t"
    return suffix, "\n".join([sep.join(columns), *rows]) + "\n"


def check_manifest(suffix: str, text: str) -> bool:
    """``read_jobs`` gives jobs whose outputs are plain names inside the output folder, at most 255
    bytes, or raises a ``BatchError`` (a ``MaskRenderError``). Returns whether it read jobs."""
    from maskrender.batch import read_jobs

    with tempfile.TemporaryDirectory() as folder:
        manifest = Path(folder) / f"jobs{suffix}"
        manifest.write_text(text, encoding="utf-8", errors="surrogatepass")
        out = Path(folder) / "out"
        with warnings.catch_warnings(record=True):
            warnings.simplefilter("always")
            try:
                jobs = list(read_jobs(manifest, out))
            except mr.MaskRenderError:
                return False
            except Exception as err:
                raise crash("read_jobs: ", err) from err
        for job in jobs:
            name = job.output.name
            if job.output.parent != out or not name or name.startswith(".") or len(name.encode("utf-8",
                                                                                             "surrogatepass")) > 255:
                raise OracleError(f"read_jobs made the output {job.output!r}")
    return True


# --------------------------------------------------------------------------- command-line options

_VALUES = ["0", "1", "-1", "0.5", "2", "1e308", "-1e308", "nan", "inf", "1e-320", "3px", "0.1%", "100%", "1e6",
           "10001%", "abc", "", " ", "#00A0FF", "red", "url(x)", "pores", "acne", "nothing", "pores=#00A0FF", "=red",
           "pores=", "64x64", "0x0", "1x100000000", "20000x10", "-5x5", "restored", "original", "all", "front",
           "left", "A4", "Letter", "\x1b[31m", "\ud800", "101", "9", "10"]


def random_argv(rng: random.Random, out: Path) -> list[str]:
    """A ``render`` command line: a fixture, an output of a random format, and random options."""
    from maskrender.options import options_for

    result = str(FIXTURES / rng.choice(["acne.json", "pores.json", "lines.json", "bare_mask.json", "quirks.json"]))
    argv = ["render", result, "-o", str(out.with_suffix(rng.choice([".png", ".jpg", ".webp", ".svg", ".gif", ""])))]
    if rng.random() < 0.8:
        argv += ["--size", rng.choice(["32x32", "64x48", "8x8"]) if rng.random() < 0.8 else rng.choice(_VALUES)]
    for option in rng.sample(list(options_for("overlay")), rng.randrange(0, 5)):
        if option.name == "size":
            continue
        if option.switch:
            argv.append(option.flag)
        else:
            argv += [option.flag, rng.choice(_VALUES)]
    if rng.random() < 0.2:
        argv += ["--image", str(FIXTURES / "portrait.jpg")]
    return argv


def check_argv(argv: list[str]) -> int:
    """``main(argv)`` returns 0 (and the output is whole) or 2 (one line per message, no traceback, no
    output): anything else, or an exception out of ``main``, is a failure. Returns the status."""
    from maskrender.batch import is_complete
    from maskrender.cli import main

    out = Path(argv[argv.index("-o") + 1])
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("default")              # as a shell runs it (a test run may make warnings errors)
        try:
            status = main(argv)
        except BaseException as exc:
            raise OracleError(f"main raised {type(exc).__name__}: {exc}"[:300]) from exc
    text = err.getvalue()
    if status not in (0, 2) or "Traceback" in text:
        raise OracleError(f"exit status {status}: {text[-300:]}")
    if any(not line.startswith("maskrender") for line in text.splitlines()):
        raise OracleError(f"stderr has a line that is not a maskrender message: {text[-300:]}")
    if status == 0 and not ((out.suffix == ".svg" and out.is_file()) or is_complete(out)):
        raise OracleError(f"status 0 but {out.name} is not a complete output")
    if status == 2 and out.exists():
        raise OracleError(f"status 2 but {out.name} was written")
    with contextlib.suppress(FileNotFoundError):
        out.unlink()
    return status


def fresh_output(rng: random.Random) -> Path:
    folder = Path(tempfile.gettempdir()) / "maskrender-fuzz-cli"
    folder.mkdir(exist_ok=True)
    return folder / ("o" + "".join(rng.choice(string.ascii_lowercase) for _ in range(8)))


GENERATORS: dict[str, Callable[[random.Random], Callable[[], object]]] = {
    "photo": lambda rng: (lambda raw: lambda: check_photo(raw))(random_photo(rng)),
    "manifest": lambda rng: (lambda case: lambda: check_manifest(*case))(random_manifest(rng)),
    "cli": lambda rng: (lambda argv: lambda: check_argv(argv))(random_argv(rng, fresh_output(rng))),
}
"""Kind -> a function of a random generator giving the case as a thunk that runs its oracle."""

__all__ = ["GENERATORS", "check_argv", "check_manifest", "check_photo", "random_argv", "random_manifest",
           "random_photo"]
