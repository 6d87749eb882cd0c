"""Admin pages of the app, one module per models module."""

from cml_exchange.admin import catalog, exchange, imports, offers, orders, settings  # noqa: F401
