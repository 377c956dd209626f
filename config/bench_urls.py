"""The URLconf `bench_pages --admin` measures with: the app's own, plus a bench-only admin.

Never the app's ROOT_URLCONF: the Django admin is not part of Harbor. `bench_pages`
switches to this module (and adds the admin app) only while it measures, to compare
the case list with the admin changelist of the same rows.
"""

from typing import Any

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest
from django.urls import path

from cases.models import Case
from config.urls import urlpatterns as app_urlpatterns


class BenchAdminSite(admin.AdminSite):
    site_header = "Benchmark only"

    def has_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active)


class CaseAdmin(admin.ModelAdmin):
    """The app's case list columns, the admin's way (its own count and pagination)."""

    list_display = (
        "reference",
        "person",
        "intake_date",
        "status",
        "identification_status",
        "protection_status",
        "prosecution_status",
        "risk_level",
        "supervisor",
    )
    list_per_page = settings.HARBOR_PAGE_SIZE  # the app's page size

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return True

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_module_permission(self, request: HttpRequest) -> bool:
        return True


bench_admin = BenchAdminSite(name="bench_admin")
bench_admin.register(Case, CaseAdmin)

urlpatterns = [path("bench-admin/", bench_admin.urls), *app_urlpatterns]
