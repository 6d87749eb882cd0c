"""Shared fixtures, and the ``postgresql`` marker made to skip on other databases."""

from __future__ import annotations

import pytest
from django.conf import settings


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" in engine:
        return
    skip = pytest.mark.skip(reason=f"needs PostgreSQL; this run is on {engine.rsplit('.', 1)[-1]}")
    for item in items:
        if item.get_closest_marker("postgresql"):
            item.add_marker(skip)
