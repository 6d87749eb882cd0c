"""The stored-files page: the exchange directories on disk, "import again" and "clean up".

The list page of :class:`~cml_exchange.models.ExchangeFile` shows what is
actually in the exchange directories (:mod:`.directory`), joined with the
upload rows. Its URLs, under ``admin/cml_exchange/exchangefile/``:

* ``import/`` (POST): "import again" for one file; answers with a redirect to
  its progress page, ``import/catalog/<job>/`` or ``import/sale/<upload row>/``,
  whose script polls ``…/step/`` (POST, JSON) until the import is done: each
  poll advances it a few seconds (:mod:`.reimport`);
* ``cleanup/`` (POST): "clean up" (what is no longer needed, of one exchange
  type or all) or "delete selected"; the first POST shows what would go, the
  second (``confirm``) deletes it. "Clean up" posts no file names, so it works
  on directories of any size: the second POST works out again what to delete.

Seeing the page needs the view permission on stored files, importing the
change permission, deleting the delete permission; everything else about a
stored file is read-only.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from cml_exchange.admin import directory, reimport
from cml_exchange.admin.directory import StoredFile
from cml_exchange.models import ExchangeFile, ExchangeKind, ImportJob
from cml_exchange.storage.uploads import UnsafeName
from cml_exchange.transactions import own_transactions

#: Files listed per page.
PER_PAGE = 200
#: Files a clean-up's confirmation names; the rest are counted.
SAMPLE = 50

method_require_post = method_decorator(require_POST)


class StoredFileAdmin(admin.ModelAdmin):
    """Stored files: the exchange directory, with "import again" and "clean up"."""

    list_display = ("name", "kind", "size", "parts", "session", "created", "updated", "imported")
    readonly_fields = [field.name for field in ExchangeFile._meta.fields if field.name != "id"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # the row is what 1C uploaded: nothing to edit

    def has_import_permission(self, request: HttpRequest) -> bool:
        """Whether the user may "import again": the change permission on stored files."""
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}")

    def get_urls(self) -> list[URLPattern]:
        name = f"{self.opts.app_label}_{self.opts.model_name}"
        wrap = self.admin_site.admin_view
        return [
            path("import/", wrap(self.import_view), name=f"{name}_import"),
            path(
                "import/catalog/<int:job_id>/",
                wrap(self.catalog_progress_view),
                name=f"{name}_import_catalog",
            ),
            path(
                "import/catalog/<int:job_id>/step/",
                wrap(self.catalog_step_view),
                name=f"{name}_import_catalog_step",
            ),
            path(
                "import/sale/<int:file_id>/",
                wrap(self.orders_progress_view),
                name=f"{name}_import_sale",
            ),
            path(
                "import/sale/<int:file_id>/step/",
                wrap(self.orders_step_view),
                name=f"{name}_import_sale_step",
            ),
            path("cleanup/", wrap(self.cleanup_view), name=f"{name}_cleanup"),
            *super().get_urls(),
        ]

    def _url(self, view: str, *args: object) -> str:
        return reverse(
            f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_{view}",
            args=args,
        )

    def _progress_labels(self) -> dict[str, str]:
        return {
            reimport.PROGRESS: _("in progress"),
            reimport.DONE: _("done"),
            reimport.FAILED: _("failed"),
            "lost": _("stopped: the site did not answer"),
        }

    def _context(self, request: HttpRequest, title: str, **extra: Any) -> dict[str, Any]:
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "changelist_url": self._url("changelist"),
            **extra,
        }

    # -- the list ------------------------------------------------------------------------

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        kind = request.GET.get("kind", "")
        kinds = [kind] if kind in directory.KINDS else list(directory.KINDS)
        query = request.GET.get("q", "").strip()
        # Tens of thousands of files are cheap to list, sort and count; only the page shown
        # gets its upload rows and reasons to keep.
        files = directory.survey(kinds)
        totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for file in files:
            totals[file.kind][0] += int(file.on_disk)
            totals[file.kind][1] += file.size or 0
        if query:
            files = [file for file in files if query.lower() in file.name.lower()]
        page = Paginator(files, PER_PAGE).get_page(request.GET.get("p"))
        directory.judge(page.object_list)
        context = self._context(
            request,
            _("Stored files"),
            page=page,
            files=page.object_list,
            result_count=len(files),
            kind=kind if kind in directory.KINDS else "",
            kinds=[(value, ExchangeKind(value).label) for value in directory.KINDS],
            query=query,
            totals=[
                (ExchangeKind(value).label, directory.directory_of(value), *totals[value])
                for value in kinds
            ],
            can_import=self.has_import_permission(request),
            can_delete=self.has_delete_permission(request),
            **(extra_context or {}),
        )
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/cml_exchange/exchangefile/directory.html", context)

    # -- import again ----------------------------------------------------------------------

    def _check_import(self, request: HttpRequest) -> None:
        if not self.has_import_permission(request):
            raise PermissionDenied

    @method_require_post
    def import_view(self, request: HttpRequest) -> HttpResponse:
        self._check_import(request)
        key = request.POST.get("import", "")
        try:
            kind, name = directory.split_key(key)
            if kind == ExchangeKind.CATALOG:
                job = reimport.start_catalog(name)
                return HttpResponseRedirect(self._url("import_catalog", job.pk))
            record = reimport.start_orders(name)
            return HttpResponseRedirect(self._url("import_sale", record.pk))
        except (ValueError, UnsafeName):
            messages.error(request, _("“%(file)s” cannot be imported.") % {"file": key})
            return HttpResponseRedirect(self._url("changelist"))

    def catalog_progress_view(self, request: HttpRequest, job_id: int) -> HttpResponse:
        self._check_import(request)
        job = get_object_or_404(ImportJob, pk=job_id)
        context = self._context(
            request,
            _("Import again: %(file)s") % {"file": job.filename or ", ".join(job.files)},
            kind=ExchangeKind.CATALOG.value,
            job=job,
            step_url=self._url("import_catalog_step", job.pk),
            labels=self._progress_labels(),
            job_url=(
                reverse(f"{self.admin_site.name}:cml_exchange_importjob_change", args=[job.pk])
                if request.user.has_perm("cml_exchange.view_importjob")
                else ""
            ),
        )
        return TemplateResponse(request, "admin/cml_exchange/exchangefile/reimport.html", context)

    @method_require_post
    @method_decorator(own_transactions)
    def catalog_step_view(self, request: HttpRequest, job_id: int) -> HttpResponse:
        self._check_import(request)
        job = get_object_or_404(ImportJob, pk=job_id)
        return JsonResponse(reimport.step_catalog(job).as_json())

    def orders_progress_view(self, request: HttpRequest, file_id: int) -> HttpResponse:
        self._check_import(request)
        record = get_object_or_404(ExchangeFile, pk=file_id, kind=ExchangeKind.SALE)
        context = self._context(
            request,
            _("Import again: %(file)s") % {"file": record.name},
            kind=ExchangeKind.SALE.value,
            record=record,
            step_url=self._url("import_sale_step", record.pk),
            labels=self._progress_labels(),
        )
        return TemplateResponse(request, "admin/cml_exchange/exchangefile/reimport.html", context)

    @method_require_post
    @method_decorator(own_transactions)
    def orders_step_view(self, request: HttpRequest, file_id: int) -> HttpResponse:
        self._check_import(request)
        record = get_object_or_404(ExchangeFile, pk=file_id, kind=ExchangeKind.SALE)
        return JsonResponse(reimport.step_orders(record.pk).as_json())

    # -- clean up --------------------------------------------------------------------------

    @method_require_post
    def cleanup_view(self, request: HttpRequest) -> HttpResponse:
        """Confirm, then delete: what no exchange needs any more, or the files selected.

        "Clean up" posts no names, only the exchange type (or none, for all):
        what to delete is worked out again when the admin confirms, so a file
        an exchange or import needs by then stays, and a directory of any
        size takes one field. "Delete selected files" posts the names ticked,
        at most a page of them.
        """
        if not self.has_delete_permission(request):
            raise PermissionDenied
        selected = request.POST.get("action") == "delete"
        kind = request.POST.get("kind", "")
        kind = kind if kind in directory.KINDS else ""
        kept = 0
        if selected:
            files = directory.find(request.POST.getlist("file"))
        else:
            listed = directory.listing([kind] if kind else directory.KINDS)
            files = [file for file in listed if not file.kept]
            kept = len(listed) - len(files)
        if not files:
            messages.info(request, _("There is nothing to delete."))
            return HttpResponseRedirect(self._url("changelist"))
        if not request.POST.get("confirm"):
            return self._confirm_cleanup(request, files, selected=selected, kind=kind, kept=kept)
        deleted = directory.delete(files)
        if deleted:
            messages.success(
                request,
                ngettext("%(count)d file deleted.", "%(count)d files deleted.", len(deleted))
                % {"count": len(deleted)},
            )
        if len(deleted) < len(files):
            left = len(files) - len(deleted)
            messages.warning(
                request,
                ngettext(
                    "%(count)d file could not be deleted.",
                    "%(count)d files could not be deleted.",
                    left,
                )
                % {"count": left},
            )
        return HttpResponseRedirect(self._url("changelist"))

    def _confirm_cleanup(
        self,
        request: HttpRequest,
        files: list[StoredFile],
        *,
        selected: bool,
        kind: str,
        kept: int,
    ) -> HttpResponse:
        """What would go: counts, total size and the names of the first :data:`SAMPLE` files.

        "Delete selected files" lists every file (a page at most) with why it
        is still needed, and posts their names back; "clean up" posts only
        its type.
        """
        title = _("Delete the selected files?") if selected else _("Clean up the directory?")
        shown = files if selected else files[:SAMPLE]
        context = self._context(
            request,
            title,
            files=files,
            shown=shown,
            more=len(files) - len(shown),
            count=len(files),
            size=sum(file.size or 0 for file in files),
            kept=kept,
            kind=kind,
            action="delete" if selected else "clean",
            needed=[file for file in files if file.kept],
        )
        return TemplateResponse(
            request, "admin/cml_exchange/exchangefile/cleanup_confirm.html", context
        )
