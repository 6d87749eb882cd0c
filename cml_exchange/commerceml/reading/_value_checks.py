"""What the scan checks in a file's values, before the importer writes any of them.

Each check mirrors what the reader builds from the XML and the importer
writes (the same trimming, the same fallbacks: a product without a name is
written under its full name, then its id), so a file is refused when one of
its values would not fit its column. Simple fields are checked in every
occurrence, not only the one the reader keeps. What the reader skips (an item
without an ``Ид``, a price without a price type, stock without a warehouse)
is not checked: it is never written. Where the reader falls back, the check
uses the reader's own helpers (``base_unit_code``, ``offer_id``,
``requisite_fields``, ``file_caption``, ``value_type``), so the two cannot
drift apart.

Here: what the scan hands over, the classifier and the containers. Products
and offers are checked in ``_value_checks_items``; the columns, the limits
and the check of one value are in ``_value_limits``.

Django-free: the limits come in as :class:`ValueLimits`, which the importer
builds from its models (``cml_exchange.importer.limits``).
"""

from __future__ import annotations

from typing import cast

from cml_exchange.commerceml import tags as T
from cml_exchange.commerceml.reading._build_classifier import value_type
from cml_exchange.commerceml.reading._structure import NESTABLE_IN_CLASSIFIER, PACKAGES, WATCHED
from cml_exchange.commerceml.reading._value_checks_items import ItemChecks
from cml_exchange.commerceml.reading._value_limits import fields_by_name
from cml_exchange.commerceml.reading._xml import Element, children, local_name, optional_text, text
from cml_exchange.commerceml.values import excerpt

#: What a classifier or an offer package declares, with the model and what 1C calls it.
_DECLARED = {
    T.PRICE_TYPE: ("PriceType", "тип цены"),
    T.WAREHOUSE: ("Warehouse", "склад"),
    T.CATEGORY: ("Category", "категория"),
}
_UNIT_FIELDS = (
    (T.CODE, "Unit.code"),
    (T.ID, "Unit.external_id"),
    (T.UNIT_FULL_NAME, "Unit.name_full"),
    (T.SHORT_NAME, "Unit.name_short"),
    (T.INTERNATIONAL_ABBR, "Unit.international_abbr"),
)


def _nearest_watched(element: Element) -> str:
    """The closest ancestor the reader watches: what the reader takes the element to be in."""
    parent = element.getparent()
    while parent is not None:
        name = local_name(cast(str, parent.tag))
        if name in WATCHED:
            return name
        parent = parent.getparent()
    return ""


class Checker(ItemChecks):
    """Checks the values of one file's entities against ``limits``; collects the problems.

    The scan hands it each product, offer, group and property element at its
    end (:meth:`entity`) and each container at its end (:meth:`container`).
    ``problems`` keeps the first :data:`MAX_PROBLEMS`, ``count`` counts all.
    """

    # -- what the reader reads ----------------------------------------------------

    def entity(self, tag: str, element: Element) -> None:
        """Check a product, offer, group or property, if the reader reads it as one."""
        if tag == T.PRODUCT:
            if _nearest_watched(element) == T.CATALOG:
                self.product(element)
        elif tag == T.OFFER:
            if _nearest_watched(element) in PACKAGES:
                self.offer(element)
        elif tag == T.GROUP:
            parent = element.getparent()
            holder = parent.getparent() if parent is not None else None
            if (
                parent is not None
                and holder is not None
                and local_name(cast(str, parent.tag)) == T.GROUPS
                and local_name(cast(str, holder.tag)) in (T.CLASSIFIER, T.GROUP)
            ):
                self.named("Group", "группа", element)
        elif tag == T.PROPERTY and _nearest_watched(element) == T.CLASSIFIER:
            self.property(element)

    def container(self, tag: str, element: Element) -> None:
        """Check a container's header and the price types, warehouses… it declares."""
        parent = element.getparent()
        if parent is None:
            return
        holder = parent.getparent()
        if holder is not None and not (  # the reader refuses a container elsewhere
            holder.getparent() is None
            and local_name(cast(str, parent.tag)) == T.CLASSIFIER
            and tag in NESTABLE_IN_CLASSIFIER
        ):
            return
        fields = fields_by_name(element)
        if tag == T.CLASSIFIER:
            owner = "классификатор"
            self.child_text("Classifier.external_id", fields, T.ID, owner)
            self.child_text("Classifier.name", fields, T.NAME, owner)
        elif tag == T.CATALOG:
            owner = "каталог"
            self.child_text("Catalog.external_id", fields, T.ID, owner)
            self.child_text("Classifier.external_id", fields, T.CLASSIFIER_ID, owner)
            self.child_text("Catalog.name", fields, T.NAME, owner)
            return
        else:
            owner = "пакет предложений"
            self.child_text("Classifier.external_id", fields, T.CLASSIFIER_ID, owner)
            catalog = fields.get(T.CATALOG_ID)
            own_id = text(fields[T.ID]) if T.ID in fields else ""
            if catalog is not None and optional_text(catalog):
                self.text("Catalog.external_id", optional_text(catalog), catalog, owner)
            elif own_id.endswith("#") and len(own_id) > 1:  # the catalog's id and a "#"
                self.text("Catalog.external_id", own_id[:-1], fields[T.ID], owner)
        wanted = [T.PRICE_TYPE, T.WAREHOUSE]
        if tag == T.CLASSIFIER:
            wanted += [T.UNIT_OF_MEASURE, T.CATEGORY]
        for item in element.iter(*(f"{{*}}{name}" for name in wanted)):
            name = local_name(cast(str, item.tag))
            anchor = item
            if name == T.WAREHOUSE:  # the reader reads a declared one from its Склады
                holder = item.getparent()
                if holder is None or local_name(cast(str, holder.tag)) != T.WAREHOUSES:
                    continue
                anchor = holder
            if _nearest_watched(anchor) != tag:
                continue  # a warehouse of an offer's stock, not a declaration
            if name == T.UNIT_OF_MEASURE:
                self.unit_of_measure(item)
            else:
                model, kind = _DECLARED[name]
                self.named(model, kind, item)

    def named(
        self, model: str, kind: str, element: Element
    ) -> tuple[dict[str, Element], str] | None:
        """Check the ``Ид`` and ``Наименование`` of a group, property, price type or warehouse.

        Returns the element's fields and its owner's description, or ``None``
        for an item the reader skips (no ``Ид``).
        """
        fields = fields_by_name(element)
        own_id = text(fields[T.ID]) if T.ID in fields else ""
        if not own_id:
            return None
        owner = f"{kind} «{excerpt(own_id)}»"
        self.text(f"{model}.external_id", own_id, fields[T.ID], "")
        if T.NAME in fields:  # written as the name, or the id when empty
            self.text(f"{model}.name", text(fields[T.NAME]) or own_id, fields[T.NAME], owner)
        if model in ("Group", "Property"):
            self.child_text(f"{model}.version", fields, T.VERSION, owner)
        elif model == "PriceType":
            self.child_text("PriceType.currency", fields, T.CURRENCY, owner)
            if T.TAX in fields:
                self.child_text("PriceType.tax_name", fields_by_name(fields[T.TAX]), T.NAME, owner)
        return fields, owner

    def unit_of_measure(self, element: Element) -> None:
        fields = fields_by_name(element)
        code = optional_text(fields[T.CODE]) if T.CODE in fields else None
        if code:  # a unit without a code is not written
            owner = f"единица измерения «{excerpt(code)}»"
            for tag, column in _UNIT_FIELDS:
                self.child_text(column, fields, tag, owner)

    def property(self, element: Element) -> None:
        named = self.named("Property", "свойство", element)
        if named is None:
            return
        fields, owner = named
        if T.VALUE_TYPE in fields:
            element_type = fields[T.VALUE_TYPE]
            self.text("Property.value_type", value_type(element_type), element_type, owner)
        if T.VALUE_OPTIONS not in fields:
            return
        for entry_tag, entry in children(fields[T.VALUE_OPTIONS]):
            if entry_tag not in (T.DIRECTORY, T.OPTION):
                continue
            option_id: Element | None = None
            value: Element | None = None
            for tag, child in children(entry):
                if tag in (T.VALUE_ID, T.ID):
                    option_id = child
                elif tag == T.VALUE:
                    value = child
            if option_id is not None and text(option_id):  # one without an id is skipped
                self.text("PropertyOption.external_id", text(option_id), option_id, owner)
                if value is not None:
                    self.text("PropertyOption.value", text(value), value, owner)
