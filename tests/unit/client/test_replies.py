"""The client reads replies as 1C does: windows-1251 bytes, a status line, messages after it."""

from __future__ import annotations

import pytest

from cml_exchange.client import ExchangeFailure, parse_checkauth, parse_init, parse_reply


def cp1251(text: str) -> bytes:
    return text.encode("cp1251")


class TestParseReply:
    def test_success_with_a_message(self):
        reply = parse_reply("import", cp1251("success\nИмпорт успешно завершен."))
        assert (reply.status, reply.lines) == ("success", ("Импорт успешно завершен.",))
        assert reply.message == "Импорт успешно завершен."

    def test_success_alone(self):
        reply = parse_reply("file", b"success\n")
        assert (reply.status, reply.lines, reply.message) == ("success", (), "")

    def test_progress_with_crlf(self):
        reply = parse_reply("import", cp1251("progress\r\nОбработано 5 из 10 товаров.\r\n"))
        assert (reply.status, reply.message) == ("progress", "Обработано 5 из 10 товаров.")

    def test_failure_raises_with_the_sites_message(self):
        body = cp1251("failure\nОшибка авторизации. Неверное имя пользователя или пароль.")
        with pytest.raises(ExchangeFailure) as raised:
            parse_reply("init", body)
        failure = raised.value
        assert failure.mode == "init"
        assert failure.message == "Ошибка авторизации. Неверное имя пользователя или пароль."
        assert failure.reply == body.decode("cp1251")
        assert str(failure) == "init: Ошибка авторизации. Неверное имя пользователя или пароль."

    def test_failure_of_several_lines_is_one_message(self):
        with pytest.raises(ExchangeFailure) as raised:
            parse_reply("import", cp1251("failure\nОшибка импорта метаданных.\nЕдиница: шт\n"))
        assert raised.value.message == "Ошибка импорта метаданных. Единица: шт"

    def test_an_empty_failure(self):
        with pytest.raises(ExchangeFailure) as raised:
            parse_reply("import", b"failure\n")
        assert raised.value.message == "(пустой ответ)"

    def test_windows_1251_is_not_utf8(self):
        body = cp1251("success\nЗавершение процедуры импорта")
        assert parse_reply("complete", body).message == "Завершение процедуры импорта"

    def test_a_charset_from_the_header_wins(self):
        body = "progress\nИдет распаковка архива.".encode()
        assert parse_reply("import", body, "utf-8").message == "Идет распаковка архива."

    def test_an_unknown_charset_falls_back_to_windows_1251(self):
        assert parse_reply("file", cp1251("success\nок"), "x-no-such").message == "ок"

    @pytest.mark.parametrize(
        "body",
        [
            b"<!DOCTYPE html><html><body>Login</body></html>",
            b"",
            b"Fatal error: Allowed memory size exhausted",
            b"Success\n",
        ],
    )
    def test_anything_else_is_a_failure(self, body):
        with pytest.raises(ExchangeFailure, match="непонятный ответ сайта"):
            parse_reply("checkauth", body)

    def test_a_bom_is_a_failure(self):
        with pytest.raises(ExchangeFailure, match="BOM"):
            parse_reply("file", b"\xef\xbb\xbfsuccess\n")


class TestParseCheckauth:
    def test_catalog_five_lines(self):
        auth = parse_checkauth(
            b"success\nCML_EXCHANGE_SESSION\nabc123\nsessid=f00\ntimestamp=1700000000\n"
        )
        assert (auth.cookie_name, auth.cookie_value) == ("CML_EXCHANGE_SESSION", "abc123")
        assert auth.cookie == "CML_EXCHANGE_SESSION=abc123"
        assert (auth.sessid, auth.timestamp) == ("sessid=f00", 1700000000)

    def test_sale_four_lines_without_timestamp(self):
        auth = parse_checkauth(b"success\nPHPSESSID\nxyz\nsessid=1\n")
        assert (auth.sessid, auth.timestamp) == ("sessid=1", None)

    def test_old_sites_three_lines(self):
        auth = parse_checkauth(b"success\nPHPSESSID\nxyz")
        assert (auth.cookie, auth.sessid, auth.timestamp) == ("PHPSESSID=xyz", None, None)

    def test_failure(self):
        with pytest.raises(ExchangeFailure, match="checkauth: У Вас нет прав"):
            parse_checkauth(cp1251("failure\nУ Вас нет прав для импорта каталога."))

    def test_progress_is_not_a_login(self):
        with pytest.raises(ExchangeFailure, match="ожидался ответ success"):
            parse_checkauth(b"progress\nPHPSESSID\nxyz\n")

    @pytest.mark.parametrize("body", [b"success\n", b"success\nPHPSESSID\n", b"success\n\nxyz\n"])
    def test_no_cookie(self, body):
        with pytest.raises(ExchangeFailure, match="cookie"):
            parse_checkauth(body)

    def test_a_dot_in_the_cookie_name(self):
        with pytest.raises(ExchangeFailure, match="имя cookie"):
            parse_checkauth(b"success\nsession.id\nxyz\n")

    def test_a_bad_timestamp(self):
        with pytest.raises(ExchangeFailure, match="метка времени"):
            parse_checkauth(b"success\nS\nv\nsessid=1\ntimestamp=soon\n")


class TestParseInit:
    def test_bitrix_two_lines_without_final_newline(self):
        params = parse_init(b"zip=yes\nfile_limit=204800")
        assert (params.zip, params.file_limit, params.sessid, params.version) == (
            True,
            204800,
            None,
            None,
        )

    def test_with_sessid_and_version(self):
        params = parse_init(b"zip=no\nfile_limit=1000\nsessid=abc\nversion=2.10\n")
        assert (params.zip, params.file_limit) == (False, 1000)
        assert (params.sessid, params.version) == ("sessid=abc", "2.10")

    @pytest.mark.parametrize(
        "body", [b"zip=no\n", b"zip=no\nfile_limit=0\n", b"zip=no\nfile_limit="]
    )
    def test_no_limit(self, body):
        assert parse_init(body).file_limit is None

    def test_failure(self):
        body = cp1251("failure\nОшибка проверки источника запроса.")
        with pytest.raises(ExchangeFailure, match=r"init: Ошибка проверки источника запроса\."):
            parse_init(body)

    @pytest.mark.parametrize("body", [b"<html>Login</html>", b"success\n", b"zip=maybe\n", b""])
    def test_no_parameters(self, body):
        with pytest.raises(ExchangeFailure, match="не передал параметры обмена"):
            parse_init(body)

    def test_a_bad_limit(self):
        with pytest.raises(ExchangeFailure, match="file_limit"):
            parse_init(b"zip=yes\nfile_limit=big")
