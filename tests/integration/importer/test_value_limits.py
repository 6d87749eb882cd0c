"""Values the database cannot hold refuse the file before any of it is written.

Before, SQLite took a price of ``1e30`` or an ``Ид`` of 300 characters and the
site then failed on every page that read the row, and PostgreSQL failed in the
middle of the file, its first batches already written. Now the scan refuses
the file, the same way on both, with a message that names the file, the line,
the element and the value; what was imported before stays as it was.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from cml_exchange.commerceml.reading.scan import scan
from cml_exchange.importer import Done, Failed, ImportOptions, create_job, limits
from cml_exchange.importer.results import StepResult
from cml_exchange.models import (
    Catalog,
    Classifier,
    Group,
    ImportJob,
    Offer,
    PendingReference,
    Price,
    PriceType,
    Product,
    ProductPropertyValue,
    Stock,
    Unit,
    Warehouse,
)
from tests.integration.importer.helpers import run_to_end
from tests.integration.protocol.exchange import import_reply, new_1c
from tests.paths import DATA_DIR

pytestmark = pytest.mark.django_db

CASES = DATA_DIR / "cases" / "values"
CATALOG = (Classifier, Catalog, Group, Unit, PriceType, Warehouse, Product, Offer, Price, Stock)


def import_text(tmp_path: Path, name: str, text: str) -> tuple[ImportJob, StepResult]:
    """Import one file, a batch per entity: a half-written file would show."""
    directory = tmp_path / "exchange"
    directory.mkdir(exist_ok=True)
    (directory / name).write_text(text, encoding="utf-8")
    job = create_job([name], base_dir=directory, options=ImportOptions(batch_size=1))
    result = run_to_end(job)
    job.refresh_from_db()
    return job, result


def prices() -> dict[str, Decimal | None]:
    """The retail price of each offer, read as the shop's pages read it."""
    return dict(Price.objects.values_list("offer__external_id", "value"))


def test_a_refused_file_leaves_the_prices_on_sale_as_they_were(tmp_path):
    accepted = (CASES / "accepted.xml").read_text(encoding="utf-8")
    job, result = import_text(tmp_path, "offers.xml", accepted)

    # Values at the edges are taken as sent, the same on both databases.
    assert isinstance(result, Done), result
    before = prices()
    assert before == {
        "p-1": Decimal("1500"),
        "p-2": Decimal("12.3457"),  # rounded to the column's 4 places
        "p-3": Decimal("1719"),
        "p-4": Decimal("999999999999999"),  # the largest a price may be
        "p-5": None,  # no value: price on request
        f"p-6-{'9' * 251}": Decimal("1"),  # an Ид of exactly 255 characters
    }
    assert Offer.objects.get(external_id="p-1").quantity == Decimal("-2")  # отрицательный остаток
    assert Stock.objects.get().quantity == Decimal("-1.5")
    # An unreadable quantity is left out with the reader's warning, as before.
    assert job.warning_counts["bad_number"] == 2

    # The next offers.xml: p-1 gets a new price, then p-4 a price no column holds.
    changed = accepted.replace("<ЦенаЗаЕдиницу>1500<", "<ЦенаЗаЕдиницу>1400<")
    changed = changed.replace("<ЦенаЗаЕдиницу>999999999999999<", "<ЦенаЗаЕдиницу>1e30<")
    job, result = import_text(tmp_path, "offers.xml", changed)

    message = (
        "Файл offers.xml не загружен: цена «1e30» больше допустимого (999 999 999 999 999), "
        "предложение «p-4» (строка 65, элемент "
        "ПакетПредложений/Предложения/Предложение/Цены/Цена/ЦенаЗаЕдиницу). "
        "Исправьте данные в 1С и повторите обмен."
    )
    assert result == Failed(message, detail=message)
    assert (job.status, job.error, job.message) == (ImportJob.Status.FAILED, message, message)
    assert prices() == before  # not even p-1, in the batch before the bad price


#: The case files that are refused, with what the refusal says.
REFUSED = [
    ("price_1e30.xml", "цена «1e30» больше допустимого"),
    ("price_rounds_over.xml", "цена «999999999999999.99995» больше допустимого"),
    ("price_negative.xml", "цена «-2300» меньше нуля"),
    ("price_nan.xml", "цена «NaN» — не число"),
    ("stock_too_big.xml", "остаток на складе «1E+15» больше допустимого"),
    ("offer_id_too_long.xml", "Ид предложения длиннее 255 символов (265)"),
    ("price_type_id_too_long.xml", "Ид типа цены длиннее 255 символов (256)"),
    ("product_id_too_long.xml", "Ид товара длиннее 255 символов (300)"),
    ("group_name_too_long.xml", "наименование группы длиннее 255 символов (329)"),
    ("weight_negative.xml", "вес товара «-0,5» меньше нуля"),
    ("unit_code_too_long.xml", "код единицы измерения длиннее 32 символов (40)"),
    ("price_presentation_too_long.xml", "представление цены длиннее 255 символов (267)"),
]


@pytest.mark.parametrize(("name", "says"), REFUSED, ids=[case[0] for case in REFUSED])
def test_nothing_of_a_refused_file_is_written(tmp_path, name, says):
    job, result = import_text(tmp_path, name, (CASES / name).read_text(encoding="utf-8"))

    assert isinstance(result, Failed), result
    assert result.message.startswith(f"Файл {name} не загружен: {says}")
    assert "(строка " in result.message
    assert job.stage == "scan"
    assert {model.__name__: model.objects.count() for model in CATALOG} == dict.fromkeys(
        (model.__name__ for model in CATALOG), 0
    )


def test_1c_is_told_which_value_to_fix(admin_user, upload_root):
    one_c = new_1c()
    one_c.checkauth()
    one_c.init()
    one_c.upload("offers.xml", (CASES / "product_id_too_long.xml").read_bytes(), 100_000)

    reply = import_reply(one_c, "offers.xml").decode("cp1251")

    assert reply == (
        "failure\nФайл offers.xml не загружен: Ид товара длиннее 255 символов (300): "
        "«товар-0123456789012345678901234567890123…» "
        "(строка 21, элемент Каталог/Товары/Товар/Ид). "
        "Исправьте данные в 1С и повторите обмен."
    )
    assert Product.objects.count() == 0


def test_the_limits_follow_the_models(monkeypatch):
    """A column made wider in the model lets the longer value in: the sizes are not copied."""
    monkeypatch.setattr(Product._meta.get_field("external_id"), "max_length", 300)
    limits.value_limits.cache_clear()
    try:
        found = limits.value_limits()
    finally:
        limits.value_limits.cache_clear()

    assert found.lengths["Product.external_id"] == 300
    assert found.lengths["Offer.external_id"] == 255
    assert found.decimals["Price.value"] == (19, 4)
    assert scan(CASES / "product_id_too_long.xml", limits=found).problem_count == 0


def test_a_directory_value_too_long_for_an_option_id_is_kept_as_text_and_said(tmp_path):
    """The value's text is what the shop shows; no option can ever have such an id.

    A ``Справочник`` value that names no declared option keeps the id 1C sent,
    to be linked when the option comes; one longer than an option's ``Ид`` may be
    could never be linked, and PostgreSQL cut it silently to 255 characters.
    """
    long_value = "очень длинное значение " * 12  # 276 characters
    text = f"""<?xml version="1.0" encoding="UTF-8"?>
<КоммерческаяИнформация xmlns="urn:1C.ru:commerceml_2" ВерсияСхемы="2.07">
<Классификатор><Ид>cat-1</Ид><Наименование>Классификатор</Наименование>
<Свойства><Свойство><Ид>color</Ид><Наименование>Цвет</Наименование>
<ТипЗначений>Справочник</ТипЗначений><ВариантыЗначений>
<Справочник><ИдЗначения>red</ИдЗначения><Значение>Красный</Значение></Справочник>
</ВариантыЗначений></Свойство></Свойства></Классификатор>
<Каталог><Ид>cat-1</Ид><ИдКлассификатора>cat-1</ИдКлассификатора><Наименование>К</Наименование>
<Товары>
<Товар><Ид>p-1</Ид><Наименование>Чайник</Наименование><ЗначенияСвойств>
<ЗначенияСвойства><Ид>color</Ид><Значение>red</Значение></ЗначенияСвойства>
</ЗначенияСвойств></Товар>
<Товар><Ид>p-2</Ид><Наименование>Утюг</Наименование><ЗначенияСвойств>
<ЗначенияСвойства><Ид>color</Ид><Значение>blue</Значение></ЗначенияСвойства>
</ЗначенияСвойств></Товар>
<Товар><Ид>p-3</Ид><Наименование>Пылесос</Наименование><ЗначенияСвойств>
<ЗначенияСвойства><Ид>color</Ид><Значение>{long_value}</Значение></ЗначенияСвойства>
</ЗначенияСвойств></Товар>
</Товары></Каталог></КоммерческаяИнформация>"""
    job, result = import_text(tmp_path, "import.xml", text)

    assert isinstance(result, Done), result
    values = {
        row.product.external_id: (row.option_id is not None, row.option_external_id, row.value)
        for row in ProductPropertyValue.objects.select_related("product")
    }
    assert values == {
        "p-1": (True, "red", "Красный"),
        "p-2": (False, "blue", "blue"),  # waits for its option, linked when it comes
        "p-3": (False, "", long_value.strip()),  # whole, on both databases
    }
    assert job.warning_counts == {"option_id_too_long": 1, "unknown_option": 1}
    messages = {w["code"]: w["message"] for w in job.warnings}
    assert "p-3: значение свойства color длиннее 255 символов" in messages["option_id_too_long"]
    assert messages["unknown_option"].startswith("p-2: значения blue свойства color пока нет")


def test_a_directory_value_gets_its_option_when_a_later_file_declares_it(tmp_path):
    """Only the values waiting for an option are linked; a text value is left as it is.

    The text property's value happens to read like the option's id: it names no
    option, and must keep its own text.
    """
    head = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<КоммерческаяИнформация xmlns="urn:1C.ru:commerceml_2" ВерсияСхемы="2.07">'
    )

    def classifier(options: str) -> str:
        return (
            "<Классификатор><Ид>cat-1</Ид><Наименование>Классификатор</Наименование><Свойства>"
            "<Свойство><Ид>color</Ид><Наименование>Цвет</Наименование>"
            f"<ТипЗначений>Справочник</ТипЗначений><ВариантыЗначений>{options}"
            "</ВариантыЗначений></Свойство>"
            "<Свойство><Ид>note</Ид><Наименование>Заметка</Наименование>"
            "<ТипЗначений>Строка</ТипЗначений></Свойство></Свойства></Классификатор>"
        )

    red = "<Справочник><ИдЗначения>red</ИдЗначения><Значение>Красный</Значение></Справочник>"
    blue = "<Справочник><ИдЗначения>blue</ИдЗначения><Значение>Синий</Значение></Справочник>"
    catalog = (
        f"{head}{classifier(red)}<Каталог><Ид>cat-1</Ид><ИдКлассификатора>cat-1</ИдКлассификатора>"
        "<Наименование>К</Наименование><Товары>"
        "<Товар><Ид>p-1</Ид><Наименование>Утюг</Наименование><ЗначенияСвойств>"
        "<ЗначенияСвойства><Ид>color</Ид><Значение>blue</Значение></ЗначенияСвойства>"
        "<ЗначенияСвойства><Ид>note</Ид><Значение>blue</Значение></ЗначенияСвойства>"
        "</ЗначенияСвойств></Товар></Товары></Каталог></КоммерческаяИнформация>"
    )
    assert isinstance(import_text(tmp_path, "import.xml", catalog)[1], Done)

    def values() -> dict[str, tuple[str | None, str]]:
        return {
            row.property.external_id: (row.option.external_id if row.option else None, row.value)
            for row in ProductPropertyValue.objects.select_related("property", "option")
        }

    assert values() == {"color": (None, "blue"), "note": (None, "blue")}
    later = f"{head}{classifier(red + blue)}</КоммерческаяИнформация>"
    assert isinstance(import_text(tmp_path, "classifier.xml", later)[1], Done)
    assert values() == {"color": ("blue", "Синий"), "note": (None, "blue")}


def test_a_group_or_property_named_with_an_id_no_column_holds_is_a_warning_not_kept(tmp_path):
    """Such a group or property can never be declared (the scan refuses its declaration).

    Before, the reference waited for it in ``PendingReference``: cut to 255
    characters by PostgreSQL's array casts, stored whole by SQLite. Now the
    product is imported without it and the warning says why; a reference that
    can still come (``later``) waits as before.
    """
    long_group, long_property = "г" * 256, "с" * 300
    text = f"""<?xml version="1.0" encoding="UTF-8"?>
<КоммерческаяИнформация xmlns="urn:1C.ru:commerceml_2" ВерсияСхемы="2.07">
<Классификатор><Ид>cat-1</Ид><Наименование>Классификатор</Наименование></Классификатор>
<Каталог><Ид>cat-1</Ид><ИдКлассификатора>cat-1</ИдКлассификатора><Наименование>К</Наименование>
<Товары>
<Товар><Ид>p-1</Ид><Наименование>Чайник</Наименование>
<Группы><Ид>{long_group}</Ид><Ид>later</Ид></Группы></Товар>
<Товар><Ид>p-2</Ид><Наименование>Утюг</Наименование><ЗначенияСвойств>
<ЗначенияСвойства><Ид>{long_property}</Ид><Значение>красный</Значение></ЗначенияСвойства>
</ЗначенияСвойств></Товар>
</Товары></Каталог></КоммерческаяИнформация>"""
    job, result = import_text(tmp_path, "import.xml", text)

    assert isinstance(result, Done), result
    assert sorted(Product.objects.values_list("external_id", flat=True)) == ["p-1", "p-2"]
    waiting = PendingReference.objects.values_list("kind", "external_id")
    assert list(waiting) == [("group", "later")]
    assert not ProductPropertyValue.objects.exists()
    # The reconciliation counts only what still waits: "later".
    assert job.warning_counts == {"unknown_group": 2, "unknown_property": 1, "reconciliation": 1}
    messages = [warning["message"] for warning in job.warnings]
    assert (
        f"Товар p-1 ссылается на группу с Ид «{'г' * 40}…» (256 символов, больше 255): "
        "такой группы не может быть в классификаторе, товар в нее не попадет."
    ) in messages
    assert (
        f"p-2: свойства с Ид «{'с' * 40}…» (300 символов, больше 255) не может быть в "
        "классификаторе; его значения не записаны."
    ) in messages
