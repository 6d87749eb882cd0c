"""Exchange sessions as the clients people really use keep them.

1C keeps the cookie and ``sessid`` that ``checkauth`` gave, and uses them
for both types; cookie-jar clients (``curl -c/-b``) keep only ``Set-Cookie``;
replay scripts send Basic auth on every request and no cookie at all; a
browser-based importer relies on the site login. Bitrix accepts all of them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.utils import timezone

from cml_exchange.models import ExchangeSession, ExchangeSettings, ImportJob, Order, Product
from cml_exchange.protocol.sessions import COOKIE_NAME
from tests.e2e.catalogs import import_xml, make_catalog
from tests.factories import OrderFactory
from tests.integration.importer.test_samples import SETS
from tests.integration.protocol.exchange import (
    URL,
    basic,
    body,
    folder_of,
    get,
    import_reply,
    new_1c,
    pictures_not_uploaded,
    session_of,
)
from tests.paths import sample

pytestmark = pytest.mark.django_db

CAT_IMPORT, CAT_OFFERS = (sample(name) for name in SETS["carono"])
BAD_LOGIN = "failure\nОшибка авторизации. Неверное имя пользователя или пароль."


def text(reply: bytes) -> str:
    return reply.decode("cp1251")


# -- 1. one cookie for both types -------------------------------------------------------


def test_a_session_opened_for_orders_serves_the_catalog(admin_user, upload_root):
    onec = new_1c()
    onec.checkauth("sale")
    onec.kind = "catalog"  # the catalog next, with the same cookie and sessid
    onec.init()
    onec.upload("import.xml", CAT_IMPORT.read_bytes(), chunk=50_000)
    said = pictures_not_uploaded(CAT_IMPORT.read_bytes())
    assert text(import_reply(onec, "import.xml")) == f"success\n{said}"
    assert Product.objects.count() == 2
    onec.complete()
    sale = session_of(onec, "sale")
    sessions = ExchangeSession.objects.order_by("kind")
    assert [(row.kind, row.token) for row in sessions] == [
        ("catalog", sale.token),
        ("sale", sale.token),
    ]
    assert session_of(onec).folder != sale.folder  # files never mix


def test_a_session_opened_for_the_catalog_serves_orders(admin_user, upload_root):
    OrderFactory.create(number="A-7")
    onec = new_1c()
    onec.checkauth("catalog")
    onec.kind = "sale"  # orders next, with the same cookie and sessid
    assert get(onec, "init", version="2.08").startswith(b"zip=")
    assert "A-7" in text(onec.query())
    assert get(onec, "success") == b"success\n"


def test_the_other_type_still_needs_its_own_rights(upload_root):
    user = User.objects.create_user("catalog-only", password="secret")
    group = Group.objects.create(name="1C catalog")
    user.groups.add(group)
    ExchangeSettings.load().catalog_groups.add(group)
    onec = new_1c("catalog-only")
    onec.checkauth("catalog")
    assert text(get(onec, "init", kind="sale")) == (
        "failure\nУ Вас нет прав для обмена. Проверьте настройки компонента."
    )


def test_a_cookie_of_one_type_with_a_wrong_sessid_is_refused_for_the_other(admin_user, upload_root):
    ExchangeSettings.load()
    ExchangeSettings.objects.update(sale_sessid_required=True)  # 1C sent one for orders once
    onec = new_1c()
    onec.checkauth("catalog")
    forged = onec.request("init", kind="sale", params={"version": "2.08"}, sessid="sessid=forged")
    assert text(forged.body).startswith("failure\nОшибка проверки источника запроса.")


# -- 2. a real Set-Cookie ----------------------------------------------------------------


def test_checkauth_sets_the_cookie_it_reports(client, admin_user, upload_root):
    reply = client.get(
        URL, {"type": "catalog", "mode": "checkauth"}, HTTP_AUTHORIZATION=basic("admin", "secret")
    )
    name, value = text(reply.content).split("\n")[1:3]
    assert name == COOKIE_NAME
    cookie = reply.cookies[name]
    assert cookie.value == value
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert cookie["path"] == "/"


def test_a_cookie_jar_client_exchanges_without_reading_the_reply(client, admin_user, upload_root):
    """``curl -c jar -b jar``: the client stores Set-Cookie, never parses lines 2-3."""
    jar = Client()  # keeps what Set-Cookie says, as curl's jar does
    checkauth = jar.get(
        URL, {"type": "catalog", "mode": "checkauth"}, HTTP_AUTHORIZATION=basic("admin", "secret")
    )
    assert checkauth.content.startswith(b"success\n")
    onec = new_1c(jar=jar)  # no cookie nor sessid of its own: curl scripts rarely send one
    assert get(onec, "init").startswith(b"zip=")
    onec.upload("import.xml", CAT_IMPORT.read_bytes(), chunk=50_000)
    onec.upload("offers.xml", CAT_OFFERS.read_bytes(), chunk=50_000)
    onec.import_file("import.xml")
    onec.import_file("offers.xml")
    assert Product.objects.count() == 2 and ImportJob.objects.filter(status="done").count() == 2


def test_the_cookie_is_secure_over_https(client, admin_user, upload_root):
    reply = client.get(
        URL,
        {"type": "catalog", "mode": "checkauth"},
        HTTP_AUTHORIZATION=basic("admin", "secret"),
        secure=True,
    )
    assert reply.cookies[COOKIE_NAME]["secure"]


# -- 3. logged in to the site --------------------------------------------------------------


def test_checkauth_of_a_user_logged_in_to_the_site(client, admin_user, upload_root):
    client.force_login(admin_user)  # the browser importer's session, no Basic auth
    reply = client.get(URL, {"type": "catalog", "mode": "checkauth"})
    lines = text(reply.content).split("\n")
    assert lines[0] == "success" and lines[1] == COOKIE_NAME
    browser = new_1c(jar=client)  # its cookies: the site login and the exchange's
    assert browser.request("init", sessid=lines[3]).body.startswith(b"zip=")
    assert ExchangeSession.objects.get(kind="catalog").user == admin_user


def test_a_site_login_without_exchange_rights_is_refused(client, upload_root):
    customer = User.objects.create_user("customer", password="secret", is_staff=True)
    client.force_login(customer)
    reply = client.get(URL, {"type": "catalog", "mode": "checkauth"})
    assert text(reply.content) == (
        "failure\nУ Вас нет прав для импорта каталога. Проверьте настройки компонента импорта."
    )
    assert not ExchangeSession.objects.exists()


def test_an_anonymous_checkauth_is_a_bad_login(client, upload_root):
    assert text(client.get(URL, {"type": "catalog", "mode": "checkauth"}).content) == BAD_LOGIN


def test_basic_credentials_win_over_the_site_login(client, admin_user, upload_root):
    User.objects.create_user("other", password="secret", is_staff=True)
    client.force_login(User.objects.get(username="other"))
    reply = client.get(
        URL, {"type": "catalog", "mode": "checkauth"}, HTTP_AUTHORIZATION=basic("admin", "wrong")
    )
    assert text(reply.content) == BAD_LOGIN


# -- 4. a file imported again once uploaded again --------------------------------------------

CATALOG = make_catalog("sessions", 3)


def renamed(name: str) -> bytes:
    """``import.xml`` of :data:`CATALOG` with its first product called ``name``."""
    first = dataclasses.replace(CATALOG.items[0], name=name)
    return import_xml(dataclasses.replace(CATALOG, items=(first, *CATALOG.items[1:])))


def first_name() -> str:
    return Product.objects.get(external_id=CATALOG.items[0].id).name


def test_a_file_uploaded_again_in_the_same_exchange_is_imported_again(one_c):
    one_c.upload("import.xml", renamed("Чайник"), chunk=50_000)
    one_c.import_file("import.xml")
    # 1C repeats the import: the same upload, answered from the job that imported it.
    one_c.import_file("import.xml")
    assert ImportJob.objects.count() == 1
    # 1C sends the file again under the same name, changed: imported anew.
    one_c.upload("import.xml", renamed("Чайник электрический"), chunk=50_000)
    one_c.import_file("import.xml")
    assert ImportJob.objects.count() == 2
    assert first_name() == "Чайник электрический"


def test_another_catalog_under_the_same_name_is_imported(one_c):
    one_c.upload("import.xml", CAT_IMPORT.read_bytes(), chunk=50_000)
    one_c.import_file("import.xml")
    one_c.upload("import.xml", import_xml(CATALOG), chunk=50_000)
    one_c.import_file("import.xml")
    assert Product.objects.count() == 2 + len(CATALOG.items)


def test_a_file_changed_on_disk_since_its_import_is_imported_again(one_c):
    one_c.upload("import.xml", renamed("Чайник"), chunk=50_000)
    one_c.import_file("import.xml")
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(finished=timezone.now() - dt.timedelta(minutes=5))
    (folder_of(one_c) / "import.xml").write_bytes(renamed("Утюг"))  # copied in by hand
    one_c.import_file("import.xml")
    assert ImportJob.objects.count() == 2
    assert first_name() == "Утюг"


def replay(path_query: str, data: bytes | None = None) -> str:
    """One request of a replay script: Basic auth, no cookie, a fresh connection."""
    script = Client(HTTP_AUTHORIZATION=basic("admin", "secret"))
    if data is None:
        return text(body(script.get(f"{URL}?{path_query}")))
    posted = script.post(f"{URL}?{path_query}", data, content_type="application/octet-stream")
    return text(posted.content)


def replay_exchange(data: bytes) -> list[str]:
    answers = [replay("type=catalog&mode=init")]
    answers.append(replay("type=catalog&mode=file&filename=import.xml", data))
    while True:
        answers.append(replay("type=catalog&mode=import&filename=import.xml"))
        if not answers[-1].startswith("progress\n"):
            return answers


def test_a_cookieless_script_imports_a_new_file_every_time(admin_user, upload_root):
    assert replay_exchange(renamed("Чайник"))[-1] == "success\nИмпорт успешно завершен."
    assert first_name() == "Чайник"
    # Within the hour, the next run sends the catalog again, changed in 1C.
    assert replay_exchange(renamed("Утюг"))[-1] == "success\nИмпорт успешно завершен."
    assert first_name() == "Утюг"
    # The next day, changed again.
    ExchangeSession.objects.update(last_seen=timezone.now() - dt.timedelta(days=1))
    assert replay_exchange(renamed("Пылесос"))[-1] == "success\nИмпорт успешно завершен."
    assert first_name() == "Пылесос"
    assert ImportJob.objects.count() == 3
    assert ExchangeSession.objects.count() == 3  # each init begins an exchange


def query_numbers(document: str) -> list[str]:
    """The numbers of the orders a ``query`` answer holds."""
    return re.findall(r"<Номер>([^<]*)</Номер>", document)


def test_a_cookieless_query_beside_1c_does_not_take_the_orders_1c_confirms(admin_user, upload_root):
    """1C's ``success`` confirms what 1C received, whatever a script of its login asks meanwhile."""
    OrderFactory.create(number="1")
    onec = new_1c()
    onec.checkauth("sale")
    onec.init("sale", version="2.08")
    assert query_numbers(onec.query().decode("cp1251")) == ["1"]
    OrderFactory.create(number="2")  # a customer orders while 1C reads its answer
    script = replay("type=sale&mode=query")  # a monitor or a second base, no cookie
    assert query_numbers(script) == ["1", "2"]
    assert get(onec, "success") == b"success\n"
    # order 2 never reached 1C: its next exchange gets it
    again = new_1c()
    again.checkauth("sale")
    again.init("sale", version="2.08")
    assert query_numbers(again.query().decode("cp1251")) == ["2"]


def test_a_cookieless_script_sends_its_orders_file_after_success(admin_user, upload_root):
    """As 1C does with its cookie: query, success, then its own orders file, in parts."""
    OrderFactory.create(id=20, number="20", lines=[])
    assert replay("type=sale&mode=checkauth").startswith("success\n")
    assert replay("type=sale&mode=init&version=2.08").startswith("zip=")
    assert query_numbers(replay("type=sale&mode=query")) == ["20"]
    assert replay("type=sale&mode=success") == "success\n"
    paid = sample("carono__yii2-1c-exchange__files__xml__to").read_bytes()
    half = len(paid) // 2
    for part in (paid[:half], paid[half:]):
        assert replay("type=sale&mode=file&filename=to.xml", part) == "success\n"
    assert not Order.objects.get(pk=20).paid  # stored whole first, as the version asks
    assert replay("type=sale&mode=import&filename=to.xml") == "success\n"
    assert Order.objects.get(pk=20).paid
    (session,) = ExchangeSession.objects.filter(kind="sale")  # one exchange, as 1C's
    assert session.files == 1 and session.bytes_received == len(paid)


def test_a_cookieless_catalog_run_without_init_is_an_exchange_of_its_own(admin_user, upload_root):
    """Not the last run's, finished: a product 1C dropped since is deactivated."""

    def run(data: bytes, *, init: bool) -> None:
        if init:
            assert replay("type=catalog&mode=init").startswith("zip=")
        assert replay("type=catalog&mode=file&filename=import.xml", data) == "success\n"
        while (reply := replay("type=catalog&mode=import&filename=import.xml")).startswith(
            "progress\n"
        ):
            pass
        assert reply.startswith("success\n")
        assert replay("type=catalog&mode=complete").startswith("success\n")

    run(import_xml(CATALOG), init=True)
    assert Product.objects.filter(active=True).count() == len(CATALOG.items)
    ExchangeSession.objects.update(last_seen=timezone.now() - dt.timedelta(minutes=30))
    ImportJob.objects.update(finished=timezone.now() - dt.timedelta(minutes=30))
    run(import_xml(dataclasses.replace(CATALOG, items=CATALOG.items[1:])), init=False)
    assert not Product.objects.get(external_id=CATALOG.items[0].id).active
    assert ExchangeSession.objects.count() == 2


# -- 5. the sessid check can be switched off --------------------------------------------------


def test_the_sessid_check_switched_off_accepts_any_sessid(admin_user, upload_root):
    onec = new_1c()
    onec.checkauth()
    assert get(onec, "init").startswith(b"zip=")  # valid: from now on required
    lost = "sessid=lost-on-the-way"
    refused = onec.request("init", sessid=lost).body
    assert text(refused).startswith("failure\nОшибка проверки источника запроса.")
    ExchangeSettings.objects.update(check_request_source=False)
    assert onec.request("init", sessid=lost).body.startswith(b"zip=")
    assert onec.request("init", sessid="").body.startswith(b"zip=")


def test_the_switch_is_on_the_settings_page_in_bitrix_words(admin_client):
    settings = ExchangeSettings.load()
    page = admin_client.get(f"/admin/cml_exchange/exchangesettings/{settings.pk}/change/")
    assert page.status_code == 200
    assert "Проверять источник запроса (sessid)" in page.content.decode()
    assert settings.check_request_source is True  # on, as in 1C-Bitrix
