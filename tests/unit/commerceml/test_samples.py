"""Every real sample file reads, and what it holds matches the reference counts."""

import json

import pytest

from cml_exchange.commerceml.reading.summary import COUNT_FIELDS, summarize
from tests.paths import CML_DIR

EXPECTED = {
    entry["file"]: entry
    for entry in json.loads((CML_DIR / "EXPECTED_COUNTS.json").read_text(encoding="utf-8"))["files"]
}
CML2_FILES = sorted(
    name for name, entry in EXPECTED.items() if entry["ns"] != "urn:1C.ru:commerceml_3"
)
ALL_FILES = sorted(EXPECTED)

#: EXPECTED_COUNTS names root children in Russian; the reader reports kinds in English.
KIND_OF_ROOT_CHILD = {
    "Классификатор": "classifier",
    "Каталог": "catalog",
    "ПакетПредложений": "offers",
    "Документ": "documents",
}


def test_every_sample_file_is_covered():
    on_disk = {path.name for path in CML_DIR.glob("*.xml")}
    assert on_disk == set(EXPECTED)
    assert len(CML2_FILES) == 39
    assert len(ALL_FILES) == 40  # and one of CommerceML 3.1


@pytest.mark.parametrize("name", ALL_FILES)
def test_counts_match_the_reference(name):
    expected = EXPECTED[name]
    summary = summarize(CML_DIR / name).as_dict()

    assert {field: summary[field] for field in COUNT_FIELDS} == {
        field: expected[field] for field in COUNT_FIELDS
    }
    assert summary["empty_offers"] == expected["empty_offers"]
    assert summary["schema_version"] == expected["version"]
    assert summary["namespace"] == expected["ns"]
    assert summary["encoding"].lower() == expected["encoding"].lower()


@pytest.mark.parametrize("name", ALL_FILES)
def test_kinds_and_only_changes_match_the_root_children(name):
    expected = EXPECTED[name]
    summary = summarize(CML_DIR / name)

    assert summary.kind == list(dict.fromkeys(KIND_OF_ROOT_CHILD[top] for top in expected["top"]))
    declared = dict(item.split("=") for item in expected["only_changes"])
    for container, flag in declared.items():
        assert summary.only_changes[KIND_OF_ROOT_CHILD[container]] is (flag == "true")
    # A container without the attribute is a full package.
    for kind, flag in summary.only_changes.items():
        if kind not in {KIND_OF_ROOT_CHILD[c] for c in declared}:
            assert flag is False
