"""The request path's statements give what the ORM gives, on SQLite and PostgreSQL.

Every 1C request reads the settings and its session through
:mod:`cml_exchange.models.statements` and writes its log through it: an
instance it builds must hold the same values, of the same types, as the
ORM's; its writes must store what ``save()``/``update()`` would.
"""

from __future__ import annotations

import datetime as dt
import gc
import threading
import weakref

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, connection, connections, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cml_exchange.models import (
    ExchangeFile,
    ExchangeRequest,
    ExchangeSession,
    ExchangeSettings,
    OrderStatus,
    statements,
)
from cml_exchange.models.statements.prepared import execute_several

pytestmark = pytest.mark.django_db

#: A request's log, as the view writes it.
REQUEST = {
    "kind": "catalog",
    "mode": "file",
    "filename": "import.xml",
    "method": "POST",
    "address": "10.0.0.7",
    "username": "exchange",
    "status": "success",
    "message": "",
    "bytes_in": 1 << 20,
    "duration_ms": 3,
}


def columns(instance: object) -> dict[str, tuple[type, object]]:
    """Every column's value of ``instance`` with its type."""
    fields = type(instance)._meta.concrete_fields  # type: ignore[attr-defined]
    return {f.attname: (type(v), v) for f in fields for v in [getattr(instance, f.attname)]}


@pytest.fixture
def user() -> AbstractBaseUser:
    return get_user_model().objects.create_user("exchange", password="secret")


@pytest.fixture
def session(user: AbstractBaseUser) -> ExchangeSession:
    return ExchangeSession.objects.open(user, "catalog", "10.0.0.7")


def test_a_row_reads_as_the_orm_reads_it(session):
    settings = ExchangeSettings.load()
    settings.shipment_status = OrderStatus.objects.get(code="F")
    settings.use_zip = False
    settings.export_since = dt.date(2026, 3, 8)
    settings.save()
    ExchangeFile.objects.create(kind="catalog", name="exchange-1/import.xml", session=session)

    for model, pk in [
        (ExchangeSettings, settings.pk),
        (ExchangeSession, session.pk),
        (ExchangeFile, ExchangeFile.objects.get().pk),
    ]:
        (found,) = statements.rows(model, {"pk": pk})
        assert columns(found) == columns(model.objects.get(pk=pk))
        assert found._state.adding is False and found._state.db == "default"


def test_the_related_row_comes_in_the_same_statement(session, user):
    orphan = ExchangeSession.objects.create(kind="sale", token="t", sessid="s", user=None)
    with CaptureQueriesContext(connection) as queries:
        found = {
            row.pk: row
            for where in [{"token": session.token}, {"pk": orphan.pk}]
            for row in statements.rows(ExchangeSession, where, related="user")
        }
        assert found[session.pk].user == user
        assert columns(found[session.pk].user) == columns(user)
        assert found[orphan.pk].user is None
    assert len(queries) == 2


def test_conditions_compare_as_the_orm_does(session):
    seen = session.last_seen
    for cutoff, expected in [
        (seen - dt.timedelta(microseconds=1), True),
        (seen, True),
        (seen + dt.timedelta(microseconds=1), False),
        (timezone.localtime(seen, dt.timezone(dt.timedelta(hours=3))), True),
    ]:
        where = {"token": session.token, "last_seen__gte": cutoff}
        found = statements.rows(ExchangeSession, where)
        assert bool(found) is expected
        assert bool(found) is ExchangeSession.objects.filter(**where).exists()
    assert statements.rows(ExchangeSession, {"token": "no such token"}) == []
    with pytest.raises(ValueError, match="None"):
        statements.rows(ExchangeSession, {"token": None})
    with pytest.raises(ValueError, match="supported"):
        statements.rows(ExchangeSession, {"token__in": [session.token]})


def test_order_limit_isnull_and_ne_select_what_the_orm_selects(user):
    """The lookups a client without cookies makes on every request: its session, the throttle."""
    now = timezone.now()
    for index, (kind, finished, username) in enumerate(
        [
            ("catalog", None, "exchange"),
            ("catalog", now, ""),
            ("sale", None, "exchange"),
            ("catalog", None, ""),
            ("catalog", now, "other"),
        ]
    ):
        made = ExchangeSession.objects.create(
            kind=kind, token=f"t{index}", sessid="s", user=user, finished=finished
        )
        ExchangeSession.objects.filter(pk=made.pk).update(
            last_seen=now - dt.timedelta(minutes=index % 3)
        )
        ExchangeRequest.objects.create(session=made, method="GET", username=username)
    cases = [
        (ExchangeSession, {"user": user.pk, "finished__isnull": True}, ("-last_seen", "-pk"), 2),
        (ExchangeSession, {"kind": "catalog", "finished__isnull": False}, ("pk",), None),
        (ExchangeSession, {"user": user.pk}, ("last_seen", "-pk"), 10),
        (ExchangeRequest, {"method": "GET", "username__ne": ""}, ("-pk",), 2),
        (ExchangeRequest, {"username__ne": "other"}, ("pk",), 0),
    ]
    for model, where, order, limit in cases:
        found = statements.rows(model, where, order=order, limit=limit)
        expected = model.objects.order_by(*order)
        for name, value in where.items():
            if name.endswith("__ne"):
                expected = expected.exclude(**{name.removesuffix("__ne"): value})
            else:
                expected = expected.filter(**{name: value})
        expected = expected[:limit] if limit is not None else expected
        assert [row.pk for row in found] == [row.pk for row in expected], (where, order, limit)
    assert len(statements.rows(ExchangeSession, {"user": user.pk}, limit=3)) == 3
    with pytest.raises(ValueError, match="NULL"):
        statements.rows(ExchangeSession, {"finished__ne": now})


def test_an_increment_adds_in_the_database_not_to_what_was_read(session):
    stale = ExchangeSession.objects.get(pk=session.pk)
    session.touch(received=1000, new_files=1)
    stale.touch(received=24, new_files=0)
    session.refresh_from_db()
    assert (session.bytes_received, session.files) == (1024, 1)
    assert statements.update(ExchangeSession, 10**9, outcome="x") == 0


def test_an_inserted_row_is_what_create_would_store(session):
    before = timezone.now()
    ExchangeRequest.objects.log(session=session, **REQUEST)
    made = ExchangeRequest.objects.create(session=session, **REQUEST)
    logged = ExchangeRequest.objects.exclude(pk=made.pk).get()
    made.refresh_from_db()
    assert {**columns(logged), "id": None, "created": None} == {
        **columns(made),
        "id": None,
        "created": None,
    }
    assert before <= logged.created <= made.created
    with pytest.raises(TypeError, match="no columns"):
        statements.insert(ExchangeRequest, session=session)


def test_auto_now_add_is_the_time_of_the_insert_as_with_save(session):
    long_ago = timezone.now() - dt.timedelta(days=400)
    statements.insert(ExchangeRequest, session_id=session.pk, method="GET", created=long_ago)
    assert ExchangeRequest.objects.get().created > long_ago + dt.timedelta(days=399)


@pytest.mark.parametrize("through", ["orm", "statements"])
def test_a_failed_write_dooms_its_atomic_block_as_the_orms_do(session, through):
    """A handler that catches a failed write inside ATOMIC_REQUESTS' block must not commit."""
    ExchangeFile.objects.create(kind="catalog", name="exchange-1/import.xml")
    with pytest.raises(TransactionManagementError), transaction.atomic():
        with pytest.raises(IntegrityError):
            if through == "orm":
                ExchangeFile.objects.create(kind="catalog", name="exchange-1/import.xml")
            else:
                statements.insert(ExchangeFile, kind="catalog", name="exchange-1/import.xml")
        ExchangeRequest.objects.log(session=session, **REQUEST)


@pytest.mark.django_db(transaction=True)
def test_a_threads_statements_leave_with_its_connection():
    """Each thread has its own connection: what was built for one does not keep it open."""
    built: list[weakref.ref[object]] = []

    def in_a_thread() -> None:
        # a shape no other test reads: its statement is built on this thread's connection
        assert statements.rows(ExchangeSettings, {"use_zip": True, "pk": 1}) == []
        built.append(weakref.ref(connections["default"]))
        connections.close_all()

    worker = threading.Thread(target=in_a_thread)
    worker.start()
    worker.join()
    gc.collect()
    assert built and built[0]() is None
    assert statements.rows(ExchangeSettings, {"pk": 1}) == []


def test_reads_together_give_what_each_gives_in_one_round_trip_on_postgresql(session, user):
    ExchangeSettings.load()
    settings = ExchangeSettings.objects.get()
    with CaptureQueriesContext(connection) as queries:
        settings_rows, session_rows, none = statements.together(
            ExchangeSettings.read(),
            statements.Read(ExchangeSession, {"token": session.token}, related="user"),
            statements.Read(ExchangeFile, {"name": "exchange-0/nothing.xml"}),
        )
    assert [columns(row) for row in settings_rows] == [columns(settings)]
    (found,) = session_rows
    assert columns(found) == columns(ExchangeSession.objects.get(pk=session.pk))
    assert columns(found.user) == columns(user)
    assert none == []
    assert len(queries) == (1 if connection.vendor == "postgresql" else 3)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's binding")
@pytest.mark.parametrize("server_side", [False, True], ids=["client-binding", "server-binding"])
def test_several_statements_go_as_one_query_whichever_binding(monkeypatch, server_side):
    """Prepared statements hold one statement: with them the values are bound on the client."""
    import psycopg

    monkeypatch.setitem(connection.settings_dict["OPTIONS"], "server_side_binding", server_side)
    connection.ensure_connection()
    kind = psycopg.Cursor if server_side else psycopg.ClientCursor
    tricky = "50% 'готово'; -- %s"
    with kind(connection.connection) as cursor:
        execute_several(connection, cursor, ["SELECT %s::int", "SELECT %s::text"], [7, tricky])
        assert cursor.fetchall() == [(7,)]
        assert cursor.nextset()
        assert cursor.fetchall() == [(tricky,)]


def upload_read(token: str, upload: str = "import.xml") -> dict[str, ExchangeSession]:
    read = ExchangeSession.objects.token_read(token, "catalog", upload=upload)
    return {found.kind: found for found in read.rows()}


def test_an_uploads_row_comes_with_its_session(session, user):
    """A part's file row is read in the session's statement, by the name it has in its folder."""
    sale = ExchangeSession.objects.open(
        user, "sale", "10.0.0.7", token=session.token, sessid=session.sessid
    )
    name = f"{session.folder}/import.xml"
    mine = ExchangeFile.objects.create(kind="catalog", name=name, session=session)
    ExchangeFile.objects.create(kind="catalog", name=f"{session.folder}/offers.xml")
    ExchangeFile.objects.create(kind="sale", name=name)
    ExchangeFile.objects.create(kind="catalog", name=f"{session.folder}0/import.xml")

    with CaptureQueriesContext(connection) as queries:
        found = upload_read(session.token)
    assert len(queries) == 1
    catalog = found["catalog"]
    assert columns(catalog) == columns(session)
    assert columns(catalog.user) == columns(user)
    row = catalog.upload_row("catalog", name)
    assert row is not False and row is not None
    assert columns(row) == columns(mine)
    # what was not read with it is to be read apart
    assert catalog.upload_row("catalog", f"{session.folder}/offers.xml") is False
    assert catalog.upload_row("sale", name) is False
    assert upload_read(session.token, "offers.xml")["catalog"].upload_row("catalog", name) is False
    assert ExchangeSession.objects.get(pk=session.pk).upload_row("catalog", name) is False
    # read, and there is none: the other type's session has no such upload
    assert found["sale"].upload_row("catalog", f"{sale.folder}/import.xml") is None


def test_elsewhere_an_uploads_row_is_read_apart(session, monkeypatch):
    """A database whose SQL is not known to join it (MySQL's || is OR) reads it by itself."""
    monkeypatch.setattr("cml_exchange.models.statements.reads._CONCATENATING", ())
    monkeypatch.setattr("cml_exchange.models.statements._shared._BUILT", {})
    name = f"{session.folder}/import.xml"
    mine = ExchangeFile.objects.create(kind="catalog", name=name, session=session)
    with CaptureQueriesContext(connection) as queries:
        (found,) = upload_read(session.token).values()
    assert len(queries) == 2
    row = found.upload_row("catalog", name)
    assert row is not False and row is not None
    assert columns(row) == columns(mine)
