from django.apps import AppConfig
from django.db.backends.signals import connection_created


class ExampleShopConfig(AppConfig):
    name = "example_shop"
    verbose_name = "Example shop"

    def ready(self) -> None:
        from example_shop.catalog import register_sqlite_functions

        connection_created.connect(register_sqlite_functions, dispatch_uid="shop_fold")
