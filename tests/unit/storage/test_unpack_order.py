"""The importer's unzip stage names the archive's first catalog as soon as it is unpacked.

``unpack_step(on_xml=…)`` lets the import scan that file ahead while the rest of
the archive (1C packs the pictures after the catalogs) is unpacked: only a file
imported before every XML file unpacked so far is named, in this step or a later one.
"""

from __future__ import annotations

from pathlib import Path

from cml_exchange.importer.unpack import unpack_step
from tests.unit.storage.unzip_cases import IMPORT_XML, OFFERS_XML, build, far, past


def unpack(archive: Path, target: Path, *, deadline: float) -> tuple[list[str], list[str]]:
    """Every step until done: the names given to ``on_xml``, and the XML files to import."""
    named: list[str] = []
    state = None
    while True:
        step = unpack_step(archive, target, state, deadline=deadline, on_xml=named.append)
        state = step.position
        if step.done:
            return named, list(step.xml_files)


ENTRIES = [
    ("offers.xml", OFFERS_XML),
    ("import_files/a.jpg", b"a"),
    ("import.xml", IMPORT_XML),
    ("rests.xml", b"<r/>"),
    ("import_files/b.xml", b"<b/>"),  # not a catalog of the archive's top folder
    ("prices.xml", b"<p/>"),
]


def test_the_file_imported_first_so_far_is_named_in_one_step(tmp_path):
    archive = build(tmp_path / "a.zip", ENTRIES)
    named, files = unpack(archive, tmp_path / "exchange", deadline=far())
    assert named == ["offers.xml", "import.xml"]
    assert files == ["import.xml", "offers.xml", "prices.xml", "rests.xml"]


def test_steps_remember_what_was_unpacked_before(tmp_path):
    archive = build(tmp_path / "a.zip", ENTRIES)
    named, _files = unpack(archive, tmp_path / "exchange", deadline=past())  # an entry a step
    assert named == ["offers.xml", "import.xml"]
