"""``offers.xml``: price types, warehouses and the offers (prices and stock) of every product.

One offer per product, or one per characteristic (``product#variant``) for
the products :func:`benchmarks.generator.products.build_sku` gives variants.
Each offer has one price per price type, a total ``Количество`` and one stock
row per warehouse in the form :data:`STOCK_FORMS` names: ``attr``
(``<Склад ИдСклада КоличествоНаСкладе/>`` for every warehouse, zeros
included), ``nested`` (``Остатки/Остаток/Склад`` for the warehouses with
stock, at least one row) or ``both`` (one of the two, drawn per offer).
"""

from __future__ import annotations

import random
from pathlib import Path

from benchmarks.generator.context import Context
from benchmarks.generator.ids import STREAM_OFFER, stream_rng
from benchmarks.generator.markup import (
    NL,
    ROOT_CLOSE,
    base_unit,
    el,
    money,
    open_xml,
    owner_xml,
    presentation,
    root_open,
)
from benchmarks.generator.products import Sku, Variant, build_sku, offer_rows
from benchmarks.generator.vocabulary import UNITS, Unit

STOCK_FORMS = ("attr", "nested", "both")


def _stock_quantities(rng: random.Random, unit: Unit, count: int) -> list[str]:
    quantities = []
    for _ in range(count):
        if rng.random() < 0.35:
            quantities.append("0")
        elif unit.code in ("166", "006"):
            quantities.append(f"{rng.randrange(1, 5000) / 10:.1f}")
        else:
            quantities.append(str(rng.randrange(1, 200)))
    return quantities


def _sum_quantities(quantities: list[str]) -> str:
    if any("." in quantity for quantity in quantities):
        tenths = sum(round(float(quantity) * 10) for quantity in quantities)
        return f"{tenths // 10}.{tenths % 10}"
    return str(sum(int(quantity) for quantity in quantities))


def stock_rows(
    ctx: Context, rng: random.Random, unit: Unit, stock_form: str
) -> tuple[str, list[tuple[str, str]], str]:
    """One offer's stock, drawn from its product's offer stream: ``(form, rows, total)``.

    ``form`` is ``attr`` or ``nested`` (drawn when ``stock_form`` is
    ``both``); ``rows`` are ``(warehouse id, quantity)``: every warehouse,
    zeros included, in the ``attr`` form, those holding stock (at least one
    row) in the ``nested`` form; ``total`` is their sum as 1C writes it.
    """
    quantities = _stock_quantities(rng, unit, len(ctx.warehouses))
    form = stock_form if stock_form != "both" else rng.choice(("attr", "nested"))
    pairs = [
        (warehouse[0], quantity)
        for warehouse, quantity in zip(ctx.warehouses, quantities, strict=True)
    ]
    if form == "nested":
        pairs = [pair for pair in pairs if pair[1] != "0"] or [(ctx.warehouses[0][0], "0")]
    return form, pairs, _sum_quantities(quantities)


def _offer_xml(
    ctx: Context,
    rng: random.Random,
    sku: Sku,
    offer: tuple[str, str, int, Variant | None],
    stock_form: str,
) -> str:
    offer_id, name, retail, variant = offer
    counts = ctx.counts
    unit = UNITS[sku.kind.unit]
    counts["offers"] += 1
    parts = [f"\t\t\t<Предложение>{NL}", el(4, "Ид", offer_id)]
    parts.append(el(4, "Артикул", sku.article))
    parts.append(el(4, "Наименование", name))
    parts.append(base_unit(unit, 4))
    if variant is not None:
        counts["offers_with_hash"] += 1
        parts.append(f"\t\t\t\t<ХарактеристикиТовара>{NL}")
        for char_id, char_name, char_value in variant.characteristics:
            parts.append(f"\t\t\t\t\t<ХарактеристикаТовара>{NL}")
            parts.append(el(6, "Ид", char_id))
            parts.append(el(6, "Наименование", char_name))
            parts.append(el(6, "Значение", char_value))
            parts.append(f"\t\t\t\t\t</ХарактеристикаТовара>{NL}")
        parts.append(f"\t\t\t\t</ХарактеристикиТовара>{NL}")
    parts.append(f"\t\t\t\t<Цены>{NL}")
    for price_type_id, _name, percent in ctx.price_types:
        counts["prices"] += 1
        value = retail * percent // 100
        parts.append(f"\t\t\t\t\t<Цена>{NL}")
        parts.append(el(6, "Представление", presentation(value, unit.short)))
        parts.append(el(6, "ИдТипаЦены", price_type_id))
        parts.append(el(6, "ЦенаЗаЕдиницу", money(value)))
        parts.append(el(6, "Валюта", "руб"))
        parts.append(el(6, "Единица", unit.short))
        parts.append(el(6, "Коэффициент", "1"))
        parts.append(f"\t\t\t\t\t</Цена>{NL}")
    parts.append(f"\t\t\t\t</Цены>{NL}")

    form, rows, total = stock_rows(ctx, rng, unit, stock_form)
    parts.append(el(4, "Количество", total))
    if form == "attr":
        for warehouse_id, quantity in rows:
            counts["stock_rows"] += 1
            parts.append(
                f'\t\t\t\t<Склад ИдСклада="{warehouse_id}" КоличествоНаСкладе="{quantity}"/>{NL}'
            )
    else:
        parts.append(f"\t\t\t\t<Остатки>{NL}")
        for warehouse_id, quantity in rows:
            counts["stock_rows"] += 1
            parts.append(f"\t\t\t\t\t<Остаток>{NL}\t\t\t\t\t\t<Склад>{NL}")
            parts.append(el(7, "Ид", warehouse_id))
            parts.append(el(7, "Количество", quantity))
            parts.append(f"\t\t\t\t\t\t</Склад>{NL}\t\t\t\t\t</Остаток>{NL}")
        parts.append(f"\t\t\t\t</Остатки>{NL}")
    parts.append(f"\t\t\t</Предложение>{NL}")
    return "".join(parts)


def write_offers(ctx: Context, out_dir: Path, products: int, stock_form: str) -> None:
    """Write ``out_dir/offers.xml`` for products ``0 .. products - 1`` in ``stock_form``.

    ``stock_form`` is one of :data:`STOCK_FORMS`. Adds to ``ctx.counts``:
    offers, offers_with_hash, prices, stock_rows, price_types and
    warehouses_declared.
    """
    with open_xml(out_dir / "offers.xml", encoding=ctx.options.encoding) as out:
        out.write(root_open(ctx))
        out.write(f"\t<Классификатор>{NL}")
        out.write(el(2, "Ид", ctx.classifier_id))
        out.write(el(2, "Наименование", "Классификатор (Основной каталог товаров)"))
        out.write(owner_xml(ctx, 2))
        out.write(f"\t</Классификатор>{NL}")
        out.write(f'\t<ПакетПредложений СодержитТолькоИзменения="false">{NL}')
        out.write(el(2, "Ид", ctx.classifier_id + "#"))
        out.write(el(2, "Наименование", "Пакет предложений (Основной каталог товаров)"))
        out.write(el(2, "ИдКаталога", ctx.classifier_id))
        out.write(el(2, "ИдКлассификатора", ctx.classifier_id))
        out.write(owner_xml(ctx, 2))
        out.write(f"\t\t<ТипыЦен>{NL}")
        for price_type_id, name, _percent in ctx.price_types:
            ctx.counts["price_types"] += 1
            out.write(f"\t\t\t<ТипЦены>{NL}")
            out.write(el(4, "Ид", price_type_id))
            out.write(el(4, "Наименование", name))
            out.write(el(4, "Валюта", "руб"))
            out.write(f"\t\t\t\t<Налог>{NL}")
            out.write(el(5, "Наименование", "НДС"))
            out.write(el(5, "УчтеноВСумме", "true"))
            out.write(el(5, "Акциз", "false"))
            out.write(f"\t\t\t\t</Налог>{NL}")
            out.write(f"\t\t\t</ТипЦены>{NL}")
        out.write(f"\t\t</ТипыЦен>{NL}")
        out.write(f"\t\t<Склады>{NL}")
        for warehouse_id, name, address in ctx.warehouses:
            ctx.counts["warehouses_declared"] += 1
            out.write(f"\t\t\t<Склад>{NL}")
            out.write(el(4, "Ид", warehouse_id))
            out.write(el(4, "Наименование", name))
            out.write(f"\t\t\t\t<Адрес>{NL}")
            out.write(el(5, "Представление", address))
            out.write(f"\t\t\t\t</Адрес>{NL}")
            out.write(f"\t\t\t</Склад>{NL}")
        out.write(f"\t\t</Склады>{NL}")
        out.write(f"\t\t<Предложения>{NL}")
        for index in range(products):
            sku = build_sku(ctx, index)
            rng = stream_rng(ctx.seed, STREAM_OFFER, index)
            for offer in offer_rows(sku):
                out.write(_offer_xml(ctx, rng, sku, offer, stock_form))
        out.write(f"\t\t</Предложения>{NL}")
        out.write(f"\t</ПакетПредложений>{NL}")
        out.write(ROOT_CLOSE)
