"""Hostile and broken files: a clear error, quickly, without expanding or fetching anything."""

import contextlib
import io
import socket
import subprocess
import sys
import textwrap
import threading

import pytest

from cml_exchange.commerceml import (
    CommerceMLError,
    UnsafeXmlError,
    XmlParseError,
    read,
)
from tests.paths import sample

ROOT_OPEN = '<КоммерческаяИнформация ВерсияСхемы="2.08" ДатаФормирования="2024-01-01T00:00:00">'
ROOT_CLOSE = "</КоммерческаяИнформация>"


def xml(body: str, *, prolog: str = "", encoding: str = "UTF-8") -> bytes:
    declaration = f'<?xml version="1.0" encoding="{encoding}"?>\n'
    return f"{declaration}{prolog}{ROOT_OPEN}{body}{ROOT_CLOSE}".encode()


def read_all(data: bytes, name: str = "import.xml") -> list[object]:
    return list(read(io.BytesIO(data), name=name))


XXE_DOCTYPE = '<!DOCTYPE КоммерческаяИнформация [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
XXE = xml("<Каталог><Ид>&xxe;</Ид></Каталог>", prolog=XXE_DOCTYPE)
LAUGHS = xml(
    "<Каталог><Ид>&lol9;</Ид></Каталог>",
    # lol9 expands to 10**9 "lol": three gigabytes from a few hundred bytes.
    prolog="<!DOCTYPE lolz [<!ENTITY lol0 'lol'>"
    + "".join(f"<!ENTITY lol{i} '{f'&lol{i - 1};' * 10}'>" for i in range(1, 10))
    + "]>\n",
)


def test_external_entity_is_refused_and_nothing_is_read():
    with pytest.raises(UnsafeXmlError) as caught:
        read_all(XXE)
    message = str(caught.value)
    assert "DOCTYPE" in message
    assert "import.xml" in message
    assert "root:" not in message  # nothing of /etc/passwd


def test_entity_bomb_is_refused():
    with pytest.raises(UnsafeXmlError):
        read_all(LAUGHS)


def test_unsafe_error_is_also_a_defusedxml_error():
    from defusedxml import DefusedXmlException

    with pytest.raises(DefusedXmlException):
        read_all(XXE)


def test_external_dtd_is_refused_without_any_network_access():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.5)
    port = server.getsockname()[1]
    connections = []

    def accept():
        with contextlib.suppress(OSError):
            connections.append(server.accept())

    watcher = threading.Thread(target=accept)
    watcher.start()
    data = xml(
        "<Каталог><Ид>1</Ид></Каталог>",
        prolog=f'<!DOCTYPE КоммерческаяИнформация SYSTEM "http://127.0.0.1:{port}/evil.dtd">\n',
    )
    try:
        with pytest.raises(UnsafeXmlError):
            read_all(data)
    finally:
        watcher.join()
        server.close()
    assert connections == []


@pytest.mark.parametrize("split", ["", "x" + "\u0416" * 2000], ids=["ascii", "a letter split"])
def test_a_doctype_after_kilobytes_of_comments_is_still_refused(split):
    """The prolog is parsed a few kilobytes at a time: what lies past the first still counts."""
    comments = f"<!-- {split}{'x' * 5000} -->\n" * 3
    with pytest.raises(UnsafeXmlError):
        read_all(xml("<Каталог><Ид>&xxe;</Ид></Каталог>", prolog=comments + XXE_DOCTYPE))
    catalog = [e for e in read_all(xml("<Каталог><Ид>c</Ид></Каталог>", prolog=comments))]
    assert any(getattr(entity, "id", None) == "c" for entity in catalog)


def test_doctype_text_inside_a_description_is_not_a_declaration():
    body = (
        "<Каталог><Ид>c</Ид><Товары><Товар><Ид>1</Ид><Наименование>Чайник</Наименование>"
        "<Описание><![CDATA[<!DOCTYPE html><p>Описание</p>]]></Описание></Товар></Товары></Каталог>"
    )
    products = [e for e in read_all(xml(body)) if type(e).__name__ == "Product"]
    assert products[0].description == "<!DOCTYPE html><p>Описание</p>"


def test_an_earlier_broken_file_does_not_lend_its_place_to_a_later_error():
    with pytest.raises(XmlParseError):
        read_all(sample("dobromyslov__commerceml-parser__data__import0_1").read_bytes()[:9000])
    with pytest.raises(XmlParseError) as caught:
        read_all(xml("<Каталог><Ид>&nbsp;</Ид></Каталог>"))
    assert caught.value.line == 2
    assert "nbsp" in caught.value.detail


def test_undeclared_entity_is_a_parse_error_with_a_place():
    with pytest.raises(XmlParseError) as caught:
        read_all(xml("<Каталог><Ид>&nbsp;</Ид></Каталог>"))
    error = caught.value
    assert error.file == "import.xml"
    assert error.line == 2


@pytest.mark.parametrize("fraction", [0.31, 0.5, 0.77, 0.999])
def test_truncated_file_names_the_file_the_line_and_the_element(fraction):
    data = sample("dobromyslov__commerceml-parser__data__import0_1").read_bytes()
    cut = data[: int(len(data) * fraction)]
    with pytest.raises(XmlParseError) as caught:
        read_all(cut, name="import0_1.xml")
    error = caught.value
    assert "оборван" in str(error)
    assert error.file == "import0_1.xml"
    assert error.line == cut.count(b"\n") + 1
    assert error.element and error.element.startswith("КоммерческаяИнформация/Каталог")
    assert "import0_1.xml" in str(error) and f"строка {error.line}" in str(error)


def test_an_error_in_the_middle_is_not_called_truncation():
    data = sample("dobromyslov__commerceml-parser__data__import0_1").read_bytes()
    broken = data.replace("<Артикул>".encode(), "<Артикул <".encode(), 1)
    with pytest.raises(XmlParseError) as caught:
        read_all(broken)
    assert "оборван" not in str(caught.value)
    assert caught.value.element == "КоммерческаяИнформация/Каталог/Товар"


def test_mismatched_tag_inside_a_product():
    body = (
        "<Каталог><Ид>c</Ид><Товары><Товар><Ид>1</Ид><Наименование>Чайник</Ид>"
        "</Товар></Товары></Каталог>"
    )
    with pytest.raises(XmlParseError) as caught:
        read_all(xml(body))
    assert caught.value.element == "КоммерческаяИнформация/Каталог/Товар"
    assert "Наименование" in caught.value.detail


def test_utf8_bytes_declared_as_windows_1251():
    data = xml("<Каталог><Ид>1</Ид></Каталог>", encoding="windows-1251")
    with pytest.raises(XmlParseError) as caught:
        read_all(data)
    assert "кодировка" in str(caught.value)


def test_windows_1251_bytes_declared_as_utf8():
    data = xml("<Каталог><Ид>Чайник</Ид></Каталог>").decode().encode("windows-1251")
    with pytest.raises(XmlParseError) as caught:
        read_all(data)
    assert "кодировка" in str(caught.value).lower()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "Файл пуст"),
        (b"   \n", "Файл пуст"),
        (b"PK\x03\x04\x14\x00\x00\x00garbage", "не является правильным XML"),
        (b"<html><body>502 Bad Gateway</body></html>", "Это не файл CommerceML"),
        (b'<?xml version="1.0"?>\n<!-- only a comment -->', "обрывается до корневого элемента"),
    ],
)
def test_not_commerceml_at_all(data, expected):
    with pytest.raises(XmlParseError) as caught:
        read_all(data)
    assert expected in str(caught.value)


def test_a_missing_path_is_reported_not_parsed():
    with pytest.raises(CommerceMLError) as caught:
        list(read("/nonexistent/import.xml"))
    assert "Не удалось открыть файл import.xml" in str(caught.value)


def test_deep_nesting_is_refused():
    body = "<Каталог><Ид>c</Ид><Товары><Товар><Ид>1</Ид>" + "<a>" * 5000 + "</a>" * 5000
    body += "</Товар></Товары></Каталог>"
    with pytest.raises(XmlParseError):
        read_all(xml(body))


_BOUNDED = textwrap.dedent(
    """
    import io, resource, sys
    resource.setrlimit(resource.RLIMIT_AS, (768 * 1024 * 1024, 768 * 1024 * 1024))
    from cml_exchange.commerceml import XmlParseError, read
    data = sys.stdin.buffer.read()
    try:
        for _ in read(io.BytesIO(data)):
            pass
    except XmlParseError as error:
        print(type(error).__name__)
    else:
        print("read")
    """
)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (LAUGHS, "UnsafeXmlError"),
        (XXE, "UnsafeXmlError"),
        # 50 MB of text in one element: refused by libxml2's text-size limit, not buffered.
        (xml("<Каталог><Ид>" + "x" * (50 * 1024 * 1024) + "</Ид></Каталог>"), "XmlParseError"),
    ],
    ids=["entity-bomb", "xxe", "huge-text-node"],
)
def test_hostile_files_fail_within_bounded_memory_and_time(data, expected):
    """Run in a child capped at 768 MB of address space: an expanding parser would die there."""
    result = subprocess.run(
        [sys.executable, "-c", _BOUNDED],
        input=data,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.decode().strip() == expected
