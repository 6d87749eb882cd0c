"""Small CommerceML 2 catalogs for end-to-end tests, with the truth about what they hold.

:func:`make_catalog` describes a catalog (its ``Каталог``/``Классификатор``
``Ид``, a price type, a warehouse and products with a name, a price, a
stock and maybe pictures); :func:`write_catalog` writes ``import.xml``,
``offers.xml`` and ``import_files/`` as 1C unloads them, and :func:`zipped`
packs them as 1C does with ``zip=yes``. The tests then compare the shop's
database with the :class:`Catalog` they sent.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

from PIL import Image

NAMESPACE = "urn:1C.ru:commerceml_2"


@dataclass(frozen=True)
class Item:
    """One product and its one offer (same ``Ид``)."""

    id: str
    name: str
    price: Decimal
    stock: int
    pictures: tuple[str, ...] = ()


@dataclass(frozen=True)
class Catalog:
    id: str  # the Каталог's and the Классификатор's Ид
    name: str
    price_type: str
    warehouse: str
    items: tuple[Item, ...]

    @property
    def pictures(self) -> int:
        return sum(len(item.pictures) for item in self.items)


def _uid(*parts: object) -> str:
    """A GUID-like id, the same for the same parts."""
    digest = hashlib.sha1("/".join(map(str, parts)).encode()).hexdigest()  # noqa: S324 (an id)
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"


def make_catalog(
    label: str,
    count: int,
    *,
    shared: str = "shared",
    pictures_every: int = 0,
    common_names_every: int = 0,
) -> Catalog:
    """A catalog of ``count`` products whose ids all derive from ``label``.

    The price type and the warehouse derive from ``shared``: catalogs made
    with the same ``shared`` use the same ones, as two catalogs of one 1C
    base do. Every ``pictures_every``-th product has a picture (none with
    0); every ``common_names_every``-th product is named without the label,
    so two catalogs have products of the same name (and slug).
    """
    items = []
    for index in range(count):
        item_id = _uid(label, "product", index)
        if common_names_every and index % common_names_every == 0:
            name = f"Общий товар №{index}"
        else:
            name = f"Товар «{label}» №{index}"
        pictures: tuple[str, ...] = ()
        if pictures_every and index % pictures_every == 0:
            picture = _uid(label, "picture", index).replace("-", "")
            pictures = (f"import_files/{picture[:2]}/{picture}.jpg",)
        price = Decimal(100 + index) + Decimal(len(label) % 7) / 10
        items.append(Item(item_id, name, price, stock=(index * 7) % 50, pictures=pictures))
    return Catalog(
        id=_uid(label, "catalog"),
        name=f"Каталог «{label}»",
        price_type=_uid(shared, "price type"),
        warehouse=_uid(shared, "warehouse"),
        items=tuple(items),
    )


def _document(body: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<КоммерческаяИнформация xmlns="{NAMESPACE}" ВерсияСхемы="2.07" '
        f'ДатаФормирования="2024-05-01T12:00:00">\n{body}</КоммерческаяИнформация>\n'
    ).encode()


def import_xml(catalog: Catalog) -> bytes:
    """``import.xml``: the classifier and the full catalog of products."""
    products = []
    for item in catalog.items:
        pictures = "".join(f"<Картинка>{path}</Картинка>" for path in item.pictures)
        products.append(
            f"<Товар><Ид>{item.id}</Ид><Наименование>{escape(item.name)}</Наименование>"
            f'<БазоваяЕдиница Код="796" НаименованиеПолное="Штука">шт</БазоваяЕдиница>'
            f"{pictures}</Товар>\n"
        )
    return _document(
        f"<Классификатор><Ид>{catalog.id}</Ид>"
        f"<Наименование>Классификатор ({escape(catalog.name)})</Наименование></Классификатор>\n"
        f'<Каталог СодержитТолькоИзменения="false"><Ид>{catalog.id}</Ид>'
        f"<ИдКлассификатора>{catalog.id}</ИдКлассификатора>"
        f"<Наименование>{escape(catalog.name)}</Наименование>\n"
        f"<Товары>\n{''.join(products)}</Товары></Каталог>\n"
    )


def offers_xml(catalog: Catalog) -> bytes:
    """``offers.xml``: the price type, the warehouse and one offer per product."""
    offers = [
        f"<Предложение><Ид>{item.id}</Ид><Наименование>{escape(item.name)}</Наименование>"
        f"<Цены><Цена><Представление>{item.price} руб. за шт</Представление>"
        f"<ИдТипаЦены>{catalog.price_type}</ИдТипаЦены>"
        f"<ЦенаЗаЕдиницу>{item.price}</ЦенаЗаЕдиницу><Валюта>руб</Валюта>"
        f"<Единица>шт</Единица><Коэффициент>1</Коэффициент></Цена></Цены>"
        f"<Количество>{item.stock}</Количество>"
        f'<Склад ИдСклада="{catalog.warehouse}" КоличествоНаСкладе="{item.stock}"/>'
        f"</Предложение>\n"
        for item in catalog.items
    ]
    return _document(
        f'<ПакетПредложений СодержитТолькоИзменения="false"><Ид>{catalog.id}#</Ид>'
        f"<Наименование>Пакет предложений ({escape(catalog.name)})</Наименование>"
        f"<ИдКаталога>{catalog.id}</ИдКаталога>"
        f"<ИдКлассификатора>{catalog.id}</ИдКлассификатора>\n"
        f"<ТипыЦен><ТипЦены><Ид>{catalog.price_type}</Ид><Наименование>Розничная</Наименование>"
        f"<Валюта>руб</Валюта></ТипЦены></ТипыЦен>\n"
        f"<Склады><Склад><Ид>{catalog.warehouse}</Ид><Наименование>Основной склад</Наименование>"
        f"</Склад></Склады>\n"
        f"<Предложения>\n{''.join(offers)}</Предложения></ПакетПредложений>\n"
    )


def picture(path: str) -> bytes:
    """A small JPEG of its own colour for each path (so no two pictures are the same file)."""
    red, green, blue = hashlib.sha1(path.encode()).digest()[:3]  # noqa: S324 (a colour)
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (red, green, blue)).save(out, "JPEG")
    return out.getvalue()


def write_catalog(catalog: Catalog, directory: Path) -> list[Path]:
    """Write ``import.xml``, ``offers.xml`` and the pictures under ``directory``; the XML paths."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "import.xml").write_bytes(import_xml(catalog))
    (directory / "offers.xml").write_bytes(offers_xml(catalog))
    for item in catalog.items:
        for path in item.pictures:
            target = directory / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(picture(path))
    return [directory / "import.xml", directory / "offers.xml"]


def zipped(files: dict[str, bytes]) -> bytes:
    """An archive of ``files`` (name → bytes), as 1C sends with ``zip=yes``."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


def pictures_of(catalog: Catalog) -> dict[str, bytes]:
    """The pictures of ``catalog`` by their path in the unload."""
    return {path: picture(path) for item in catalog.items for path in item.pictures}


def problems(env: dict[str, str], catalog: Catalog, media_root: Path) -> list[str]:
    """How the shop's database differs from ``catalog``; empty when it holds exactly that.

    Every product must be there once, active, with its name, one offer with
    the price in the catalog's price type, the total quantity and the stock
    of the catalog's warehouse, and its pictures (files present in
    ``media_root``); the catalog must hold nothing else.
    """
    from tests.e2e.servers import rows

    products = {
        external_id: (active, name)
        for external_id, active, name in rows(
            env,
            "SELECT p.external_id, p.active, p.name FROM cml_exchange_product p "
            "JOIN cml_exchange_catalog c ON c.id = p.catalog_id WHERE c.external_id = %s",
            [catalog.id],
        )
    }
    offers = {
        external_id: (active, quantity, price, stock, product)
        for external_id, active, quantity, price, stock, product in rows(
            env,
            "SELECT o.external_id, o.active, o.quantity, "
            "(SELECT pr.value FROM cml_exchange_price pr JOIN cml_exchange_pricetype t "
            " ON t.id = pr.price_type_id WHERE pr.offer_id = o.id AND t.external_id = %s), "
            "(SELECT s.quantity FROM cml_exchange_stock s JOIN cml_exchange_warehouse w "
            " ON w.id = s.warehouse_id WHERE s.offer_id = o.id AND w.external_id = %s), "
            "(SELECT p.external_id FROM cml_exchange_product p WHERE p.id = o.product_id) "
            "FROM cml_exchange_offer o JOIN cml_exchange_catalog c ON c.id = o.catalog_id "
            "WHERE c.external_id = %s",
            [catalog.price_type, catalog.warehouse, catalog.id],
        )
    }
    pictures: dict[str, list[tuple[str, str]]] = {}
    for external_id, source, file in rows(
        env,
        "SELECT p.external_id, i.source_path, i.file FROM cml_exchange_productimage i "
        "JOIN cml_exchange_product p ON p.id = i.product_id "
        "JOIN cml_exchange_catalog c ON c.id = p.catalog_id WHERE c.external_id = %s",
        [catalog.id],
    ):
        pictures.setdefault(external_id, []).append((source, file))

    found: list[str] = []
    expected = {item.id for item in catalog.items}
    if extra := sorted(set(products) - expected):
        found.append(f"{len(extra)} products not in the catalog, e.g. {extra[0]}")
    if extra := sorted(set(offers) - expected):
        found.append(f"{len(extra)} offers not in the catalog, e.g. {extra[0]}")
    wrong: dict[str, list[str]] = {}
    for item in catalog.items:
        if item.id not in products:
            wrong.setdefault("product missing", []).append(item.id)
            continue
        active, name = products[item.id]
        if not active:
            wrong.setdefault("product inactive", []).append(item.id)
        if name != item.name:
            wrong.setdefault("product name", []).append(f"{item.id}: {name!r} != {item.name!r}")
        if item.id not in offers:
            wrong.setdefault("offer missing", []).append(item.id)
        else:
            active, quantity, price, stock, product = offers[item.id]
            if not active:
                wrong.setdefault("offer inactive", []).append(item.id)
            if product != item.id:
                wrong.setdefault("offer's product", []).append(f"{item.id}: {product}")
            if price is None or Decimal(str(price)) != item.price:
                wrong.setdefault("price", []).append(f"{item.id}: {price} != {item.price}")
            if quantity is None or Decimal(str(quantity)) != item.stock:
                wrong.setdefault("quantity", []).append(f"{item.id}: {quantity} != {item.stock}")
            if stock is None or Decimal(str(stock)) != item.stock:
                wrong.setdefault("stock", []).append(f"{item.id}: {stock} != {item.stock}")
        attached = pictures.get(item.id, [])
        if sorted(source for source, _ in attached) != sorted(item.pictures):
            wrong.setdefault("pictures", []).append(
                f"{item.id}: {[source for source, _ in attached]} != {list(item.pictures)}"
            )
        elif not all((media_root / file).is_file() for _, file in attached):
            wrong.setdefault("picture file", []).append(item.id)
    for what, cases in wrong.items():
        found.append(f"{what}: {len(cases)} of {len(catalog.items)}, e.g. {cases[0]}")
    return found
