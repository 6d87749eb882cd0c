"""The storefront's addresses, under the ``shop`` namespace."""

from django.urls import path

from example_shop import views

app_name = "shop"

urlpatterns = [
    path("", views.home, name="home"),
    path("catalog/<slug:slug>/", views.group, name="group"),
    path("search/", views.search, name="search"),
    path("product/<slug:slug>/", views.product, name="product"),
    path("cart/", views.cart_view, name="cart"),
    path("cart/add/", views.cart_add, name="cart_add"),
    path("checkout/", views.checkout, name="checkout"),
    path("checkout/done/<str:number>/", views.placed, name="placed"),
    path("order-status/", views.order_status, name="order_status"),
]
