"""URLs of the exchange endpoint, to include where the shop wants it.

::

    path("", include("cml_exchange.urls")),   # → /1c_exchange.php and /bitrix/admin/1c_exchange.php

Both addresses answer with and without a trailing slash: 1C builds its URLs
literally, and a redirect from ``APPEND_SLASH`` would lose a POST's body.
"""

from django.urls import re_path

from cml_exchange.protocol.views import exchange_view

app_name = "cml_exchange"

urlpatterns = [
    re_path(r"^1c_exchange\.php/?$", exchange_view, name="exchange"),
    re_path(r"^bitrix/admin/1c_exchange\.php/?$", exchange_view, name="exchange_bitrix"),
]
