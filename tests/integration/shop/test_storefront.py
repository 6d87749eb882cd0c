"""The storefront over the demo catalog: what the import put in the database, a buyer sees."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import Min
from django.test import Client

from cml_exchange.models import (
    Group,
    Offer,
    Price,
    PriceType,
    Product,
    ProductPropertyValue,
    Stock,
)

NBSP = "\u00a0"
BOOTS = "Женские ботфорты коричневые"
ANKLE_BOOTS = "Ботинки женские демисезонные"


def page(client: Client, url: str, **params: Any) -> str:
    response = client.get(url, params)
    assert response.status_code == 200, url
    return response.content.decode()


def names(html: str) -> list[str]:
    """The product names of a listing, in order."""
    return re.findall(r'<a class="name" href="[^"]+">([^<]+)</a>', html)


def rub(amount: int) -> str:
    return f"{amount:,}".replace(",", NBSP) + f"{NBSP}₽"


def on_sale() -> int:
    return Product.objects.filter(active=True, deleted=False).count()


# -- listings --------------------------------------------------------------------------


def test_the_front_page_lists_the_groups_and_products_with_prices(
    demo: str, client: Client
) -> None:
    html = page(client, "/")
    assert f"Товаров: {on_sale()}" in html
    for group in ("Коврики для дома", "Обувь"):
        assert f">{group}</a>" in html
    assert "Одежда" not in html  # a group without products on sale is not offered
    assert BOOTS in names(html)
    # the boots' lowest offer price, as 1C sent it
    assert rub(1496) in html


def test_a_group_shows_its_own_and_its_subgroups_products(demo: str, client: Client) -> None:
    shoes = Group.objects.filter(name="Обувь", parent=None).get()
    html = page(client, f"/catalog/{shoes.slug}/")
    assert sorted(names(html)) == sorted([ANKLE_BOOTS, BOOTS])  # they sit in a subgroup
    assert client.get("/catalog/no-such-group/").status_code == 404


def test_pages_of_a_long_list(demo: str, client: Client, settings: Any) -> None:
    settings.SHOP_PAGE_SIZE = 10
    seen: list[str] = []
    for number in range(1, 5):
        seen += names(page(client, "/", page=number))
    assert len(seen) == len(set(seen)) == on_sale()
    assert "Страница 4 из 4" in page(client, "/", page=4)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ботфорты", [BOOTS]),  # any letter case, on SQLite too
        ("БОТИНКИ женские", [ANKLE_BOOTS]),
        ("Б-130001", [BOOTS]),  # the article
        ("2000018987155", [BOOTS]),  # the barcode
        ("PM-421-LE", ["Портативный коврик Portable 140x200x1 см, Слонята"]),
        ("нет такого товара", []),
    ],
)
def test_search_by_name_article_and_barcode(
    demo: str, client: Client, query: str, expected: list[str]
) -> None:
    html = page(client, "/search/", q=query)
    assert names(html) == expected
    if not expected:
        assert "Ничего не нашлось" in html


def test_sorting_by_price_and_name(demo: str, client: Client, settings: Any) -> None:
    settings.SHOP_PAGE_SIZE = 100
    by_name = names(page(client, "/", sort="name"))
    assert by_name == sorted(by_name)
    cheapest = names(page(client, "/", sort="price"))
    dearest = names(page(client, "/", sort="-price"))
    assert dearest[0] == BOOTS and cheapest[-1] == BOOTS  # 1 496 ₽ against mats of 100 ₽
    prices = [
        Product.objects.get(name=name).offers.aggregate(low=Min("prices__value"))["low"]
        for name in cheapest
    ]
    assert prices == sorted(prices)


def test_only_active_products_and_offers_are_shown(demo: str, client: Client) -> None:
    (deleted,) = Product.objects.exclude(active=True, deleted=False)  # 1C's Статус="Удален"
    assert deleted.name not in names(page(client, "/search/", q=deleted.name))
    boots = Product.objects.get(name=BOOTS)
    Product.objects.filter(pk=boots.pk).update(active=False)
    assert BOOTS not in names(page(client, "/"))
    assert client.get(f"/product/{boots.slug}/").status_code == 404
    ankle = Product.objects.get(name=ANKLE_BOOTS)
    hidden = ankle.offers.order_by("name").first()
    assert hidden is not None
    Offer.objects.filter(pk=hidden.pk).update(active=False)
    html = page(client, f"/product/{ankle.slug}/")
    assert hidden.name not in html
    assert ankle.offers.exclude(pk=hidden.pk).first().name in html  # type: ignore[union-attr]


def test_a_product_the_owner_has_not_published_is_not_shown(demo: str, client: Client) -> None:
    boots = Product.objects.get(name=BOOTS)
    group = boots.groups.first()
    assert group is not None
    Product.objects.filter(pk=boots.pk).update(published=False)
    assert BOOTS not in names(page(client, "/"))
    assert BOOTS not in names(page(client, "/search/", q=BOOTS))
    assert BOOTS not in names(page(client, f"/catalog/{group.slug}/"))
    assert client.get(f"/product/{boots.slug}/").status_code == 404
    Product.objects.filter(pk=boots.pk).update(published=True)
    assert client.get(f"/product/{boots.slug}/").status_code == 200


# -- the product page --------------------------------------------------------------------


def test_the_product_page_shows_offers_prices_stock_and_properties(
    demo: str, client: Client
) -> None:
    boots = Product.objects.get(name=BOOTS)
    html = page(client, f"/product/{boots.slug}/")
    assert f"<h1>{BOOTS}</h1>" in html
    assert "Артикул: Б-130001" in html
    for offer in boots.offers.all():
        assert offer.name in html
        (price,) = offer.prices.values_list("value", flat=True)
        assert price is not None and rub(int(price)) in html
        for row in Stock.objects.filter(offer=offer, quantity__gt=0):
            assert (
                f"{row.warehouse.name}: {row.quantity.normalize():f}".replace('"', "&quot;") in html
            )
    assert "Размер: 40, Тип кожи: натуральная кожа, Цвет: Коричневый" in html  # characteristics
    for value in boots.property_values.select_related("option"):
        shown = value.option.value if value.option else value.value
        assert shown in html
    assert html.count('type="radio" name="offer"') == boots.offers.count()
    assert 'id="add-to-cart">В корзину' in html
    pictures = [image.file.url for image in boots.images.all()]
    assert len(pictures) == 3 and all(url in html for url in pictures)


def test_out_of_stock_cannot_be_added(demo: str, client: Client) -> None:
    ankle = Product.objects.get(name=ANKLE_BOOTS)
    first = ankle.offers.order_by("name").first()
    assert first is not None
    Offer.objects.filter(pk=first.pk).update(quantity=0)
    html = page(client, f"/product/{ankle.slug}/")
    radio = re.search(rf'<input type="radio" name="offer" value="{first.pk}"[^>]*>', html)
    assert radio is not None and "disabled" in radio.group(0)
    assert 'id="add-to-cart">В корзину' in html  # the other sizes can still be bought
    ankle.offers.update(quantity=0)
    html = page(client, f"/product/{ankle.slug}/")
    assert 'id="add-to-cart" disabled>Нет в наличии' in html
    refused = client.post("/cart/add/", {"offer": first.pk, "quantity": 1}, follow=True)
    assert "Этого предложения нет в наличии." in refused.content.decode()
    assert client.session.get("cart", {}) == {}


def test_the_shops_price_type_is_the_one_shown(demo: str, client: Client, settings: Any) -> None:
    boots = Product.objects.get(name=BOOTS)
    retail = PriceType.objects.get(name="Розничная")
    wholesale = PriceType.objects.create(external_id="opt", name="Оптовая", currency="RUB")
    for offer in boots.offers.all():
        Price.objects.create(offer=offer, price_type=wholesale, value=Decimal(999), currency="RUB")
    settings.SHOP_PRICE_TYPES = ["Оптовая"]
    html = page(client, f"/product/{boots.slug}/")
    assert rub(999) in html and rub(1496) not in html
    settings.SHOP_PRICE_TYPES = [retail.external_id]  # a 1C id works as well as a name
    html = page(client, f"/product/{boots.slug}/")
    assert rub(1496) in html and rub(999) not in html


def test_the_shops_price_type_is_found_in_any_letter_case(
    demo: str, client: Client, settings: Any
) -> None:
    """An owner who writes SHOP_PRICE_TYPES=оптовая means 1C's «Оптовая»."""
    boots = Product.objects.get(name=BOOTS)
    wholesale = PriceType.objects.create(external_id="opt", name="Оптовая", currency="RUB")
    for offer in boots.offers.all():
        Price.objects.create(offer=offer, price_type=wholesale, value=Decimal(999), currency="RUB")
    settings.SHOP_PRICE_TYPES = [" оптовая "]
    html = page(client, f"/product/{boots.slug}/")
    assert rub(999) in html and 'id="add-to-cart">В корзину' in html


def test_a_value_waiting_for_its_option_is_not_shown_as_an_id(demo: str, client: Client) -> None:
    """1C named an option of a «Справочник» it has not sent: its id is no text for a buyer."""
    boots = Product.objects.get(name=BOOTS)
    known = (
        ProductPropertyValue.objects.filter(option__isnull=False).select_related("property").first()
    )
    assert known is not None  # the demo has «Справочник» properties
    waiting_id = "5c0ffee0-0000-4000-8000-00000000abcd"
    ProductPropertyValue.objects.create(  # as the importer keeps it (products.py, unknown_option)
        product=boots, property=known.property, option_external_id=waiting_id, value=waiting_id
    )
    html = page(client, f"/product/{boots.slug}/")
    assert waiting_id not in html
