"""1C sends a CommerceML 3.1 catalog through the endpoint: the shop gets what 2.08 gives it.

The built-in client plays the 1C-Bitrix extension for 1C: it asks for 3.1 at
``init`` (the site answers ``version=3.1`` with the schema version set to
3.1), uploads the generated 3.1 file set with its pictures (one archive, or
file by file) and imports each file in 1C's order, packets of goods,
properties and stock included. The rows are compared with those the same
catalog as 2.08 gives (``tests/integration/importer/generated31.py``).
"""

from __future__ import annotations

import pytest

from cml_exchange.models import ExchangeSession, ExchangeSettings
from tests.integration.importer.generated31 import (
    NOT_COMPARED,
    counts,
    generate,
    reference,
)
from tests.integration.importer.helpers import snapshot
from tests.integration.protocol.exchange import new_1c

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("use_zip", [True, False], ids=["zip", "plain"])
def test_the_3_1_set_sent_by_1c_gives_the_rows_of_the_2_08_set(
    admin_user, upload_root, tmp_path, use_zip
):
    rows, expected = reference(tmp_path)
    ExchangeSettings.load()
    ExchangeSettings.objects.update(schema_version="3.1", use_zip=use_zip)
    directory = tmp_path / "unload"
    names = generate(directory, "3.1")

    onec = new_1c()
    result = onec.exchange_catalog([directory / name for name in names], version="3.1")

    assert (result.params.version, result.zipped) == ("3.1", use_zip)
    assert [imported.name for imported in result.imported] == names
    pictures = [sent for sent in result.sent if sent.name.startswith("import_files/")]
    assert len(pictures) == (0 if use_zip else expected["pictures"])
    assert counts() == expected
    assert snapshot(NOT_COMPARED) == rows
    session = ExchangeSession.objects.get()
    assert session.outcome == "success"
