"""The exchange monitor: what 1C's exchanges look like in the admin, and that nobody edits them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cml_exchange.models import ExchangeRequest, ExchangeSession, ImportWarning
from tests.e2e.catalogs import import_xml, make_catalog
from tests.integration.admin.conftest import IMPORT, catalog_exchange
from tests.integration.protocol.exchange import get, post, session_of
from tests.paths import sample

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:cml_exchange_exchangesession_changelist")


def change_url(session: ExchangeSession) -> str:
    return reverse("admin:cml_exchange_exchangesession_change", args=[session.pk])


def states(client: Client, **query: str) -> dict[int, str]:
    """The exchanges the change list shows, with the state it derived for each."""
    page = client.get(CHANGELIST, query)
    assert page.status_code == 200
    return {session.pk: session.state for session in page.context["cl"].result_list}


def age(session: ExchangeSession, minutes: int) -> None:
    """Move an exchange and its requests ``minutes`` into the past."""
    delta = dt.timedelta(minutes=minutes)
    ExchangeSession.objects.filter(pk=session.pk).update(created=session.created - delta)
    for request in ExchangeRequest.objects.filter(session=session):
        ExchangeRequest.objects.filter(pk=request.pk).update(created=request.created - delta)


def test_a_whole_catalog_exchange_is_listed_with_its_numbers(one_c, admin_client):
    catalog_exchange(one_c())
    session = ExchangeSession.objects.get()
    page = admin_client.get(CHANGELIST)
    text = page.content.decode()
    assert page.context["cl"].result_count == 1
    row = page.context["cl"].result_list[0]
    # the sample names pictures 1C did not upload: the import warned of them
    assert (row.state, row.files, row.user.username, row.address) == (
        "remarks",
        2,
        "admin",
        "127.0.0.1",
    )
    assert row.bytes_received == session.bytes_received > 70_000
    assert row.ended == session.finished
    assert 'class="cml-state cml-state-remarks"' in text
    assert "успешно, с замечаниями" in text
    assert "127.0.0.1" in text
    assert change_url(session) in text


def test_states_are_derived_from_outcome_end_and_last_answer(one_c, admin_client, upload_root):
    complete = catalog_exchange(one_c())  # ended by complete
    old_style = catalog_exchange(one_c(), complete=False)  # 1C without complete
    failed = one_c()
    failed.init()
    assert get(failed, "import", filename="missing.xml").startswith(b"failure\n")
    halfway = one_c()  # stopped while uploading
    halfway.init()
    halfway.upload("import.xml", b"<?xml version='1.0'?>", chunk=100)
    running = one_c()
    running.init()
    sessions = dict(
        zip(
            ("complete", "old_style", "failed", "halfway", "running"),
            ExchangeSession.objects.order_by("pk"),
            strict=True,
        )
    )
    assert {name: sessions[name].pk for name in sessions}  # five exchanges
    # Right after their last request, the unfinished ones may still go on.
    ExchangeSession.objects.update(remarks=False)  # the sample's missing pictures: see below
    shown = states(admin_client)
    assert shown[sessions["complete"].pk] == "success"
    assert shown[sessions["failed"].pk] == "failure"
    assert shown[sessions["old_style"].pk] == shown[sessions["halfway"].pk] == "open"
    # Silent for an hour: the one whose import succeeded ended well, the other was abandoned.
    for name in ("old_style", "halfway", "failed", "complete"):
        age(sessions[name], 60)
    shown = states(admin_client)
    assert shown == {
        sessions["complete"].pk: "success",
        sessions["old_style"].pk: "success",
        sessions["failed"].pk: "failure",
        sessions["halfway"].pk: "abandoned",
        sessions["running"].pk: "open",
    }
    assert set(states(admin_client, state="success")) == {
        sessions["complete"].pk,
        sessions["old_style"].pk,
    }
    assert set(states(admin_client, state="abandoned")) == {sessions["halfway"].pk}
    assert set(states(admin_client, state="open")) == {sessions["running"].pk}
    assert set(states(admin_client, state="failure")) == {sessions["failed"].pk}
    assert complete.kind == old_style.kind == running.kind == "catalog"


def test_filters_by_type_and_date(one_c, admin_client):
    catalog_exchange(one_c())
    sale = one_c("sale")
    sale.init(version="2.08")
    assert get(sale, "query").startswith(b"<?xml")
    assert get(sale, "success") == b"success\n"
    catalog, orders = ExchangeSession.objects.order_by("pk")
    assert set(states(admin_client, kind__exact="catalog")) == {catalog.pk}
    assert set(states(admin_client, kind__exact="sale")) == {orders.pk}
    today = timezone.localdate()
    dated = {"created__year": str(today.year), "created__month": str(today.month)}
    assert set(states(admin_client, **dated)) == {catalog.pk, orders.pk}
    assert set(states(admin_client, created__year=str(today.year - 1))) == set()
    # A sale exchange has no "complete": confirming the orders is its good end.
    age(orders, 60)
    assert states(admin_client)[orders.pk] == "success"


def test_the_exchange_page_shows_every_request_and_the_imports(one_c, admin_client):
    catalog_exchange(one_c())
    session = ExchangeSession.objects.get()
    page = admin_client.get(change_url(session))
    assert page.status_code == 200
    log = page.context["request_log"]
    modes = [line.mode for line in log.head]
    assert modes == ["checkauth", "init", *["file"] * 10, "import", "import", "complete"]
    assert log.total == 15 and not log.tail and not log.left_out
    text = page.content.decode()
    # The lines in order, from checkauth to complete, with their answers.
    positions = [
        text.index(marker)
        for marker in (">checkauth<", ">init<", ">file<", ">import<", ">complete<")
    ]
    assert positions == sorted(positions)
    assert "Завершение процедуры импорта" in text
    assert "zip=yes" in text
    # The import jobs with their stage, counts and warnings.
    jobs = page.context["job_rows"]
    assert [row.job.filename for row in jobs] == ["import.xml", "offers.xml"]
    assert all(row.job.stage == "done" for row in jobs)
    assert {count.key: count.value for count in jobs[0].counters}["products_created"] == 2
    assert {count.key: count.value for count in jobs[1].counters}["offers_created"] == 5
    assert [(count.key, count.value) for count in jobs[0].warning_counts] == [("image_missing", 3)]
    assert "создано товаров: 2" in text  # by their Russian names (test_language.py)
    assert "создано предложений: 5" in text
    assert "картинок нет среди загруженных файлов: 3" in text
    assert "не найдена среди загруженных файлов" in text
    assert "Импорт успешно завершен." in text
    assert reverse("admin:cml_exchange_importjob_change", args=[jobs[0].job.pk]) in text


def test_a_failed_import_shows_its_error(one_c, admin_client):
    onec = one_c()
    onec.init()
    post(onec, "import.xml", IMPORT.read_bytes()[:5000])  # cut off
    reply = get(onec, "import", filename="import.xml").decode("cp1251")
    assert reply.startswith("failure\n")
    session = ExchangeSession.objects.get()
    page = admin_client.get(change_url(session))
    text = page.content.decode()
    assert page.context["job_rows"][0].job.status == "failed"
    error = page.context["job_rows"][0].job.error
    assert error and error in reply
    assert 'class="cml-answer-failure"' in text
    assert states(admin_client)[session.pk] == "failure"


def test_a_long_log_shows_its_beginning_and_its_end(one_c, admin_client, settings):
    from cml_exchange.admin import monitor

    onec = one_c()
    onec.init()
    for _ in range(12):
        get(onec, "deactivate", timestamp="1")
    get(onec, "complete")
    session = ExchangeSession.objects.get()
    log = monitor.request_log(session, limit=6)
    assert [line.mode for line in log.head] == ["checkauth", "init", "deactivate"]
    assert [line.mode for line in log.tail] == ["deactivate", "deactivate", "complete"]
    assert (log.total, log.left_out) == (15, 9)


def test_nobody_adds_or_edits_an_exchange(one_c, admin_client):
    catalog_exchange(one_c())
    session = ExchangeSession.objects.get()
    assert admin_client.get(reverse("admin:cml_exchange_exchangesession_add")).status_code == 403
    page = admin_client.get(change_url(session))
    assert 'name="_save"' not in page.content.decode()
    assert admin_client.post(change_url(session), {"address": "10.0.0.1"}).status_code == 403
    session.refresh_from_db()
    assert session.address == "127.0.0.1"


def test_only_superusers_delete_old_exchanges(one_c, admin_client, staff):
    catalog_exchange(one_c())
    session = ExchangeSession.objects.get()
    delete = reverse("admin:cml_exchange_exchangesession_delete", args=[session.pk])
    manager = staff("view_exchangesession", "delete_exchangesession")
    assert manager.get(delete).status_code == 403
    assert manager.post(delete, {"post": "yes"}).status_code == 403
    assert ExchangeSession.objects.exists()
    assert admin_client.post(delete, {"post": "yes"}).status_code == 302
    assert not ExchangeSession.objects.exists()
    assert not ExchangeRequest.objects.exists()
    # The list's bulk action, too (its queryset carries the monitor's annotations).
    catalog_exchange(one_c())
    catalog_exchange(one_c())
    selected = [str(pk) for pk in ExchangeSession.objects.values_list("pk", flat=True)]
    bulk = {"action": "delete_selected", "_selected_action": selected, "post": "yes"}
    manager.post(CHANGELIST, bulk)  # the action is not offered to them: the list comes back
    assert ExchangeSession.objects.count() == 2
    assert admin_client.post(CHANGELIST, bulk).status_code == 302
    assert not ExchangeSession.objects.exists()


def test_an_exchange_is_shown_to_staff_with_the_view_permission(one_c, staff):
    catalog_exchange(one_c())
    session = ExchangeSession.objects.get()
    viewer = staff("view_exchangesession")
    assert viewer.get(CHANGELIST).status_code == 200
    page = viewer.get(change_url(session))
    assert page.status_code == 200
    # Without the permission on import jobs, their pages are not linked.
    assert reverse("admin:cml_exchange_importjob_changelist") not in page.content.decode()
    assert "создано товаров: 2" in page.content.decode()


def test_the_monitor_is_refused_to_others(one_c, staff, client):
    catalog_exchange(one_c())
    session = ExchangeSession.objects.get()
    for url in (CHANGELIST, change_url(session)):
        anonymous = client.get(url)
        assert anonymous.status_code == 302 and "/admin/login/" in anonymous["Location"]
        assert staff().get(url).status_code == 403
        assert staff("view_exchangefile").get(url).status_code == 403
    outsider = User.objects.create_user("outsider", password="secret")
    client.force_login(outsider)
    assert client.get(CHANGELIST).status_code == 302


def test_an_orders_exchange_is_finished_by_1cs_success_at_once(one_c, admin_client):
    sale = one_c("sale")
    sale.init(version="2.08")
    assert get(sale, "query").startswith(b"<?xml")
    assert states(admin_client)[session_of(sale).pk] == "open"
    assert get(sale, "success") == b"success\n"
    # Not half an hour later: the monitor shows it ended the moment 1C confirmed.
    ended = session_of(sale)
    assert ended.finished is not None and ended.outcome == "success"
    assert states(admin_client)[ended.pk] == "success"


def test_an_orders_exchange_ends_with_its_last_import(one_c, admin_client):
    sale = one_c("sale")
    sale.init(version="2.08")
    sale.query()
    assert get(sale, "success") == b"success\n"
    # 1C goes on with the same cookie to send its own changes: open again until applied.
    sale.upload("orders.xml", sample("ArgentCrusade").read_bytes(), chunk=4096)
    assert states(admin_client)[session_of(sale).pk] == "open"
    assert sale.import_file("orders.xml").lines == (  # the site has neither order
        "Заказ №142 на сайте не найден.",
        "Заказ №235 на сайте не найден.",
    )
    ended = session_of(sale)
    assert ended.finished is not None and states(admin_client)[ended.pk] == "remarks"


def test_an_exchange_that_did_not_take_all_1c_sent_is_shown_with_remarks(one_c, admin_client):
    """An import's warning, or an orders file's document not applied: not a plain success."""
    warned = one_c()
    catalog_exchange(warned)  # its sample names pictures 1C did not upload
    plain = one_c()
    plain.init()
    plain.upload("import.xml", import_xml(make_catalog("plain", 3)), chunk=50_000)
    assert plain.import_file("import.xml").message == "Импорт успешно завершен."
    plain.complete()
    sale = one_c("sale")
    sale.init(version="2.08")
    sale.query()
    assert get(sale, "success") == b"success\n"  # nothing of 1C's to take: a plain success
    assert states(admin_client) == {
        session_of(warned).pk: "remarks",
        session_of(plain).pk: "success",
        session_of(sale).pk: "success",
    }
    assert set(states(admin_client, state="remarks")) == {session_of(warned).pk}
    assert set(states(admin_client, state="success")) == {
        session_of(plain).pk,
        session_of(sale).pk,
    }


def test_each_import_shows_its_first_warnings_read_in_one_query(one_c, django_assert_num_queries):
    """The session page lists a job's first SHOWN_WARNINGS warnings, whatever the jobs' number."""
    from cml_exchange.admin.monitor import SHOWN_WARNINGS, job_rows
    from cml_exchange.models import ImportJob

    catalog_exchange(one_c())
    session = ExchangeSession.objects.get()
    jobs = list(session.import_jobs.order_by("created", "pk"))
    ImportWarning.objects.filter(job__in=jobs).delete()
    many, few = jobs[0], jobs[1]
    ImportWarning.objects.bulk_create(
        ImportWarning(job=many, code="image_missing", message=f"Картинка {i}.jpg не найдена.")
        for i in range(SHOWN_WARNINGS + 10)
    )
    ImportWarning.objects.bulk_create(
        ImportWarning(job=few, code="unknown_product", message=text)
        for text in ("первое", "второе")
    )
    session = ExchangeSession.objects.get()
    with django_assert_num_queries(2):  # the jobs, then their warnings
        rows = job_rows(session)
    assert [row.job.pk for row in rows] == [many.pk, few.pk]
    assert rows[0].warnings == [f"Картинка {i}.jpg не найдена." for i in range(SHOWN_WARNINGS)]
    assert rows[1].warnings == ["первое", "второе"]
    assert (
        ImportJob.objects.get(pk=many.pk).warnings[-1]["message"] == "Картинка 59.jpg не найдена."
    )
