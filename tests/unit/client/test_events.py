"""The client's events: a record per step, part and ``progress`` reply, for a console to draw."""

from __future__ import annotations

from pathlib import Path

from cml_exchange.client import (
    Event,
    ExchangeClient,
    Imported,
    PartSent,
    Polled,
    Prepared,
    Sent,
    Step,
)
from cml_exchange.client.packing import count_parts
from cml_exchange.client.transport import Response
from tests.unit.client.test_sale import SALE_SITE, Site, response

CATALOG_SITE: dict[str, Response | list[Response]] = {
    "checkauth": response(b"success\nSESSION\nc00k1e\nsessid=abc\ntimestamp=1700000000\n"),
    "init": response(b"zip=no\nfile_limit=10\n"),
    "file": response(b"success\n"),
    "import": [
        response("progress\nОбработано 1 из 2 товаров.\n".encode("cp1251")),
        response("success\nИмпорт успешно завершен.\n".encode("cp1251")),
    ],
    "deactivate": response("success\nДеактивация завершена.\n".encode("cp1251")),
    "complete": response(b"success\n"),
}


def catalog(folder: Path) -> Path:
    (folder / "import_files" / "ab").mkdir(parents=True)
    (folder / "import_files" / "ab" / "abc.jpg").write_bytes(b"jpeg")
    (folder / "import.xml").write_bytes(b"<import>" + b"x" * 17 + b"</import>")  # 34 bytes
    return folder / "import.xml"


def test_a_catalog_exchange_file_by_file(tmp_path: Path) -> None:
    events: list[Event] = []
    client = ExchangeClient(Site(CATALOG_SITE), "1c", "pw", on_event=events.append)
    client.exchange_catalog([catalog(tmp_path)])
    assert events == [
        Step("checkauth"),
        Step("init"),
        Prepared(xml=1, pictures=1, size=38, archive=None),
        PartSent("import.xml", 1, 4, 10, 34),
        PartSent("import.xml", 2, 4, 20, 34),
        PartSent("import.xml", 3, 4, 30, 34),
        PartSent("import.xml", 4, 4, 34, 34),
        Sent("import.xml", 4, 34),
        PartSent("import_files/ab/abc.jpg", 1, 1, 4, 4),
        Sent("import_files/ab/abc.jpg", 1, 4),
        Polled("import.xml", 1, "Обработано 1 из 2 товаров."),
        events[11],
        Step("deactivate", "Деактивация завершена."),
        Step("complete"),
    ]
    imported = events[11]
    assert isinstance(imported, Imported)
    assert (imported.name, imported.requests, imported.message) == (
        "import.xml",
        2,
        "Импорт успешно завершен.",
    )


def test_a_zipped_exchange_says_how_big_the_archive_is(tmp_path: Path) -> None:
    events: list[Event] = []
    site = Site({**CATALOG_SITE, "init": response(b"zip=yes\nfile_limit=100000\n")})
    ExchangeClient(site, "1c", "pw", on_event=events.append).exchange_catalog([catalog(tmp_path)])
    (prepared,) = [event for event in events if isinstance(event, Prepared)]
    assert (prepared.xml, prepared.pictures, prepared.size) == (1, 1, 38)
    assert prepared.archive is not None and prepared.archive > 0
    parts = [event for event in events if isinstance(event, PartSent)]
    assert parts == [PartSent("import.zip", 1, 1, prepared.archive, prepared.archive)]


def test_the_orders_exchange_reports_its_own_steps(tmp_path: Path) -> None:
    events: list[Event] = []
    orders = tmp_path / "orders.xml"
    orders.write_bytes(b"<x/>")
    client = ExchangeClient(Site(SALE_SITE), "1c", "pw", on_event=events.append)
    client.exchange_orders(version="2.08", send=orders)
    steps = [event for event in events if isinstance(event, Step)]
    assert [step.mode for step in steps] == ["checkauth", "init", "query", "success"]
    assert steps[2].size > 0


def test_the_log_is_unchanged_by_events(tmp_path: Path) -> None:
    lines: list[str] = []
    client = ExchangeClient(Site(CATALOG_SITE), "1c", "pw", log=lines.append)
    client.exchange_catalog([catalog(tmp_path)])
    assert lines[:2] == ["checkauth: success", "init: zip=no file_limit=10"]
    assert "import import.xml: progress Обработано 1 из 2 товаров." in lines


def test_count_parts() -> None:
    assert [count_parts(size, 10) for size in (0, 1, 10, 11, 20, 21)] == [1, 1, 1, 2, 2, 3]
    assert count_parts(1000, None) == 1
