"""``only`` in reports: a string is one name, and after a miss the names offered are exactly names that
select a panel of the report."""

from __future__ import annotations

import re
from typing import Any

import pytest
from helpers import FIXTURES

from maskrender.errors import SelectionError
from maskrender.report import build_report

RESULTS = FIXTURES / "results_list.json"


def _panels(**options: Any) -> list[str]:
    report = build_report(RESULTS, **options)
    return [p.title for p in report.content.panels]


def test_a_string_is_one_name_not_its_characters() -> None:
    assert _panels(only="acne") == _panels(only=["acne"]) != []


def test_every_name_offered_after_a_miss_selects_a_panel() -> None:
    with pytest.raises(SelectionError) as caught:
        build_report(RESULTS, only=["acnee"])
    offered = re.search(r"there are: (.*)$", str(caught.value))
    assert offered is not None
    names = offered.group(1).split(", ")
    assert {"acne", "Pores Mask"} <= set(names)
    assert not any(n.endswith("_original") for n in names)    # masks of the other set select nothing here
    for name in names:
        assert _panels(only=[name]), name
