"""A project with Django's ``USE_TZ`` off (the default before Django 5.0): the whole loop works.

Such a project keeps naive local times, and its database refuses aware ones. The
exchange must not hand it any: 1C's ``deactivate`` used to fail there, and the
monitor's and stored files' pages to answer 500.
"""

from __future__ import annotations

import datetime as dt
import io
import time
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cml_exchange import moments
from cml_exchange.admin.directory import KEPT_NEW, Activity
from cml_exchange.commerceml.entities import Document
from cml_exchange.commerceml.reading.reader import read
from cml_exchange.models import Catalog, ExchangeSession, ExchangeSettings, Order, Product
from cml_exchange.orders.exchange import import_step
from tests.factories import OrderFactory
from tests.integration.protocol.exchange import get, import_reply, new_1c
from tests.paths import sample

pytestmark = pytest.mark.django_db

IMPORT = sample("carono__php-commerceml__tests__xml__import")
OFFERS = sample("carono__php-commerceml__tests__xml__offers")


@pytest.fixture(autouse=True)
def without_time_zones(settings: object) -> None:
    settings.USE_TZ = False  # type: ignore[attr-defined]


def catalog_exchange() -> bytes:
    """A full catalog exchange of the carono sample; the reply to its ``deactivate``.

    1C asks to deactivate what the exchange did not refresh since its ``checkauth``.
    """
    onec = new_1c()
    onec.checkauth()
    onec.init()
    onec.upload("import.xml", IMPORT.read_bytes(), 204_800)
    onec.upload("offers.xml", OFFERS.read_bytes(), 204_800)
    assert import_reply(onec, "import.xml").startswith(b"success\n")
    assert import_reply(onec, "offers.xml").startswith(b"success\n")
    assert onec.auth is not None
    reply = get(onec, "deactivate", timestamp=str(onec.auth.timestamp))
    assert get(onec, "complete").startswith(b"success\n")
    return reply


def test_a_full_exchange_deactivates_what_1c_no_longer_sends(
    admin_user: User, upload_root: object
) -> None:
    ExchangeSettings.objects.update(step_interval=0)
    catalog_exchange()
    Product.objects.create(
        catalog=Catalog.objects.get(), external_id="gone", name="Снят с продажи", slug="gone"
    )

    reply = catalog_exchange()

    assert reply == "success\nДеактивация элементов завершена.".encode("cp1251")
    assert not Product.objects.get(external_id="gone").active
    assert Product.objects.filter(active=True).count() == 2
    session = ExchangeSession.objects.order_by("pk").last()
    assert session is not None and session.outcome == "success"
    assert session.created.tzinfo is None  # kept as the project keeps times


def test_a_zone_activated_for_the_request_leaves_what_1c_sent_active(
    admin_user: User, upload_root: object
) -> None:
    """The project's times are ``TIME_ZONE``'s, whatever zone a middleware activated."""
    ExchangeSettings.objects.update(step_interval=0)
    timezone.activate("Asia/Vladivostok")
    try:
        reply = catalog_exchange()
    finally:
        timezone.deactivate()

    assert reply == "success\nДеактивация элементов завершена.".encode("cp1251")
    assert Product.objects.filter(active=True).count() == 2


def test_a_file_written_during_an_exchange_is_kept_by_the_clean_up() -> None:
    now = timezone.now()
    activity = Activity(now=now, busy_since=now - dt.timedelta(minutes=1))
    timezone.activate("Europe/London")  # the admin user's zone
    try:
        modified = moments.from_timestamp(time.time())
    finally:
        timezone.deactivate()

    assert activity.reason_to_keep("import_files/a.jpg", modified, None) == KEPT_NEW


def test_an_order_1c_made_without_a_date_is_made_today(tmp_path: Path) -> None:
    text = sample("dicrtarasov").read_text(encoding="utf-8")
    path = tmp_path / "orders.xml"
    path.write_text(text.replace("<Дата>2021-02-17</Дата>", "", 1), encoding="utf-8")
    settings = ExchangeSettings.load()
    settings.create_orders_from_1c = True
    settings.save()

    assert import_step(path, settings).messages == []

    order = Order.objects.get()
    assert order.created_by_1c and order.created.date() == dt.date.today()


def test_orders_go_to_1c_with_their_local_time_and_1cs_payment_comes_back(
    admin_user: User, upload_root: object
) -> None:
    OrderFactory.create(id=20, number="20", created=dt.datetime(2026, 11, 20, 14, 30, 5))
    onec = new_1c()
    onec.checkauth("sale")
    onec.init("sale", version="2.08")

    documents = [e for e in read(io.BytesIO(onec.query()), name="q.xml") if isinstance(e, Document)]
    assert [(d.number, d.date, d.time) for d in documents] == [
        ("20", dt.date(2026, 11, 20), dt.time(14, 30, 5))
    ]
    assert get(onec, "success") == b"success\n"

    onec.upload("to.xml", sample("carono__yii2-1c-exchange__files__xml__to").read_bytes(), 65_536)
    assert import_reply(onec, "to.xml").startswith(b"success")
    order = Order.objects.get(pk=20)
    assert order.paid and order.paid_at == dt.datetime(2007, 10, 16, 15, 44, 47)


def test_the_monitor_and_the_stored_files_show_their_times(
    admin_user: User, admin_client: Client, upload_root: object
) -> None:
    ExchangeSettings.objects.update(step_interval=0)
    catalog_exchange()
    session = ExchangeSession.objects.get()
    shown = f"{session.created:%H:%M}"

    listing = admin_client.get(reverse("admin:cml_exchange_exchangesession_changelist"))
    page = admin_client.get(reverse("admin:cml_exchange_exchangesession_change", args=[session.pk]))
    files = admin_client.get(reverse("admin:cml_exchange_exchangefile_changelist"))

    assert (listing.status_code, page.status_code) == (200, 200)
    assert shown in listing.content.decode() and shown in page.content.decode()
    assert files.status_code == 200
    assert "import.xml" in files.content.decode()


def test_cml_status_lists_the_jobs_in_local_time(admin_user: User, upload_root: object) -> None:
    ExchangeSettings.objects.update(step_interval=0)
    catalog_exchange()
    out = io.StringIO()

    call_command("cml_status", stdout=out)

    assert "import.xml" in out.getvalue()
