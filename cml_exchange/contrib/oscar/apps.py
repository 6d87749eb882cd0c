"""The Oscar adapter's Django app (label ``cml_exchange_oscar``)."""

from django.apps import AppConfig
from django.core import checks as django_checks
from django.utils.translation import gettext_lazy as _


class OscarAdapterConfig(AppConfig):
    """Link tables between the app's catalog and Oscar's, and the order export state."""

    name = "cml_exchange.contrib.oscar"
    label = "cml_exchange_oscar"
    verbose_name = _("Exchange with 1C: django-oscar")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from cml_exchange.checks import TAG
        from cml_exchange.contrib.oscar import (  # receivers: connected on import
            checks,
            deleted_in_app,
            deleted_in_oscar,
            receivers,  # noqa: F401
        )

        deleted_in_app.connect()
        deleted_in_oscar.connect()

        django_checks.register(checks.check_oscar_settings, TAG)  # check --tag cml_exchange
