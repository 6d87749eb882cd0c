"""The catalog and offer files of a 3.1 unload: goods, offers, prices and rests.

``goods`` packets hold the products (:func:`benchmarks.generator.catalog.product_xml`,
its pictures written as it goes). What 2.x writes as one ``Предложение`` is
split over three files, each with its own ``ПакетПредложений`` header:
``offers`` (identity and characteristics), ``prices`` (``Цены``) and
``rests`` (``Остатки/Остаток/Склад``, the only stock form of 3.1). The
stock rows are drawn exactly as :mod:`benchmarks.generator.offers` draws
them, so the rests of a run hold the 2.x set's rows: every warehouse, zeros
included, for an offer the 2.x set writes in the attribute form, the
warehouses holding stock for one it writes nested.
"""

from __future__ import annotations

from pathlib import Path

from benchmarks.generator.catalog import product_xml
from benchmarks.generator.context import Context
from benchmarks.generator.files31 import PACKAGE_CLOSE, FileSet, catalog_header, package_open
from benchmarks.generator.ids import STREAM_OFFER, stream_rng
from benchmarks.generator.markup import NL, el, money, presentation
from benchmarks.generator.offers import stock_rows
from benchmarks.generator.products import build_sku, offer_rows
from benchmarks.generator.vocabulary import UNITS


def _ranges(products: int, per_packet: int) -> list[range]:
    return [
        range(start, min(start + per_packet, products)) for start in range(0, products, per_packet)
    ]


def write_goods(
    ctx: Context, files: FileSet, out_dir: Path, products: int, per_packet: int
) -> None:
    """``goods`` packets of ``per_packet`` products; adds to the products' counts and images."""
    made_dirs: set[str] = set()
    for packet in _ranges(products, per_packet):
        with files.open("goods") as out:
            out.write(catalog_header(ctx, close=False))
            out.write(f"\t\t<Товары>{NL}")
            for index in packet:
                out.write(product_xml(ctx, build_sku(ctx, index), out_dir, made_dirs))
            out.write(f"\t\t</Товары>{NL}")
            out.write(f"\t</Каталог>{NL}")


def write_offers(ctx: Context, files: FileSet, products: int) -> None:
    """``offers``: each offer's id, name, unit and characteristics; adds to the offers' counts."""
    counts = ctx.counts
    with files.open("offers") as out:
        out.write(package_open(ctx))
        out.write(f"\t\t<Предложения>{NL}")
        for index in range(products):
            sku = build_sku(ctx, index)
            for offer_id, name, _retail, variant in offer_rows(sku):
                counts["offers"] += 1
                parts = [
                    f"\t\t\t<Предложение>{NL}",
                    el(4, "Ид", offer_id),
                    el(4, "ПометкаУдаления", "false"),
                    el(4, "Артикул", sku.article),
                    el(4, "Наименование", name),
                    el(4, "БазоваяЕдиница", sku.kind.unit + " "),
                ]
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
                parts.append(f"\t\t\t</Предложение>{NL}")
                out.write("".join(parts))
        out.write(f"\t\t</Предложения>{NL}")
        out.write(PACKAGE_CLOSE)


def write_prices(ctx: Context, files: FileSet, products: int) -> None:
    """``prices``: one ``Цена`` per price type and offer, its tax nested; adds to prices."""
    counts = ctx.counts
    with files.open("prices") as out:
        out.write(package_open(ctx))
        out.write(f"\t\t<Предложения>{NL}")
        for index in range(products):
            sku = build_sku(ctx, index)
            unit = UNITS[sku.kind.unit]
            for offer_id, _name, retail, _variant in offer_rows(sku):
                parts = [f"\t\t\t<Предложение>{NL}", el(4, "Ид", offer_id), f"\t\t\t\t<Цены>{NL}"]
                for price_type_id, _type_name, percent in ctx.price_types:
                    counts["prices"] += 1
                    value = retail * percent // 100
                    parts.append(f"\t\t\t\t\t<Цена>{NL}")
                    parts.append(el(6, "Представление", presentation(value, unit.short)))
                    parts.append(el(6, "ИдТипаЦены", price_type_id))
                    parts.append(el(6, "ЦенаЗаЕдиницу", money(value)))
                    parts.append(el(6, "Валюта", "руб"))
                    parts.append(el(6, "Единица", unit.short))
                    parts.append(el(6, "Коэффициент", "1"))
                    parts.append(f"\t\t\t\t\t\t<Налог>{NL}")
                    parts.append(el(7, "Наименование", "НДС"))
                    parts.append(el(7, "УчтеноВСумме", "true"))
                    parts.append(f"\t\t\t\t\t\t</Налог>{NL}")
                    parts.append(f"\t\t\t\t\t</Цена>{NL}")
                parts.append(f"\t\t\t\t</Цены>{NL}\t\t\t</Предложение>{NL}")
                out.write("".join(parts))
        out.write(f"\t\t</Предложения>{NL}")
        out.write(PACKAGE_CLOSE)


def write_rests(
    ctx: Context, files: FileSet, products: int, per_packet: int, stock_form: str
) -> None:
    """``rests`` packets (the offers of ``per_packet`` products each); adds to stock_rows."""
    counts = ctx.counts
    for packet in _ranges(products, per_packet):
        with files.open("rests") as out:
            out.write(package_open(ctx))
            out.write(f"\t\t<Предложения>{NL}")
            for index in packet:
                sku = build_sku(ctx, index)
                unit = UNITS[sku.kind.unit]
                rng = stream_rng(ctx.seed, STREAM_OFFER, index)
                for offer_id, _name, _retail, _variant in offer_rows(sku):
                    _form, rows, _total = stock_rows(ctx, rng, unit, stock_form)
                    parts = [
                        f"\t\t\t<Предложение>{NL}",
                        el(4, "Ид", offer_id),
                        f"\t\t\t\t<Остатки>{NL}",
                    ]
                    for warehouse_id, quantity in rows:
                        counts["stock_rows"] += 1
                        parts.append(f"\t\t\t\t\t<Остаток>{NL}\t\t\t\t\t\t<Склад>{NL}")
                        parts.append(el(7, "Ид", warehouse_id))
                        parts.append(el(7, "Количество", quantity))
                        parts.append(f"\t\t\t\t\t\t</Склад>{NL}\t\t\t\t\t</Остаток>{NL}")
                    parts.append(f"\t\t\t\t</Остатки>{NL}\t\t\t</Предложение>{NL}")
                    out.write("".join(parts))
            out.write(f"\t\t</Предложения>{NL}")
            out.write(PACKAGE_CLOSE)
