"""System checks (``cml_exchange.checks``): each fires in its situation and stays quiet otherwise.

The checks are called as Django calls them (``app_configs``, ``databases``),
against real settings, a real URLconf, real directories and the test database.
"""

import importlib.util
import json
import os
import re
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.core.checks import registry
from django.core.management import call_command
from django.db import connections
from django.test import override_settings
from django.urls import include, path

from cml_exchange import checks, database_checks
from cml_exchange.conf import AppSettings
from cml_exchange.protocol.views import ExchangeView
from example_shop import views


def run(check, *, databases=None):
    return [message.id for message in check(app_configs=None, databases=databases)]


def ours(messages):
    return sorted(m.id for m in messages if m.id and m.id.startswith("cml_exchange."))


# -- registration, and the example shop stays quiet ------------------------------


def test_checks_are_registered_and_only_two_need_deploy():
    plain = set(registry.registry.get_checks(include_deployment_checks=False))
    every = set(registry.registry.get_checks(include_deployment_checks=True))
    always = {
        checks.check_settings,
        checks.check_order_adapter,
        checks.check_endpoint_mounted,
        database_checks.check_file_limit,
        database_checks.check_sqlite_parameters,
        checks.check_upload_root,
        checks.check_media_storage,
    }
    deploy = {checks.check_upload_root_set, checks.check_authorization_header}
    assert always <= plain
    assert deploy <= every
    assert not deploy & plain


def test_every_check_of_the_app_carries_its_tag_and_no_other_check_does():
    every = registry.registry.get_checks(include_deployment_checks=True)
    tagged = {check for check in every if checks.TAG in check.tags}
    defined = {
        value
        for module in (checks, database_checks)
        for name, value in vars(module).items()
        if name.startswith("check_") and callable(value)
    }
    if apps.is_installed("cml_exchange.contrib.oscar"):
        from cml_exchange.contrib.oscar.checks import check_oscar_settings

        defined.add(check_oscar_settings)
    assert checks.TAG == "cml_exchange"
    assert tagged == defined


def check_command(*args):
    """``manage.py check *args``' output, run in a thread of its own, as in a process of its own.

    Django 6 runs the database checks too, and refuses the connection in a thread where
    an event loop runs (CI's PostgreSQL run had one left by an earlier test).
    """

    def run():
        out = StringIO()
        try:
            call_command("check", *args, stdout=out, stderr=out)
        finally:
            connections.close_all()
        return out.getvalue()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def test_check_tag_cml_exchange_runs_the_apps_checks_and_none_of_djangos(db, settings, tmp_path):
    # db: on Django 6 with SQLite, the model checks of a JSONField ask the connection.
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    settings.CML_EXCHANGE_UPLOAD_ROOT = blocker / "exchange"  # W003
    settings.SECURE_HSTS_SECONDS = 0  # Django's security.W004 under --deploy
    every = check_command("--deploy")
    assert "security.W004" in every
    assert "cml_exchange.W003" in every

    tagged = check_command("--deploy", "--tag", "cml_exchange")
    found = sorted(set(re.findall(r"\?: \(([\w.]+)\)", tagged)))
    assert found == ["cml_exchange.I001", "cml_exchange.W003"]

    tagged = check_command("--tag", "cml_exchange")  # without --deploy: the checks that always run
    assert re.findall(r"\?: \(([\w.]+)\)", tagged) == ["cml_exchange.W003"]


@pytest.mark.django_db
def test_the_test_settings_raise_nothing_but_the_deploy_reminder():
    assert ours(registry.run_checks(databases=["default"])) == []
    deploy = registry.run_checks(include_deployment_checks=True, databases=["default"])
    assert ours(deploy) == ["cml_exchange.I001"]


# -- E001, E002, E003: settings the app cannot use -------------------------------------


def test_e001_names_each_bad_setting_and_the_other_checks_do_not_crash(settings):
    settings.CML_EXCHANGE_UPLOAD_ROOT = 5
    settings.CML_EXCHANGE_MAX_FILE_SIZE = -1
    settings.CML_EXCHANGE_ORDER_ADAPTER = ""
    messages = checks.check_settings(app_configs=None, databases=None)
    assert [m.id for m in messages] == ["cml_exchange.E001"] * 3
    assert "CML_EXCHANGE_UPLOAD_ROOT" in messages[0].msg
    assert "CML_EXCHANGE_MAX_FILE_SIZE" in messages[1].msg
    for check in (
        checks.check_order_adapter,
        checks.check_upload_root,
        database_checks.check_file_limit,
    ):
        assert run(check, databases=["default"]) == []


def test_e001_reads_every_setting_of_the_app(settings):
    settings.CML_EXCHANGE_LOGIN_CACHE = "10 minutes"
    (message,) = checks.check_settings(app_configs=None, databases=None)
    assert message.msg.startswith("CML_EXCHANGE_LOGIN_CACHE")
    properties = {name for name, value in vars(AppSettings).items() if isinstance(value, property)}
    assert properties == set(checks.SETTING_NAMES)


def test_e001_is_quiet_with_good_values(settings):
    settings.CML_EXCHANGE_MAX_FILE_SIZE = 0
    settings.CML_EXCHANGE_AUTH_FAILURES = 3
    assert run(checks.check_settings) == []


@pytest.mark.parametrize(
    "adapter",
    ["shop.exchange.NoSuchAdapter", "cml_exchange.models.ExchangeSettings", "os.path.join"],
)
def test_e002_fires_when_the_order_adapter_is_missing_or_not_an_adapter(settings, adapter):
    settings.CML_EXCHANGE_ORDER_ADAPTER = adapter
    assert run(checks.check_order_adapter) == ["cml_exchange.E002"]


def test_e002_is_quiet_with_the_default_adapter():
    assert run(checks.check_order_adapter) == []


@pytest.mark.parametrize(
    "adapter",
    [
        "shop.exchange.NoSuchAdapter",
        "cml_exchange.orders.default.ModelOrderAdapter",  # an adapter, of the other kind
        "os.path.join",
        "tests.integration.importer.test_catalog_adapter.Greedy",  # loads what cannot be
    ],
)
def test_e003_fires_when_the_catalog_adapter_is_missing_or_not_an_adapter(settings, adapter):
    settings.CML_EXCHANGE_CATALOG_ADAPTER = adapter
    assert run(checks.check_catalog_adapter) == ["cml_exchange.E003"]


def test_e003_is_quiet_with_the_default_adapter():
    assert run(checks.check_catalog_adapter) == []


#: The Tasks API's immediate backend: Django 6's own, or the backport's on Django 5.2.
IMMEDIATE = (
    "django.tasks.backends.immediate.ImmediateBackend"
    if importlib.util.find_spec("django.tasks")
    else "django_tasks.backends.immediate.ImmediateBackend"
)


def test_e004_fires_when_imports_go_to_a_task_backend_that_is_not_there(settings):
    settings.CML_EXCHANGE_IMPORT_TASKS = "imports"
    settings.TASKS = {"default": {"BACKEND": IMMEDIATE}}
    messages = checks.check_import_tasks(app_configs=None)
    assert [m.id for m in messages] == ["cml_exchange.E004"]
    assert "'imports'" in messages[0].msg


def test_e004_is_quiet_without_workers_and_with_a_backend_that_is_there(settings):
    assert run_plain(checks.check_import_tasks) == []
    settings.CML_EXCHANGE_IMPORT_TASKS = "default"
    settings.TASKS = {"default": {"BACKEND": IMMEDIATE}}
    assert run_plain(checks.check_import_tasks) == []


def test_e001_names_bad_worker_settings(settings):
    settings.CML_EXCHANGE_IMPORT_TASKS = ""
    settings.CML_EXCHANGE_TASK_POLL = 60
    messages = checks.check_settings(app_configs=None, databases=None)
    assert [m.msg.split()[0] for m in messages] == [
        "CML_EXCHANGE_IMPORT_TASKS",
        "CML_EXCHANGE_TASK_POLL",
    ]


def run_plain(check):
    return [message.id for message in check(app_configs=None)]


# -- W001: the endpoint is mounted -----------------------------------------------


class WithoutEndpoint:
    urlpatterns = (path("", views.home), path("shop/", include([path("", views.home)])))


class NestedEndpoint:
    urlpatterns = (path("", views.home), path("exchange/", include("cml_exchange.urls")))


class OwnViewClass(ExchangeView):
    pass


class SubclassEndpoint:
    urlpatterns = (path("1c/", include([path("exchange", OwnViewClass.as_view())])),)


@override_settings(ROOT_URLCONF=WithoutEndpoint)
def test_w001_fires_when_no_url_leads_to_the_endpoint():
    messages = checks.check_endpoint_mounted(app_configs=None, databases=None)
    assert [m.id for m in messages] == ["cml_exchange.W001"]
    assert 'include("cml_exchange.urls")' in (messages[0].hint or "")


@pytest.mark.parametrize("urlconf", ["example_shop.urls", NestedEndpoint, SubclassEndpoint])
def test_w001_is_quiet_when_some_url_leads_to_the_endpoint(urlconf):
    with override_settings(ROOT_URLCONF=urlconf):
        assert run(checks.check_endpoint_mounted) == []


# -- W003, W004: the upload root -------------------------------------------------


def test_w003_is_quiet_for_a_missing_directory_that_can_be_made_and_makes_nothing(
    settings, tmp_path
):
    settings.CML_EXCHANGE_UPLOAD_ROOT = tmp_path / "var" / "exchange"
    assert run(checks.check_upload_root) == []
    assert not (tmp_path / "var").exists()


def test_w003_fires_when_the_directory_cannot_be_created(settings, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    settings.CML_EXCHANGE_UPLOAD_ROOT = blocker / "exchange"
    messages = checks.check_upload_root(app_configs=None, databases=None)
    assert [m.id for m in messages] == ["cml_exchange.W003"]
    assert "cannot be created" in messages[0].msg


def test_w003_fires_when_the_upload_root_is_a_file(settings, tmp_path):
    settings.CML_EXCHANGE_UPLOAD_ROOT = tmp_path / "exchange"
    settings.CML_EXCHANGE_UPLOAD_ROOT.write_text("")
    assert run(checks.check_upload_root) == ["cml_exchange.W003"]


def as_unprivileged(check):
    """The ids ``check`` gives, run as "nobody" in a child process when we are root.

    Root may write into any directory, so only another user can see one as read-only.
    """
    if os.geteuid() != 0:
        return run(check)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: drop root, run the check, report, leave without cleanup
        try:
            os.close(read)
            os.setgid(65534)
            os.setuid(65534)
            os.write(write, json.dumps(run(check)).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        answer = pipe.read()
    os.waitpid(pid, 0)
    return json.loads(answer)


@pytest.fixture
def read_only_directory():
    base = Path(tempfile.mkdtemp(prefix="cml-checks-"))  # not tmp_path: that is 0700, root's
    base.chmod(0o777)  # writable for "nobody" too: a directory may be made in it
    read_only = base / "read-only"
    read_only.mkdir()
    read_only.chmod(0o555)
    yield read_only
    read_only.chmod(0o755)
    shutil.rmtree(base)


def test_w003_fires_for_a_read_only_directory_and_one_that_would_go_in_it(
    settings, read_only_directory
):
    settings.CML_EXCHANGE_UPLOAD_ROOT = read_only_directory
    assert as_unprivileged(checks.check_upload_root) == ["cml_exchange.W003"]
    settings.CML_EXCHANGE_UPLOAD_ROOT = read_only_directory / "exchange"
    assert as_unprivileged(checks.check_upload_root) == ["cml_exchange.W003"]
    settings.CML_EXCHANGE_UPLOAD_ROOT = read_only_directory.parent / "exchange"
    assert as_unprivileged(checks.check_upload_root) == []  # its parent is writable


@pytest.mark.parametrize("where", ["media", "media/private/1c", "static/exchange"])
def test_w004_fires_when_the_upload_root_can_be_served(settings, tmp_path, where):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STATIC_ROOT = str(tmp_path / "static")
    settings.CML_EXCHANGE_UPLOAD_ROOT = tmp_path / where
    messages = checks.check_upload_root(app_configs=None, databases=None)
    assert [m.id for m in messages] == ["cml_exchange.W004"]
    assert ("STATIC_ROOT" if where.startswith("static") else "MEDIA_ROOT") in messages[0].msg


def test_w004_sees_through_a_symlink_into_media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    (tmp_path / "media").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "media")
    settings.CML_EXCHANGE_UPLOAD_ROOT = tmp_path / "link" / "exchange"
    assert run(checks.check_upload_root) == ["cml_exchange.W004"]


def test_w004_is_quiet_beside_media_root_and_with_the_roots_unset(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STATIC_ROOT = tmp_path / "static"
    settings.CML_EXCHANGE_UPLOAD_ROOT = tmp_path / "media-exchange"  # a sibling, not inside
    assert run(checks.check_upload_root) == []
    settings.MEDIA_ROOT = ""  # Django's default: not "the current directory"
    settings.STATIC_ROOT = None
    settings.CML_EXCHANGE_UPLOAD_ROOT = "relative/exchange"
    assert run(checks.check_upload_root) == []


# -- W005: the default storage ---------------------------------------------------


def test_w005_fires_when_local_media_cannot_be_written(settings, tmp_path, read_only_directory):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    settings.MEDIA_ROOT = blocker / "media"
    assert run(checks.check_media_storage) == ["cml_exchange.W005"]
    settings.MEDIA_ROOT = read_only_directory
    assert as_unprivileged(checks.check_media_storage) == ["cml_exchange.W005"]


def test_w005_is_quiet_for_writable_media_and_for_storages_it_cannot_see_into(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    assert run(checks.check_media_storage) == []
    settings.MEDIA_ROOT = tmp_path / "a-file" / "media"
    (tmp_path / "a-file").write_text("")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    assert run(checks.check_media_storage) == []


# -- W006, I001: under --deploy --------------------------------------------------


def test_w006_fires_when_the_upload_root_is_left_to_the_temporary_directory(settings):
    assert run(checks.check_upload_root_set) == []
    del settings.CML_EXCHANGE_UPLOAD_ROOT
    assert run(checks.check_upload_root_set) == ["cml_exchange.W006"]


def test_i001_reminds_of_the_authorization_header_only_under_deploy():
    assert "cml_exchange.I001" not in ours(registry.run_checks())
    deploy = [
        m
        for m in registry.run_checks(include_deployment_checks=True)
        if m.id == "cml_exchange.I001"
    ]
    assert len(deploy) == 1
    assert "WSGIPassAuthorization On" in (deploy[0].hint or "")
    assert "docs/deployment.md" in (deploy[0].hint or "")
    assert not deploy[0].is_serious()


def test_i001_can_be_silenced(settings):
    out = StringIO()
    call_command("check", deploy=True, stdout=out, stderr=out)
    assert "cml_exchange.I001" in out.getvalue()
    settings.SILENCED_SYSTEM_CHECKS = ["cml_exchange.I001"]
    out = StringIO()
    call_command("check", deploy=True, stdout=out, stderr=out)
    assert "cml_exchange.I001" not in out.getvalue()
