"""Admin for the exchange log: the exchange monitor, and the stored files (:mod:`.files`).

The monitor lists every exchange 1C made, with how it ended (derived in
:mod:`.monitor`); an exchange's page shows it from ``checkauth`` to
``complete``, request by request, with the imports it ran. Nobody edits a
log: sessions are read-only, and only superusers may delete old ones.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.defaultfilters import filesizeformat
from django.utils import formats
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from cml_exchange import moments
from cml_exchange.admin import monitor
from cml_exchange.admin.files import StoredFileAdmin
from cml_exchange.models import ExchangeFile, ExchangeSession


@admin.register(ExchangeSession)
class ExchangeSessionAdmin(admin.ModelAdmin):
    """The exchange monitor."""

    change_form_template = "admin/cml_exchange/exchangesession/change_form.html"
    list_display = (
        "started",
        "kind",
        "user",
        "address",
        "ended",
        "took",
        "files",
        "bytes_shown",
        "state_shown",
    )
    list_display_links = ("started",)
    list_filter = (monitor.StateFilter, "kind")
    list_select_related = ("user",)
    date_hierarchy = "created"
    search_fields = ("address", f"user__{get_user_model().USERNAME_FIELD}")
    fields = (
        "kind",
        "user",
        "address",
        "version",
        "answered_version",
        "created",
        "initialized",
        "ended",
        "took",
        "files",
        "bytes_shown",
        "state_shown",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[ExchangeSession]:
        return monitor.with_state(super().get_queryset(request))

    # -- columns -----------------------------------------------------------------

    @admin.display(description=_("start"), ordering="created")
    def started(self, session: ExchangeSession) -> str:
        return _moment(session.created)

    @admin.display(description=_("end"), ordering="ended")
    def ended(self, session: ExchangeSession) -> str:
        if getattr(session, "state", "") == monitor.OPEN:
            return ""
        return _moment(getattr(session, "ended", session.finished))

    @admin.display(description=_("duration"))
    def took(self, session: ExchangeSession) -> str:
        return monitor.duration(session.created, getattr(session, "ended", session.finished))

    @admin.display(description=_("bytes"), ordering="bytes_received")
    def bytes_shown(self, session: ExchangeSession) -> str:
        return filesizeformat(session.bytes_received)

    @admin.display(description=_("outcome"), ordering="state")
    def state_shown(self, session: ExchangeSession) -> str:
        state = getattr(session, "state", "")
        colour = {
            monitor.SUCCESS: "#2e7d32",
            monitor.REMARKS: "#b25c00",
            monitor.FAILURE: "#ba2121",
            monitor.OPEN: "#205067",
            monitor.ABANDONED: "#8a6d00",
        }.get(state, "inherit")
        return format_html(
            '<strong class="cml-state cml-state-{}" style="color: {}">{}</strong>',
            state,
            colour,
            monitor.STATES.get(state, state),
        )

    # -- the page of one exchange ----------------------------------------------------

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        context = dict(extra_context or {})
        session = self.get_object(request, object_id)
        if session is not None and self.has_view_permission(request, session):
            context["request_log"] = monitor.request_log(session)
            context["job_rows"] = monitor.job_rows(
                session, link=request.user.has_perm("cml_exchange.view_importjob")
            )
            context["title"] = _("Exchange of %(start)s: %(kind)s") % {
                "start": _moment(session.created),
                "kind": session.get_kind_display(),
            }
        return super().change_view(request, object_id, form_url, context)

    # -- nobody writes a log ---------------------------------------------------------

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return bool(getattr(request.user, "is_superuser", False))


def _moment(value: dt.datetime | None) -> str:
    """A date and time as the admin shows them, in the current time zone."""
    return formats.localize(moments.shown(value)) if value is not None else ""


admin.site.register(ExchangeFile, StoredFileAdmin)
