"""The app's system checks that read a database: W002 and W007 (listed in ``checks``).

Like Django's own database checks they run only when ``manage.py check`` is given
``--database`` and before ``migrate``; ``CmlExchangeConfig.ready()`` registers them
with the tag ``database``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.core.checks import CheckMessage, Warning
from django.db import DatabaseError, connections, router

from cml_exchange.checks import DEPLOYMENT_DOC
from cml_exchange.conf import PREFIX, app_settings
from cml_exchange.exceptions import ConfigError


def check_file_limit(
    app_configs: Sequence[AppConfig] | None, databases: Sequence[str] | None, **kwargs: Any
) -> list[CheckMessage]:
    """W002: the part size the settings tell 1C is not above ``CML_EXCHANGE_MAX_FILE_SIZE``.

    ``file_limit`` lives in the database, so like Django's own database checks
    this runs only when ``check`` is given ``--database`` and before ``migrate``.
    It reads the row without creating it (the model's default stands in when
    there is none) and says nothing when the table is not there yet or the
    database cannot be reached.
    """
    from cml_exchange.models import ExchangeSettings

    try:
        largest = app_settings.MAX_FILE_SIZE
    except ConfigError:
        return []  # E001 reports it
    messages: list[CheckMessage] = []
    for alias in databases or ():
        if not router.allow_migrate_model(alias, ExchangeSettings):
            continue
        try:
            tables = connections[alias].introspection.table_names()
            if ExchangeSettings._meta.db_table not in tables:
                continue
            stored = (
                ExchangeSettings.objects.using(alias)
                .filter(pk=1)
                .values_list("file_limit", flat=True)
                .first()
            )
        except DatabaseError:
            continue
        file_limit = ExchangeSettings().file_limit if stored is None else stored
        if file_limit > largest:
            messages.append(
                Warning(
                    f"The part size told to 1C (file_limit, {file_limit} bytes, in the exchange "
                    f"settings of database {alias!r}) is larger than {PREFIX}MAX_FILE_SIZE "
                    f"({largest} bytes), the largest file the site accepts.",
                    hint='Lower "size of one uploaded part of a file" in the admin\'s exchange '
                    f"settings, or raise {PREFIX}MAX_FILE_SIZE. Keep the part size below the "
                    "web server's body limit too (nginx: client_max_body_size). "
                    f'{DEPLOYMENT_DOC}, "Body sizes".',
                    id="cml_exchange.W002",
                )
            )
    return messages


#: Parameters a statement the importer and Django's deletions are tested with on SQLite:
#: the default limit since SQLite 3.32 (Debian's and Ubuntu's builds allow 250,000).
SQLITE_PARAMETERS_NEEDED = 32_766


def check_sqlite_parameters(
    app_configs: Sequence[AppConfig] | None, databases: Sequence[str] | None, **kwargs: Any
) -> list[CheckMessage]:
    """W007: a SQLite database of the app takes the parameters a statement the importer sends.

    SQLite before 3.32 was built to take 999 by default. The importer writes
    a thousand products a batch, the django-oscar adapter lists a batch's ids
    in one ``IN``, and Django lists the rows a deletion touches in one
    statement, so on such a build an import of a thousand products or a
    deletion of as many fails with "too many SQL variables". The limit is read
    off the connection itself (a build may set its own), so like W002 this
    runs only when ``check`` is given ``--database`` and before ``migrate``.
    """
    from cml_exchange.models import Product

    messages: list[CheckMessage] = []
    for alias in databases or ():
        connection = connections[alias]
        if connection.vendor != "sqlite" or not router.allow_migrate_model(alias, Product):
            continue
        try:
            connection.ensure_connection()
            limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        except (DatabaseError, AttributeError):
            continue  # not reachable, or a driver without getlimit(): nothing to say
        if limit >= SQLITE_PARAMETERS_NEEDED:
            continue
        messages.append(
            Warning(
                f"SQLite {sqlite3.sqlite_version} of database {alias!r} takes at most {limit} "
                f"parameters a statement; the exchange needs {SQLITE_PARAMETERS_NEEDED:,}. "
                "Imports of a thousand products or more, and deletions of as many, fail on "
                'it with "too many SQL variables".',
                hint="Run the site on a Python whose SQLite is 3.32 or later (Debian's and "
                "Ubuntu's own SQLite builds allow 250,000), or on PostgreSQL. "
                'See docs/install.md, "Requirements".',
                id="cml_exchange.W007",
            )
        )
    return messages
