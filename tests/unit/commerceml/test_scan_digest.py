"""The digest a scan is remembered by: 1C's next unload of an unchanged catalog is the same file.

1C writes the moment of the unload in the root's ``ДатаФормирования`` and
nothing else changes while the catalog does not; nothing reads that value, so
the digest leaves it out. Every other byte counts.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cml_exchange.commerceml.reading.scan import ValueLimits, scan_digest

LIMITS = ValueLimits()

BODY = (
    '<Каталог СодержитТолькоИзменения="false"><Ид>cat</Ид><Наименование>Каталог</Наименование>'
    "<Товары><Товар><Ид>p1</Ид><Наименование>Чайник</Наименование></Товар></Товары>"
    "</Каталог></КоммерческаяИнформация>"
)


def _utf8(date: str, *, body: str = BODY, version: str = "2.08") -> bytes:
    return (
        '\ufeff<?xml version="1.0" encoding="UTF-8"?>\n'
        '<КоммерческаяИнформация xmlns="urn:1C.ru:commerceml_2" '
        f'ВерсияСхемы="{version}" ДатаФормирования="{date}">{body}'
    ).encode()


def _cp1251(date: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="windows-1251"?>'
        f"<КоммерческаяИнформация ВерсияСхемы = '2.03' ДатаФормирования = '{date}'>{BODY}"
    ).encode("cp1251")


def _digest(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return scan_digest(path, LIMITS)


@pytest.mark.parametrize("write", [_utf8, _cp1251], ids=["UTF-8 with a BOM", "windows-1251"])
def test_the_next_unload_of_an_unchanged_catalog_has_the_same_digest(tmp_path, write):
    today = _digest(tmp_path, "today.xml", write("2026-12-05T10:00:00"))
    tomorrow = _digest(tmp_path, "tomorrow.xml", write("2026-12-06T10:00:01"))
    assert today == tomorrow
    # A date in another form (УТ 10.3's date alone, МойСклад's offset) too.
    assert _digest(tmp_path, "short.xml", write("2026-12-06")) == today


@pytest.mark.parametrize(
    "other",
    [
        pytest.param(_utf8("2026-12-05", body=BODY.replace("Чайник", "Утюг")), id="a name"),
        pytest.param(_utf8("2026-12-05", version="2.10"), id="the schema version"),
        pytest.param(
            _utf8("2026-12-05", body=BODY.replace("<Каталог ", '<Каталог ДатаФормирования="1" ')),
            id="a date on another element",
        ),
        pytest.param(
            _utf8("2026-12-05").replace(b"?>\n", "?><!-- ДатаФормирования -->".encode()),
            id="a comment before the root",
        ),
    ],
)
def test_any_other_difference_makes_another_digest(tmp_path, other):
    assert _digest(tmp_path, "a.xml", _utf8("2026-12-05")) != _digest(tmp_path, "b.xml", other)


def test_a_file_in_utf16_is_digested_whole(tmp_path):
    """Its bytes are not searched for the attribute: two dates are two files."""

    def utf16(date: str) -> bytes:
        declaration = '<?xml version="1.0" encoding="UTF-16"?>'
        text = f'{declaration}<КоммерческаяИнформация ДатаФормирования="{date}">'
        return (text + BODY).encode("utf-16")

    assert _digest(tmp_path, "a.xml", utf16("2026-12-05")) != _digest(
        tmp_path, "b.xml", utf16("2026-12-06")
    )
