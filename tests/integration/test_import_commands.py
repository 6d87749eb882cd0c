"""``cml_import`` and ``cml_status``: the importer from the command line."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from cml_exchange.models import ImportJob, Offer, Product
from tests.paths import sample

pytestmark = pytest.mark.django_db

IMPORT = str(sample("carono__php-commerceml__tests__xml__import"))
OFFERS = str(sample("carono__php-commerceml__tests__xml__offers"))


class Terminal(StringIO):
    def isatty(self) -> bool:
        return True


def test_cml_import_runs_the_whole_import(tmp_path):
    out = StringIO()
    call_command("cml_import", IMPORT, OFFERS, stdout=out)
    text = out.getvalue()
    assert "Импорт успешно завершен." in text
    assert "products_created: 2" in text
    assert "Предупреждений: 3" in text  # three pictures that were not uploaded
    assert (Product.objects.count(), Offer.objects.count()) == (2, 5)


def test_cml_import_with_a_budget_takes_steps_like_the_endpoint():
    out = StringIO()
    call_command(
        "cml_import", IMPORT, OFFERS, "--budget", "0.000001", "--batch-size", "3", stdout=out
    )
    job = ImportJob.objects.get()
    assert job.steps > 5
    assert "Обработано 3 из 22 групп." in out.getvalue()
    assert (Product.objects.count(), Offer.objects.count()) == (2, 5)


def test_cml_import_draws_a_progress_bar_on_a_terminal():
    out = Terminal()
    call_command(
        "cml_import", IMPORT, OFFERS, "--budget", "0.000001", "--batch-size", "5", stdout=out
    )
    assert "\r[" in out.getvalue()
    assert "100%" in out.getvalue() or "Импорт успешно завершен." in out.getvalue()


def test_cml_import_reports_a_broken_file_and_fails(tmp_path):
    broken = tmp_path / "import.xml"
    broken.write_bytes(sample("carono__php-commerceml__tests__xml__import").read_bytes()[:5000])
    with pytest.raises(CommandError) as caught:
        call_command("cml_import", str(broken), stdout=StringIO())
    assert "оборван" in str(caught.value)
    assert Product.objects.count() == 0


def test_cml_import_refuses_missing_files():
    with pytest.raises(CommandError) as caught:
        call_command("cml_import", "/nowhere/import.xml", stdout=StringIO())
    assert "Файлы не найдены" in str(caught.value)


def test_cml_status_json_counts_and_jobs():
    call_command("cml_import", IMPORT, OFFERS, stdout=StringIO())
    out = StringIO()
    call_command("cml_status", "--json", stdout=out)
    status = json.loads(out.getvalue())
    assert {key: status[key] for key in ("groups", "properties", "products", "offers")} == {
        "groups": 22,
        "properties": 10,
        "products": 2,
        "offers": 5,
    }
    assert (status["products_active"], status["offers_active"]) == (2, 5)
    assert (status["price_types"], status["prices"], status["warehouses"]) == (1, 5, 5)
    assert (status["stock_rows"], status["images"], status["orders"]) == (5, 0, 0)
    (job,) = status["jobs"]
    assert (job["status"], job["message"], job["warnings"]) == (
        "done",
        "Импорт успешно завершен.",
        3,
    )


def test_cml_status_readable_table():
    call_command("cml_import", IMPORT, OFFERS, stdout=StringIO())
    out = StringIO()
    call_command("cml_status", stdout=out)
    text = out.getvalue()
    assert "Товары" in text and "Последние импорты:" in text and "завершен" in text
