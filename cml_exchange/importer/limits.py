"""What the catalog's columns can hold, read from the models, for the scan to check.

The scan (``cml_exchange.commerceml.reading.scan``) knows which element goes to which
column but not Django; this module gives it the columns' sizes
(``max_length``, ``max_digits``, ``decimal_places``), so a model that widens
a column widens what the import accepts, and the policy for numbers:

* every value that does not fit its column refuses the file (an ``Ид`` of
  300 characters, a name of 600, a price of ``1e30``): nothing is cut or
  clamped, see ``docs/import_workflow.md``, "Values that do not fit";
* a price (``ЦенаЗаЕдиницу``) must be a number, and neither it nor its
  ``Коэффициент`` nor a weight may be below zero;
* quantities and stock may be negative (1C's "отрицательные остатки").
"""

from __future__ import annotations

from functools import cache

from django.apps import apps
from django.db import models

from cml_exchange.commerceml.reading.scan import NUMBER_COLUMNS, TEXT_COLUMNS, ValueLimits

#: Number columns where a value below zero means nothing and is refused.
NOT_NEGATIVE = frozenset({"Price.value", "Price.coefficient", "Product.weight"})
#: Number columns whose text must read as a number: a price the site cannot read
#: must not replace the one it has (elsewhere the reader warns and leaves it out).
NUMBERS_ONLY = frozenset({"Price.value"})


def column(key: str) -> models.Field[object, object]:
    """The model field named ``"Model.field"`` (a model of ``cml_exchange``)."""
    model_name, _, field_name = key.partition(".")
    field = apps.get_model("cml_exchange", model_name)._meta.get_field(field_name)
    if not isinstance(field, models.Field):
        raise TypeError(f"{key} is not a column")
    return field


@cache
def value_limits() -> ValueLimits:
    """The limits of every column the scan checks, from the models (computed once)."""
    lengths = {}
    for key in TEXT_COLUMNS:
        max_length = column(key).max_length
        if max_length is not None:
            lengths[key] = max_length
    decimals = {}
    for key in NUMBER_COLUMNS:
        field = column(key)
        if not isinstance(field, models.DecimalField):
            raise TypeError(f"{key} is not a DecimalField")
        decimals[key] = (field.max_digits, field.decimal_places)
    return ValueLimits(
        lengths=lengths,
        decimals=decimals,
        not_negative=NOT_NEGATIVE,
        numbers_only=NUMBERS_ONLY,
    )
