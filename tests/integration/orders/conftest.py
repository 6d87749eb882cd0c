"""The orders tests' 1C."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from cml_exchange.client import ExchangeClient
from tests.integration.protocol.exchange import new_1c


@pytest.fixture
def sale(admin_user: User, upload_root: object) -> ExchangeClient:
    """1C after checkauth and an init with a version, as modern modules do."""
    onec = new_1c()
    onec.checkauth("sale")
    onec.init("sale", version="2.08")
    return onec
