"""Purge what the retention schedule says is due; a dry run unless --apply."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from privacy.services import apply_retention, retention_report


class Command(BaseCommand):
    help = (
        "Report (default) or purge (--apply) closed cases past "
        "HARBOR_RETAIN_CLOSED_CASES_YEARS, with their person when they have no other "
        "case. Leaves tombstones; never touches imported reference data or the audit trail."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument(
            "--dry-run", action="store_true", help="Only report what is due (the default)."
        )
        mode.add_argument("--apply", action="store_true", help="Purge what is due.")

    def handle(self, *args: Any, **options: Any) -> None:
        years = settings.HARBOR_RETAIN_CLOSED_CASES_YEARS
        items = retention_report()
        verb = "Purging" if options["apply"] else "Would purge (dry run)"
        self.stdout.write(f"{verb}: {len(items)} closed case(s) closed over {years} years ago.")
        for item in items:
            self.stdout.write(
                f"case #{item.case.pk} {item.case.reference} closed {item.closed_on}: "
                f"{item.action}; {item.rows} rows ({item.summary})"
            )
        if not options["apply"]:
            self.stdout.write("Nothing changed. Run with --apply to purge.")
            return
        tombstones = apply_retention()
        self.stdout.write(self.style.SUCCESS(f"Done: {len(tombstones)} tombstone(s) left."))
