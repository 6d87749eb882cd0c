"""What goes into Oscar cut is said when it is written, and the adapter hears of what changed.

Not at every exchange for nothing: an exchange that writes nothing cut, or
whose declarations are those of the last one, is no "успешно, с замечаниями".
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import pytest
from oscar.core.loading import get_model

from cml_exchange.contrib.oscar.adapter import OscarCatalogAdapter
from cml_exchange.importer.adapter import AdapterContext, DeclaredModel
from tests.oscar.cml import Item, Lot, Shop
from tests.oscar.test_catalog import import_shop
from tests.paths import DATA_DIR

pytestmark = pytest.mark.django_db
Partner: Any = get_model("partner", "Partner")


def cut(job: Any) -> list[str]:
    return [w["message"] for w in job.warnings if w["code"] == "oscar_truncated"]


def test_long_warehouse_name_warned_at_every_stock_change(tmp_path: Path) -> None:
    warehouse = "Склад " * 30
    shop = Shop(
        items=[Item("kettle", "Чайник")],
        lots=[Lot("kettle", "Чайник", stock={"w-main": "1"})],
        warehouses={"w-main": warehouse},
    )
    first = import_shop(tmp_path, shop)
    assert len(cut(first)) == 1
    shop.lots[0].stock["w-main"] = "5"  # only the stock changes; the partner is not written
    second = import_shop(tmp_path, shop)
    assert Partner.objects.get().name == warehouse[:128]
    assert cut(second) == [], "partner not renamed nor written, yet warned again"


def test_long_offer_name_warned_when_its_product_changes(tmp_path: Path) -> None:
    long_name = "Рубашка " * 40
    shop = Shop(
        items=[Item("shirt", "Рубашка")],
        lots=[
            Lot("shirt#s", long_name, characteristics={"Размер": "S"}),
            Lot("shirt#m", "Рубашка M", characteristics={"Размер": "M"}),
        ],
    )
    first = import_shop(tmp_path, shop)
    assert len(cut(first)) == 1
    shop.items[0].article = "A-1"  # only the product element changes; offers do not
    second = import_shop(tmp_path, shop)
    assert cut(second) == [], "the offer's title is not written again, yet warned"


class Counting(OscarCatalogAdapter):
    calls: ClassVar[list[tuple[str, list[int]]]] = []

    def save_declared(
        self, context: AdapterContext, model: DeclaredModel, pks: Sequence[int]
    ) -> None:
        Counting.calls.append((model.__name__, list(pks)))
        super().save_declared(context, model, pks)


def test_a_declaration_1c_repeats_unchanged_is_not_told_again(
    tmp_path: Path, settings: Any
) -> None:
    """A file declaring a price type and a warehouse twice, as some exporters write them."""
    from cml_exchange.importer import create_job
    from cml_exchange.models import PriceType
    from tests.integration.importer.helpers import assert_done, run_to_end

    settings.CML_EXCHANGE_CATALOG_ADAPTER = f"{__name__}.Counting"
    directory = tmp_path / "exchange"
    directory.mkdir()
    declared = (DATA_DIR / "cases" / "structures" / "declared_twice.xml").read_text(
        encoding="utf-8"
    )
    for quantity in ("3", "4", "5"):  # only the stock changes from one exchange to the next
        Counting.calls.clear()
        (directory / "offers.xml").write_text(
            declared.replace(">3<", f">{quantity}<").replace('"3"', f'"{quantity}"'),
            encoding="utf-8",
        )
        assert_done(run_to_end(create_job(["offers.xml"], base_dir=directory)))
    assert PriceType.objects.get().name == "Розничная цена"
    assert Counting.calls == []


def test_long_title_the_site_owns_is_said_written_cut(tmp_path: Path) -> None:
    title = "Чайник " * 50
    shop = Shop(items=[Item("kettle", title)], lots=[Lot("kettle", "Чайник")])
    import_shop(tmp_path, shop, mirror=False, site_owned=["name"])
    Product: Any = get_model("catalogue", "Product")
    Product.objects.update(title="Чайник от магазина")  # the shop's own title
    shop.items[0].article = "A-1"  # 1C changes something else of the product
    second = import_shop(tmp_path, shop, mirror=False, site_owned=["name"])
    assert Product.objects.get().title == "Чайник от магазина"
    assert cut(second) == [], "the title is the site's and not written, yet 'записаны первые 255'"
