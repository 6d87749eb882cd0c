"""``manage.py cml_exchange_client`` against the live endpoint: steps printed, catalog imported."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from cml_exchange.models import Offer, Product
from tests.e2e.conftest import PASSWORD, USER
from tests.integration.importer.test_samples import SETS
from tests.paths import sample

FILES = [str(sample(name)) for name in SETS["carono"]]
IMPORT, OFFERS = (sample(name).name for name in SETS["carono"])


def run(*args: str) -> list[str]:
    out = io.StringIO()
    call_command("cml_exchange_client", *args, stdout=out)
    return out.getvalue().splitlines()


def test_prints_each_step_and_imports(exchange_url, exchange_user, exchange_dirs):
    lines = run(exchange_url, "--user", USER, "--password", PASSWORD, *FILES)
    assert lines[:2] == ["checkauth: success", "init: zip=yes file_limit=204800"]
    assert lines[2].startswith("zip import.zip: 2 XML, 0 pictures, ")
    assert lines[3].startswith("file import.zip: 1 part, ")
    assert lines[4].startswith(f"import {IMPORT}: success Импорт успешно завершен. (1 request, ")
    assert lines[5].startswith(f"import {OFFERS}: success Импорт успешно завершен. (1 request, ")
    assert lines[6:] == [
        "deactivate: success Деактивация элементов завершена.",
        "complete: success Завершение процедуры импорта",
        "Обмен завершен.",
    ]
    assert Product.objects.count() > 0
    assert Offer.objects.count() > 0


def test_no_zip_and_small_parts(exchange_url, exchange_user, exchange_dirs):
    url = exchange_url.replace("/1c_exchange.php", "/bitrix/admin/1c_exchange.php")
    args = ["--user", USER, "--password", PASSWORD, "--no-zip", "--chunk", "5000"]
    lines = run(url, *args, *FILES)
    assert f"file {IMPORT}: 13 parts, 58.7 KB" in lines
    assert f"file {OFFERS}: 4 parts, 15.4 KB" in lines
    assert not any(line.startswith("zip ") for line in lines)
    assert lines[-1] == "Обмен завершен."
    assert Product.objects.count() > 0


def test_a_wrong_password_is_the_sites_message(exchange_url, exchange_user, exchange_dirs):
    with pytest.raises(CommandError) as raised:
        run(exchange_url, "--user", USER, "--password", "wrong", *FILES)
    assert "Ошибка авторизации" in str(raised.value)
    assert str(raised.value).startswith("Обмен прерван на шаге checkauth: ")
    assert Product.objects.count() == 0


def test_a_missing_file_stops_before_any_request(exchange_url, exchange_user, exchange_dirs):
    with pytest.raises(CommandError, match="Файл не найден"):
        run(exchange_url, "--user", USER, "--password", PASSWORD, "nowhere/import.xml")
