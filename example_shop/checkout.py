"""Checkout: the customer's form, and the order it makes in the app's models for 1C to fetch.

An order placed here is due for 1C at once (``version`` 1, ``exported_version``
0): the next ``type=sale&mode=query`` sends it, exactly as Bitrix would.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.contrib.sessions.backends.base import SessionBase
from django.db import connection, transaction
from django.utils import timezone

from cml_exchange.models import (
    Customer,
    DeliveryService,
    Order,
    OrderLine,
    OrderStatus,
    PaymentMethod,
    ProductTax,
    Storefront,
)
from cml_exchange.orders.reference import ensure_reference_lists
from example_shop.cart import CartLine
from example_shop.catalog import OfferCard

#: Status of a new order: 1C-Bitrix's «Принят».
NEW_STATUS = "N"
PICKUP = "самовывоз"


class CheckoutError(Exception):
    """The cart cannot be ordered as it is; the message says why, in Russian."""


class CheckoutForm(forms.Form):
    name = forms.CharField(label="Ф. И. О.", max_length=450)
    phone = forms.CharField(label="Телефон", max_length=64)
    email = forms.EmailField(
        label="Электронная почта",
        help_text="По ней вы найдёте заказ.",
        max_length=Customer._meta.get_field("email").max_length,  # 254; the form's own is 320
    )
    delivery = forms.ModelChoiceField(
        label="Доставка", queryset=DeliveryService.objects.none(), empty_label=None
    )
    address = forms.CharField(
        label="Адрес доставки",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Не нужен при самовывозе.",
    )
    payment = forms.ModelChoiceField(
        label="Оплата", queryset=PaymentMethod.objects.none(), empty_label=None
    )
    comment = forms.CharField(
        label="Комментарий к заказу", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    #: The cart as the page showed it (:func:`cart_terms`): the buyer agrees to exactly that.
    agreed = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        ensure_reference_lists()
        ordered = ("position", "name", "pk")
        delivery = cast(forms.ModelChoiceField, self.fields["delivery"])
        payment = cast(forms.ModelChoiceField, self.fields["payment"])
        delivery.queryset = DeliveryService.objects.filter(active=True).order_by(*ordered)
        payment.queryset = PaymentMethod.objects.filter(active=True).order_by(*ordered)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        service = data.get("delivery")
        if service is not None and PICKUP not in service.name.lower() and not data.get("address"):
            self.add_error("address", "Укажите адрес: без него курьер не найдёт вас.")
        return data


def cart_terms(lines: list[CartLine]) -> str:
    """The cart's offers, quantities, prices and currencies, as one comparable string.

    The checkout page carries it; when it differs at submission (1C changed a
    price or the stock, the cart changed in another tab) the buyer has not
    agreed to what the order would hold, and sees the new terms first.
    """
    return ";".join(
        f"{line.offer_id}x{line.quantity}@{line.card.price}{line.card.currency}"
        if line.card is not None
        else f"{line.offer_id}x{line.quantity}@-"
        for line in lines
    )


def lock_session(session: SessionBase) -> dict[str, Any]:
    """Wait until no other checkout of ``session`` is under way; its data as stored now.

    Call inside ``transaction.atomic()``, and save the session before it ends:
    a form sent twice at once (a double click, a proxy's retry) then finds its
    cart already ordered, instead of ordering it again. On PostgreSQL a
    transaction-level advisory lock keyed by the session does it; the shop's
    SQLite transactions are one at a time already (``transaction_mode`` IMMEDIATE).
    """
    if connection.vendor == "postgresql":
        name = f"example_shop.checkout:{session.session_key}".encode()
        key = int.from_bytes(hashlib.blake2b(name, digest_size=8).digest(), "big", signed=True)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])
    return type(session)(session.session_key).load()


def place_order(lines: list[CartLine], data: dict[str, Any]) -> Order:
    """Make the order of ``lines`` for the customer in ``data`` (a valid form's cleaned data).

    Raises :class:`CheckoutError` when the cart is empty or a line cannot be
    ordered (off sale, no price, more than in stock); then nothing is saved.
    """
    if not lines:
        raise CheckoutError("Корзина пуста.")
    for line in lines:
        if line.problem or line.card is None or line.card.price is None:
            name = line.card.product.name if line.card else "Товар"
            raise CheckoutError(f"{name}: {line.problem or 'нет цены'}. Исправьте корзину.")
    now = timezone.now()
    with transaction.atomic():
        customer = Customer.objects.create(
            **_name_parts(data["name"]),
            email=data["email"],
            phone=data["phone"],
            address=data.get("address", ""),
        )
        amounts = [line.amount or Decimal(0) for line in lines]
        order = Order.objects.create(
            storefront=Storefront.objects.order_by("pk").first(),
            number=f"new-{now.timestamp()}-{customer.pk}",
            created=now,
            currency=lines[0].card.currency if lines[0].card else "RUB",
            total=sum(amounts, Decimal(0)),
            customer=customer,
            status=_new_status(),
            status_changed=now,
            customer_comment=data.get("comment", ""),
            payment_method=data["payment"],
            delivery_service=data["delivery"],
            delivery_address=data.get("address", ""),
        )
        products = [line.card.product.pk for line in lines if line.card is not None]
        vat = dict(
            ProductTax.objects.filter(product__in=products, name__iexact="НДС").values_list(
                "product_id", "rate"
            )
        )
        OrderLine.objects.bulk_create(
            _line(order, position, line.card, line.quantity, vat.get(line.card.product.pk, ""))
            for position, line in enumerate(lines, start=1)
            if line.card is not None
        )
        order.number = _free_number(order.pk)
        Order.objects.filter(pk=order.pk).update(number=order.number)
    return order


def _line(order: Order, position: int, card: OfferCard, quantity: int, vat: str) -> OrderLine:
    price = card.price or Decimal(0)  # place_order let no line without a price through
    offer, product = card.offer, card.product
    unit = offer.base_unit or product.base_unit
    return OrderLine(
        order=order,
        offer=offer,
        external_id=offer.external_id,
        name=(offer.name or product.name)[:512],
        article=product.article or offer.article,
        unit_code=unit.code if unit else "796",
        unit_name=(unit.name_short or unit.name_full) if unit else "шт",
        price=price,
        quantity=Decimal(quantity),
        vat_rate=vat,
        amount=price * quantity,
        position=position,
    )


def _name_parts(name: str) -> dict[str, str]:
    """«Фамилия Имя Отчество», as 1C-Bitrix's «Ф. И. О.» field; one word is a first name."""
    words = name.split()
    if len(words) == 1:
        return {"first_name": words[0][:150]}
    return {
        "last_name": words[0][:150],
        "first_name": words[1][:150],
        "middle_name": " ".join(words[2:])[:150],
    }


def _new_status() -> OrderStatus | None:
    statuses = OrderStatus.objects.filter(active=True)
    return statuses.filter(code=NEW_STATUS).first() or statuses.order_by("position", "pk").first()


def _free_number(pk: int) -> str:
    """The order's primary key, as 1C-Bitrix numbers orders, unless 1C already used it."""
    number, suffix = str(pk), 0
    while Order.objects.filter(number=number).exclude(pk=pk).exists():
        suffix += 1
        number = f"{pk}-{suffix}"
    return number


def find_order(number: str, email: str) -> Order | None:
    """The order ``number`` if ``email`` is its customer's (in any letter case).

    None for a NUL in either: no order holds one, and PostgreSQL refuses it.
    """
    number, email = number.strip(), email.strip()
    if not number or not email or "\x00" in number + email:
        return None
    return (
        Order.objects.select_related("status", "customer", "payment_method", "delivery_service")
        .filter(number=number, customer__email__iexact=email)
        .first()
    )
