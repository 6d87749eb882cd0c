"""Fixtures of the admin tests: 1C speaking the protocol, and staff with chosen permissions."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client

from tests.integration.protocol.exchange import OneC
from tests.paths import sample

IMPORT = sample("carono__php-commerceml__tests__xml__import")
OFFERS = sample("carono__php-commerceml__tests__xml__offers")


@pytest.fixture
def one_c(admin_user: User, upload_root: object) -> Callable[..., OneC]:
    """Makes a 1C of its own (its own cookies), logged in with ``checkauth``."""

    def make(kind: str = "catalog") -> OneC:
        onec = OneC(Client(), kind=kind)
        assert onec.checkauth().startswith(b"success\n")
        return onec

    return make


def catalog_exchange(onec: OneC, *, complete: bool = True) -> OneC:
    """A whole catalog exchange as 1C makes it: init, two files in parts, imports, complete."""
    assert onec.get("init", version="2.10").startswith(b"zip=")
    onec.upload("import.xml", IMPORT.read_bytes(), chunk=8192)
    onec.upload("offers.xml", OFFERS.read_bytes(), chunk=8192)
    assert onec.import_file("import.xml").startswith(b"success\n")
    assert onec.import_file("offers.xml").startswith(b"success\n")
    if complete:
        assert onec.get("complete").startswith(b"success\n")
    return onec


@pytest.fixture
def staff(db: object) -> Callable[..., Client]:
    """Makes a client logged in as staff (not superuser) holding the named permissions."""

    def make(*codenames: str) -> Client:
        user = User.objects.create_user(
            f"staff{User.objects.count()}", password="secret", is_staff=True
        )
        user.user_permissions.set(
            Permission.objects.filter(
                content_type__app_label="cml_exchange", codename__in=codenames
            )
        )
        client = Client()
        client.force_login(user)
        return client

    return make
