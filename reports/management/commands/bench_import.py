"""`manage.py bench_import PATH`: the CTDC import beside a plain COPY of the same file.

Both run in one transaction that is rolled back at the end (the database keeps
nothing): first `COPY` of the file into a temporary table of text columns (the floor
no import can beat), then `import_ctdc` (COPY path on PostgreSQL) with the deferred
foreign-key checks a commit would run, then a second import that must create nothing.
Prints both times, their ratio and how the foreign keys were checked: in bulk after
copying (a role that may set session_replication_role) or row by row (any other role).
"""

from __future__ import annotations

import csv
import shutil
import tempfile
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from accounts.models import User
from policy import Role
from reports.ctdc import import_ctdc, source_name
from reports.models import ImportedRecord


class _Rollback(Exception):
    """Leaves the benchmark's transaction without keeping anything."""


class Command(BaseCommand):
    help = (
        "Time the CTDC import against a plain COPY of the same file into a table, check "
        "that a second import creates nothing, and roll everything back (PostgreSQL)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)

    def handle(self, *args, path: Path, **options) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("bench_import compares with COPY: run it on PostgreSQL.")
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        with tempfile.TemporaryDirectory() as folder:
            # A fresh name: the file's rows are new to the database whatever it holds.
            copy = Path(folder) / f"bench-{time.time_ns()}-{path.name}"
            shutil.copyfile(path, copy)
            try:
                with transaction.atomic():
                    self._bench(copy)
                    raise _Rollback
            except _Rollback:
                pass

    def _bench(self, path: Path) -> None:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            header = next(csv.reader(handle))
        columns = ", ".join(f"c{i} text" for i in range(len(header)))
        data = path.read_bytes()
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE TEMPORARY TABLE bench_plain ({columns}) ON COMMIT DROP")
            started = time.perf_counter()
            with cursor.copy("COPY bench_plain FROM STDIN WITH (FORMAT csv, HEADER true)") as out:
                out.write(data)
            plain = time.perf_counter() - started
            cursor.execute("SELECT count(*) FROM bench_plain")
            plain_rows = cursor.fetchone()[0]
        actor = User.objects.filter(role=Role.PLATFORM_ADMIN, is_active=True).order_by("pk").first()
        if actor is None:
            actor = User.objects.create_user(
                "bench.importer@example.org",
                None,
                full_name="Bench importer",
                role=Role.PLATFORM_ADMIN,
            )
        started = time.perf_counter()
        first = import_ctdc(path, actor=actor)
        with connection.cursor() as cursor:
            # The foreign keys are checked at commit (deferred): count that work too.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        harbor = time.perf_counter() - started
        started = time.perf_counter()
        second = import_ctdc(path, actor=actor)
        again = time.perf_counter() - started
        kept = ImportedRecord.objects.filter(source=source_name(path)).count()
        self.stdout.write(f"plain COPY into a text table: {plain_rows} rows in {plain:.3f} s")
        checks = {
            "bulk": "foreign keys checked once per key after copying",
            "triggers": "foreign keys checked row by row (this role may not set "
            "session_replication_role)",
        }
        self.stdout.write(
            f"import_ctdc (COPY, {checks.get(first.foreign_keys, 'nothing copied')}): "
            f"{first.created} rows imported, {len(first.errors)} unreadable, in {harbor:.3f} s"
        )
        self.stdout.write(
            f"ratio: {plain / harbor:.3f} of plain COPY's speed ({harbor / plain:.1f}x its time)"
        )
        self.stdout.write(
            f"second import: {second.created} created, {second.already_imported} already "
            f"imported ({again:.3f} s); {kept} imported records"
        )
        if second.created or kept != first.created:
            raise CommandError("The second import created rows: imports are not idempotent.")
        self.stdout.write("rolled back: the database keeps nothing of the benchmark.")
