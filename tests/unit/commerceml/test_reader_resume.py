"""Resuming a read: ``skip=n`` yields exactly what a full read yields from ordinal ``n`` on."""

import pytest

from cml_exchange.commerceml import Catalog, Classifier, CmlReader, FileInfo, OfferPackage
from tests.paths import sample

HEADERS = (FileInfo, Classifier, Catalog, OfferPackage)
FILES = [
    "carono__php-commerceml__tests__xml__import",  # nested groups, then products
    "Kremenchuk",  # 27 empty offers that yield nothing but have ordinals
    "bigperson__exchange1c__tests__xml__offers",  # a classifier, then a package
    "ArgentCrusade",  # documents
    "dobromyslov__commerceml-parser__data__offers0_1",
]


def numbered(reader: CmlReader) -> list[tuple[int, object]]:
    """(ordinal, entity) for each non-header entity, and (-1, header) for headers."""
    result: list[tuple[int, object]] = []
    for entity in reader:
        result.append((-1 if isinstance(entity, HEADERS) else reader.position - 1, entity))
    return result


@pytest.mark.parametrize("name", FILES)
def test_skip_resumes_exactly_where_a_full_read_was(name):
    full = numbered(CmlReader(sample(name)))
    total = CmlReader(sample(name))
    list(total)
    ordinals = [ordinal for ordinal, _ in full if ordinal >= 0]
    assert ordinals == sorted(ordinals)
    for skip in sorted({0, 1, 2, total.position // 3, total.position // 2, total.position - 1}):
        resumed = numbered(CmlReader(sample(name), skip=skip))
        expected = [pair for pair in full if pair[0] == -1 or pair[0] >= skip]
        assert resumed == expected, skip


def test_skipping_everything_still_yields_the_headers():
    reader = CmlReader(sample("carono__php-commerceml__tests__xml__import"), skip=10**9)
    assert [type(e) for e in reader] == [FileInfo, Classifier, Catalog]
    assert reader.position == 22 + 10 + 2  # groups, properties, products


def test_subgroups_after_the_skip_point_keep_their_parent():
    full = [e for e in CmlReader(sample("Dialdev__Santechtula__upload__1c_catalog__import"))]
    groups = {e.id: e for e in full if type(e).__name__ == "Group"}
    resumed = [
        e for e in CmlReader(sample("Dialdev__Santechtula__upload__1c_catalog__import"), skip=50)
    ]
    for entity in resumed:
        if type(entity).__name__ == "Group":
            assert entity == groups[entity.id]


def test_reference_checks_can_be_left_to_the_caller():
    reader = CmlReader(sample("alfredotg__parser1c__tests__data__offer"), check_references=False)
    list(reader)
    assert reader.warnings == []
