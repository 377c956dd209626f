"""`manage.py audit_partitions`: create the audit trail's monthly partitions ahead of time."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection

from audit import partitions


class Command(BaseCommand):
    help = (
        "Create this month's audit partition and the next MONTHS ones (PostgreSQL; the "
        "worker does this daily). Idempotent. Rows for a month without a partition go to "
        "the DEFAULT partition meanwhile, so nothing fails for want of one."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--months", type=int, default=12, help="months ahead (default 12)")
        parser.add_argument(
            "--split-default",
            action="store_true",
            help="first move the rows sitting in the DEFAULT partition into partitions of "
            "their months (locks the audit trail while it copies them)",
        )

    def handle(self, *args: Any, months: int, **options: Any) -> None:
        if not partitions.is_partitioned(connection):
            self.stdout.write(
                f"audit_partitions: the audit table is not partitioned on {connection.vendor}; "
                "nothing to do."
            )
            return
        if options["split_default"]:
            moved = partitions.split_default(connection)
            self.stdout.write(f"Default partition split: {len(moved)} months created.")
        report = partitions.ensure_partitions(connection, months_ahead=months)
        for name in report.skipped:
            self.stderr.write(
                self.style.WARNING(
                    f"{name}: not created, its month already has rows in "
                    f"{partitions.DEFAULT_PARTITION} (they stay there, readable and chained; "
                    "--split-default moves them)."
                )
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Audit partitions: {len(report.created)} created, "
                f"{len(report.present)} already there, {len(report.skipped)} skipped."
            )
        )
