"""The importer's messages, short Russian sentences in 1C-Bitrix's manner.

1C writes line 2 of every ``progress`` reply to its log, so these are what a
1C administrator reads while an exchange runs. They are Russian whatever the
site's language; a count's noun ("1 товар", "2 товара", "5 товаров") comes
from the app's ``ru`` catalog through ``ngettext``, which knows Russian's
plural forms.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils import translation
from django.utils.translation import ngettext_lazy

#: "5 товаров", "2 группы", "1 предложение": a count and its noun, from the ``ru`` catalog.
_COUNTED = {
    "products": ngettext_lazy("%(count)d product", "%(count)d products", "count"),
    "offers": ngettext_lazy("%(count)d offer", "%(count)d offers", "count"),
    "groups": ngettext_lazy("%(count)d group", "%(count)d groups", "count"),
    "properties": ngettext_lazy("%(count)d property", "%(count)d properties", "count"),
    "documents": ngettext_lazy("%(count)d document", "%(count)d documents", "count"),
}
#: "1200 из 5000 товаров", "1 из 21 товара": the noun after "из" agrees with the total.
_OUT_OF = {
    "products": ngettext_lazy(
        "%(done)d of %(count)d product", "%(done)d of %(count)d products", "count"
    ),
    "offers": ngettext_lazy("%(done)d of %(count)d offer", "%(done)d of %(count)d offers", "count"),
    "groups": ngettext_lazy("%(done)d of %(count)d group", "%(done)d of %(count)d groups", "count"),
    "properties": ngettext_lazy(
        "%(done)d of %(count)d property", "%(done)d of %(count)d properties", "count"
    ),
    "documents": ngettext_lazy(
        "%(done)d of %(count)d document", "%(done)d of %(count)d documents", "count"
    ),
}

IMPORT_DONE = "Импорт успешно завершен."
UNZIP_RUNNING = "Идет распаковка архива."
UNZIP_DONE = "Распаковка архива завершена."
MISSING_DONE = "Деактивация/удаление элементов завершены."
ALREADY_RUNNING = "Импорт уже выполняется другим запросом, ожидайте."


def counted(number: int, kind: str) -> str:
    """``5 товаров``, ``2 группы``, ``1 предложение``."""
    with translation.override("ru"):  # the messages are Russian whatever the site's language
        return _COUNTED[kind] % {"count": number}


def processed(done: int, total: int, kind: str) -> str:
    """Say how far a file has got, as in "Обработано 1200 из 5000 товаров"."""
    return f"Обработано {_out_of(done, total, kind)}."


def _out_of(done: int, total: int, kind: str) -> str:
    """``1200 из 5000 товаров``, ``1 из 21 товара``."""
    with translation.override("ru"):
        return _OUT_OF[kind] % {"done": done, "count": total}


def scanned(name: str, counts: dict[str, int]) -> str:
    """Say what a scan found, as in "Файл import.xml проверен: 5000 товаров, 97 групп"."""
    parts = [counted(counts[kind], kind) for kind in _COUNTED if counts.get(kind)]
    return f"Файл {name} проверен: {', '.join(parts) or 'данных для каталога нет'}."


def file_done(name: str) -> str:
    return f"Файл {name} загружен."


def kept_before_failure(name: str, done: dict[str, int], totals: dict[str, int]) -> str:
    """What a file refused part way left written, as in "Из файла import.xml до ошибки…".

    Earlier batches are complete on their own and stay; what the file did
    not mention is neither deactivated nor deleted, since it did not come whole.
    """
    # A file read beside its scan may fail before the scan has counted it: then what was
    # written is said without a total, rather than as all of it ("4 из 4").
    parts = [
        _out_of(done[kind], totals[kind], kind) if kind in totals else counted(done[kind], kind)
        for kind in _COUNTED
        if done.get(kind)
    ]
    if not parts:
        return ""
    return (
        f"Из файла {name} до ошибки записано: {', '.join(parts)}; это остается на сайте, "
        "отсутствующее в файле не деактивировано."
    )


#: What the reconciliation at a file's end compares: the scan's count, and the counters
#: of what was written or found unchanged.
RECONCILED = {
    "products": ("товаров", ("products_created", "products_updated", "products_unchanged")),
    "offers": ("предложений", ("offers_created", "offers_updated", "offers_unchanged")),
    "prices": ("цен", ("prices", "prices_unchanged")),
    "stock_rows": ("остатков по складам", ("stock_rows", "stock_rows_unchanged")),
}
DONE_WITH_DIFFERENCES = "Импорт завершен, но не все данные файла записаны:"


def difference(name: str, kind: str, found: int, stored: int) -> str:
    """A reconciliation warning, as in "Сверка файла offers.xml: цен в файле 1000, записано…"."""
    label = RECONCILED[kind][0]
    return (
        f"Сверка файла {name}: {label} в файле {found}, записано или без изменений {stored} "
        f"(не записано {found - stored})."
        if stored < found
        else f"Сверка файла {name}: {label} в файле {found}, записано {stored}."
    )


def done_with_differences(differences: Sequence[str], notes: Sequence[str] = ()) -> str:
    """The job's last message when something was not stored; ``notes`` follow the differences."""
    return " ".join([DONE_WITH_DIFFERENCES, *differences, *notes])


def done_with_notes(notes: Sequence[str]) -> str:
    """The job's last message when all was stored, but ``notes`` must still be said."""
    return " ".join(["Импорт завершен.", *notes])


#: Warning codes not counted on the reply's second line: the reconciliation's lines,
#: and the offers waiting for their products (its notes count them), are the message
#: already, and a fallback to 1C's requests loses nothing.
NOT_TOLD_AS_WARNINGS = frozenset({"reconciliation", "unknown_product", "no_worker"})


def with_warnings(message: str, count: int, first: str, limit: int = 500) -> str:
    """The job's last ``message`` and how many warnings it had, the ``first`` quoted if it fits.

    1C's user reads the reply's second line in 1C's exchange log: a bare "Импорт
    успешно завершен." there would hide a picture not stored, a value left out.
    Within ``limit`` characters the message stays whole before the first warning
    is quoted; the count is always said (the message clipped for it if need be).
    """
    if message == IMPORT_DONE:
        message = "Импорт завершен."
    first = " ".join(first.split()).rstrip(".")  # one line: 1C logs line 2 alone
    if len(first) > 200:
        first = first[:199] + "…"
    ending = "; все они — в журнале обменов на сайте."
    if first:
        quoted = f" Предупреждений: {count} (первое: «{first}»){ending}"
        if len(message) + len(quoted) <= limit:
            return message + quoted
    counted = f" Предупреждений: {count}{ending}"
    return clipped(message, limit - len(counted)) + counted


def checksums_cleared(count: int) -> str:
    return (
        f"Программа обмена на сайте обновлена: контрольные суммы товаров и предложений ({count}) "
        "сброшены, и каждый из них будет записан заново, когда 1С его пришлет."
    )


def without_product(name: str, count: int) -> str:
    return (
        f"Сверка файла {name}: предложений без товара на сайте {count} (сохранены; будут "
        "связаны с товарами, когда те придут, а до тех пор не продаются)."
    )


def references_waiting(name: str, count: int) -> str:
    return (
        f"Сверка файла {name}: ссылок на группы и свойства, которых на сайте пока нет, "
        f"{count} (будут сделаны, когда 1С их пришлет)."
    )


def references_made(name: str, count: int) -> str:
    return f"Сверка файла {name}: сделано ссылок на группы и свойства, ждавших их: {count}."


def linked_to_products(name: str, count: int) -> str:
    return f"Сверка файла {name}: предложений связано с пришедшими позже товарами: {count}."


def clipped(text: str, limit: int = 500) -> str:
    """``text`` cut to ``limit`` characters at a sentence's end, with "…" when cut."""
    if len(text) <= limit:
        return text
    cut = text.rfind(". ", 0, limit - 2)
    return text[: cut + 1] + " …" if cut > 0 else text[: limit - 1] + "…"
