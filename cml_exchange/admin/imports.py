"""Admin for import jobs: what was imported, how far it got, what went wrong."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from cml_exchange.models import ImportJob


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ("pk", "status", "stage", "created", "finished", "steps", "message")
    list_filter = ("status",)
    search_fields = ("message", "error")
    date_hierarchy = "created"
    readonly_fields = [field.name for field in ImportJob._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
