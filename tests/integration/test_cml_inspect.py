"""``manage.py cml_inspect``: what a shop owner sees about the files 1C sent."""

import json
import shutil
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from cml_exchange.commerceml.reading.summary import COUNT_FIELDS
from tests.paths import DATA_DIR, sample


def inspect(*args):
    out, err = StringIO(), StringIO()
    call_command("cml_inspect", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_json_has_one_object_per_file_with_the_counts():
    out, _ = inspect(
        "--json",
        str(sample("carono__php-commerceml__tests__xml__import")),
        str(sample("carono__php-commerceml__tests__xml__offers")),
    )
    catalog, offers = (json.loads(line) for line in out.splitlines())
    assert catalog["kind"] == ["classifier", "catalog"]
    assert catalog["schema_version"] == "2.07"
    assert catalog["only_changes"] == {"classifier": False, "catalog": False}
    assert (catalog["groups"], catalog["properties"], catalog["property_values"]) == (22, 10, 154)
    assert (catalog["products"], catalog["images"], catalog["barcodes"]) == (2, 3, 1)
    assert offers["kind"] == ["classifier", "offers"]
    assert (offers["offers"], offers["prices"], offers["stock_rows"]) == (5, 5, 5)
    assert offers["warehouses_declared"] == 5
    assert offers["warnings"] == []
    for field in ("file", "units", "products_deleted", "price_types", "orders", "order_lines"):
        assert field in catalog


def test_files_given_together_resolve_references_between_them():
    out, _ = inspect(
        "--json",
        str(sample("irpsv__commerceml__tests__assets__umi-cms__import")),
        str(sample("irpsv__commerceml__tests__assets__umi-cms__offers")),
    )
    offers = json.loads(out.splitlines()[1])
    assert offers["warning_counts"] == {"unknown_product": 11}
    assert all("нет в каталоге" in w["message"] for w in offers["warnings"])


def test_readable_summary_in_russian():
    out, _ = inspect(str(sample("ArgentCrusade")))
    assert "Содержит: документы (заказы)" in out
    assert "Версия схемы: 2.09" in out
    assert "Документы (заказы): 2" in out
    assert "Строки заказов: 4" in out


def test_readable_summary_lists_warnings():
    out, _ = inspect("--warnings", "2", str(sample("alfredotg__parser1c__tests__data__offer")))
    assert "Предупреждений: 9" in out
    assert out.count("    - ") == 2
    assert "… и ещё 7" in out


def test_a_bad_file_is_reported_and_the_others_still_inspected(tmp_path):
    bad = tmp_path / "feed.xml"
    bad.write_text('<?xml version="1.0"?><rss><channel/></rss>', encoding="utf-8")
    good = str(sample("avdivo__commercml__offers"))
    out = StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("cml_inspect", "--json", str(bad), good, stdout=out)
    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert "Это не файл CommerceML" in first["error"]
    assert second["offers"] == 1
    assert "Не удалось прочитать файлов: 1" in str(caught.value)


def test_a_relative_name_is_found_in_the_upload_root(settings, tmp_path, monkeypatch):
    settings.CML_EXCHANGE_UPLOAD_ROOT = tmp_path / "exchange"
    (tmp_path / "exchange").mkdir()
    shutil.copy(
        sample("Katy248__electrotech__example__offers"), tmp_path / "exchange" / "offers.xml"
    )
    monkeypatch.chdir(tmp_path)
    out, _ = inspect("--json", "offers.xml")
    result = json.loads(out)
    assert (result["file"], result["offers"]) == ("offers.xml", 3)


# -- CommerceML 3.1: one kind per file (tests/data/cml31) ------------------------------

CML31 = DATA_DIR / "cml31"
#: The 3.1 test exchange in 1C's order: (file name prefix, what the summary says it holds,
#: the counts that are not zero). Counts from tests/data/cml31/README.md.
CML31_FILES = [
    ("priceLists_", "классификатор, заголовок каталога (без товаров)", {"price_types": 2}),
    ("storages_", "классификатор, заголовок каталога (без товаров)", {"warehouses_declared": 2}),
    (
        "propertiesGoods_1_1_",
        "классификатор, заголовок каталога (без товаров)",
        {"properties": 2, "property_values": 4},
    ),
    ("propertiesGoods_1_2_", "классификатор, заголовок каталога (без товаров)", {"properties": 2}),
    (
        "propertiesOffers_",
        "классификатор, заголовок пакета предложений (без предложений)",
        {"properties": 2, "property_values": 6},
    ),
    ("units_", "классификатор, заголовок каталога (без товаров)", {"units": 3}),
    ("groups_", "классификатор, заголовок каталога (без товаров)", {"groups": 6}),
    ("goods_1_1_", "каталог товаров", {"products": 6, "images": 5}),
    ("goods_1_2_", "каталог товаров", {"products": 6, "products_deleted": 1, "images": 2}),
    ("offers_", "пакет предложений", {"offers": 16}),
    ("prices_", "пакет предложений", {"offers": 15, "prices": 30}),
    ("rests_1_1_", "пакет предложений", {"offers": 8, "stock_rows": 16}),
    ("rests_1_2_", "пакет предложений", {"offers": 7, "stock_rows": 14}),
]


def _cml31_files() -> list[str]:
    found = []
    for prefix, _holds, _counts in CML31_FILES:
        (path,) = CML31.glob(f"{prefix}*.xml")
        found.append(str(path))
    return found


def test_every_3_1_file_kind_is_read_with_its_counts_and_no_warnings():
    out, _ = inspect("--json", *_cml31_files())

    summaries = [json.loads(line) for line in out.splitlines()]
    assert len(summaries) == len(CML31_FILES)
    for summary, (prefix, _holds, counts) in zip(summaries, CML31_FILES, strict=True):
        assert (summary["schema_version"], summary["namespace"]) == (
            "3.1",
            "urn:1C.ru:commerceml_3",
        ), prefix
        assert set(summary["only_changes"].values()) == {True}, prefix
        shown = {field: summary[field] for field in COUNT_FIELDS if summary[field]}
        assert shown == counts, prefix
        assert summary["warnings"] == [], prefix
        header = prefix.startswith(("priceLists", "storages", "propertiesGoods", "units", "groups"))
        assert summary["header_only"] == (
            ["catalog"] if header else ["offers"] if prefix == "propertiesOffers_" else []
        ), prefix


def test_a_3_1_classifier_file_is_not_shown_as_a_catalog():
    out, _ = inspect(*_cml31_files())

    holds = [line.strip() for line in out.splitlines() if line.strip().startswith("Содержит:")]
    assert holds == [f"Содержит: {holds}" for _prefix, holds, _counts in CML31_FILES]
    assert "Версия схемы: 3.1" in out
    assert "Предупреждений" not in out
