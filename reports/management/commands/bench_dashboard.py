"""`manage.py bench_dashboard`: time the dashboard of the CTDC reference agency.

Imports CTDC if it is not there yet, then renders the dashboard N times as a
supervisor of that agency and prints the median and 90th percentile. Run it on a
scratch database (it creates a supervisor account there).
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from cases.models import Case
from partners.models import Agency
from policy import Role
from reports import figures
from reports.ctdc import AGENCY_CODE

DEFAULT_CSV = (
    Path(settings.BASE_DIR) / "reports" / "data" / "ctdc" / "CTDC_VPsynthetic_condensed.csv"
)


class Command(BaseCommand):
    help = "Time N renders of the CTDC reference agency's dashboard (a benchmark, not a test)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--renders", type=int, default=20)
        parser.add_argument("--csv", type=Path, default=DEFAULT_CSV)
        parser.add_argument(
            "--as",
            dest="email",
            help="Time this existing supervisor's dashboard instead (no import, no account).",
        )
        parser.add_argument(
            "--refresh", action="store_true", help="Refresh the figures first, and time that."
        )

    def handle(
        self, *args, renders: int, csv: Path, email: str | None, refresh: bool, **options
    ) -> None:
        supervisor = self._given(email) if email else self._ctdc_supervisor(csv)
        if refresh and supervisor.agency_id is not None:
            started = time.monotonic()
            cells = figures.refresh([supervisor.agency_id])
            self.stdout.write(f"refresh: {cells} cells in {time.monotonic() - started:.1f} s")
        client = Client()
        client.force_login(supervisor)
        timings = []
        for _n in range(renders):
            with CaptureQueriesContext(connection) as queries:
                tick = time.perf_counter()
                response = client.get(
                    "/reports/",
                    HTTP_HOST=settings.ALLOWED_HOSTS[0] if settings.ALLOWED_HOSTS else "localhost",
                )
                timings.append(time.perf_counter() - tick)
            if response.status_code != 200:
                raise CommandError(f"The dashboard answered {response.status_code}.")
        timings.sort()
        self.stdout.write(f"{Case.objects.visible_to(supervisor).count()} cases in the scope")
        p90 = timings[max(0, int(len(timings) * 0.9 + 0.5) - 1)]
        median = statistics.median(timings) * 1000
        self.stdout.write(
            f"{connection.vendor}: {renders} renders, median {median:.0f} ms, "
            f"p90 {p90 * 1000:.0f} ms, {len(queries)} queries per render"
        )

    def _given(self, email: str) -> User:
        user = User.objects.filter(email__iexact=email).first()
        if user is None or user.agency_id is None:
            raise CommandError(f"No agency account {email}.")
        return user

    def _ctdc_supervisor(self, csv: Path) -> User:
        if not User.objects.filter(role=Role.PLATFORM_ADMIN).exists():
            User.objects.create_user(
                "bench.importer@example.org",
                None,
                full_name="Bench importer",
                role=Role.PLATFORM_ADMIN,
            )
        started = time.monotonic()
        call_command("import_ctdc", str(csv), stdout=self.stdout)
        self.stdout.write(f"import: {time.monotonic() - started:.1f} s")
        supervisor, _created = User.objects.get_or_create(
            email="bench.supervisor@example.org",
            defaults={
                "full_name": "Bench supervisor",
                "agency": Agency.objects.get(code=AGENCY_CODE),
                "role": Role.SUPERVISOR,
            },
        )
        return supervisor
