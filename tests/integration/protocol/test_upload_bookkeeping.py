"""A part's row, the session's counts and the request's log commit together, or the part goes.

The tests marked ``transaction=True`` run as in production, each request in a
transaction of its own: on PostgreSQL a part that extends a file then records
itself in one query (``unsynced.unsynced_batch``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cml_exchange.models import (
    ExchangeFile,
    ExchangeRequest,
    ExchangeSession,
    ExchangeSettings,
    Product,
)
from tests.integration.protocol.exchange import URL, basic, folder_of, post, session_of, stored
from tests.paths import sample

pytestmark = pytest.mark.usefixtures("statements_as_text")  # the queries are read as SQL

LOG_TABLE = ExchangeRequest._meta.db_table


@pytest.fixture
def refuse_log(db: None) -> Iterator[Callable[[], None]]:
    """Makes the database refuse every new request log row, as a full disk or a lost lock would."""
    postgres = connection.vendor == "postgresql"

    def refuse() -> None:
        with connection.cursor() as cursor:
            if postgres:
                cursor.execute(
                    "CREATE FUNCTION refuse_log() RETURNS trigger AS $$"
                    " BEGIN RAISE EXCEPTION 'no log'; END $$ LANGUAGE plpgsql"
                )
                cursor.execute(
                    f"CREATE TRIGGER refuse_log BEFORE INSERT ON {LOG_TABLE}"
                    " FOR EACH ROW EXECUTE FUNCTION refuse_log()"
                )
            else:
                cursor.execute(
                    f"CREATE TRIGGER refuse_log BEFORE INSERT ON {LOG_TABLE}"
                    " BEGIN SELECT RAISE(ABORT, 'no log'); END"
                )

    yield refuse
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER IF EXISTS refuse_log{f' ON {LOG_TABLE}' if postgres else ''}")
        if postgres:
            cursor.execute("DROP FUNCTION IF EXISTS refuse_log()")


def test_one_commit_a_part(one_c, upload_root):
    post(one_c, "import.xml", b"<first/>")
    with CaptureQueriesContext(connection) as queries:
        assert post(one_c, "import.xml", b"<second/>") == b"success\n"
    # The file's row, the session's counts with last_seen, the log: one atomic block (a
    # savepoint inside the test's own transaction, a transaction of its own in production).
    statements = [query["sql"].split()[0] for query in queries]
    assert [word for word in statements if word != "SELECT"] == [
        *("SAVEPOINT", "UPDATE", "UPDATE", "INSERT", "RELEASE"),
    ]
    record = ExchangeFile.objects.get(name=stored(one_c, "import.xml"))
    assert (record.size, record.parts) == (17, 2)
    assert session_of(one_c).bytes_received == 17


FAILED = "failure\nВнутренняя ошибка сайта".encode("cp1251")


def test_a_first_part_that_cannot_be_recorded_is_not_kept(one_c, upload_root, refuse_log):
    refuse_log()
    assert post(one_c, "import.xml", b"<first/>").startswith(FAILED)
    assert not (folder_of(one_c) / "import.xml").exists()
    assert not ExchangeFile.objects.filter(name=stored(one_c, "import.xml")).exists()
    assert session_of(one_c).bytes_received == 0


@pytest.mark.parametrize(
    "in_production",
    [
        pytest.param(False, id="in-the-tests-transaction"),
        # each request in a transaction of its own: on PostgreSQL the part's writes are
        # one query (unsynced.unsynced_batch), which fails as a whole
        pytest.param(True, id="own-transaction", marks=pytest.mark.django_db(transaction=True)),
    ],
)
def test_a_later_part_that_cannot_be_recorded_is_cut_off(
    one_c, upload_root, refuse_log, in_production
):
    assert post(one_c, "import.xml", b"<first/>") == b"success\n"
    refuse_log()
    assert post(one_c, "import.xml", b"<second/>").startswith(FAILED)
    assert (folder_of(one_c) / "import.xml").read_bytes() == b"<first/>"
    record = ExchangeFile.objects.get(name=stored(one_c, "import.xml"))
    assert (record.size, record.parts) == (8, 1)
    assert session_of(one_c).bytes_received == 8


@pytest.fixture(params=[False, True], ids=["autocommit", "atomic_requests"])
def site_requests(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    """The site's own requests in autocommit, or each in a transaction (``ATOMIC_REQUESTS``).

    The exchange's requests commit as they go either way: the setting is the site's.
    """
    monkeypatch.setitem(connection.settings_dict, "ATOMIC_REQUESTS", request.param)
    return bool(request.param)


@pytest.mark.django_db(transaction=True)
def test_a_part_that_extends_a_file_is_recorded_in_one_query(one_c, upload_root, site_requests):
    with CaptureQueriesContext(connection) as first:
        assert post(one_c, "import.xml", b"<first/>") == b"success\n"
    with CaptureQueriesContext(connection) as later:
        for part in (b"<second/>", b"<third/>"):
            assert post(one_c, "import.xml", part) == b"success\n"
    writes = [q["sql"] for q in later.captured_queries if not q["sql"].startswith("SELECT")]
    reads = [q["sql"] for q in later.captured_queries if q["sql"].startswith("SELECT")]
    if connection.vendor == "postgresql":
        # the part that starts the file commits in full: its row lost, the next part
        # would start the file over
        assert not any("synchronous_commit" in q["sql"] for q in first.captured_queries)
        assert len(writes) == 2
        assert all(w.startswith("SET LOCAL synchronous_commit TO OFF; UPDATE ") for w in writes)
        # and reads the settings, its session and the file's row in one query
        assert len(reads) == 2
        assert all(r.count("; SELECT ") == 1 and "cml_exchange_exchangefile" in r for r in reads)
    else:
        assert len(reads) == 4  # two a part: the settings; the session with the file's row
    record = ExchangeFile.objects.get(name=stored(one_c, "import.xml"))
    assert (record.size, record.parts) == (25, 3)
    assert session_of(one_c).bytes_received == 25
    logged = ExchangeRequest.objects.filter(mode="file", session=session_of(one_c))
    assert list(logged.values_list("status", flat=True)) == ["success"] * 3


@pytest.mark.django_db(transaction=True)
def test_a_script_without_cookies_uploads_in_parts_and_imports(admin_user, upload_root):
    """Basic auth on each request and no cookie: the parts find their exchange all the same."""

    def send(query: str, data: bytes | None = None) -> bytes:
        script = Client(HTTP_AUTHORIZATION=basic("admin", "secret"))
        if data is None:
            return script.get(f"{URL}?type=catalog&{query}").content
        return script.post(
            f"{URL}?type=catalog&{query}", data, content_type="application/octet-stream"
        ).content

    # 8 KiB with a byte order mark, in three parts: the mark in the first, UTF-8 split anywhere
    catalog = sample("bigperson__exchange1c__tests__xml__import").read_bytes()
    assert send("mode=init").startswith(b"zip=")
    third = len(catalog) // 3
    for piece in (catalog[:third], catalog[third : 2 * third], catalog[2 * third :]):
        assert send("mode=file&filename=import.xml", piece) == b"success\n"
    (record,) = ExchangeFile.objects.all()
    assert (record.size, record.parts) == (len(catalog), 3)
    assert ExchangeSession.objects.get(pk=record.session_id).bytes_received == len(catalog)
    while (reply := send("mode=import&filename=import.xml")).startswith(b"progress"):
        pass
    assert reply.startswith(b"success\n"), reply.decode("cp1251")
    assert Product.objects.count() == 2  # as EXPECTED_COUNTS.json counts the sample's


@pytest.mark.django_db(transaction=True)
def test_a_file_sent_again_after_its_import_starts_afresh(one_c, upload_root):
    """The file's row comes with the session: an imported one still makes the next part a start."""
    for part in (b"<first/>", b"<second/>"):
        assert post(one_c, "import.xml", part) == b"success\n"
    ExchangeFile.objects.filter(name=stored(one_c, "import.xml")).update(imported=timezone.now())
    assert post(one_c, "import.xml", b"<again/>") == b"success\n"
    assert (folder_of(one_c) / "import.xml").read_bytes() == b"<again/>"
    record = ExchangeFile.objects.get(name=stored(one_c, "import.xml"))
    assert (record.size, record.parts, record.imported) == (8, 1, None)


@pytest.mark.django_db(transaction=True)
def test_orders_files_under_a_catalog_cookie_go_to_the_orders_exchange(one_c, upload_root):
    """A sale part whose cookie is the catalog's: its file's row is the sale session's."""
    assert post(one_c, "orders.xml", b"<catalog/>") == b"success\n"
    one_c.kind = "sale"
    document = '<КоммерческаяИнформация ВерсияСхемы="2.05"/>'.encode()
    assert post(one_c, "orders.xml", document).startswith(b"success")
    sale = session_of(one_c, "sale")
    record = ExchangeFile.objects.get(kind="sale", name=f"{sale.folder}/orders.xml")
    assert (record.size, record.parts, record.session_id) == (len(document), 1, sale.pk)
    catalog = session_of(one_c, "catalog")
    assert ExchangeFile.objects.get(kind="catalog", name=f"{catalog.folder}/orders.xml").size == 10


@pytest.mark.django_db(transaction=True)
def test_a_request_whose_settings_cannot_be_read_gets_failure_not_an_error_page(
    one_c, site_requests
):
    """The database refusing the first reads (here: the settings' table gone) is 1C's failure.

    With ``ATOMIC_REQUESTS`` on PostgreSQL the failure's log row would have gone into the
    request's aborted transaction, and the monitor would not show it.
    """
    table = ExchangeSettings._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {table} RENAME TO {table}_gone")
    try:
        reply = post(one_c, "import.xml", b"<first/>")
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {table}_gone RENAME TO {table}")
    assert reply.startswith(FAILED)
    assert not (folder_of(one_c) / "import.xml").exists()
    # the request is in the exchange log all the same, as a failure
    logged = ExchangeRequest.objects.filter(mode="file").values_list("status", "filename")
    assert list(logged) == [("failure", "import.xml")]
