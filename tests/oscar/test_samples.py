"""Every shared sample set, imported through the Oscar adapter: Oscar holds what the app holds."""

from __future__ import annotations

import pytest

from tests.integration.importer.helpers import assert_done, import_samples
from tests.integration.importer.test_samples import SETS
from tests.oscar.mirror import expected, in_oscar, prices_and_stock

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("set_name", list(SETS))
def test_oscar_holds_what_the_app_holds(tmp_path, set_name):
    _job, result = import_samples(tmp_path, *SETS[set_name])
    assert_done(result)
    assert in_oscar() == expected()
    want, got = prices_and_stock()
    assert got == want
