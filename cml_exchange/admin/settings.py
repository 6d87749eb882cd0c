"""The exchange settings page: one row, Bitrix's "Интеграция с 1С" with its two parts."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cml_exchange.models import ExchangeSettings


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
