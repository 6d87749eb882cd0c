"""``type=sale``: checkauth, init, query, success, file, import, info, as Bitrix answers them.

The handlers translate between HTTP and :mod:`cml_exchange.orders.exchange`;
what happens to orders is the adapter's business.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.base_user import AbstractBaseUser

from cml_exchange.models import ExchangeSession
from cml_exchange.orders.exchange import (
    apply_uploads,
    confirm_last_query,
    forget_old_exports,
    reference_xml,
    schema_version,
    write_query,
)
from cml_exchange.protocol import replies
from cml_exchange.protocol.call import Call, open_exchange
from cml_exchange.protocol.files import upload
from cml_exchange.protocol.query import query_value
from cml_exchange.protocol.replies import Reply
from cml_exchange.storage.uploads import looks_whole, path_in, safe_name

EMPTY_FILE = "Файл для импорта пуст."
BUSY = "Загрузка заказов уже выполняется другим запросом, ожидайте."
QUERY_DONE = "Выгружено заказов: {count}."


def checkauth(call: Call) -> tuple[Reply, ExchangeSession | None, AbstractBaseUser | None]:
    """Four lines and no timestamp: ``success``, the cookie's name and value, ``sessid=…``."""
    return open_exchange(call)


def init(call: Call) -> Reply:
    """``zip=…`` and ``file_limit=…``; ``sessid=…`` and ``version=…`` only when 1C sent ``version``.

    The version answered is the schema ``query`` will write: 2.05, or 2.08
    and 2.10 when 1C asks for them (1C-Bitrix always answers 2.09, which no
    XSD of 1C's defines); 3.1 when the settings choose 3.1 and 1C asks for 3
    or more. A 3.1 1C of a shop on 2.x gets 2.10: see
    :func:`~cml_exchange.orders.exchange.schema_version` for why.
    """
    session = call.open()
    version = call.request.GET.get("version")
    answered = schema_version(version, call.settings.schema_version) if version else ""
    session.note_init(version, answered)
    call.folder.clear_for_init()
    forget_old_exports()
    body = (
        f"zip={'yes' if call.settings.use_zip else 'no'}\nfile_limit={call.settings.file_limit}\n"
    )
    if version:
        body += f"sessid={session.sessid}\nversion={answered}\n"
    return Reply(replies.encode(body), "zip", body.split("\n", 1)[0])


def query(call: Call) -> Reply:
    """The orders 1C has not seen, as one CommerceML document streamed from a file.

    The schema is the one ``init`` answered, kept on the exchange, even if the
    settings' schema version changed since; an exchange without one (the old
    protocol, or begun before the site kept it) gets what the settings give now.
    """
    session = call.open()
    version = session.answered_version or schema_version(
        session.version, call.settings.schema_version
    )
    written = write_query(session, call.directory, call.settings, version=version)
    return replies.xml_file(
        written.path, QUERY_DONE.format(count=written.orders), call.settings.orders_encoding
    )


def success(call: Call) -> Reply:
    """1C has the orders of the last query: ``success`` and a line break; the exchange is done.

    1C may go on with the same cookie to send its own orders file (the
    session is then open again until that import ends).
    """
    session = call.open()
    confirm_last_query(session)
    session.finish(replies.SUCCESS)
    return replies.success()


def file(call: Call) -> Reply:
    """Store 1C's orders file; without ``version`` at init (the old protocol) import it at once.

    In the old protocol a file larger than ``file_limit`` comes in parts of
    exactly that size: a part of that size that leaves the file incomplete
    (:func:`~cml_exchange.storage.uploads.looks_whole`) is only stored,
    ``success``, and the file is applied with its last part. A shorter part is
    the last, so a file still cut off then is refused as broken, as ever.
    """
    session = call.open()
    stored = upload(call)
    if session.version or stored.status != replies.SUCCESS:
        return stored
    # The part's record is what the import reads (and marks imported): made first.
    if not call.write_now():
        return replies.failure(replies.INTERNAL_ERROR.format(error="DatabaseError"))
    name = safe_name(query_value(call.request, "filename"))
    if call.received == call.settings.file_limit and not looks_whole(path_in(call.directory, name)):
        return stored
    return _import(call, session, name, budget=None)


def import_(call: Call) -> Reply:
    """One step of applying 1C's orders file: ``progress`` or ``success``, then any errors."""
    session = call.open()
    name = safe_name(query_value(call.request, "filename"))
    budget = float(call.settings.step_interval) or None
    return _import(call, session, name, budget=budget)


def _import(call: Call, session: ExchangeSession, name: str, *, budget: float | None) -> Reply:
    with session.lease(seconds=3 * (budget or 600) + 60) as holder:
        if holder is None:
            return replies.progress(BUSY)
        applied = apply_uploads(call.folder, name, call.settings, budget=budget)
    if applied is None:
        return replies.failure(EMPTY_FILE)
    call.remarks = bool(applied.messages)
    if not applied.done:
        return replies.lines(replies.PROGRESS, *applied.messages)
    session.finish(replies.SUCCESS)
    return replies.lines(replies.SUCCESS, *applied.messages)


def info(call: Call) -> Reply:
    """Statuses, payment systems and delivery services, as 1C-Bitrix lists them."""
    call.open()
    return replies.xml(reference_xml(), "Справочник")


HANDLERS: dict[str, Callable[[Call], Reply]] = {
    "init": init,
    "query": query,
    "success": success,
    "file": file,
    "import": import_,
    "info": info,
}
