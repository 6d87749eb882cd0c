"""What the storefront shows of the imported catalog: groups, products, offers, prices, stock.

Only what 1C keeps on sale is shown: active products and offers that are not
marked for deletion; the group tree shows the active groups (a product 1C keeps
active in a group it deactivated stays on sale, found by search and on its own
page, as 1C sent it). A product's price is that of the
shop's price type (:func:`price_types`), the lowest over its offers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.shortcuts import get_object_or_404

from cml_exchange.models import (
    Group,
    Offer,
    Price,
    PriceType,
    Product,
    ProductGroup,
    ProductPropertyValue,
    Stock,
)

#: The label of an offer with neither a name of its own nor characteristics.
PLAIN_OFFER = "Основное предложение"
#: Sort orders of a product list: the ``sort`` parameter's values and their Russian names.
SORTS = {
    "name": "по названию",
    "price": "сначала дешевле",
    "-price": "сначала дороже",
}


def price_types() -> list[PriceType]:
    """The price types whose prices the shop shows, most preferred first.

    ``SHOP_PRICE_TYPES`` in the settings lists names or 1C ids (such as
    ``["Розничная"]``), in any letter case and spacing ("розничная" is 1C's
    «Розничная»); empty, every price type counts, the first imported first.
    """
    wanted: Sequence[str] = getattr(settings, "SHOP_PRICE_TYPES", ())
    every = list(PriceType.objects.order_by("pk"))
    if not wanted:
        return every
    rank: dict[str, int] = {}
    for index, key in enumerate(wanted):
        rank.setdefault(_price_type_key(key), index)

    def place(kind: PriceType) -> int | None:
        by_id = rank.get(_price_type_key(kind.external_id))
        return by_id if by_id is not None else rank.get(_price_type_key(kind.name))

    chosen = [kind for kind in every if place(kind) is not None]
    return sorted(chosen, key=lambda kind: place(kind) or 0)


def _price_type_key(text: str) -> str:
    """A price type's name or id as ``SHOP_PRICE_TYPES`` matches it: casefolded, spaces single."""
    return " ".join(text.split()).casefold()


def _preference(types: Sequence[PriceType]) -> Case:
    """0 for the most preferred price type, 1 for the next, and so on."""
    return Case(
        *(When(price_type_id=kind.pk, then=Value(index)) for index, kind in enumerate(types)),
        default=Value(len(types)),
        output_field=IntegerField(),
    )


def _shown_prices(types: Sequence[PriceType]) -> QuerySet[Price]:
    return (
        Price.objects.filter(price_type__in=types, value__isnull=False)
        .annotate(preference=_preference(types))
        .order_by("preference", "value")
    )


def on_sale() -> QuerySet[Product]:
    """Products shown on the site, active, not marked for deletion; ``price`` and ``currency``."""
    prices = _shown_prices(price_types()).filter(
        offer__product=OuterRef("pk"), offer__active=True, offer__deleted=False
    )
    return Product.objects.filter(published=True, active=True, deleted=False).annotate(
        price=Subquery(prices.values("value")[:1]),
        currency=Subquery(prices.values("currency")[:1]),
    )


class _Folded(Func):
    """A text as search compares it: lower case, with ё written е.

    ``REPLACE(LOWER(…), 'ё', 'е')``; on SQLite, whose LOWER() knows no
    Cyrillic, Python's ``str.casefold`` does it (``shop_fold``, see
    :func:`register_sqlite_functions`).
    """

    template = "REPLACE(LOWER(%(expressions)s), 'ё', 'е')"
    output_field = CharField()

    def as_sqlite(self, compiler, connection, **extra):
        sqlite = {"function": "shop_fold", "template": "%(function)s(%(expressions)s)"}
        return super().as_sql(compiler, connection, **sqlite, **extra)


def register_sqlite_functions(sender: object, connection: object, **kwargs: object) -> None:
    """``connection_created`` receiver: gives SQLite the ``shop_fold`` function."""
    if getattr(connection, "vendor", None) == "sqlite":
        raw = connection.connection  # type: ignore[attr-defined]
        raw.create_function("shop_fold", 1, fold, deterministic=True)


def fold(text: str | None) -> str | None:
    """``text`` as search compares it: casefolded, ё written е ("Ёлка" → "елка")."""
    return None if text is None else text.casefold().replace("ё", "е")


def _name_matches(query: str) -> tuple[dict[str, Func], Q]:
    """What finds ``query`` in a product's name: the aliases it needs, and the filter.

    Everywhere, a part of the name in any letter case and with ё or е alike
    ("ботф" finds "Ботфорты", "елка" finds "Ёлка"). On PostgreSQL also
    full-text search in the ``russian`` configuration: the words in any order
    and any form ("женских ботфортов" finds "Женские ботфорты").
    """
    folded = fold(query) or ""
    aliases: dict[str, Func] = {"folded_name": _Folded(F("name"))}
    matches = Q(folded_name__contains=folded)
    if connection.vendor == "postgresql":
        aliases["name_words"] = SearchVector(_Folded(F("name")), config="russian")
        matches |= Q(name_words=SearchQuery(folded, config="russian", search_type="websearch"))
    return aliases, matches


def products(group: Group | None = None, query: str = "", sort: str = "name") -> QuerySet[Product]:
    """Products on sale in ``group`` and its subgroups (all without one), found by ``query``.

    ``query`` matches the name (:func:`_name_matches`), or an article or
    barcode of the product or of one of its offers. ``sort`` is a key of
    :data:`SORTS`; products without a price go last.
    """
    found = on_sale()
    if group is not None:
        inside = ProductGroup.objects.filter(group__path__startswith=group.path)
        found = found.filter(pk__in=inside.values("product_id"))
    query = " ".join(query.split())
    if query:
        offers = Offer.objects.filter(active=True, deleted=False).filter(
            Q(article__iexact=query) | Q(barcode=query)
        )
        aliases, name_matches = _name_matches(query)
        found = found.alias(**aliases).filter(
            name_matches
            | Q(article__iexact=query)
            | Q(barcode=query)
            | Q(pk__in=offers.values("product_id"))
        )
    if sort == "price":
        return found.order_by(F("price").asc(nulls_last=True), "name", "pk")
    if sort == "-price":
        return found.order_by(F("price").desc(nulls_last=True), "name", "pk")
    return found.order_by("name", "pk")


# -- the group tree ---------------------------------------------------------------------


@dataclass
class GroupNode:
    """A group in the navigation: how many products on sale it holds, with its subgroups."""

    group: Group
    count: int = 0
    children: list[GroupNode] = field(default_factory=list)
    open: bool = False  # the current group or one of its ancestors
    current: bool = False


def group_tree(current: Group | None = None) -> list[GroupNode]:
    """The active groups that hold products on sale, as a tree of top-level nodes.

    A group's count is its products plus its subgroups' (one query, whatever
    the catalog's size; a product linked to two groups of a branch counts
    twice there). Only the top level and the branch down to ``current`` are
    ``open``.
    """
    groups = {group.pk: group for group in Group.objects.filter(active=True, deleted=False)}
    direct = (
        ProductGroup.objects.filter(
            group_id__in=groups,
            product__published=True,
            product__active=True,
            product__deleted=False,
        )
        .values_list("group_id")
        .annotate(products=Count("product_id"))
        .order_by()
    )
    totals: dict[int, int] = defaultdict(int)
    for group_id, count in direct:
        for ancestor in _chain(groups[group_id], groups):
            totals[ancestor.pk] += count
    nodes = {pk: GroupNode(group, totals[pk]) for pk, group in groups.items() if totals[pk]}
    if current is not None:
        for ancestor in _chain(current, groups):
            if ancestor.pk in nodes:
                nodes[ancestor.pk].open = True
        if current.pk in nodes:
            nodes[current.pk].current = True
    roots: list[GroupNode] = []
    for node in sorted(nodes.values(), key=lambda n: (n.group.position, n.group.name)):
        parent = nodes.get(node.group.parent_id or 0)
        (parent.children if parent else roots).append(node)
    return roots


def _chain(group: Group, groups: dict[int, Group]) -> list[Group]:
    """``group`` and its ancestors among ``groups``, from the path of primary keys."""
    keys = [int(key) for key in group.path.strip("/").split("/") if key]
    return [groups[key] for key in keys if key in groups] or [group]


def breadcrumbs(group: Group) -> list[Group]:
    """The groups from the top down to ``group``."""
    keys = [int(key) for key in group.path.strip("/").split("/") if key]
    found = Group.objects.in_bulk(keys)
    return [found[key] for key in keys if key in found] or [group]


def shown_group(slug: str) -> Group:
    """The active group ``slug``, or 404."""
    return get_object_or_404(Group, slug=slug, active=True, deleted=False)


# -- one product ------------------------------------------------------------------------


@dataclass
class OfferCard:
    """An offer as the product page shows it."""

    offer: Offer
    product: Product
    label: str
    details: str  # the characteristics, when 1C sent them
    price: Decimal | None
    currency: str
    quantity: Decimal
    stock: list[tuple[str, Decimal]]  # (warehouse, quantity) where the warehouse has some

    @property
    def available(self) -> bool:
        return self.price is not None and self.quantity > 0

    @property
    def title(self) -> str:
        """What a cart line is called: ``Ботфорты (39)``, ``Коврик (Цвет: синий)`` or ``Коврик``."""
        if self.label == PLAIN_OFFER:
            return self.product.name
        if self.label.startswith(self.product.name):
            return self.label
        return f"{self.product.name} ({self.label})"


@dataclass
class ProductCard:
    product: Product
    properties: list[tuple[str, str]]
    offers: list[OfferCard]

    @property
    def available(self) -> bool:
        return any(card.available for card in self.offers)

    @property
    def selected(self) -> int | None:
        """The offer chosen when the page opens: the first one that can be bought."""
        return next((card.offer.pk for card in self.offers if card.available), None)


def product_card(slug: str) -> ProductCard:
    """The product ``slug`` on sale with its properties and offers, or 404."""
    product = get_object_or_404(on_sale().select_related("base_unit"), slug=slug)
    return ProductCard(product, _properties(product), offer_cards(product))


def _properties(product: Product) -> list[tuple[str, str]]:
    values = (
        ProductPropertyValue.objects.filter(product=product)
        .select_related("property", "option")
        .order_by("position", "pk")
    )
    merged: dict[str, list[str]] = {}
    for row in values:
        if row.option is None and row.option_external_id:
            continue  # an option 1C has not sent yet: ``value`` holds its id, not its text
        text = row.option.value if row.option is not None else row.value
        if text and not row.property.deleted:
            merged.setdefault(row.property.name, []).append(text)
    return [(name, ", ".join(texts)) for name, texts in merged.items()]


def offer_cards(product: Product) -> list[OfferCard]:
    """The product's offers on sale, with their shown price and their stock."""
    offers = Offer.objects.filter(product=product).order_by("name", "pk")
    return list(cards_of(offers).values())


def cards_of(offers: QuerySet[Offer]) -> dict[int, OfferCard]:
    """Cards of those of ``offers`` on sale (of products on sale), by offer primary key."""
    listed = list(
        offers.filter(
            active=True,
            deleted=False,
            product__published=True,
            product__active=True,
            product__deleted=False,
        )
        .select_related("product", "base_unit", "product__base_unit")
        .prefetch_related("characteristics")
    )
    best: dict[int, Price] = {}
    for shown in _shown_prices(price_types()).filter(offer__in=listed):
        best.setdefault(shown.offer_id, shown)
    stock: dict[int, list[tuple[str, Decimal]]] = defaultdict(list)
    rows = Stock.objects.filter(offer__in=listed, quantity__gt=0).select_related("warehouse")
    for row in rows.order_by("warehouse__name", "pk"):
        stock[row.offer_id].append((row.warehouse.name or row.warehouse.external_id, row.quantity))
    cards = {}
    for offer in listed:
        if offer.product is None:  # excluded by the filter above; for the type checker
            continue
        price = best.get(offer.pk)
        quantity = offer.quantity
        if quantity is None:
            quantity = sum((amount for _name, amount in stock[offer.pk]), Decimal(0))
        cards[offer.pk] = OfferCard(
            offer=offer,
            product=offer.product,
            label=_offer_label(offer, offer.product),
            details=_characteristics(offer),
            price=price.value if price else None,
            currency=(price.currency if price else "") or "RUB",
            quantity=max(quantity, Decimal(0)),
            stock=stock[offer.pk],
        )
    return cards


def _offer_label(offer: Offer, product: Product) -> str:
    """The offer's own name (``Ботинки (37)``), else its characteristics, else a plain word."""
    if offer.name and offer.name != product.name:
        return offer.name
    return _characteristics(offer) or PLAIN_OFFER


def _characteristics(offer: Offer) -> str:
    """``Размер: 38, Цвет: коричневый``: the characteristics 1C sent for the offer."""
    return ", ".join(f"{c.name}: {c.value}" for c in offer.characteristics.all() if c.value)
