"""Models of the app, one module per domain (catalog, offers, orders, exchange, settings).

The domain modules arrive with the issues that need them; this package exists so
that Django finds the app's models in one place.
"""
