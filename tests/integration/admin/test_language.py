"""The admin in Russian: counters, stages, files and money by their names, times in the site's zone.

Rendered with a superuser over a real catalog exchange. The Russian names come
from docs/translations-language.po, merged into the app's catalog.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from cml_exchange.models import ExchangeRequest, ExchangeSession, ImportJob, Order
from tests.factories import OrderFactory
from tests.integration.admin.conftest import catalog_exchange
from tests.integration.admin.test_stored_files import import_again, listed
from tests.integration.protocol.exchange import session_of

pytestmark = pytest.mark.django_db

NBSP = "\u00a0"
#: A moment in UTC, and how the site shows it in Vladivostok (UTC+10): the next morning.
MOMENT = dt.datetime(2026, 3, 1, 21, 30, 5, tzinfo=dt.UTC)
VLADIVOSTOK = "2026-03-02 07:30:05"


def text_of(client: Client, url: str) -> str:
    page = client.get(url)
    assert page.status_code == 200, url
    return page.content.decode()


def session_url(session: ExchangeSession) -> str:
    return reverse("admin:cml_exchange_exchangesession_change", args=[session.pk])


def test_the_exchange_page_names_counters_stages_warnings_and_files(one_c, admin_client):
    catalog_exchange(one_c())
    session = ExchangeSession.objects.get()
    text = text_of(admin_client, session_url(session))
    assert "создано товаров: 2" in text
    assert "создано предложений: 5" in text
    assert "записано цен: 5" in text
    assert "картинок нет среди загруженных файлов: 3" in text  # the warning, by its name
    for key in ("products_created", "offers_created", "image_missing"):
        assert f"{key}:" not in text
    # The stage and the status of each job, translated.
    assert text.count("<td>выполнено</td>") >= 4
    # The files, with what each holds, in the request log and the jobs.
    assert 'import.xml <small class="cml-file-kind">каталог</small>' in text
    assert 'offers.xml <small class="cml-file-kind">торговые предложения</small>' in text


def test_the_import_job_page_shows_its_json_by_name(one_c, admin_client):
    catalog_exchange(one_c())
    job = ImportJob.objects.get(filename="import.xml")
    text = text_of(admin_client, reverse("admin:cml_exchange_importjob_change", args=[job.pk]))
    assert "<li>создано товаров: 2</li>" in text
    assert "<li>картинок нет среди загруженных файлов: 3</li>" in text
    assert "<li>import.xml <small>каталог</small></li>" in text
    assert "не найдена среди загруженных файлов" in text  # a warning's own message
    assert "products_created:" not in text
    assert '"products_created": 2' not in text  # not the JSON the job keeps
    assert "выполнено" in text  # the stage


def test_import_again_reports_named_counts(one_c, admin_client, upload_root):
    folder = session_of(catalog_exchange(one_c())).folder
    replies = import_again(admin_client, f"catalog/{folder}/import.xml")
    assert replies[-1]["state"] == "done"
    assert replies[-1]["counts"] == [  # named, in the order of the names
        ["записано групп", 22],
        ["записано свойств", 10],
        ["записано значений справочников", 154],
        ["товаров без изменений", 2],
        # The same bytes as the exchange's: the products were not even read.
        ["товаров и предложений без изменений, не прочитанных заново", 2],
    ]
    assert replies[-1]["stage"] == "выполнено"
    assert replies[-1]["counters"]["products_unchanged"] == 2  # the keys stay for scripts


def test_stored_files_say_their_type_and_what_they_hold(one_c, admin_client, upload_root):
    folder = session_of(catalog_exchange(one_c())).folder
    files = listed(admin_client)
    assert files[f"catalog/{folder}/import.xml"].holds == "каталог"
    assert files[f"catalog/{folder}/offers.xml"].holds == "торговые предложения"
    text = text_of(admin_client, reverse("admin:cml_exchange_exchangefile_changelist"))
    assert '<td class="cml-holds">торговые предложения</td>' in text
    assert "<td>каталог</td>" in text  # the exchange type, not "catalog"
    assert "<td>catalog</td>" not in text


def test_times_are_in_the_sites_time_zone(one_c, admin_client, settings):
    settings.TIME_ZONE = "Asia/Vladivostok"
    catalog_exchange(one_c())
    session = ExchangeSession.objects.get()
    ExchangeSession.objects.update(created=MOMENT, finished=MOMENT)
    ExchangeRequest.objects.update(created=MOMENT)
    ImportJob.objects.update(created=MOMENT, started=MOMENT, finished=MOMENT)
    page = text_of(admin_client, session_url(session))
    assert f"<td>{VLADIVOSTOK}</td>" in page  # each request
    assert "2 марта 2026 г. 7:30" in page  # the title and the start
    listing = text_of(admin_client, reverse("admin:cml_exchange_exchangesession_changelist"))
    assert "2 марта 2026 г. 7:30" in listing
    assert "1 марта" not in listing
    job = ImportJob.objects.filter(filename="import.xml").get()
    job_page = text_of(admin_client, reverse("admin:cml_exchange_importjob_change", args=[job.pk]))
    assert "2 марта 2026 г. 7:30" in job_page


def test_order_totals_are_money(admin_client):
    OrderFactory.create(number="501", total=Decimal("1234.50"))
    OrderFactory.create(number="502", total=Decimal("990"), currency="USD")
    text = text_of(admin_client, reverse("admin:cml_exchange_order_changelist"))
    assert f"1{NBSP}234,50{NBSP}₽" in text
    assert f"990{NBSP}USD" in text
    assert Order.objects.count() == 2


def test_the_job_admin_lists_stages_translated(one_c, admin_client):
    catalog_exchange(one_c())
    text = text_of(admin_client, reverse("admin:cml_exchange_importjob_changelist"))
    assert text.count('<td class="field-stage">выполнено</td>') == 2
