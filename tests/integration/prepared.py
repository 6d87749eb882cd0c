"""What the prepared statements' tests read of the server and of the SQL sent."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext


def prepared_here() -> set[str]:
    """The names of the app's statements prepared on the connection."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements WHERE name LIKE 'cml\\_%%'")
        return {name for (name,) in cursor.fetchall()}


def sent(queries: CaptureQueriesContext) -> list[str]:
    return [query["sql"] for query in queries.captured_queries]


def as_text(query: str) -> bool:
    """Whether a query neither prepares nor executes a prepared statement of ours."""
    return "PREPARE cml_" not in query and "EXECUTE cml_" not in query
