"""The contract between the importer and whatever keeps a shop's catalog.

The importer always writes the app's own catalog models first (groups,
products, offers, prices, stock, pictures). They are its record of what 1C
sent: the ids, the checksums that let an unchanged item be skipped, the
marks that tell what a full exchange did not mention, the position a step
resumes from. That is why only-changes, missing items, stepwise resume and
crash safety hold whatever the adapter does.

Then, in the same transaction as the batch, it calls a :class:`CatalogAdapter`
with the rows that changed. A shop with its own catalog models (django-oscar,
or models of its own) names its adapter in the Django setting
``CML_EXCHANGE_CATALOG_ADAPTER`` (a dotted path to a class made with no
arguments) and writes its models there. The default,
:class:`ModelCatalogAdapter`, does nothing: the app's models are the catalog.

What every method may rely on, and must keep:

* It is called once per batch and kind (never once per item), with the
  app's rows, each with what the docstring says is loaded, so one or two
  queries of the adapter's own are enough for a whole batch.
* It runs inside the batch's transaction: what it writes commits with the
  batch or rolls back with it. An exception fails the import, the batch
  rolled back (the shop's catalog and the app's records stay as before it);
  1C is told, the monitor shows the error. A process killed mid-batch
  leaves nothing of it either, and the next step writes the batch again.
* Rows may come again that the adapter has seen (a re-import without
  checksums, an offer placed once its product arrives): writing the same
  rows twice must give the same result.
* Only what changed comes: an item 1C sent unchanged is not passed again.
* Each method's rows come with what its docstring says is loaded; an
  adapter that needs less names what it needs in :attr:`CatalogAdapter.loads`
  (reading what a batch changed is a good part of an import's time).
* ``context`` tells the job, the import's options (``context.options``)
  and takes the adapter's counters and warnings (``context.count``,
  ``context.warn``): they show in the reply to 1C, the monitor and
  ``cml_import``'s output like the importer's own.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence, Set
from typing import TYPE_CHECKING, ClassVar

from cml_exchange.adapters import make_adapter
from cml_exchange.conf import app_settings
from cml_exchange.exceptions import ConfigError

if TYPE_CHECKING:
    from cml_exchange.importer.options import ImportOptions
    from cml_exchange.importer.session import ImportSession
    from cml_exchange.models import (
        Group,
        ImportJob,
        Offer,
        PriceType,
        Product,
        Property,
        Warehouse,
    )

#: What the importer loads on the rows each method gets, unless the adapter's
#: :attr:`CatalogAdapter.loads` names less: foreign keys (``select_related``) and
#: related rows (prefetched; ``property_values`` with ``property`` and ``option``,
#: ``prices`` with ``price_type``, ``stock`` with ``warehouse``).
LOADS: Mapping[str, tuple[str, ...]] = {
    "save_groups": ("parent", "classifier"),
    "save_products": (
        "catalog",
        "base_unit",
        "category",
        "groups",
        "property_values",
        "requisites",
        "taxes",
        "images",
    ),
    "save_offers": ("catalog", "product", "base_unit", "characteristics", "property_values"),
    "save_prices": ("catalog", "product", "prices"),
    "save_stock": ("catalog", "product", "stock"),
}

#: The models whose rows :meth:`CatalogAdapter.deactivate` and :meth:`CatalogAdapter.delete` get.
CatalogModel = type["Group"] | type["Product"] | type["Offer"]

#: The models whose rows :meth:`CatalogAdapter.save_declared` gets.
DeclaredModel = type["Property"] | type["PriceType"] | type["Warehouse"]


class AdapterContext:
    """What an adapter's call knows of the import, and where it reports.

    Counters and warnings go where the importer's own go: into the job, the
    reply to 1C, the monitor and ``cml_import``'s output.
    """

    def __init__(
        self,
        job: ImportJob,
        options: ImportOptions,
        count: Callable[[str, int], None],
        warn: Callable[[str, str, str | None], None],
    ) -> None:
        self.job = job
        self.options = options
        self._count = count
        self._warn = warn

    @classmethod
    def of(cls, session: ImportSession) -> AdapterContext:
        """The context of a step's calls."""
        return cls(
            session.job,
            session.options,
            session.count,
            lambda code, message, key: session.warn(code, message, key=key),
        )

    def count(self, name: str, amount: int = 1) -> None:
        """Add ``amount`` to the counter ``name`` (e.g. ``"oscar_products_matched"``)."""
        self._count(name, amount)

    def warn(self, code: str, message: str, *, key: str | None = None) -> None:
        """A warning in Russian for the shop owner; with ``key``, once per job for that key."""
        self._warn(code, message, key)


class CatalogAdapter:
    """What the importer tells a shop's catalog. Override what your catalog needs.

    Each method's default does nothing, so an adapter names only what it
    keeps: a shop without warehouses need not override :meth:`save_stock`.
    """

    #: What to load on each method's rows when the adapter needs less than
    #: :data:`LOADS`, e.g. ``{"save_prices": ()}`` for an adapter that reads
    #: the prices itself: a subset of ``LOADS[method]`` per method named. What
    #: is left out is still there on access, one query per row, so leave out
    #: only what the method never touches.
    loads: ClassVar[Mapping[str, Collection[str]]] = {}

    def save_groups(self, context: AdapterContext, groups: Sequence[Group]) -> None:
        """The groups 1C sent in this batch, parents before their subgroups.

        Groups carry no checksum: each one sent comes, changed or not (they
        are few). Loaded: ``parent`` and ``classifier``. ``active`` is false
        for a group 1C marked deleted.
        """

    def save_products(
        self, context: AdapterContext, products: Sequence[Product], *, created: Set[int]
    ) -> None:
        """Products created (their pks in ``created``) or changed, pictures included.

        Loaded: ``catalog``, ``base_unit``, ``category``; prefetched
        ``groups``, ``property_values`` (with ``property`` and ``option``),
        ``requisites``, ``taxes`` and ``images`` (in order). ``active`` is
        false for a product 1C marked deleted.
        """

    def save_offers(
        self, context: AdapterContext, offers: Sequence[Offer], *, created: Set[int]
    ) -> None:
        """Offers created or whose own data changed: name, product, characteristics.

        Loaded: ``catalog``, ``product`` (``None`` while 1C has not sent it),
        ``base_unit``; prefetched ``characteristics`` and ``property_values``
        (with ``property`` and ``option``). Prices and stock come apart, in
        :meth:`save_prices` and :meth:`save_stock`, and only when they changed.
        """

    def save_prices(self, context: AdapterContext, offers: Sequence[Offer]) -> None:
        """Offers whose prices changed; prefetched ``prices`` with ``price_type``."""

    def save_stock(self, context: AdapterContext, offers: Sequence[Offer]) -> None:
        """Offers whose stock changed: ``quantity`` (the total) and prefetched ``stock`` rows.

        Each stock row has its ``warehouse`` loaded.
        """

    def save_declared(
        self, context: AdapterContext, model: DeclaredModel, pks: Sequence[int]
    ) -> None:
        """Rows of ``model`` already stored whose declaration 1C has just changed.

        ``model`` is ``Property`` (a new name), ``PriceType`` (a new name or
        currency) or ``Warehouse`` (a new name). The products and offers that
        name them are not passed: their own rows did not change. A row 1C
        declares for the first time is not passed either; it comes with the
        items that name it.
        """

    def deactivate(self, context: AdapterContext, model: CatalogModel, pks: Sequence[int]) -> None:
        """Rows of ``model`` a full exchange did not mention, made inactive (``active`` false)."""

    def delete(self, context: AdapterContext, model: CatalogModel, pks: Sequence[int]) -> None:
        """Rows of ``model`` about to be deleted (they still exist when this is called).

        The database then does the rest, with no call of its own: a deleted
        product's offers go with it, and a deleted group's subgroups move to
        the top (their ``parent`` becomes empty).
        """


class ModelCatalogAdapter(CatalogAdapter):
    """The default: the app's own catalog models are the shop's catalog; nothing more to do."""


def overrides(adapter: CatalogAdapter, method: str) -> bool:
    """Whether ``adapter`` overrides ``method`` (if not, the importer loads nothing for it)."""
    return getattr(type(adapter), method) is not getattr(CatalogAdapter, method)


def loads_of(adapter: CatalogAdapter, method: str) -> frozenset[str]:
    """What the importer loads on the rows of ``adapter``'s ``method``."""
    return frozenset(adapter.loads.get(method, LOADS[method]))


def loads_problem(adapter_class: type[CatalogAdapter]) -> str | None:
    """What is wrong with ``adapter_class.loads``, in Russian, or ``None``."""
    loads = adapter_class.loads
    if not isinstance(loads, Mapping):
        return f"loads должен быть словарём «метод: связи», а не {loads!r}."
    for method, names in loads.items():
        if method not in LOADS:
            return f"loads: метода «{method}» нет (есть {', '.join(LOADS)})."
        if isinstance(names, str) or not isinstance(names, Collection):
            return f"loads[{method!r}] должен быть списком связей, а не {names!r}."
        unknown = sorted(set(names) - set(LOADS[method]))
        if unknown:
            return (
                f"loads[{method!r}]: {', '.join(map(repr, unknown))} не загружается "
                f"(можно: {', '.join(LOADS[method])})."
            )
    return None


def get_catalog_adapter() -> CatalogAdapter:
    """The adapter named by ``CML_EXCHANGE_CATALOG_ADAPTER`` (default: the app's own models).

    Raises ``ConfigError`` (in Russian) when it names no ``CatalogAdapter``
    or the adapter's :attr:`~CatalogAdapter.loads` names what cannot be loaded.
    """
    setting = "CML_EXCHANGE_CATALOG_ADAPTER"
    adapter = make_adapter(setting, app_settings.CATALOG_ADAPTER, CatalogAdapter)
    problem = loads_problem(type(adapter))
    if problem:
        raise ConfigError(f"{setting}: {problem}")
    return adapter
