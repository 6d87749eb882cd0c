"""Fields the site owns stay as the shop edited them; new products may wait hidden for review."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from benchmarks.generator import generate_catalog
from cml_exchange.importer import ImportOptions, create_job
from cml_exchange.importer.options import SITE_FIELDS
from cml_exchange.models import ExchangeSettings, Product, ProductImage
from tests.integration.importer.helpers import assert_done, run_to_end

pytestmark = pytest.mark.django_db


def import_(directory: Path, **options: Any) -> None:
    job = create_job(["import.xml"], base_dir=directory, options=ImportOptions(**options))
    assert_done(run_to_end(job))


def rewrite_in_1c(directory: Path) -> None:
    """1C renames every product, rewrites its description and drops its pictures."""
    path = directory / "import.xml"
    tree = etree.parse(path)
    for product in tree.xpath("//*[local-name()='Товар']"):
        for child in product:
            name = etree.QName(child).localname
            if name == "Наименование":
                child.text = f"{child.text} (1С)"
            elif name == "Описание":
                child.text = "Описание из 1С"
            elif name == "Картинка":
                product.remove(child)
    tree.write(path, encoding="UTF-8", xml_declaration=True)


@pytest.fixture
def edited_on_the_site(tmp_path: Path) -> Path:
    """A catalog imported once, then edited in the shop: names, descriptions, slugs."""
    generate_catalog(tmp_path, 20, seed=3)
    import_(tmp_path)
    assert ProductImage.objects.exists()
    for product in Product.objects.all():
        product.name = f"Сайт {product.pk}"
        product.full_name = f"Сайт, полное {product.pk}"
        product.description = f"Текст магазина {product.pk}"
        product.slug = f"site-{product.pk}"
        product.save()
    rewrite_in_1c(tmp_path)
    return tmp_path


def shop_state() -> dict[int, tuple[str, str, str, str, int]]:
    return {
        p.pk: (p.name, p.full_name, p.description, p.slug, p.images.count())
        for p in Product.objects.all()
    }


def test_by_default_1c_overwrites_what_the_site_edited(edited_on_the_site: Path) -> None:
    import_(edited_on_the_site)
    for name, _full, description, slug, pictures in shop_state().values():
        assert name.endswith("(1С)")
        assert description == "Описание из 1С"
        assert not slug.startswith("site-")
        assert pictures == 0


def test_fields_the_site_owns_keep_the_site_s_values(edited_on_the_site: Path) -> None:
    before = shop_state()
    import_(edited_on_the_site, site_owned=SITE_FIELDS)
    assert shop_state() == before
    # What the site does not own is 1C's still: the rest of the row is updated.
    assert Product.objects.filter(checksum="").count() == 0


@pytest.mark.parametrize("owned", SITE_FIELDS)
def test_each_field_is_owned_on_its_own(edited_on_the_site: Path, owned: str) -> None:
    before = shop_state()
    import_(edited_on_the_site, site_owned=(owned,))
    after = shop_state()
    position = {"name": 0, "description": 2, "slug": 3, "pictures": 4}[owned]
    for pk, values in after.items():
        assert values[position] == before[pk][position], owned
        # The others are 1C's (pictures only where there were some to drop).
        others = [i for i in (0, 2, 4) if i != position and (i != 4 or before[pk][4])]
        assert all(values[i] != before[pk][i] for i in others), (owned, values, before[pk])


def test_new_products_wait_hidden_and_the_owner_s_choice_stays(tmp_path: Path) -> None:
    generate_catalog(tmp_path, 10, seed=5)
    import_(tmp_path, hide_new_products=True)
    assert not Product.objects.filter(published=True).exists()
    chosen = Product.objects.order_by("pk").first()
    assert chosen is not None
    Product.objects.filter(pk=chosen.pk).update(published=True)
    rewrite_in_1c(tmp_path)
    import_(tmp_path, hide_new_products=True)
    assert list(Product.objects.filter(published=True).values_list("pk", flat=True)) == [chosen.pk]
    import_(tmp_path)  # the option off: nothing is shown or hidden by 1C either
    assert Product.objects.filter(published=True).count() == 1


def test_the_settings_page_options_reach_the_import() -> None:
    settings = ExchangeSettings.load()
    settings.site_owns_name = settings.site_owns_pictures = settings.hide_new_products = True
    settings.save()
    options = ImportOptions.from_settings(settings)
    assert options.site_owned == ("name", "pictures")
    assert options.hide_new_products is True
    assert ImportOptions.from_json(options.to_json()) == options
