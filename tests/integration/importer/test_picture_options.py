"""Pictures shrunk to the settings' sizes (DETAIL_RESIZE) with previews (GENERATE_PREVIEW).

The products come from a real exchange file (Katy248's import.xml names three
pictures); the pictures themselves are made by Pillow, since the sample ships
none.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from PIL import Image

from cml_exchange.importer import ImportOptions, create_job
from cml_exchange.models import ImportJob, Product, ProductImage
from tests.integration.importer import cml_files as files
from tests.integration.importer.cml_files import Item
from tests.integration.importer.helpers import assert_done, import_samples, run_to_end

pytestmark = pytest.mark.django_db

KATY = "Katy248__electrotech__example__import"
#: The products of Katy248's file and the pictures they name.
BREAKER = "7c63329c-7b37-11ee-802b-e0b9a548d6d8"
BREAKER_PICTURE = (
    "import_files/7c/7c63329c7b3711ee802be0b9a548d6d8_f11face0469f11f0ad0f000c292ac68f.jpg"
)
CABINET = "a09d2dd8-7fa0-11ed-a9dc-e0b9a548d6d8"
CABINET_PICTURE = (
    "import_files/a0/a09d2dd87fa011eda9dce0b9a548d6d8_3df7b55c46a411f0ad0f000c292ac68f.jpeg"
)
CLAMP = "b2d23a47-7cdb-11ef-ad08-000c292ac68f"
CLAMP_PICTURE = (
    "import_files/b2/b2d23a477cdb11efad08000c292ac68f_245dfc5546a211f0ad0f000c292ac68f.jpg"
)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path / "media"


def picture(size: tuple[int, int], kind: str = "JPEG", **save: Any) -> bytes:
    """A picture of ``size`` with some detail in it (a gradient), encoded as ``kind``."""
    mode = "RGBA" if kind == "PNG" else "RGB"
    image = Image.linear_gradient("L").resize(size).convert(mode)
    buffer = io.BytesIO()
    image.save(buffer, format=kind, **save)
    return buffer.getvalue()


def put(directory: Path, path: str, content: bytes) -> None:
    target = directory / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(content)


def exchange_with_pictures(tmp_path: Path) -> dict[str, bytes]:
    """Katy248's pictures: a 1200×800 photo, a 80×60 one, and one that is not a picture."""
    sent = {
        BREAKER_PICTURE: picture((1200, 800)),
        CABINET_PICTURE: picture((80, 60)),
        CLAMP_PICTURE: b"GIF89a, but not really: the upload broke off",
    }
    for path, content in sent.items():
        put(tmp_path / "exchange", path, content)
    return sent


def image_of(product_id: str) -> ProductImage:
    return ProductImage.objects.get(product__external_id=product_id)


def stored(name: str) -> bytes:
    with default_storage.open(name) as handle:
        return handle.read()


def size_of(name: str) -> tuple[int, int]:
    with default_storage.open(name) as handle, Image.open(handle) as image:
        return image.size


def storage_files(media: Path) -> dict[str, int]:
    return {str(path.relative_to(media)): path.stat().st_mtime_ns for path in media.rglob("*.*")}


# -- what each option does -----------------------------------------------------------------------


def test_by_default_a_picture_is_shrunk_to_300_and_gets_a_preview_of_100(tmp_path):
    sent = exchange_with_pictures(tmp_path)
    job, result = import_samples(tmp_path, KATY)
    assert_done(result)
    breaker = image_of(BREAKER)
    assert size_of(breaker.file.name) == (300, 200)
    assert size_of(breaker.preview.name) == (100, 67)
    assert Image.open(default_storage.open(breaker.preview.name)).format == "JPEG"
    # Next to each other, named by the picture's content and the size made.
    assert Path(breaker.preview.name).parent == Path(breaker.file.name).parent
    assert breaker.file.name.endswith("_300x300.jpg")
    assert breaker.preview.name.endswith("_preview_100x100.jpg")
    # Never enlarged: a small picture is stored as sent, and is its own size of preview.
    cabinet = image_of(CABINET)
    assert stored(cabinet.file.name) == stored(cabinet.preview.name) == sent[CABINET_PICTURE]
    assert job.counters["images_resized"] == 1


def test_a_file_that_is_not_a_picture_is_not_stored_and_is_warned_of(tmp_path):
    exchange_with_pictures(tmp_path)
    job, result = import_samples(tmp_path, KATY)
    assert_done(result)
    assert not ProductImage.objects.filter(product__external_id=CLAMP).exists()
    assert job.warning_counts == {"image_not_picture": 1}
    assert CLAMP_PICTURE in job.warnings[0]["message"]
    assert job.counters["images_refused"] == 1
    assert ProductImage.objects.count() == 2


def test_resize_detail_off_stores_the_picture_as_sent_and_still_makes_a_preview(tmp_path):
    sent = exchange_with_pictures(tmp_path)
    import_samples(tmp_path, KATY, resize_detail=False)
    breaker = image_of(BREAKER)
    assert stored(breaker.file.name) == sent[BREAKER_PICTURE]
    assert size_of(breaker.preview.name) == (100, 67)


def test_generate_preview_off_makes_no_preview(tmp_path, media):
    exchange_with_pictures(tmp_path)
    import_samples(tmp_path, KATY, generate_preview=False)
    assert set(ProductImage.objects.values_list("preview", flat=True)) == {""}
    assert size_of(image_of(BREAKER).file.name) == (300, 200)
    assert not any("preview" in name for name in storage_files(media))


def test_the_sizes_come_from_the_options(tmp_path):
    exchange_with_pictures(tmp_path)
    import_samples(
        tmp_path, KATY, detail_width=600, detail_height=900, preview_width=40, preview_height=20
    )
    breaker = image_of(BREAKER)
    assert size_of(breaker.file.name) == (600, 400)
    assert size_of(breaker.preview.name) == (30, 20)  # the height is the tighter bound


def test_a_photo_taken_sideways_is_turned_upright(tmp_path):
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    put(tmp_path / "exchange", BREAKER_PICTURE, picture((800, 400), exif=exif.tobytes()))
    import_samples(tmp_path, KATY)
    breaker = image_of(BREAKER)
    assert size_of(breaker.file.name) == (150, 300)
    assert size_of(breaker.preview.name) == (50, 100)


def test_png_and_gif_keep_their_format_and_transparency(tmp_path):
    directory = tmp_path / "exchange"
    put(directory, "import_files/aa/logo.png", picture((640, 320), "PNG"))
    palette = Image.new("P", (500, 500), 1)
    palette.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    buffer = io.BytesIO()
    palette.save(buffer, format="GIF", transparency=0)
    put(directory, "import_files/aa/badge.gif", buffer.getvalue())
    items = [Item("p1", "Логотип", pictures=["import_files/aa/logo.png"])]
    items.append(Item("p2", "Значок", pictures=["import_files/aa/badge.gif"]))
    import_texts(directory, files.catalog("cat", items))
    logo, badge = image_of("p1"), image_of("p2")
    with default_storage.open(logo.file.name) as handle, Image.open(handle) as image:
        assert (image.format, image.mode, image.size) == ("PNG", "RGBA", (300, 150))
    with default_storage.open(badge.preview.name) as handle, Image.open(handle) as image:
        assert (image.format, image.size) == ("GIF", (100, 100))
        assert image.getpixel((50, 50)) != image.info.get("transparency")  # red, not clear


# -- storing once, and option changes ----------------------------------------------------------


def import_texts(directory: Path, text: str, **options: Any) -> ImportJob:
    files.write(directory, "import.xml", text)
    job = create_job(["import.xml"], base_dir=directory, options=ImportOptions(**options))
    assert_done(run_to_end(job))
    job.refresh_from_db()
    return job


def test_one_picture_on_many_products_is_shrunk_once(tmp_path, media):
    directory = tmp_path / "exchange"
    content = picture((1000, 1000))
    items = []
    for number in range(5):  # five uploads of one picture, under five names
        path = f"import_files/{number:02}/photo{number}.jpg"
        put(directory, path, content)
        items.append(Item(f"p{number}", f"Товар {number}", pictures=[path]))
    job = import_texts(directory, files.catalog("cat", items))
    assert job.counters["images_resized"] == 1
    assert len(storage_files(media)) == 2  # the picture and its preview
    assert len(set(ProductImage.objects.values_list("file", "preview"))) == 1


def test_importing_the_same_pictures_again_stores_and_shrinks_nothing(tmp_path, media):
    exchange_with_pictures(tmp_path)
    import_samples(tmp_path, KATY)
    before = storage_files(media)
    rows = list(ProductImage.objects.values_list("pk", "file", "preview"))

    # The products rewritten: their pictures are kept as they are.
    again, _ = import_samples(tmp_path, KATY, use_checksums=False)
    assert again.counters["products_updated"] == 3
    assert list(ProductImage.objects.values_list("pk", "file", "preview")) == rows
    # The products made anew: their pictures are found in the storage, not made again.
    Product.objects.all().delete()
    anew, _ = import_samples(tmp_path, KATY)
    assert anew.counters["images_saved"] == 2  # the third file is not a picture
    assert "images_resized" not in anew.counters
    assert list(ProductImage.objects.values_list("file", "preview")) == [r[1:] for r in rows]
    assert storage_files(media) == before  # no file written, none rewritten


def test_a_changed_size_applies_to_the_pictures_of_products_1c_sends_again(tmp_path, media):
    exchange_with_pictures(tmp_path)
    import_samples(tmp_path, KATY)
    first = image_of(BREAKER)

    # Unchanged products are skipped (checksums): their pictures stay as they were.
    import_samples(tmp_path, KATY, detail_width=200, detail_height=200)
    assert image_of(BREAKER).file.name == first.file.name

    # Products that come again get pictures of the new size; the old files stay.
    job, _ = import_samples(
        tmp_path, KATY, use_checksums=False, detail_width=200, detail_height=200
    )
    breaker = image_of(BREAKER)
    assert breaker.pk == first.pk
    assert size_of(breaker.file.name) == (200, 133)
    assert breaker.preview.name == first.preview.name  # the preview's size did not change
    assert default_storage.exists(first.file.name)
    assert job.counters["images_resized"] == 1
    # The small one is stored anew for the new size too, as sent (too small to shrink).
    assert image_of(CABINET).file.name.endswith("_200x200.jpeg")
    assert job.warning_counts["image_not_picture"] == 1

    # With the same options once more, nothing is made or stored.
    files_then = storage_files(media)
    job, _ = import_samples(
        tmp_path, KATY, use_checksums=False, detail_width=200, detail_height=200
    )
    # (The file that is not a picture is refused again, and said so again.)
    assert "images_resized" not in job.counters
    assert job.warning_counts == {"image_not_picture": 1}
    assert storage_files(media) == files_then
