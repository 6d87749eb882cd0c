"""The storefront's pages: queries are in ``catalog``, the cart in ``cart``, orders ``checkout``."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.views.decorators.http import require_POST

from cml_exchange.models import Group, Offer, Order
from example_shop import catalog
from example_shop.cart import SESSION_KEY, Cart
from example_shop.checkout import (
    CheckoutError,
    CheckoutForm,
    cart_terms,
    find_order,
    lock_session,
    place_order,
)

PLACED_KEY = "placed_orders"
#: The storefront's language: its pages are written in it, whatever the browser asks for.
SHOP_LANGUAGE = "ru"


def in_russian(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """``view`` run in :data:`SHOP_LANGUAGE`: its dates and its forms' errors too.

    LocaleMiddleware serves the admin in the browser's language; the
    storefront's own text is Russian only, so a date or a form error in the
    browser's language would read "Заказ №1 от 8 December 2026".
    """

    @functools.wraps(view)
    def in_language(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        with translation.override(SHOP_LANGUAGE):
            return view(request, *args, **kwargs)

    return in_language


def _page_size() -> int:
    return int(getattr(settings, "SHOP_PAGE_SIZE", 24))


def home(request: HttpRequest) -> HttpResponse:
    """Top-level groups, and the first products on sale."""
    return _listing(request, None, "example_shop/home.html")


def group(request: HttpRequest, slug: str) -> HttpResponse:
    return _listing(request, catalog.shown_group(slug), "example_shop/product_list.html")


def search(request: HttpRequest) -> HttpResponse:
    return _listing(request, None, "example_shop/product_list.html", searching=True)


def _listing(
    request: HttpRequest, current: Group | None, template: str, *, searching: bool = False
) -> HttpResponse:
    # A NUL (scanners send them) is no part of a name, and PostgreSQL refuses it in a query.
    query = request.GET.get("q", "").replace("\x00", "").strip() if searching else ""
    sort = request.GET.get("sort", "name")
    if sort not in catalog.SORTS:
        sort = "name"
    found = catalog.products(current, query, sort).prefetch_related("images")
    page = Paginator(found, _page_size()).get_page(request.GET.get("page"))
    return render(
        request,
        template,
        {
            "tree": catalog.group_tree(current),
            "group": current,
            "breadcrumbs": catalog.breadcrumbs(current) if current else [],
            "page": page,
            "query": query,
            "searching": searching,
            "sort": sort,
            "sorts": catalog.SORTS,
        },
    )


def product(request: HttpRequest, slug: str) -> HttpResponse:
    card = catalog.product_card(slug)
    first_group = card.product.groups.filter(active=True).order_by("path").first()
    return render(
        request,
        "example_shop/product_detail.html",
        {
            "card": card,
            "images": list(card.product.images.all()),
            "tree": catalog.group_tree(first_group),
            "breadcrumbs": catalog.breadcrumbs(first_group) if first_group else [],
        },
    )


@require_POST
def cart_add(request: HttpRequest) -> HttpResponse:
    cart = Cart(request.session)
    offer_id = _int(request.POST.get("offer")) or 0
    card = catalog.cards_of(Offer.objects.filter(pk=offer_id)).get(offer_id)
    if card is None or not card.available:
        messages.error(request, "Этого предложения нет в наличии.")
        offer = Offer.objects.filter(pk=offer_id).select_related("product").first()
        if offer is not None and offer.product is not None:
            return redirect("shop:product", slug=offer.product.slug)
        return redirect("shop:home")
    cart.add(card.offer.pk, max(1, _int(request.POST.get("quantity")) or 1))
    messages.success(request, f"«{card.product.name}» в корзине.")
    return redirect("shop:cart")


def cart_view(request: HttpRequest) -> HttpResponse:
    cart = Cart(request.session)
    if request.method == "POST":
        for key, value in request.POST.items():
            if key.startswith("quantity-"):
                cart.set(_int(key.removeprefix("quantity-")) or 0, _int(value) or 0)
        if "remove" in request.POST:
            cart.set(_int(request.POST["remove"]) or 0, 0)
        return redirect("shop:cart")
    lines = cart.lines()
    return render(
        request,
        "example_shop/cart.html",
        {
            "lines": lines,
            "total": Cart.total(lines),
            "currency": Cart.currency(lines),
            "orderable": not any(line.problem for line in lines),
        },
    )


def checkout(request: HttpRequest) -> HttpResponse:
    cart = Cart(request.session)
    lines = cart.lines()
    if not lines:
        return redirect("shop:cart")
    if any(line.problem for line in lines):  # 1C took something off sale since the cart
        messages.error(request, "В корзине есть то, что сейчас не купить. Исправьте корзину.")
        return redirect("shop:cart")
    terms = cart_terms(lines)
    form = CheckoutForm(request.POST or None, initial={"agreed": terms})
    if request.method == "POST" and form.is_valid() and form.cleaned_data["agreed"] != terms:
        messages.error(
            request,
            "Пока вы оформляли заказ, цены или наличие изменились. "
            "Проверьте заказ и подтвердите его снова.",
        )
        changed = request.POST.copy()
        changed["agreed"] = terms
        form = CheckoutForm(changed)
    elif request.method == "POST" and form.is_valid():
        with transaction.atomic():
            stored = lock_session(request.session)
            if stored.get(SESSION_KEY) != cart.items:  # the same form, sent again, ordered it
                ordered = stored.get(PLACED_KEY) or []
                if ordered:
                    return redirect("shop:placed", number=ordered[-1])
                return redirect("shop:cart")
            try:
                order = place_order(lines, form.cleaned_data)
            except CheckoutError as error:
                messages.error(request, str(error))
                return redirect("shop:cart")
            cart.clear()
            placed = [*request.session.get(PLACED_KEY, []), order.number][-20:]
            request.session[PLACED_KEY] = placed
            request.session.save()  # under the lock: a form sent again sees the cart ordered
        return redirect("shop:placed", number=order.number)
    return render(
        request,
        "example_shop/checkout.html",
        {
            "form": form,
            "lines": lines,
            "total": Cart.total(lines),
            "currency": Cart.currency(lines),
        },
    )


def placed(request: HttpRequest, number: str) -> HttpResponse:
    """The confirmation, for the session that placed the order only."""
    if number not in request.session.get(PLACED_KEY, []):
        raise Http404("Заказ не найден.")
    order = get_object_or_404(Order.objects.select_related("customer", "status"), number=number)
    return render(request, "example_shop/placed.html", {"order": order})


def order_status(request: HttpRequest) -> HttpResponse:
    """Find an order by its number and the customer's email; show where it is."""
    number = request.GET.get("number", "")
    email = request.GET.get("email", "")
    order = find_order(number, email) if number or email else None
    return render(
        request,
        "example_shop/order_status.html",
        {
            "order": order,
            "status": buyer_status(order) if order else "",
            "lines": list(order.lines.order_by("position", "pk")) if order else [],
            "number": number,
            "email": email,
            "asked": bool(number or email),
        },
    )


#: Words of a status name that say the order is not paid yet ("Принят, ожидается оплата").
_UNPAID = ("ожида", "ждет", "ждёт", "не оплач", "неоплач", "к оплате")


def buyer_status(order: Order) -> str:
    """The order's status as its buyer reads it, beside the page's own line on payment.

    A status name may speak of payment, as 1C-Bitrix's do ("Принят, ожидается
    оплата", "Оплачен, формируется к отправке"), while the payment itself is
    told by the order's ``paid``: 1C may pay an order without changing its
    status, or return the money of one in "Оплачен…". So the parts of the
    name (between commas) that say otherwise than ``paid`` are left out:
    "Принят" for a paid order in "Принят, ожидается оплата", "Формируется к
    отправке" for a refunded one in "Оплачен, формируется к отправке". A
    canceled order is "Отменён"; one without a status (or with nothing left
    of it) "Принят".
    """
    if order.canceled:
        return "Отменён"
    name = order.status.name if order.status else ""
    kept = [part.strip() for part in re.split(r"[,;]", name) if part.strip()]
    kept = [part for part in kept if not _contradicts(part.casefold(), paid=order.paid)]
    text = ", ".join(kept) or "Принят"
    return text[:1].upper() + text[1:]


def _contradicts(part: str, *, paid: bool) -> bool:
    """Whether a part of a status name (casefolded) says otherwise of payment than ``paid``."""
    if "оплат" not in part and "оплач" not in part:
        return False
    says_unpaid = any(word in part for word in _UNPAID)
    return says_unpaid if paid else not says_unpaid


def _int(value: object) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None
