"""Admin for what is on sale: offers with their prices and stock, price types, warehouses."""

from __future__ import annotations

from django.contrib import admin

from cml_exchange.models import (
    Offer,
    OfferCharacteristic,
    Price,
    PriceType,
    Stock,
    Warehouse,
)


@admin.register(PriceType)
class PriceTypeAdmin(admin.ModelAdmin):
    list_display = ("name", "currency", "tax_included", "external_id", "declared", "active")
    list_filter = ("declared", "active")
    search_fields = ("name", "external_id")


@admin.register(Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    list_display = ("name", "address", "external_id", "declared", "active")
    list_filter = ("declared", "active")
    search_fields = ("name", "external_id")


class PriceInline(admin.TabularInline):
    model = Price
    extra = 0
    fields = ("price_type", "value", "currency", "unit", "coefficient", "presentation")


class StockInline(admin.TabularInline):
    model = Stock
    extra = 0


class CharacteristicInline(admin.TabularInline):
    model = OfferCharacteristic
    extra = 0
    fields = ("name", "value", "position")


@admin.register(Offer)
class OfferAdmin(admin.ModelAdmin):
    list_display = ("name", "external_id", "product", "quantity", "active", "deleted", "updated")
    list_filter = ("active", "deleted", "catalog")
    search_fields = ("name", "barcode", "article", "external_id", "product__name")
    readonly_fields = ("external_id", "product_external_id", "version", "created", "updated")
    raw_id_fields = ("product",)
    list_select_related = ("product",)
    inlines = (CharacteristicInline, PriceInline, StockInline)
