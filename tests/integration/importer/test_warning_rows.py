"""An import job's listed warnings are rows of their own: the job's saves stay small.

SQLite writes a row whole at every update of it, its longest columns too, and
a job saves itself after every batch: with a thousand warnings kept in the
job's row (some 700 KB of JSON), each batch's save wrote them all again.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext

from cml_exchange.importer import Failed, ImportOptions, Progress, create_job, run
from cml_exchange.importer.session import MAX_WARNINGS
from cml_exchange.models import ImportJob, ImportWarning, Product
from tests.integration.importer.helpers import assert_done
from tests.integration.importer.test_resume import catalog_with_pictures


@pytest.mark.django_db
def test_a_jobs_saves_stay_small_however_many_warnings_it_lists(tmp_path):
    """Past a thousand warnings, each batch's save of the job writes kilobytes, not the list."""
    total = MAX_WARNINGS + 150
    directory = catalog_with_pictures(tmp_path, [f"missing{i}.jpg" for i in range(total)])
    job = create_job(["import.xml"], base_dir=directory, options=ImportOptions(batch_size=50))
    with CaptureQueriesContext(connection) as queries:
        assert_done(run(job, None))

    saves = [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].startswith(f'UPDATE "{ImportJob._meta.db_table}"')
    ]
    assert len(saves) > total // 50  # a save a batch
    assert max(len(sql) for sql in saves) < 64 * 1024
    job.refresh_from_db()
    assert len(job.warnings) == MAX_WARNINGS
    assert job.warning_counts["image_missing"] == total
    assert ImportWarning.objects.filter(job=job).count() == MAX_WARNINGS
    # In the order told: the file's first products' pictures first.
    assert job.warnings[0]["message"] == (
        "Картинка import_files/missing0.jpg не найдена среди загруженных файлов."
    )
    assert job.warnings[-1]["message"] == (
        f"Картинка import_files/missing{MAX_WARNINGS - 1}.jpg не найдена среди загруженных файлов."
    )


@pytest.mark.django_db
def test_the_warnings_of_a_batch_that_failed_are_not_kept(tmp_path, monkeypatch):
    """A batch's warnings are written with it: rolled back with it, they are not listed."""
    from cml_exchange.importer.loaders import products

    directory = catalog_with_pictures(tmp_path, [f"missing{i}.jpg" for i in range(6)])
    job = create_job(["import.xml"], base_dir=directory, options=ImportOptions(batch_size=3))
    while Product.objects.count() < 3:  # the first batch: three warnings, saved with it
        assert isinstance(run(job, 1e-9), Progress)
    job.refresh_from_db()
    assert len(job.warnings) == 3

    original = products.sync_images

    def warn_then_break(session: Any, pairs: Any) -> None:
        original(session, pairs)  # warns of the batch's missing pictures
        raise RuntimeError("the disk is gone")

    monkeypatch.setattr(products, "sync_images", warn_then_break)
    result = run(job, None)
    assert isinstance(result, Failed)
    job.refresh_from_db()
    assert [w["message"] for w in job.warnings] == [
        f"Картинка import_files/missing{i}.jpg не найдена среди загруженных файлов."
        for i in range(3)
    ]
    assert ImportWarning.objects.filter(job=job).count() == 3
    assert Product.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_a_job_left_unfinished_by_an_earlier_version_keeps_its_listed_warnings_in_order():
    """The migration moves a job's warnings from its JSON column to rows, and back."""
    before = [("cml_exchange", "0031_offer_waiting_by_catalog")]
    after = [("cml_exchange", "0032_import_warning_rows")]
    listed = [
        {"code": "image_missing", "message": "Картинка a.jpg не найдена среди загруженных файлов."},
        {"code": "unknown_product", "message": "Предложение o1: товара p1 в каталоге пока нет."},
        {"code": "image_missing", "message": "Картинка b.jpg не найдена среди загруженных файлов."},
    ]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        old_job = executor.loader.project_state(before).apps.get_model("cml_exchange", "ImportJob")
        kept = old_job.objects.create(base_dir="/tmp", files=["import.xml"], warnings=listed)
        empty = old_job.objects.create(base_dir="/tmp", files=["offers.xml"])
        # Never written by the app, but JSON all the same: kept as text, not spelt out.
        odd = old_job.objects.create(
            base_dir="/tmp",
            files=["odd.xml"],
            warnings=["plain text", {"code": None, "message": None}, {"code": "c" * 150}],
        )
        not_a_list = old_job.objects.create(base_dir="/tmp", files=["x.xml"], warnings="abc")

        executor = MigrationExecutor(connection)
        executor.migrate(after)
        assert ImportJob.objects.get(pk=kept.pk).warnings == listed
        assert ImportJob.objects.get(pk=empty.pk).warnings == []
        assert ImportJob.objects.get(pk=odd.pk).warnings == [
            {"code": "", "message": "plain text"},
            {"code": "", "message": ""},
            {"code": "c" * 100, "message": ""},
        ]
        assert ImportJob.objects.get(pk=not_a_list.pk).warnings == []

        executor = MigrationExecutor(connection)
        executor.migrate(before)
        old_job = executor.loader.project_state(before).apps.get_model("cml_exchange", "ImportJob")
        assert old_job.objects.get(pk=kept.pk).warnings == listed
        assert old_job.objects.get(pk=empty.pk).warnings == []
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db
def test_two_requests_that_both_found_no_worker_tell_it_once(tmp_path):
    """Two of 1C's requests (a retry after a proxy's timeout) may both find it untold."""
    from cml_exchange.importer.background import _in_request

    directory = catalog_with_pictures(tmp_path, ["a.jpg"])
    job = create_job(["import.xml"], base_dir=directory, options=ImportOptions())
    first, second = ImportJob.objects.get(pk=job.pk), ImportJob.objects.get(pk=job.pk)
    _in_request(first, 1e-9)
    _in_request(second, 1e-9)
    job.refresh_from_db()
    assert job.warning_counts["no_worker"] == 1
    assert [w["code"] for w in job.warnings].count("no_worker") == 1


@pytest.mark.django_db
def test_a_deferred_field_read_keeps_the_warnings_appended_so_far(tmp_path):
    """Only a refresh of the whole job reads the list again (and drops what was not saved)."""
    job = create_job(["import.xml"], base_dir=tmp_path, options=ImportOptions())
    ImportWarning.objects.create(job=job, code="stored", message="сохранено")
    partial = ImportJob.objects.only("pk", "status").get(pk=job.pk)
    partial.warnings.append({"code": "new", "message": "ещё не сохранено"})
    assert partial.state == {}  # a deferred field: Django refreshes that field alone
    assert [w["code"] for w in partial.warnings] == ["stored", "new"]
    partial.save_warnings()
    partial.refresh_from_db()
    assert [w["code"] for w in partial.warnings] == ["stored", "new"]


@pytest.mark.django_db
def test_a_warning_appended_by_other_code_in_another_shape_is_kept_as_text(tmp_path):
    """An adapter may append to the list itself: what it appends is kept, as text."""
    job = create_job(["import.xml"], base_dir=tmp_path, options=ImportOptions())
    job.warnings.extend(["просто текст", {"code": "mine"}, {"code": None, "message": "м"}])
    job.save_warnings()
    job.refresh_from_db()
    assert job.warnings == [
        {"code": "", "message": "просто текст"},
        {"code": "mine", "message": ""},
        {"code": "", "message": "м"},
    ]
