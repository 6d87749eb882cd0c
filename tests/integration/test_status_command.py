"""``cml_status``: the last imports in Russian, their times in the site's time zone.

The Russian names come from docs/translations-language.po, merged into the
app's catalog.
"""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from cml_exchange.models import ImportJob
from tests.paths import sample

pytestmark = pytest.mark.django_db

IMPORT = sample("carono__php-commerceml__tests__xml__import")
MOMENT = dt.datetime(2026, 3, 1, 21, 30, 5, tzinfo=dt.UTC)


def status(*args: str) -> str:
    out = StringIO()
    call_command("cml_status", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def job(settings: Any, tmp_path: Path) -> ImportJob:
    """An import of import.xml, done at 21:30:05 UTC; the site is in Vladivostok (UTC+10)."""
    settings.TIME_ZONE = "Asia/Vladivostok"
    path = tmp_path / "import.xml"
    path.write_bytes(IMPORT.read_bytes())
    call_command("cml_import", str(path), stdout=StringIO())
    ImportJob.objects.update(created=MOMENT, started=MOMENT, finished=MOMENT)
    return ImportJob.objects.get()


def test_the_table_names_status_stage_files_and_counters_in_russian(job):
    text = status()
    line = next(row for row in text.splitlines() if row.startswith(f"  №{job.pk} "))
    assert (
        line == f"  №{job.pk} 2026-03-02 07:30:05 выполнено (этап: выполнено): import.xml (каталог)"
    )
    assert "создано товаров: 2" in text
    assert "products_created" not in text


def test_json_keeps_the_keys_and_gives_times_in_the_sites_zone(job):
    (shown,) = json.loads(status("--json"))["jobs"]
    assert shown["created"] == shown["finished"] == "2026-03-02T07:30:05+10:00"
    assert (shown["status"], shown["stage"]) == ("done", "done")
    assert shown["counters"]["products_created"] == 2
    assert dt.datetime.fromisoformat(shown["created"]) == MOMENT
