"""Orders: what customers bought, what 1C did with it, and which version 1C has seen."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cml_exchange.models.base import DECIMAL_PLACES, EXTERNAL_ID_LENGTH, MAX_DIGITS
from cml_exchange.models.offers import Offer

#: An order whose current version 1C has not confirmed, and that 1C did not make itself.
DUE_FOR_1C = Q(version__gt=F("exported_version"), created_by_1c=False)


class Storefront(models.Model):
    """A shop (Bitrix's "site", ``s1``) whose orders may go to 1C."""

    code = models.CharField(_("code"), max_length=32, unique=True, help_text=_("For example s1."))
    name = models.CharField(_("name"), max_length=255)

    class Meta:
        verbose_name = _("storefront")
        verbose_name_plural = _("storefronts")

    def __str__(self) -> str:
        return self.name


class _Listed(models.Model):
    """An admin-edited list entry with the id 1C knows it by."""

    code = models.CharField(
        _("id in 1C"),
        max_length=64,
        unique=True,
        help_text=_("The id 1C knows it by (for a status, a letter such as N, P or F)."),
    )
    name = models.CharField(_("name"), max_length=255)
    position = models.PositiveIntegerField(_("position"), default=100)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        abstract = True
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class OrderStatus(_Listed):
    """An order status. ``position`` orders them: "export from status X on" uses it."""

    final = models.BooleanField(_("final"), default=False)

    class Meta(_Listed.Meta):
        verbose_name = _("order status")
        verbose_name_plural = _("order statuses")


class PaymentMethod(_Listed):
    """A payment method; ``cash`` decides the kind of 2.10 payment document."""

    cash = models.BooleanField(_("cash"), default=False)

    class Meta(_Listed.Meta):
        verbose_name = _("payment method")
        verbose_name_plural = _("payment methods")


class DeliveryService(_Listed):
    class Meta(_Listed.Meta):
        verbose_name = _("delivery service")
        verbose_name_plural = _("delivery services")


class Customer(models.Model):
    """Who ordered: a person or a company."""

    class Kind(models.TextChoices):
        PERSON = "person", _("person")
        COMPANY = "company", _("company")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.PERSON)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    external_id = models.CharField(_("1C id"), max_length=EXTERNAL_ID_LENGTH, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    middle_name = models.CharField(_("middle name"), max_length=150, blank=True)
    company = models.CharField(_("company"), max_length=500, blank=True)
    inn = models.CharField(_("INN"), max_length=12, blank=True)
    kpp = models.CharField(_("KPP"), max_length=9, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=64, blank=True)
    address = models.TextField(_("address"), blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return customer_display_name(self)


def customer_display_name(customer: Any) -> str:
    """A buyer's name: the company's, else the person's, the e-mail, the phone or ``#id``.

    ``customer`` is a :class:`Customer` or anything with its fields (the
    orders export reads them as a row).
    """
    if customer.kind == Customer.Kind.COMPANY and customer.company:
        return str(customer.company)
    names = (customer.last_name, customer.first_name, customer.middle_name)
    return " ".join(part for part in names if part) or (
        customer.email or customer.phone or f"#{customer.pk}"
    )


class Order(models.Model):
    """An order of the shop, and what 1C knows of it.

    ``version`` rises on every change (the order's ``save()``, or a change of
    its lines); ``exported_version`` is the last version 1C confirmed with
    ``mode=success``. An order is due for 1C while ``version >
    exported_version``. A change 1C itself made is saved with
    ``from_1c=True`` and counts as seen by 1C.
    """

    storefront = models.ForeignKey(
        Storefront,
        verbose_name=_("storefront"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="orders",
    )
    number = models.CharField(_("number"), max_length=64, unique=True)
    created = models.DateTimeField(_("date"), default=timezone.now, db_index=True)
    currency = models.CharField(_("currency"), max_length=16, default="RUB")
    total = models.DecimalField(
        _("total"), max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES, default=0
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="orders"
    )
    status = models.ForeignKey(
        OrderStatus,
        verbose_name=_("status"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="orders",
    )
    status_changed = models.DateTimeField(_("status changed"), null=True, blank=True)
    comment = models.TextField(_("manager's comment"), blank=True)
    customer_comment = models.TextField(_("customer's comment"), blank=True)
    payment_method = models.ForeignKey(
        PaymentMethod,
        verbose_name=_("payment method"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    paid = models.BooleanField(_("paid"), default=False)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    payment_number_1c = models.CharField(_("payment document in 1C"), max_length=64, blank=True)
    refunded = models.BooleanField(
        _("payment refunded"),
        default=False,
        help_text=_("1C returned the payment to the buyer (ПризнакВозврата)."),
    )
    refunded_at = models.DateTimeField(_("refunded at"), null=True, blank=True)
    refund_reason = models.TextField(_("refund reason"), blank=True)
    delivery_service = models.ForeignKey(
        DeliveryService,
        verbose_name=_("delivery service"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    delivery_price = models.DecimalField(
        _("delivery price"), max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES, default=0
    )
    delivery_address = models.TextField(_("delivery address"), blank=True)
    delivery_allowed = models.BooleanField(_("delivery allowed"), default=False)
    delivery_allowed_at = models.DateTimeField(_("delivery allowed at"), null=True, blank=True)
    shipment_number_1c = models.CharField(_("shipment document in 1C"), max_length=64, blank=True)
    shipped_at = models.DateTimeField(_("shipped at"), null=True, blank=True)
    tracking_number = models.CharField(
        _("tracking number"),
        max_length=255,
        blank=True,
        help_text=_("The carrier's number of the parcel, from 1C (Идентификатор отправления)."),
    )
    canceled = models.BooleanField(_("canceled"), default=False)
    canceled_at = models.DateTimeField(_("canceled at"), null=True, blank=True)
    cancel_reason = models.TextField(_("cancellation reason"), blank=True)
    external_id = models.CharField(
        _("1C id"), max_length=EXTERNAL_ID_LENGTH, blank=True, db_index=True
    )
    number_1c = models.CharField(_("number in 1C"), max_length=64, blank=True)
    date_1c = models.DateField(_("date in 1C"), null=True, blank=True)
    posted_1c = models.BooleanField(_("posted in 1C"), null=True, blank=True)
    version_1c = models.CharField(
        _("version in 1C"),
        max_length=64,
        blank=True,
        help_text=_("1C's НомерВерсии of the order: a document with the same one is skipped."),
    )
    created_by_1c = models.BooleanField(
        _("created by 1C"), default=False, help_text=_("Orders 1C made are not sent back to it.")
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    exported_version = models.PositiveIntegerField(_("version 1C has"), default=0)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-created"]
        indexes = [
            # The orders due for 1C, in the order the query sends them: every poll by
            # 1C reads them, and a shop's years of orders are not due.
            models.Index(fields=["id"], condition=DUE_FOR_1C, name="cml_order_due"),
        ]

    def __str__(self) -> str:
        return str(_("Order %(number)s") % {"number": self.number})

    def save(self, *args: Any, from_1c: bool = False, **kwargs: Any) -> None:
        """Save, raising ``version``.

        With ``from_1c`` the change is one 1C made, so 1C need not hear of
        it: the new version counts as exported, unless the order already had
        changes 1C had not seen, which then still go to 1C.
        """
        if self.pk is None or kwargs.get("force_insert"):
            if from_1c:
                self.exported_version = self.version
            super().save(*args, **kwargs)
            return
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], *_VERSION_FIELDS}
        if not from_1c:
            self.version = F("version") + 1
            super().save(*args, **kwargs)
            self.refresh_from_db(fields=["version", "exported_version"])
            return
        with transaction.atomic(using=kwargs.get("using")):
            current = (
                Order.objects.select_for_update()
                .filter(pk=self.pk)
                .values_list("version", "exported_version")
                .first()
            )
            if current is not None:
                version, exported = current
                self.version = version + 1
                self.exported_version = self.version if exported >= version else exported
            super().save(*args, **kwargs)

    @property
    def due_for_1c(self) -> bool:
        return self.version > self.exported_version


_VERSION_FIELDS = ("version", "exported_version", "updated")


class OrderLine(models.Model):
    """A line of an order: an offer by its 1C id, how many, at what price."""

    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="lines"
    )
    offer = models.ForeignKey(
        Offer,
        verbose_name=_("offer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    external_id = models.CharField(
        _("1C id of the product or offer"), max_length=EXTERNAL_ID_LENGTH, blank=True
    )
    name = models.CharField(_("name"), max_length=512)
    article = models.CharField(_("article"), max_length=255, blank=True)
    unit_code = models.CharField(_("unit code"), max_length=32, blank=True, default="796")
    unit_name = models.CharField(_("unit"), max_length=64, blank=True, default="шт")
    price = models.DecimalField(_("price"), max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES)
    quantity = models.DecimalField(
        _("quantity"), max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES, default=1
    )
    discount = models.DecimalField(
        _("discount"), max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES, default=0
    )
    vat_rate = models.CharField(_("VAT rate"), max_length=16, blank=True)
    amount = models.DecimalField(_("sum"), max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["order", "position", "pk"]

    def __str__(self) -> str:
        return f"{self.name} × {self.quantity}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Save the line; the order's version rises, so the change goes to 1C.

        Bulk queryset operations (``update()``, ``bulk_create()``) do not
        raise it: whoever uses them saves the order afterwards.
        """
        super().save(*args, **kwargs)
        _touch(self.order_id)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        order_id = self.order_id
        result = super().delete(*args, **kwargs)
        _touch(order_id)
        return result


def _touch(order_id: int) -> None:
    Order.objects.filter(pk=order_id).update(version=F("version") + 1, updated=timezone.now())


class OrderExport(models.Model):
    """Which version of which order a ``mode=query`` sent, for its ``mode=success``.

    ``batch`` numbers the queries of one exchange session; ``success``
    confirms the versions of the last one and stamps ``confirmed``. The key is a string so that an
    adapter with its own order models can use its own ids.
    """

    session = models.ForeignKey(
        "cml_exchange.ExchangeSession", on_delete=models.CASCADE, related_name="order_exports"
    )
    batch = models.PositiveIntegerField()
    order_key = models.CharField(max_length=64)
    version = models.PositiveIntegerField()
    created = models.DateTimeField(auto_now_add=True)
    confirmed = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("order sent to 1C")
        verbose_name_plural = _("orders sent to 1C")
        indexes = [models.Index(fields=["session", "batch"])]

    def __str__(self) -> str:
        return f"{self.order_key} v{self.version}"
