"""A database error in the import: 1C is told its kind, the site's people its whole text.

The error is real: the test adds a unique index the catalog does not have
(on product names) and imports two products of one name.
"""

from __future__ import annotations

import logging

import pytest
from django.db import connection
from django.urls import reverse
from django.utils.html import escape

from cml_exchange.importer import Failed, create_job, run
from cml_exchange.models import ExchangeRequest, ExchangeSession, ImportJob
from tests.integration.importer.cml_files import Item, catalog, write
from tests.integration.protocol.exchange import import_reply, new_1c

pytestmark = pytest.mark.django_db

SECRET_INDEX = "cml_test_secret_product_name"
NAME = "Секретный товар 4242"
GENERIC = (
    "Ошибка импорта: внутренняя ошибка базы данных (IntegrityError). "
    "Подробности — в мониторе обмена на сайте."
)


@pytest.fixture
def unique_names():
    """A unique index on product names: two products of one name now break a constraint."""
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE UNIQUE INDEX {SECRET_INDEX} ON cml_exchange_product (name)")


def twins() -> str:
    return catalog("cat-1", [Item("p-1", NAME), Item("p-2", NAME)])


def test_1c_gets_no_sql_detail_and_the_monitor_keeps_it(
    admin_user, admin_client, upload_root, unique_names, caplog
):
    one_c = new_1c()
    one_c.checkauth()
    one_c.init()
    one_c.upload("import.xml", twins().encode(), 100_000)
    with caplog.at_level(logging.ERROR, logger="cml_exchange.importer.runner"):
        reply = import_reply(one_c, "import.xml").decode("cp1251")

    assert reply == f"failure\n{GENERIC}"
    for secret in (SECRET_INDEX, "cml_exchange_product", NAME, "4242", "UNIQUE", "duplicate"):
        assert secret.lower() not in reply.lower()
    logged = ExchangeRequest.objects.filter(mode="import").latest("pk")
    assert (logged.status, logged.message) == ("failure", GENERIC)

    # The detail: in the job, in the monitor, in the log.
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.FAILED
    assert job.message == GENERIC
    # The driver's own error on PostgreSQL (the bulk writes use a plain psycopg cursor).
    kind = "UniqueViolation" if connection.vendor == "postgresql" else "IntegrityError"
    assert job.error.startswith(f"Ошибка импорта: {kind}: ")
    named = SECRET_INDEX if connection.vendor == "postgresql" else "cml_exchange_product.name"
    assert named in job.error
    page = admin_client.get(
        reverse(
            "admin:cml_exchange_exchangesession_change", args=[ExchangeSession.objects.get().pk]
        )
    )
    assert page.status_code == 200
    assert escape(job.error).split("\n")[0] in page.content.decode()
    failures = [record for record in caplog.records if record.exc_info]
    assert failures and named in str(failures[0].exc_info[1])

    # Asked again, the failed job answers the same, and still keeps the detail from 1C.
    again = run(job, None)
    assert again == Failed(GENERIC, detail=job.error)


def test_an_expected_error_is_told_to_1c_whole(tmp_path, db):
    """Errors the importer raises itself (a broken file) are for 1C, as before."""
    name = write(tmp_path, "import.xml", twins()[:-200])
    job = create_job([name], base_dir=tmp_path)
    result = run(job, None)
    job.refresh_from_db()
    assert isinstance(result, Failed)
    assert result.message == result.detail == job.error == job.message
    assert "import.xml" in result.message
    assert run(job, None) == result
