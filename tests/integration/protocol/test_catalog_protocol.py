"""The catalog exchange, request by request, byte for byte as 1C reads it."""

from __future__ import annotations

import functools
import io
import itertools
import re
import time
import zipfile

import pytest
from django.urls import reverse
from PIL import Image

from benchmarks.generator import generate_catalog
from cml_exchange.importer import run
from cml_exchange.models import (
    Catalog,
    ExchangeFile,
    ExchangeRequest,
    ExchangeSession,
    ExchangeSettings,
    ImportJob,
    Offer,
    Product,
    ProductImage,
)
from cml_exchange.protocol import catalog
from tests.integration.protocol.exchange import (
    IMPORT_DONE,
    folder_of,
    get,
    import_reply,
    new_1c,
    pictures_not_uploaded,
    session_of,
    stored,
)
from tests.paths import sample

pytestmark = pytest.mark.django_db

IMPORT = sample("carono__php-commerceml__tests__xml__import")
OFFERS = sample("carono__php-commerceml__tests__xml__offers")
#: The reply to ``mode=import`` of offers.xml, and of import.xml sent without its three pictures.
OFFERS_DONE = f"success\n{IMPORT_DONE}".encode("cp1251")
IMPORT_DONE_BUT_PICTURES = f"success\n{pictures_not_uploaded(IMPORT.read_bytes())}".encode("cp1251")


# -- init --------------------------------------------------------------------------------


def test_init_reply_is_two_lines_with_or_without_version(one_c):
    """1-C-Bitrix's catalog init answers only zip= and file_limit=, whatever 1C sends."""
    assert get(one_c, "init") == b"zip=yes\nfile_limit=204800"
    assert get(one_c, "init", version="2.08") == b"zip=yes\nfile_limit=204800"
    assert get(one_c, "init", version="3.1") == b"zip=yes\nfile_limit=204800"


def test_with_schema_3_1_chosen_init_asks_1c_for_it_only_when_1c_names_a_version(one_c):
    ExchangeSettings.objects.update(schema_version="3.1")
    sessid = session_of(one_c).sessid
    assert get(one_c, "init") == b"zip=yes\nfile_limit=204800"  # an old 1C: two lines
    assert get(one_c, "init", version="3.1") == (
        f"zip=yes\nfile_limit=204800\nsessid={sessid}\nversion=3.1".encode()
    )


def test_init_follows_the_settings(one_c):
    ExchangeSettings.objects.update(use_zip=False, file_limit=1_000_000)
    assert get(one_c, "init") == b"zip=no\nfile_limit=1000000"


def test_default_part_size_passes_stock_django_limits(settings):
    assert ExchangeSettings().file_limit <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def test_init_clears_earlier_exchanges_but_keeps_unimported_files_and_reports(
    admin_user, upload_root
):
    first = new_1c()
    first.checkauth()
    first.init()
    first.upload("import.xml", IMPORT.read_bytes(), 50_000)
    first.import_file("import.xml")
    first.upload("offers.xml", OFFERS.read_bytes(), 50_000)  # uploaded, not yet imported
    first.upload("Reports/Exchange_1.zip", b"PK\x05\x06" + bytes(18), 1000)
    stray = upload_root / "catalog" / "old.xml"
    stray.write_text("left over")
    first_folder = session_of(first).folder
    first.complete()

    second = new_1c()
    second.checkauth()
    second.init()
    left = sorted(
        p.relative_to(upload_root / "catalog").as_posix()
        for p in (upload_root / "catalog").rglob("*")
        if p.is_file()
    )
    assert left == [f"{first_folder}/Reports/Exchange_1.zip", f"{first_folder}/offers.xml"]
    # 1C may import in a later exchange what it uploaded in an earlier one.
    assert import_reply(second, "offers.xml") == OFFERS_DONE


def test_a_file_uploaded_again_after_its_import_from_an_earlier_exchange_is_imported(
    admin_user, upload_root
):
    """1C ran checkauth and init before a file, imported it in the next exchange, then resent it.

    The import of the earlier exchange's upload does not answer for the new one:
    the new upload is read (here it is cut short, so 1C hears why), never a
    ``success`` for a file nobody looked at.
    """
    data = IMPORT.read_bytes()
    first = new_1c()
    first.checkauth()
    first.init()
    first.upload("import.xml", data, 50_000)
    second = new_1c()
    second.checkauth()
    second.init()
    assert import_reply(second, "import.xml") == IMPORT_DONE_BUT_PICTURES

    second.upload("import.xml", data[: len(data) // 2], 50_000)
    reply = import_reply(second, "import.xml").decode("cp1251")
    assert reply.startswith("failure\nФайл оборван"), reply


def test_init_clears_an_earlier_exchange_of_more_files_than_sqlite_takes_parameters(
    admin_user, upload_root, old_sqlite_limit
):
    """The files an earlier exchange unpacked go, and their rows, in statements SQLite takes."""
    first = new_1c()
    first.checkauth()
    first.init()
    first.upload("import.xml", IMPORT.read_bytes(), 50_000)
    first_folder = folder_of(first)
    pictures = first_folder / "import_files" / "ab"
    pictures.mkdir(parents=True)
    for number in range(old_sqlite_limit + 200):  # as the archive's unpacking leaves them
        (pictures / f"{number}.jpg").write_bytes(b"\xff\xd8")
    assert import_reply(first, "import.xml").startswith(b"success")
    first.complete()
    imported = ExchangeFile.objects.get(name=stored(first, "import.xml"))

    second = new_1c()
    second.checkauth()
    second.init()  # raises on a failure reply
    assert not first_folder.exists()
    assert not ExchangeFile.objects.filter(pk=imported.pk).exists()


# -- import, deactivate, complete -------------------------------------------------------------


def test_a_whole_exchange(one_c, upload_root):
    ExchangeSettings.objects.update(step_interval=0)
    one_c.upload("import.xml", IMPORT.read_bytes(), 204_800)
    one_c.upload("offers.xml", OFFERS.read_bytes(), 204_800)
    assert import_reply(one_c, "import.xml") == IMPORT_DONE_BUT_PICTURES
    assert import_reply(one_c, "import.xml") == IMPORT_DONE_BUT_PICTURES  # asked again: the same
    assert import_reply(one_c, "offers.xml") == OFFERS_DONE
    assert import_reply(one_c, "offers.xml") == OFFERS_DONE  # asked again: still done
    assert get(
        one_c, "deactivate", timestamp=str(one_c.auth.timestamp)
    ) == "success\nДеактивация элементов завершена.".encode("cp1251")
    assert get(one_c, "complete") == "success\nЗавершение процедуры импорта".encode("cp1251")
    assert (
        Product.objects.filter(active=True).count(),
        Offer.objects.filter(active=True).count(),
    ) == (2, 5)
    session = ExchangeSession.objects.get()
    assert (session.outcome, session.files, session.bytes_received) == (
        "success",
        2,
        IMPORT.stat().st_size + OFFERS.stat().st_size,
    )
    assert ExchangeRequest.objects.filter(session=session).count() >= 8


#: Line 2 of ``mode=import`` of IMPORT, as 1C writes it to its exchange log: the catalog
#: names three pictures; sent without them, each is a warning, and the first is named.
PICTURES_SAID = {
    "not uploaded": (
        "Импорт завершен. Предупреждений: 3 (первое: «Картинка import_files/9d/"
        "9da00149441011e19bb10015174048b8_0e01fd9e204611e8b2a794de807044d1.jpg не найдена "
        "среди загруженных файлов»); все они — в журнале обменов на сайте."
    ),
    "uploaded": "Импорт успешно завершен.",
}


@pytest.mark.parametrize("pictures", list(PICTURES_SAID))
def test_1c_is_told_on_the_second_line_of_pictures_it_did_not_send(one_c, pictures):
    """What a 1C administrator reads after ``mode=import`` of a catalog with pictures.

    Each case on a site that has no catalog yet: a catalog sent again unchanged is
    passed over by its checksums, its pictures with it.
    """
    one_c.upload("import.xml", IMPORT.read_bytes(), 204_800)
    if pictures == "uploaded":
        for number in (1, 2, 3):
            picture = io.BytesIO()
            Image.new("RGB", (16, 16), (number * 60, 80, 160)).save(picture, "JPEG")
            name = (
                f"9d/9da00149441011e19bb10015174048b8_0e01fd9e204611e8b2a794de807044d{number}.jpg"
            )
            one_c.upload(f"import_files/{name}", picture.getvalue(), 204_800)
    said = f"success\n{PICTURES_SAID[pictures]}"
    assert import_reply(one_c, "import.xml") == said.encode("cp1251")
    assert ProductImage.objects.count() == (3 if pictures == "uploaded" else 0)


@pytest.mark.slow
def test_import_in_steps_answers_progress_with_bitrix_style_messages(one_c, tmp_path, monkeypatch):
    generate_catalog(tmp_path / "generated", 3000, seed=3)
    data = (tmp_path / "generated" / "import.xml").read_bytes()
    one_c.upload("import.xml", data, 1_000_000)
    ExchangeSettings.objects.update(step_interval=1)
    # The endpoint's steps measure their second on a clock that moves ten seconds a
    # reading: each step runs out after one batch, however fast the machine.
    ticks = itertools.count(step=10.0)
    monkeypatch.setattr(catalog, "run", functools.partial(run, clock=lambda: next(ticks)))
    replies = []
    while True:
        reply = get(one_c, "import", filename="import.xml").decode("cp1251")
        replies.append(reply)
        if not reply.startswith("progress\n"):
            break
    assert replies[-1] == f"success\n{pictures_not_uploaded(data)}"  # 2253 pictures not sent
    done = [
        int(match[1])
        for reply in replies
        if (match := re.fullmatch(r"progress\nОбработано (\d+) из 3000 товаров\.", reply))
    ]
    assert len(replies) >= 2
    assert done and done == sorted(done) and done[-1] < 3000
    assert Product.objects.count() == 3000
    assert ImportJob.objects.get().steps == len(replies)


def zip_of(files: dict[str, bytes]) -> bytes:
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return packed.getvalue()


@pytest.mark.parametrize("report", ["Reports/Exchange_2026-12-03.zip", "Exchange_2026-12-03.zip"])
def test_1cs_own_log_archive_is_stored_never_taken_for_the_catalog(one_c, report):
    # 1C sends its log after the catalog's archive, both zipped; the log holds files of its own.
    one_c.upload("import.zip", zip_of({"import.xml": IMPORT.read_bytes()}), 204_800)
    log = zip_of({"import.xml": b"<not-the-catalog/>", "exchange.log": b"1C log"})
    one_c.upload(report, log, 204_800)
    assert import_reply(one_c, "import.xml") == IMPORT_DONE_BUT_PICTURES
    assert Product.objects.count() == 2
    assert not (folder_of(one_c) / "exchange.log").exists()  # the log was not unpacked
    assert (folder_of(one_c) / report).read_bytes() == log
    # 1C asking to import its log is told it is kept, and nothing is unpacked.
    reply = get(one_c, "import", filename=report).decode("cp1251")
    assert reply == "success\nФайл журнала 1С сохранен, импорт не требуется."
    assert ExchangeFile.objects.get(name=stored(one_c, report)).imported is None
    assert ImportJob.objects.count() == 1


def test_import_of_a_file_never_uploaded(one_c):
    assert get(one_c, "import", filename="import.xml").decode("cp1251") == (
        "failure\nФайл import.xml не загружен на сайт."
    )


def test_import_of_a_file_the_archive_does_not_hold_says_so(one_c):
    """1C zipped ``import0_1.xml`` and asks for ``import.xml``: a failure naming both, not an
    internal error; the archive's own file still imports."""
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as archive:
        archive.writestr("import0_1.xml", IMPORT.read_bytes())
    one_c.upload("v8_1.zip", packed.getvalue(), 204_800)
    for _ in range(2):  # asked again, the same answer
        reply = import_reply(one_c, "import.xml").decode("cp1251")
        assert reply == (
            "failure\nФайл import.xml не загружен на сайт: его нет ни среди загруженных "
            "файлов, ни в архиве v8_1.zip."
        )
    assert import_reply(one_c, "import0_1.xml") == IMPORT_DONE_BUT_PICTURES


def test_import_of_the_archive_itself_is_refused_naming_what_it_holds(one_c):
    """A script asking to import ``goods.zip`` got ``success`` and nothing was imported."""
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as archive:
        archive.writestr("import.xml", IMPORT.read_bytes())
        archive.writestr("offers.xml", OFFERS.read_bytes())
    one_c.upload("goods.zip", packed.getvalue(), 204_800)
    reply = import_reply(one_c, "goods.zip").decode("cp1251")
    assert reply == (
        "failure\nФайл goods.zip — архив. Импортируются файлы из него: import.xml, offers.xml; "
        "запросите импорт каждого из них (mode=import&filename=…), как это делает 1С."
    )
    assert not Product.objects.exists()
    assert import_reply(one_c, "import.xml") == IMPORT_DONE_BUT_PICTURES


def test_a_zip_file_among_the_pictures_is_a_products_file_not_an_archive_to_unpack(one_c):
    """Without zip, 1C sends a product's attached files beside its pictures, a ``.zip`` too.

    Only 1C's exchange archive is unpacked (1-C-Bitrix unpacks the one archive of
    an exchange in zip mode): an attachment's contents never land among the
    exchange's files, where its own ``import.xml`` would replace 1C's.
    """
    attachment = io.BytesIO()
    with zipfile.ZipFile(attachment, "w") as archive:
        archive.writestr("manual.pdf", b"%PDF-1.4")
        archive.writestr("import.xml", b"<not-the-catalog/>")
    one_c.upload("import.xml", IMPORT.read_bytes(), 204_800)
    name = "import_files/0f/0f1e2d3c-0000-0000-0000-000000000001.zip"
    one_c.upload(name, attachment.getvalue(), 204_800)
    assert import_reply(one_c, "import.xml") == IMPORT_DONE_BUT_PICTURES
    folder = folder_of(one_c)
    assert (folder / "import.xml").read_bytes() == IMPORT.read_bytes()
    assert not (folder / "manual.pdf").exists()
    assert (folder / name).read_bytes() == attachment.getvalue()


def test_a_broken_file_fails_with_its_place_and_writes_nothing(one_c):
    one_c.upload("import.xml", IMPORT.read_bytes()[:30_000], 204_800)
    reply = get(one_c, "import", filename="import.xml").decode("cp1251")
    while reply.startswith("progress\n"):
        reply = get(one_c, "import", filename="import.xml").decode("cp1251")
    assert reply.startswith("failure\nФайл оборван")
    assert "import.xml" in reply and "строка" in reply
    assert Product.objects.count() == 0


def test_two_requests_never_run_the_importer_at_once(one_c):
    one_c.upload("import.xml", IMPORT.read_bytes(), 204_800)
    from django.utils import timezone

    ExchangeSession.objects.update(
        lease_owner="another worker", lease_until=timezone.now() + timezone.timedelta(minutes=1)
    )
    reply = get(one_c, "import", filename="import.xml").decode("cp1251")
    assert reply == "progress\nИмпорт уже выполняется другим запросом, ожидайте."
    assert Product.objects.count() == 0


def test_deactivate_needs_a_timestamp(one_c):
    expected = "failure\nОшибка деактивации элементов.".encode("cp1251")
    assert get(one_c, "deactivate") == expected
    assert get(one_c, "deactivate", timestamp="0") == expected
    assert get(one_c, "deactivate", timestamp="yesterday") == expected


def test_deactivate_touches_only_what_this_exchange_sent_in_full(admin_user, upload_root):
    other = new_1c()
    other.checkauth()
    other.init()
    other.upload(
        "import.xml", sample("bigperson__exchange1c__tests__xml__import").read_bytes(), 204_800
    )
    other.import_file("import.xml")

    onec = new_1c()
    onec.checkauth()
    onec.init()
    onec.upload("import.xml", IMPORT.read_bytes(), 204_800)
    onec.import_file("import.xml")
    # What 1C no longer sends, in each catalog: refreshed by no full exchange.
    for each in Catalog.objects.all():
        Product.objects.create(
            catalog=each, external_id="gone", name="Снят", slug=f"gone-{each.pk}"
        )
    assert onec.auth is not None
    assert get(onec, "deactivate", timestamp=str(onec.auth.timestamp)).startswith(b"success\n")
    # This exchange's stale product goes; the other exchange's catalog is untouched.
    other = "1f116ad3-0125-aace-5941-9fddc41e02fd"
    inactive = Product.objects.filter(active=False).values_list("catalog__external_id", flat=True)
    assert list(inactive) == [Catalog.objects.exclude(external_id=other).get().external_id]
    assert Product.objects.filter(active=True).count() == Product.objects.count() - 1


def test_the_monitor_counts_what_deactivate_deactivated(one_c, admin_client, upload_root):
    """1C's ``deactivate`` shows in the exchange's page as the options' own deactivation does.

    "Ничего не делать" with missing products: only 1C's ``deactivate`` takes them off.
    """
    ExchangeSettings.objects.update(missing_products="nothing", missing_groups="nothing")
    one_c.upload("import.xml", IMPORT.read_bytes(), 204_800)
    assert import_reply(one_c, "import.xml").startswith(b"success\n")
    catalog_row = Catalog.objects.get()
    for number in (1, 2):  # what 1C no longer sends
        Product.objects.create(
            catalog=catalog_row, external_id=f"gone-{number}", name="Снят", slug=f"gone-{number}"
        )
    assert one_c.auth is not None
    timestamp = str(one_c.auth.timestamp)
    assert get(one_c, "deactivate", timestamp=timestamp) == (
        "success\nДеактивация элементов завершена.".encode("cp1251")
    )

    assert Product.objects.filter(active=False).count() == 2
    job = ImportJob.objects.get()
    assert job.counters["products_deactivated"] == 2
    session = session_of(one_c)
    page = admin_client.get(
        reverse("admin:cml_exchange_exchangesession_change", args=[session.pk]),
        HTTP_ACCEPT_LANGUAGE="ru",
    )
    assert "деактивировано товаров: 2" in page.content.decode()


def test_a_timestamp_after_the_exchanges_start_takes_none_of_what_it_sent(one_c, upload_root):
    """Never later than the exchange's own start, whatever 1C sends.

    With naive local times (USE_TZ off), 1C's checkauth just before the clocks go back
    comes after the marks the exchange makes just after: all it sent would go.
    """
    ExchangeSettings.objects.update(step_interval=0)
    one_c.upload("import.xml", IMPORT.read_bytes(), 204_800)
    assert import_reply(one_c, "import.xml").startswith(b"success\n")
    later = str(int(time.time()) + 3600)

    assert get(one_c, "deactivate", timestamp=later).startswith(b"success\n")

    assert Product.objects.filter(active=True).count() == 2


# -- errors never become error pages --------------------------------------------------------------


def test_an_internal_error_is_a_failure_reply_not_a_500(admin_user, tmp_path, settings):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x")
    settings.CML_EXCHANGE_UPLOAD_ROOT = blocker  # init cannot clean it
    onec = new_1c()
    onec.checkauth()
    response = onec.request("file", params={"filename": "a.xml"})  # a GET, no body
    assert response.status == 200
    reply = response.body.decode("cp1251")
    assert reply.startswith("failure\n")
    assert ExchangeRequest.objects.filter(status="failure", mode="file").exists()


def test_a_first_warning_of_two_lines_stays_on_line_2(one_c):
    """1C logs line 2 alone: a warning quoting a name typed on two lines is said on one."""
    ExchangeSettings.objects.update(step_interval=0)
    catalog_xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<КоммерческаяИнформация ВерсияСхемы="2.05"><Каталог СодержитТолькоИзменения="true">'
        "<Ид>c1</Ид><ИдКлассификатора>k1</ИдКлассификатора><Наименование>К</Наименование>"
        "<Товары><Товар><Наименование>Стол\nписьменный</Наименование></Товар>"
        "<Товар><Ид>p1</Ид><Наименование>Стул</Наименование></Товар></Товары>"
        "</Каталог></КоммерческаяИнформация>"
    )
    one_c.upload("import.xml", catalog_xml.encode(), 204_800)
    reply = import_reply(one_c, "import.xml").decode("cp1251")
    assert reply == (
        "success\nИмпорт завершен, но не все данные файла записаны: Сверка файла import.xml: "
        "товаров в файле 2, записано или без изменений 1 (не записано 1). Предупреждений: 1 "
        "(первое: «import.xml: Товар «Стол письменный» без Ид пропущен»); все они — в журнале "
        "обменов на сайте."
    )
