"""Bookkeeping of declared ids, and the warnings for references that point nowhere."""

from __future__ import annotations

from dataclasses import dataclass, field

from cml_exchange.commerceml.entities import Offer, Product
from cml_exchange.commerceml.reading._xml import Warn


@dataclass(slots=True)
class ReadWarning:
    """Something the reader skipped or could not resolve; the reading went on.

    ``code`` is stable for programs (``unknown_warehouse``, ``empty_offer``…),
    ``message`` is a Russian sentence for people.
    """

    code: str
    message: str
    entity_id: str | None = None


@dataclass(slots=True)
class KnownIds:
    """Ids declared so far, to tell a dangling reference from a good one.

    One instance may be shared by the readers of all files of an exchange, so
    that ``prices___`` knows the price types ``import___`` declared. Product
    ids are only collected when ``products`` is a set (it grows with the
    catalog, so it is opt-in); offers are then checked against them.
    """

    groups: set[str] = field(default_factory=set)
    properties: set[str] = field(default_factory=set)
    price_types: set[str] = field(default_factory=set)
    warehouses: set[str] = field(default_factory=set)
    products: set[str] | None = None


class References:
    """Records what one file declares and warns, once per missing id, about what it lacks."""

    def __init__(self, known: KnownIds, warn: Warn) -> None:
        self.known = known
        self._warn = warn
        self._warned: set[tuple[str, str]] = set()
        self._file_groups: set[str] = set()

    def _warn_once(self, code: str, missing_id: str, message: str, entity_id: str) -> None:
        if (code, missing_id) not in self._warned:
            self._warned.add((code, missing_id))
            self._warn(code, message, entity_id)

    def declare_group(self, group_id: str) -> None:
        if group_id in self._file_groups:
            self._warn("duplicate_group", f"Группа с Ид {group_id} встречается повторно.", group_id)
        self._file_groups.add(group_id)
        self.known.groups.add(group_id)

    def declare(self, kind: str, entity_id: str) -> None:
        """Note a declared property, price type or warehouse (other kinds are not tracked)."""
        registry = {
            "property": self.known.properties,
            "price_type": self.known.price_types,
            "warehouse": self.known.warehouses,
        }.get(kind)
        if registry is not None:
            registry.add(entity_id)

    def check_product(self, product: Product) -> None:
        known = self.known
        for group_id in product.group_ids:
            if group_id not in known.groups:
                self._warn_once(
                    "unknown_group",
                    group_id,
                    f"Товар {product.id} ссылается на необъявленную группу {group_id}.",
                    product.id,
                )
        for value in product.property_values:
            if value.property_id not in known.properties:
                self._warn_once(
                    "unknown_property",
                    value.property_id,
                    f"Товар {product.id} ссылается на необъявленное свойство {value.property_id}.",
                    product.id,
                )
        if known.products is not None:
            known.products.add(product.id)

    def check_offer(self, offer: Offer) -> None:
        known = self.known
        for price in offer.prices or ():
            if price.price_type_id not in known.price_types:
                self._warn_once(
                    "unknown_price_type",
                    price.price_type_id,
                    f"Предложение {offer.id} ссылается на необъявленный тип цены "
                    f"{price.price_type_id}.",
                    offer.id,
                )
        for row in offer.stock or ():
            if row.warehouse_id not in known.warehouses:
                self._warn_once(
                    "unknown_warehouse",
                    row.warehouse_id,
                    f"Предложение {offer.id} ссылается на необъявленный склад {row.warehouse_id}.",
                    offer.id,
                )
        products = known.products
        if products and offer.id not in products and offer.product_id not in products:
            self._warn(
                "unknown_product",
                f"Предложение {offer.id} ссылается на товар, которого нет в каталоге.",
                offer.id,
            )
