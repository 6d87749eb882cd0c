"""The stored-files page's "import again": the endpoint's code path, one step per poll.

A catalog file (XML or zip) gets an import job, made and advanced exactly as
``mode=import`` makes and advances it (:func:`cml_exchange.importer.create_job`,
:func:`cml_exchange.importer.run` with a step budget), only with a budget of a
few seconds, since a browser polls for each step. An orders file 1C sent is
applied again from its first document by
:func:`cml_exchange.orders.exchange.import_step`, its position kept in its
upload row between steps as the endpoint keeps it. No background worker is
needed: the page's polls do the work.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from cml_exchange.admin.directory import directory_of
from cml_exchange.commerceml.errors import CmlExchangeError
from cml_exchange.importer import Failed, ImportOptions, Progress, create_job, labels, run
from cml_exchange.models import ExchangeFile, ExchangeKind, ExchangeSettings, ImportJob
from cml_exchange.models.exchange import FOLDER_PREFIX
from cml_exchange.orders.exchange import import_step
from cml_exchange.storage.uploads import path_in, safe_name

#: Seconds of work per poll: short, so the page shows progress and no proxy times out.
STEP_SECONDS = 3.0

PROGRESS, DONE, FAILED = "progress", "done", "failed"


class NotImportable(ValueError):
    """The file is not there, or is not one "import again" can import."""


@dataclass
class StepReport:
    """What a poll answers: the state, the importer's Russian message and the counts."""

    state: str
    message: str = ""
    stage: str = ""
    counters: dict[str, Any] = field(default_factory=dict)
    warnings: int = 0
    error: str = ""
    #: The orders exchange's lines for 1C (orders not found, documents refused…).
    messages: list[str] = field(default_factory=list)
    #: Documents of an orders file applied by this step.
    applied: int = 0

    def as_json(self) -> dict[str, Any]:
        """The reply; ``counts`` are the counters as ``[name, value]``, named and in order."""
        return {
            "state": self.state,
            "done": self.state == DONE,
            "failed": self.state == FAILED,
            "message": self.message,
            "stage": self.stage,
            "counters": self.counters,
            "counts": [[count.label, count.value] for count in labels.counters(self.counters)],
            "warnings": self.warnings,
            "error": self.error,
            "messages": self.messages,
            "applied": self.applied,
        }


# -- catalog ------------------------------------------------------------------------


def start_catalog(name: str) -> ImportJob:
    """A new import job for a catalog XML or zip of the exchange directory."""
    directory = directory_of(ExchangeKind.CATALOG)
    name = safe_name(name)
    path = path_in(directory, name)
    if path.suffix.lower() not in (".xml", ".zip") or not path.is_file():
        raise NotImportable(name)
    base, file = _exchange_folder(directory, name)
    return create_job(
        [file],
        base_dir=base,
        options=ImportOptions.from_settings(ExchangeSettings.load()),
        filename=name,
    )


def _exchange_folder(directory: Path, name: str) -> tuple[Path, str]:
    """The folder to import ``name`` in, and its name there.

    A file uploaded by an exchange lies in that exchange's folder
    (``exchange-12/import.xml``); it is imported there, so that the
    pictures and the other files it refers to are found beside it.
    """
    folder, _, rest = name.partition("/")
    if rest and folder.startswith(FOLDER_PREFIX):
        return directory / folder, rest
    return directory, name


def step_catalog(job: ImportJob, budget: float = STEP_SECONDS) -> StepReport:
    """Advance the job for about ``budget`` seconds (once done, ``receivers`` marks its files)."""
    result = run(job, budget)
    state = DONE
    if isinstance(result, Progress):
        state = PROGRESS
    elif isinstance(result, Failed):
        state = FAILED
    return StepReport(
        state=state,
        message=result.message,
        stage=str(job.get_stage_display()),
        counters=dict(job.counters or {}),
        warnings=sum(int(count) for count in (job.warning_counts or {}).values()),
        error=job.error,
    )


# -- orders ---------------------------------------------------------------------------


def start_orders(name: str) -> ExchangeFile:
    """Make an orders file 1C sent due for applying again, from its first document."""
    name = safe_name(name)
    record = ExchangeFile.objects.filter(kind=ExchangeKind.SALE, name=name).first()
    if record is None or not _orders_path(record).is_file() or not name.lower().endswith(".xml"):
        raise NotImportable(name)
    ExchangeFile.objects.filter(pk=record.pk).update(position=0, imported=None)
    record.refresh_from_db()
    return record


def step_orders(record_id: int, budget: float = STEP_SECONDS) -> StepReport:
    """Apply the next documents of the orders file for about ``budget`` seconds.

    The step runs in one transaction holding the upload row, so two polls
    never apply the same documents; a file found broken changes nothing.
    """
    try:
        with transaction.atomic():
            # An UPDATE first: it takes the row's lock on PostgreSQL and the write lock on SQLite.
            ExchangeFile.objects.filter(pk=record_id).update(position=F("position"))
            record = ExchangeFile.objects.select_for_update().get(pk=record_id)
            if record.imported is not None:
                return StepReport(state=DONE)
            step = import_step(
                _orders_path(record),
                ExchangeSettings.load(),
                start=record.position,
                budget=budget,
            )
            if step.position is None:
                ExchangeFile.objects.filter(pk=record.pk).update(imported=timezone.now())
                return StepReport(state=DONE, messages=step.messages, applied=step.applied)
            ExchangeFile.objects.filter(pk=record.pk).update(position=step.position)
            return StepReport(state=PROGRESS, messages=step.messages, applied=step.applied)
    except CmlExchangeError as error:
        return StepReport(state=FAILED, message=str(error), error=str(error))


def _orders_path(record: ExchangeFile) -> Path:
    return path_in(directory_of(ExchangeKind.SALE), safe_name(record.name))
