"""Fixtures of the storage tests."""

from pathlib import Path

import pytest


@pytest.fixture
def target(tmp_path: Path) -> Path:
    return tmp_path / "exchange"
