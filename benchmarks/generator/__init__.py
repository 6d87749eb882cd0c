"""A deterministic generator of realistic CommerceML 2.x and 3.1 exchange files.

It writes what 1C:Enterprise (УТ 11 era) sends to a site in a full exchange:

* ``import.xml``: a ``Классификатор`` (nested groups up to three levels deep,
  about N/50 of them; 30 properties of the types Справочник, Строка and Число;
  units of measure) and a ``Каталог`` with N products;
* ``offers.xml``: a ``ПакетПредложений`` with 3 price types, 3 warehouses and
  one offer per product, or 2–4 characteristic offers (``product#variant``)
  for about 20% of the products, each with 3 prices, a total quantity and
  per-warehouse stock;
* ``import_files/``: one tiny valid JPEG per ``Картинка`` (0–2 per product);
* ``orders.xml`` (only with ``orders > 0``): order documents as 1C sends them
  back to a site, whose lines point at the generated offers;
* ``manifest.json``: the exact counts of what was written (see :data:`COUNT_KEYS`).

Contracts:

* **Deterministic.** The same arguments give byte-identical files on the same
  Python version: every random choice comes from ``random.Random`` instances
  seeded from ``seed``; nothing depends on the clock, the host or hash
  randomisation. Each product's data comes from its own generator seeded with
  ``(seed, index)``, so the offers and orders passes can rebuild a product's
  identity without keeping the catalog in memory.
* **Streaming.** Memory does not grow with the number of products: files are
  written product by product with buffered text writes; only the classifier
  (N/50 groups and 30 properties) is held in memory.
* **Shape.** UTF-8 with a BOM, CRLF line ends, tab indentation, the root
  ``КоммерческаяИнформация`` with ``ВерсияСхемы`` 2.08 and the namespace
  ``urn:1C.ru:commerceml_210`` (as УТ 11.4 writes it), or 2.07 with
  ``urn:1C.ru:commerceml_2``. Every id is a GUID-like string; product ids are
  unique by construction.
* **Counts.** Each manifest count is defined as an element count that a plain
  namespace-agnostic lxml pass over the files reproduces (the definitions
  follow ``shared/cml-samples/EXPECTED_COUNTS.json``); the unit test
  ``tests/unit/test_benchmark_generator.py`` checks this.

CommerceML 3.1 (``schema="3.1"``): the same catalog, for the same seed and
options, as the file set the 1C-Bitrix extension for 1C (БУС) sends, one
entity kind per file, ``<kind>_1_<packet>_<guid>.xml``, in 1C's order:
priceLists, storages, propertiesGoods (``properties_packet`` properties a
packet), propertiesOffers, units, groups, goods (``packet`` products a
packet), offers, prices, rests (``packet`` products' offers a packet); see
``docs/research/commerceml-3.1.md``. Namespace ``urn:1C.ru:commerceml_3``,
``ВерсияСхемы="3.1"``, LF line ends, ``СодержитТолькоИзменения="true"``
and each kind's context header (:mod:`~benchmarks.generator.files31`).
The manifest's ``exchange`` lists the files in that order. Where БУС's
own form would make a shop store something else than the 2.x set gives it,
the set keeps the 2.x element inside the 3.1 layout, so that both sets
import into the same rows: ``Товар/Код`` as an element (БУС: a requisite),
no ``Ид`` on units and no ``НомерВерсии`` on classifier entities and offers
(2.x has neither), offers with ``Артикул``, ``БазоваяЕдиница`` and
characteristic ``Ид``, prices with ``Единица``/``Коэффициент``, warehouses
with ``Адрес``, currency ``руб``; propertiesOffers declares no property (the
2.x set has none). Properties carry no ``ДляТоваров``: in 3.1 their file
says what they are for. Orders are not written in 3.1 (``orders`` must be 0).

Stock forms (``stock_form``): ``attr`` writes ``<Склад ИдСклада=".."
КоличествоНаСкладе=".."/>`` for every warehouse (zeros included, as УТ 11
does); ``nested`` writes ``Остатки/Остаток/Склад/(Ид, Количество)`` for the
warehouses that hold stock (at least one row per offer); ``both`` picks one
of the two forms per offer at random, so one file exercises both code paths
while every stock row is still written exactly once. In 3.1 every row is
written nested in the rests packets; the form still chooses the rows (every
warehouse, zeros included, for ``attr``), so both sets hold the same rows.

Modules: :mod:`~benchmarks.generator.exchange` (:func:`generate_catalog`, the
run), :mod:`~benchmarks.generator.catalog` (``import.xml``),
:mod:`~benchmarks.generator.offers` (``offers.xml``),
:mod:`~benchmarks.generator.files31` (3.1 names, order and headers),
:mod:`~benchmarks.generator.classifier31` and
:mod:`~benchmarks.generator.offers31` (the 3.1 files),
:mod:`~benchmarks.generator.orders` (``orders.xml``),
:mod:`~benchmarks.generator.pictures` (``import_files/``),
:mod:`~benchmarks.generator.manifest` (``manifest.json`` and
:data:`COUNT_KEYS`), :mod:`~benchmarks.generator.context` (what one run
shares), :mod:`~benchmarks.generator.products` (a product rebuilt from its
index), :mod:`~benchmarks.generator.ids` (random streams and ids),
:mod:`~benchmarks.generator.markup` (XML text helpers),
:mod:`~benchmarks.generator.vocabulary` (the words) and
:mod:`~benchmarks.generator.cli`.

CLI (``python -m benchmarks.generator`` takes the same arguments)::

    python benchmarks/generate.py --products 10000 --out benchmarks/data/10000 \\
        [--seed 1] [--schema 2.08|2.07|3.1] [--orders 0] [--stock-form both]
        [--packet 1000] [--properties-packet 50]
"""

from benchmarks.generator.context import NAMESPACES
from benchmarks.generator.exchange import generate_catalog
from benchmarks.generator.manifest import COUNT_KEYS, GENERATOR_VERSION
from benchmarks.generator.offers import STOCK_FORMS
from benchmarks.generator.pictures import TINY_JPEG

__all__ = [
    "COUNT_KEYS",
    "GENERATOR_VERSION",
    "NAMESPACES",
    "STOCK_FORMS",
    "TINY_JPEG",
    "generate_catalog",
]
