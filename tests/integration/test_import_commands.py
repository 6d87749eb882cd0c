"""``cml_import`` and ``cml_status``: the importer from the command line."""

import json
import re
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from benchmarks.generator import generate_catalog
from cml_exchange.management import console
from cml_exchange.models import Catalog, ExchangeSettings, ImportJob, Offer, Product
from tests.e2e.servers import ROOT, shop_database
from tests.integration.protocol.exchange import pictures_not_uploaded
from tests.paths import sample
from tests.terminal import run_in_terminal

pytestmark = pytest.mark.django_db

IMPORT = str(sample("carono__php-commerceml__tests__xml__import"))
OFFERS = str(sample("carono__php-commerceml__tests__xml__offers"))
#: The files' names in the job, and what their scans count: groups, properties, products;
#: offers.
IMPORT_NAME, OFFERS_NAME = Path(IMPORT).name, Path(OFFERS).name
FILE_LINES = [f"{IMPORT_NAME}: прочитано 34 элемента.", f"{OFFERS_NAME}: прочитано 5 элементов."]
#: The job's last message: import.xml names three pictures, and no picture is at hand.
DONE_BUT_PICTURES = pictures_not_uploaded(Path(IMPORT).read_bytes())
#: Any control character but the line end: what a log must not get.
CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")


def test_cml_import_runs_the_whole_import(tmp_path):
    out = StringIO()
    call_command("cml_import", IMPORT, OFFERS, stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[:3] == [*FILE_LINES, DONE_BUT_PICTURES]
    assert "  создано товаров: 2" in lines
    # Three pictures that were not uploaded: their kind counted, then each said.
    at = lines.index("Предупреждений: 3")
    assert re.fullmatch(r"  [а-яё ,()]+: 3", lines[at + 1]), lines[at + 1]
    assert [line.startswith("  - ") for line in lines[at + 2 : at + 5]] == [True] * 3
    job = ImportJob.objects.get()
    assert re.fullmatch(rf"Задание импорта №{job.pk}: \d+ шаг(а|ов)?, \d+,\d с\.", lines[-1])
    assert (Product.objects.count(), Offer.objects.count()) == (2, 5)


def test_off_a_terminal_a_line_per_file_and_no_control_characters():
    out = StringIO()
    call_command(
        "cml_import", IMPORT, OFFERS, "--budget", "0.000001", "--batch-size", "3", stdout=out
    )
    job = ImportJob.objects.get()
    assert job.steps > 5
    # The import takes less than the seconds between two progress lines of a file.
    assert out.getvalue().splitlines()[:3] == [*FILE_LINES, DONE_BUT_PICTURES]
    assert not CONTROL.search(out.getvalue())
    assert (Product.objects.count(), Offer.objects.count()) == (2, 5)


def test_off_a_terminal_progress_lines_are_the_importers_messages(monkeypatch):
    monkeypatch.setattr(console, "PLAIN_EVERY", 0.0)
    out = StringIO()
    call_command(
        "cml_import", IMPORT, OFFERS, "--budget", "0.000001", "--batch-size", "3", stdout=out
    )
    lines = out.getvalue().splitlines()
    assert lines[0].startswith(f"{IMPORT_NAME}: 0%, Файл {IMPORT_NAME} проверен: 2 товара")
    assert f"{OFFERS_NAME}: проверка файла" in lines
    assert f"{IMPORT_NAME}: 8%, Обработано 3 из 22 групп." in lines
    assert lines.index(f"{IMPORT_NAME}: 8%, Обработано 3 из 22 групп.") < lines.index(FILE_LINES[0])
    assert not CONTROL.search(out.getvalue())


def test_without_a_budget_one_step_shown_batch_by_batch(monkeypatch):
    monkeypatch.setattr(console, "PLAIN_EVERY", 0.0)
    out = StringIO()
    call_command("cml_import", IMPORT, OFFERS, "--batch-size", "3", stdout=out)
    assert ImportJob.objects.get().steps == 1
    lines = out.getvalue().splitlines()
    batches = [
        line for line in lines if line.startswith(f"{IMPORT_NAME}: ") and "Обработано" in line
    ]
    assert f"{IMPORT_NAME}: 8%, Обработано 3 из 22 групп." in batches
    assert len(batches) > 5
    assert lines.index(batches[-1]) < lines.index(FILE_LINES[0])
    assert f"{OFFERS_NAME}: прочитано 5 элементов." in lines


@pytest.mark.slow
def test_cml_import_draws_a_live_bar_on_a_terminal(tmp_path):
    """In a real pseudo-terminal: a bar per file, redrawn in place, then the file's line."""
    generate_catalog(tmp_path / "catalog", 1500, seed=5)
    files = [str(tmp_path / "catalog" / name) for name in ("import.xml", "offers.xml")]
    # Scanned first: beside the scan, a step reads on until its verdict, and the few
    # strides of a file this small could then be all there is to draw.
    with shop_database(tmp_path, {"CML_EXCHANGE_SCAN_BESIDE_FROM": "0"}) as env:
        command = [sys.executable, str(ROOT / "manage.py"), "cml_import", *files]
        screen = run_in_terminal(
            [*command, "--budget", "0.05", "--batch-size", "50"],
            env=env,
            cwd=ROOT,
        )
    text = screen.text
    assert screen.returncode == 0, text
    frames = [frame for line in text.split("\n") for frame in line.split("\r")]
    bars = [frame for frame in frames if re.match(r"import\.xml: +\d+%\|", frame)]
    assert len(bars) > 3, text
    # The percentage, the count of the scan, the time spent and left, and the rate.
    moving = [bar for bar in bars if "осталось" in bar]
    assert moving, bars
    assert re.search(r" \d+ / \d+ \[00:\d\d, осталось 00:\d\d, \d+(,\d)? эл\./с", moving[-1])
    assert any(re.match(r"offers\.xml: +\d+%\|", frame) for frame in frames)
    lines = text.split("\n")
    assert any(line.rsplit("\r", 1)[-1].startswith("import.xml: прочитано ") for line in lines)
    assert "Импорт успешно завершен." in text


def test_cml_import_follows_the_exchange_settings_as_the_endpoint_does():
    """The admin's "nothing" for missing products and "keep names edited on the site" hold."""
    ExchangeSettings.load()
    ExchangeSettings.objects.update(missing_products="nothing", site_owns_name=True)
    call_command("cml_import", IMPORT, stdout=StringIO())
    catalog = Catalog.objects.get()
    Product.objects.create(catalog=catalog, external_id="gone", name="Снят", slug="gone")
    renamed = Product.objects.exclude(external_id="gone").first()
    assert renamed is not None
    Product.objects.filter(pk=renamed.pk).update(name="Название с сайта")

    out = StringIO()
    call_command("cml_import", IMPORT, "--no-checksums", stdout=out)

    assert Product.objects.get(external_id="gone").active
    assert Product.objects.get(pk=renamed.pk).name == "Название с сайта"
    assert "деактивировано" not in out.getvalue()
    # A flag given on the command line wins over the settings.
    call_command("cml_import", IMPORT, "--missing-products", "deactivate", stdout=out)
    assert not Product.objects.get(external_id="gone").active


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
    assert (job["status"], job["message"], job["warnings"]) == ("done", DONE_BUT_PICTURES, 3)


def test_cml_status_readable_table():
    call_command("cml_import", IMPORT, OFFERS, stdout=StringIO())
    out = StringIO()
    call_command("cml_status", stdout=out)
    text = out.getvalue()
    assert "Товары" in text and "Последние импорты:" in text and "завершен" in text


def test_cml_import_refuses_to_run_with_a_setting_the_app_cannot_use(settings):
    """The app's own checks still run before an import (the project's others do not)."""
    from django.core.management.base import SystemCheckError

    settings.CML_EXCHANGE_MAX_FILE_SIZE = -1
    with pytest.raises(SystemCheckError, match="CML_EXCHANGE_MAX_FILE_SIZE"):
        call_command("cml_import", IMPORT, skip_checks=False, stdout=StringIO())
    assert not Product.objects.exists()
