"""`manage.py refresh_figures`: recompute the dashboard's summary cube now."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from partners.models import Agency
from reports import figures


class Command(BaseCommand):
    help = (
        "Recompute the dashboard figures of every agency (or of the agencies named by "
        "--agency CODE); the worker does this every five minutes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--agency", action="append", dest="codes", metavar="CODE")

    def handle(self, *args, codes: list[str] | None, **options) -> None:
        agency_ids = None
        if codes:
            found = dict(Agency.objects.filter(code__in=codes).values_list("code", "pk"))
            unknown = sorted(set(codes) - set(found))
            if unknown:
                raise CommandError("No agency with the code " + ", ".join(unknown))
            agency_ids = list(found.values())
        started = time.monotonic()
        cells = figures.refresh(agency_ids)
        self.stdout.write(
            f"Dashboard figures refreshed: {cells} cells ({time.monotonic() - started:.1f} s)."
        )
