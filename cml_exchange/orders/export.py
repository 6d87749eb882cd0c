"""The app's orders as 1C-Bitrix exports them: model rows to :class:`SiteOrder`.

The selection (:func:`due_orders`) follows Bitrix's rules and the settings of
the orders tab; the mapping (:func:`site_order`) fills what 1C-Bitrix's
``CSaleExport`` writes. Orders are read in chunks, lines and references
fetched with them, so ten thousand orders never sit in memory at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import F, Prefetch, QuerySet
from django.utils import timezone

from cml_exchange.commerceml import tags as T
from cml_exchange.commerceml.entities import (
    Address,
    Contact,
    Counterparty,
    Discount,
    OrderLine,
    Representative,
    TaxRate,
    Unit,
)
from cml_exchange.commerceml.writing.orders import PIECE, SiteOrder
from cml_exchange.models import (
    Customer,
    DeliveryService,
    ExchangeSettings,
    Order,
    OrderStatus,
    PaymentMethod,
    Storefront,
)
from cml_exchange.models import OrderLine as OrderLineRow

#: Orders read from the database at a time.
CHUNK_SIZE = 500
#: The most characters of a counterparty id, as 1C-Bitrix cuts it.
COUNTERPARTY_ID_LENGTH = 40
CONTACT_EMAIL = "Почта"
CONTACT_PHONE = "ТелефонРабочий"
RELATION_CONTACT_PERSON = "Контактное лицо"
LINE_DISCOUNT = "Скидка на товар"
VAT = "НДС"


def due_orders(settings: ExchangeSettings) -> QuerySet[Order]:
    """Orders 1C has not seen in their current version, as the settings filter them.

    Orders 1C itself made are never sent back (Bitrix: ``EXTERNAL_ORDER``).
    """
    orders = Order.objects.filter(version__gt=F("exported_version"), created_by_1c=False)
    storefronts = list(settings.export_storefronts.values_list("pk", flat=True))
    if storefronts:
        orders = orders.filter(storefront__in=storefronts)
    if settings.export_paid_only:
        orders = orders.filter(paid=True)
    if settings.export_delivery_allowed_only:
        orders = orders.filter(delivery_allowed=True)
    if settings.export_from_status is not None:
        orders = orders.filter(status__position__gte=settings.export_from_status.position)
    if settings.export_since is not None:
        start = dt.datetime.combine(settings.export_since, dt.time())
        if timezone.is_naive(start) and timezone.is_aware(timezone.now()):
            start = timezone.make_aware(start)
        orders = orders.filter(created__gte=start)
    return orders.order_by("pk")


def iterate(orders: QuerySet[Order]) -> Iterator[Order]:
    """The orders with everything the document needs, fetched ``CHUNK_SIZE`` at a time.

    Statuses, payment methods, delivery services and storefronts are short
    lists read once; a line's catalog id comes as an annotation, not as two
    more model instances per line. Ten thousand orders take seconds, not tens.
    """
    lookups = _Lookups()
    login_field = f"customer__user__{get_user_model().USERNAME_FIELD}"
    lines = (
        OrderLineRow.objects.annotate(
            catalog_external_id=F("offer__catalog__external_id"),
            offer_external_id=F("offer__external_id"),
        )
        .defer("offer")
        .order_by("position", "pk")
    )
    rows = (
        orders.select_related("customer")
        .annotate(customer_login=F(login_field))
        .prefetch_related(Prefetch("lines", queryset=lines))
        .iterator(chunk_size=CHUNK_SIZE)
    )
    for order in rows:
        lookups.attach(order)
        yield order


class _Lookups:
    """The short lists an order points into, read once and attached to each order."""

    def __init__(self) -> None:
        self.statuses = {row.pk: row for row in OrderStatus.objects.all()}
        self.payments = {row.pk: row for row in PaymentMethod.objects.all()}
        self.deliveries = {row.pk: row for row in DeliveryService.objects.all()}
        self.storefronts = {row.pk: row for row in Storefront.objects.all()}

    def attach(self, order: Order) -> None:
        order.status = self.statuses.get(order.status_id) if order.status_id else None
        order.payment_method = (
            self.payments.get(order.payment_method_id) if order.payment_method_id else None
        )
        order.delivery_service = (
            self.deliveries.get(order.delivery_service_id) if order.delivery_service_id else None
        )
        order.storefront = (
            self.storefronts.get(order.storefront_id) if order.storefront_id else None
        )


def site_order(order: Order) -> SiteOrder:
    """``order`` as 1C-Bitrix describes it; the exchange adds the settings' prefix and currency."""
    status = order.status
    payment = order.payment_method
    delivery = order.delivery_service
    storefront = order.storefront
    return SiteOrder(
        id=str(order.pk),
        number=order.number,
        created=_in_local_time(order.created),
        currency=order.currency,
        total=order.total,
        version=str(order.version),
        number_1c=order.number_1c or None,
        comment=order.comment,
        customer_comment=order.customer_comment,
        customer=counterparty(order.customer, getattr(order, "customer_login", None)),
        lines=[_line(line) for line in order.lines.all()],
        delivery_name=delivery.name if delivery else None,
        delivery_id=delivery.code if delivery else None,
        delivery_price=order.delivery_price,
        delivery_address=order.delivery_address,
        delivery_allowed=order.delivery_allowed,
        delivery_allowed_at=_local(order.delivery_allowed_at),
        shipment_number=order.shipment_number_1c or None,
        shipment_date=_local(order.shipped_at),
        tracking_number=order.tracking_number or None,
        payment_name=payment.name if payment else None,
        payment_method_id=payment.code if payment else None,
        payment_operation=(
            T.OPERATION_CASH_PAYMENT if payment and payment.cash else T.OPERATION_CASHLESS_PAYMENT
        ),
        paid=order.paid,
        paid_at=_local(order.paid_at),
        payment_number=order.payment_number_1c or None,
        canceled=order.canceled,
        canceled_at=_local(order.canceled_at),
        cancel_reason=order.cancel_reason,
        status_id=status.code if status else None,
        status_name=status.name if status else None,
        final=bool(status and status.final),
        status_changed_at=_local(order.status_changed),
        site_id=storefront.code if storefront else None,
        site_name=storefront.name if storefront else None,
    )


def counterparty(customer: Customer, login: str | None = None) -> Counterparty:
    """The buyer as 1C-Bitrix writes it; its id ``USERID#LOGIN#ФИО`` (40 characters at most).

    A customer 1C already knows keeps 1C's id. One without a site account
    gets ``C<customer id>`` in place of the user id, and the e-mail for the login.
    ``login`` is the user's login when the caller has it already.
    """
    person = customer.kind == Customer.Kind.PERSON
    full_name = " ".join(
        part for part in (customer.last_name, customer.first_name, customer.middle_name) if part
    )
    name = customer.display_name
    if customer.external_id:
        identifier = customer.external_id
    else:
        if customer.user_id is not None:
            owner = str(customer.user_id)
            login = login if login is not None else customer.user.get_username()  # type: ignore[union-attr]
        else:
            owner, login = f"C{customer.pk}", customer.email
        identifier = f"{owner}#{login}#{full_name or name}"[:COUNTERPARTY_ID_LENGTH]
    address = Address(presentation=customer.address) if customer.address else None
    contacts = [
        Contact(type=kind, value=value)
        for kind, value in ((CONTACT_EMAIL, customer.email), (CONTACT_PHONE, customer.phone))
        if value
    ]
    result = Counterparty(
        id=identifier,
        name=name,
        role=T.ROLE_BUYER,
        inn=customer.inn or None,
        kpp=customer.kpp or None,
        contacts=contacts,
    )
    if person:
        result.full_name = full_name or name
        result.last_name = customer.last_name or None
        result.first_name = customer.first_name or None
        result.middle_name = customer.middle_name or None
        result.registration_address = address
    else:
        result.official_name = customer.company or name
        result.legal_address = address
        if full_name:
            result.representatives = [
                Representative(relation=RELATION_CONTACT_PERSON, name=full_name)
            ]
    return result


def _line(line: OrderLineRow) -> OrderLine:
    offer_id = getattr(line, "offer_external_id", None)
    catalog_id = getattr(line, "catalog_external_id", None)
    unit = (
        PIECE
        if line.unit_code in ("", PIECE.code)
        else Unit(code=line.unit_code, name_full=line.unit_name, name_short=line.unit_name)
    )
    return OrderLine(
        id=collapse_id(line.external_id or offer_id or str(line.pk)),
        name=line.name,
        catalog_id=catalog_id or None,
        article=line.article or None,
        unit=Unit(
            code=unit.code,
            name_full=unit.name_full,
            name_short=line.unit_name or unit.name_short,
            international_abbr=unit.international_abbr,
        ),
        price=line.price,
        quantity=line.quantity,
        amount=line.amount,
        discounts=(
            [Discount(name=LINE_DISCOUNT, amount=line.discount, included=True)]
            if line.discount > Decimal(0)
            else []
        ),
        tax_rates=[TaxRate(name=VAT, rate=line.vat_rate)] if line.vat_rate else [],
    )


def collapse_id(external_id: str) -> str:
    """``a#a`` becomes ``a``, as 1C-Bitrix writes an offer that has no characteristic."""
    product, sep, characteristic = external_id.partition("#")
    return product if sep and product == characteristic else external_id


def _in_local_time(moment: dt.datetime) -> dt.datetime:
    """1C's times are the shop's local times, written without a zone."""
    return timezone.localtime(moment) if timezone.is_aware(moment) else moment


def _local(moment: dt.datetime | None) -> dt.datetime | None:
    return None if moment is None else _in_local_time(moment)
