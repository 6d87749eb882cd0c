"""How 1C-Bitrix describes a shop's buyer and a goods line in the orders it sends 1C.

What :mod:`~cml_exchange.orders.export` reads from the database becomes
entities here: the buyer as a :class:`Counterparty` with Bitrix's id
(``USERID#LOGIN#ФИО``) and contacts, a goods line as an :class:`OrderLine`
with its unit, discount, VAT and goods requisites. The names 1C-Bitrix gives
contacts, discounts and taxes are here too, for the adapters that write the
same documents from their own models (django-oscar's).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final, NamedTuple

from cml_exchange.commerceml import tags as T
from cml_exchange.commerceml.entities import (
    Address,
    Contact,
    Counterparty,
    Discount,
    OrderLine,
    Representative,
    Requisite,
    TaxRate,
    Unit,
)
from cml_exchange.commerceml.writing.orders import PIECE
from cml_exchange.models import Customer
from cml_exchange.models.orders import customer_display_name

#: The most characters of a counterparty id, as 1C-Bitrix cuts it.
COUNTERPARTY_ID_LENGTH = 40
CONTACT_EMAIL = "Почта"
CONTACT_PHONE = "ТелефонРабочий"
RELATION_CONTACT_PERSON = "Контактное лицо"
LINE_DISCOUNT = "Скидка на товар"
VAT = "НДС"


class CustomerRow(NamedTuple):
    """A buyer's columns, read with its order: what :func:`counterparty` needs of a ``Customer``."""

    pk: int
    kind: str
    user_id: int | None
    external_id: str
    last_name: str
    first_name: str
    middle_name: str
    company: str
    inn: str
    kpp: str
    email: str
    phone: str
    address: str

    @property
    def display_name(self) -> str:
        return customer_display_name(self)


def counterparty(customer: Customer | CustomerRow, login: str | None = None) -> Counterparty:
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
            if login is None and isinstance(customer, Customer):
                login = customer.user.get_username()  # type: ignore[union-attr]
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


#: What 1C-Bitrix writes of every goods line (the document builder adds them to any line
#: without them; given here, the builder has nothing to add and shares the line).
GOODS_REQUISITES: Final = (
    Requisite(name=T.REQ_ITEM_KIND, value=T.REQ_ITEM_GOODS),
    Requisite(name=T.REQ_ITEM_TYPE, value=T.REQ_ITEM_GOODS),
)


def goods_line(
    pk: int,
    external_id: str,
    name: str,
    article: str,
    unit_code: str,
    unit_name: str,
    price: Decimal,
    quantity: Decimal,
    discount: Decimal,
    vat_rate: str,
    amount: Decimal,
    offer_id: str | None,
    catalog_id: str | None,
) -> OrderLine:
    """A row of ``export.LINE_FIELDS`` (without the order) as the line 1C-Bitrix writes."""
    unit = (
        PIECE
        if unit_code in ("", PIECE.code)
        else Unit(code=unit_code, name_full=unit_name, name_short=unit_name)
    )
    return OrderLine(
        id=collapse_id(external_id or offer_id or str(pk)),
        name=name,
        catalog_id=catalog_id or None,
        article=article or None,
        unit=Unit(
            code=unit.code,
            name_full=unit.name_full,
            name_short=unit_name or unit.name_short,
            international_abbr=unit.international_abbr,
        ),
        price=price,
        quantity=quantity,
        amount=amount,
        discounts=(
            [Discount(name=LINE_DISCOUNT, amount=discount, included=True)]
            if discount > Decimal(0)
            else []
        ),
        tax_rates=[TaxRate(name=VAT, rate=vat_rate)] if vat_rate else [],
        requisites=list(GOODS_REQUISITES),
    )


def collapse_id(external_id: str) -> str:
    """``a#a`` becomes ``a``, as 1C-Bitrix writes an offer that has no characteristic."""
    product, sep, characteristic = external_id.partition("#")
    return product if sep and product == characteristic else external_id
