"""`manage.py import_ctdc PATH`: load CTDC's condensed victim-perpetrator file as reference data."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from accounts.models import User
from policy import Role
from reports.ctdc import AGENCY_NAME, RowError, import_ctdc


class Command(BaseCommand):
    help = (
        "Import CTDC_VPsynthetic_condensed.csv into the 'CTDC reference data' agency: one "
        "person and one case per row; running it again creates nothing new."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--as",
            dest="actor_email",
            help="Email of the account recorded as creator (default: the first platform admin).",
        )

    def handle(self, *args, path: Path, actor_email: str | None, **options) -> None:
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        actor = self._actor(actor_email)
        with path.open("rb") as handle:
            total = max(sum(1 for _ in handle) - 1, 0)
        started = time.monotonic()
        # The bar goes to stderr (hidden when stderr is not a terminal); the summary
        # always goes to stdout.
        with tqdm(
            total=total, unit="rows", file=sys.stderr, disable=not sys.stderr.isatty()
        ) as bar:
            try:
                result = import_ctdc(path, actor=actor, progress=bar.update)
            except RowError as exc:
                raise CommandError(f"{path.name}: {exc}") from None
        elapsed = time.monotonic() - started
        for line, reason in result.errors:
            self.stderr.write(f"line {line}: {reason}")
        self.stdout.write(
            f"{AGENCY_NAME}: {result.rows} rows read, {result.created} imported, "
            f"{result.already_imported} already imported, {len(result.errors)} unreadable "
            f"({elapsed:.1f} s)."
        )

    def _actor(self, email: str | None) -> User:
        users = User.objects.active()
        if email:
            actor = users.filter(email__iexact=email).first()
        else:
            actor = users.filter(role=Role.PLATFORM_ADMIN).order_by("pk").first()
        if actor is None:
            raise CommandError(
                "No account to record as the importer: pass --as EMAIL of an active account, "
                "or create a platform admin first (manage.py createsuperuser)."
            )
        return actor
