"""Fixtures of the admin tests: 1C speaking the protocol, and staff with chosen permissions."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client

from cml_exchange.client import ExchangeClient
from tests.integration.protocol.exchange import new_1c
from tests.paths import sample

IMPORT = sample("carono__php-commerceml__tests__xml__import")
OFFERS = sample("carono__php-commerceml__tests__xml__offers")


@pytest.fixture
def one_c(admin_user: User, upload_root: object) -> Callable[..., ExchangeClient]:
    """Makes a 1C of its own (its own session), logged in with ``checkauth``."""

    def make(kind: str = "catalog") -> ExchangeClient:
        onec = new_1c()
        onec.checkauth(kind)
        return onec

    return make


def catalog_exchange(onec: ExchangeClient, *, complete: bool = True) -> ExchangeClient:
    """A whole catalog exchange as 1C makes it: init, two files in parts, imports, complete."""
    onec.init(version="2.10")
    onec.upload("import.xml", IMPORT.read_bytes(), chunk=8192)
    onec.upload("offers.xml", OFFERS.read_bytes(), chunk=8192)
    onec.import_file("import.xml")
    onec.import_file("offers.xml")
    if complete:
        onec.complete()
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
