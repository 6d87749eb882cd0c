"""A CommerceML 3.1 catalog exchange over the endpoint, as 1C's Bitrix extension sends it.

The files are tests/data/cml31/ (see its README.md: 13 files in 1C's order,
split packets, counts to expect), sent with the built-in 1C client, zipped
and file by file, with pictures under ``import_files/``.
"""

from __future__ import annotations

import io
import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from django.db.models import Sum
from PIL import Image

from cml_exchange.models import (
    ExchangeSettings,
    Group,
    Offer,
    OfferCharacteristic,
    Price,
    Product,
    ProductImage,
    ProductPropertyValue,
    Stock,
    Unit,
)
from tests.cml31 import catalog_files
from tests.integration.protocol.exchange import new_1c

pytestmark = pytest.mark.django_db


def unload(folder: Path) -> list[Path]:
    """The 3.1 files as 1C leaves them for sending, with a JPEG for each picture they name."""
    folder.mkdir()
    files = [Path(shutil.copy(path, folder / path.name)) for path in catalog_files()]
    pictures = set()
    for path in files:
        pictures |= set(re.findall(r"<Картинка>([^<]+)</Картинка>", path.read_text("utf-8-sig")))
    for number, name in enumerate(sorted(pictures)):
        picture = folder / name
        picture.parent.mkdir(parents=True, exist_ok=True)
        buffer = io.BytesIO()
        Image.new("RGB", (16, 16), (number * 30 % 256, 80, 160)).save(buffer, "JPEG")
        picture.write_bytes(buffer.getvalue())
    return files


def assert_the_shop_holds_the_readme_counts() -> None:
    assert Group.objects.count() == 6
    assert Group.objects.filter(parent__name="Обувь").get().name == "Кроссовки"
    assert Product.objects.count() == 12
    assert list(Product.objects.filter(active=False).values_list("name", flat=True)) == [
        "Эспандер кистевой"
    ]
    assert Offer.objects.count() == 16
    assert not Offer.objects.filter(product__isnull=True).exists()
    assert OfferCharacteristic.objects.count() == 6
    assert Price.objects.count() == 30
    assert Stock.objects.count() == 30
    by_warehouse = dict(
        Stock.objects.values("warehouse__name")
        .annotate(total=Sum("quantity"))
        .values_list("warehouse__name", "total")
    )
    assert by_warehouse == {"Основной склад": Decimal(212), "Магазин на Ленина": Decimal(44)}
    assert sorted(Unit.objects.values_list("code", flat=True)) == ["715", "796", "839"]
    assert not Product.objects.filter(base_unit__isnull=True).exists()
    assert ProductPropertyValue.objects.exists()
    assert ProductImage.objects.exclude(file="").count() == 7


@pytest.mark.parametrize("zipped", [True, False], ids=["zip", "file-by-file"])
def test_a_31_exchange_fills_the_shop(
    admin_user: object, upload_root: Path, tmp_path: Path, zipped: bool
) -> None:
    settings = ExchangeSettings.load()
    settings.schema_version, settings.use_zip = "3.1", zipped
    settings.save()
    files = unload(tmp_path / "1c")
    result = new_1c().exchange_catalog(files, version="3.1")
    assert result.params.version == "3.1"  # the site asked 1C for 3.1
    assert result.zipped is zipped
    assert [item.name for item in result.imported] == [path.name for path in files]
    assert {item.message for item in result.imported} == {"Импорт успешно завершен."}
    assert_the_shop_holds_the_readme_counts()


def test_a_shop_left_on_2x_still_reads_31_files(
    admin_user: object, upload_root: Path, tmp_path: Path
) -> None:
    files = unload(tmp_path / "1c")
    result = new_1c().exchange_catalog(files, version="3.1")
    assert result.params.version is None  # two lines, as 1C-Bitrix answers
    assert {item.message for item in result.imported} == {"Импорт успешно завершен."}
    assert_the_shop_holds_the_readme_counts()


def test_files_sent_under_folders_are_imported_under_those_names(
    admin_user: object, upload_root: Path, tmp_path: Path
) -> None:
    """``goods/1/goods_1_….xml``: no source shows 1C doing it, but a name with folders works."""
    files = unload(tmp_path / "1c")
    one_c = new_1c()
    one_c.checkauth("catalog")
    one_c.init("catalog", "3.1")
    for path in files:
        kind = path.name.split("_", 1)[0]
        name = f"{kind}/1/{path.name}"
        one_c.upload(name, path)
        if kind == "goods":
            for picture in sorted((tmp_path / "1c" / "import_files").rglob("*.jpg")):
                one_c.upload(picture.relative_to(tmp_path / "1c").as_posix(), picture)
        assert one_c.import_file(name).message == "Импорт успешно завершен."
    assert_the_shop_holds_the_readme_counts()


def test_the_client_sends_31_files_in_1cs_order_whatever_order_it_is_given(
    admin_user: object, upload_root: Path, tmp_path: Path
) -> None:
    files = unload(tmp_path / "1c")
    result = new_1c().exchange_catalog(sorted(files, reverse=True), version="3.1")
    assert [item.name for item in result.imported] == [path.name for path in files]
    assert_the_shop_holds_the_readme_counts()


def test_files_sent_backwards_say_what_waits_and_then_what_was_linked(
    admin_user: object, upload_root: Path, tmp_path: Path
) -> None:
    """Offers before their goods, goods before their groups: 1C hears what waits, then what
    was made, and the shop ends as with 1C's order."""
    files = list(reversed(unload(tmp_path / "1c")))
    result = new_1c().exchange_catalog(files)
    assert [item.name for item in result.imported] == [path.name for path in files]
    # "goods_1_2" → (its full name, what 1C was told after importing it)
    said = {
        "_".join(item.name.split("_")[:3]): (item.name, item.message) for item in result.imported
    }

    def notes(packet: str, *texts: str, warnings: int = 0) -> str:
        """The notes, then the warnings' count: the first is not quoted when it would not fit."""
        name = said[packet][0]
        told = " ".join(["Импорт завершен.", *(f"Сверка файла {name}: {t}" for t in texts)])
        if warnings:
            told += f" Предупреждений: {warnings}; все они — в журнале обменов на сайте."
        return told

    refs = "ссылок на группы и свойства, которых на сайте пока нет"
    later = "(будут сделаны, когда 1С их пришлет)."
    assert said["offers_1_1"][1] == notes(
        "offers_1_1",
        "предложений без товара на сайте 16 (сохранены; будут связаны с товарами, когда те "
        "придут, а до тех пор не продаются).",
        f"{refs}, 12 {later}",
        warnings=2,  # the two properties 1C has not declared yet
    )
    assert said["goods_1_2"][1] == notes(
        "goods_1_2",
        f"{refs}, 30 {later}",
        "предложений связано с пришедшими позже товарами: 8.",
        warnings=7,  # a warning for each group and property not declared yet, not each link
    )
    made = "сделано ссылок на группы и свойства, ждавших их"
    assert said["groups_1_1"][1] == notes("groups_1_1", f"{made}: 12.")
    assert said["units_1_1"][1] == "Импорт успешно завершен."
    counts = [int(m.rsplit(": ", 1)[1][:-1]) for _, m in said.values() if made in m]
    assert sum(counts) == 30 + 30 + 12  # what the goods and the offers left waiting
    assert_the_shop_holds_the_readme_counts()
