"""The classifier-type files of a 3.1 unload: priceLists, storages, properties, units, groups.

Each is a catalog header (a ``Каталог`` without ``Товары``) and a
``Классификатор`` holding one section, except ``propertiesOffers``, whose
header is a ``ПакетПредложений`` without ``Предложения``. Entities carry
``ПометкаУдаления`` as 1C writes it in 3.1; the values are those of the
2.x set of the same run (:mod:`benchmarks.generator.catalog` and
:mod:`benchmarks.generator.offers`), so both sets describe one catalog.
"""

from __future__ import annotations

from typing import TextIO

from benchmarks.generator.context import Context, Group, Property
from benchmarks.generator.files31 import (
    CLASSIFIER_CLOSE,
    PACKAGE_CLOSE,
    FileSet,
    catalog_header,
    classifier_open,
    package_open,
)
from benchmarks.generator.markup import NL, TAB, el
from benchmarks.generator.vocabulary import UNITS


def write_price_lists(ctx: Context, files: FileSet) -> None:
    """``priceLists``: ``Классификатор/ТипыЦен``; adds to the price_types count."""
    with files.open("priceLists") as out:
        out.write(catalog_header(ctx, close=True))
        out.write(classifier_open(ctx))
        out.write(f"\t\t<ТипыЦен>{NL}")
        for price_type_id, name, _percent in ctx.price_types:
            ctx.counts["price_types"] += 1
            out.write(f"\t\t\t<ТипЦены>{NL}")
            out.write(el(4, "Ид", price_type_id))
            out.write(el(4, "ПометкаУдаления", "false"))
            out.write(el(4, "Наименование", name))
            out.write(el(4, "Валюта", "руб"))
            out.write(f"\t\t\t\t<Налог>{NL}")
            out.write(el(5, "Наименование", "НДС"))
            out.write(el(5, "УчтеноВСумме", "true"))
            out.write(el(5, "Акциз", "false"))
            out.write(f"\t\t\t\t</Налог>{NL}")
            out.write(f"\t\t\t</ТипЦены>{NL}")
        out.write(f"\t\t</ТипыЦен>{NL}")
        out.write(CLASSIFIER_CLOSE)


def write_storages(ctx: Context, files: FileSet) -> None:
    """``storages``: ``Классификатор/Склады``; adds to the warehouses_declared count."""
    with files.open("storages") as out:
        out.write(catalog_header(ctx, close=True))
        out.write(classifier_open(ctx))
        out.write(f"\t\t<Склады>{NL}")
        for warehouse_id, name, address in ctx.warehouses:
            ctx.counts["warehouses_declared"] += 1
            out.write(f"\t\t\t<Склад>{NL}")
            out.write(el(4, "Ид", warehouse_id))
            out.write(el(4, "ПометкаУдаления", "false"))
            out.write(el(4, "Наименование", name))
            out.write(f"\t\t\t\t<Адрес>{NL}")
            out.write(el(5, "Представление", address))
            out.write(f"\t\t\t\t</Адрес>{NL}")
            out.write(f"\t\t\t</Склад>{NL}")
        out.write(f"\t\t</Склады>{NL}")
        out.write(CLASSIFIER_CLOSE)


def _property_xml(ctx: Context, prop: Property) -> str:
    ctx.counts["properties"] += 1
    parts = [
        f"\t\t\t<Свойство>{NL}",
        el(4, "Ид", prop.id),
        el(4, "Наименование", prop.name),
        el(4, "ПометкаУдаления", "false"),
        el(4, "Внешний", "false"),
        el(4, "Информационное", "true"),
        el(4, "ТипЗначений", prop.value_type),
    ]
    if prop.value_type == "Справочник":
        parts.append(f"\t\t\t\t<ВариантыЗначений>{NL}")
        for option_id, value in prop.options:
            ctx.counts["property_values"] += 1
            parts.append(f"\t\t\t\t\t<Справочник>{NL}")
            parts.append(el(6, "ИдЗначения", option_id))
            parts.append(el(6, "Значение", value))
            parts.append(f"\t\t\t\t\t</Справочник>{NL}")
        parts.append(f"\t\t\t\t</ВариантыЗначений>{NL}")
    parts.append(f"\t\t\t</Свойство>{NL}")
    return "".join(parts)


def write_goods_properties(ctx: Context, files: FileSet, per_packet: int) -> None:
    """``propertiesGoods``: the products' properties, ``per_packet`` to a file (1C: about 50)."""
    for start in range(0, len(ctx.properties), per_packet):
        with files.open("propertiesGoods") as out:
            out.write(catalog_header(ctx, close=True))
            out.write(classifier_open(ctx))
            out.write(f"\t\t<Свойства>{NL}")
            for prop in ctx.properties[start : start + per_packet]:
                out.write(_property_xml(ctx, prop))
            out.write(f"\t\t</Свойства>{NL}")
            out.write(CLASSIFIER_CLOSE)


def write_offer_properties(ctx: Context, files: FileSet) -> None:
    """``propertiesOffers``: an offers header, then the offers' properties: none here.

    The 2.x set has no offer properties (its characteristics are written on
    the offers), so to describe the same catalog this file declares none;
    it is still sent, in its place, as a context-only file the site must
    take for what it is.
    """
    with files.open("propertiesOffers") as out:
        out.write(package_open(ctx))
        out.write(PACKAGE_CLOSE)
        out.write(classifier_open(ctx))
        out.write(f"\t\t<Свойства/>{NL}")
        out.write(CLASSIFIER_CLOSE)


def write_units(ctx: Context, files: FileSet) -> None:
    """``units``: the ``Код`` is the OKEI code with 1C's trailing space (``"796 "``)."""
    with files.open("units") as out:
        out.write(catalog_header(ctx, close=True))
        out.write(classifier_open(ctx))
        out.write(f"\t\t<ЕдиницыИзмерения>{NL}")
        for unit in UNITS.values():
            ctx.counts["units"] += 1
            out.write(f"\t\t\t<ЕдиницаИзмерения>{NL}")
            out.write(el(4, "ПометкаУдаления", "false"))
            out.write(el(4, "НаименованиеКраткое", unit.short))
            out.write(el(4, "Код", unit.code + " "))
            out.write(el(4, "НаименованиеПолное", unit.full))
            out.write(el(4, "МеждународноеСокращение", unit.intl))
            out.write(f"\t\t\t</ЕдиницаИзмерения>{NL}")
        out.write(f"\t\t</ЕдиницыИзмерения>{NL}")
        out.write(CLASSIFIER_CLOSE)


def _write_groups(out: TextIO, ctx: Context, groups: list[Group], depth: int, top: bool) -> None:
    out.write(f"{TAB[depth]}<Группы>{NL}")
    for group in groups:
        ctx.counts["groups"] += 1
        if top:
            ctx.counts["groups_top"] += 1
        out.write(f"{TAB[depth + 1]}<Группа>{NL}")
        out.write(el(depth + 2, "Ид", group.id))
        out.write(el(depth + 2, "ПометкаУдаления", "false"))
        out.write(el(depth + 2, "Наименование", group.name))
        if group.children:
            _write_groups(out, ctx, group.children, depth + 2, top=False)
        out.write(f"{TAB[depth + 1]}</Группа>{NL}")
    out.write(f"{TAB[depth]}</Группы>{NL}")


def write_groups(ctx: Context, files: FileSet) -> None:
    """``groups``: the nested ``Классификатор/Группы``; adds to groups and groups_top."""
    with files.open("groups") as out:
        out.write(catalog_header(ctx, close=True))
        out.write(classifier_open(ctx))
        _write_groups(out, ctx, ctx.groups, 2, top=True)
        out.write(CLASSIFIER_CLOSE)
