"""The storefront's search: ё and е alike everywhere; words in any order and form on PostgreSQL."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from cml_exchange.models import Catalog, Product

pytestmark = pytest.mark.django_db

NAMES = (
    "Ёлка искусственная",
    "елка настольная",
    "Женские ботфорты коричневые",
    "Коврик для йоги",
)


@pytest.fixture
def goods() -> None:
    catalog = Catalog.objects.create(external_id="catalog", name="Каталог")
    for number, name in enumerate(NAMES):
        Product.objects.create(
            catalog=catalog, external_id=f"p{number}", name=name, slug=f"p{number}"
        )


def found(client: Client, query: str) -> list[str]:
    page = client.get("/search/", {"q": query})
    assert page.status_code == 200
    return sorted(re.findall(r'<a class="name" href="[^"]+">([^<]+)</a>', page.content.decode()))


@pytest.mark.parametrize("query", ["ёлка", "елка", "ЁЛКА", "ЕЛКА", "Ёлк"])
def test_yo_and_ye_find_each_other(goods, client, query):
    assert found(client, query) == ["Ёлка искусственная", "елка настольная"]


def test_a_part_of_a_word_in_any_case(goods, client):
    assert found(client, "БОТФ") == ["Женские ботфорты коричневые"]
    assert found(client, "ботфорты коричневые") == ["Женские ботфорты коричневые"]
    assert found(client, "ёлка для йоги") == []


@pytest.mark.postgresql
@pytest.mark.parametrize(
    "query",
    [
        "коричневые женские ботфорты",  # another order
        "женских ботфортов",  # other forms
        "ботфорт",
    ],
)
def test_full_text_search_in_russian(goods, client, query):
    assert found(client, query) == ["Женские ботфорты коричневые"]


@pytest.mark.postgresql
def test_full_text_search_folds_yo_too(goods, client):
    assert found(client, "настольная ёлка") == ["елка настольная"]
    assert found(client, "ёлки") == ["Ёлка искусственная", "елка настольная"]
    assert found(client, "коврика") == ["Коврик для йоги"]


def test_a_nul_character_in_the_query_is_left_out(goods, client):
    """What scanners send: PostgreSQL refuses a NUL in a string, the page must not fail."""
    assert found(client, "ботф\x00") == ["Женские ботфорты коричневые"]
    assert found(client, "\x00") == sorted(NAMES)
