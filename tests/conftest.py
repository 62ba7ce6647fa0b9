"""pytest fixtures shared by every test (helpers functions live in ``tests/helpers``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import FIXTURES
from hypothesis import settings

# The suite draws the same generated examples on every run and every machine, so a red CI is a real
# defect that reproduces, never a new random draw; tests/fuzz_long.py is where random exploration runs.
settings.register_profile("maskrender", derandomize=True, database=None)
settings.load_profile("maskrender")


@pytest.fixture
def fixtures() -> Path:
    """The fixtures/ folder."""
    return FIXTURES
