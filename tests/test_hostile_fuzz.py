"""Fuzzing what is not JSON results, at a CI budget (issue 15): photos of every mode and format with
byte edits, batch manifests with hostile cells, and ``maskrender render`` command lines with random
options. The generators and oracles are those of ``tests/fuzz_long.py`` (``helpers.fuzz_inputs``);
here hypothesis drives them and shrinks what it finds."""

from __future__ import annotations

import random

import helpers.fuzz_inputs as fuzz
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


def budget(examples: int) -> settings:
    return settings(max_examples=examples, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.slow
@budget(300)
@given(st.randoms(use_true_random=False))
def test_any_photo_opens_as_rgb_or_is_an_image_error(rng: random.Random) -> None:
    fuzz.check_photo(fuzz.random_photo(rng))


@pytest.mark.slow
@budget(300)
@given(st.randoms(use_true_random=False))
def test_any_manifest_gives_jobs_inside_the_output_folder_or_a_batch_error(rng: random.Random) -> None:
    fuzz.check_manifest(*fuzz.random_manifest(rng))


@budget(60)
@given(st.randoms(use_true_random=False))
def test_any_render_command_line_exits_0_with_an_output_or_2_with_one_line(rng: random.Random) -> None:
    fuzz.check_argv(fuzz.random_argv(rng, fuzz.fresh_output(rng)))


@budget(200)
@given(st.randoms(use_true_random=False))
def test_any_public_call_with_an_odd_argument_returns_or_says_what_was_expected(rng: random.Random) -> None:
    import helpers.fuzz_api as api

    api.check_api_call(*api.random_api_call(rng))


@budget(200)
@given(st.randoms(use_true_random=False))
def test_any_photo_object_opens_with_its_values_or_is_an_image_error(rng: random.Random) -> None:
    import helpers.fuzz_api as api

    api.check_photo_object(*api.random_photo_object(rng))


@budget(40)
@given(st.randoms(use_true_random=False))
def test_any_catalogue_makes_the_report_or_is_an_input_error_naming_it(rng: random.Random) -> None:
    import helpers.fuzz_round3 as round3

    round3.check_catalogue(round3.random_catalogue(rng))


@pytest.mark.slow
@budget(40)
@given(st.randoms(use_true_random=False))
def test_any_damaged_font_makes_the_report_or_is_an_input_error_naming_it(rng: random.Random) -> None:
    import helpers.fuzz_round3 as round3

    round3.check_font(round3.random_font(rng))


@budget(60)
@given(st.randoms(use_true_random=False))
def test_masks_with_any_names_export_to_one_file_with_safe_members(rng: random.Random) -> None:
    import helpers.fuzz_round3 as round3

    round3.check_export(*round3.random_export(rng))


@pytest.mark.slow
@budget(30)
@given(st.randoms(use_true_random=False))
def test_a_batch_on_a_failing_executor_ends_with_every_job_made_or_listed(rng: random.Random) -> None:
    import helpers.fuzz_round3 as round3

    round3.check_executor(*round3.random_executor(rng))
