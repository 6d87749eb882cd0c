"""Fixtures shared by the integration tests: where exchange files go, and 1C's login."""

import pytest
from django.contrib.auth.models import User


@pytest.fixture
def upload_root(settings, tmp_path):
    settings.CML_EXCHANGE_UPLOAD_ROOT = tmp_path / "exchange"
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path / "exchange"


@pytest.fixture
def admin_user(db):
    return User.objects.create_superuser("admin", "admin@example.com", "secret")
