"""The ``1c_exchange.php`` protocol: one view, handlers per (type, mode), Bitrix's replies.

Data flows one way: request → :mod:`views` (HTTP in, reply out) → a handler
in :mod:`catalog` (or ``sale``) → the storage, the importer or the exporter.
"""
