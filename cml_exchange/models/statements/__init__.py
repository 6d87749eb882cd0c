"""The statements of every 1C request, their SQL built once per database.

Each request of an exchange reads the settings row and its session (with
its user) and writes the session's counts and the request's log; a part of
an upload reads and writes its file's row too. Built through the ORM, each
of these statements costs 0.1–0.45 ms of Python, many times what the
database takes to run it: a 1 MiB part of an upload spent more on building
them than on writing its bytes.

Here a statement's SQL is made once per model, shape and database from the
models' metadata (so it follows the models), and run with new parameters on
the calling thread's connection (nothing built holds one). Values go in
through the fields' ``get_db_prep_value``/``get_db_prep_save``; rows come
back through the fields' and the backend's converters and ``Model.from_db``,
as the ORM's own iterator makes them. A failed write marks the atomic block
it runs in for rollback, as the ORM's writes do. As with
``QuerySet.update()``, no signals are sent and ``auto_now`` is not applied
by :func:`update`; :func:`insert` fills defaults and
``auto_now``/``auto_now_add`` fields as ``save()`` would, without signals.
A model these statements cannot serve (multi-table inheritance or a proxy,
database defaults, a composite key) goes through the ORM instead.
A request's reads go together: the settings and the session in one round
trip on PostgreSQL (:func:`together`), an upload's row in its session's
statement (:class:`Beside`).
:func:`update` and :func:`insert` join an upload part's one-query batch when
one is being gathered (:mod:`~cml_exchange.models.unsynced`).
"""

from cml_exchange.models.statements.reads import Beside, BesideRow, Read, rows, together
from cml_exchange.models.statements.writes import Add, insert, update

__all__ = ["Add", "Beside", "BesideRow", "Read", "insert", "rows", "together", "update"]
