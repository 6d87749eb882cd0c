import pytest

from tests.integration.protocol.exchange import OneC


@pytest.fixture
def one_c(client, admin_user, upload_root):
    """1C after a successful checkauth and init."""
    onec = OneC(client)
    assert onec.checkauth().startswith(b"success\n")
    assert onec.get("init").startswith(b"zip=")
    return onec
