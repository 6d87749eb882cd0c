"""The storefront's addresses, under the ``shop`` namespace."""

from django.urls import path

from example_shop import views
from example_shop.views import in_russian

app_name = "shop"

urlpatterns = [
    path("", in_russian(views.home), name="home"),
    path("catalog/<slug:slug>/", in_russian(views.group), name="group"),
    path("search/", in_russian(views.search), name="search"),
    path("product/<slug:slug>/", in_russian(views.product), name="product"),
    path("cart/", in_russian(views.cart_view), name="cart"),
    path("cart/add/", in_russian(views.cart_add), name="cart_add"),
    path("checkout/", in_russian(views.checkout), name="checkout"),
    path("checkout/done/<str:number>/", in_russian(views.placed), name="placed"),
    path("order-status/", in_russian(views.order_status), name="order_status"),
]
