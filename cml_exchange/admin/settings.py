"""The exchange settings page: one row, Bitrix's "Интеграция с 1С" with its two parts.

Above the form it shows the address to type into 1C's "Адрес сайта", and
links to a form that creates a user for 1C (``exchange_user``).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils.translation import gettext_lazy as _

from cml_exchange.admin.exchange_user import ExchangeUserForm
from cml_exchange.exceptions import ConfigError
from cml_exchange.models import ExchangeSettings
from cml_exchange.orders.adapter import get_order_adapter


@admin.register(ExchangeSettings)
class ExchangeSettingsAdmin(admin.ModelAdmin):
    """One row: the list page goes straight to it."""

    change_form_template = "admin/cml_exchange/exchangesettings/change_form.html"
    filter_horizontal = ("catalog_groups", "sale_groups", "export_storefronts")
    fieldsets = (
        (
            _("Catalog"),
            {
                "fields": (
                    "catalog_groups",
                    "check_request_source",
                    "step_interval",
                    "file_limit",
                    "use_zip",
                    "schema_version",
                    "use_checksums",
                    "missing_products",
                    "missing_groups",
                    "skip_root_group",
                    "slug_on_add",
                    "slug_on_update",
                    "slug_replace_char",
                    "generate_preview",
                    ("preview_width", "preview_height"),
                    "resize_detail",
                    ("detail_width", "detail_height"),
                )
            },
        ),
        (
            _("What the site owns"),
            {
                "fields": (
                    "site_owns_name",
                    "site_owns_description",
                    "site_owns_pictures",
                    "site_owns_slug",
                    "match_products_by",
                    "hide_new_products",
                ),
                "description": _(
                    "Fields edited on the site that 1C must not overwrite. 1C fills them "
                    "when it creates a product and leaves them alone after."
                ),
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

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.exchange_user_view)
        return [
            path("exchange-user/", view, name="cml_exchange_exchange_user"),
            *super().get_urls(),
        ]

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        """The form, with the orders options the shop's order adapter does not apply disabled."""
        form = super().get_form(request, obj, change, **kwargs)
        try:
            adapter = get_order_adapter()
        except ConfigError:  # the check (E002) names it; the page still opens to mend the rest
            return form
        for name in adapter.settings_not_applied:
            field = form.base_fields.get(name)
            if field is not None:
                field.disabled = True
                field.help_text = _(
                    "Does not apply: the shop's orders are kept by %(adapter)s, "
                    "which does not use this option."
                ) % {"adapter": type(adapter).__name__}
        return form

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        context = {
            **(extra_context or {}),
            "exchange_urls": exchange_urls(request),
            "may_create_user": self._may_create_user(request),
        }
        return super().change_view(request, object_id, form_url, context)

    def exchange_user_view(self, request: HttpRequest) -> HttpResponse:
        """Create a user for 1C: login, e-mail, password twice (Bitrix's wizard, step 7)."""
        if not self._may_create_user(request):
            raise PermissionDenied
        settings = ExchangeSettings.load()
        form = ExchangeUserForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            user = form.save(settings)
            urls = exchange_urls(request)
            self.message_user(
                request,
                _(
                    "The user “%(login)s” was created. In 1C, type the address %(url)s "
                    "with this login and password."
                )
                % {"login": user.get_username(), "url": urls[0] if urls else "?"},
                messages.SUCCESS,
            )
            return HttpResponseRedirect(
                reverse("admin:cml_exchange_exchangesettings_change", args=[settings.pk])
            )
        context = {
            **self.admin_site.each_context(request),
            "title": _("A user for the exchange with 1C"),
            "form": form,
            "opts": self.opts,
            "exchange_urls": exchange_urls(request),
        }
        return TemplateResponse(
            request, "admin/cml_exchange/exchangesettings/exchange_user.html", context
        )

    def _may_create_user(self, request: HttpRequest) -> bool:
        user = request.user
        return self.has_change_permission(request) and user.has_perm(
            f"{get_user_model()._meta.app_label}.add_{get_user_model()._meta.model_name}"
        )


def exchange_urls(request: HttpRequest) -> list[str]:
    """The absolute addresses of the exchange endpoint, the plain one first ([] if not mounted)."""
    urls = []
    for name in ("cml_exchange:exchange", "cml_exchange:exchange_bitrix"):
        try:
            urls.append(request.build_absolute_uri(reverse(name)))
        except NoReverseMatch:
            continue
    return urls
