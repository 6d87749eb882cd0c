import pytest

from tests.integration.protocol.exchange import new_1c


@pytest.fixture
def one_c(admin_user, upload_root):
    """1C after a successful checkauth and init."""
    onec = new_1c()
    onec.checkauth()
    onec.init()
    return onec
