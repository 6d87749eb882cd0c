"""Admin for import jobs: what was imported, how far it got, what went wrong.

A job's page is read-only. Its counters, warning counts and files are shown by
their names (:mod:`cml_exchange.importer.labels`), not as the JSON the job keeps.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from cml_exchange.importer import labels
from cml_exchange.models import ImportJob

#: The JSON fields shown by their names instead: field → the method that shows it.
_SHOWN = {
    "files": "files_shown",
    "counters": "counters_shown",
    "warning_counts": "warning_counts_shown",
}


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ("pk", "status", "stage", "created", "finished", "steps", "message")
    list_filter = ("status",)
    search_fields = ("message", "error")
    date_hierarchy = "created"
    readonly_fields = [_SHOWN.get(field.name, field.name) for field in ImportJob._meta.fields]
    # The warnings listed in full are rows of their own (ImportWarning), shown after their counts.
    readonly_fields.insert(readonly_fields.index("warning_counts_shown") + 1, "warnings_shown")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description=_("files"))
    def files_shown(self, job: ImportJob) -> SafeString:
        return _list(
            format_html("{} <small>{}</small>", name, labels.file_kind(str(name)))
            for name in job.files or []
        )

    @admin.display(description=_("counters"))
    def counters_shown(self, job: ImportJob) -> SafeString:
        return _counted(labels.counters(job.counters))

    @admin.display(description=_("warnings by kind"))
    def warning_counts_shown(self, job: ImportJob) -> SafeString:
        return _counted(labels.warning_counts(job.warning_counts))

    @admin.display(description=_("warnings"))
    def warnings_shown(self, job: ImportJob) -> SafeString:
        return _list(warning["message"] for warning in job.warnings)


def _counted(counts: list[labels.Counted]) -> SafeString:
    return _list(format_html("{}: {}", count.label, count.value) for count in counts)


def _list(items: Iterable[object]) -> SafeString:
    """``<ul>`` of the items (escaped unless already safe); empty without items."""
    rows = format_html_join("", "<li>{}</li>", ((item,) for item in items))
    return format_html('<ul class="cml-list">{}</ul>', rows) if rows else SafeString("")
