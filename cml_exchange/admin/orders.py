"""Admin for orders and the lists 1C knows: statuses, payment methods, delivery services, shops."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from cml_exchange.models import (
    Customer,
    DeliveryService,
    Order,
    OrderLine,
    OrderStatus,
    PaymentMethod,
    Storefront,
)


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
        "total",
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
        "updated",
    )
    inlines = (OrderLineInline,)

    @admin.display(boolean=True, description=_("1C has the latest version"))
    def seen_by_1c(self, order: Order) -> bool:
        return not order.due_for_1c
