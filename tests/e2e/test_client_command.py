"""``manage.py cml_exchange_client`` against the live endpoint: steps printed, catalog imported."""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

import django
import pytest
from django.core.management import CommandError, call_command

from benchmarks.generator import generate_catalog
from cml_exchange.management.commands.cml_exchange_client import PASSWORD_VARIABLE
from cml_exchange.models import ExchangeSettings, Offer, Product
from tests.e2e.conftest import PASSWORD, USER
from tests.e2e.servers import ROOT, environment
from tests.integration.importer.test_samples import SETS
from tests.integration.protocol.exchange import pictures_not_uploaded
from tests.paths import sample
from tests.terminal import Screen, run_in_terminal

FILES = [str(sample(name)) for name in SETS["carono"]]
IMPORT, OFFERS = (sample(name).name for name in SETS["carono"])
#: Any control character but the line end: what a log must not get.
CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")


def run(*args: str) -> list[str]:
    out = io.StringIO()
    call_command("cml_exchange_client", *args, stdout=out)
    assert not CONTROL.search(out.getvalue())
    return out.getvalue().splitlines()


def test_prints_each_step_and_imports(exchange_url, exchange_user, exchange_dirs):
    lines = run(exchange_url, "--user", USER, "--password", PASSWORD, *FILES)
    assert lines[:2] == ["checkauth: вход выполнен", "init: zip=yes, file_limit=204800"]
    assert re.fullmatch(r"Архив: 2 XML и 0 картинок, \d+,\d КБ, сжато до \d+,\d КБ", lines[2])
    assert re.fullmatch(r"Файл import\.zip отправлен: 1 часть, \d+,\d КБ", lines[3])
    said = pictures_not_uploaded(Path(FILES[0]).read_bytes())  # the archive has no picture
    assert lines[4].startswith(f"Импорт {IMPORT}: {said} (1 запрос, ")
    assert lines[5].startswith(f"Импорт {OFFERS}: Импорт успешно завершен. (1 запрос, ")
    assert lines[6:] == [
        "deactivate: Деактивация элементов завершена.",
        "complete: Завершение процедуры импорта",
        "Обмен завершен.",
    ]
    assert Product.objects.count() > 0
    assert Offer.objects.count() > 0


def test_no_zip_and_small_parts(exchange_url, exchange_user, exchange_dirs):
    url = exchange_url.replace("/1c_exchange.php", "/bitrix/admin/1c_exchange.php")
    args = ["--user", USER, "--password", PASSWORD, "--no-zip", "--chunk", "5000"]
    lines = run(url, *args, *FILES)
    assert f"Файл {IMPORT} отправлен: 13 частей, 58,7 КБ" in lines
    assert f"Файл {OFFERS} отправлен: 4 части, 15,4 КБ" in lines
    assert not any(line.startswith("Архив") for line in lines)
    assert lines[-1] == "Обмен завершен."
    assert Product.objects.count() > 0


def test_no_zip_sums_the_pictures_up_in_one_line(
    exchange_url, exchange_user, exchange_dirs, tmp_path
):
    manifest = generate_catalog(tmp_path, 12, seed=4)
    pictures = sorted((tmp_path / "import_files").rglob("*.jpg"))
    assert len(pictures) > 1, manifest
    files = [str(tmp_path / "import.xml"), str(tmp_path / "offers.xml")]
    lines = run(exchange_url, "--user", USER, "--password", PASSWORD, "--no-zip", *files)
    assert not any("import_files/" in line for line in lines)
    (summary,) = [line for line in lines if line.startswith("Картинок отправлено: ")]
    assert re.fullmatch(rf"Картинок отправлено: {len(pictures)}, \d+(,\d)? (Б|КБ)", summary)
    assert lines.index(summary) < lines.index(next(line for line in lines if "Импорт" in line))


def test_a_wrong_password_is_the_sites_message(exchange_url, exchange_user, exchange_dirs):
    with pytest.raises(CommandError) as raised:
        run(exchange_url, "--user", USER, "--password", "wrong", *FILES)
    assert "Ошибка авторизации" in str(raised.value)
    assert str(raised.value).startswith("Обмен прерван на шаге checkauth: ")
    assert Product.objects.count() == 0


def test_a_missing_file_stops_before_any_request(exchange_url, exchange_user, exchange_dirs):
    with pytest.raises(CommandError, match="Файл не найден"):
        run(exchange_url, "--user", USER, "--password", PASSWORD, "nowhere/import.xml")


# -- the password --------------------------------------------------------------------------


class Keyboard(io.StringIO):
    """Standard input on a terminal."""

    def isatty(self) -> bool:
        return True


def test_the_password_from_the_environment(exchange_url, exchange_user, exchange_dirs, monkeypatch):
    monkeypatch.setenv(PASSWORD_VARIABLE, PASSWORD)
    lines = run(exchange_url, "--user", USER, *FILES)
    assert lines[-1] == "Обмен завершен."


def test_the_password_typed_in_when_stdin_is_a_terminal(
    exchange_url: str, exchange_user: object, exchange_dirs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(PASSWORD_VARIABLE, raising=False)
    monkeypatch.setattr(sys, "stdin", Keyboard())
    prompts: list[str] = []

    def getpass(prompt: str) -> str:
        prompts.append(prompt)
        return PASSWORD

    monkeypatch.setattr("getpass.getpass", getpass)
    lines = run(exchange_url, "--user", USER, *FILES)
    assert prompts == [f"Пароль пользователя {USER} для {exchange_url}: "]
    assert lines[-1] == "Обмен завершен."


def test_no_password_and_no_terminal_is_said_before_any_request(monkeypatch):
    monkeypatch.delenv(PASSWORD_VARIABLE, raising=False)
    monkeypatch.setattr(sys, "stdin", io.StringIO())
    with pytest.raises(CommandError) as raised:
        run("http://127.0.0.1:9/1c_exchange.php", "--user", USER, *FILES)
    assert str(raised.value).startswith(
        f"Нет пароля: укажите --password, задайте переменную окружения {PASSWORD_VARIABLE} "
    )


# -- the schema version and Django's --version -----------------------------------------------


def test_version_alone_is_djangos(capsys):
    with pytest.raises(SystemExit) as exited:
        call_command("cml_exchange_client", "--version")
    assert exited.value.code == 0
    assert capsys.readouterr().out.strip() == django.get_version()


def test_the_old_version_option_still_sends_the_schema_version(
    exchange_url, exchange_user, exchange_dirs
):
    out, err = io.StringIO(), io.StringIO()
    args = ["--user", USER, "--password", PASSWORD, "--orders", "--version", "2.08"]
    call_command("cml_exchange_client", exchange_url, *args, stdout=out, stderr=err)
    assert "--schema-version" in err.getvalue()
    assert ", версия схемы 2.08" in out.getvalue().splitlines()[1]


def test_the_two_versions_must_agree():
    args = ["--user", USER, "--password", "P", "--orders", "--version", "2.08"]
    with pytest.raises(CommandError, match="не совпадают"):
        call_command(
            "cml_exchange_client", "http://127.0.0.1:9/x", *args, "--schema-version", "2.10"
        )


# -- on a terminal -------------------------------------------------------------------------


def client_in_terminal(
    url: str,
    tmp_path: Path,
    *args: str,
    env: dict[str, str] | None = None,
    answers: dict[bytes, bytes] | None = None,
) -> Screen:
    """The command in a pseudo-terminal of its own, against ``url`` (it needs no database)."""
    environ = environment(tmp_path / "unused.sqlite3", tmp_path / "exchange", tmp_path / "media")
    environ.pop(PASSWORD_VARIABLE, None)
    environ.update(env or {})
    command = [sys.executable, str(ROOT / "manage.py"), "cml_exchange_client", "--skip-checks"]
    return run_in_terminal(
        [*command, url, "--user", USER, *args], env=environ, cwd=ROOT, answers=answers
    )


@pytest.mark.slow
def test_on_a_terminal_a_bar_per_upload_and_import(
    exchange_url, exchange_user, exchange_dirs, tmp_path
):
    ExchangeSettings.objects.update_or_create(pk=1, defaults={"step_interval": 1})
    # Big enough to take more than one 1 s step on a fast machine (2,000 took 0.9 s).
    generate_catalog(tmp_path / "catalog", 5000, seed=6)
    files = [str(tmp_path / "catalog" / name) for name in ("import.xml", "offers.xml")]
    screen = client_in_terminal(
        exchange_url,
        tmp_path,
        "--chunk",
        "20000",
        *files,
        env={PASSWORD_VARIABLE: PASSWORD},
    )
    text = screen.text
    assert screen.returncode == 0, text
    frames = [frame for line in text.split("\n") for frame in line.split("\r")]
    uploads = [frame for frame in frames if re.match(r"Отправка import\.zip: +\d+%\|", frame)]
    assert uploads, text
    assert any("часть " in frame and " из " in frame for frame in uploads)
    polls = [frame for frame in frames if re.match(r"Импорт import\.xml: \d+ запрос", frame)]
    assert polls, text
    assert any("Обработано" in frame or "проверен" in frame for frame in polls)
    assert re.search(r"Импорт import\.xml: Импорт успешно завершен\. \(\d+ запрос", text)
    assert "Обмен завершен." in text.rstrip().splitlines()[-1]  # in green


@pytest.mark.slow
def test_on_a_terminal_the_password_is_asked_for(
    exchange_url, exchange_user, exchange_dirs, tmp_path
):
    prompt = f"Пароль пользователя {USER} для {exchange_url}: ".encode()
    screen = client_in_terminal(
        exchange_url, tmp_path, *FILES, answers={prompt: PASSWORD.encode() + b"\n"}
    )
    assert screen.returncode == 0, screen.text
    assert prompt.decode() in screen.text
    assert PASSWORD not in screen.text  # not echoed
    assert "Обмен завершен." in screen.text.rstrip().splitlines()[-1]
