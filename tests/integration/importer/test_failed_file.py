"""A file refused part way: the failure says what earlier batches left, and nothing else moves."""

from __future__ import annotations

import shutil

import pytest

from cml_exchange.importer import ImportOptions, create_job
from cml_exchange.importer.options import MissingAction
from cml_exchange.importer.results import Failed
from cml_exchange.models import ImportJob, Product
from tests.integration.importer.helpers import run_to_end
from tests.paths import DATA_DIR

pytestmark = pytest.mark.django_db

FILE = DATA_DIR / "cases" / "failed" / "broken_at_the_fifth.xml"


def test_the_failure_says_how_much_of_the_file_stays(tmp_path):
    shutil.copy(FILE, tmp_path / FILE.name)
    job = create_job(
        [FILE.name],
        base_dir=tmp_path,
        options=ImportOptions(batch_size=2, missing_products=MissingAction.DELETE),
    )
    result = run_to_end(job)
    assert isinstance(result, Failed)
    assert "p5" in result.message and "Группа" in result.message
    # Batches of two: the group and p1, then p2 and p3 are written; p4 went with p5's batch.
    assert result.message.endswith(
        "Из файла broken_at_the_fifth.xml до ошибки записано: 3 из 5 товаров, 1 из 2 групп; "
        "это остается на сайте, отсутствующее в файле не деактивировано."
    )
    job = ImportJob.objects.get(pk=job.pk)
    assert job.status == ImportJob.Status.FAILED and job.message == result.message[:500]
    assert sorted(Product.objects.values_list("external_id", flat=True)) == ["p1", "p2", "p3"]
