"""Cart, checkout and the order status page: a buyer's order lands in the app's models for 1C."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.test import Client

from cml_exchange.models import (
    DeliveryService,
    Offer,
    Order,
    OrderStatus,
    PaymentMethod,
    Price,
    PriceType,
    Product,
    ProductTax,
)

BOOTS = "Женские ботфорты коричневые"
BUYER = {
    "name": "Соколова Анна Петровна",
    "phone": "+7 916 000-11-22",
    "email": "Anna.Sokolova@example.ru",
    "address": "Москва, ул. Лесная, д. 5, кв. 12",
    "comment": "Позвоните за час",
}


def boots_offers() -> list[Offer]:
    return list(Offer.objects.filter(product__name=BOOTS).order_by("name"))


def add(client: Client, offer: Offer, quantity: int = 1) -> None:
    response = client.post("/cart/add/", {"offer": offer.pk, "quantity": quantity})
    assert response.status_code == 302 and response["Location"] == "/cart/"


def checkout(client: Client, **changes: Any) -> Any:
    courier = DeliveryService.objects.get(name="Курьер")
    card = PaymentMethod.objects.get(name="Банковская карта")
    page = client.get("/checkout/")  # the cart's terms, as the buyer agrees to them
    agreed = page.context["form"]["agreed"].value() if page.status_code == 200 else ""
    form = {**BUYER, "delivery": courier.pk, "payment": card.pk, "agreed": agreed, **changes}
    return client.post("/checkout/", form)


def test_the_cart_adds_changes_and_removes(demo: str, client: Client) -> None:
    size_38, size_39 = boots_offers()
    add(client, size_38)
    add(client, size_38, 2)
    add(client, size_39)
    html = client.get("/cart/").content.decode()
    assert "Корзина (4)" in html
    assert 'Итого: <span id="cart-total">6\u00a0653\u00a0₽</span>' in html  # 3 × 1719 + 1496
    client.post("/cart/", {f"quantity-{size_38.pk}": "1", f"quantity-{size_39.pk}": "2"})
    assert client.session["cart"] == {str(size_38.pk): 1, str(size_39.pk): 2}
    client.post("/cart/", {"remove": size_39.pk, f"quantity-{size_39.pk}": "2"})
    assert client.session["cart"] == {str(size_38.pk): 1}
    client.post("/cart/", {f"quantity-{size_38.pk}": "0"})
    assert "Корзина пуста" in client.get("/cart/").content.decode()


def test_more_than_in_stock_cannot_be_ordered(demo: str, client: Client) -> None:
    size_38, _ = boots_offers()  # 20 in stock
    add(client, size_38, 25)
    html = client.get("/cart/").content.decode()
    assert "В наличии только 20" in html
    assert 'id="checkout"' not in html
    response = checkout(client)
    assert response.status_code == 302 and response["Location"] == "/cart/"
    assert not Order.objects.exists()


def test_an_order_placed_goes_to_the_models_due_for_1c(demo: str, client: Client) -> None:
    size_38, size_39 = boots_offers()
    add(client, size_38, 2)
    add(client, size_39)
    assert client.get("/checkout/").status_code == 200
    response = checkout(client)
    order = Order.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/checkout/done/{order.number}/"
    assert order.number == str(order.pk)  # as 1C-Bitrix numbers orders
    assert order.due_for_1c and order.exported_version == 0
    assert order.status == OrderStatus.objects.get(code="N")
    assert order.total == Decimal("1719") * 2 + Decimal("1496")
    assert (order.customer.last_name, order.customer.first_name) == ("Соколова", "Анна")
    assert order.customer.middle_name == "Петровна"
    assert order.customer.email == BUYER["email"] and order.customer.phone == BUYER["phone"]
    assert (
        order.delivery_address == BUYER["address"] and order.customer_comment == "Позвоните за час"
    )
    assert (order.delivery_service.name, order.payment_method.name) == (  # type: ignore[union-attr]
        "Курьер",
        "Банковская карта",
    )
    lines = list(order.lines.order_by("position"))
    assert [(line.external_id, line.quantity, line.price) for line in lines] == [
        (size_38.external_id, 2, Decimal("1719")),
        (size_39.external_id, 1, Decimal("1496")),
    ]
    assert all(line.unit_name and line.article == "Б-130001" for line in lines)
    assert client.session.get("cart") == {}
    done = client.get(response["Location"]).content.decode()
    assert f'Заказ №<span id="order-number">{order.number}</span> оформлен' in done
    # the confirmation belongs to the session that placed the order
    assert Client().get(response["Location"]).status_code == 404


def test_the_address_is_needed_for_a_courier_only(demo: str, client: Client) -> None:
    size_38, _ = boots_offers()
    add(client, size_38)
    refused = checkout(client, address="")
    assert refused.status_code == 200
    assert "Укажите адрес" in refused.content.decode()
    assert not Order.objects.exists()
    pickup = DeliveryService.objects.get(name="Самовывоз")
    assert checkout(client, address="", delivery=pickup.pk).status_code == 302
    assert Order.objects.get().delivery_service == pickup


def test_checkout_with_an_empty_cart_goes_back_to_it(demo: str, client: Client) -> None:
    response = client.get("/checkout/")
    assert response.status_code == 302 and response["Location"] == "/cart/"


def test_an_offer_taken_off_sale_after_adding_stops_the_order(demo: str, client: Client) -> None:
    size_38, _ = boots_offers()
    add(client, size_38)
    Offer.objects.filter(pk=size_38.pk).update(active=False)
    cart = client.get("/cart/").content.decode()
    assert "Нет в наличии" in cart
    assert "«Женские ботфорты коричневые (38)» снят с продажи" in cart  # which one it was
    # The checkout page, reloaded or opened by its address, sends the buyer to the cart.
    page = client.get("/checkout/", follow=True)
    assert page.redirect_chain == [("/cart/", 302)]
    assert "Исправьте корзину" in page.content.decode()
    response = checkout(client)
    assert response.status_code == 302 and response["Location"] == "/cart/"
    assert not Order.objects.exists()


def test_the_status_page_finds_an_order_by_number_and_email(demo: str, client: Client) -> None:
    size_38, _ = boots_offers()
    add(client, size_38)
    checkout(client)
    order = Order.objects.get()
    stranger = Client()
    found = stranger.get(
        "/order-status/", {"number": order.number, "email": BUYER["email"].upper()}
    ).content.decode()
    assert f"Заказ №{order.number}" in found
    new = OrderStatus.objects.get(code="N").name  # «Принят, ожидается оплата», as in Bitrix
    assert f'id="order-status">{new}<' in found
    assert "Не оплачен" in found and "Ещё не отгружен" in found
    assert "Женские ботфорты коричневые (38)" in found
    wrong = stranger.get("/order-status/", {"number": order.number, "email": "x@example.ru"})
    assert "не найден" in wrong.content.decode()
    assert "Женские ботфорты" not in wrong.content.decode()


def test_the_status_page_shows_what_1c_changed(demo: str, client: Client) -> None:
    size_38, _ = boots_offers()
    add(client, size_38)
    checkout(client)
    order = Order.objects.get()
    order.status = OrderStatus.objects.get(code="F")
    order.paid = True
    order.delivery_allowed = True
    order.number_1c = "ЗК-000123"
    order.save(from_1c=True)
    html = client.get(
        "/order-status/", {"number": order.number, "email": BUYER["email"]}
    ).content.decode()
    assert f'id="order-status">{OrderStatus.objects.get(code="F").name}<' in html
    assert "Оплачен" in html and "Доставка разрешена" in html and "ЗК-000123" in html
    Product.objects.update(
        active=False
    )  # the order stays readable when its goods leave the catalog
    assert (
        "Женские ботфорты коричневые (38)"
        in client.get(
            "/order-status/", {"number": order.number, "email": BUYER["email"]}
        ).content.decode()
    )


def test_the_vat_rate_1c_sent_goes_into_the_order_line(demo: str, client: Client) -> None:
    taxed = ProductTax.objects.filter(name="НДС").select_related("product").first()
    assert taxed is not None  # the mats carry СтавкиНалогов
    offer = Offer.objects.filter(product=taxed.product, quantity__gt=0).first()
    assert offer is not None
    add(client, offer)
    checkout(client)
    (line,) = Order.objects.get().lines.all()
    assert line.vat_rate == taxed.rate != ""


def test_a_price_changed_after_the_checkout_page_is_agreed_to_first(
    demo: str, client: Client
) -> None:
    size_38, _ = boots_offers()
    add(client, size_38)
    seen = client.get("/checkout/").context["form"]["agreed"].value()
    Price.objects.filter(offer=size_38).update(value=Decimal("1999"))  # 1C's new price
    courier = DeliveryService.objects.get(name="Курьер")
    card = PaymentMethod.objects.get(name="Банковская карта")
    form = {**BUYER, "delivery": courier.pk, "payment": card.pk, "agreed": seen}
    shown = client.post("/checkout/", form)
    assert shown.status_code == 200
    assert "цены или наличие изменились" in shown.content.decode()
    assert "Итого: 1\u00a0999\u00a0₽" in shown.content.decode()
    assert not Order.objects.exists()
    agreed = client.post("/checkout/", {**form, "agreed": shown.context["form"]["agreed"].value()})
    assert agreed.status_code == 302
    assert Order.objects.get().total == Decimal("1999")


def test_an_email_longer_than_the_customer_holds_is_refused_in_the_form(
    demo: str, client: Client
) -> None:
    """320 characters pass Django's form field; the customer's column holds 254."""
    size_38, _ = boots_offers()
    add(client, size_38)
    email = f"{'a' * 60}@{'b' * 60}.{'c' * 60}.{'d' * 60}.{'e' * 50}.ru"
    assert 254 < len(email) <= 320
    refused = checkout(client, email=email)
    assert refused.status_code == 200
    assert "не более 254 символов" in refused.content.decode()
    assert not Order.objects.exists()


def test_lines_priced_in_two_currencies_are_not_one_order(demo: str, client: Client) -> None:
    """An offer priced only in a dollar price type beside one in roubles: no "110 USD" order."""
    size_38, size_39 = boots_offers()
    dollars = PriceType.objects.create(external_id="usd", name="Импорт USD", currency="USD")
    Price.objects.filter(offer=size_39).delete()
    Price.objects.create(offer=size_39, price_type=dollars, value=Decimal(10), currency="USD")
    add(client, size_38)
    add(client, size_39)
    html = client.get("/cart/").content.decode()
    assert "Цена в USD, а корзина в RUB" in html
    assert 'Итого: <span id="cart-total">1\u00a0719\u00a0₽</span>' in html
    assert 'id="checkout"' not in html
    assert checkout(client)["Location"] == "/cart/"
    assert not Order.objects.exists()
    client.post("/cart/", {"remove": size_39.pk, f"quantity-{size_38.pk}": "1"})
    assert checkout(client).status_code == 302
    assert (Order.objects.get().total, Order.objects.get().currency) == (Decimal(1719), "RUB")


def test_a_weighed_stock_is_written_with_a_comma(demo: str, client: Client) -> None:
    size_38, _ = boots_offers()
    Offer.objects.filter(pk=size_38.pk).update(quantity=Decimal("0.5"))
    add(client, size_38)
    assert "В наличии только 0,5" in client.get("/cart/").content.decode()
