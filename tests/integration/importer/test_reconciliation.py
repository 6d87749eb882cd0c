"""The reconciliation at the end of each file: never a silent success (issue 12, item 11).

What a file's scan counted (products, offers, prices, stock rows) is compared
with what was written or found unchanged, and offers left without a product
are counted; any difference is a warning in the job (the monitor), on the
reply's second line for 1C and in ``cml_import``'s output.
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from cml_exchange.importer.messages import clipped, references_made
from cml_exchange.models import ImportJob, Offer, Product
from tests.integration.protocol.exchange import import_reply, new_1c, warned
from tests.paths import DATA_DIR

pytestmark = pytest.mark.django_db

CASES = DATA_DIR / "cases" / "reconcile"
PRODUCTS = (
    "Сверка файла import.xml: товаров в файле 3, записано или без изменений 2 (не записано 1)."
)
PRICES = "Сверка файла offers.xml: цен в файле 4, записано или без изменений 3 (не записано 1)."
ORPHANS = (
    "Сверка файла offers.xml: предложений без товара на сайте 1 (сохранены; будут связаны "
    "с товарами, когда те придут, а до тех пор не продаются)."
)


#: Scanned first, or beside the reader: a file read whole before the scan's verdict is
#: reconciled with the scan's counts all the same.
SCAN_MODES = pytest.mark.parametrize("scan_beside_from", [0, 1], ids=["scan first", "scan beside"])


@SCAN_MODES
def test_1c_is_told_on_the_second_line_what_was_not_stored(
    admin_user, upload_root, settings, scan_beside_from
):
    settings.CML_EXCHANGE_SCAN_BESIDE_FROM = scan_beside_from
    onec = new_1c()
    onec.checkauth()
    onec.init()
    for name in ("import.xml", "offers.xml"):
        onec.upload(name, (CASES / name).read_bytes(), chunk=100_000)
    reply = import_reply(onec, "import.xml").decode("cp1251")
    # The product without Ид is a warning of its own; the difference is the message's.
    assert reply == "success\n" + warned(
        1,
        "import.xml: Товар «Товар без Ид» без Ид пропущен",
        f"Импорт завершен, но не все данные файла записаны: {PRODUCTS}",
    )
    reply = import_reply(onec, "offers.xml").decode("cp1251")
    # The offer without a product is counted by the message's own note (ORPHANS).
    assert reply == (
        f"success\nИмпорт завершен, но не все данные файла записаны: {PRICES} {ORPHANS}"
    )
    # The monitor shows them as the job's warnings.
    offers_job = ImportJob.objects.get(filename="offers.xml")
    assert offers_job.warning_counts["reconciliation"] == 2
    assert [w["message"] for w in offers_job.warnings if w["code"] == "reconciliation"] == [
        PRICES,
        ORPHANS,
    ]
    assert Product.objects.count() == 2 and Offer.objects.filter(product=None).count() == 1


@SCAN_MODES
def test_cml_import_prints_the_differences(tmp_path, settings, scan_beside_from):
    settings.CML_EXCHANGE_SCAN_BESIDE_FROM = scan_beside_from
    out = StringIO()
    call_command("cml_import", str(CASES / "import.xml"), str(CASES / "offers.xml"), stdout=out)
    assert PRODUCTS in out.getvalue() and PRICES in out.getvalue() and ORPHANS in out.getvalue()


def test_a_file_stored_whole_says_nothing_more(admin_user, upload_root):
    onec = new_1c()
    onec.checkauth()
    onec.init()
    whole = (
        (CASES / "import.xml")
        .read_bytes()
        .replace("<Товар><Наименование>Товар без Ид</Наименование></Товар>".encode(), b"")
    )
    onec.upload("import.xml", whole, chunk=100_000)
    assert import_reply(onec, "import.xml") == "success\nИмпорт успешно завершен.".encode("cp1251")


def test_a_long_last_message_is_cut_between_sentences():
    """The job keeps 500 characters; 1C gets whole sentences and a mark that more was said."""
    notes = [references_made(f"goods_1_{n}_{'f' * 36}.xml", n) for n in range(1, 9)]
    text = clipped(" ".join(["Импорт завершен.", *notes]))
    assert len(text) <= 500 and text.endswith(". …")
    assert text.removesuffix(" …") in " ".join(["Импорт завершен.", *notes])
