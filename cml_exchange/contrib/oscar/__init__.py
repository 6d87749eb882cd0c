"""django-oscar as the shop's catalog and orders: ``pip install cml-exchange[oscar]``.

Add ``"cml_exchange.contrib.oscar"`` to ``INSTALLED_APPS`` after Oscar's apps and
``cml_exchange``, and name the adapters in the settings::

    CML_EXCHANGE_CATALOG_ADAPTER = "cml_exchange.contrib.oscar.adapter.OscarCatalogAdapter"
    CML_EXCHANGE_ORDER_ADAPTER = "cml_exchange.contrib.oscar.orders.OscarOrderAdapter"

The app's own catalog stays the record of what 1C sent; the adapter mirrors
it into Oscar's catalogue and keeps the links in this app's tables
(``models.py``). ``oscar_shop/`` is a sandbox project that runs it.
"""
