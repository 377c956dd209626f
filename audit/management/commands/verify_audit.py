"""`manage.py verify_audit`: recompute every audit hash chain, name the first broken link."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from audit.services import verify_chains


class Command(BaseCommand):
    help = (
        "Check that no audit row was altered, removed or cut off since it was written "
        "(exits 1 at the first broken link). With -v 2, prints each chain's head: keep "
        "those lines off the server to prove later that no chain was rewritten whole."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_chains()
        if report.first_break is not None:
            raise CommandError(f"Audit trail broken: {report.first_break}")
        if options["verbosity"] >= 2:
            for agency_id, (last_seq, last_hash) in sorted(
                report.heads.items(), key=lambda item: (item[0] is not None, item[0] or 0)
            ):
                chain = f"agency {agency_id}" if agency_id is not None else "platform"
                self.stdout.write(f"  {chain:<16} {last_seq:>10} rows  head {last_hash}")
        self.stdout.write(
            self.style.SUCCESS(f"Audit trail intact: {report.chains} chains, {report.rows} rows.")
        )
