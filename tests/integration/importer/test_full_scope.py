"""What a waiting file holds in full is read from its headers, and read again when it changes."""

from __future__ import annotations

import os
from pathlib import Path

from cml_exchange.importer.missing import full_scope_in

CATALOG = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<КоммерческаяИнформация ВерсияСхемы="2.08">'
    '<Каталог СодержитТолькоИзменения="{changes}"><Ид>cat-1</Ид><Наименование>К</Наименование>'
    "<Товары><Товар><Ид>p-1</Ид><Наименование>Т</Наименование></Товар></Товары>"
    "</Каталог></КоммерческаяИнформация>"
)


def test_a_file_written_again_is_read_again(tmp_path: Path) -> None:
    path = tmp_path / "import.xml"
    path.write_text(CATALOG.format(changes="false"), encoding="utf-8")
    assert full_scope_in(path).catalogs == {"cat-1"}
    assert full_scope_in(path).catalogs == {"cat-1"}  # remembered
    # The same size, the same time: only the content differs ("true " for "false").
    stat = path.stat()
    path.write_text(CATALOG.format(changes="true "), encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert path.stat().st_size == stat.st_size
    assert full_scope_in(path).catalogs == set(), "a file uploaded again must be read again"
