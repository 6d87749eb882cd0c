"""The client's orders exchange (type=sale): its replies, and its requests to a scripted site."""

from __future__ import annotations

from collections.abc import Mapping
from email.message import Message
from urllib.parse import parse_qsl

import pytest

from cml_exchange.client import (
    ExchangeClient,
    ExchangeFailure,
    parse_checkauth,
    parse_confirmation,
    parse_document,
    parse_init,
)
from cml_exchange.client.transport import Request, Response

ORDERS_XML = (
    '<?xml version="1.0" encoding="windows-1251"?>\n'
    '<КоммерческаяИнформация ВерсияСхемы="2.05"><Документ><Ид>1</Ид></Документ>'
    "</КоммерческаяИнформация>"
).encode("cp1251")


class TestSaleCheckauth:
    def test_four_lines_no_timestamp(self):
        auth = parse_checkauth(b"success\nCML_EXCHANGE_SESSION\nq1w2e3\nsessid=5f1a\n")
        assert auth.cookie == "CML_EXCHANGE_SESSION=q1w2e3"
        assert (auth.sessid, auth.timestamp) == ("sessid=5f1a", None)

    def test_crlf_and_no_final_newline(self):
        auth = parse_checkauth(b"success\r\nPHPSESSID\r\nabc\r\nsessid=xyz")
        assert (auth.cookie, auth.sessid, auth.timestamp) == ("PHPSESSID=abc", "sessid=xyz", None)

    def test_the_sale_rights_failure(self):
        body = "failure\nУ Вас нет прав для обмена. Проверьте настройки компонента.".encode(
            "cp1251"
        )
        with pytest.raises(ExchangeFailure) as raised:
            parse_checkauth(body)
        assert raised.value.message == "У Вас нет прав для обмена. Проверьте настройки компонента."


class TestSaleInit:
    @pytest.mark.parametrize(
        ("body", "zipped"),
        [(b"zip=no\nfile_limit=1000000\n", False), (b"zip=yes\nfile_limit=1000000\n", True)],
    )
    def test_without_version_two_lines(self, body, zipped):
        params = parse_init(body)
        assert (params.zip, params.file_limit, params.sessid, params.version) == (
            zipped,
            1000000,
            None,
            None,
        )

    def test_with_version_four_lines(self):
        params = parse_init(b"zip=no\nfile_limit=204800\nsessid=7d3e\nversion=2.09\n")
        assert (params.zip, params.file_limit) == (False, 204800)
        assert (params.sessid, params.version) == ("sessid=7d3e", "2.09")

    def test_failure(self):
        body = "failure\nОшибка проверки источника запроса. Обновите модуль обмена.".encode(
            "cp1251"
        )
        with pytest.raises(ExchangeFailure, match="init: Ошибка проверки источника запроса"):
            parse_init(body)


class TestParseDocument:
    def test_xml_comes_back_byte_for_byte(self):
        assert parse_document("query", ORDERS_XML) is ORDERS_XML

    @pytest.mark.parametrize("prefix", [b"\xef\xbb\xbf", b"\n  "])
    def test_a_bom_or_blank_before_xml_is_allowed(self, prefix):
        assert parse_document("query", prefix + ORDERS_XML) == prefix + ORDERS_XML

    def test_failure_is_the_sites_message(self):
        body = "failure\nОшибка авторизации. Неверное имя пользователя или пароль.".encode("cp1251")
        with pytest.raises(ExchangeFailure) as raised:
            parse_document("query", body)
        assert raised.value.mode == "query"
        assert raised.value.message == "Ошибка авторизации. Неверное имя пользователя или пароль."

    def test_empty(self):
        with pytest.raises(ExchangeFailure, match="пустым ответом"):
            parse_document("query", b" \n")

    @pytest.mark.parametrize(
        "body",
        [
            b"<!DOCTYPE html><html><body>Login</body></html>",
            b"<html><head></head></html>",
            b"success\n",
            b"Fatal error: Allowed memory size exhausted",
        ],
    )
    def test_not_xml(self, body):
        with pytest.raises(ExchangeFailure, match="не XML"):
            parse_document("info", body)


class TestParseConfirmation:
    def test_success(self):
        assert parse_confirmation(b"success\n").status == "success"

    def test_bitrixs_error_for_another_session(self):
        with pytest.raises(ExchangeFailure, match="не принял подтверждение") as raised:
            parse_confirmation(b"error\n")
        assert raised.value.mode == "success"

    def test_failure(self):
        with pytest.raises(ExchangeFailure, match="success: нет сессии"):
            parse_confirmation("failure\nнет сессии".encode("cp1251"))


# -- the client against a scripted site ------------------------------------------


def response(body: bytes, content_type: str = "text/html; charset=windows-1251") -> Response:
    headers = Message()
    headers["Content-Type"] = content_type
    return Response(200, "OK", headers, body)


class Site:
    """A transport that answers each mode from a script and records every request."""

    def __init__(self, replies: Mapping[str, Response | list[Response]]) -> None:
        self.replies = {
            mode: list(r) if isinstance(r, list) else [r] for mode, r in replies.items()
        }
        self.requests: list[tuple[str, dict[str, str], dict[str, str], bytes | None]] = []

    def send(self, request: Request) -> Response:
        query = dict(parse_qsl(request.query))
        self.requests.append((request.method, query, dict(request.headers), request.body))
        queue = self.replies[query["mode"]]
        return queue.pop(0) if len(queue) > 1 else queue[0]


SALE_SITE = {
    "checkauth": response(b"success\nSESSION\nc00k1e\nsessid=first\n"),
    "init": response(b"zip=no\nfile_limit=100\nsessid=second\nversion=2.08\n"),
    "query": response(ORDERS_XML, "application/xml; charset=windows-1251"),
    "success": response(b"success\n"),
    "file": response(b"success\n"),
    "import": response("success\nЗаказ №77 на сайте не найден.\n\n".encode("cp1251")),
}


def client_of(site: Site) -> tuple[ExchangeClient, list[str]]:
    log: list[str] = []
    return ExchangeClient(site, "1c", "pw", log=log.append), log


def test_the_whole_exchange_as_1c_runs_it(tmp_path):
    orders = tmp_path / "orders-abc_.xml"
    orders.write_bytes(b"<x>" + b"a" * 150 + b"</x>")
    site = Site(SALE_SITE)
    client, log = client_of(site)
    result = client.exchange_orders(version="2.08", send=orders)
    modes = [(query["type"], query["mode"]) for _, query, _, _ in site.requests]
    assert modes == [
        ("sale", "checkauth"),
        ("sale", "init"),
        ("sale", "query"),
        ("sale", "success"),
        ("sale", "file"),
        ("sale", "file"),
        ("sale", "import"),
    ]
    assert result.document == ORDERS_XML
    assert result.params.version == "2.08"
    assert result.errors == ["Заказ №77 на сайте не найден."]
    assert result.sent is not None and (result.sent.name, result.sent.parts) == (
        "orders-abc_.xml",
        2,
    )
    _, init_query, init_headers, _ = site.requests[1]
    assert init_query["version"] == "2.08"
    assert (init_query["sessid"], init_headers["Cookie"]) == ("first", "SESSION=c00k1e")
    # the sessid of init's reply replaces checkauth's from then on
    assert all(query["sessid"] == "second" for _, query, _, _ in site.requests[2:])
    assert [query.get("filename") for _, query, _, _ in site.requests[4:]] == [
        "orders-abc_.xml"
    ] * 3
    assert b"".join(body or b"" for _, _, _, body in site.requests[4:6]) == orders.read_bytes()
    assert log[:4] == [
        "checkauth: success",
        "init: zip=no file_limit=100 version=2.08",
        f"query: {len(ORDERS_XML)} B XML",
        "success: success",
    ]
    assert log[-1] == "import orders-abc_.xml: Заказ №77 на сайте не найден."


def test_without_version_and_without_a_file():
    site = Site({**SALE_SITE, "init": response(b"zip=yes\nfile_limit=204800\n")})
    client, _log = client_of(site)
    result = client.exchange_orders()
    assert [query["mode"] for _, query, _, _ in site.requests] == [
        "checkauth",
        "init",
        "query",
        "success",
    ]
    assert "version" not in site.requests[1][1]
    assert site.requests[3][1]["sessid"] == "first"
    assert (result.sent, result.imported, result.errors) == (None, None, [])


def test_errors_of_the_upload_and_of_the_import_are_kept_in_order():
    site = Site(
        {
            **SALE_SITE,
            "file": response("success\nЗаказ №1 не может быть изменен.".encode("cp1251")),
            "import": [
                response("progress\nОбработано 1 из 2.".encode("cp1251")),
                response("success\nЗаказ №2 на сайте не найден.\n".encode("cp1251")),
            ],
        }
    )
    client, log = client_of(site)
    client.checkauth("sale")
    client.init("sale")
    sent, imported, errors = client.send_orders(b"<orders/>")
    assert (sent.name, imported.requests) == ("orders.xml", 2)
    assert errors == ["Заказ №1 не может быть изменен.", "Заказ №2 на сайте не найден."]
    assert "file orders.xml: Заказ №1 не может быть изменен." in log


def test_a_failed_query_stops_before_success():
    failure = "failure\nОшибка формирования выгрузки.".encode("cp1251")
    site = Site({**SALE_SITE, "query": response(failure)})
    client, _log = client_of(site)
    with pytest.raises(ExchangeFailure, match=r"query: Ошибка формирования выгрузки\."):
        client.exchange_orders()
    assert [query["mode"] for _, query, _, _ in site.requests][-1] == "query"


def test_error_on_success_raises():
    site = Site({**SALE_SITE, "success": response(b"error\n")})
    client, _log = client_of(site)
    with pytest.raises(ExchangeFailure, match="не принял подтверждение"):
        client.exchange_orders()


def test_info_is_raw_xml():
    info = '<?xml version="1.0" encoding="UTF-8"?><Справочник/>'.encode()
    site = Site({**SALE_SITE, "info": response(info, "application/xml; charset=utf-8")})
    client, log = client_of(site)
    client.checkauth("sale")
    assert client.info() == info
    assert site.requests[-1][1]["type"] == "sale"
    assert log[-1].startswith("info: ")
