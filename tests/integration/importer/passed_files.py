"""What the tests of files passed over unread share: their files, their import, their signals.

The catalog and offers files of a few products (``catalog_xml``, ``offers_xml``), a
split package (``SPLIT``: names, prices and rests each in a file of its own),
``import_files`` (one product or offer a batch, so that reading shows a signal
each) and :class:`Saved`, the ``products_saved`` and ``offers_saved`` signals of
an import (the ``saved`` fixture of this folder's conftest).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cml_exchange.importer import ImportOptions, create_job
from cml_exchange.importer.results import Done
from cml_exchange.models import ImportJob, Product
from tests.integration.importer.helpers import run_to_end
from tests.integration.importer.test_unchanged_items import CLASSIFIER as UNCHANGED_CLASSIFIER
from tests.integration.importer.test_unchanged_items import HEAD

#: The classifier of test_unchanged_items, with a warehouse for the offers' stock.
CLASSIFIER = UNCHANGED_CLASSIFIER.replace(
    "</Классификатор>",
    "<Склады><Склад><Ид>w1</Ид><Наименование>Склад</Наименование></Склад></Склады></Классификатор>",
)


def products_xml(*products: str) -> str:
    return "".join(
        f"<Товар><Ид>{pid}</Ид><Наименование>{name}</Наименование></Товар>"
        for pid, name in (item.split("=") for item in products)
    )


def catalog_xml(*products: str, after: str = "") -> str:
    return (
        f'{HEAD}{CLASSIFIER}<Каталог СодержитТолькоИзменения="false"><Ид>cat</Ид>'
        "<ИдКлассификатора>cls</ИдКлассификатора><Наименование>Каталог</Наименование>"
        f"<Товары>{products_xml(*products)}</Товары></Каталог>{after}</КоммерческаяИнформация>"
    )


def package_xml(offers: str, *, only_changes: bool = False) -> str:
    return (
        f'{HEAD}<ПакетПредложений СодержитТолькоИзменения="{str(only_changes).lower()}">'
        "<Ид>cat#</Ид><Наименование>Пакет</Наименование><ИдКаталога>cat</ИдКаталога>"
        f"<ИдКлассификатора>cls</ИдКлассификатора><Предложения>{offers}</Предложения>"
        "</ПакетПредложений></КоммерческаяИнформация>"
    )


def offers_xml(*offers: str) -> str:
    items = "".join(
        f"<Предложение><Ид>{oid}</Ид><Наименование>{oid}</Наименование>"
        "<Цены><Цена><ИдТипаЦены>retail</ИдТипаЦены>"
        f"<ЦенаЗаЕдиницу>{price}</ЦенаЗаЕдиницу></Цена></Цены>"
        '<Склад ИдСклада="w1" КоличествоНаСкладе="3"/></Предложение>'
        for oid, price in (item.split("=") for item in offers)
    )
    return package_xml(items)


CATALOG = catalog_xml("p1=Чайник", "p2=Утюг", "p3=Лампа")
OFFERS = offers_xml("p1=990", "p2=1500", "p3=300")


class Saved:
    """The ``products_saved`` and ``offers_saved`` signals of one import: one a batch, or a file."""

    def __init__(self) -> None:
        self.products: list[tuple[list[int], list[int]]] = []
        self.offers: list[list[int]] = []

    def on_products(self, product_ids: list[int], unchanged_ids: list[int], **kwargs: Any) -> None:
        self.products.append((product_ids, unchanged_ids))

    def on_offers(self, offer_ids: list[int], **kwargs: Any) -> None:
        self.offers.append(offer_ids)


def import_files(tmp_path: Path, files: dict[str, str], **options: Any) -> ImportJob:
    """Import ``files`` (one product or offer a batch, so that reading shows a signal each)."""
    directory = tmp_path / "exchange"
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (directory / name).write_text(text, encoding="utf-8")
    options.setdefault("batch_size", 1)
    job = create_job(list(files), base_dir=directory, options=ImportOptions(**options))
    result = run_to_end(job)
    assert isinstance(result, Done), result
    job.refresh_from_db()
    return job


def passed_over(saved: Saved) -> bool:
    """Whether the last import told of all its products in one signal, none of them written."""
    pks = sorted(Product.objects.values_list("pk", flat=True))
    return saved.products == [([], pks)]


def price_xml(price: str) -> str:
    return (
        "<Цены><Цена><ИдТипаЦены>retail</ИдТипаЦены>"
        f"<ЦенаЗаЕдиницу>{price}</ЦенаЗаЕдиницу></Цена></Цены>"
    )


#: A split package as newer 1C sends it: names, prices and rests each in a file of its own.
SPLIT = {
    "import.xml": CATALOG,
    "offers.xml": package_xml(
        "".join(
            f"<Предложение><Ид>{i}</Ид><Наименование>{i}</Наименование></Предложение>"
            for i in ("p1", "p2", "p3")
        )
    ),
    "prices.xml": package_xml(
        "".join(
            f"<Предложение><Ид>{i}</Ид>{price_xml(v)}</Предложение>"
            for i, v in (("p1", "990"), ("p2", "1500"), ("p3", "300"))
        )
    ),
    "rests.xml": package_xml(
        "".join(
            f"<Предложение><Ид>{i}</Ид><Остатки><Остаток><Склад><Ид>w1</Ид>"
            "<Количество>3</Количество></Склад></Остаток></Остатки></Предложение>"
            for i in ("p1", "p2", "p3")
        )
    ),
}
