import pytest
from django.contrib.auth.models import User

from tests.integration.protocol.exchange import OneC


@pytest.fixture
def upload_root(settings, tmp_path):
    settings.CML_EXCHANGE_UPLOAD_ROOT = tmp_path / "exchange"
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path / "exchange"


@pytest.fixture
def admin_user(db):
    return User.objects.create_superuser("admin", "admin@example.com", "secret")


@pytest.fixture
def one_c(client, admin_user, upload_root):
    """1C after a successful checkauth and init."""
    onec = OneC(client)
    assert onec.checkauth().startswith(b"success\n")
    assert onec.get("init").startswith(b"zip=")
    return onec
