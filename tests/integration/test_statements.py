"""The request path's statements give what the ORM gives, on SQLite and PostgreSQL.

Every 1C request reads the settings and its session through
:mod:`cml_exchange.models.statements` and writes its log through it: an
instance it builds must hold the same values, of the same types, as the
ORM's; its writes must store what ``save()``/``update()`` would.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import connection
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

pytestmark = pytest.mark.django_db


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


def test_an_increment_adds_in_the_database_not_to_what_was_read(session):
    stale = ExchangeSession.objects.get(pk=session.pk)
    session.touch(received=1000, new_files=1)
    stale.touch(received=24, new_files=0)
    session.refresh_from_db()
    assert (session.bytes_received, session.files) == (1024, 1)
    assert statements.update(ExchangeSession, 10**9, outcome="x") == 0


def test_an_inserted_row_is_what_create_would_store(session):
    before = timezone.now()
    fields = {
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
    ExchangeRequest.objects.log(session=session, **fields)
    made = ExchangeRequest.objects.create(session=session, **fields)
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
