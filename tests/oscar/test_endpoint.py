"""1C's catalog exchange over the endpoint, with the built-in client: the catalog is in Oscar."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from oscar.core.loading import get_model

from benchmarks.generator import generate_catalog
from tests.integration.protocol.exchange import new_1c
from tests.oscar.cml import clothes
from tests.oscar.mirror import expected, in_oscar, prices_and_stock

pytestmark = pytest.mark.django_db

Product: Any = get_model("catalogue", "Product")

OSCAR_MIDDLEWARE = "oscar.apps.basket.middleware.BasketMiddleware"
OSCAR_CONTEXT = [
    "oscar.apps.search.context_processors.search_form",
    "oscar.apps.checkout.context_processors.checkout",
    "oscar.apps.communication.notifications.context_processors.notifications",
    "oscar.core.context_processors.metadata",
]


def assert_mirrored() -> None:
    assert in_oscar() == expected()
    want, got = prices_and_stock()
    assert got == want


def test_a_catalog_1c_sends_is_in_oscar(admin_user: Any, upload_root: Path, tmp_path: Path) -> None:
    shop = clothes()
    names = shop.write(tmp_path / "1c")
    result = new_1c().exchange_catalog([tmp_path / "1c" / name for name in names])
    assert [i.message for i in result.imported] == ["Импорт успешно завершен."] * 2
    assert_mirrored()
    shirt = Product.objects.get(title="Рубашка льняная")
    assert shirt.children.count() == 2
    assert shirt.images.count() == 2

    # The next full exchange leaves the coat out: 1C's "deactivate" hides it in Oscar.
    shop.items = [item for item in shop.items if item.id != "coat"]
    shop.lots = [lot for lot in shop.lots if lot.id != "coat"]
    shop.write(tmp_path / "1c")
    new_1c().exchange_catalog([tmp_path / "1c" / name for name in names])
    assert_mirrored()
    assert not Product.objects.get(title="Пальто шерстяное").is_public


def test_a_generated_catalog_with_pictures(
    admin_user: Any, upload_root: Path, tmp_path: Path
) -> None:
    generate_catalog(tmp_path / "1c", 150, seed=5)
    result = new_1c().exchange_catalog(
        [tmp_path / "1c" / "import.xml", tmp_path / "1c" / "offers.xml"]
    )
    assert [i.message for i in result.imported] == ["Импорт успешно завершен."] * 2
    assert_mirrored()
    assert in_oscar()["images"] > 0


@pytest.mark.urls("oscar_shop.urls")
def test_the_storefront_shows_what_1c_sent(
    admin_user: Any, upload_root: Path, tmp_path: Path, settings: Any
) -> None:
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, OSCAR_MIDDLEWARE]
    settings.TEMPLATES[0]["OPTIONS"]["context_processors"] = [
        *settings.TEMPLATES[0]["OPTIONS"]["context_processors"],
        *OSCAR_CONTEXT,
    ]
    names = clothes().write(tmp_path / "1c")
    new_1c().exchange_catalog([tmp_path / "1c" / name for name in names])
    coat = Product.objects.get(title="Пальто шерстяное")
    page = Client().get(coat.get_absolute_url())
    assert page.status_code == 200
    text = page.content.decode()
    assert "Пальто шерстяное" in text
    assert "12" in text and Decimal("12000") == coat.stockrecords.get().price
    # A product 1C hid is not for sale: Oscar's product page is gone for buyers.
    coat.is_public = False
    coat.save()
    assert Client().get(coat.get_absolute_url()).status_code == 404
