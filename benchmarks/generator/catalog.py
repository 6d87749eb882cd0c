"""``import.xml``: the classifier (groups, properties, units) and the catalog of products.

Products are written one at a time, each rebuilt by
:func:`benchmarks.generator.products.build_sku`; their details (barcode,
description, pictures, property values, VAT rate) come from the product's own
:data:`benchmarks.generator.ids.STREAM_IMPORT` stream. Writing the file also
writes the picture files and adds to the context's counts.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import TextIO

from benchmarks.generator.context import Context, Group, Property
from benchmarks.generator.ids import STREAM_IMPORT, ean13, guid, stream_rng, version_stamp
from benchmarks.generator.markup import (
    NL,
    ROOT_CLOSE,
    TAB,
    base_unit,
    el,
    open_xml,
    owner_xml,
    root_open,
)
from benchmarks.generator.pictures import write_picture
from benchmarks.generator.products import Sku, build_sku
from benchmarks.generator.vocabulary import (
    BENEFITS,
    COLORS,
    COUNTRIES,
    DESCRIPTION_SENTENCES,
    KITS,
    MATERIALS,
    MODEL_LETTERS,
    QUALITIES,
    STRING_VALUES,
    UNITS,
    USAGES,
)


def _write_groups(out: TextIO, ctx: Context, groups: list[Group], depth: int, top: bool) -> None:
    out.write(f"{TAB[depth]}<Группы>{NL}")
    for group in groups:
        ctx.counts["groups"] += 1
        if top:
            ctx.counts["groups_top"] += 1
        out.write(f"{TAB[depth + 1]}<Группа>{NL}")
        out.write(el(depth + 2, "Ид", group.id))
        out.write(el(depth + 2, "Наименование", group.name))
        if group.children:
            _write_groups(out, ctx, group.children, depth + 2, top=False)
        out.write(f"{TAB[depth + 1]}</Группа>{NL}")
    out.write(f"{TAB[depth]}</Группы>{NL}")


def _write_classifier(out: TextIO, ctx: Context) -> None:
    out.write(f"\t<Классификатор>{NL}")
    out.write(el(2, "Ид", ctx.classifier_id))
    out.write(el(2, "Наименование", "Классификатор (Основной каталог товаров)"))
    out.write(owner_xml(ctx, 2))
    _write_groups(out, ctx, ctx.groups, 2, top=True)
    out.write(f"\t\t<Свойства>{NL}")
    for prop in ctx.properties:
        ctx.counts["properties"] += 1
        parts = [
            f"\t\t\t<Свойство>{NL}",
            el(4, "Ид", prop.id),
            el(4, "Наименование", prop.name),
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
        parts.append(el(4, "ДляТоваров", "true"))
        parts.append(f"\t\t\t</Свойство>{NL}")
        out.write("".join(parts))
    out.write(f"\t\t</Свойства>{NL}")
    out.write(f"\t\t<ЕдиницыИзмерения>{NL}")
    for unit in UNITS.values():
        ctx.counts["units"] += 1
        out.write(f"\t\t\t<ЕдиницаИзмерения>{NL}")
        out.write(el(4, "Код", unit.code))
        out.write(el(4, "НаименованиеПолное", unit.full))
        out.write(el(4, "НаименованиеКраткое", unit.short))
        out.write(el(4, "МеждународноеСокращение", unit.intl))
        out.write(f"\t\t\t</ЕдиницаИзмерения>{NL}")
    out.write(f"\t\t</ЕдиницыИзмерения>{NL}")
    out.write(f"\t</Классификатор>{NL}")


def _description(rng: random.Random, sku: Sku) -> str:
    """Empty for a quarter of the products (as often in real exports), else 1–3 sentences."""
    if rng.random() < 0.25:
        return ""
    slots = {
        "name": sku.name,
        "noun": sku.kind.noun[0].lower() + sku.kind.noun[1:],
        "usage": rng.choice(USAGES),
        "usage2": rng.choice(USAGES),
        "material": rng.choice(MATERIALS).lower(),
        "benefit": rng.choice(BENEFITS),
        "benefit2": rng.choice(BENEFITS),
        "brand": sku.brand,
        "country": rng.choice(COUNTRIES),
        "warranty": rng.choice((6, 12, 24, 36)),
        "kit": rng.choice(KITS),
        "color": rng.choice(COLORS).lower(),
        "temp": rng.choice((25, 30, 35, 40)),
        "dims": f"{rng.randrange(50, 600)}×{rng.randrange(50, 400)}×{rng.randrange(20, 300)}",
        "weight": f"{rng.randrange(1, 250) / 10:.1f}".replace(".", ","),
        "years": rng.choice((3, 5, 7, 10)),
        "quality": rng.choice(QUALITIES),
        "quality2": rng.choice(QUALITIES),
    }
    count = rng.randint(1, 3)
    chosen = sorted(rng.sample(range(1, len(DESCRIPTION_SENTENCES)), count - 1))
    return " ".join(DESCRIPTION_SENTENCES[i].format(**slots) for i in (0, *chosen))


def _string_value(rng: random.Random, prop: Property, sku: Sku) -> str:
    name = prop.name
    if name == "Модель":
        return sku.model
    if name == "Размеры упаковки":
        return f"{rng.randrange(50, 600)}x{rng.randrange(50, 400)}x{rng.randrange(20, 300)} мм"
    if name == "Артикул производителя":
        return f"{rng.choice(MODEL_LETTERS)}{rng.randrange(100000, 1000000)}"
    if name == "Сертификат соответствия":
        lab = rng.randrange(10, 100)
        return f"ЕАЭС RU С-RU.АЯ{lab}.В.{rng.randrange(10000, 100000)}/2{3 + rng.randrange(2)}"
    return rng.choice(STRING_VALUES[name])


def _number_value(rng: random.Random, prop: Property) -> str:
    name = prop.name
    if name == "Вес, кг":
        return f"{rng.randrange(1, 25000) / 1000:.3f}"
    if name in ("Мощность, Вт", "Количество в упаковке", "Срок годности, дней"):
        return str(rng.randrange(1, 2500))
    if name == "Объем, л":
        return f"{rng.randrange(20, 1000) / 100:.2f}"
    return f"{rng.randrange(10, 2000) / 10:.1f}"


def product_xml(ctx: Context, sku: Sku, out_dir: Path, made_dirs: set[str]) -> str:
    """One ``Товар``, its pictures written under ``out_dir``; adds to ``ctx.counts``.

    With the 3.1 schema the ``БазоваяЕдиница`` is the bare code (``796 ``),
    as the 1C-Bitrix extension writes it; everything else, and every random
    draw, is the same. ``ctx.options`` sets how many property values it has
    (none: no ``ЗначенияСвойств`` at all) and whether its pictures are written,
    only referenced, or left out.
    """
    rng = stream_rng(ctx.seed, STREAM_IMPORT, sku.index)
    counts = ctx.counts
    options = ctx.options
    unit = UNITS[sku.kind.unit]
    modern = ctx.schema == "3.1"
    counts["products"] += 1
    parts = [
        f"\t\t\t<Товар>{NL}",
        el(4, "Ид", sku.id),
        el(4, "НомерВерсии", version_stamp(rng)),
        el(4, "ПометкаУдаления", "true" if sku.deleted else "false"),
    ]
    if sku.deleted:
        counts["products_deleted"] += 1
    barcode_draw = rng.random()
    if barcode_draw < 0.85:
        counts["barcodes"] += 1
        parts.append(el(4, "Штрихкод", ean13(rng)))
    elif barcode_draw < 0.9:
        parts.append(el(4, "Штрихкод", ""))
    parts.append(el(4, "Артикул", sku.article))
    parts.append(el(4, "Код", sku.code))
    parts.append(el(4, "Наименование", sku.name))
    parts.append(el(4, "БазоваяЕдиница", unit.code + " ") if modern else base_unit(unit, 4))
    parts.append(f"\t\t\t\t<Группы>{NL}")
    parts.append(el(5, "Ид", sku.group_id))
    parts.append(f"\t\t\t\t</Группы>{NL}")
    parts.append(el(4, "Описание", _description(rng, sku)))

    draw = rng.random()
    picture_count = 0 if draw < 0.45 else 1 if draw < 0.8 else 2
    if options.pictures == "none":
        picture_count = 0
    pictures = []
    hex_id = sku.id.replace("-", "")
    for number in range(1, picture_count + 1):
        picture_hex = guid(rng, ctx.node).replace("-", "")
        path = write_picture(
            out_dir, hex_id, picture_hex, made_dirs, write=options.pictures == "present"
        )
        pictures.append((path, f"Фото {number}"))
        counts["images"] += 1
        parts.append(el(4, "Картинка", path))

    value_count = options.property_values
    if value_count is None:
        value_count = rng.randint(2, 5)
    chosen = sorted(rng.sample(range(len(ctx.properties)), value_count))
    if chosen:
        parts.append(f"\t\t\t\t<ЗначенияСвойств>{NL}")
    for position in chosen:
        prop = ctx.properties[position]
        if rng.random() < 0.1:
            value = ""
        elif prop.value_type == "Справочник":
            value = rng.choice(prop.options)[0]
        elif prop.value_type == "Строка":
            value = _string_value(rng, prop, sku)
        else:
            value = _number_value(rng, prop)
        parts.append(f"\t\t\t\t\t<ЗначенияСвойства>{NL}")
        parts.append(el(6, "Ид", prop.id))
        parts.append(el(6, "Значение", value))
        parts.append(f"\t\t\t\t\t</ЗначенияСвойства>{NL}")
    if chosen:
        parts.append(f"\t\t\t\t</ЗначенияСвойств>{NL}")

    draw = rng.random()
    rate = "20" if draw < 0.9 else "10" if draw < 0.98 else "Без НДС"
    parts.append(f"\t\t\t\t<СтавкиНалогов>{NL}\t\t\t\t\t<СтавкаНалога>{NL}")
    parts.append(el(6, "Наименование", "НДС"))
    parts.append(el(6, "Ставка", rate))
    parts.append(f"\t\t\t\t\t</СтавкаНалога>{NL}\t\t\t\t</СтавкиНалогов>{NL}")

    requisites = [
        ("ВидНоменклатуры", sku.kind.item_kind),
        ("ТипНоменклатуры", "Товар"),
        ("Полное наименование", f"{sku.name}, арт. {sku.article}"),
    ]
    requisites.extend(("ОписаниеФайла", f"{path}#{caption}") for path, caption in pictures)
    parts.append(f"\t\t\t\t<ЗначенияРеквизитов>{NL}")
    for name, value in requisites:
        parts.append(f"\t\t\t\t\t<ЗначениеРеквизита>{NL}")
        parts.append(el(6, "Наименование", name))
        parts.append(el(6, "Значение", value))
        parts.append(f"\t\t\t\t\t</ЗначениеРеквизита>{NL}")
    parts.append(f"\t\t\t\t</ЗначенияРеквизитов>{NL}")
    parts.append(f"\t\t\t</Товар>{NL}")
    return "".join(parts)


def write_import(ctx: Context, out_dir: Path, products: int) -> None:
    """Write ``out_dir/import.xml`` with products ``0 .. products - 1`` and their pictures.

    Adds to ``ctx.counts``: products, products_deleted, groups, groups_top,
    properties, property_values, units, barcodes and images.
    """
    made_dirs: set[str] = set()
    with open_xml(out_dir / "import.xml", encoding=ctx.options.encoding) as out:
        out.write(root_open(ctx))
        _write_classifier(out, ctx)
        out.write(f'\t<Каталог СодержитТолькоИзменения="false">{NL}')
        out.write(el(2, "Ид", ctx.classifier_id))
        out.write(el(2, "ИдКлассификатора", ctx.classifier_id))
        out.write(el(2, "Наименование", "Основной каталог товаров"))
        out.write(owner_xml(ctx, 2))
        out.write(f"\t\t<Товары>{NL}")
        for index in range(products):
            out.write(product_xml(ctx, build_sku(ctx, index), out_dir, made_dirs))
        out.write(f"\t\t</Товары>{NL}")
        out.write(f"\t</Каталог>{NL}")
        out.write(ROOT_CLOSE)
