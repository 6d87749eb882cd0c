"""Admin for the catalog: groups, properties, products with their offers, prices and stock."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from cml_exchange.models import (
    Catalog,
    Category,
    Classifier,
    Group,
    Offer,
    Product,
    ProductGroup,
    ProductImage,
    ProductPropertyValue,
    ProductRequisite,
    Property,
    PropertyOption,
    Unit,
)

READ_ONLY_FROM_1C = ("external_id", "version", "created", "updated")


@admin.register(Classifier)
class ClassifierAdmin(admin.ModelAdmin):
    list_display = ("name", "external_id", "active", "updated")
    search_fields = ("name", "external_id")


@admin.register(Catalog)
class CatalogAdmin(admin.ModelAdmin):
    list_display = ("name", "external_id", "classifier", "active", "updated")
    search_fields = ("name", "external_id")
    list_select_related = ("classifier",)


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin):
    list_display = ("indented_name", "external_id", "active", "deleted", "updated")
    list_filter = ("active", "deleted", "classifier")
    search_fields = ("name", "external_id", "slug")
    readonly_fields = ("external_id", "version", "path", "depth", "created", "updated")
    ordering = ("path",)

    @admin.display(description=_("name"), ordering="path")
    def indented_name(self, group: Group) -> str:
        return f"{'— ' * group.depth}{group.name}"


class PropertyOptionInline(admin.TabularInline):
    model = PropertyOption
    extra = 0
    readonly_fields = ("external_id",)


@admin.register(Property)
class PropertyAdmin(admin.ModelAdmin):
    list_display = ("name", "value_type", "for_products", "for_offers", "external_id", "active")
    list_filter = ("value_type", "for_products", "for_offers", "active")
    search_fields = ("name", "external_id")
    inlines = (PropertyOptionInline,)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "external_id", "active")
    search_fields = ("name", "external_id")
    filter_horizontal = ("properties",)


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("code", "name_short", "name_full", "international_abbr")
    search_fields = ("code", "name_short", "name_full")


class ProductGroupInline(admin.TabularInline):
    model = ProductGroup
    extra = 0
    autocomplete_fields = ("group",)


class ProductImageInline(admin.TabularInline):
    model = ProductImage
    extra = 0
    fields = ("file", "caption", "position", "source_path")
    readonly_fields = ("source_path",)


class ProductPropertyValueInline(admin.TabularInline):
    model = ProductPropertyValue
    extra = 0
    fields = ("property", "value", "option")
    raw_id_fields = ("property", "option")


class ProductRequisiteInline(admin.TabularInline):
    model = ProductRequisite
    extra = 0


class OfferInline(admin.TabularInline):
    """Offers of the product, with their prices and stock at a glance."""

    model = Offer
    extra = 0
    fields = ("name", "external_id", "quantity", "prices_shown", "stock_shown", "active")
    readonly_fields = ("external_id", "prices_shown", "stock_shown")
    show_change_link = True

    def get_queryset(self, request: HttpRequest) -> QuerySet[Offer]:
        return (
            super().get_queryset(request).prefetch_related("prices__price_type", "stock__warehouse")
        )

    @admin.display(description=_("prices"))
    def prices_shown(self, offer: Offer) -> str:
        return "; ".join(
            f"{price.price_type}: {'—' if price.value is None else price.value} {price.currency}"
            for price in offer.prices.all()
        )

    @admin.display(description=_("stock"))
    def stock_shown(self, offer: Offer) -> str:
        return "; ".join(f"{row.warehouse}: {row.quantity}" for row in offer.stock.all())


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = (
        "name", "article", "barcode", "catalog", "published", "active", "deleted", "updated",
    )  # fmt: skip
    list_filter = ("published", "active", "deleted", "catalog", "groups")
    actions = ("publish", "unpublish")
    search_fields = ("name", "full_name", "article", "barcode", "code", "external_id")
    readonly_fields = (*READ_ONLY_FROM_1C, "checksum", "last_seen_full")
    list_select_related = ("catalog",)
    inlines = (
        OfferInline,
        ProductGroupInline,
        ProductImageInline,
        ProductPropertyValueInline,
        ProductRequisiteInline,
    )

    @admin.action(description=_("Show the selected products on the site"))
    def publish(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        shown = queryset.update(published=True)
        self.message_user(request, _("Products shown on the site: %(count)d.") % {"count": shown})

    @admin.action(description=_("Hide the selected products from the site"))
    def unpublish(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        count = queryset.update(published=False)
        self.message_user(
            request, _("Products hidden from the site: %(count)d.") % {"count": count}
        )
