"""Case generators and oracles for the public API's argument types and for hostile photo objects (issue 22):
``tests/fuzz_long.py`` takes turns with them (kinds ``api`` and ``photo_object``).

* ``api``: a public call (``render``, ``render_svg``, ``select_masks``, ``Results.masks``, ``Style``,
  ``summarize``, ``open_photo``, ``load``) with one argument replaced by a value of a wrong or odd type
  (numbers huge and NaN, strings, bytes, lists, dicts, sets, objects, arrays of odd dtypes). The call
  must return, or raise a ``MaskRenderError``, or a ``TypeError`` whose message says what was expected:
  an ``AttributeError``, an ``OverflowError``, a ``TypeError`` from deep inside, or a warning that is
  not maskrender's is a failure.
* ``photo_object``: a numpy array (every dtype kind and byte order, odd shapes, NaN and infinities) or
  a PIL image (16-bit modes of either byte order, ``F``, with ICC profiles good, broken or over 1 MB):
  ``open_photo`` gives RGB/RGBA whose values are the input's (a uniform 16-bit image of value ``v`` is
  ``round(v * 255 / 65535)`` in either byte order), or raises an ``ImageError``/``LimitError``.
"""

from __future__ import annotations

import random
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from PIL import Image

import maskrender as mr
from helpers.fuzz import FIXTURES, OracleError, crash
from helpers.icc import adobe_rgb, display_p3, grey_gamma

__all__ = ["GENERATORS", "check_api_call", "check_photo_object", "random_api_call", "random_photo_object"]

_ODD: list[Any] = [5, -1, 0, 2.5, float("nan"), float("inf"), 10**400, True, None, "", "red", "acne", "a",
                   "fixtures/acne.json", "\x00", "\ud800", b"", b"\x89PNG", [], [[1, 2, 3]], ["acne", 5], {}, {"a": 1},
                   {3: "red"}, {"acne"}, (1, 2), object(), Image.new("RGB", (4, 4)), np.zeros((4, 4), complex),
                   np.zeros(3), np.array("x"), slice(1), range(3), 1j]

_MASK = {"type": "FeatureCollection", "mask_type": "polygon_mask", "view_box": "0 0 100 100", "fill": "#00ff00",
         "tech_name": "acne_mask_restored",
         "features": [{"geometry": {"type": "Polygon", "coordinates": [[[20, 20], [80, 20], [80, 80], [20, 80]]]}}]}


def _calls(value: Any) -> list[tuple[str, Callable[[], object]]]:
    """Each public call with ``value`` in one of its argument places."""
    photo = np.zeros((100, 100, 3), np.uint8)
    return [
        ("render(image=)", lambda: mr.render(_MASK, value)),
        ("render(style=)", lambda: mr.render(_MASK, photo, style=value)),
        ("render(only=)", lambda: mr.render(_MASK, photo, only=value)),
        ("render_svg(only=)", lambda: mr.render_svg(_MASK, only=value)),
        ("render_svg(image=)", lambda: mr.render_svg(_MASK, value, embed_image=True)),
        ("select_masks(only=)", lambda: mr.select_masks(FIXTURES / "acne.json", only=value)),
        ("Results.masks(only=)", lambda: mr.load(_MASK).masks(only=value)),
        ("Style(opacity=)", lambda: mr.Style(opacity=value)),
        ("Style(outline=)", lambda: mr.Style(outline=value)),
        ("Style(line_width=)", lambda: mr.Style(line_width=value)),
        ("Style(point_radius=)", lambda: mr.Style(point_radius=value)),
        ("Style(fills=)", lambda: mr.Style(fills=value)),
        ("Style(fills={acne: })", lambda: mr.Style(fills={"acne": value})),
        ("summarize()", lambda: mr.summarize(value)),
        ("open_photo()", lambda: _open(value)),
    ]


def _open(value: Any) -> object:
    from maskrender.image import open_photo

    return open_photo(value)


def random_api_call(rng: random.Random) -> tuple[str, Callable[[], object]]:
    return rng.choice(_calls(rng.choice(_ODD)))


def _told(err: TypeError) -> bool:
    """A TypeError of ours: it names what was expected."""
    return "expected" in str(err)


def check_api_call(what: str, call: Callable[[], object]) -> bool:
    """The call returns (``True``) or raises what the public API promises (``False``)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            call()
            ok = True
        except mr.MaskRenderError:
            ok = False
        except TypeError as err:
            if not _told(err):
                raise crash(f"{what}: ", err) from err
            ok = False
        except Exception as err:
            raise crash(f"{what}: ", err) from err
    for w in caught:
        if not issubclass(w.category, mr.MaskRenderWarning):
            raise OracleError(f"{what}: {w.category.__name__}: {w.message}"[:300])
    return ok


# --------------------------------------------------------------------------- photo objects

_DTYPES = ["u1", ">u2", "<u2", "i2", ">i4", "u4", "f2", ">f4", "f8", "?", "c8", "c16", "O", "U2", "S2", "M8[s]"]


def random_photo_object(rng: random.Random) -> tuple[Any, int | None]:
    """A photo object and, when known, the grey value ``open_photo`` must give at (0, 0)."""
    h, w = rng.randrange(1, 40), rng.randrange(1, 40)
    if rng.random() < 0.5:
        dtype = np.dtype(rng.choice(_DTYPES))
        shape = rng.choice([(h, w), (h, w, 1), (h, w, 3), (h, w, 4), (h, w, 2), (h, w, 5), (h,), (), (0, w, 3),
                            (h, w, 3, 1)])
        if dtype.kind in "uif" and dtype.itemsize == 2 and dtype.kind == "u" and len(shape) == 2:
            v = rng.randrange(65536)
            return np.full(shape, v, dtype=dtype), round(v * 255 / 65535)
        try:
            arr = np.zeros(shape, dtype=dtype)
        except (TypeError, ValueError):
            arr = np.zeros(shape)
        if dtype.kind == "f" and arr.size:
            with np.errstate(over="ignore"):
                arr.flat[rng.randrange(arr.size)] = rng.choice([np.nan, np.inf, -np.inf, 1e30, -5.0, 0.5])
        return arr, None
    mode = rng.choice(["I;16B", "I;16N", "I;16L", "I;16", "F", "L", "RGB", "RGBA", "LA", "CMYK"])
    if mode.startswith("I;16"):
        v = rng.randrange(65536)
        order = ">" if mode == "I;16B" else "<" if mode in ("I;16L", "I;16") else "="
        im = Image.frombytes(mode, (w, h), np.full((h, w), v, dtype=f"{order}u2").tobytes())
        expected: int | None = round(v * 255 / 65535)
    else:
        im = Image.new(mode, (w, h))
        expected = None
    roll = rng.randrange(6)
    if roll == 0:
        im.info["icc_profile"] = rng.choice([display_p3, adobe_rgb, grey_gamma])()
        expected = None
    elif roll == 1:
        im.info["icc_profile"] = bytes(rng.getrandbits(8) for _ in range(rng.choice([0, 20, 128, 600])))
    elif roll == 2:
        big = bytearray(display_p3())
        im.info["icc_profile"] = bytes(big) + bytes(rng.choice([1 << 20, 3 << 20]))
    return im, expected


def check_photo_object(photo: Any, expected: int | None) -> bool:
    """``open_photo`` gives RGB/RGBA (the expected grey at (0, 0) when known) or an ``ImageError``/``LimitError``."""
    from maskrender.image import open_photo

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out = open_photo(photo)
        except (mr.ImageError, mr.LimitError):
            return False
        except Exception as err:
            raise crash("open_photo: ", err) from err
    if out.mode not in ("RGB", "RGBA") or "icc_profile" in out.info:
        raise OracleError(f"open_photo gave mode {out.mode} with info keys {sorted(out.info)}")
    corner = tuple(np.asarray(out)[0, 0, :3].tolist())
    if expected is not None and corner != (expected,) * 3:
        raise OracleError(f"a 16-bit photo of {photo.dtype if isinstance(photo, np.ndarray) else photo.mode} read as "
                          f"{corner}, not {expected}")
    for w in caught:
        if not issubclass(w.category, mr.MaskRenderWarning):
            raise OracleError(f"{w.category.__name__}: {w.message}"[:300])
    return True


GENERATORS: dict[str, Callable[[random.Random], Callable[[], object]]] = {
    "api": lambda rng: (lambda case: lambda: check_api_call(*case))(random_api_call(rng)),
    "photo_object": lambda rng: (lambda case: lambda: check_photo_object(*case))(random_photo_object(rng)),
}
"""Kind -> a function of a random generator giving the case as a thunk that runs its oracle."""
