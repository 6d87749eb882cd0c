"""Orders between the shop and 1C: the adapter contract, its default, and the exchange's work.

- ``adapter``: what the exchange needs from whatever keeps the orders;
- ``default``: that contract over the app's own models;
- ``export``/``apply``: the default adapter's two directions;
- ``exchange``: query, success, import and info, for the protocol layer.
"""
