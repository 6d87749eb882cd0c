from django.apps import AppConfig


class ExampleShopConfig(AppConfig):
    name = "example_shop"
    verbose_name = "Example shop"
