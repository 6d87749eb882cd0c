"""``manage.py shop_demo`` (the first README command's set-up): demo catalog, admin, addresses."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client

from cml_exchange.models import ImportJob, Offer, Product, ProductImage
from example_shop.demo_catalog import DEMO_DIR
from tests.integration.shop.conftest import load_demo
from tests.paths import CML_DIR

#: Each bundled file and the sample it must be a byte-for-byte copy of.
COPIES = {
    "shoes/import.xml": "carono__php-commerceml__tests__xml__import.xml",
    "shoes/offers.xml": "carono__php-commerceml__tests__xml__offers.xml",
    "mats/import0_1.xml": "dobromyslov__commerceml-parser__data__import0_1.xml",
    "mats/offers0_1.xml": "dobromyslov__commerceml-parser__data__offers0_1.xml",
}


def expected(name: str, key: str) -> int:
    """A count of the sample ``name`` from the samples' independent lxml census."""
    files = json.loads((CML_DIR / "EXPECTED_COUNTS.json").read_text("utf-8"))["files"]
    (found,) = (item for item in files if item["file"] == name)
    return int(found[key])


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_bundled_files_are_the_public_samples_unedited() -> None:
    for bundled, sample in COPIES.items():
        assert digest(DEMO_DIR / bundled) == digest(CML_DIR / sample), bundled


def test_the_demo_catalog_is_imported(demo: str) -> None:
    names = COPIES.values()
    on_sale = sum(expected(n, "products") - expected(n, "products_deleted") for n in names)
    assert Product.objects.filter(active=True, deleted=False).count() == on_sale
    assert Offer.objects.count() == sum(expected(n, "offers") for n in names)
    boots = Product.objects.get(name="Женские ботфорты коричневые")
    # the sample names three pictures without shipping them: stand-ins are drawn and stored
    assert ProductImage.objects.filter(product=boots).count() == 3
    assert all(image.file.storage.exists(str(image.file.name)) for image in boots.images.all())
    assert set(ImportJob.objects.values_list("status", flat=True)) == {ImportJob.Status.DONE}


def test_it_prints_where_everything_is(demo: str, password_file: Path) -> None:
    password = password_file.read_text("utf-8").strip()
    assert len(password) >= 12
    lines = demo.splitlines()
    assert "Магазин:                  http://127.0.0.1:8000/" in lines
    assert "Администрирование:        http://127.0.0.1:8000/admin/" in lines
    assert "Адрес сайта для 1С:       http://127.0.0.1:8000/1c_exchange.php" in lines
    assert "Пользователь (админка и обмен с 1С): admin" in lines
    assert f"Пароль:                   {password}" in lines


def test_the_admin_may_log_in_and_exchange_with_1c(demo: str, password_file: Path) -> None:
    password = password_file.read_text("utf-8").strip()
    client = Client()
    assert client.login(username="admin", password=password)
    assert client.get("/admin/").status_code == 200
    token = base64.b64encode(f"admin:{password}".encode()).decode()
    reply = Client().get(
        "/1c_exchange.php",
        {"type": "catalog", "mode": "checkauth"},
        HTTP_AUTHORIZATION=f"Basic {token}",
    )
    assert reply.content.decode("cp1251").splitlines()[0] == "success"


@pytest.mark.django_db
def test_running_it_again_changes_nothing(demo: str, password_file: Path) -> None:
    jobs = ImportJob.objects.count()
    products = Product.objects.count()
    again = load_demo(password_file)
    assert ImportJob.objects.count() == jobs
    assert Product.objects.count() == products
    assert "Демо-каталог уже загружен" in again
    assert again.splitlines()[-1] == demo.splitlines()[-1]  # the same password


def test_a_changed_password_is_not_reset(demo: str, password_file: Path) -> None:
    admin = User.objects.get(username="admin")
    admin.set_password("chosen-by-the-owner")
    admin.save()
    again = load_demo(password_file)
    assert again.splitlines()[-1].endswith("(прежний: вы его меняли)")
    admin.refresh_from_db()
    assert admin.check_password("chosen-by-the-owner")
