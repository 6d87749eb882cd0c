"""Prices and stock → Oscar's stock records, one partner per 1C warehouse.

Each offer that has an Oscar product is sold through stock records: one per
warehouse 1C gave it a stock row in (the warehouse's partner), or, when 1C
sent no rows by warehouse, one at the partner for stock without a warehouse
(``CML_EXCHANGE_OSCAR_PARTNER_NAME``), holding the offer's total. Every
record carries the price of the chosen price type
(``CML_EXCHANGE_OSCAR_PRICE_TYPE``) in its currency.

Oscar counts whole items (``num_in_stock`` is a positive integer): a
fractional quantity is rounded down, a negative one is 0. A changed
``num_in_stock`` resets ``num_allocated``, as Oscar's docs ask of a stock
feed: 1C's figure already counts the orders it has.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Collection, Mapping
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from oscar.core.loading import get_model

from cml_exchange.contrib.oscar.conf import oscar_settings
from cml_exchange.contrib.oscar.db import free_slug, say_cut
from cml_exchange.contrib.oscar.models import PartnerLink
from cml_exchange.importer import sql
from cml_exchange.importer.adapter import AdapterContext
from cml_exchange.models import Offer, Price, PriceType, Stock, Warehouse

Partner: Any = get_model("partner", "Partner")
StockRecord: Any = get_model("partner", "StockRecord")

#: The largest price Oscar keeps (``DecimalField(max_digits=12, decimal_places=2)``).
MAX_PRICE = Decimal("9999999999.99")
CENT = Decimal("0.01")
#: 1C's ways of writing a currency → ISO 4217.
CURRENCIES = {
    "руб": "RUB", "рубль": "RUB", "рублей": "RUB", "р": "RUB", "rub": "RUB", "rur": "RUB",
    "643": "RUB", "810": "RUB", "usd": "USD", "840": "USD", "$": "USD", "eur": "EUR",
    "978": "EUR", "€": "EUR", "тенге": "KZT", "kzt": "KZT", "398": "KZT", "byn": "BYN",
    "933": "BYN", "бел. руб": "BYN", "грн": "UAH", "uah": "UAH", "980": "UAH", "cny": "CNY",
    "156": "CNY", "юань": "CNY",
}  # fmt: skip
_ISO = re.compile(r"[A-Za-z]{3}")
#: The length of Oscar's ``StockRecord.partner_sku``.
_SKU_LENGTH = 128
_FIELDS = ["partner_sku", "price", "price_currency", "num_in_stock", "num_allocated"]


def currency_code(text: str) -> str | None:
    """The ISO code of 1C's currency (``"руб."`` → ``"RUB"``), or ``None`` if unknown."""
    key = text.strip().lower().rstrip(".").strip()
    if key in CURRENCIES:
        return CURRENCIES[key]
    return key.upper() if _ISO.fullmatch(key) else None


def price_types(context: AdapterContext) -> list[PriceType]:
    """The price types Oscar's prices come from, preferred first.

    The setting's (1C ids or names), or every type, those 1C declared first
    in the order they came. An offer gets the price of the first of them it
    has one in: a shop whose two catalogs use two price types sells both.
    """
    types = list(PriceType.objects.order_by("-declared", "pk"))
    wanted = oscar_settings.PRICE_TYPES
    if not wanted:
        return types
    chosen = []
    for name in wanted:
        found = [t for t in types if t.external_id == name] or [t for t in types if t.name == name]
        if not found:
            context.warn(
                "oscar_price_type",
                f"Тип цены «{name}» (CML_EXCHANGE_OSCAR_PRICE_TYPE) не найден; "
                "его цены в Oscar не записаны.",
                key=name,
            )
        chosen += [t for t in found if t not in chosen]
    return chosen


#: What an offer's stock records were made from: its prices and stock checksums.
Source = tuple[str, str]


def save_stock(context: AdapterContext, offer_pks: Collection[int]) -> dict[int, Source]:
    """Make the stock records of ``offer_pks`` say what the app's prices and stock say.

    Returns what each offer's records were made from, for the adapter to
    skip an offer whose prices and stock have not changed since.
    """
    offers = list(
        Offer.objects.filter(pk__in=offer_pks, oscar_link__isnull=False)
        .exclude(oscar_link__oscar_product__structure="parent")
        .values(
            "pk",
            "external_id",
            "quantity",
            "oscar_link__oscar_product_id",
            "prices_checksum",
            "stock_checksum",
        )
    )
    if not offers:
        return {}
    pks = [offer["pk"] for offer in offers]
    types = {t.pk: (rank, t) for rank, t in enumerate(price_types(context))}
    best: dict[int, tuple[int, Decimal | None, str]] = {}
    for offer_pk, type_pk, value, currency in Price.objects.filter(
        offer_id__in=pks, price_type_id__in=types, value__isnull=False
    ).values_list("offer_id", "price_type_id", "value", "currency"):
        rank, price_type = types[type_pk]
        if offer_pk not in best or rank < best[offer_pk][0]:
            best[offer_pk] = (rank, value, currency or price_type.currency)
    prices = {pk: _price(context, value, currency) for pk, (_, value, currency) in best.items()}
    rows: dict[int, list[tuple[int, Decimal]]] = defaultdict(list)
    for offer_pk, warehouse_pk, quantity in Stock.objects.filter(offer_id__in=pks).values_list(
        "offer_id", "warehouse_id", "quantity"
    ):
        rows[offer_pk].append((warehouse_pk, quantity))
    partners = _partners(
        context,
        {w for found in rows.values() for w, _ in found},
        need_default=any(offer["pk"] not in rows for offer in offers),
    )
    wanted: dict[tuple[int, int], dict[str, Any]] = {}
    for offer in offers:
        product = offer["oscar_link__oscar_product_id"]
        price, currency = prices.get(offer["pk"], (None, None))
        levels: list[tuple[int | None, Decimal | None]] = [*rows.get(offer["pk"], [])]
        for warehouse, level in levels or [(None, offer["quantity"])]:
            wanted[(product, partners[warehouse])] = {
                "partner_sku": str(offer["external_id"]),  # _choose_skus makes it fit
                "price": price,
                "price_currency": currency or settings.OSCAR_DEFAULT_CURRENCY,
                "num_in_stock": _count(level),
            }
    _write(context, [o["oscar_link__oscar_product_id"] for o in offers], wanted, partners)
    return {o["pk"]: (o["prices_checksum"], o["stock_checksum"]) for o in offers}


def _price(context: AdapterContext, value: Decimal | None, currency: str) -> tuple[Any, Any]:
    code = currency_code(currency) if currency else None
    if currency and code is None:
        context.warn(
            "oscar_currency",
            f"Валюта «{currency}» не распознана; в Oscar цены записаны в "
            f"{settings.OSCAR_DEFAULT_CURRENCY}.",
            key=currency,
        )
    if value is None:
        return None, code
    price = value.quantize(CENT, rounding=ROUND_HALF_UP)
    if abs(price) > MAX_PRICE:
        context.warn("oscar_price", f"Цена {value} больше, чем хранит Oscar; не записана.")
        return None, code
    return price, code


def _count(quantity: Decimal | None) -> int | None:
    if quantity is None:
        return None
    return max(0, int(quantity.to_integral_value(rounding=ROUND_FLOOR)))


#: How the shop owner calls a warehouse's name, in a warning that it was cut.
_WAREHOUSE_NAME = "Название склада"


def rename_partners(context: AdapterContext, warehouse_pks: Collection[int]) -> None:
    """Give the partners of the warehouses 1C renamed their new names."""
    names = _partner_names(context, warehouse_pks)
    renamed = [
        (partner, names[warehouse])
        for warehouse, partner, name in PartnerLink.objects.filter(
            warehouse_id__in=warehouse_pks
        ).values_list("warehouse_id", "partner_id", "partner__name")
        if name != names[warehouse][:128]
    ]
    for partner, full in renamed:  # a warehouse is renamed now and then: one by one
        say_cut(context, full, 128, _WAREHOUSE_NAME)
        Partner.objects.filter(pk=partner).update(name=full[:128])
    context.count("oscar_partners_renamed", len(renamed))


def priced_in(price_type_pks: Collection[int]) -> list[int]:
    """The offers with a price of these types: their stock records may change with the types."""
    return sorted(
        set(
            Price.objects.filter(price_type_id__in=price_type_pks).values_list(
                "offer_id", flat=True
            )
        )
    )


def _partner_names(
    context: AdapterContext, warehouse_pks: Collection[int]
) -> dict[int | None, str]:
    """``{warehouse pk: its partner's name}``: 1C's name, or its id (not yet cut to Oscar's 128)."""
    return {
        pk: name or f"Склад {external_id}"
        for pk, name, external_id in Warehouse.objects.filter(pk__in=warehouse_pks).values_list(
            "pk", "name", "external_id"
        )
    }


def _partners(
    context: AdapterContext, warehouses: set[int], *, need_default: bool
) -> dict[int | None, int]:
    """``{warehouse pk or None: partner pk}``; partners missing are made, renamed as 1C does."""
    links: dict[int | None, dict[str, Any]] = {
        row["warehouse_id"]: dict(row)
        for row in PartnerLink.objects.filter(
            Q(warehouse_id__in=warehouses) | Q(warehouse__isnull=True)
        ).values("warehouse_id", "partner_id", "partner__name")
    }
    names = _partner_names(context, warehouses)
    if need_default:
        names[None] = oscar_settings.PARTNER_NAME
    found: dict[int | None, int] = {}
    for warehouse, full in names.items():
        name = full[:128]
        link = links.get(warehouse)
        if link is None:
            say_cut(context, full, 128, _WAREHOUSE_NAME)
            partner = Partner.objects.create(name=name, code=free_slug(Partner, "code", name))
            PartnerLink.objects.create(warehouse_id=warehouse, partner=partner)
            found[warehouse] = partner.pk
            continue
        if link["partner__name"] != name and warehouse is not None:
            say_cut(context, full, 128, _WAREHOUSE_NAME)
            Partner.objects.filter(pk=link["partner_id"]).update(name=name)
        found[warehouse] = link["partner_id"]
    return found


def _write(
    context: AdapterContext,
    products: list[int],
    wanted: dict[tuple[int, int], dict[str, Any]],
    partners: dict[int | None, int],
) -> None:
    ours = PartnerLink.objects.values("partner_id")
    have = {
        (row.product_id, row.partner_id): row
        for row in StockRecord.objects.filter(product_id__in=products, partner_id__in=ours)
    }
    _choose_skus(context, wanted, have)
    now = timezone.now()
    new: list[dict[str, Any]] = []  # plain rows, inserted without model instances
    changed = []
    for (product, partner), values in wanted.items():
        row = have.get((product, partner))
        if row is None:
            new.append({"product_id": product, "partner_id": partner, **values})
            continue
        if row.num_in_stock == values["num_in_stock"]:
            values = {**values, "num_allocated": row.num_allocated}
        else:
            values = {**values, "num_allocated": None if row.num_allocated is None else 0}
        if any(getattr(row, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            row.date_updated = now
            changed.append(row)
    gone = [row.pk for pair, row in have.items() if pair not in wanted]
    if gone:
        StockRecord.objects.filter(pk__in=gone).delete()
    StockRecord.objects.bulk_update(changed, [*_FIELDS, "date_updated"])
    sql.insert(StockRecord, new)
    context.count("oscar_stockrecords_created", len(new))
    context.count("oscar_stockrecords_updated", len(changed))
    context.count("oscar_stockrecords_deleted", len(gone))


def _choose_skus(
    context: AdapterContext,
    wanted: dict[tuple[int, int], dict[str, Any]],
    have: dict[tuple[int, int], Any],
) -> None:
    """Make each wanted record's ``partner_sku`` (1C's offer id) one Oscar can keep.

    Oscar keeps a SKU of up to 128 characters, unique per partner; 1C's offer
    ids are unique per catalog (two catalogs may share one) and may be longer.
    A record whose offer id is taken at its partner, or too long, keeps the
    SKU it has, or a new one gets ``cml-<Oscar product pk>`` and the owner is
    told. Only records that are new or whose SKU would change are looked at:
    one query for them, another only for a ``cml-`` SKU that is taken too.
    """
    due = {
        pair: values
        for pair, values in wanted.items()
        if pair not in have or have[pair].partner_sku != values["partner_sku"]
    }
    if not due:
        return
    held: dict[tuple[int, str], set[int]] = defaultdict(set)
    for product, partner, sku in StockRecord.objects.filter(
        partner_id__in={partner for _, partner in due},
        partner_sku__in={values["partner_sku"] for values in due.values()}
        | {_own_sku(product) for product, _ in due},
    ).values_list("product_id", "partner_id", "partner_sku"):
        held[(partner, sku)].add(product)

    def free(product: int, partner: int, sku: str) -> bool:
        return len(sku) <= _SKU_LENGTH and not held[(partner, sku)] - {product}

    refused = {}
    for (product, partner), values in due.items():  # 1C's ids first, then the SKUs of our own
        if free(product, partner, values["partner_sku"]):
            held[(partner, values["partner_sku"])].add(product)
        else:
            refused[(product, partner)] = values
    for (product, partner), values in refused.items():
        offer_id = values["partner_sku"]
        row = have.get((product, partner))
        if row is not None and free(product, partner, row.partner_sku):
            values["partner_sku"] = row.partner_sku  # said when it was given
            continue
        sku = _own_sku(product)
        if not free(product, partner, sku):
            sku = _untaken_sku(product, partner, held)
        held[(partner, sku)].add(product)
        values["partner_sku"] = sku
        why = (
            f"длиннее {_SKU_LENGTH} символов артикула Oscar"
            if len(offer_id) > _SKU_LENGTH
            else "в Oscar уже артикул другого товара у того же поставщика"
        )
        context.warn(
            "oscar_sku",
            f"Ид предложения «{offer_id}» {why}; артикул этого предложения в Oscar: «{sku}».",
            key=f"{product}:{partner}",
        )


def _own_sku(product: int) -> str:
    return f"cml-{product}"


def _untaken_sku(product: int, partner: int, held: Mapping[tuple[int, str], set[int]]) -> str:
    """``cml-<product>-<n>``: for the rare 1C offer id that is itself ``cml-<product>``."""
    n = 2
    while True:
        sku = f"{_own_sku(product)}-{n}"
        if not held.get((partner, sku), set()) - {product} and not (
            StockRecord.objects.filter(partner_id=partner, partner_sku=sku)
            .exclude(product_id=product)
            .exists()
        ):
            return sku
        n += 1
