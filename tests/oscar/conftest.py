"""Tests of the Oscar adapter: skipped whole when django-oscar is not installed."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings

from tests.browser.conftest import browser, chromium_executable, screenshots
from tests.integration.conftest import admin_user, upload_root

# 1C's login and where its files go, as elsewhere; Chromium for the storefront's test
__all__ = ["admin_user", "browser", "chromium_executable", "screenshots", "upload_root"]

if not getattr(settings, "OSCAR_INSTALLED", False):
    collect_ignore_glob = ["test_*.py"]

CATALOG_ADAPTER = "cml_exchange.contrib.oscar.adapter.OscarCatalogAdapter"
ORDER_ADAPTER = "cml_exchange.contrib.oscar.orders.OscarOrderAdapter"


@pytest.fixture(autouse=True)
def oscar_adapters(settings: Any, tmp_path: Any) -> None:
    """The Oscar adapters, and media of the test's own (pictures are stored there)."""
    settings.CML_EXCHANGE_CATALOG_ADAPTER = CATALOG_ADAPTER
    settings.CML_EXCHANGE_ORDER_ADAPTER = ORDER_ADAPTER
    settings.MEDIA_ROOT = tmp_path / "media"
