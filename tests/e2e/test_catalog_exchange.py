"""The built-in 1C client against the real endpoint on a real HTTP server.

Every sample catalog set goes through the whole exchange (checkauth, init,
file, import, deactivate, complete), and must leave the database exactly as
importing the same files directly does.
"""

from __future__ import annotations

import math
import zipfile
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path
from typing import Any, cast

import pytest

from benchmarks.generator import generate_catalog
from cml_exchange.client import ARCHIVE_NAME, ExchangeClient
from cml_exchange.client.packing import Upload, pack
from cml_exchange.importer import ImportOptions, create_job
from cml_exchange.models import ExchangeSettings, Offer, Product, ProductImage
from tests.e2e import catalogs
from tests.e2e.conftest import Recorder, session_folder
from tests.integration.importer.helpers import (
    assert_done,
    import_samples,
    run_to_end,
    snapshot,
    wipe,
)
from tests.integration.importer.test_samples import SETS
from tests.paths import sample

MakeClient = Callable[..., ExchangeClient]


def site_options() -> dict[str, Any]:
    """The importer's options as the site's settings make them (for the direct import)."""
    options = ImportOptions.from_settings(ExchangeSettings.load())
    return {field.name: getattr(options, field.name) for field in fields(options)}


def direct_import(tmp_path: Path, names: list[str]) -> dict[str, list[tuple[str, ...]]]:
    """Wipe the catalog, import ``names`` with the importer alone, and snapshot the result."""
    wipe()
    _job, result = import_samples(tmp_path / "direct", *names, **site_options())
    assert_done(result)
    return snapshot()


def exchange(
    client: ExchangeClient, paths: list[Path], **options: Any
) -> dict[str, list[tuple[str, ...]]]:
    result = client.exchange_catalog(paths, **options)
    assert [item.name for item in result.imported] == [path.name for path in paths]
    assert cast(Recorder, client.log)[-1].startswith("complete: success")
    return snapshot()


def assert_stored(kind_directory: Path, paths: list[Path]) -> None:
    directory = session_folder(kind_directory)
    for path in paths:
        assert (directory / path.name).read_bytes() == path.read_bytes(), path.name


@pytest.mark.parametrize("set_name", list(SETS))
def test_every_set_file_by_file(make_client, exchange_dirs, tmp_path, set_name):
    paths = [sample(name) for name in SETS[set_name]]
    client = make_client()
    after_exchange = exchange(client, paths, zip=False)
    assert client.log[1] == "init: zip=yes file_limit=204800"  # offered, and declined
    assert_stored(exchange_dirs, paths)
    assert after_exchange == direct_import(tmp_path, SETS[set_name])


@pytest.mark.parametrize("set_name", ["carono", "Denis-777", "gillbeits"])
def test_zipped(make_client, exchange_dirs, tmp_path, set_name):
    paths = [sample(name) for name in SETS[set_name]]
    client = make_client()
    result = client.exchange_catalog(paths)
    assert result.zipped
    assert [sent.name for sent in result.sent] == [ARCHIVE_NAME]
    assert_stored(exchange_dirs, paths)  # as unpacked by the site
    assert snapshot() == direct_import(tmp_path, SETS[set_name])


@pytest.mark.parametrize(
    ("set_name", "zipped", "chunk"),
    [("dobromyslov", False, 7001), ("kickgoods", True, 7001), ("alfredotg", False, 257)],
)
def test_small_chunks(make_client, exchange_dirs, tmp_path, set_name, zipped, chunk):
    paths = [sample(name) for name in SETS[set_name]]
    client = make_client()
    result = client.exchange_catalog(paths, zip=zipped, chunk=chunk)
    for sent in result.sent:
        assert sent.parts == math.ceil(sent.size / chunk)
    if not zipped:
        assert [sent.size for sent in result.sent] == [path.stat().st_size for path in paths]
    assert_stored(exchange_dirs, paths)
    assert snapshot() == direct_import(tmp_path, SETS[set_name])


def test_the_site_says_no_zip(make_client, exchange_dirs, tmp_path):
    ExchangeSettings.objects.update_or_create(pk=1, defaults={"use_zip": False, "file_limit": 5000})
    paths = [sample(name) for name in SETS["bigperson"]]
    client = make_client()
    result = client.exchange_catalog(paths)
    assert not result.zipped
    assert client.log[1] == "init: zip=no file_limit=5000"
    assert [sent.parts for sent in result.sent] == [2, 2]
    assert_stored(exchange_dirs, paths)
    assert snapshot() == direct_import(tmp_path, SETS["bigperson"])


@pytest.mark.slow
def test_a_generated_unload_in_steps(make_client, exchange_dirs, tmp_path):
    """A full unload (6000 products, pictures) imported in 1-second steps: ``progress`` polled.

    The size keeps each file well over a second of work even at the importer's
    best speed (about 10,000 products in 3-4 s on a 2-core machine).
    """
    ExchangeSettings.objects.update_or_create(pk=1, defaults={"step_interval": 1})
    folder = tmp_path / "unload"
    manifest = generate_catalog(folder, 6000, seed=11)
    paths = [folder / "import.xml", folder / "offers.xml"]
    client = make_client()
    result = client.exchange_catalog(paths)
    progress = [line for line in client.log if ": progress " in line]
    assert progress
    assert sum(item.requests for item in result.imported) == len(paths) + len(progress)
    # The samples above compare whole databases; here the manifest's counts are enough.
    assert Product.objects.count() == manifest["products"]
    assert Offer.objects.count() == manifest["offers"]
    assert ProductImage.objects.count() == manifest["images"]


# -- pictures ----------------------------------------------------------------------

#: The pictures carono's import.xml names, and one more that no product uses.
PICTURES = [
    "import_files/9d/9da00149441011e19bb10015174048b8_0e01fd9e204611e8b2a794de807044d1.jpg",
    "import_files/9d/9da00149441011e19bb10015174048b8_0e01fd9e204611e8b2a794de807044d2.jpg",
    "import_files/9d/9da00149441011e19bb10015174048b8_0e01fd9e204611e8b2a794de807044d3.jpg",
    "import_files/ff/unused.png",
]


def unload_with_pictures(folder: Path) -> list[Path]:
    """carono's set as 1C writes it: the XML files and an ``import_files/`` folder beside them."""
    paths = []
    for name in SETS["carono"]:
        path = folder / sample(name).name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(sample(name).read_bytes())
        paths.append(path)
    for number, name in enumerate(PICTURES):
        picture = folder / name
        picture.parent.mkdir(parents=True, exist_ok=True)
        picture.write_bytes(catalogs.picture(f"{name} {number}"))
    return paths


@pytest.mark.parametrize("zipped", [False, True])
def test_pictures_go_with_the_catalog(make_client, exchange_dirs, tmp_path, zipped):
    folder = tmp_path / "unload"
    paths = unload_with_pictures(folder)
    client = make_client()
    result = client.exchange_catalog(paths, zip=zipped, chunk=3000)
    if not zipped:
        assert [sent.name for sent in result.sent] == [path.name for path in paths] + PICTURES
    for name in PICTURES:
        assert (session_folder(exchange_dirs) / name).read_bytes() == (folder / name).read_bytes()
    assert ProductImage.objects.count() == 3
    after_exchange = snapshot()
    wipe()
    job = create_job(
        paths, base_dir=folder, options=ImportOptions.from_settings(ExchangeSettings.load())
    )
    assert_done(run_to_end(job))
    assert snapshot() == after_exchange


def test_the_archive_holds_xml_at_its_root_and_pictures_by_path(
    make_client, exchange_dirs, tmp_path
):
    paths = unload_with_pictures(tmp_path / "unload")
    client = make_client()
    client.exchange_catalog(paths)
    with zipfile.ZipFile(session_folder(exchange_dirs) / ARCHIVE_NAME) as archive:
        assert archive.namelist() == [path.name for path in paths] + PICTURES


# -- found with the client --------------------------------------------------------


def test_an_archive_left_by_an_unfinished_exchange_is_not_unpacked_into_the_next(
    make_client, exchange_dirs, tmp_path
):
    stale, fresh = sample(SETS["carono"][0]), sample(SETS["bigperson"][0])
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "import.xml").write_bytes(stale.read_bytes())
    first = make_client()
    first.checkauth()
    first.init()
    first.upload(ARCHIVE_NAME, pack([Upload("import.xml", tmp_path / "old" / "import.xml")]))
    # 1C gave up here; the next exchange sends another import.xml, unzipped.
    second = make_client()
    second.checkauth()
    second.init()
    second.upload("import.xml", fresh)
    second.import_file("import.xml")
    assert (session_folder(exchange_dirs) / "import.xml").read_bytes() == fresh.read_bytes()
