"""The example shop's SQLite file: 1C's import commits while the shop is being read."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.e2e.servers import environment, manage
from tests.paths import sample


def test_an_import_commits_while_a_page_is_reading_the_shop_s_database(tmp_path: Path) -> None:
    """A reader's open snapshot neither blocks the import's commits nor sees them half done.

    With a rollback journal, the commit would wait for the reader (30 s) and then
    fail with "database is locked"; the shop's file is in write-ahead-log mode.
    """
    database = tmp_path / "shop.sqlite3"
    env = environment(database, tmp_path / "exchange", tmp_path / "media")
    manage(env, "migrate", "--no-input", "-v0")
    page = sqlite3.connect(database, isolation_level=None)
    try:
        assert page.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        page.execute("BEGIN")
        (before,) = page.execute("SELECT count(*) FROM cml_exchange_product").fetchone()

        manage(env, "cml_import", str(sample("bigperson__exchange1c__tests__xml__import")))

        assert page.execute("SELECT count(*) FROM cml_exchange_product").fetchone() == (before,)
        page.execute("COMMIT")
        (after,) = page.execute("SELECT count(*) FROM cml_exchange_product").fetchone()
    finally:
        page.close()
    assert before == 0 and after > 0
