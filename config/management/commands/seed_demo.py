"""`manage.py seed_demo`: each app's demo builders, composed bottom layer first."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from accounts.demo import DEMO_PASSWORD, demo_staff, seed_staff
from cases.models import Case
from cooperation.demo import seed_cooperation
from partners.demo import seed_agencies, seed_partnerships
from policy import Role
from reports.demo import CTDC_FILE, seed_national, seed_reference_data
from victims.demo import seed_cases, seed_victim_records


class Command(BaseCommand):
    help = (
        "Create fictional demo agencies, staff and cases (idempotent; refuses when DEBUG is off)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reference-data",
            type=Path,
            default=CTDC_FILE,
            help="CTDC file imported as the 'CTDC reference data' agency (default: shipped one).",
        )

    def handle(self, *args, reference_data: Path, **options) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo creates accounts with a published password; "
                "it runs only with HARBOR_DEBUG=true."
            )
        with transaction.atomic():
            agencies = seed_agencies()
            users = seed_staff(agencies)
            seed_cases(agencies, users)
            # Only the demo agencies' cases: the reference data stays as imported.
            seed_victim_records(
                Case.objects.filter(agency__in=agencies).select_related("person").order_by("pk")
            )
            seed_cooperation(agencies, users)
            seed_partnerships(agencies, demo_staff(users, agencies[0], Role.CASEWORKER))
            # The national coordinating agency, its coordinator and its caseload.
            users += seed_national()
        self.stdout.write(f"Importing CTDC reference data from {reference_data.name}…")
        result, reference_supervisor = seed_reference_data(users[0], reference_data)
        self.stdout.write(
            f"  {result.created} rows imported, {result.already_imported} already there."
        )
        users.append(reference_supervisor)
        self.stdout.write(
            self.style.SUCCESS("Demo data ready. Log in at http://127.0.0.1:8000 with:")
        )
        for user in users:
            self.stdout.write(f"  {user.email:<34} {user.get_role_display()}")
        self.stdout.write(f"  password for every demo account: {DEMO_PASSWORD}")
