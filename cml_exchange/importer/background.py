"""Imports on a task worker: Django's Tasks API instead of the ``import`` request.

By default each ``mode=import`` request imports for up to the step interval
itself. With ``CML_EXCHANGE_IMPORT_TASKS`` naming a task backend (``TASKS``
in Django's settings: ``django.tasks`` on Django 6, the ``django-tasks``
backport on 5.2, with a real backend such as ``django-tasks-db``'s database
backend or ``django-tasks-rq`` on Redis), the first ``import`` of a file
enqueues :data:`import_job` and every request answers from the job's row at
once: ``progress`` with the worker's live position while it works, then the
job's result. :func:`poll` is that answer.

Crash safety is the importer's own: the worker holds the job's lease
(``Leased``) and renews it after each batch, and everything it needs to go on
is in the job's row. A worker that dies stops renewing; once its lease has
run out (``CML_EXCHANGE_TASK_LEASE`` seconds) the next request enqueues the
job again, and the next worker goes on from the last saved batch. A task
that no worker takes within ``CML_EXCHANGE_TASK_WAIT`` seconds (no worker
running, or all busy) does not leave 1C waiting forever: that request and
the ones after it import a step themselves, as without a worker, and the
job's warnings say so once. Whoever holds the lease works; the others wait.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from typing import Any

from django.db import transaction
from django.utils import timezone

from cml_exchange import moments
from cml_exchange.conf import app_settings
from cml_exchange.importer.results import Progress, StepResult
from cml_exchange.importer.runner import outcome, run
from cml_exchange.models import ImportJob, ImportWarning

try:  # Django 6
    from django.tasks import task, task_backends  # type: ignore[import-not-found,unused-ignore]
except ImportError:  # Django 5.2: the backport
    from django_tasks import (  # type: ignore[no-redef,assignment,unused-ignore]
        task,
        task_backends,
    )

logger = logging.getLogger("cml_exchange.importer")

#: A started task that has not taken the job's lease after this long has died (seconds);
#: a live one takes it within milliseconds of starting.
START_GRACE = 5.0
#: How often a waiting ``import`` request reads the job's row (seconds).
POLL_EVERY = 0.1

QUEUED = "Импорт ожидает обработчика фоновых задач."
ENQUEUED = "Импорт поставлен в очередь фоновых задач."
RUNNING = "Импорт выполняется в фоне."
NO_WORKER = (
    "Обработчик фоновых задач не взял импорт за {seconds} с; импорт идет в запросах 1С, "
    "как без обработчика. Проверьте, что он запущен."
)


@task()
def import_job(job_pk: int) -> str:
    """Run import job ``job_pk`` to its end on a worker; what it ended with.

    Returns at once if the job is done, failed, or held by another process.
    """
    job = ImportJob.objects.filter(pk=job_pk).first()
    if job is None:
        return "missing"
    result = run(job, None, lease=float(app_settings.TASK_LEASE))
    logger.info("Import job %s on a worker: %s", job_pk, type(result).__name__)
    return type(result).__name__


def poll(job: ImportJob, budget: float | None) -> StepResult:
    """The answer to one ``import`` request for ``job`` when imports run on a worker.

    Never imports in the request while a worker does its job: it reads the
    job's row (and the task's status), enqueues the job when no live worker
    has it, and answers. While the worker works, the answer waits up to
    ``CML_EXCHANGE_TASK_POLL`` seconds (reading the row every tenth of a
    second, and returning as soon as the job ends): 1C asks again at once
    after ``progress``, and this keeps it to a few requests a second. Only
    when no worker took the task within ``CML_EXCHANGE_TASK_WAIT`` seconds
    does it import a step of ``budget`` seconds itself (module docstring).
    """
    answer = _look(job, budget)
    deadline = time.monotonic() + app_settings.TASK_POLL
    while isinstance(answer, Progress) and answer.message != ENQUEUED:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        time.sleep(min(POLL_EVERY, left))
        answer = _look(job, budget)
    return answer


def _look(job: ImportJob, budget: float | None) -> StepResult:
    """One look at ``job``: its end, its live progress, or what to do for it (see :func:`poll`)."""
    job.refresh_from_db()
    ended = outcome(job)
    if ended is not None:
        return ended
    now = timezone.now()
    if job.lease_until is not None and job.lease_until > now:
        return Progress(job.message or RUNNING)
    status, started = _task_status(job)
    if status == "RUNNING" and started is not None:
        if (now - started).total_seconds() < START_GRACE:
            return Progress(job.message or RUNNING)
        # Started, yet holding no lease: its worker died. Enqueue it again (below).
    elif status in ("READY", "RUNNING", None) and job.task_enqueued is not None:
        # Waiting for a worker; a backend that cannot tell (None) is taken at its word.
        if (now - job.task_enqueued).total_seconds() < app_settings.TASK_WAIT:
            return Progress(QUEUED)
        if status == "READY":
            return _in_request(job, budget)
    _enqueue(job)
    return Progress(ENQUEUED)


def _enqueue(job: ImportJob) -> None:
    backend = str(app_settings.IMPORT_TASKS)
    queued = import_job.using(backend=backend, queue_name=app_settings.TASK_QUEUE).enqueue(job.pk)
    ImportJob.objects.filter(pk=job.pk).update(task_id=str(queued.id), task_enqueued=timezone.now())
    logger.info("Import job %s enqueued as task %s on %s", job.pk, queued.id, backend)


def _task_status(job: ImportJob) -> tuple[str | None, dt.datetime | None]:
    """The job's task's status (``READY``, ``RUNNING``, …) and start, as its backend knows them.

    ``(None, None)`` for no task, or a backend that cannot tell (some keep
    no results): such a task is taken to wait for ``CML_EXCHANGE_TASK_WAIT``
    seconds, then enqueued again, which is harmless, since a second worker
    finds the job held or done.
    """
    if not job.task_id:
        return None, None
    try:
        backend: Any = task_backends[str(app_settings.IMPORT_TASKS)]
        result = backend.get_result(job.task_id)
    except Exception:  # a backend that keeps no results, a result pruned …
        return None, None
    started = getattr(result, "started_at", None)
    # RQ's is aware (UTC) even where the project keeps naive times (USE_TZ off).
    return str(result.status), moments.as_stored(started) if started is not None else None


def _in_request(job: ImportJob, budget: float | None) -> StepResult:
    if "no_worker" not in job.warning_counts:
        seconds = app_settings.TASK_WAIT
        with transaction.atomic():
            # Told by the request that writes the count first: two requests of 1C may both
            # have found it untold (a retry after a proxy's timeout).
            told = (
                ImportJob.objects.filter(pk=job.pk)
                .exclude(warning_counts__has_key="no_worker")
                .update(warning_counts={**job.warning_counts, "no_worker": 1})
            )
            if told:
                ImportWarning.objects.create(
                    job=job, code="no_worker", message=NO_WORKER.format(seconds=seconds)
                )
        logger.warning("No task worker took import job %s in %s s", job.pk, seconds)
    return run(job, budget)
