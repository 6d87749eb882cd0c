"""``OscarOrderAdapter``: Oscar's orders for ``sale&mode=query``, and 1C's changes back.

Name it in the settings::

    CML_EXCHANGE_ORDER_ADAPTER = "cml_exchange.contrib.oscar.orders.OscarOrderAdapter"

Going to 1C, an Oscar order is written as 1C-Bitrix writes its orders: the
buyer (the user, or the guest's e-mail) and the shipping address, each line
with the 1C id of the offer its product was made from (the partner's SKU
for a product of the shop's own), the shipping as the delivery line, the
payment sources, the status. Versions are kept in
:class:`~cml_exchange.contrib.oscar.models.OrderState` (``receivers.py``
raises them). Of the orders tab's settings, "only paid orders" and "orders
created since" apply; storefronts, "only with delivery allowed" and "from
status" are the app's own order models' and do not.

Coming back (:mod:`~cml_exchange.contrib.oscar.order_changes`): payment and
shipment are Oscar payment and shipping events, cancellation and 1C's status
Oscar's order status.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings as django_settings
from django.db.models import F, Prefetch, Q
from oscar.core.loading import get_class, get_model

from cml_exchange import moments
from cml_exchange.commerceml import tags as T
from cml_exchange.commerceml.entities import Address, Contact, Counterparty, Discount, OrderLine
from cml_exchange.commerceml.reading.order_changes import OrderChanges
from cml_exchange.commerceml.writing.orders import PIECE, SiteOrder
from cml_exchange.contrib.oscar.models import OrderState
from cml_exchange.contrib.oscar.order_changes import apply_changes, canceled_status, is_paid
from cml_exchange.models import ExchangeSettings
from cml_exchange.orders.adapter import ListEntry, OrderAdapter, OutgoingOrder, ReferenceLists
from cml_exchange.orders.bitrix import (
    CONTACT_EMAIL,
    CONTACT_PHONE,
    COUNTERPARTY_ID_LENGTH,
    LINE_DISCOUNT,
    collapse_id,
)
from cml_exchange.orders.export import CHUNK_SIZE

Order: Any = get_model("order", "Order")
Line: Any = get_model("order", "Line")
SourceType: Any = get_model("payment", "SourceType")


class OscarOrderAdapter(OrderAdapter):
    """Oscar's orders for ``sale&mode=query``; 1C's status, payment and shipment back."""

    #: Oscar has no storefronts, no "delivery allowed" mark and no order of its
    #: statuses to start from, and 1C's own orders are not made in Oscar.
    settings_not_applied = frozenset(
        {
            "export_storefronts",
            "export_delivery_allowed_only",
            "export_from_status",
            "create_orders_from_1c",
        }
    )

    def pending(self, settings: ExchangeSettings) -> Iterator[OutgoingOrder]:
        orders = Order.objects.filter(
            Q(cml_state__isnull=True) | Q(cml_state__version__gt=F("cml_state__exported_version"))
        )
        if settings.export_since is not None:
            start = dt.datetime.combine(settings.export_since, dt.time())
            orders = orders.filter(date_placed__gte=moments.from_local(start))
        lines = Line.objects.select_related("product__cml_offer_link__offer__catalog").order_by(
            "pk"
        )
        rows = (
            orders.select_related("user", "shipping_address", "billing_address", "cml_state")
            .prefetch_related(Prefetch("lines", queryset=lines), "sources__source_type")
            .order_by("pk")
            .iterator(chunk_size=CHUNK_SIZE)
        )
        for order in rows:
            state = _state(order)
            if settings.export_paid_only and not is_paid(order, state):
                continue
            yield OutgoingOrder(key=str(order.pk), version=state.version, order=site_order(order))

    def delivered(self, sent: Sequence[tuple[str, int]]) -> None:
        keys = {int(key): version for key, version in sent if key.isdigit()}
        known = set(OrderState.objects.filter(order_id__in=keys).values_list("order_id", flat=True))
        OrderState.objects.bulk_create(
            [
                OrderState(order_id=pk, version=version, exported_version=version)
                for pk, version in keys.items()
                if pk not in known and Order.objects.filter(pk=pk).exists()
            ],
            ignore_conflicts=True,
        )
        for pk, version in keys.items():
            OrderState.objects.filter(order_id=pk, exported_version__lt=version).update(
                exported_version=version
            )

    def apply(self, changes: OrderChanges, settings: ExchangeSettings) -> list[str]:
        return apply_changes(changes, settings)

    def reference(self) -> ReferenceLists:
        statuses = list(getattr(django_settings, "OSCAR_ORDER_STATUS_PIPELINE", {}))
        repository = get_class("shipping.repository", "Repository")()
        methods = getattr(repository, "methods", ())
        return ReferenceLists(
            statuses=[ListEntry(id=status, name=status) for status in statuses],
            payment_systems=[
                ListEntry(id=row.code, name=row.name) for row in SourceType.objects.order_by("name")
            ],
            delivery_services=[ListEntry(id=m.code, name=str(m.name)) for m in methods],
        )


def _state(order: Any) -> OrderState:
    try:
        state: OrderState = order.cml_state
    except OrderState.DoesNotExist:
        state = OrderState(order=order)
    return state


def site_order(order: Any) -> SiteOrder:
    """An Oscar order as 1C-Bitrix describes its orders."""
    state = _state(order)
    sources = list(order.sources.all())
    pipeline = getattr(django_settings, "OSCAR_ORDER_STATUS_PIPELINE", {})
    address = order.shipping_address
    canceled = bool(order.status) and order.status == canceled_status()
    return SiteOrder(
        id=str(order.pk),
        number=str(order.number),
        created=moments.shown(order.date_placed),
        currency=order.currency,
        total=order.total_incl_tax,
        version=str(state.version),
        number_1c=state.number_1c or None,
        customer=counterparty(order),
        lines=[_line(line) for line in order.lines.all()],
        delivery_name=order.shipping_method or None,
        delivery_id=order.shipping_code or None,
        delivery_price=order.shipping_incl_tax,
        delivery_address=address.summary if address is not None else None,
        delivery_allowed=state.shipped_at is not None,
        delivery_allowed_at=_local(state.shipped_at),
        shipment_number=state.shipment_number_1c or None,
        shipment_date=_local(state.shipped_at),
        tracking_number=state.tracking_number or None,
        payment_name=sources[0].source_type.name if sources else None,
        payment_method_id=sources[0].source_type.code if sources else None,
        paid=is_paid(order, state),
        paid_at=_local(state.paid_at),
        payment_number=state.payment_number_1c or None,
        canceled=canceled,
        canceled_at=_local(state.canceled_at) if canceled else None,
        cancel_reason=state.cancel_reason or None if canceled else None,
        status_id=order.status or None,
        status_name=order.status or None,
        final=bool(order.status) and order.status in pipeline and not pipeline[order.status],
    )


def counterparty(order: Any) -> Counterparty:
    """The buyer: ``USERID#LOGIN#ФИО`` as 1C-Bitrix writes it (``0#e-mail#…`` for a guest)."""
    user = order.user
    address = order.shipping_address or order.billing_address
    first = (user.first_name if user else "") or (address.first_name if address else "")
    last = (user.last_name if user else "") or (address.last_name if address else "")
    full_name = " ".join(part for part in (last, first) if part)
    email = order.email or ""
    if user is not None:
        identifier = f"{user.pk}#{user.get_username()}#{full_name}"
    else:
        identifier = f"0#{email}#{full_name}"
    phone = str(address.phone_number) if address is not None and address.phone_number else ""
    contacts = [
        Contact(type=kind, value=value)
        for kind, value in ((CONTACT_EMAIL, email), (CONTACT_PHONE, phone))
        if value
    ]
    name = full_name or email or f"Заказ {order.number}"
    return Counterparty(
        id=identifier[:COUNTERPARTY_ID_LENGTH],
        name=name,
        role=T.ROLE_BUYER,
        full_name=name,
        last_name=last or None,
        first_name=first or None,
        registration_address=Address(presentation=address.summary) if address else None,
        contacts=contacts,
    )


def _line(line: Any) -> OrderLine:
    offer = _offer_of(line)
    discount = line.line_price_before_discounts_incl_tax - line.line_price_incl_tax
    return OrderLine(
        id=collapse_id(offer.external_id) if offer is not None else line.partner_sku,
        name=line.title,
        catalog_id=offer.catalog.external_id if offer is not None else None,
        article=(offer.article or None) if offer is not None else None,
        unit=PIECE,
        price=line.unit_price_incl_tax
        if line.unit_price_incl_tax is not None
        else line.line_price_incl_tax / line.quantity,
        quantity=Decimal(line.quantity),
        amount=line.line_price_incl_tax,
        discounts=(
            [Discount(name=LINE_DISCOUNT, amount=discount, included=True)]
            if discount > Decimal(0)
            else []
        ),
    )


def _offer_of(line: Any) -> Any:
    product = line.product
    if product is None:
        return None
    link = getattr(product, "cml_offer_link", None)
    return link.offer if link is not None else None


def _local(moment: dt.datetime | None) -> dt.datetime | None:
    return None if moment is None else moments.shown(moment)
