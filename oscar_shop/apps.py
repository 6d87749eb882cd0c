from django.apps import AppConfig


class OscarShopConfig(AppConfig):
    """The sandbox itself: only its management command (``oscar_sandbox``)."""

    name = "oscar_shop"
    label = "oscar_shop"
    verbose_name = "Oscar sandbox"
