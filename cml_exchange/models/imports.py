"""An import job: the importer's whole state, kept in the database between steps."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from cml_exchange.models.base import EXTERNAL_ID_LENGTH, Leased


def _empty_dict() -> dict[str, Any]:
    return {}


def _empty_list() -> list[Any]:
    return []


class ImportJob(Leased):
    """One import of one or more exchange files, advanced step by step.

    Everything the importer needs to continue lives here, so a step may run
    in another process or after a restart: the files and where they are
    (``base_dir``), the current ``stage``, the file being read and how many of
    its entity elements are saved (``file_index``, ``position``), what the
    scans of the files counted and which warnings were already given
    (``state``), counters, warnings, options, and which catalogs and
    classifiers came in full. Its lease (:class:`Leased`) keeps two processes
    from running the same job at once. The warnings listed in full are rows of
    their own (:class:`ImportWarning`, read through :attr:`warnings`).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    class Stage(models.TextChoices):
        """Where a running job is: each file is unzipped or scanned, then read; then missing."""

        UNZIP = "unzip", _("unpacking")
        SCAN = "scan", _("checking")
        READ = "read", _("reading")
        MISSING = "missing", _("missing items")
        DONE = "done", _("done")

    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    stage = models.CharField(_("stage"), max_length=32, choices=Stage.choices, blank=True)
    base_dir = models.CharField(_("folder"), max_length=1024)
    files = models.JSONField(_("files"), default=_empty_list)
    file_index = models.PositiveIntegerField(default=0)
    position = models.PositiveIntegerField(default=0)
    state = models.JSONField(default=_empty_dict, blank=True)
    options = models.JSONField(_("options"), default=_empty_dict, blank=True)
    counters = models.JSONField(_("counters"), default=_empty_dict, blank=True)
    warning_counts = models.JSONField(default=_empty_dict, blank=True)
    #: The keys of the warnings told once a job, as versions before ImportWarningKey kept
    #: them (a job they left unfinished is read, then emptied).
    warned = models.JSONField(default=_empty_list, blank=True, editable=False)
    full_catalogs = models.JSONField(default=_empty_list, blank=True)
    full_classifiers = models.JSONField(default=_empty_list, blank=True)
    message = models.CharField(_("last message"), max_length=500, blank=True)
    error = models.TextField(_("error"), blank=True)
    steps = models.PositiveIntegerField(_("steps"), default=0)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    started = models.DateTimeField(_("started"), null=True, blank=True)
    finished = models.DateTimeField(_("finished"), null=True, blank=True)
    #: The exchange that asked for this import, and the file 1C named (endpoint jobs only).
    session = models.ForeignKey(
        "cml_exchange.ExchangeSession",
        verbose_name=_("exchange"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="import_jobs",
    )
    filename = models.CharField(_("file 1C asked to import"), max_length=500, blank=True)
    #: The task that runs the job on a worker (``CML_EXCHANGE_IMPORT_TASKS``), and when it
    #: was enqueued; written with ``update()``, never with the job's own saves.
    task_id = models.CharField(_("worker task"), max_length=255, blank=True)
    task_enqueued = models.DateTimeField(_("enqueued for a worker"), null=True, blank=True)

    class Meta:
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        ordering = ["-created"]

    def __str__(self) -> str:
        names = ", ".join(str(name) for name in self.files)
        return f"#{self.pk} {names}"

    @property
    def warnings(self) -> list[dict[str, str]]:
        """The warnings listed in full, oldest first, as ``{"code": …, "message": …}``.

        Read from the job's :class:`ImportWarning` rows when first asked for,
        then kept with the instance: a warning appended to the list is written
        by :meth:`save_warnings`, and a whole ``refresh_from_db()`` reads the rows
        again (a warning appended and not saved is then dropped). All warnings are
        counted in ``warning_counts``; the importer lists the first thousand.
        """
        listed: list[dict[str, str]] | None = self.__dict__.get("_listed_warnings")
        if listed is None:
            listed = (
                [
                    {"code": code, "message": message}
                    for code, message in self.warning_rows.values_list("code", "message")
                ]
                if self.pk is not None
                else []
            )
            self.__dict__["_listed_warnings"] = listed
            self.__dict__["_stored_warnings"] = len(listed)
        return listed

    def save_warnings(self) -> None:
        """Write the warnings appended to :attr:`warnings` since they were read or saved.

        One row each, in the caller's transaction: a batch's warnings are
        committed with the batch, or not at all.
        """
        listed: list[dict[str, str]] | None = self.__dict__.get("_listed_warnings")
        stored: int = self.__dict__.get("_stored_warnings", 0)
        if listed is None or len(listed) <= stored:
            return
        ImportWarning.objects.bulk_create(
            ImportWarning(job=self, code=code, message=message)
            for code, message in map(_warning_row, listed[stored:])
        )
        self.__dict__["_stored_warnings"] = len(listed)

    def refresh_from_db(
        self, using: str | None = None, fields: Any = None, *args: Any, **kwargs: Any
    ) -> None:
        if fields is None:  # a whole refresh; a deferred field read alone keeps the list
            self.__dict__.pop("_listed_warnings", None)
            self.__dict__.pop("_stored_warnings", None)
        super().refresh_from_db(using, fields, *args, **kwargs)


def _warning_row(item: object) -> tuple[str, str]:
    """A listed warning as its row's code and message (anything but a dict is a message)."""
    if isinstance(item, dict):
        return str(item.get("code") or "")[:100], str(item.get("message") or "")
    return "", str(item)


class ImportWarning(models.Model):
    """A warning of an import job, one of those it lists in full (:attr:`ImportJob.warnings`).

    A row each, written with the batch that told it, so that a step's save
    adds the batch's new ones, and the job's own row stays small: SQLite
    writes a row whole, its longest columns too, at every update of it, and
    a job saves itself after every batch (a thousand warnings are some
    700 KB of JSON).
    """

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="warning_rows")
    code = models.CharField(_("warning kind"), max_length=100, blank=True)
    message = models.TextField(_("message"))

    class Meta:
        verbose_name = _("import warning")
        verbose_name_plural = _("import warnings")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.message


class PendingReference(models.Model):
    """A group or a property a product or offer named before 1C declared it.

    CommerceML 3.1 sends groups, properties and goods in files of their own,
    and a product may come before what it names. The link (or the value) is
    kept here and made when the group or property arrives; until then the
    import warns of it. A product or offer written again replaces its own.
    """

    class Kind(models.TextChoices):
        GROUP = "group", _("group of a product")
        PRODUCT_VALUE = "product_value", _("property value of a product")
        OFFER_VALUE = "offer_value", _("property value of an offer")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    product = models.ForeignKey(
        "cml_exchange.Product", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    offer = models.ForeignKey(
        "cml_exchange.Offer", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    external_id = models.CharField(
        _("1C id of the group or property"), max_length=EXTERNAL_ID_LENGTH
    )
    values = models.JSONField(_("values as 1C sent them"), default=_empty_list, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("reference waiting for its declaration")
        verbose_name_plural = _("references waiting for their declarations")
        indexes = [models.Index(fields=["kind", "external_id"], name="cml_pending_kind_id")]

    def __str__(self) -> str:
        return f"{self.kind} {self.external_id}"


class ImportWarningKey(models.Model):
    """A warning a job tells once (a missing picture, by its path): its key's 64-bit digest.

    Kept a row each, written with the batch that told it, so that a step's
    save adds the few new ones instead of rewriting them all (a catalog whose
    pictures were not sent has thousands).
    """

    # Indexed by the unique (job, digest), which starts with it.
    job = models.ForeignKey(
        ImportJob, on_delete=models.CASCADE, related_name="warning_keys", db_index=False
    )
    digest = models.BigIntegerField()

    class Meta:
        verbose_name = _("warning told once")
        verbose_name_plural = _("warnings told once")
        constraints = [
            models.UniqueConstraint(fields=["job", "digest"], name="cml_warning_key_job_digest")
        ]

    def __str__(self) -> str:
        return f"{self.job_id}: {self.digest}"


class ScannedFile(models.Model):
    """A file the importer's scan found sound, by the digest of its bytes: what it counted.

    1C sends the same ``import.xml`` again when nothing changed; a file equal
    byte for byte to one scanned before, under the same reader and the same
    column sizes (both are in ``digest``), is not scanned again.

    Once such a file has been read whole, and its items (products or offers)
    were all of one kind with nothing but items after the first of them,
    ``item_digests`` keeps their element digests (signed 64-bit integers, in
    the file's order, little-endian), ``items_count`` their number,
    ``items_kind`` their kind and ``item_skips``
    the empty items the file skipped, by code (told again when it is passed
    over): the next time, if every one of them is still stored, the items are
    not read.
    """

    digest = models.CharField(max_length=64, unique=True)
    counts = models.JSONField(default=_empty_dict)
    items_kind = models.CharField(max_length=16, blank=True, default="")
    item_digests = models.BinaryField(null=True, editable=False)
    items_count = models.PositiveIntegerField(default=0)
    item_skips = models.JSONField(default=_empty_dict)
    scanned = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("scanned file")
        verbose_name_plural = _("scanned files")
        indexes = [
            # What keep_items() reads of every remembered file (the sum of their items, and
            # which to forget first, newest first), from the index alone: on SQLite the
            # item digests come before items_count in a row, whose later columns are then
            # reached through every page of the digests.
            models.Index(
                fields=["scanned", "id", "items_kind", "items_count"], name="cml_scanned_kept"
            ),
        ]

    def __str__(self) -> str:
        return self.digest[:12]


class ChecksumKey(models.Model):
    """The key the stored items' checksums and element digests were written under: one row.

    :mod:`cml_exchange.importer.checksum_key` says what the key covers; an
    importer of another key clears every checksum and digest before its first
    step, so that the items are written again, once, as it stores them.
    """

    key = models.CharField(max_length=64)
    recorded = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("key of the stored checksums")
        verbose_name_plural = _("keys of the stored checksums")

    def __str__(self) -> str:
        return self.key[:12]
