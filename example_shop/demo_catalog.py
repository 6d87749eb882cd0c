"""The demo catalog of the example shop: two public CommerceML sets, imported by the real importer.

See ``demo/SOURCES.md`` for where the files come from. Each set is imported
once: a set whose catalog is already in the database is skipped, so loading
twice changes nothing.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lxml import etree
from PIL import Image, ImageDraw

from cml_exchange.importer import Failed, ImportOptions, create_job, run
from cml_exchange.models import Catalog, ExchangeSettings

DEMO_DIR = Path(__file__).resolve().parent / "demo"


@dataclass(frozen=True)
class DemoSet:
    folder: str
    catalog_id: str  # the 1C id of the catalog in its import file
    files: tuple[str, ...]
    title: str


DEMO_SETS = (
    DemoSet(
        "shoes",
        "07cfe53d-5145-4c4e-a81c-899be39cc5bd",
        ("import.xml", "offers.xml"),
        "обувь из демо-базы «Управление торговлей 11»",
    ),
    DemoSet(
        "mats",
        "b21db898-7f82-46d8-a5ca-7c4f1d200a13",
        ("import0_1.xml", "offers0_1.xml"),
        "детские коврики (выгрузка настоящего магазина)",
    ),
)


class DemoImportError(Exception):
    """The importer refused a demo set; the message is the importer's, in Russian."""


def load_demo_catalog(log: Callable[[str], None] = print) -> list[DemoSet]:
    """Import every demo set whose catalog is not in the database yet; the sets imported."""
    loaded = []
    for demo in DEMO_SETS:
        if Catalog.objects.filter(external_id=demo.catalog_id).exists():
            log(f"Демо-каталог уже загружен: {demo.title}.")
            continue
        log(f"Загружаю демо-каталог: {demo.title}…")
        import_set(demo)
        loaded.append(demo)
    return loaded


def import_set(demo: DemoSet) -> None:
    """Import one set from a scratch copy, with the admin's import options."""
    with tempfile.TemporaryDirectory(prefix="shop-demo-") as scratch:
        folder = Path(scratch)
        for name in demo.files:
            shutil.copyfile(DEMO_DIR / demo.folder / name, folder / name)
            draw_missing_pictures(folder / name)
        job = create_job(
            list(demo.files),
            base_dir=folder,
            options=ImportOptions.from_settings(ExchangeSettings.load()),
        )
        result = run(job, None)
        if isinstance(result, Failed):
            raise DemoImportError(result.message)


def draw_missing_pictures(xml: Path) -> list[Path]:
    """Draw a stand-in JPEG for each ``Картинка`` of ``xml`` that has no file beside it."""
    drawn = []
    for _event, element in etree.iterparse(str(xml), tag="{*}Картинка"):
        relative = (element.text or "").strip()
        element.clear()
        target = (xml.parent / relative).resolve()
        if not relative or target.exists() or xml.parent.resolve() not in target.parents:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        _boot(relative).save(target, "JPEG", quality=85)
        drawn.append(target)
    return drawn


def _boot(seed: str) -> Image.Image:
    """A tall boot on a pale background, its colour taken from ``seed``."""
    digest = hashlib.sha256(seed.encode()).digest()
    leather = (90 + digest[0] % 70, 50 + digest[1] % 50, 30 + digest[2] % 40)
    image = Image.new("RGB", (600, 600), (246, 243, 238))
    draw = ImageDraw.Draw(image)
    draw.polygon(
        [(230, 90), (350, 90), (355, 400), (470, 440), (500, 500), (200, 500), (215, 300)],
        fill=leather,
    )
    draw.rectangle([(200, 500), (505, 520)], fill=(40, 30, 25))
    draw.line([(232, 120), (350, 120)], fill=(246, 243, 238), width=4)
    return image
