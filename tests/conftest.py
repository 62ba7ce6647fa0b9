"""pytest fixtures shared by every test (helpers functions live in ``tests/helpers``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import FIXTURES


@pytest.fixture
def fixtures() -> Path:
    """The fixtures/ folder."""
    return FIXTURES
