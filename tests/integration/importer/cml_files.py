"""Small CommerceML files written by tests, for situations no sample file shows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
ROOT = (
    '<КоммерческаяИнформация xmlns="urn:1C.ru:commerceml_2" ВерсияСхемы="2.07" '
    'ДатаФормирования="2024-05-01T10:00:00">'
)
END = "</КоммерческаяИнформация>"


@dataclass
class Item:
    id: str
    name: str
    group: str | None = None
    deleted: bool = False
    pictures: Sequence[str] = ()


@dataclass
class Lot:
    id: str
    price: str = "100"
    quantity: str = "1"
    stock: dict[str, str] = field(default_factory=dict)
    #: Prices by price type ("retail", "wholesale"); none given: ``price`` in retail.
    prices: dict[str, str] = field(default_factory=dict)


def flag(value: bool) -> str:
    return "true" if value else "false"


def catalog(
    catalog_id: str,
    items: Sequence[Item],
    *,
    groups: Sequence[tuple[str, str]] = (),
    only_changes: bool = False,
    classifier_id: str | None = None,
) -> str:
    classifier_id = classifier_id or catalog_id
    group_xml = "".join(
        f"<Группа><Ид>{gid}</Ид><Наименование>{escape(name)}</Наименование></Группа>"
        for gid, name in groups
    )
    products = "".join(
        "<Товар>"
        f"<Ид>{item.id}</Ид><ПометкаУдаления>{flag(item.deleted)}</ПометкаУдаления>"
        f"<Наименование>{escape(item.name)}</Наименование>"
        + (f"<Группы><Ид>{item.group}</Ид></Группы>" if item.group else "")
        + "".join(f"<Картинка>{picture}</Картинка>" for picture in item.pictures)
        + "</Товар>"
        for item in items
    )
    changes = flag(only_changes)
    return (
        f"{HEAD}{ROOT}"
        f'<Классификатор СодержитТолькоИзменения="{changes}"><Ид>{classifier_id}</Ид>'
        f"<Наименование>Классификатор</Наименование><Группы>{group_xml}</Группы></Классификатор>"
        f'<Каталог СодержитТолькоИзменения="{changes}"><Ид>{catalog_id}</Ид>'
        f"<ИдКлассификатора>{classifier_id}</ИдКлассификатора><Наименование>Каталог</Наименование>"
        f"<Товары>{products}</Товары></Каталог>{END}"
    )


def offers(catalog_id: str, lots: Sequence[Lot], *, only_changes: bool = False) -> str:
    rows = "".join(
        "<Предложение>"
        f"<Ид>{lot.id}</Ид><Наименование>{lot.id}</Наименование>"
        "<Цены>"
        + "".join(
            f"<Цена><ИдТипаЦены>{kind}</ИдТипаЦены>"
            f"<ЦенаЗаЕдиницу>{value}</ЦенаЗаЕдиницу><Валюта>RUB</Валюта></Цена>"
            for kind, value in (lot.prices or {"retail": lot.price}).items()
        )
        + "</Цены>"
        f"<Количество>{lot.quantity}</Количество>"
        + "".join(
            f'<Склад ИдСклада="{warehouse}" КоличествоНаСкладе="{amount}"/>'
            for warehouse, amount in lot.stock.items()
        )
        + "</Предложение>"
        for lot in lots
    )
    return (
        f"{HEAD}{ROOT}"
        f'<ПакетПредложений СодержитТолькоИзменения="{flag(only_changes)}">'
        f"<Ид>{catalog_id}#</Ид><Наименование>Пакет</Наименование><ИдКаталога>{catalog_id}</ИдКаталога>"
        "<ТипыЦен><ТипЦены><Ид>retail</Ид><Наименование>Розничная</Наименование>"
        "<Валюта>RUB</Валюта></ТипЦены><ТипЦены><Ид>wholesale</Ид>"
        "<Наименование>Оптовая</Наименование><Валюта>RUB</Валюта></ТипЦены></ТипыЦен>"
        "<Склады><Склад><Ид>main</Ид><Наименование>Основной</Наименование></Склад>"
        "<Склад><Ид>shop</Ид><Наименование>Магазин</Наименование></Склад></Склады>"
        f"<Предложения>{rows}</Предложения></ПакетПредложений>{END}"
    )


def write(directory: Path, name: str, text: str) -> str:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_text(text, encoding="utf-8")
    return name
