"""Admin pages of the app, one module per models module."""

from cml_exchange.admin import catalog, imports, offers  # noqa: F401
