"""`manage.py bench_pages`: median, p95, queries and size of every staff page per role."""

import datetime
import logging
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.test.utils import override_settings

from cases.models import Case
from config import bench
from config.scale import BENCH_LOGINS


class Command(BaseCommand):
    help = (
        "Time every staff page for each role's benchmark account (seed_scale's logins) "
        "with the test client: queries, median and p95 in ms, size. --baseline FILE adds "
        "each page's ratio to the same page in an earlier run (e.g. the 10k database)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--runs", type=int, default=20, help="Timed requests per page (20).")
        parser.add_argument("--save", type=Path, help="Write the results as JSON to this file.")
        parser.add_argument("--baseline", type=Path, help="Results JSON to compare with.")
        parser.add_argument(
            "--admin",
            action="store_true",
            help="Also time the Django admin changelist of Case beside the case list.",
        )
        parser.add_argument(
            "--roles", nargs="*", help="Only these roles (e.g. caseworker supervisor)."
        )
        parser.add_argument("--pages", nargs="*", help="Only these pages (keys of the table).")
        parser.add_argument(
            "--timeout",
            type=int,
            default=30,
            help="statement_timeout in seconds for the pages' queries (30; 0 for none).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["runs"] < 1:
            raise CommandError("--runs must be at least 1.")
        users = bench.bench_users()
        if not users:
            raise CommandError(
                "No benchmark accounts here (" + ", ".join(BENCH_LOGINS.values()) + "): "
                "run seed_scale first."
            )
        if options["roles"]:
            unknown = set(options["roles"]) - set(users)
            if unknown:
                raise CommandError(f"Unknown roles: {', '.join(sorted(unknown))}.")
            users = {role: user for role, user in users.items() if role in options["roles"]}
        pages = bench.PAGES
        if options["pages"]:
            pages = [page for page in pages if page.key in options["pages"]]
        baseline = bench.load(options["baseline"]) if options["baseline"] else {}
        with connection.cursor() as cursor:
            # A page that would run for minutes fails fast instead (shown as 500/503).
            cursor.execute(
                "SELECT set_config('statement_timeout', %s, false)",
                [f"{options['timeout'] * 1000}"],
            )
            if not settings.HARBOR_WEB_PG_PARALLEL:
                # As a web request's connection has it (config.settings), not a command's.
                cursor.execute("SET max_parallel_workers_per_gather = 0")
        cases = Case.objects.count()
        self.stdout.write(
            f"{connection.settings_dict['NAME']}: {cases:,} cases; "
            f"{options['runs']} timed requests per page."
        )
        self.stdout.write(bench.HEADER)

        def show(result: bench.Result) -> None:
            baseline_result = baseline.get((result.role, result.page))
            self.stdout.write(bench.format_row(result, baseline_result, options["runs"]))

        overrides: dict[str, Any] = {
            # Production-like: no query log, no debug pages; the test client's host.
            "DEBUG": False,
            "ALLOWED_HOSTS": [*settings.ALLOWED_HOSTS, "testserver"],
        }
        if options["admin"]:
            overrides["INSTALLED_APPS"] = [
                *settings.INSTALLED_APPS,
                "django.contrib.admin.apps.SimpleAdminConfig",
            ]
            overrides["ROOT_URLCONF"] = "config.bench_urls"
        # A 403 or 404 is an expected answer, a 500 shows in the table: no tracebacks.
        request_log = logging.getLogger("django.request")
        level = request_log.level
        request_log.setLevel(logging.CRITICAL)
        try:
            with override_settings(**overrides):
                results = bench.run_pages(
                    users,
                    runs=options["runs"],
                    pages=pages,
                    admin=options["admin"],
                    on_result=show,
                )
        finally:
            request_log.setLevel(level)
        if options["admin"]:
            self.stdout.write("The case list against the Django admin changelist (supervisor):")
            for line in bench.admin_comparison(results):
                self.stdout.write(line)
        missed = [r for r in results if bench.flags(r, baseline.get((r.role, r.page)))]
        self.stdout.write(f"{len(results)} pages measured, {len(missed)} miss a target.")
        if options["save"]:
            meta = {
                "database": connection.settings_dict["NAME"],
                "cases": cases,
                "runs": options["runs"],
                "at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            }
            bench.save(options["save"], results, meta)
            self.stdout.write(f"Saved to {options['save']}.")
