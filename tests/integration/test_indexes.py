"""The columns the importer and the shop look products and offers up by stay indexed.

On PostgreSQL, Django gives an indexed or unique text column a second index
(``varchar_pattern_ops``, for ``LIKE 'abc%'``); migration 0025 drops those of the
products' and offers' columns, which nothing queries by prefix and every new row
paid for. A group's path, which subtrees are queried by, keeps its own.
"""

from __future__ import annotations

import pytest
from django.db import connection, models

from cml_exchange.models import Group, Offer, Product

pytestmark = pytest.mark.django_db


def indexed_columns(model: type[models.Model]) -> set[tuple[str, ...]]:
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return {tuple(info["columns"]) for info in found.values() if info["index"] or info["unique"]}


def test_lookups_by_1c_id_article_barcode_and_slug_have_their_indexes() -> None:
    assert {("external_id",), ("slug",), ("article",), ("barcode",)} <= indexed_columns(Product)
    assert {("external_id",), ("barcode",), ("catalog_id", "external_id")} <= indexed_columns(Offer)


@pytest.mark.postgresql
def test_no_prefix_twins_on_products_and_offers_on_postgresql() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, indexdef FROM pg_indexes WHERE indexdef LIKE %s",
            ["%varchar_pattern_ops%"],
        )
        twins = cursor.fetchall()
    tables = {table for table, _definition in twins}
    assert Product._meta.db_table not in tables
    assert Offer._meta.db_table not in tables
    assert any(
        table == Group._meta.db_table and "(path varchar_pattern_ops)" in definition
        for table, definition in twins
    )
