"""System checks of the Oscar adapter.

- ``cml_exchange_oscar.E001``: a ``CML_EXCHANGE_OSCAR_*`` setting has a value it cannot use;
- ``cml_exchange_oscar.W001``: ``OSCAR_DELETE_IMAGE_FILES`` is on: deleting an
  Oscar product image in the dashboard deletes the picture's file, which the
  app stores once for every product that has that picture.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning

from cml_exchange.contrib.oscar.conf import oscar_settings
from cml_exchange.exceptions import ConfigError


def check_oscar_settings(
    app_configs: Sequence[AppConfig] | None, **kwargs: Any
) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    for name in ("PRICE_TYPES", "PARTNER_NAME", "UPDATE_INDEX"):
        try:
            getattr(oscar_settings, name)
        except ConfigError as error:
            messages.append(Error(str(error), id="cml_exchange_oscar.E001"))
    if getattr(settings, "OSCAR_DELETE_IMAGE_FILES", True):
        messages.append(
            Warning(
                "OSCAR_DELETE_IMAGE_FILES is on: deleting a product image in Oscar deletes "
                "its file, which cml_exchange shares between every product with that picture.",
                hint="Set OSCAR_DELETE_IMAGE_FILES = False (the adapter itself never deletes "
                "a picture's file).",
                id="cml_exchange_oscar.W001",
            )
        )
    return messages
