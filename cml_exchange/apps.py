"""Django application configuration for cml_exchange."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmlExchangeConfig(AppConfig):
    """The app's entry point; ``ready()`` is where signal receivers and checks get wired."""

    name = "cml_exchange"
    verbose_name = _("Exchange with 1C")
    default_auto_field = "django.db.models.BigAutoField"
