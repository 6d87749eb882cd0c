"""The stored-files page: the exchange directory as it is, "import again" and "clean up"."""

from __future__ import annotations

import io
import json
import os
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from cml_exchange import signals
from cml_exchange.client import ExchangeClient
from cml_exchange.conf import app_settings
from cml_exchange.models import ExchangeFile, ImportJob, Offer, Order, Product
from tests.factories import OrderFactory
from tests.integration.admin.conftest import IMPORT, OFFERS, catalog_exchange
from tests.integration.protocol.exchange import (
    folder_of,
    pictures_not_uploaded,
    post,
    session_of,
    stored,
)
from tests.paths import sample

pytestmark = pytest.mark.django_db

PAGE = reverse("admin:cml_exchange_exchangefile_changelist")
IMPORT_AGAIN = reverse("admin:cml_exchange_exchangefile_import")
CLEANUP = reverse("admin:cml_exchange_exchangefile_cleanup")
DAY = 24 * 3600


def listed(client: Client, **query: str) -> dict[str, object]:
    """The page's files by ``<type>/<name>``."""
    page = client.get(PAGE, query)
    assert page.status_code == 200
    return {file.key: file for file in page.context["files"]}


def import_again(client: Client, key: str, limit: int = 200) -> list[dict]:
    """Press "import again", then poll the step view as the page's script does, to the end."""
    started = client.post(IMPORT_AGAIN, {"import": key})
    assert started.status_code == 302, started
    progress = client.get(started["Location"])
    assert progress.status_code == 200
    step_url = progress.context["step_url"]
    assert f'data-step-url="{step_url}"' in progress.content.decode()
    replies = []
    for _ in range(limit):
        answer = client.post(step_url, HTTP_ACCEPT="application/json")
        assert answer.status_code == 200
        assert answer["Content-Type"] == "application/json"
        replies.append(json.loads(answer.content))
        if replies[-1]["state"] != "progress":
            return replies
    raise AssertionError("the import never finished")


def set_age(path: Path, seconds: float) -> None:
    moment = time.time() - seconds
    os.utime(path, (moment, moment))


# -- the listing ---------------------------------------------------------------------


def test_the_page_lists_the_directory_joined_with_the_uploads(one_c, admin_client, upload_root):
    onec = one_c()
    onec.init()
    onec.upload("import.xml", IMPORT.read_bytes(), chunk=8192)
    onec.upload("import_files/ab/picture.jpg", b"\xff\xd8jpeg", chunk=100)
    (upload_root / "catalog" / "Reports").mkdir()
    (upload_root / "catalog" / "Reports" / "log.zip").write_bytes(b"PK")
    ExchangeFile.objects.create(kind="catalog", name="gone.xml", size=10, parts=1)
    files = listed(admin_client)
    folder = f"catalog/{session_of(onec).folder}"
    assert set(files) == {
        f"{folder}/import.xml",
        f"{folder}/import_files/ab/picture.jpg",
        "catalog/Reports/log.zip",
        "catalog/gone.xml",
    }
    upload = files[f"{folder}/import.xml"]
    assert upload.size == len(IMPORT.read_bytes()) == upload.record.size
    assert upload.record.parts == 8
    assert upload.record.session.user.username == "admin"
    assert upload.record.imported is None
    assert upload.importable and upload.kept  # not imported, and the exchange is open
    assert not files[f"{folder}/import_files/ab/picture.jpg"].importable
    assert not files["catalog/Reports/log.zip"].importable and files["catalog/Reports/log.zip"].kept
    assert not files["catalog/gone.xml"].on_disk
    text = admin_client.get(PAGE).content.decode()
    assert "import_files/ab/picture.jpg" in text
    assert f'value="{folder}/import.xml"' in text
    assert (
        reverse("admin:cml_exchange_exchangesession_change", args=[upload.record.session.pk])
        in text
    )
    # Filters by type and name.
    assert set(listed(admin_client, kind="sale")) == set()
    assert set(listed(admin_client, q="picture")) == {f"{folder}/import_files/ab/picture.jpg"}


def test_a_symlink_out_of_the_directory_is_neither_listed_nor_followed(
    one_c, admin_client, upload_root, tmp_path
):
    one_c().init()
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "passwd.xml").write_text("secret")
    (upload_root / "catalog").mkdir(parents=True, exist_ok=True)
    (upload_root / "catalog" / "link").symlink_to(secret)
    (upload_root / "catalog" / "file.xml").symlink_to(secret / "passwd.xml")
    assert listed(admin_client) == {}
    admin_client.post(
        CLEANUP, {"action": "delete", "file": ["catalog/link/passwd.xml"], "confirm": "yes"}
    )
    admin_client.post(CLEANUP, {"action": "clean", "confirm": "yes"})
    assert (secret / "passwd.xml").read_text() == "secret"


# -- import again -------------------------------------------------------------------------


def test_import_again_reimports_a_catalog_file_by_polling(one_c, admin_client, upload_root):
    folder = session_of(catalog_exchange(one_c())).folder
    # What 1C imported is changed on the site, then imported again from the stored files.
    Product.objects.update(name="changed", active=False)
    Offer.objects.all().delete()
    replies = import_again(admin_client, f"catalog/{folder}/import.xml")
    assert replies[-1]["state"] == "done" and replies[-1]["done"]
    assert replies[-1]["message"] == pictures_not_uploaded(IMPORT.read_bytes())
    assert replies[-1]["counters"]["products_updated"] == 2
    assert replies[-1]["warnings"] == 3  # the pictures 1C did not send
    assert set(Product.objects.values_list("active", flat=True)) == {True}
    assert "changed" not in set(Product.objects.values_list("name", flat=True))
    replies = import_again(admin_client, f"catalog/{folder}/offers.xml")
    assert replies[-1]["state"] == "done"
    assert Offer.objects.count() == 5
    job = ImportJob.objects.filter(session__isnull=True).latest("pk")
    assert (job.filename, job.files, job.status) == (f"{folder}/offers.xml", ["offers.xml"], "done")
    assert job.base_dir == str(upload_root / "catalog" / folder)
    # Polling a finished job does no more work and says so.
    step = reverse("admin:cml_exchange_exchangefile_import_catalog_step", args=[job.pk])
    answer = json.loads(admin_client.post(step).content)
    assert (answer["state"], job.steps) == ("done", ImportJob.objects.get(pk=job.pk).steps)


def test_import_again_unpacks_an_archive(one_c, admin_client, upload_root):
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as archive:
        archive.writestr("import.xml", IMPORT.read_bytes())
        archive.writestr("offers.xml", OFFERS.read_bytes())
    onec = one_c()
    onec.init()
    onec.upload("goods.zip", packed.getvalue(), chunk=10_000)
    assert not Product.objects.exists()
    folder = f"catalog/{session_of(onec).folder}"
    replies = import_again(admin_client, f"{folder}/goods.zip")
    assert replies[-1]["state"] == "done", replies[-1]
    assert (Product.objects.count(), Offer.objects.count()) == (2, 5)
    assert ExchangeFile.objects.get(name=stored(onec, "goods.zip")).imported is not None
    files = listed(admin_client)
    assert {f"{folder}/goods.zip", f"{folder}/import.xml", f"{folder}/offers.xml"} <= set(files)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="another connection reads PostgreSQL as it stands"
)
def test_import_again_commits_as_it_goes_on_a_site_of_atomic_requests(
    one_c, admin_client, upload_root, monkeypatch
):
    """What a receiver of ``import_finished`` hands to another process is there for it.

    With the site's ``ATOMIC_REQUESTS`` the step ran in the request's transaction: a
    search indexer or a worker told "the import is finished" found no products yet.
    """
    monkeypatch.setitem(connection.settings_dict, "ATOMIC_REQUESTS", True)
    onec = one_c()
    onec.init()
    post(onec, "import.xml", IMPORT.read_bytes())
    seen: list[int] = []

    def count_from_another_connection(**kwargs: object) -> None:
        with psycopg.connect(**connection.get_connection_params(), autocommit=True) as other:
            row = other.execute("SELECT count(*) FROM cml_exchange_product").fetchone()
            seen.append(row[0] if row else 0)

    signals.import_finished.connect(count_from_another_connection, weak=False)
    try:
        replies = import_again(admin_client, f"catalog/{stored(onec, 'import.xml')}")
    finally:
        signals.import_finished.disconnect(count_from_another_connection)
    assert replies[-1]["state"] == "done", replies[-1]
    assert seen == [Product.objects.count()] and seen[0] > 0


def test_import_again_of_a_broken_file_fails_with_the_importers_message(
    one_c, admin_client, upload_root
):
    onec = one_c()
    onec.init()
    post(onec, "import.xml", IMPORT.read_bytes()[:5000])
    replies = import_again(admin_client, f"catalog/{stored(onec, 'import.xml')}")
    assert replies[-1]["state"] == "failed" and replies[-1]["failed"]
    assert "import.xml" in replies[-1]["error"]
    assert replies[-1]["message"] == replies[-1]["error"]
    assert not Product.objects.exists()


def test_import_again_reapplies_an_orders_file(one_c, admin_client, upload_root):
    OrderFactory.create(id=142, number="142", lines=[])
    sale = one_c("sale")
    sale.init(version="2.08")
    sale.upload("orders.xml", sample("ArgentCrusade").read_bytes(), chunk=4096)
    sale.import_file("orders.xml")
    # The site lost what 1C sent (a backup restored, say): applying the file again brings it back.
    Order.objects.filter(pk=142).update(paid=False, version_1c="")
    replies = import_again(admin_client, f"sale/{stored(sale, 'orders.xml')}")
    assert replies[-1]["state"] == "done"
    lines = [line for reply in replies for line in reply["messages"]]
    assert "Заказ №235 на сайте не найден." in lines
    assert sum(reply["applied"] for reply in replies) >= 2
    assert Order.objects.get(pk=142).paid is True
    assert ExchangeFile.objects.get(kind="sale", name=stored(sale, "orders.xml")).imported


def test_import_again_refuses_what_it_cannot_import(one_c, admin_client, upload_root):
    sale = one_c("sale")
    sale.init(version="2.08")
    sale.query()  # our own answer, query-<session>-1.xml, lies in the sale directory
    onec = one_c()
    onec.init()
    onec.upload("import_files/a.jpg", b"jpeg", chunk=100)
    files = listed(admin_client)
    query = next(key for key in files if key.startswith(f"sale/{session_of(sale).folder}/query-"))
    assert not files[query].importable
    for key in (
        query,
        f"catalog/{stored(onec, 'import_files/a.jpg')}",
        "catalog/../sale/x.xml",
        "catalog/none.xml",
        "other/x.xml",
        "catalog//etc/passwd",
    ):
        answer = admin_client.post(IMPORT_AGAIN, {"import": key}, follow=True)
        assert answer.redirect_chain[-1][0] == PAGE, key
        assert "нельзя импортировать" in answer.content.decode(), key
    assert not ImportJob.objects.exists()
    assert admin_client.get(IMPORT_AGAIN).status_code == 405


# -- clean up --------------------------------------------------------------------------------


@pytest.fixture
def leftovers(one_c: Callable[..., ExchangeClient], upload_root: Path) -> dict[str, Path]:
    """A finished exchange's files, old and new reports, and an exchange still uploading."""
    done = catalog_exchange(one_c(), complete=False)
    done.upload("import_files/ab/picture.jpg", b"jpeg", chunk=100)
    done.complete()
    sale = one_c("sale")
    sale.init(version="2.08")
    sale.query()
    sale.success()
    reports = upload_root / "catalog" / "Reports"
    reports.mkdir()
    (reports / "old.zip").write_bytes(b"PK")
    (reports / "new.zip").write_bytes(b"PK")
    set_age(reports / "old.zip", 10 * DAY)
    paths = {
        "import": folder_of(done) / "import.xml",
        "offers": folder_of(done) / "offers.xml",
        "picture": folder_of(done) / "import_files/ab/picture.jpg",
        "old_report": reports / "old.zip",
        "new_report": reports / "new.zip",
        "query": next(folder_of(sale).glob("query-*.xml")),
    }
    for name in ("import", "offers", "picture", "query"):
        set_age(paths[name], 3600)
    # Another exchange uploads a file it has not imported yet, and is still going.
    running = one_c()
    running.upload("next.xml", OFFERS.read_bytes(), chunk=100_000)
    paths["next"] = folder_of(running) / "next.xml"
    return paths


def key(path: Path) -> str:
    """The page's name of a stored file: ``<type>/<path in the type's directory>``."""
    return path.relative_to(app_settings.UPLOAD_ROOT).as_posix()


def test_clean_up_asks_then_deletes_what_is_no_longer_needed(admin_client, leftovers):
    files = listed(admin_client)
    assert files[key(leftovers["next"])].kept
    assert files["catalog/Reports/new.zip"].kept
    assert not files[key(leftovers["import"])].kept
    confirm = admin_client.post(CLEANUP, {"action": "clean"})
    assert confirm.status_code == 200
    doomed = {file.key for file in confirm.context["files"]}
    assert doomed == {
        key(leftovers[name]) for name in ("import", "offers", "picture", "old_report", "query")
    }
    assert all(path.exists() for path in leftovers.values())  # nothing deleted yet
    assert 'name="file"' not in confirm.content.decode()  # the names are not posted back
    done = admin_client.post(CLEANUP, {"action": "clean", "confirm": "yes"}, follow=True)
    # the tests run in Russian
    assert [str(message) for message in done.context["messages"]] == ["5 файлов удалено."]
    kept = {name for name, path in leftovers.items() if path.exists()}
    assert kept == {"new_report", "next"}
    # Emptied folders go too, the finished exchanges' own included.
    assert not leftovers["import"].parent.exists() and not leftovers["query"].parent.exists()
    assert set(ExchangeFile.objects.values_list("name", flat=True)) == {
        key(leftovers["next"]).removeprefix("catalog/")
    }


def test_clean_up_works_out_again_at_confirmation_what_to_delete(
    admin_client, leftovers, one_c, upload_root
):
    confirm = admin_client.post(CLEANUP, {"action": "clean", "kind": "catalog"})
    assert key(leftovers["import"]) in {file.key for file in confirm.context["files"]}
    # Before the admin confirms, another exchange starts and uploads a file: it stays.
    late = one_c()
    late.upload("late.xml", OFFERS.read_bytes(), chunk=100_000)
    upload = ExchangeFile.objects.get(name__endswith="late.xml")
    admin_client.post(CLEANUP, {"action": "clean", "kind": "catalog", "confirm": "yes"})
    assert (upload_root / "catalog" / upload.name).exists()
    assert leftovers["next"].exists()
    assert not leftovers["import"].exists() and not leftovers["offers"].exists()
    assert leftovers["query"].exists()  # the orders directory was not asked for


def test_a_file_still_needed_goes_only_when_selected(admin_client, leftovers):
    needed = key(leftovers["next"])
    confirm = admin_client.post(CLEANUP, {"action": "delete", "file": [needed]})
    assert [file.key for file in confirm.context["needed"]] == [needed]
    assert "errornote" in confirm.content.decode()
    assert leftovers["next"].exists()
    admin_client.post(CLEANUP, {"action": "delete", "file": [needed], "confirm": "yes"})
    assert not leftovers["next"].exists()
    assert not ExchangeFile.objects.filter(name__endswith="next.xml").exists()
    assert leftovers["import"].exists()


def test_deleting_stays_inside_the_exchange_directory(admin_client, leftovers, upload_root):
    outside = upload_root / "outside.xml"
    outside.write_text("keep me")
    for wrong in (
        "catalog/../outside.xml",
        "catalog/../../outside.xml",
        "sale/../" + key(leftovers["import"]),
    ):
        answer = admin_client.post(CLEANUP, {"action": "delete", "file": [wrong], "confirm": "yes"})
        assert answer.status_code == 302
    assert outside.read_text() == "keep me"
    assert leftovers["import"].exists()


def test_actions_need_post_and_the_csrf_token(admin_user, leftovers):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(admin_user)
    assert browser.get(CLEANUP).status_code == 405
    imported = key(leftovers["import"])
    refused = browser.post(CLEANUP, {"action": "delete", "file": [imported], "confirm": "yes"})
    assert refused.status_code == 403
    assert browser.post(IMPORT_AGAIN, {"import": imported}).status_code == 403
    assert leftovers["import"].exists() and not ImportJob.objects.filter(session=None).exists()
    page = browser.get(PAGE)
    token = page.context["csrf_token"]
    started = browser.post(IMPORT_AGAIN, {"import": imported, "csrfmiddlewaretoken": str(token)})
    assert started.status_code == 302
    progress = browser.get(started["Location"])
    step_url = progress.context["step_url"]
    assert browser.post(step_url).status_code == 403  # the script sends the token in a header
    cookie = browser.cookies["csrftoken"].value
    answer = browser.post(step_url, HTTP_X_CSRFTOKEN=cookie)
    assert answer.status_code == 200 and json.loads(answer.content)["state"] in ("progress", "done")


def test_clean_up_keeps_the_files_of_an_import_still_running(admin_client, leftovers):
    offers = key(leftovers["offers"])
    started = admin_client.post(IMPORT_AGAIN, {"import": offers})
    assert started.status_code == 302  # a job is made; nobody polled it yet
    files = listed(admin_client)
    assert files[offers].kept
    assert not files[key(leftovers["import"])].kept
    confirm = admin_client.post(CLEANUP, {"action": "clean"})
    assert offers not in {file.key for file in confirm.context["files"]}
