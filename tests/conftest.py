"""Shared fixtures, and the ``postgresql`` marker made to skip on other databases."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.conf import settings

from cml_exchange.importer import checksum_key


@pytest.fixture(autouse=True)
def checksums_of_this_version() -> Iterator[None]:
    """Every test's items are this importer's: the stored checksums' key is not looked up.

    Otherwise the first import of a test process would clear whatever checksums a
    test made without importing, and warn of it, depending on the tests' order;
    tests/integration/importer/test_checksum_key.py looks it up.
    """
    checksum_key.confirm()
    yield


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" in engine:
        return
    skip = pytest.mark.skip(reason=f"needs PostgreSQL; this run is on {engine.rsplit('.', 1)[-1]}")
    for item in items:
        if item.get_closest_marker("postgresql"):
            item.add_marker(skip)
