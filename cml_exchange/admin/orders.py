"""Admin for orders and the lists 1C knows: statuses, payment methods, delivery services, shops."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import F, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from cml_exchange.models import (
    Customer,
    DeliveryService,
    Order,
    OrderLine,
    OrderStatus,
    PaymentMethod,
    Storefront,
)
from cml_exchange.money import format_money


@admin.register(Storefront)
class StorefrontAdmin(admin.ModelAdmin):
    list_display = ("code", "name")


@admin.register(OrderStatus)
class OrderStatusAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "position", "final", "active")
    list_editable = ("position", "active")


@admin.register(PaymentMethod)
class PaymentMethodAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "position", "cash", "active")
    list_editable = ("position", "active")


@admin.register(DeliveryService)
class DeliveryServiceAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "position", "active")
    list_editable = ("position", "active")


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("display_name", "kind", "email", "phone", "inn", "external_id", "created")
    list_filter = ("kind",)
    search_fields = ("last_name", "first_name", "company", "email", "phone", "inn", "external_id")
    raw_id_fields = ("user",)


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    fields = ("external_id", "name", "unit_name", "price", "quantity", "discount", "amount")
    raw_id_fields = ("offer",)


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    """Orders, and whether 1C has their latest version (sent and confirmed by ``success``)."""

    list_display = (
        "number",
        "created",
        "customer",
        "total_shown",
        "status",
        "paid",
        "delivery_allowed",
        "canceled",
        "number_1c",
        "seen_by_1c",
    )
    list_filter = ("status", "paid", "delivery_allowed", "canceled", "storefront", "created_by_1c")
    search_fields = ("number", "number_1c", "external_id", "customer__last_name", "customer__email")
    date_hierarchy = "created"
    raw_id_fields = ("customer",)
    list_select_related = ("customer", "status")
    readonly_fields = (
        "external_id",
        "number_1c",
        "date_1c",
        "posted_1c",
        "version_1c",
        "created_by_1c",
        "version",
        "exported_version",
        "status_changed",
        "updated",
    )
    fieldsets = (
        (
            None,
            {
                "fields": (
                    ("number", "created"),
                    ("storefront", "customer"),
                    ("status", "status_changed"),
                    ("total", "currency"),
                    "comment",
                    "customer_comment",
                )
            },
        ),
        (
            _("Payment"),
            {
                "fields": (
                    "payment_method",
                    ("paid", "paid_at", "payment_number_1c"),
                    ("refunded", "refunded_at"),
                    "refund_reason",
                )
            },
        ),
        (
            _("Delivery"),
            {
                "fields": (
                    "delivery_service",
                    "delivery_price",
                    "delivery_address",
                    "delivery_allowed",
                    "delivery_allowed_at",
                    "shipped_at",
                    "shipment_number_1c",
                    "tracking_number",
                )
            },
        ),
        (_("Cancellation"), {"fields": ("canceled", "canceled_at", "cancel_reason")}),
        (
            _("1C"),
            {
                "fields": (
                    ("external_id", "number_1c", "date_1c"),
                    ("posted_1c", "version_1c", "created_by_1c"),
                    ("version", "exported_version", "updated"),
                )
            },
        ),
    )
    actions = ("export_again",)
    inlines = (OrderLineInline,)

    def save_model(self, request: HttpRequest, obj: Order, form: Any, change: bool) -> None:
        """Save (the version rises, so 1C gets the change); a new status is dated."""
        if "status" in form.changed_data:
            obj.status_changed = timezone.now()
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Export to 1C again"))
    def export_again(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        """Raise the version of the chosen orders: the next exchange sends them to 1C."""
        count = queryset.update(version=F("version") + 1, updated=timezone.now())
        self.message_user(
            request,
            ngettext(
                "%(count)d order goes to 1C with the next exchange.",
                "%(count)d orders go to 1C with the next exchange.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.display(description=_("total"), ordering="total")
    def total_shown(self, order: Order) -> str:
        """``1 234,50 ₽``: the total in the order's currency."""
        return format_money(order.total, order.currency)

    @admin.display(boolean=True, description=_("1C has the latest version"))
    def seen_by_1c(self, order: Order) -> bool:
        return not order.due_for_1c
