"""A deterministic generator of realistic CommerceML 2 exchange files.

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

Stock forms (``stock_form``): ``attr`` writes ``<Склад ИдСклада=".."
КоличествоНаСкладе=".."/>`` for every warehouse (zeros included, as УТ 11
does); ``nested`` writes ``Остатки/Остаток/Склад/(Ид, Количество)`` for the
warehouses that hold stock (at least one row per offer); ``both`` picks one
of the two forms per offer at random, so one file exercises both code paths
while every stock row is still written exactly once.

Modules: :mod:`~benchmarks.generator.exchange` (:func:`generate_catalog`, the
run), :mod:`~benchmarks.generator.catalog` (``import.xml``),
:mod:`~benchmarks.generator.offers` (``offers.xml``),
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
        [--seed 1] [--schema 2.08] [--orders 0] [--stock-form both]
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
