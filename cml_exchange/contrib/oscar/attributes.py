"""Property values and characteristics → Oscar's product attributes and their values.

Each 1C property gets one attribute on each product class that uses it, its
type chosen from the property's: a ``Справочник`` is an option (a multiple
one a multi-option, its values an option group), a ``Число`` a float, a
``Время`` a datetime, the rest text. An offer's characteristics (``Размер:
40``) are text attributes, one per name. A parent and a stand-alone product
carry the product's values; a child its offer's characteristics and values;
a stand-alone product its offer's as well.

The values of the attributes the adapter made are replaced as 1C sends
them; other attributes' values (the shop's own) are left alone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import keyword
import math
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from typing import Any

from oscar.core.loading import get_model

from cml_exchange import moments
from cml_exchange.contrib.oscar.db import fit
from cml_exchange.contrib.oscar.models import AttributeLink
from cml_exchange.contrib.oscar.structure import Target
from cml_exchange.importer import sql
from cml_exchange.importer.adapter import AdapterContext
from cml_exchange.importer.slugs import make_slug
from cml_exchange.models import (
    OfferCharacteristic,
    OfferPropertyValue,
    ProductPropertyValue,
    Property,
)

ProductAttribute: Any = get_model("catalogue", "ProductAttribute")
ProductAttributeValue: Any = get_model("catalogue", "ProductAttributeValue")
AttributeOptionGroup: Any = get_model("catalogue", "AttributeOptionGroup")
AttributeOption: Any = get_model("catalogue", "AttributeOption")

#: What an attribute holds: ``("p", property pk)`` or ``("c", characteristic name)``.
Key = tuple[str, Any]
#: The length of Oscar's ``AttributeOption.option``.
_OPTION_LENGTH = 255
#: What a cut attribute or option group name is, for the shop owner.
_PROPERTY_NAME = "Название свойства"
_VALUE_FIELDS = {
    "text": "value_text",
    "float": "value_float",
    "datetime": "value_datetime",
    "option": "value_option_id",
}


def attribute_type(prop: Property) -> str:
    """The Oscar attribute type for a 1C property."""
    if prop.value_type == Property.ValueType.DIRECTORY:
        return "multi_option" if prop.multiple else "option"
    if prop.value_type == Property.ValueType.NUMBER:
        return "float"
    if prop.value_type == Property.ValueType.TIME:
        return "datetime"
    return "text"


def save_attributes(context: AdapterContext, targets: Sequence[Target]) -> None:
    """Set the attribute values of ``targets`` from their products' and offers' values."""
    if not targets:
        return
    raw = _raw_values(context, targets)
    properties = {
        key[1]: prop for values in raw.values() for key, (prop, _) in values.items() if prop
    }
    attributes = _attributes(
        context,
        {t.product_class for t in targets},
        {(t.product_class, key) for t in targets for key in raw.get(t.oscar, {})},
        properties,
    )
    options = _options(
        {
            (attributes[(t.product_class, key)].option_group_id, text)
            for t in targets
            for key, (prop, texts) in raw.get(t.oscar, {}).items()
            if prop is not None and attribute_type(prop) in ("option", "multi_option")
            for text in texts
        }
    )
    wanted: dict[tuple[int, int], Any] = {}
    for target in targets:
        for key, (prop, texts) in raw.get(target.oscar, {}).items():
            attribute = attributes[(target.product_class, key)]
            value = _convert(context, attribute.type, prop, texts, options, attribute)
            if value is not None:
                wanted[(target.oscar, attribute.pk)] = value
    _write(context, [t.oscar for t in targets], wanted, attributes.values())


def rename_attributes(context: AdapterContext, property_pks: Collection[int]) -> None:
    """Give the attributes and option groups of the properties 1C renamed their new names."""
    names = {
        pk: fit(context, name, 128, _PROPERTY_NAME)
        for pk, name in Property.objects.filter(pk__in=property_pks).values_list("pk", "name")
    }
    attributes = [
        ProductAttribute(pk=pk, name=names[prop])
        for pk, prop, name in AttributeLink.objects.filter(property_id__in=names).values_list(
            "attribute_id", "property_id", "attribute__name"
        )
        if name != names[prop]
    ]
    ProductAttribute.objects.bulk_update(attributes, ["name"])
    codes = {_group_code(prop): prop for prop in names}
    groups = [
        AttributeOptionGroup(pk=pk, name=names[codes[code]])
        for pk, code, name in AttributeOptionGroup.objects.filter(code__in=codes).values_list(
            "pk", "code", "name"
        )
        if name != names[codes[code]]
    ]
    AttributeOptionGroup.objects.bulk_update(groups, ["name"])
    context.count("oscar_attributes_renamed", len(attributes))


def _raw_values(
    context: AdapterContext, targets: Sequence[Target]
) -> dict[int, dict[Key, tuple[Property | None, list[str]]]]:
    """``{Oscar pk: {key: (property or None, [texts])}}``, the offer's over the product's.

    Read as plain tuples, a query per kind: a batch has tens of thousands of values.
    """
    by_product = defaultdict(list)
    by_offer = defaultdict(list)
    for target in targets:
        if target.product is not None:
            by_product[target.product].append(target.oscar)
        if target.offer is not None:
            by_offer[target.offer].append(target.oscar)
    fields = ("property_id", "option__value", "value", "position")
    product_rows = list(
        ProductPropertyValue.objects.filter(product_id__in=by_product).values_list(
            "product_id", *fields
        )
    )
    offer_rows = list(
        OfferPropertyValue.objects.filter(offer_id__in=by_offer).values_list("offer_id", *fields)
    )
    properties = Property.objects.in_bulk({row[1] for row in (*product_rows, *offer_rows)})
    raw: dict[int, dict[Key, tuple[Property | None, list[str]]]] = defaultdict(dict)
    for index, rows in ((by_product, product_rows), (by_offer, offer_rows)):
        collected: dict[tuple[int, int], list[str]] = {}
        for owner, prop_pk, option, value, _position in sorted(rows, key=lambda row: row[4]):
            text = _text_of(context, properties[prop_pk], option, value)
            if text is not None:
                collected.setdefault((owner, prop_pk), []).append(text)
        for (owner, prop_pk), texts in collected.items():
            for oscar_pk in index[owner]:
                raw[oscar_pk][("p", prop_pk)] = (properties[prop_pk], texts)
    characteristics = OfferCharacteristic.objects.filter(offer_id__in=by_offer).values_list(
        "offer_id", "name", "value", "position"
    )
    for offer_pk, name, value, _position in sorted(characteristics, key=lambda row: row[3]):
        name = name.strip()
        if not name or not value:
            continue
        for oscar_pk in by_offer[offer_pk]:
            raw[oscar_pk][("c", name[:255])] = (None, [value])
    return raw


def _text_of(context: AdapterContext, prop: Property, option: str | None, value: str) -> str | None:
    if prop.value_type == Property.ValueType.DIRECTORY:
        return _option_text(context, prop, option) if option else None
    return str(value) if value else None


def _option_text(context: AdapterContext, prop: Property, text: str) -> str:
    """An option's text as Oscar keeps it: 255 characters at most, one option per 1C value.

    Options are told apart by their text, so a longer one ends in a digest of
    the whole: two values 1C keeps apart that begin alike stay two options.
    """
    if len(text) <= _OPTION_LENGTH:
        return text
    digest = hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()[:8]
    cut = f"{text[: _OPTION_LENGTH - 10]}… {digest}"
    context.warn(
        "oscar_truncated",
        f"Свойство «{prop.name[:60]}»: значение «{text[:60]}…» длиннее {_OPTION_LENGTH} "
        f"символов: в Oscar записано «…{cut[-30:]}».",
        key=f"option\n{text}",
    )
    return cut


def _attributes(
    context: AdapterContext,
    classes: set[int],
    keys: set[tuple[int, Key]],
    properties: dict[int, Property],
) -> dict[Any, Any]:
    """``{(class pk, key): ProductAttribute}``: the adapter's in ``classes``, ``keys`` made."""
    found: dict[Any, Any] = {}
    for link in AttributeLink.objects.filter(product_class_id__in=classes).select_related(
        "attribute"
    ):
        key: Key = ("p", link.property_id) if link.property_id else ("c", link.characteristic)
        found[(link.product_class_id, key)] = link.attribute
    missing = sorted(keys - set(found), key=repr)
    if not missing:
        return found
    codes = set(
        ProductAttribute.objects.filter(product_class_id__in=classes).values_list(
            "product_class_id", "code"
        )
    )
    groups = _option_groups(
        context,
        [properties[key[1]] for _, key in missing if key[0] == "p"],
    )
    new = []
    for product_class, key in missing:
        if key[0] == "p":
            prop = properties[key[1]]
            name, kind, group = prop.name, attribute_type(prop), groups.get(prop.pk)
            what = _PROPERTY_NAME
        else:
            name, kind, group, what = key[1], "text", None, "Характеристика"
        code = _code(name, product_class, codes)
        codes.add((product_class, code))
        new.append(
            (
                product_class,
                key,
                ProductAttribute(
                    product_class_id=product_class,
                    name=fit(context, name, 128, what),
                    code=code,
                    type=kind,
                    option_group_id=group,
                ),
            )
        )
    ProductAttribute.objects.bulk_create([attribute for _, _, attribute in new])
    AttributeLink.objects.bulk_create(
        [
            AttributeLink(
                product_class_id=product_class,
                property_id=key[1] if key[0] == "p" else None,
                characteristic=key[1] if key[0] == "c" else "",
                attribute_id=attribute.pk,
            )
            for product_class, key, attribute in new
        ]
    )
    found.update(((product_class, key), attribute) for product_class, key, attribute in new)
    return found


def _code(name: str, product_class: int, taken: set[tuple[int, str]]) -> str:
    """An attribute code Oscar accepts (``product.attr.<code>``), free in the class."""
    base = make_slug(name, replace_char="_", max_length=100) or "attribute"
    if base[0].isdigit() or keyword.iskeyword(base):
        base = f"a_{base}"
    code, n = base, 2
    while (product_class, code) in taken:
        code, n = f"{base}_{n}", n + 1
    return code


def _option_groups(context: AdapterContext, properties: Sequence[Property]) -> dict[int, int]:
    """``{property pk: option group pk}`` for ``Справочник`` properties (code ``cml:<pk>``)."""
    wanted = {
        _group_code(prop.pk): prop
        for prop in properties
        if attribute_type(prop) in ("option", "multi_option")
    }
    if not wanted:
        return {}
    have = dict(AttributeOptionGroup.objects.filter(code__in=wanted).values_list("code", "pk"))
    AttributeOptionGroup.objects.bulk_create(
        [
            AttributeOptionGroup(name=fit(context, prop.name, 128, _PROPERTY_NAME), code=code)
            for code, prop in wanted.items()
            if code not in have
        ]
    )
    have = dict(AttributeOptionGroup.objects.filter(code__in=wanted).values_list("code", "pk"))
    return {prop.pk: have[code] for code, prop in wanted.items()}


def _group_code(property_pk: int) -> str:
    return f"cml:{property_pk}"


def _options(wanted: set[tuple[int, str]]) -> dict[tuple[int, str], int]:
    """``{(group pk, text): option pk}``; options missing are made."""
    if not wanted:
        return {}
    groups = {group for group, _ in wanted}

    def read() -> dict[tuple[int, str], int]:
        rows = AttributeOption.objects.filter(
            group_id__in=groups, option__in={text for _, text in wanted}
        ).values_list("group_id", "option", "pk")
        return {(group, text): pk for group, text, pk in rows}

    have = read()
    missing = wanted - set(have)
    if missing:
        AttributeOption.objects.bulk_create(
            [AttributeOption(group_id=group, option=text) for group, text in sorted(missing)],
            ignore_conflicts=True,
        )
        have = read()
    return have


def _convert(
    context: AdapterContext,
    kind: str,
    prop: Property | None,
    texts: list[str],
    options: dict[tuple[int, str], int],
    attribute: Any,
) -> Any:
    """The value for Oscar: a str, float, datetime, option pk, or frozenset of option pks."""
    if kind == "text":
        return ", ".join(texts)
    if kind == "option":
        return options.get((attribute.option_group_id, texts[0]))
    if kind == "multi_option":
        group = attribute.option_group_id
        found = {options[(group, t)] for t in texts if (group, t) in options}
        return frozenset(found) or None
    parsed = _number(texts[0]) if kind == "float" else _moment(texts[0])
    if parsed is None and prop is not None:
        context.warn(
            "oscar_attribute_value",
            f"Свойство «{prop.name}»: значение «{texts[0][:100]}» не "
            f"{'число' if kind == 'float' else 'дата'}; в Oscar не записано.",
            key=f"{prop.pk}",
        )
    return parsed


def _number(text: str) -> float | None:
    cleaned = text.replace("\xa0", "").replace(" ", "").replace(",", ".")
    try:
        number = float(cleaned)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _moment(text: str) -> dt.datetime | None:
    text = text.strip()
    for parse in (
        dt.datetime.fromisoformat,
        lambda t: dt.datetime.strptime(t, "%d.%m.%Y %H:%M:%S"),
        lambda t: dt.datetime.strptime(t, "%d.%m.%Y"),
    ):
        try:
            moment = parse(text)
        except ValueError:
            continue
        return moments.from_local(moment)
    return None


def _write(
    context: AdapterContext,
    oscar_pks: list[int],
    wanted: dict[tuple[int, int], Any],
    attributes: Iterable[Any],
) -> None:
    """Make the values of the adapter's attributes on ``oscar_pks`` exactly ``wanted``."""
    kinds = {attribute.pk: attribute.type for attribute in attributes}
    value_fields = list(_VALUE_FIELDS.values())
    # Read as tuples: a batch holds tens of thousands of values, most of them unchanged.
    have: dict[tuple[int, int], tuple[int, dict[str, Any]]] = {
        (product, attribute): (pk, dict(zip(value_fields, values, strict=True)))
        for pk, product, attribute, *values in ProductAttributeValue.objects.filter(
            product_id__in=oscar_pks, attribute_id__in=kinds
        ).values_list("pk", "product_id", "attribute_id", *value_fields)
    }
    through = ProductAttributeValue.value_multi_option.through
    multi: dict[int, set[int]] = defaultdict(set)
    multi_rows = [pk for (_, attr), (pk, _) in have.items() if kinds[attr] == "multi_option"]
    if multi_rows:
        for value_id, option_id in through.objects.filter(
            productattributevalue_id__in=multi_rows
        ).values_list("productattributevalue_id", "attributeoption_id"):
            multi[value_id].add(option_id)
    gone = [pk for pair, (pk, _) in have.items() if pair not in wanted]
    changed: dict[str, list[Any]] = defaultdict(list)
    options_of: list[tuple[Any, frozenset[int]]] = []
    new: list[dict[str, Any]] = []  # plain rows, inserted without model instances
    new_multi = []  # rows whose pks the options need
    for (oscar_pk, attribute_pk), value in wanted.items():
        kind = kinds[attribute_pk]
        found = have.get((oscar_pk, attribute_pk))
        if found is None and kind == "multi_option":
            row = ProductAttributeValue(product_id=oscar_pk, attribute_id=attribute_pk)
            options_of.append((row, value))
            new_multi.append(row)
        elif found is None:
            new.append(
                {"product_id": oscar_pk, "attribute_id": attribute_pk, _VALUE_FIELDS[kind]: value}
            )
        elif kind == "multi_option":
            if multi.get(found[0], set()) != value:
                row = ProductAttributeValue(pk=found[0])
                options_of.append((row, value))
                changed["multi"].append(row)
        elif found[1][_VALUE_FIELDS[kind]] != value:
            row = ProductAttributeValue(pk=found[0], **{_VALUE_FIELDS[kind]: value})
            changed[_VALUE_FIELDS[kind]].append(row)
    if gone:
        ProductAttributeValue.objects.filter(pk__in=gone).delete()
    if changed["multi"]:
        through.objects.filter(
            productattributevalue_id__in=[row.pk for row in changed["multi"]]
        ).delete()
    sql.insert(ProductAttributeValue, new)
    ProductAttributeValue.objects.bulk_create(new_multi)
    for name, objs in changed.items():
        if name != "multi" and objs:
            ProductAttributeValue.objects.bulk_update(objs, [name])
    through.objects.bulk_create(
        [
            through(productattributevalue_id=row.pk, attributeoption_id=option)
            for row, options in options_of
            for option in sorted(options)
        ]
    )
    context.count("oscar_attribute_values_created", len(new) + len(new_multi))
    context.count("oscar_attribute_values_updated", sum(len(objs) for objs in changed.values()))
    context.count("oscar_attribute_values_deleted", len(gone))
