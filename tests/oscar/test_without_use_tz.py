"""The django-oscar adapter in a project with ``USE_TZ = False``: 1C's times kept naive."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from tests.oscar.cml import Prop, clothes
from tests.oscar.test_catalog import import_shop, oscar

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("value", "kept"),
    [
        ("2024-01-08T15:47:02", dt.datetime(2024, 1, 8, 15, 47, 2)),
        # An offset is the shop's zone's (TIME_ZONE, Europe/Moscow) time then.
        ("2024-01-08T12:47:02+00:00", dt.datetime(2024, 1, 8, 15, 47, 2)),
    ],
)
def test_a_time_property_becomes_the_shops_local_time(
    tmp_path: Path, settings: Any, value: str, kept: dt.datetime
) -> None:
    settings.USE_TZ = False
    shop = clothes()
    shop.properties.append(Prop("p-made", "Дата выпуска", "Время"))
    shop.items[0].values["p-made"] = value

    import_shop(tmp_path, shop, mirror=False)

    assert oscar("Рубашка льняная").attr.data_vypuska == kept
