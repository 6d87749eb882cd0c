"""Signals for shops that keep their own catalog models in step with the app's.

Receivers of ``products_saved`` and ``offers_saved`` run inside the batch's
transaction: what they write commits or rolls back with the batch, and an
exception they raise fails the import with the batch rolled back. Receivers
of the other signals run outside any batch. A shop with catalog models of
its own is better served by a catalog adapter (docs/adapters.md).
"""

from __future__ import annotations

from django.dispatch import Signal

#: An import job took its first step. Arguments: ``job`` (ImportJob).
import_started = Signal()

#: A batch of products was written. Arguments: ``job``; ``catalog_id`` (pk of
#: the Catalog); ``product_ids`` (pks of the products created or changed in
#: this batch); ``unchanged_ids`` (pks of products in the batch that 1C sent
#: unchanged and that were not rewritten).
products_saved = Signal()

#: A batch of offers was written. Arguments: ``job``; ``catalog_id``;
#: ``offer_ids`` (pks of all offers of the batch: created, changed, or with new
#: prices or stock).
offers_saved = Signal()

#: An import job finished. Arguments: ``job``; ``summary`` (dict of counters).
import_finished = Signal()

#: An import job failed for good. Arguments: ``job``; ``error`` (the Russian message).
import_failed = Signal()
