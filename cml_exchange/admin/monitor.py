"""The exchange monitor's reading of the log: how each exchange ended, and what it did.

An exchange (:class:`~cml_exchange.models.ExchangeSession`) records an
outcome only when 1C ends it with ``complete``. Older 1C releases never send
``complete``, the orders exchange has no such mode, and 1C simply stops after
a ``failure``; so the monitor derives the state from the outcome, the end and
the last request the exchange made:

* ``success``: ended by ``complete``, or silent for :data:`IDLE` after its
  last import (deactivation, confirmation of orders…) succeeded;
* ``remarks``: as ``success``, but an import of the exchange did not take
  everything as 1C sent it: it warned, or told 1C of what it found different or
  did not apply (an order not found or not loaded), recorded as the exchange's
  ``remarks`` when the request is logged;
* ``failure``: ended with another outcome, or its last answer was ``failure``
  (1C stops at a ``failure``);
* ``open``: unfinished, and a request came in the last :data:`IDLE`;
* ``abandoned``: unfinished, silent for :data:`IDLE`, and 1C stopped halfway.

The state is a database expression (:func:`with_state`), so the change list
filters and sorts by it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib import admin
from django.db.models import (
    Case,
    CharField,
    DateTimeField,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cml_exchange.importer import labels
from cml_exchange.models import (
    ExchangeKind,
    ExchangeRequest,
    ExchangeSession,
    ImportJob,
    ImportWarning,
)

#: How long an unfinished exchange counts as open after its last request.
#: 1C sends its next request as soon as it has the answer to the last one,
#: and no step runs longer than the step interval, so half an hour of
#: silence means 1C has stopped.
IDLE = dt.timedelta(minutes=30)

SUCCESS, REMARKS, FAILURE, OPEN, ABANDONED = "success", "remarks", "failure", "open", "abandoned"
STATES = {
    SUCCESS: _("success"),
    REMARKS: _("success, with remarks"),
    FAILURE: _("failure"),
    OPEN: _("still open"),
    ABANDONED: _("abandoned"),
}

#: The modes whose successful answer can be the last of a whole exchange.
FINAL_MODES = {
    ExchangeKind.CATALOG.value: ("import", "deactivate", "complete"),
    ExchangeKind.SALE.value: ("success", "import", "file"),
}


def with_state(queryset: QuerySet[ExchangeSession]) -> QuerySet[ExchangeSession]:
    """Sessions annotated with ``last_status``, ``last_mode``, ``ended`` and ``state``.

    ``ended`` is when the exchange finished or, unfinished, its last request
    (``last_seen`` is not advanced by the protocol's updates, so the log is
    the better witness).
    """
    last = ExchangeRequest.objects.filter(session=OuterRef("pk")).order_by("-created", "-pk")
    queryset = queryset.annotate(
        last_status=Subquery(last.values("status")[:1], output_field=CharField()),
        last_mode=Subquery(last.values("mode")[:1], output_field=CharField()),
        last_request=Subquery(last.values("created")[:1], output_field=DateTimeField()),
    )
    queryset = queryset.annotate(
        ended=Coalesce(F("finished"), F("last_request"), F("created"), output_field=DateTimeField())
    )
    quiet_since = timezone.now() - IDLE
    finished_well = Q(last_status="success") & (
        Q(kind=ExchangeKind.CATALOG, last_mode__in=FINAL_MODES[ExchangeKind.CATALOG.value])
        | Q(kind=ExchangeKind.SALE, last_mode__in=FINAL_MODES[ExchangeKind.SALE.value])
    )
    # Each way to end well says "remarks" where the exchange recorded some.
    success = Case(
        When(remarks=True, then=Value(REMARKS)), default=Value(SUCCESS), output_field=CharField()
    )
    return queryset.annotate(
        state=Case(
            When(outcome=SUCCESS, then=success),
            When(~Q(outcome=""), then=Value(FAILURE)),
            When(finished__isnull=False, then=success),
            When(last_status=FAILURE, then=Value(FAILURE)),
            When(ended__gte=quiet_since, then=Value(OPEN)),
            When(finished_well, then=success),
            default=Value(ABANDONED),
            output_field=CharField(),
        )
    )


def open_sessions(kind: str) -> QuerySet[ExchangeSession]:
    """The exchanges of type ``kind`` still open."""
    sessions: QuerySet[Any] = with_state(
        ExchangeSession.objects.filter(kind=kind, finished__isnull=True)
    )
    return sessions.filter(state=OPEN)


class StateFilter(admin.SimpleListFilter):
    """Filter by the derived state (needs a queryset made by :func:`with_state`)."""

    title = _("outcome")
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return list(STATES.items())

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        return queryset.filter(state=value) if value in STATES else queryset


def duration(start: dt.datetime | None, end: dt.datetime | None) -> str:
    """``1:02:03``, ``4:05`` or ``6 s``: how long an exchange or a job took."""
    if start is None or end is None:
        return ""
    seconds = max(0, int((end - start).total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{seconds:02d}"
    if minutes:
        return f"{minutes}:{seconds:02d}"
    return gettext("%(seconds)d s") % {"seconds": seconds}


# -- the change page -----------------------------------------------------------

#: A session page shows at most this many request lines: the first and the last halves.
MAX_REQUESTS = 1000


@dataclass
class RequestLog:
    """The request lines a session page shows, and how many in the middle it leaves out."""

    head: list[ExchangeRequest]
    tail: list[ExchangeRequest]
    left_out: int
    total: int


def request_log(session: ExchangeSession, limit: int = MAX_REQUESTS) -> RequestLog:
    """The session's requests in order, from ``checkauth`` on; a long log loses its middle."""
    requests = session.requests.order_by("created", "pk")
    total = requests.count()
    if total <= limit:
        return RequestLog(head=_with_kinds(requests), tail=[], left_out=0, total=total)
    half = limit // 2
    tail = _with_kinds(session.requests.order_by("-created", "-pk")[:half])
    tail.reverse()
    head = _with_kinds(requests[:half])
    return RequestLog(head=head, tail=tail, left_out=total - 2 * half, total=total)


def _with_kinds(requests: Iterable[ExchangeRequest]) -> list[ExchangeRequest]:
    """The requests, each with ``file_kind``: what the file it names holds, translated."""
    lines = list(requests)
    for line in lines:
        kind = labels.file_kind(line.filename) if line.filename else ""
        line.file_kind = kind  # type: ignore[attr-defined]
    return lines


@dataclass
class JobRow:
    """An import job of the session, as its page shows it: counters and files by their names."""

    job: ImportJob
    took: str
    counters: list[labels.Counted]
    warning_counts: list[labels.Counted]
    warnings: list[str]
    warnings_total: int
    #: The job's files with what each holds (``("offers.xml", "торговые предложения")``).
    files: list[tuple[str, str]]
    url: str = ""


#: The warnings of a job listed on the session page (the job's own page has the rest).
SHOWN_WARNINGS = 50


def job_rows(session: ExchangeSession, *, link: bool = False) -> list[JobRow]:
    """The session's import jobs in order; ``link`` adds the URLs of their admin pages."""
    rows = []
    jobs = list(session.import_jobs.order_by("created", "pk"))
    listed = first_warnings([job.pk for job in jobs], SHOWN_WARNINGS)
    for job in jobs:
        counts = {str(code): int(count) for code, count in (job.warning_counts or {}).items()}
        warnings = listed.get(job.pk, [])
        rows.append(
            JobRow(
                job=job,
                took=duration(job.started, job.finished),
                counters=labels.counters(job.counters),
                warning_counts=labels.warning_counts(counts),
                warnings=warnings,
                warnings_total=sum(counts.values()),
                files=[(str(name), labels.file_kind(str(name))) for name in job.files or []],
                url=reverse("admin:cml_exchange_importjob_change", args=[job.pk]) if link else "",
            )
        )
    return rows


def first_warnings(job_pks: list[int], limit: int) -> dict[int, list[str]]:
    """The messages of each job's first ``limit`` listed warnings, in one query."""
    numbered = (
        ImportWarning.objects.filter(job_id__any=job_pks)
        .annotate(number=Window(RowNumber(), partition_by=F("job_id"), order_by=F("pk").asc()))
        .filter(number__lte=limit)
        .order_by("job_id", "pk")
    )
    found: dict[int, list[str]] = {}
    for job_id, message in numbered.values_list("job_id", "message"):
        found.setdefault(job_id, []).append(message)
    return found
