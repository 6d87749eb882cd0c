"""Who sees the monitor and the stored files, and who may import again or delete."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from cml_exchange.models import ExchangeSession, ImportJob
from tests.integration.admin.conftest import catalog_exchange

pytestmark = pytest.mark.django_db

FILES = reverse("admin:cml_exchange_exchangefile_changelist")
IMPORT_AGAIN = reverse("admin:cml_exchange_exchangefile_import")
CLEANUP = reverse("admin:cml_exchange_exchangefile_cleanup")


@pytest.fixture
def exchanged(one_c, upload_root):
    catalog_exchange(one_c())
    return ExchangeSession.objects.get()


@pytest.fixture
def job(exchanged: ExchangeSession) -> ImportJob:
    return ImportJob.objects.filter(session=exchanged).earliest("pk")


def urls(job: ImportJob) -> dict[str, tuple[str, str]]:
    """Every page of the stored files, with its method."""
    return {
        "list": ("get", FILES),
        "import": ("post", IMPORT_AGAIN),
        "progress": (
            "get",
            reverse("admin:cml_exchange_exchangefile_import_catalog", args=[job.pk]),
        ),
        "step": (
            "post",
            reverse("admin:cml_exchange_exchangefile_import_catalog_step", args=[job.pk]),
        ),
        "cleanup": ("post", CLEANUP),
    }


def imported_key(job: ImportJob) -> str:
    """The stored-files page's name of the exchange's import.xml."""
    assert job.session is not None
    return f"catalog/{job.session.folder}/import.xml"


def call(client: Client, method: str, url: str, job: ImportJob) -> int:
    data = {}
    if method == "post":
        data = {"import": imported_key(job), "action": "clean"}
    return getattr(client, method)(url, data).status_code


def test_anonymous_visitors_are_sent_to_log_in(client, job):
    for name, (method, url) in urls(job).items():
        answer = getattr(client, method)(url)
        assert answer.status_code == 302, name
        assert "/admin/login/" in answer["Location"], name


def test_users_who_are_not_staff_are_sent_to_log_in(client, job):
    client.force_login(User.objects.create_user("customer", password="secret"))
    for name, (method, url) in urls(job).items():
        assert call(client, method, url, job) == 302, name


def test_staff_without_the_permissions_are_refused(staff, job):
    nobody = staff("view_exchangesession", "view_importjob")
    for name, (method, url) in urls(job).items():
        assert call(nobody, method, url, job) == 403, name
    assert ImportJob.objects.count() == 2


def test_viewing_stored_files_needs_only_the_view_permission(staff, job, upload_root):
    viewer = staff("view_exchangefile")
    page = viewer.get(FILES)
    assert page.status_code == 200
    text = page.content.decode()
    assert imported_key(job) in {file.key for file in page.context["files"]}
    assert f">{job.session.folder}/import.xml<" in text
    assert not page.context["can_import"] and not page.context["can_delete"]
    assert IMPORT_AGAIN not in text and 'name="action"' not in text and 'name="file"' not in text
    for name in ("import", "progress", "step", "cleanup"):
        method, url = urls(job)[name]
        assert call(viewer, method, url, job) == 403, name
    assert (upload_root / imported_key(job)).exists()


def test_importing_again_needs_the_change_permission(staff, job):
    importer = staff("change_exchangefile")
    page = importer.get(FILES)
    assert page.status_code == 200 and page.context["can_import"]
    assert IMPORT_AGAIN in page.content.decode()
    started = importer.post(IMPORT_AGAIN, {"import": imported_key(job)})
    assert started.status_code == 302
    progress = importer.get(started["Location"])
    assert progress.status_code == 200
    assert progress.context["job_url"] == ""  # no permission on import jobs: no link
    answer = json.loads(importer.post(progress.context["step_url"]).content)
    assert answer["state"] in ("progress", "done")
    assert call(importer, "post", CLEANUP, job) == 403


def test_cleaning_up_needs_the_delete_permission(staff, job, upload_root):
    cleaner = staff("view_exchangefile", "delete_exchangefile")
    page = cleaner.get(FILES)
    assert page.context["can_delete"] and not page.context["can_import"]
    confirm = cleaner.post(CLEANUP, {"action": "clean"})
    assert confirm.status_code == 200
    keys = [file.key for file in confirm.context["files"]]
    assert imported_key(job) in keys
    cleaner.post(CLEANUP, {"action": "clean", "file": keys, "confirm": "yes"})
    assert not (upload_root / imported_key(job)).exists()
    assert call(cleaner, "post", IMPORT_AGAIN, job) == 403


def test_a_superuser_may_do_everything(admin_client, job):
    page = admin_client.get(FILES)
    assert page.context["can_import"] and page.context["can_delete"]
    for name, (method, url) in urls(job).items():
        assert call(admin_client, method, url, job) in (200, 302), name
