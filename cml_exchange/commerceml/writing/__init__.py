"""Writing CommerceML (2.05–2.10, and 3.1 for orders): what the site sends to 1C.

* :mod:`.orders`: a shop's order (:class:`~.orders.SiteOrder`) as the ``Документ``
  1C-Bitrix would write (:func:`~.orders.build_document`);
* :mod:`.writer`: the streaming orders file (:class:`~.writer.OrdersWriter`), with
  ``_documents`` writing each document's text;
* :mod:`.reference`: the order statuses, payment systems and delivery services
  1C asks for at ``mode=info`` (:func:`~.reference.write_reference`).

The public names are exported by :mod:`cml_exchange.commerceml`. No Django here.
"""
