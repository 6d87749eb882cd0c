"""Admin for the exchange log: sessions with their requests, and stored files."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from cml_exchange.models import ExchangeFile, ExchangeRequest, ExchangeSession


class RequestInline(admin.TabularInline):
    model = ExchangeRequest
    extra = 0
    fields = (
        "created",
        "method",
        "mode",
        "filename",
        "bytes_in",
        "duration_ms",
        "status",
        "message",
    )
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ExchangeSession)
class ExchangeSessionAdmin(admin.ModelAdmin):
    list_display = (
        "created",
        "kind",
        "user",
        "address",
        "files",
        "bytes_received",
        "outcome",
        "finished",
    )
    list_filter = ("kind", "outcome")
    date_hierarchy = "created"
    readonly_fields = [field.name for field in ExchangeSession._meta.fields if field.name != "id"]
    exclude = ("token", "sessid", "lease_owner", "lease_until")
    inlines = (RequestInline,)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(ExchangeFile)
class ExchangeFileAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "size", "parts", "created", "updated", "imported")
    list_filter = ("kind",)
    search_fields = ("name",)
    readonly_fields = [field.name for field in ExchangeFile._meta.fields if field.name != "id"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
