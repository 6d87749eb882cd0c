"""Replies as 1C parses them: plain text in windows-1251, LF line ends, no BOM.

Line 1 is ``success``, ``progress`` or ``failure``; line 2 is a message 1C
writes to its log. Every reply is HTTP 200, errors included: 1C reads the
body, and anything else (a redirect, an HTML error page) makes it give up
with a confusing message.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.http import FileResponse, HttpResponse
from django.http.response import HttpResponseBase

#: 1-C-Bitrix answers text/html; the body is plain text, and text/plain keeps
#: a browser from rendering anything reflected in it (a file name, say).
TEXT_CONTENT_TYPE = "text/plain; charset=windows-1251"
XML_CONTENT_TYPE = "application/xml; charset=windows-1251"
#: Bytes of a file reply read and sent at a time: Django's 4 KiB had a server without
#: ``sendfile`` (``runserver``, uWSGI without offloading) write a 60 MiB orders
#: document in 15,000 pieces.
FILE_BLOCK_SIZE = 256 * 1024

SUCCESS, PROGRESS, FAILURE = "success", "progress", "failure"


@dataclass(frozen=True, slots=True)
class Reply:
    """What a handler answers: the body (or a file), and for the log the status and message.

    With ``file`` the body is that file's content, streamed from disk.
    ``cookie`` is a session cookie to set (``checkauth``: the one its lines
    name, for clients that keep cookies from ``Set-Cookie`` rather than from
    the body).
    """

    body: bytes
    status: str
    message: str = ""
    content_type: str = TEXT_CONTENT_TYPE
    file: Path | None = None
    cookie: tuple[str, str] | None = None

    def response(self, *, secure: bool = False) -> HttpResponseBase:
        """The HTTP response; ``secure``: the request came over HTTPS (the cookie says so)."""
        response: HttpResponseBase
        if self.file is not None:
            response = FileResponse(self.file.open("rb"), content_type=self.content_type)
            response.block_size = FILE_BLOCK_SIZE
            if response.has_header("Content-Disposition"):
                del response["Content-Disposition"]  # 1C reads the body, not a download
        else:
            response = HttpResponse(self.body, content_type=self.content_type, status=200)
            if self.content_type != TEXT_CONTENT_TYPE:
                response["Content-Length"] = str(len(self.body))
        if self.cookie is not None:
            name, value = self.cookie
            response.set_cookie(name, value, httponly=True, samesite="Lax", secure=secure)
        response["Pragma"] = "no-cache"
        response["Cache-Control"] = "no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response


def encode(text: str) -> bytes:
    """Text in windows-1251; a character it lacks becomes ``?``, never an error."""
    return text.encode("cp1251", errors="replace")


def lines(*parts: str, trailing_newline: bool = True) -> Reply:
    """A reply of the given lines; its status is the first line."""
    body = "\n".join(parts) + ("\n" if trailing_newline else "")
    return Reply(encode(body), parts[0] if parts else "", parts[1] if len(parts) > 1 else "")


def success(message: str | None = None) -> Reply:
    """``success`` and a line break alone, or ``success``, a line break and a message.

    After a message there is no final line break, as Bitrix echoes it.
    """
    if message is None:
        return lines(SUCCESS)
    return lines(SUCCESS, message, trailing_newline=False)


def progress(message: str) -> Reply:
    return lines(PROGRESS, message, trailing_newline=False)


def failure(message: str) -> Reply:
    return lines(FAILURE, message, trailing_newline=False)


def xml(body: bytes, message: str = "XML", content_type: str = XML_CONTENT_TYPE) -> Reply:
    return Reply(body, SUCCESS, message, content_type)


def xml_file(path: Path, message: str, encoding: str) -> Reply:
    """An XML file as the reply, with its length and its encoding in the headers."""
    return Reply(b"", SUCCESS, message, f"application/xml; charset={encoding}", file=path)


# -- Bitrix's words ----------------------------------------------------------------

UNKNOWN_COMMAND = "Неизвестная команда."
BAD_SOURCE_CATALOG = (
    "Ошибка проверки источника запроса. Обновите модуль обмена или отключите проверку "
    "в настройках компонента."
)
BAD_SOURCE_SALE = "Ошибка проверки источника запроса. Обновите модуль обмена."
BAD_LOGIN = "Ошибка авторизации. Неверное имя пользователя или пароль."
NO_RIGHTS_CATALOG = "У Вас нет прав для импорта каталога. Проверьте настройки компонента импорта."
NO_RIGHTS_SALE = "У Вас нет прав для обмена. Проверьте настройки компонента."
#: Each exchange type's refusal of a user without its rights, as Bitrix words them.
NO_RIGHTS = {"catalog": NO_RIGHTS_CATALOG, "sale": NO_RIGHTS_SALE}
THROTTLED = "Слишком много неудачных попыток входа с этого адреса. Повторите через {minutes} мин."
IMPORT_DONE = "Импорт успешно завершен."
DEACTIVATED = "Деактивация элементов завершена."
DEACTIVATION_FAILED = "Ошибка деактивации элементов."
COMPLETED = "Завершение процедуры импорта"
WRITE_FAILED = "Ошибка записи в файл {name}."
BODY_CUT_SHORT = (
    "Ошибка чтения HTTP данных: получено {got} байт из {expected} объявленных "
    "(Content-Length). Часть файла {name} не сохранена, отправьте ее еще раз."
)
CHUNKED_UNREADABLE = (
    "Ошибка чтения HTTP данных: тело запроса передано частями (Transfer-Encoding: chunked), "
    "а веб-сервер сайта не передает такое тело приложению. Часть файла {name} не сохранена: "
    "отправьте ее с заголовком Content-Length или включите буферизацию запросов на "
    "прокси-сервере."
)
CHUNKED_CUT_SHORT = (
    "Ошибка чтения HTTP данных: тело запроса, переданное частями (Transfer-Encoding: chunked), "
    "оборвано или искажено ({error}). Часть файла {name} не сохранена, отправьте ее еще раз."
)
INTERNAL_ERROR = (
    "Внутренняя ошибка сайта при обработке запроса ({error}). Подробности в журнале сайта."
)
