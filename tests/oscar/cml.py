"""A small shop's catalog as 1C writes it, for the situations the Oscar adapter must handle.

:class:`Shop` holds groups (nested), properties, products and offers; its
:meth:`Shop.write` writes ``import.xml`` and ``offers.xml`` (and the pictures
the products name) into an exchange directory. Tests change the shop and
import again, as 1C would send it after a change.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from PIL import Image

HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
ROOT = (
    '<КоммерческаяИнформация xmlns="urn:1C.ru:commerceml_2" ВерсияСхемы="2.07" '
    'ДатаФормирования="2024-05-01T10:00:00">'
)
END = "</КоммерческаяИнформация>"


@dataclass
class Group:
    id: str
    name: str
    children: list[Group] = field(default_factory=list)


@dataclass
class Prop:
    id: str
    name: str
    kind: str = "Строка"  # Справочник, Число, Строка, Время
    options: dict[str, str] = field(default_factory=dict)  # option id -> text


@dataclass
class Item:
    id: str
    name: str
    groups: list[str] = field(default_factory=list)
    values: dict[str, str] = field(default_factory=dict)  # property id -> value or option id
    pictures: list[str] = field(default_factory=list)
    deleted: bool = False
    article: str = ""
    barcode: str = ""


@dataclass
class Lot:
    id: str
    name: str
    prices: dict[str, str] = field(default_factory=lambda: {"retail": "100"})
    quantity: str | None = "1"
    stock: dict[str, str] = field(default_factory=dict)  # warehouse id -> quantity
    characteristics: dict[str, str] = field(default_factory=dict)


@dataclass
class Shop:
    groups: list[Group] = field(default_factory=list)
    properties: list[Prop] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    lots: list[Lot] = field(default_factory=list)
    price_types: dict[str, tuple[str, str]] = field(
        default_factory=lambda: {"retail": ("Розничная", "руб"), "wholesale": ("Оптовая", "руб")}
    )
    warehouses: dict[str, str] = field(default_factory=dict)

    def write(self, directory: Path, *, only_changes: bool = False) -> list[str]:
        """Write ``import.xml`` and ``offers.xml`` (and pictures) into ``directory``."""
        directory.mkdir(parents=True, exist_ok=True)
        for item in self.items:
            for picture in item.pictures:
                path = directory / picture
                if not path.exists():
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(png(picture))
        changes = "true" if only_changes else "false"
        (directory / "import.xml").write_text(self.catalog(changes), encoding="utf-8")
        (directory / "offers.xml").write_text(self.offers(changes), encoding="utf-8")
        return ["import.xml", "offers.xml"]

    def catalog(self, changes: str) -> str:
        properties = "".join(
            f"<Свойство><Ид>{p.id}</Ид><Наименование>{escape(p.name)}</Наименование>"
            f"<ТипЗначений>{p.kind}</ТипЗначений>"
            + (
                "<ВариантыЗначений>"
                + "".join(
                    f"<Справочник><ИдЗначения>{oid}</ИдЗначения>"
                    f"<Значение>{escape(text)}</Значение></Справочник>"
                    for oid, text in p.options.items()
                )
                + "</ВариантыЗначений>"
                if p.options
                else ""
            )
            + "</Свойство>"
            for p in self.properties
        )
        products = "".join(
            f"<Товар><Ид>{item.id}</Ид><Наименование>{escape(item.name)}</Наименование>"
            + (f"<Артикул>{item.article}</Артикул>" if item.article else "")
            + (f"<Штрихкод>{item.barcode}</Штрихкод>" if item.barcode else "")
            + f"<ПометкаУдаления>{'true' if item.deleted else 'false'}</ПометкаУдаления>"
            + (
                "<Группы>" + "".join(f"<Ид>{g}</Ид>" for g in item.groups) + "</Группы>"
                if item.groups
                else ""
            )
            + "".join(f"<Картинка>{picture}</Картинка>" for picture in item.pictures)
            + (
                "<ЗначенияСвойств>"
                + "".join(
                    f"<ЗначенияСвойства><Ид>{pid}</Ид><Значение>{escape(value)}</Значение>"
                    "</ЗначенияСвойства>"
                    for pid, value in item.values.items()
                )
                + "</ЗначенияСвойств>"
                if item.values
                else ""
            )
            + "</Товар>"
            for item in self.items
        )
        return (
            f"{HEAD}{ROOT}"
            f'<Классификатор СодержитТолькоИзменения="{changes}"><Ид>cls</Ид>'
            f"<Наименование>Классификатор</Наименование>"
            f"<Группы>{''.join(_group(g) for g in self.groups)}</Группы>"
            f"<Свойства>{properties}</Свойства></Классификатор>"
            f'<Каталог СодержитТолькоИзменения="{changes}"><Ид>cat</Ид>'
            f"<ИдКлассификатора>cls</ИдКлассификатора><Наименование>Основной каталог</Наименование>"
            f"<Товары>{products}</Товары></Каталог>{END}"
        )

    def offers(self, changes: str) -> str:
        types = "".join(
            f"<ТипЦены><Ид>{tid}</Ид><Наименование>{name}</Наименование>"
            f"<Валюта>{currency}</Валюта></ТипЦены>"
            for tid, (name, currency) in self.price_types.items()
        )
        warehouses = "".join(
            f"<Склад><Ид>{wid}</Ид><Наименование>{name}</Наименование></Склад>"
            for wid, name in self.warehouses.items()
        )
        rows = "".join(
            f"<Предложение><Ид>{lot.id}</Ид><Наименование>{escape(lot.name)}</Наименование>"
            + (
                "<ХарактеристикиТовара>"
                + "".join(
                    f"<ХарактеристикаТовара><Наименование>{name}</Наименование>"
                    f"<Значение>{value}</Значение></ХарактеристикаТовара>"
                    for name, value in lot.characteristics.items()
                )
                + "</ХарактеристикиТовара>"
                if lot.characteristics
                else ""
            )
            + "<Цены>"
            + "".join(
                f"<Цена><ИдТипаЦены>{tid}</ИдТипаЦены><ЦенаЗаЕдиницу>{value}</ЦенаЗаЕдиницу>"
                f"<Валюта>{self.price_types[tid][1]}</Валюта></Цена>"
                for tid, value in lot.prices.items()
            )
            + "</Цены>"
            + (f"<Количество>{lot.quantity}</Количество>" if lot.quantity is not None else "")
            + "".join(
                f'<Склад ИдСклада="{wid}" КоличествоНаСкладе="{amount}"/>'
                for wid, amount in lot.stock.items()
            )
            + "</Предложение>"
            for lot in self.lots
        )
        return (
            f"{HEAD}{ROOT}"
            f'<ПакетПредложений СодержитТолькоИзменения="{changes}"><Ид>cat#</Ид>'
            "<Наименование>Пакет</Наименование><ИдКаталога>cat</ИдКаталога>"
            f"<ИдКлассификатора>cls</ИдКлассификатора><ТипыЦен>{types}</ТипыЦен>"
            + (f"<Склады>{warehouses}</Склады>" if warehouses else "")
            + f"<Предложения>{rows}</Предложения></ПакетПредложений>{END}"
        )


def _group(group: Group) -> str:
    children = "".join(_group(child) for child in group.children)
    return (
        f"<Группа><Ид>{group.id}</Ид><Наименование>{escape(group.name)}</Наименование>"
        + (f"<Группы>{children}</Группы>" if children else "")
        + "</Группа>"
    )


def png(seed: str) -> bytes:
    """A small picture whose content depends on ``seed`` (so two names are two pictures)."""
    colour = tuple(hash(seed) >> shift & 0xFF for shift in (0, 8, 16))
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(buffer, "PNG")
    return buffer.getvalue()


def clothes() -> Shop:
    """A shop with nested groups, properties of each type, a product with sizes, pictures."""
    return Shop(
        groups=[
            Group("g-clothes", "Одежда", [Group("g-shirts", "Рубашки"),
                                          Group("g-coats", "Пальто")]),
            Group("g-shoes", "Обувь"),
        ],
        properties=[
            Prop("p-brand", "Бренд", "Справочник", {"b1": "Acme", "b2": "Борей"}),
            Prop("p-weight", "Вес, кг", "Число"),
            Prop("p-note", "Примечание"),
        ],
        items=[
            Item(
                "shirt",
                "Рубашка льняная",
                ["g-shirts"],
                {"p-brand": "b1", "p-weight": "0,35", "p-note": "стирка 30°"},
                ["import_files/ab/shirt.png", "import_files/ab/shirt-back.png"],
            ),
            Item("coat", "Пальто шерстяное", ["g-coats"], {"p-brand": "b2"}),
            Item("boots", "Ботинки", ["g-shoes"], {"p-weight": "1.2"}),
        ],
        lots=[
            Lot("shirt#s", "Рубашка льняная (S)", {"retail": "1990.50", "wholesale": "1500"},
                stock={"w-main": "3", "w-shop": "2.5"}, characteristics={"Размер": "S"}),
            Lot("shirt#m", "Рубашка льняная (M)", {"retail": "1990.50", "wholesale": "1500"},
                stock={"w-main": "0"}, characteristics={"Размер": "M"}),
            Lot("coat", "Пальто шерстяное", {"retail": "12000", "wholesale": "9000"},
                stock={"w-main": "1"}),
            Lot("boots", "Ботинки", {"retail": "5000"}, quantity="-2"),
        ],
        warehouses={"w-main": "Основной склад", "w-shop": "Магазин на Ленина"},
    )  # fmt: skip
