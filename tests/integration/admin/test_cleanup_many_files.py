""" "Clean up" of exchange directories holding 10,000+ files, as the admin's browser does it.

The confirmation used to post one field per file, which Django refuses above
``DATA_UPLOAD_MAX_NUMBER_FIELDS`` (1000) with a 400. The confirmation now
posts the action and the exchange type; the server works out again, at
confirmation, what to delete, and never what an open exchange still needs.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cml_exchange.admin.files import PER_PAGE, SAMPLE
from cml_exchange.models import ExchangeFile, ExchangeSession

pytestmark = pytest.mark.django_db

PAGE = reverse("admin:cml_exchange_exchangefile_changelist")
CLEANUP = reverse("admin:cml_exchange_exchangefile_cleanup")
#: Ten times what Django lets a form post by default.
MANY = 10_050
HOUR = 3600


class _Forms(HTMLParser):
    """The fields each ``<form>`` of a page would post (hidden inputs and checked boxes)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[list[tuple[str, str]]] = []
        self._inside = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "form":
            self._inside = True
            self.forms.append([])
        elif self._inside and tag == "input" and values.get("name"):
            kind = values.get("type") or "text"
            if kind == "hidden" or (kind == "checkbox" and "checked" in values):
                self.forms[-1].append((str(values["name"]), values.get("value") or ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._inside = False


def press_yes(client: Client, confirmation: Any) -> Any:
    """Submit the confirmation's form exactly as a browser would (every field it holds)."""
    parser = _Forms()
    parser.feed(confirmation.content.decode())
    form = next(fields for fields in parser.forms if ("confirm", "yes") in fields)
    data: dict[str, list[str]] = {}
    for name, value in form:
        data.setdefault(name, []).append(value)
    return client.post(CLEANUP, data, follow=True)


def files_under(directory: Path) -> set[str]:
    return {
        Path(root, name).relative_to(directory).as_posix()
        for root, _dirs, names in os.walk(directory)
        for name in names
    }


def write(path: Path, body: bytes, age: float = HOUR) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(body)
    moment = time.time() - age
    os.utime(path, (moment, moment))


@pytest.fixture
def crowded(upload_root: Path) -> dict[str, object]:
    """10,050 imported files of an exchange that ended, and one upload an open exchange needs.

    The old files sit in subfolders, as an exchange's own folder and 1C's
    ``import_files/<xx>/`` make them; every one has its upload row.
    """
    catalog = upload_root / "catalog"
    an_hour_ago = timezone.now() - dt.timedelta(hours=1)
    ended = ExchangeSession.objects.create(
        kind="catalog", token="ended", sessid="e", finished=an_hour_ago, outcome="success"
    )
    names = [f"old{n % 3}/import_files/{n % 97:02d}/{n}.jpg" for n in range(MANY - 1)]
    names.append("old0/import.xml")
    for name in names:
        write(catalog / name, b"x" * 10)
    ExchangeFile.objects.bulk_create(
        ExchangeFile(
            kind="catalog", name=name, session=ended, size=10, parts=1, imported=an_hour_ago
        )
        for name in names
    )
    # An exchange still open uploaded a file it has not imported yet: it must stay.
    open_exchange = ExchangeSession.objects.create(kind="catalog", token="open", sessid="o")
    needed = "current/offers.xml"
    write(catalog / needed, b"<offers/>")
    ExchangeFile.objects.create(kind="catalog", name=needed, session=open_exchange, parts=1)
    # An orders file of an ended exchange: cleaning up the catalog only leaves it alone.
    write(upload_root / "sale" / "old/orders.xml", b"<orders/>")
    return {"catalog": catalog, "names": names, "needed": needed, "open": open_exchange}


def test_the_page_of_ten_thousand_files_answers_a_page_at_a_time(admin_client, crowded):
    page = admin_client.get(PAGE, {"kind": "catalog"})
    assert page.status_code == 200
    assert page.context["result_count"] == MANY + 1
    assert len(page.context["files"]) == PER_PAGE
    pages = -(-(MANY + 1) // PER_PAGE)
    last = admin_client.get(PAGE, {"kind": "catalog", "p": str(pages)})
    assert last.status_code == 200
    assert len(last.context["files"]) == MANY + 1 - (pages - 1) * PER_PAGE


def test_clean_up_of_ten_thousand_files_asks_once_then_deletes_them_all(admin_client, crowded):
    catalog = crowded["catalog"]
    page = admin_client.get(PAGE, {"kind": "catalog"})
    assert page.status_code == 200
    confirmation = admin_client.post(CLEANUP, {"action": "clean", "kind": "catalog"})
    assert confirmation.status_code == 200
    text = confirmation.content.decode()
    # Counts, total size and a sample, not 10,000 rows.
    assert confirmation.context["count"] == MANY
    assert confirmation.context["size"] == 10 * MANY
    assert f"{MANY} файлов из папок обмена больше не нужны" in text
    assert "98,1\xa0КБ" in text  # 100,500 bytes
    assert f"и ещё {MANY - SAMPLE} файлов" in text
    assert text.count("<li>") < SAMPLE + 10
    assert "1 файл ещё нужен и останется" in text
    assert len(files_under(catalog)) == MANY + 1  # nothing deleted yet

    started = time.perf_counter()
    done = press_yes(admin_client, confirmation)
    took = time.perf_counter() - started

    assert done.status_code == 200
    assert done.redirect_chain[-1][0] == PAGE
    assert [str(message) for message in done.context["messages"]] == [f"{MANY} файлов удалено."]
    assert files_under(catalog) == {crowded["needed"]}
    assert sorted(path.name for path in catalog.iterdir()) == ["current"]  # emptied folders go
    assert list(ExchangeFile.objects.values_list("name", flat=True)) == [crowded["needed"]]
    assert files_under(catalog.parent / "sale") == {"old/orders.xml"}  # another type's
    assert took < 60, took


def test_what_became_needed_after_the_confirmation_was_shown_stays(admin_client, crowded):
    confirmation = admin_client.post(CLEANUP, {"action": "clean"})
    assert confirmation.context["count"] == MANY + 1  # the catalog's, and the orders file
    # Before the admin says yes, the open exchange takes over an old upload to import it again.
    ExchangeFile.objects.filter(name="old0/import.xml").update(
        session=crowded["open"], imported=None
    )
    done = press_yes(admin_client, confirmation)
    assert [str(message) for message in done.context["messages"]] == [f"{MANY} файлов удалено."]
    assert files_under(crowded["catalog"]) == {crowded["needed"], "old0/import.xml"}
    assert not files_under(crowded["catalog"].parent / "sale")


def test_delete_selected_of_a_whole_page_of_many_files(admin_client, crowded):
    page = admin_client.get(PAGE, {"kind": "catalog", "p": "2"})
    keys = [file.key for file in page.context["files"]]
    assert len(keys) == PER_PAGE
    confirmation = admin_client.post(CLEANUP, {"action": "delete", "file": keys})
    assert confirmation.status_code == 200
    assert confirmation.context["count"] == PER_PAGE
    done = press_yes(admin_client, confirmation)
    assert [str(message) for message in done.context["messages"]] == [f"{PER_PAGE} файлов удалено."]
    assert len(files_under(crowded["catalog"])) == MANY + 1 - PER_PAGE
    assert ExchangeFile.objects.count() == MANY + 1 - PER_PAGE


def test_clean_up_needs_the_delete_permission(staff, crowded):
    viewer = staff("view_exchangefile")
    assert viewer.get(PAGE).status_code == 200
    assert viewer.post(CLEANUP, {"action": "clean"}).status_code == 403
    assert viewer.post(CLEANUP, {"action": "clean", "confirm": "yes"}).status_code == 403
    assert len(files_under(crowded["catalog"])) == MANY + 1


def test_clean_up_deletes_each_file_by_its_own_name_and_stays_inside(admin_client, upload_root):
    """Names on disk are not 1C's: no prefix stripped, no link followed, odd files go too."""
    catalog = upload_root / "catalog"
    outside = upload_root.parent / "outside"
    write(outside / "passwd.xml", b"keep me")
    write(catalog / "tmp/next.xml", b"old")  # not "next.xml" with 1C's /tmp/ prefix
    write(catalog / "stray.php", b"<?php")  # no upload makes it, but it is in the folder
    write(catalog / "next.xml", b"needed")
    catalog.joinpath("link").symlink_to(outside)
    open_exchange = ExchangeSession.objects.create(kind="catalog", token="open", sessid="o")
    ExchangeFile.objects.create(kind="catalog", name="next.xml", session=open_exchange, parts=1)
    imported = timezone.now() - dt.timedelta(hours=1)
    ExchangeFile.objects.create(kind="catalog", name="link/passwd.xml", imported=imported)

    confirmation = admin_client.post(CLEANUP, {"action": "clean"})
    assert {file.key for file in confirmation.context["files"]} == {
        "catalog/tmp/next.xml",
        "catalog/stray.php",
        "catalog/link/passwd.xml",  # a row whose file is not in the folder
    }
    done = press_yes(admin_client, confirmation)
    assert done.status_code == 200
    assert (catalog / "next.xml").read_bytes() == b"needed"
    assert (outside / "passwd.xml").read_bytes() == b"keep me"
    assert not (catalog / "tmp").exists() and not (catalog / "stray.php").exists()
    assert list(ExchangeFile.objects.values_list("name", flat=True)) == ["next.xml"]
