"""``manage.py cml_inspect FILE...``: see what 1C sent, without importing anything."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cml_exchange.commerceml import CmlExchangeError, KnownIds
from cml_exchange.commerceml.reading.summary import FileSummary, summarize
from cml_exchange.conf import app_settings

_KIND_NAMES = {
    "classifier": "классификатор",
    "catalog": "каталог товаров",
    "offers": "пакет предложений",
    "offer_changes": "изменения пакета предложений",
    "documents": "документы (заказы)",
    "counterparties": "контрагенты",
}
#: How a section that is there only as a header is named (3.1 files open with one:
#: a ``Каталог`` without ``Товары`` before a classifier section, a
#: ``ПакетПредложений`` without ``Предложения`` before the offers' properties).
_HEADER_NAMES = {
    "catalog": "заголовок каталога (без товаров)",
    "offers": "заголовок пакета предложений (без предложений)",
}
_MODE_NAMES = {True: "только изменения", False: "полная выгрузка"}
_COUNT_LABELS = (
    ("groups", "Группы"),
    ("properties", "Свойства"),
    ("property_values", "Значения свойств (справочники)"),
    ("units", "Единицы измерения"),
    ("products", "Товары"),
    ("products_deleted", "  из них помечены на удаление"),
    ("images", "Картинки"),
    ("barcodes", "Штрихкоды"),
    ("offers", "Предложения"),
    ("empty_offers", "Пустые предложения (без Ид)"),
    ("price_types", "Типы цен"),
    ("prices", "Цены"),
    ("warehouses_declared", "Склады"),
    ("stock_rows", "Остатки по складам"),
    ("orders", "Документы (заказы)"),
    ("order_lines", "Строки заказов"),
)


class Command(BaseCommand):
    help = (
        "Reads CommerceML files and prints what they hold: kinds, schema version, "
        "counts and warnings. Nothing is written to the database."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "files",
            nargs="+",
            metavar="FILE",
            help="CommerceML files, in the order 1C sent them; a relative name not found "
            "in the current directory is looked up in CML_EXCHANGE_UPLOAD_ROOT.",
        )
        parser.add_argument(
            "--json", action="store_true", help="one JSON object per file, one per line"
        )
        parser.add_argument(
            "--warnings",
            type=int,
            default=10,
            metavar="N",
            help="how many warnings to list per file in the readable summary (default 10)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        known = KnownIds(products=set())
        failed = 0
        for given in options["files"]:
            path = _resolve(given)
            try:
                summary = summarize(path, name=given, known=known)
            except CmlExchangeError as error:
                failed += 1
                if options["json"]:
                    self.stdout.write(
                        json.dumps({"file": given, "error": str(error)}, ensure_ascii=False)
                    )
                else:
                    self.stderr.write(f"{given}: ошибка: {error}")
                continue
            if options["json"]:
                data = {**summary.as_dict(), "header_only": _header_only(summary)}
                self.stdout.write(json.dumps(data, ensure_ascii=False))
            else:
                self._print_summary(summary, options["warnings"])
        if failed:
            raise CommandError(f"Не удалось прочитать файлов: {failed}.")

    def _print_summary(self, summary: FileSummary, warning_limit: int) -> None:
        write = self.stdout.write
        write(self.style.MIGRATE_HEADING(summary.file))
        headers = _header_only(summary)
        names = [_KIND_NAMES.get(kind, kind) for kind in summary.kind if kind not in headers]
        names += [_HEADER_NAMES[kind] for kind in headers]
        write(f"  Содержит: {', '.join(names) or 'ничего'}")
        write(f"  Версия схемы: {summary.schema_version or 'не указана'}")
        if summary.only_changes:
            parts = [
                f"{_KIND_NAMES.get(kind, kind)}: {_MODE_NAMES[flag]}"
                for kind, flag in summary.only_changes.items()
            ]
            write(f"  Режим: {'; '.join(parts)}")
        data = summary.as_dict()
        for field, label in _COUNT_LABELS:
            if data[field]:
                write(f"  {label}: {data[field]}")
        total = sum(summary.warning_counts.values())
        if total:
            write(self.style.WARNING(f"  Предупреждений: {total}"))
            for warning in summary.warnings[:warning_limit]:
                write(f"    - {warning['message']}")
            if total > warning_limit:
                write(f"    … и ещё {total - min(warning_limit, len(summary.warnings))}")


def _header_only(summary: FileSummary) -> list[str]:
    """The kinds of ``summary`` that are only a header beside another section.

    A catalog with no products, an offers package with no offers, price
    types or warehouses: in 3.1 files, the context of the section that
    follows, never an empty catalog.
    """
    empty = {
        "catalog": summary.products == 0,
        "offers": not (summary.offers or summary.price_types or summary.warehouses_declared),
    }
    return [kind for kind in summary.kind if empty.get(kind) and len(summary.kind) > 1]


def _resolve(given: str) -> Path:
    path = Path(given)
    if path.exists() or path.is_absolute():
        return path
    uploaded = app_settings.UPLOAD_ROOT / path
    return uploaded if uploaded.exists() else path
