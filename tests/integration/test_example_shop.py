"""The example shop starts: its settings pass Django's checks and its pages answer."""

import pytest
from django.core.management import call_command


def test_system_checks_pass():
    call_command("check", fail_level="WARNING")


@pytest.mark.django_db
def test_front_page_and_admin_login_answer(client):
    front = client.get("/")
    assert front.status_code == 200
    assert "cml_exchange" in front.content.decode()
    login = client.get("/admin/login/")
    assert login.status_code == 200
