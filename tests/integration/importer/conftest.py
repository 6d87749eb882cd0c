"""Fixtures of the importer's tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cml_exchange import signals
from tests.integration.importer.passed_files import Saved


@pytest.fixture
def saved() -> Iterator[Saved]:
    """The ``products_saved`` and ``offers_saved`` signals sent while a test runs."""
    seen = Saved()
    signals.products_saved.connect(seen.on_products)
    signals.offers_saved.connect(seen.on_offers)
    yield seen
    signals.products_saved.disconnect(seen.on_products)
    signals.offers_saved.disconnect(seen.on_offers)
