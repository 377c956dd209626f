"""`manage.py seed_scale --cases N`: a national-scale caseload for the benchmarks (PostgreSQL)."""

import time
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from config.scale import BENCH_PASSWORD, ScaleSeeder, has_scale_caseload


def figure_tables() -> list[str]:
    """The tables refresh_figures fills (reports.Figure*)."""
    return [
        model._meta.db_table
        for model in apps.get_app_config("reports").get_models()
        if model.__name__.startswith("Figure")
    ]


class Command(BaseCommand):
    help = (
        "Write a national-scale fictional caseload with PostgreSQL COPY: twenty agencies "
        "(one holding 70 %% of the cases), staff in proportion, people, cases, tasks, "
        "services, referrals and ten audit rows per case. For benchmarks only."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cases", type=int, required=True, help="How many cases.")
        parser.add_argument("--agencies", type=int, default=20, help="How many agencies (20).")
        parser.add_argument("--seed", type=int, default=1, help="Random seed (1).")
        parser.add_argument(
            "--lookups",
            type=float,
            default=1.0,
            help="Share of people given blind-index (search) rows, 0 to 1 (1).",
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bars.")

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError(
                "seed_scale writes with PostgreSQL COPY: set DATABASE_URL to a PostgreSQL "
                "database (e.g. postgres://postgres@127.0.0.1:5432/harbor_scale_10k)."
            )
        if not settings.DEBUG:
            raise CommandError(
                "seed_scale creates accounts with a published password; "
                "it runs only with HARBOR_DEBUG=true."
            )
        cases, agencies = options["cases"], options["agencies"]
        if cases < 1 or not 1 <= agencies <= 99:
            raise CommandError("--cases must be at least 1 and --agencies from 1 to 99.")
        if not 0 <= options["lookups"] <= 1:
            raise CommandError("--lookups is a share from 0 to 1.")
        if has_scale_caseload():
            raise CommandError(
                "This database already holds a scale caseload (agency NATBIG): "
                "seed into a new database (createdb, migrate, then seed_scale)."
            )
        started = time.monotonic()
        with connection.cursor() as cursor:
            # A bulk load, not a web request: one COPY, index build or ANALYZE of millions
            # of rows runs for minutes, past the per-request statement_timeout.
            cursor.execute("SET statement_timeout = 0")
        self.stdout.write(f"Seeding {cases:,} cases in {agencies} agencies…")
        seeder = ScaleSeeder(
            cases=cases,
            agencies=agencies,
            seed=options["seed"],
            lookups=options["lookups"],
            progress=not options["no_progress"],
            write=self.stdout.write,
        )
        with transaction.atomic():
            summary = seeder.run()
        with connection.cursor() as cursor:
            # Statistics and visibility maps, as autovacuum leaves a database in steady
            # use: index-only scans read no table pages. (VACUUM cannot run inside a
            # transaction, e.g. a test's.)
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)")
        if "refresh_figures" in get_commands():
            # The dashboard's summary tables, computed from the rows just written.
            self.stdout.write("Refreshing the dashboard figures (refresh_figures)…")
            try:
                with transaction.atomic():
                    call_command("refresh_figures", stdout=self.stdout)
            except Exception as error:  # the caseload is written: say so and go on
                self.stderr.write(f"  refresh_figures failed ({error}): run it again later.")
            else:
                # Their statistics too: a planner that believes the figure table empty
                # sorts a national agency's 2,000 per-staff cells instead of hashing them.
                with connection.cursor() as cursor:
                    for table in figure_tables():
                        cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {cases:,} cases, {sum(summary.rows.values()):,} rows "
                f"in {elapsed:.0f} s (including VACUUM and ANALYZE)."
            )
        )
        self.stdout.write("Benchmark logins (the big agency, NATBIG, and the platform):")
        for role, email in summary.logins.items():
            self.stdout.write(f"  {email:<34} {role}")
        self.stdout.write(f"  password: {BENCH_PASSWORD}")
