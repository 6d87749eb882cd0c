"""Settings of the Oscar adapter, read lazily (``override_settings`` works in tests).

- ``CML_EXCHANGE_OSCAR_PRICE_TYPE``: the 1C price type whose prices go to
  Oscar's stock records, by its 1C id or its name, or a list of them,
  preferred first (an offer gets the first it has a price in). Default:
  every type, those 1C declared first, in the order they came.
- ``CML_EXCHANGE_OSCAR_PARTNER_NAME``: the name of the partner that holds the
  stock of offers 1C sends without warehouses. Default: ``"1С"``.
- ``CML_EXCHANGE_OSCAR_UPDATE_INDEX``: update Oscar's search index for the
  products each batch touched, once it commits (``search.py``). Default: on.
- ``CML_EXCHANGE_OSCAR_CANCELED_STATUS``: Oscar's order status for an order 1C
  cancelled. Default: ``"Отменен"``.
"""

from __future__ import annotations

from django.conf import settings

from cml_exchange.exceptions import ConfigError

PREFIX = "CML_EXCHANGE_OSCAR_"


class OscarSettings:
    @property
    def PRICE_TYPES(self) -> tuple[str, ...]:
        """The price types' 1C ids or names, preferred first; empty: every type."""
        value = getattr(settings, PREFIX + "PRICE_TYPE", "") or ()
        if isinstance(value, str):
            value = (value,)
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise ConfigError(
                f"{PREFIX}PRICE_TYPE должен быть Ид или названием типа цены (или их списком), "
                f"а не {value!r}"
            )
        return tuple(v.strip() for v in value if v.strip())

    @property
    def UPDATE_INDEX(self) -> bool:
        """Whether the adapter updates Oscar's search index after each batch (default: on)."""
        value = getattr(settings, PREFIX + "UPDATE_INDEX", True)
        if not isinstance(value, bool):
            raise ConfigError(f"{PREFIX}UPDATE_INDEX должен быть True или False, а не {value!r}")
        return value

    @property
    def PARTNER_NAME(self) -> str:
        """The name of the partner for stock without a warehouse."""
        value = getattr(settings, PREFIX + "PARTNER_NAME", "1С") or "1С"
        if not isinstance(value, str):
            raise ConfigError(f"{PREFIX}PARTNER_NAME должен быть строкой, а не {value!r}")
        return value[:128]


oscar_settings = OscarSettings()
