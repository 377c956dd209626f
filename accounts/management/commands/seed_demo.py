from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.demo import seed_staff
from cases.demo import seed_cases
from partners.demo import seed_agencies, seed_partnerships
from tests.factories import DEMO_PASSWORD
from victims.demo import seed_victim_records


class Command(BaseCommand):
    help = (
        "Create fictional demo agencies, staff and cases (idempotent; refuses when DEBUG is off)."
    )

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo creates accounts with a published password; "
                "it runs only with HARBOR_DEBUG=true."
            )
        with transaction.atomic():
            agencies = seed_agencies()
            users = seed_staff(agencies)
            seed_cases(agencies, users)
            seed_victim_records()
            seed_partnerships(agencies, users)
        self.stdout.write(
            self.style.SUCCESS("Demo data ready. Log in at http://127.0.0.1:8000 with:")
        )
        for user in users:
            self.stdout.write(f"  {user.email:<34} {user.get_role_display()}")
        self.stdout.write(f"  password for every demo account: {DEMO_PASSWORD}")
