"""Reading CommerceML 2: from the bytes of a file to entities, and what they mean.

* :mod:`.reader`: the streaming reader (:class:`~.reader.CmlReader`, :func:`~.reader.read`);
  ``_prolog`` is its first look at a file (hostile files are refused there),
  ``_structure`` the elements it watches and refuses, ``_groups`` the
  classifier's group tree, ``_build_*`` the entity builders, ``_references``
  the dangling-reference warnings, ``_xml`` the helpers over lxml elements
  they share;
* :mod:`.scan`: a quick pass over a whole file (soundness, counts, and with
  ``_value_checks``, ``_value_checks_items`` and ``_value_limits`` whether its
  values fit the importer's columns);
* :mod:`.summary`: what a file holds, in numbers (``manage.py cml_inspect``);
* :mod:`.order_changes`: what a document from 1C says happened to an order.

The public names are exported by :mod:`cml_exchange.commerceml`. No Django here.
"""
