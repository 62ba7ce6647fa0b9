"""Hostile input, round three (issue 22): wrong types at the public API, photos the reader got wrong
(big-endian 16-bit, complex numbers), ``only="acne"`` as one name, smoothed results, signals and
out-of-memory during a write, and what the command line prints."""

from __future__ import annotations

import io

import numpy as np
import pytest
from helpers import FIXTURES, bare_mask, square
from PIL import Image

import maskrender as mr
from maskrender.image import open_photo

ACNE = FIXTURES / "acne.json"


# ---------------------------------------------------------------------------------------------
# wrong types at the public API: a TypeError or an InputError that says what was expected
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("photo", [5, [[1, 2, 3]], {}, 2.5, object()])
def test_a_photo_of_the_wrong_type_says_what_a_photo_may_be(photo: object) -> None:
    with pytest.raises(TypeError, match="photo: expected a path, encoded bytes, a binary file, a PIL image or a "
                                        "numpy array, not"):
        mr.render(ACNE, photo)  # type: ignore[call-overload]


@pytest.mark.parametrize("call", [mr.render, mr.render_svg])
def test_a_style_that_is_not_a_style_is_refused_by_name(call: object) -> None:
    with pytest.raises(TypeError, match=r"style: expected a maskrender.Style .* not str"):
        call(ACNE, style="red")  # type: ignore[operator]


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"outline": None}, "outline must be a size"),
    ({"line_width": None}, "line_width must be a size"),
    ({"point_radius": 10**400}, "not a size: an integer of 401 digits"),
    ({"outline": 10**5000}, "not a size: an integer of"),
    ({"fills": "red"}, "fills must be a mapping of mask names to colours"),
    ({"fills": {3: "red"}}, "fills must be a mapping of mask names to colours"),
])
def test_style_values_are_checked_when_the_style_is_made(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(mr.InputError, match=message):
        mr.Style(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("given", ["fixtures/acne.json", b"{}", {"a": 1}, 5])
def test_summarize_takes_loaded_results_and_says_so(given: object) -> None:
    with pytest.raises(TypeError, match=r"summarize: expected loaded results \(maskrender.Results\)"):
        mr.summarize(given)  # type: ignore[arg-type]


def test_summarize_takes_one_result_too() -> None:
    result = mr.load(ACNE)[0]
    assert mr.summarize(result)["results"][0]["algorithm"] == result.algorithm


# ---------------------------------------------------------------------------------------------
# photos read wrong: big-endian 16-bit came out white, complex numbers lost their imaginary part
# ---------------------------------------------------------------------------------------------


def test_a_big_endian_16_bit_array_reads_as_its_values() -> None:
    arr = np.full((10, 12), 30000, dtype=">u2")
    assert open_photo(arr).getpixel((0, 0)) == (117, 117, 117)   # round(30000 * 255 / 65535)
    assert open_photo(arr.astype("<u2")).getpixel((0, 0)) == (117, 117, 117)


@pytest.mark.parametrize("mode", ["I;16B", "I;16N", "I;16L", "I;16"])
def test_16_bit_pil_images_of_either_byte_order_read_as_their_values(mode: str) -> None:
    order = ">" if mode == "I;16B" else "="
    im = Image.frombytes(mode, (12, 10), np.full((10, 12), 30000, dtype=f"{order}u2").tobytes())
    assert open_photo(im).getpixel((3, 3)) == (117, 117, 117)


def test_a_16_bit_big_endian_tiff_reads_as_its_values() -> None:
    im = Image.frombytes("I;16B", (12, 10), np.full((10, 12), 30000, dtype=">u2").tobytes())
    buf = io.BytesIO()
    im.save(buf, "TIFF")
    assert open_photo(buf.getvalue()).getpixel((3, 3)) == (117, 117, 117)


@pytest.mark.parametrize("dtype", [np.complex64, np.complex128, object, "U3"])
def test_a_photo_array_of_complex_numbers_or_objects_is_refused(dtype: object) -> None:
    arr = np.zeros((10, 10, 3), dtype=dtype)  # type: ignore[call-overload]
    with pytest.raises(mr.ImageError, match=f"dtype {np.dtype(dtype)}: expected unsigned integers"):  # type: ignore[call-overload]
        mr.render(ACNE, arr)


# ---------------------------------------------------------------------------------------------
# only="acne" is one name, never its characters
# ---------------------------------------------------------------------------------------------


def test_only_as_a_string_is_one_name_everywhere() -> None:
    results = mr.load(ACNE)
    want = [m.tech_name for m in results.masks(only=["acne"])]
    assert want
    assert [m.tech_name for m in results.masks(only="acne")] == want
    assert [m.tech_name for m in mr.select_masks(ACNE, only="acne")] == want
    assert np.array_equal(np.asarray(mr.render(ACNE, size=(64, 64), only="acne")),
                          np.asarray(mr.render(ACNE, size=(64, 64), only=["acne"])))
    assert mr.render_svg(ACNE, only="acne") == mr.render_svg(ACNE, only=["acne"])


def test_a_one_letter_name_is_not_selected_by_a_longer_string() -> None:
    one_letter = bare_mask("polygon_mask", [[square(10, 10, 20, 20)]], tech_name="a")
    with pytest.raises(mr.SelectionError, match="no restored front mask matches acne;"):
        mr.select_masks(one_letter, only="acne")
    with pytest.raises(mr.SelectionError, match="matches ace;"):
        mr.select_masks(ACNE, only="ace")


@pytest.mark.parametrize("only", [5, [1, 2], b"acne"])
def test_only_of_the_wrong_type_says_what_was_expected(only: object) -> None:
    with pytest.raises(TypeError, match=r"only: expected a name or a list of names"):
        mr.select_masks(ACNE, only=only)  # type: ignore[arg-type]
