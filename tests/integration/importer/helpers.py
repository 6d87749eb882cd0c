"""Running imports in tests: copy sample files into an exchange directory, run to the end."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cml_exchange.importer import ImportOptions, create_job, run, scan_stage
from cml_exchange.importer.results import Done, Progress, StepResult
from cml_exchange.models import ImportJob
from tests.paths import sample


def exchange_dir(tmp_path: Path, *names: str) -> tuple[Path, list[str]]:
    """Copy the sample files named by prefix into ``tmp_path/exchange``; return it and the names."""
    directory = tmp_path / "exchange"
    directory.mkdir(parents=True, exist_ok=True)
    copied = []
    for name in names:
        source = sample(name)
        shutil.copy(source, directory / source.name)
        copied.append(source.name)
    return directory, copied


def run_to_end(job: ImportJob, budget: float | None = None, limit: int = 100_000) -> StepResult:
    """Call ``run`` until the job is no longer in progress."""
    for _ in range(limit):
        result = run(job, budget)
        if not isinstance(result, Progress):
            return result
    raise AssertionError("the import did not finish")


def import_samples(
    tmp_path: Path, *names: str, budget: float | None = None, **options: Any
) -> tuple[ImportJob, StepResult]:
    directory, files = exchange_dir(tmp_path, *names)
    job = create_job(files, base_dir=directory, options=ImportOptions(**options))
    result = run_to_end(job, budget)
    job.refresh_from_db()
    return job, result


def assert_done(result: StepResult) -> Done:
    assert isinstance(result, Done), result
    return result


# -- comparing whole databases --------------------------------------------------

#: Natural keys of the rows other rows point at, so snapshots do not depend on pks.
_NATURAL = {
    "Classifier": lambda row: row.external_id,
    "Catalog": lambda row: row.external_id,
    "Group": lambda row: (row.classifier.external_id, row.external_id),
    "Property": lambda row: (row.classifier.external_id, row.external_id),
    "PropertyOption": lambda row: (row.property.external_id, row.external_id),
    "Unit": lambda row: row.code,
    "Category": lambda row: (row.classifier.external_id, row.external_id),
    "Product": lambda row: (row.catalog.external_id, row.external_id),
    "Offer": lambda row: (row.catalog.external_id, row.external_id),
    "PriceType": lambda row: row.external_id,
    "Warehouse": lambda row: row.external_id,
}
#: The exchange's own records: how the data came, not the data.
_NOT_CATALOG = {
    "ImportJob",
    "ImportWarning",
    "ImportWarningKey",
    "ExchangeSession",
    "ExchangeRequest",
    "ExchangeFile",
    "ExchangeSettings",
    "ScannedFile",
}
#: Fields that legitimately differ between two imports of the same files.
_VOLATILE = {"id", "created", "updated", "last_seen_full", "path"}


def snapshot(ignore: frozenset[str] = frozenset()) -> dict[str, list[tuple[str, ...]]]:
    """Every catalog row (not the exchange's records), as sorted tuples with natural keys.

    ``ignore`` names more fields to leave out, as ``"Model.field"``.
    """
    from django.apps import apps

    result = {}
    for model in apps.get_app_config("cml_exchange").get_models():
        if model.__name__ in _NOT_CATALOG:
            continue
        fields = [
            f
            for f in model._meta.concrete_fields
            if f.name not in _VOLATILE and f"{model.__name__}.{f.name}" not in ignore
        ]
        related = []
        for field in fields:
            if field.is_relation:
                related.append(field.name)
                target: Any = field.related_model
                target_fields = {f.name for f in target._meta.concrete_fields}
                related += [
                    f"{field.name}__{scope}"
                    for scope in ("catalog", "classifier", "property")
                    if scope in target_fields
                ]
        rows = []
        rows_query = model._default_manager.all()
        if related:
            rows_query = rows_query.select_related(*related)
        for row in rows_query:
            values = []
            for field in fields:
                if field.is_relation:
                    target = getattr(row, field.name)
                    natural = _NATURAL.get(type(target).__name__)
                    values.append(
                        None if target is None else natural(target) if natural else target.pk
                    )
                else:
                    values.append(getattr(row, field.attname))
            rows.append(tuple(str(value) for value in values))
        result[model.__name__] = sorted(rows)
    for category in apps.get_model("cml_exchange", "Category").objects.all():
        result.setdefault("CategoryProperties", []).extend(
            sorted((category.external_id, p.external_id) for p in category.properties.all())
        )
    return result


def wipe() -> None:
    """Delete every catalog row (between two imports compared in one test)."""
    from cml_exchange.models import Catalog, Classifier, PriceType, Unit, Warehouse

    for model in (Catalog, Classifier, PriceType, Warehouse, Unit):
        model.objects.all().delete()


def write_catalog(path: Path, products: str) -> str:
    """Write a full catalog (classifier ``cls``, catalog ``cat``) of ``products``' XML; its name."""
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<КоммерческаяИнформация xmlns="urn:1C.ru:commerceml_2" ВерсияСхемы="2.07">'
        "<Классификатор><Ид>cls</Ид><Наименование>Классификатор</Наименование></Классификатор>"
        '<Каталог СодержитТолькоИзменения="false"><Ид>cat</Ид><ИдКлассификатора>cls'
        f"</ИдКлассификатора><Наименование>Каталог</Наименование><Товары>{products}</Товары>"
        "</Каталог></КоммерческаяИнформация>",
        encoding="utf-8",
    )
    return path.name


def watch_scans(monkeypatch: Any, state: Callable[[], bool]) -> list[tuple[str, bool]]:
    """The files the importing process scans itself, each with ``state()`` as its scan began."""
    seen: list[tuple[str, bool]] = []
    real = scan_stage.scan_counts

    def watched(path: Path, name: str) -> dict[str, int]:
        seen.append((name, state()))
        return real(path, name)

    monkeypatch.setattr(scan_stage, "scan_counts", watched)
    return seen


def wait_for_late_writes() -> None:
    """Until the SQLite writes' thread has ended its rows (``late_writes.finished``)."""
    from django.db import connection

    from cml_exchange.importer import late_writes

    for _ in range(1000):
        if late_writes.finished(connection):
            return
        time.sleep(0.01)
    raise AssertionError("the late writes never ended")
