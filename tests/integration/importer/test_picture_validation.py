"""Only pictures reach the storage: judged by their content, refused before decoding when huge.

What 1C names in ``<Картинка>`` is served later from the shop's own domain,
so an SVG with a script or an HTML page named ``.jpg`` must not get there;
and a few KiB of PNG that decode to 84 million pixels must not cost the
server hundreds of megabytes. The hand-made files are in
``tests/data/cases/pictures/`` (its README says what each shows); the
pictures and bombs are made here.
"""

from __future__ import annotations

import io
import resource
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image

from cml_exchange.importer import ImportOptions, create_job, thumbnails
from cml_exchange.models import ImportJob, ProductImage
from tests.integration.importer import cml_files as files
from tests.integration.importer.cml_files import Item
from tests.integration.importer.helpers import assert_done, run_to_end
from tests.paths import DATA_DIR

pytestmark = pytest.mark.django_db

CASES = DATA_DIR / "cases" / "pictures"
MiB = 1024 * 1024


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path / "media"


def png_bomb(width: int, height: int) -> bytes:
    """A black 1-bit PNG of ``width`` × ``height``: a few KiB that decode to every pixel.

    Written chunk by chunk, so making it costs no more memory than its rows.
    """
    row = bytes(1 + (width + 7) // 8)  # filter byte 0, then the row's bits, all 0
    packer = zlib.compressobj(9)
    data = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1 bit, greyscale
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


def picture(size: tuple[int, int], kind: str = "JPEG") -> bytes:
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, format=kind)
    return buffer.getvalue()


def import_pictures(tmp_path: Path, sent: dict[str, bytes], **options: Any) -> ImportJob:
    """Import one product per picture (``p0``, ``p1``…), each naming its file in ``sent``."""
    directory = tmp_path / "exchange"
    items = []
    for number, (path, content) in enumerate(sent.items()):
        target = directory / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        items.append(Item(f"p{number}", f"Товар {number}", pictures=[path]))
    files.write(directory, "import.xml", files.catalog("cat", items))
    job = create_job(["import.xml"], base_dir=directory, options=ImportOptions(**options))
    assert_done(run_to_end(job))
    job.refresh_from_db()
    return job


def messages(job: ImportJob) -> list[str]:
    return [warning["message"] for warning in job.warnings]


def stored_files(media: Path) -> list[Path]:
    return [path for path in media.rglob("*") if path.is_file()] if media.exists() else []


# -- not pictures ----------------------------------------------------------------------------


def test_an_svg_with_a_script_is_not_stored(tmp_path, media):
    job = import_pictures(
        tmp_path, {"import_files/ab/logo.svg": (CASES / "script.svg").read_bytes()}
    )
    assert ProductImage.objects.count() == 0
    assert stored_files(media) == []
    assert job.warning_counts == {"image_not_picture": 1}
    assert messages(job) == [
        "Картинка import_files/ab/logo.svg не сохранена: SVG не принимается: "
        "в векторной картинке может быть скрипт."
    ]


def test_an_html_page_named_jpg_is_not_stored(tmp_path, media):
    job = import_pictures(
        tmp_path, {"import_files/ab/photo.jpg": (CASES / "page.jpg").read_bytes()}
    )
    assert ProductImage.objects.count() == 0
    assert stored_files(media) == []
    assert messages(job) == [
        "Картинка import_files/ab/photo.jpg не сохранена: это HTML-страница, а не изображение."
    ]
    assert job.counters["images_refused"] == 1


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"GIF89a, but not really: the upload broke off", id="gif-header-only"),
        pytest.param(b"%PDF-1.7\n1 0 obj <<>> endobj\n", id="pdf"),
        pytest.param(
            b"\xff\xd8\xff\xe0 a JPEG marker and nothing else \xff\xd9", id="jpeg-markers"
        ),
    ],
)
def test_a_file_that_only_starts_like_a_picture_is_not_stored(tmp_path, media, content):
    job = import_pictures(tmp_path, {"import_files/ab/photo.gif": content})
    assert ProductImage.objects.count() == 0
    assert stored_files(media) == []
    [message] = messages(job)
    assert message.startswith("Картинка import_files/ab/photo.gif не сохранена: ")


def test_a_picture_cut_off_in_the_middle_is_not_stored(tmp_path, media):
    whole = picture((1200, 800))
    job = import_pictures(tmp_path, {"import_files/ab/photo.jpg": whole[: len(whole) // 2]})
    assert ProductImage.objects.count() == 0
    assert stored_files(media) == []
    assert job.warning_counts == {"image_unreadable": 1}
    assert messages(job) == [
        "Картинка import_files/ab/photo.jpg не сохранена: изображение JPEG повреждено."
    ]


def test_the_content_decides_not_the_extension_a_png_named_jpg_is_stored_as_png(tmp_path):
    job = import_pictures(tmp_path, {"import_files/ab/photo.jpg": picture((600, 400), "PNG")})
    assert job.warning_counts == {}
    image = ProductImage.objects.get()
    assert image.file.name.endswith("_300x300.png")
    assert image.preview.name.endswith("_preview_100x100.png")
    with default_storage.open(image.file.name) as handle, Image.open(handle) as stored:
        assert (stored.format, stored.size) == ("PNG", (300, 200))


# -- too many pixels -------------------------------------------------------------------------


def test_a_decompression_bomb_is_refused_from_its_header_without_the_memory(tmp_path, media):
    bomb = png_bomb(12_000, 7_000)
    assert len(bomb) < 64 * 1024  # what 1C uploads: a few KiB
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    job = import_pictures(tmp_path, {"import_files/ab/photo.png": bomb})
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - peak
    assert ProductImage.objects.count() == 0
    assert stored_files(media) == []
    assert job.warning_counts == {"image_too_large": 1}
    assert messages(job) == [
        "Картинка import_files/ab/photo.png не сохранена: 12000×7000 точек (84 Мпикс), "
        "больше допустимых 50 Мпикс."
    ]
    # Decoding it would have cost 84 MB, and 250 MB more to shrink it in colour.
    assert grown < 64 * MiB


def test_the_cap_is_the_settings(tmp_path, settings):
    settings.CML_EXCHANGE_MAX_IMAGE_PIXELS = 1_000_000
    job = import_pictures(
        tmp_path,
        {
            "import_files/ab/big.jpg": picture((1300, 800)),
            "import_files/ab/ok.jpg": picture((1000, 1000)),  # as many as allowed
        },
    )
    assert list(ProductImage.objects.values_list("source_path", flat=True)) == [
        "import_files/ab/ok.jpg"
    ]
    assert messages(job) == [
        "Картинка import_files/ab/big.jpg не сохранена: 1300×800 точек (1,04 Мпикс), "
        "больше допустимых 1 Мпикс."
    ]


def test_with_the_cap_off_pillows_own_limit_still_refuses(tmp_path, settings, media):
    settings.CML_EXCHANGE_MAX_IMAGE_PIXELS = 0
    limit = 2 * (Image.MAX_IMAGE_PIXELS or 0)
    job = import_pictures(
        tmp_path, {"import_files/ab/photo.png": png_bomb(20_000, limit // 20_000 + 1)}
    )
    assert ProductImage.objects.count() == 0
    assert stored_files(media) == []
    assert job.warning_counts == {"image_too_large": 1}


def test_shrinking_never_decodes_what_is_over_the_cap(tmp_path):
    path = tmp_path / "photo.png"
    path.write_bytes(png_bomb(12_000, 7_000))
    with pytest.raises(thumbnails.TooLarge, match="12000×7000"):
        thumbnails.shrink(path, [(300, 300), (100, 100)], max_pixels=50_000_000)


# -- pictures stored before ------------------------------------------------------------------


def test_a_picture_stored_as_sent_by_an_earlier_version_is_judged_again(tmp_path, media):
    """Earlier versions stored an SVG, or a file Pillow could not read, as its own preview."""
    svg = (CASES / "script.svg").read_bytes()
    import_pictures(tmp_path, {"import_files/ab/logo.svg": picture((50, 50), "PNG")})
    image = ProductImage.objects.get()
    old_name = image.file.name.replace("_300x300.png", ".svg")
    image.file.name = image.preview.name = default_storage.save(old_name, ContentFile(svg))
    image.save()

    job = import_pictures(tmp_path, {"import_files/ab/logo.svg": svg}, use_checksums=False)
    assert ProductImage.objects.count() == 0
    assert job.warning_counts == {"image_not_picture": 1}
