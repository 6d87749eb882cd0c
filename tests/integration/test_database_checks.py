"""The checks that read a database (``cml_exchange.database_checks``): W002 and W007."""

import pytest

from cml_exchange import database_checks
from cml_exchange.models import ExchangeSettings
from tests.sqlite import parameters_limit


def run(check, *, databases=None):
    return [message.id for message in check(app_configs=None, databases=databases)]


# -- W002: the part size told to 1C ----------------------------------------------


@pytest.mark.django_db
def test_w002_fires_when_the_stored_part_size_exceeds_the_largest_file(settings):
    ExchangeSettings.objects.create(pk=1, file_limit=2_000_000)
    settings.CML_EXCHANGE_MAX_FILE_SIZE = 1_000_000
    messages = database_checks.check_file_limit(app_configs=None, databases=["default"])
    assert [m.id for m in messages] == ["cml_exchange.W002"]
    assert "2000000" in messages[0].msg
    assert "1000000" in messages[0].msg


@pytest.mark.django_db
def test_w002_is_quiet_when_the_part_size_fits(settings):
    ExchangeSettings.objects.create(pk=1, file_limit=1_000_000)
    settings.CML_EXCHANGE_MAX_FILE_SIZE = 1_000_000
    assert run(database_checks.check_file_limit, databases=["default"]) == []


@pytest.mark.django_db
def test_w002_without_a_settings_row_uses_the_default_and_creates_nothing(settings):
    assert run(database_checks.check_file_limit, databases=["default"]) == []
    settings.CML_EXCHANGE_MAX_FILE_SIZE = 100_000  # below the default part size, 204800
    assert run(database_checks.check_file_limit, databases=["default"]) == ["cml_exchange.W002"]
    assert not ExchangeSettings.objects.exists()


def test_w002_reads_no_database_unless_check_is_given_one(settings):
    settings.CML_EXCHANGE_MAX_FILE_SIZE = 1
    assert run(database_checks.check_file_limit) == []  # no django_db mark: a query would fail here


# -- W007: SQLite's parameters a statement ---------------------------------------


@pytest.mark.django_db
def test_w007_fires_on_a_sqlite_built_to_take_999_parameters_a_statement():
    with parameters_limit(999):
        messages = database_checks.check_sqlite_parameters(app_configs=None, databases=["default"])
    assert [m.id for m in messages] == ["cml_exchange.W007"]
    assert "at most 999 parameters" in messages[0].msg
    assert "'default'" in messages[0].msg


@pytest.mark.django_db
def test_w007_is_quiet_on_the_database_the_suite_runs_on():
    """SQLite 3.32+ (32,766, or Debian's 250,000), or PostgreSQL, which has no such limit."""
    assert run(database_checks.check_sqlite_parameters, databases=["default"]) == []


def test_w007_reads_no_database_unless_check_is_given_one():
    assert (
        run(database_checks.check_sqlite_parameters) == []
    )  # no django_db mark: a connection would fail
