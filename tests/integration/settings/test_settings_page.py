"""The exchange settings page: the address for 1C, a user for 1C, and who may see it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.test import Client
from django.urls import reverse

from cml_exchange.models import ExchangeSettings
from tests.integration.protocol.exchange import get, new_1c

pytestmark = pytest.mark.django_db

USER_FORM = "admin:cml_exchange_exchange_user"


def settings_url() -> str:
    return reverse("admin:cml_exchange_exchangesettings_change", args=[ExchangeSettings.load().pk])


def test_the_page_shows_the_address_to_type_into_1c(admin_client: Client) -> None:
    page = admin_client.get(reverse("admin:cml_exchange_exchangesettings_changelist"), follow=True)
    html = page.content.decode()
    assert page.status_code == 200
    assert "http://testserver/1c_exchange.php" in html
    assert "http://testserver/bitrix/admin/1c_exchange.php" in html
    assert reverse(USER_FORM) in html
    assert 'class="deletelink"' not in html  # the one row cannot be deleted
    for field in ("skip_root_group", "generate_preview", "detail_width", "orders_encoding"):
        assert f'name="{field}"' in html


@pytest.mark.parametrize(
    ("data", "field", "error"),
    [
        ({"username": "1c"}, "username", "3"),
        ({"password1": "12345", "password2": "12345"}, "password1", "6"),
        ({"password2": "другой-пароль"}, "password2", ""),
        ({"email": "not an address"}, "email", ""),
    ],
)
def test_the_user_form_keeps_bitrix_minimums(
    admin_client: Client, data: dict[str, str], field: str, error: str
) -> None:
    form = {
        "username": "exchange1c",
        "email": "1c@example.com",
        "password1": "верный-пароль-1С",
        "password2": "верный-пароль-1С",
        **data,
    }
    page = admin_client.post(reverse(USER_FORM), form)
    assert page.status_code == 200  # the form again, with its error
    errors = page.context["form"].errors
    assert field in errors and error in " ".join(errors[field])
    assert not User.objects.filter(username=form["username"]).exists()


def test_a_user_made_here_may_exchange_catalog_and_orders(
    admin_client: Client, upload_root: object
) -> None:
    User.objects.create_user("taken")
    duplicate = admin_client.post(
        reverse(USER_FORM),
        {
            "username": "TAKEN",
            "email": "a@example.com",
            "password1": "x" * 12,
            "password2": "x" * 12,
        },
    )
    assert "username" in duplicate.context["form"].errors

    form = {
        "username": "exchange1c",
        "email": "1c@example.com",
        "password1": "верный-пароль-1С",
        "password2": "верный-пароль-1С",
    }
    page = admin_client.post(reverse(USER_FORM), form, follow=True)
    assert page.redirect_chain[-1][0] == settings_url()
    assert "exchange1c" in page.content.decode()
    user = User.objects.get(username="exchange1c")
    assert not user.is_staff and not user.is_superuser
    group = user.groups.get()
    settings = ExchangeSettings.load()
    assert group in settings.catalog_groups.all() and group in settings.sale_groups.all()
    for kind in ("catalog", "sale"):
        reply = get(new_1c("exchange1c", "верный-пароль-1С"), "checkauth", kind=kind)
        assert reply.startswith(b"success\n"), kind
    assert Client().login(username="exchange1c", password="верный-пароль-1С")
    assert Client().get("/admin/").status_code == 302  # no way into the admin


def test_staff_without_the_permissions_is_refused(client: Client) -> None:
    staff = User.objects.create_user("clerk", password="secret", is_staff=True)
    client.force_login(staff)
    assert client.get(settings_url()).status_code == 403
    assert client.get(reverse(USER_FORM)).status_code == 403
    staff.user_permissions.add(Permission.objects.get(codename="change_exchangesettings"))
    staff = User.objects.get(pk=staff.pk)
    client.force_login(staff)
    page = client.get(settings_url())
    assert page.status_code == 200
    assert reverse(USER_FORM) not in page.content.decode()  # may not add users
    assert client.get(reverse(USER_FORM)).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client: Client) -> None:
    # Other apps' migrations may have made groups (django-oscar's do, on PostgreSQL).
    groups = set(Group.objects.values_list("name", flat=True))
    page = client.get(settings_url())
    assert page.status_code == 302 and "/admin/login/" in page["Location"]
    assert set(Group.objects.values_list("name", flat=True)) == groups  # none made for 1C


def test_a_second_user_joins_the_group_the_settings_already_allow(admin_client: Client) -> None:
    groups = Group.objects.count()  # other apps' migrations may have made some
    existing = Group.objects.create(name="Обмен с 1С")
    settings = ExchangeSettings.load()
    settings.catalog_groups.add(existing)
    settings.sale_groups.add(existing)
    form = {"email": "1c@example.com", "password1": "x" * 12, "password2": "x" * 12}
    admin_client.post(reverse(USER_FORM), {**form, "username": "first1c"})
    admin_client.post(reverse(USER_FORM), {**form, "username": "second1c"})
    assert Group.objects.count() == groups + 1  # no second group for 1C
    assert set(existing.user_set.values_list("username", flat=True)) == {"first1c", "second1c"}


def settings_form(admin_client: Client, **changes: object) -> dict[str, object]:
    """The settings form as the browser posts it unchanged, with ``changes``."""
    form = admin_client.get(settings_url()).context["adminform"].form
    data: dict[str, object] = {}
    for name, value in {**form.initial, **changes}.items():
        if value is None or value is False:
            continue  # an empty choice, an unticked box: not sent
        if isinstance(value, list):
            data[name] = [getattr(item, "pk", item) for item in value]
        else:
            data[name] = "on" if value is True else getattr(value, "pk", value)
    return data


@pytest.mark.parametrize("char", ["/", "?", "%", ".", "ж"])
def test_the_slug_replacement_takes_only_what_a_slug_may_hold(
    admin_client: Client, char: str
) -> None:
    """A "/" in slugs gave product addresses the storefront could not route (its lists failed)."""
    page = admin_client.post(
        settings_url(),
        settings_form(admin_client, slug_replace_char=char),
        HTTP_ACCEPT_LANGUAGE="ru",
    )
    assert page.status_code == 200
    assert "slug_replace_char" in page.context["adminform"].form.errors
    assert "Только «_» или «-»" in page.content.decode()
    assert ExchangeSettings.load().slug_replace_char == "_"


def test_a_hyphen_for_the_slug_replacement_is_saved(admin_client: Client) -> None:
    page = admin_client.post(settings_url(), settings_form(admin_client, slug_replace_char="-"))
    assert page.status_code == 302
    assert ExchangeSettings.load().slug_replace_char == "-"


def test_a_part_size_of_zero_is_refused(admin_client: Client, upload_root: object) -> None:
    """1C-Bitrix never tells 1C "file_limit=0" (below 1 it takes its 204800)."""
    page = admin_client.post(settings_url(), settings_form(admin_client, file_limit=0))
    assert page.status_code == 200
    assert "file_limit" in page.context["adminform"].form.errors
    assert ExchangeSettings.load().file_limit == 204800
    onec = new_1c()
    onec.checkauth()
    assert get(onec, "init") == b"zip=yes\nfile_limit=204800"


#: Labels of Bitrix's "Интеграция с 1С" catalog tab (catalog/lang/ru/admin/1c_admin.php)
#: that the settings page shows as they are, in the field's own label.
BITRIX_LABELS = {
    "slug_on_add": "Транслитерировать символьный код из названия при добавлении элемента "
    "(товара) или раздела (групп товаров)",
    "slug_on_update": "Транслитерировать символьный код из названия при обновлении элемента "
    "(товара) или раздела (групп товаров)",
    "generate_preview": "Автоматически генерировать картинку анонса",
    "preview_width": "Максимально допустимая ширина картинки анонса",
    "preview_height": "Максимально допустимая высота картинки анонса",
    "detail_width": "Максимально допустимая ширина детальной картинки",
    "detail_height": "Максимально допустимая высота детальной картинки",
}


def test_picture_and_slug_options_carry_bitrix_labels(admin_client: Client) -> None:
    """A preview fits in the box: "width" alone read as the width every preview gets."""
    page = admin_client.get(settings_url(), HTTP_ACCEPT_LANGUAGE="ru")
    form = page.context["adminform"].form
    for field, label in BITRIX_LABELS.items():
        assert str(form.fields[field].label).startswith(label), field


def test_the_page_opens_with_an_order_adapter_misnamed(admin_client: Client, settings: Any) -> None:
    """The system check names the setting; the page itself still opens, nothing disabled."""
    settings.CML_EXCHANGE_ORDER_ADAPTER = "shop.orders.NoSuchAdapter"
    page = admin_client.get(settings_url())
    assert page.status_code == 200
    tag = re.search(r'<select[^>]*name="export_from_status"[^>]*>', page.content.decode())
    assert tag is not None and " disabled" not in tag.group(0)
