"""``field__any=[…]`` finds what ``field__in=[…]`` finds, on SQLite and PostgreSQL.

On PostgreSQL it is one array parameter (``= ANY(%s)``), on SQLite one JSON
array read by ``json_each``: the importer's lookups by a batch's thousand ids.
The ids 1C sends may hold anything an array literal or JSON must quote.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import FieldError
from django.db import connection
from django.db.models import Value
from django.db.models.functions import Lower
from django.test.utils import CaptureQueriesContext

from cml_exchange.models import Catalog, Offer, Product

pytestmark = pytest.mark.django_db

#: Ids an array literal must quote, or could read as something else.
ODD_IDS = ["NULL", "null", "", "a,b", 'x"y', "a\\b", "{x}", " lead", "ёж", "a'b", "\t", "p-1"]


@pytest.fixture
def products() -> dict[str, int]:
    catalog = Catalog.objects.create(external_id="cat", name="Каталог")
    made = Product.objects.bulk_create(
        Product(catalog=catalog, external_id=external_id, name="Товар", slug=f"t{index}")
        for index, external_id in enumerate(ODD_IDS)
    )
    return {product.external_id: product.pk for product in made}


def found(**lookup: object) -> set[str]:
    return set(Product.objects.filter(**lookup).values_list("external_id", flat=True))


CASES = [
    (["NULL"], {"NULL"}),  # not a NULL element
    (["null", ""], {"null", ""}),
    (['x"y', "a\\b", "{x}", "a,b"], {'x"y', "a\\b", "{x}", "a,b"}),
    (ODD_IDS, set(ODD_IDS)),
    (["absent"], set()),
    ([None, "ёж"], {"ёж"}),  # None is never equal to anything, as with in
    ([None], set()),
    ([], set()),
]


@pytest.mark.parametrize(("wanted", "expected"), CASES)
def test_the_same_rows_as_in(products, wanted, expected):
    assert found(external_id__any=wanted) == expected
    assert found(external_id__in=wanted) == expected


def test_keys_joins_foreign_keys_and_subqueries(products):
    assert found(pk__any={products["a,b"], products[" lead"]}) == {"a,b", " lead"}
    assert found(catalog__external_id__any=["cat"]) == set(ODD_IDS)  # across a join
    product = Product.objects.get(pk=products["p-1"])
    Offer.objects.create(catalog=product.catalog, product=product, external_id="o-1", name="О")
    offers = Offer.objects.filter(product__any=[products["p-1"], products["NULL"]])  # a key
    assert list(offers.values_list("external_id", flat=True)) == ["o-1"]
    subquery = Product.objects.filter(slug="t1").values("external_id")  # left to in
    assert found(external_id__any=subquery) == {"null"}
    assert found(external_id__any=[Lower(Value("NULL")), "p-1"]) == {"null", "p-1"}  # likewise


def test_one_parameter_whatever_the_number_of_values(products):
    """One array on PostgreSQL, one JSON array on SQLite: the statement's text never changes.

    A statement of a placeholder per value is prepared anew for each number of
    values, SQLite keeps the last 128 of them (tens of MiB for a batch's values),
    and a SQLite built with the default limit refuses more than 32,766 (999 before 3.32).
    """
    statements: list[tuple[str, tuple[object, ...]]] = []

    def record(execute, sql, params, many, context):
        statements.append((sql, tuple(params or ())))
        return execute(sql, params, many, context)

    # PostgreSQL writes texts with a double quote or backslash in another statement.
    plain = [external_id for external_id in ODD_IDS if not {'"', "\\"} & set(external_id)]
    with connection.execute_wrapper(record):
        assert found(external_id__any=plain) == set(plain)
        assert found(external_id__any=plain[:3]) == set(plain[:3])
    (every, every_params), (three, three_params) = statements
    assert every == three
    assert len(every_params) == len(three_params) == 1
    if connection.vendor == "postgresql":
        assert '"external_id" = ANY(' in every
    else:
        assert '"external_id" IN (SELECT value FROM json_each(%s))' in every


@pytest.mark.postgresql
def test_the_literal_written_by_joins_only_where_nothing_needs_escaping(products):
    """Texts with no double quote or backslash, and integers, go as one literal; others a list."""
    plain = [
        external_id for external_id in ODD_IDS if '"' not in external_id and "\\" not in external_id
    ]
    keys = [products[external_id] for external_id in ODD_IDS]
    with CaptureQueriesContext(connection) as queries:
        assert found(external_id__any=plain) == set(plain)
        assert found(pk__any=keys) == set(ODD_IDS)
        assert found(external_id__any=["a\\b", "p-1"]) == {"a\\b", "p-1"}
    texts, integers, escaped = (query["sql"] for query in queries.captured_queries)
    assert "::text[])" in texts and '\'{"NULL","null","",' in texts
    assert "::bigint[])" in integers
    assert "::text[]" not in escaped and "= ANY(" in escaped


def test_only_this_apps_fields_have_it():
    from django.contrib.auth.models import User

    with pytest.raises(FieldError):
        list(User.objects.filter(username__any=["admin"]))


def test_values_prepared_by_their_field_are_still_prepared():
    """A JSON field stores ``"x"`` as JSON text: a plain string is not passed on as it is."""
    from cml_exchange.models import ImportJob

    ImportJob.objects.create(base_dir="/tmp/x", state="x")
    ImportJob.objects.create(base_dir="/tmp/y", state="y")
    jobs = ImportJob.objects.filter(state__any=["x", "z"]).values_list("base_dir", flat=True)
    assert list(jobs) == ["/tmp/x"]
    assert list(
        ImportJob.objects.filter(state__in=["x", "z"]).values_list("base_dir", flat=True)
    ) == ["/tmp/x"]


def test_integers_and_texts_on_each_others_fields(products):
    """A key given as text, an id given as a number: prepared to the field's type first."""
    key = products["p-1"]
    assert found(pk__any=[str(key)]) == {"p-1"}
    Product.objects.filter(pk=key).update(external_id="17")
    assert found(external_id__any=[17, "NULL"]) == {"17", "NULL"}


def test_lazy_texts_and_flags_are_prepared_by_their_field(products):
    """Values that are not plain texts or integers go through the field's preparation."""
    from django.utils.functional import lazy

    lazy_text = lazy(lambda: "ёж", str)()
    assert found(external_id__any=[lazy_text]) == {"ёж"}
    assert found(external_id__any=(lazy_text, "p-1")) == {"ёж", "p-1"}
    Product.objects.filter(pk=products["p-1"]).update(active=False)
    assert found(active__any=[False]) == {"p-1"}
