"""Elements passed over unbuilt: the reader's digests of products and offers (issue 17).

Given the digests of elements already stored, the reader yields ``Unchanged``
for an equal element instead of building it; what it does build carries its
element's digest. A marker built after all is the entity the reader would have
built.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

from cml_exchange.commerceml import CmlReader, Offer, Product, Unchanged
from cml_exchange.commerceml.reading.digests import rebuild
from tests.paths import CML_DIR, sample

CATALOG = """<?xml version="1.0" encoding="{encoding}"?>
<КоммерческаяИнформация xmlns="urn:1C.ru:commerceml_2" ВерсияСхемы="2.08">
{indent}<Каталог СодержитТолькоИзменения="false"><Ид>cat</Ид>
{indent}<ИдКлассификатора>cls</ИдКлассификатора><Наименование>Каталог</Наименование><Товары>
{indent}{indent}<Товар><Ид>p1</Ид><Наименование>Чайник</Наименование><Вес>1,5</Вес></Товар>
{indent}{indent}<Товар><Ид>p2</Ид><Наименование>Утюг</Наименование><Вес>{weight}</Вес></Товар>
{indent}</Товары></Каталог>
</КоммерческаяИнформация>
"""

OFFERS = """<?xml version="1.0" encoding="UTF-8"?>
<КоммерческаяИнформация xmlns="urn:1C.ru:commerceml_2" ВерсияСхемы="2.08">
<ПакетПредложений СодержитТолькоИзменения="false"><Ид>cat#</Ид><ИдКаталога>cat</ИдКаталога>
<Предложения>
<Предложение><Ид>p1</Ид><ИдХарактеристики>red</ИдХарактеристики><Наименование>Чайник</Наименование>
<Цены><Цена><ИдТипаЦены>retail</ИдТипаЦены><ЦенаЗаЕдиницу>990</ЦенаЗаЕдиницу></Цена>
<Цена><ИдТипаЦены>opt</ИдТипаЦены><ЦенаЗаЕдиницу>890</ЦенаЗаЕдиницу></Цена></Цены>
<Склад ИдСклада="w1" КоличествоНаСкладе="3"/>
<Остатки><Остаток><Склад><Ид>w2</Ид><Количество>{rest}</Количество></Склад></Остаток></Остатки>
</Предложение>
</Предложения></ПакетПредложений>
</КоммерческаяИнформация>
"""


def _read(data: str | bytes, digests: Any = frozenset()) -> list[Any]:
    raw = data.encode() if isinstance(data, str) else data
    reader = CmlReader(BytesIO(raw), name="import.xml", digests=digests)
    return [item for item in reader if isinstance(item, (Product, Offer, Unchanged))]


def _catalog(weight: str = "2", indent: str = "  ", encoding: str = "UTF-8") -> bytes:
    return CATALOG.format(weight=weight, indent=indent, encoding=encoding).encode(encoding)


def test_a_known_element_is_passed_over_and_a_changed_one_is_built():
    first = _read(_catalog())
    digests = {item.source_digest for item in first}
    assert 0 not in digests and len(digests) == 2
    again = _read(_catalog(), digests)
    assert [type(item) for item in again] == [Unchanged, Unchanged]
    assert [(m.kind, m.id, m.digest) for m in again] == [
        ("products", p.id, p.source_digest) for p in first
    ]
    changed = _read(_catalog(weight="3"), digests)
    assert type(changed[0]) is Unchanged
    assert isinstance(changed[1], Product) and changed[1].weight == 3


def test_the_digest_is_of_the_element_not_of_the_files_bytes():
    """1C re-indenting the file, or another encoding, changes no digest."""
    digests = {item.source_digest for item in _read(_catalog())}
    other = _catalog(indent="\t\t", encoding="windows-1251")
    assert all(isinstance(item, Unchanged) for item in _read(other, digests))


def test_a_marker_built_after_all_is_the_entity_the_reader_builds():
    for data in (_catalog(), OFFERS.format(rest="5").encode()):
        built = _read(data)
        markers = _read(data, {item.source_digest for item in built})
        assert all(isinstance(item, Unchanged) for item in markers)
        rebuilt = [rebuild(marker, lambda *args: None) for marker in markers]
        assert rebuilt == built
        assert [item.source_digest for item in rebuilt] == [item.source_digest for item in built]


def test_an_offers_marker_has_its_id_with_the_characteristic_and_counts_its_rows():
    built = _read(OFFERS.format(rest="5"))
    (offer,) = built
    assert isinstance(offer, Offer) and offer.id == "p1#red"
    (marker,) = _read(OFFERS.format(rest="5"), {offer.source_digest})
    assert isinstance(marker, Unchanged)
    assert (marker.kind, marker.id, marker.prices, marker.stock_rows) == ("offers", "p1#red", 2, 2)


def test_an_item_that_warned_or_lost_a_row_gets_no_digest():
    """Its warnings, and the reconciliation's count, must be told at every exchange."""
    products = _read(_catalog(weight="тяжелый"))
    assert products[0].source_digest != 0
    assert products[1].source_digest == 0
    # A warehouse row without a quantity is dropped without a warning: the scan counts it.
    (offer,) = _read(OFFERS.format(rest=""))
    assert isinstance(offer, Offer) and len(offer.stock or ()) == 1
    assert offer.source_digest == 0


def test_without_digests_nothing_is_hashed():
    for item in _read(sample("carono__php-commerceml__tests__xml__import.xml").read_bytes(), None):
        assert item.source_digest == 0


def test_a_markers_id_is_the_id_its_element_builds_with_ids_repeated_or_prefixed():
    """Two ``Ид`` (builders keep the last), another namespace's prefix, a blank characteristic."""
    from lxml import etree

    from cml_exchange.commerceml.reading._build_catalog import product
    from cml_exchange.commerceml.reading._build_offers import offer
    from cml_exchange.commerceml.reading.digests import OFFERS, PRODUCTS, marker_id

    elements = [
        '<Товар xmlns="urn:1C.ru:commerceml_2"><Ид>a</Ид><!-- - --><Ид> b </Ид>'
        "<Группы><Ид>g</Ид></Группы><Наименование>Т</Наименование></Товар>",
        '<Товар xmlns:c="urn:c"><c:Ид>x</c:Ид><Наименование>Т</Наименование><Ид>y</Ид></Товар>',
        "<Предложение><Ид>p</Ид><ИдХарактеристики>c1</ИдХарактеристики>"
        "<ИдХарактеристики>c2</ИдХарактеристики></Предложение>",
        "<Предложение><Ид>p</Ид><ИдХарактеристики> </ИдХарактеристики></Предложение>",
        "<Предложение><Ид>p#c</Ид></Предложение>",
    ]
    for text in elements:
        element = etree.fromstring(text)
        if "Товар" in text:
            assert marker_id(PRODUCTS, element) == product(element, lambda *_: None).id, text
        else:
            assert marker_id(OFFERS, element) == offer(element, lambda *_: None).id, text


def _entities(data: bytes, **options: Any) -> tuple[CmlReader, list[Any]]:
    reader = CmlReader(BytesIO(data), name="import.xml", digests=frozenset(), **options)
    return reader, list(reader)


def test_the_first_item_is_announced_once_after_its_containers_header():
    _reader, entities = _entities(_catalog(), announce_items=True)
    kinds = [type(entity).__name__ for entity in entities]
    assert kinds == ["FileInfo", "Catalog", "ItemsAhead", "Product", "Product"]
    assert entities[2].kind == "products"
    # Going on past the announcement reads the items as a reader without it does.
    assert entities[3:] == _entities(_catalog())[1][2:]
    _reader, offers = _entities(OFFERS.format(rest="1").encode(), announce_items=True)
    assert [type(entity).__name__ for entity in offers] == [
        "FileInfo",
        "OfferPackage",
        "ItemsAhead",
        "Offer",
    ]
    assert offers[2].kind == "offers"


def test_a_file_read_from_its_start_notes_each_items_digest_in_order():
    reader, entities = _entities(_catalog())
    assert reader.items is not None and reader.items.kind == "products"
    assert list(reader.items.digests) == [e.source_digest for e in entities[2:]]
    assert reader.items.whole
    # Resumed past its start, a reader cannot say what the whole file holds.
    assert CmlReader(BytesIO(_catalog()), digests=frozenset(), skip=1).items is None
    assert CmlReader(BytesIO(_catalog())).items is None  # nor one that hashes nothing


def test_items_followed_by_anything_else_are_not_the_whole_of_the_rest():
    after = _catalog().replace(
        "</Каталог>".encode(),
        "</Каталог><Классификатор><Ид>cls</Ид><Наименование>К</Наименование>"
        "</Классификатор>".encode(),
    )
    reader, _ = _entities(after)
    assert reader.items is not None and not reader.items.whole
    # Products and offers in one file: not one kind.
    both = _catalog().replace(
        "</Каталог>".encode(),
        (
            "</Каталог><ПакетПредложений><Ид>cat#</Ид><ИдКаталога>cat</ИдКаталога><Предложения>"
            "<Предложение><Ид>p1</Ид></Предложение></Предложения></ПакетПредложений>"
        ).encode(),
    )
    reader, _ = _entities(both)
    assert reader.items is not None and not reader.items.whole


ODD_OFFERS = """<?xml version="1.0" encoding="UTF-8"?>
<КоммерческаяИнформация ВерсияСхемы="2.09"><ПакетПредложений><Предложения>
<Предложение><Ид>two-price-lists</Ид>
<Цены><Цена><ИдТипаЦены>a</ИдТипаЦены><ЦенаЗаЕдиницу>1</ЦенаЗаЕдиницу></Цена></Цены>
<Цены><Цена><ИдТипаЦены>b</ИдТипаЦены><ЦенаЗаЕдиницу>2</ЦенаЗаЕдиницу></Цена>
<Цена><ИдТипаЦены>c</ИдТипаЦены><ЦенаЗаЕдиницу>3</ЦенаЗаЕдиницу></Цена></Цены></Предложение>
<Предложение><Ид>no-quantity</Ид><Склад ИдСклада="w1"/><Склад ИдСклада=" "/>
<Склады ИдСклада="w2" КоличествоНаСкладе="1"><Склад ИдСклада="w3" КоличествоНаСкладе="2"/>
<Склад ИдСклада="w4"/></Склады></Предложение>
<Предложение><Ид>nested</Ид><Остатки><Остаток><Склад><Ид>w1</Ид></Склад>
<Склад><Количество>3</Количество></Склад><Склад><Ид>w2</Ид><Количество>4</Количество></Склад>
</Остаток><Остаток>7</Остаток><Остаток><Количество>8</Количество></Остаток></Остатки>
<Остатки><Остаток><Склад><Ид>w3</Ид><Количество>1</Количество></Склад></Остаток></Остатки>
</Предложение>
<Предложение><Ид>whole</Ид><Цены><Цена><ИдТипаЦены>a</ИдТипаЦены></Цена><Прочее/></Цены>
<Склад ИдСклада="w1" КоличествоНаСкладе="5"/></Предложение>
</Предложения></ПакетПредложений></КоммерческаяИнформация>
"""


def test_the_builders_count_of_an_offers_rows_is_the_scans():
    """The reader counts the rows an offer holds on its build's walk (a digest needs
    them all read); the count is the one the scan and a passed-over offer's marker take."""
    from lxml import etree

    from cml_exchange.commerceml.reading._build_offers import offer_and_rows
    from cml_exchange.commerceml.reading._structure import offer_rows

    files = [BytesIO(ODD_OFFERS.encode())] + [
        path.open("rb") for path in sorted(CML_DIR.glob("*.xml"))
    ]
    compared = 0
    for source in files:
        with source:
            for _, element in etree.iterparse(source, tag="{*}Предложение"):
                assert offer_and_rows(element, lambda *args: None)[1] == offer_rows(element)
                compared += 1
    assert compared > 5000
    odd = [item for item in _read(ODD_OFFERS) if isinstance(item, Offer)]
    # Only the offer whose every row was read gets a digest.
    assert [(item.id, bool(item.source_digest)) for item in odd] == [
        ("two-price-lists", False),
        ("no-quantity", False),
        ("nested", False),
        ("whole", True),
    ]
