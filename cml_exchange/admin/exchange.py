"""Admin for the exchange: its settings (one row) and its log (sessions, requests, files)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cml_exchange.models import ExchangeFile, ExchangeRequest, ExchangeSession, ExchangeSettings


@admin.register(ExchangeSettings)
class ExchangeSettingsAdmin(admin.ModelAdmin):
    """One row: the list page goes straight to it."""

    filter_horizontal = ("catalog_groups", "sale_groups", "export_storefronts")
    fieldsets = (
        (
            _("Catalog"),
            {
                "fields": (
                    "catalog_groups",
                    "step_interval",
                    "file_limit",
                    "use_zip",
                    "use_checksums",
                    "missing_products",
                    "missing_groups",
                    "slug_on_add",
                    "slug_on_update",
                    "slug_replace_char",
                )
            },
        ),
        (
            _("Orders"),
            {
                "fields": (
                    "export_storefronts",
                    "number_prefix",
                    "export_paid_only",
                    "export_delivery_allowed_only",
                    "export_from_status",
                    "export_since",
                    "shipment_status",
                    "change_status_from_1c",
                    "replace_currency",
                    "create_orders_from_1c",
                    "sale_groups",
                    "orders_encoding",
                    "orders_bom",
                    "orders_container",
                )
            },
        ),
    )

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, object] | None = None
    ) -> HttpResponse:
        settings = ExchangeSettings.load()
        return HttpResponseRedirect(
            reverse("admin:cml_exchange_exchangesettings_change", args=[settings.pk])
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


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
