"""The catalog is usable in the admin: lists, search, filters, a product with its offers."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from cml_exchange.models import Group, ImportJob, Product
from tests.integration.importer.helpers import import_samples
from tests.integration.protocol.exchange import pictures_not_uploaded
from tests.paths import sample

pytestmark = pytest.mark.django_db

CARONO = (
    "carono__php-commerceml__tests__xml__import",
    "carono__php-commerceml__tests__xml__offers",
)


@pytest.fixture
def imported(tmp_path):
    import_samples(tmp_path, *CARONO)


def test_product_list_searches_by_article_barcode_and_1c_id(admin_client, imported):
    url = reverse("admin:cml_exchange_product_changelist")
    for query in ("Б-130001", "2000018987155", "bd72d910-55bc-11d9-848a-00112f43529a"):
        page = admin_client.get(url, {"q": query}).content.decode()
        assert "Женские ботфорты коричневые" in page, query
        assert "Ботинки женские демисезонные" not in page, query


def test_product_list_filters_by_group_and_active(admin_client, imported):
    url = reverse("admin:cml_exchange_product_changelist")
    shoes = Group.objects.get(external_id="e5a4c309-a659-11dd-acee-0015e9b8c48d")  # Обувь
    page = admin_client.get(url, {"groups__id__exact": shoes.pk, "active__exact": "1"})
    assert page.status_code == 200
    assert page.context["cl"].result_count == 2
    Product.objects.filter(article="Б-130001").update(active=False)
    page = admin_client.get(url, {"active__exact": "1"})
    assert page.context["cl"].result_count == 1


def test_product_page_shows_offers_with_prices_and_stock(admin_client, imported):
    boots = Product.objects.get(article="Б-130001")
    page = admin_client.get(reverse("admin:cml_exchange_product_change", args=[boots.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Женские ботфорты коричневые (38)" in text
    assert "Розничная: 1719" in text
    assert "Магазин &quot;Обувь&quot;: 20" in text


def test_import_jobs_are_listed_read_only(admin_client, imported):
    job = ImportJob.objects.get()
    page = admin_client.get(reverse("admin:cml_exchange_importjob_change", args=[job.pk]))
    assert page.status_code == 200
    said = pictures_not_uploaded(sample(CARONO[0]).read_bytes())  # the job's last message
    assert escape(said) in page.content.decode()
    assert admin_client.get(reverse("admin:cml_exchange_importjob_add")).status_code == 403


def test_pages_are_refused_to_anonymous_visitors(client, imported):
    page = client.get(reverse("admin:cml_exchange_product_changelist"))
    assert page.status_code == 302
    assert "/admin/login/" in page["Location"]
