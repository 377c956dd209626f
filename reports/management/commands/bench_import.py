"""`manage.py bench_import PATH`: the CTDC import beside a plain COPY of the same file.

Both run in one transaction that is rolled back at the end (the database keeps
nothing): first `COPY` of the file into a temporary table of text columns (the floor
no import can beat), then `import_ctdc` (COPY path on PostgreSQL) with the deferred
foreign-key checks a commit would run, then a second import that must create nothing.
Prints both times, their ratio and how the foreign keys were checked: in bulk after
copying (a role that may set session_replication_role) or row by row (any other role).
Last, the floor of any import of these rows: the rows it wrote, copied again into
copies of their five tables with no index, key or trigger.
"""

from __future__ import annotations

import csv
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from accounts.models import User
from cases.models import Case, CaseExploitation
from policy import Role
from reports.ctdc import import_ctdc, source_name
from reports.models import ImportedRecord
from victims.models import IdentificationDecision, Person


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
        floor, counts = self._unindexed(source_name(path))
        self.stdout.write(
            f"the same rows ({', '.join(f'{n} {name}' for name, n in counts.items())}) "
            f"copied into copies of their tables without an index or a key: {floor:.3f} s "
            f"({plain / floor:.3f} of plain COPY's speed): no import that writes them is "
            "faster"
        )
        self.stdout.write("rolled back: the database keeps nothing of the benchmark.")

    def _unindexed(self, source: str) -> tuple[float, dict[str, int]]:
        """Seconds to COPY the rows the import wrote into copies of their tables that
        have no index, key or trigger (only the columns and their NOT NULL): the floor
        of an import that writes these rows, whatever it does in Python."""
        qn = connection.ops.quote_name
        records = ImportedRecord.objects.filter(source=source)
        case_ids = records.values("case_id")
        tables = {
            "people": (Person, Person.objects.filter(cases__in=case_ids)),
            "cases": (Case, Case.objects.filter(pk__in=case_ids)),
            "decisions": (
                IdentificationDecision,
                IdentificationDecision.objects.filter(case__in=case_ids),
            ),
            "exploitation types": (
                CaseExploitation,
                CaseExploitation.objects.filter(case__in=case_ids),
            ),
            "row tags": (ImportedRecord, records),
        }
        # COPY takes no parameters: PostgreSQL's operations bind them client-side.
        ops: Any = connection.ops
        spent, counts = 0.0, {}
        with connection.cursor() as cursor:
            for name, (model, rows) in tables.items():
                table = model._meta.db_table
                copy = qn(f"bench_unindexed_{table}")
                cursor.execute(f"CREATE TEMPORARY TABLE {copy} (LIKE {qn(table)}) ON COMMIT DROP")
                sql, params = rows.order_by().values("pk").query.sql_with_params()
                # Every column of the rows, in the table's own text format.
                data = bytearray()
                select = f"SELECT * FROM {qn(table)} WHERE {qn('id')} IN ({sql})"  # noqa: S608
                with cursor.copy(f"COPY ({ops.compose_sql(select, params)}) TO STDOUT") as out:
                    for chunk in out:
                        data += chunk
                started = time.perf_counter()
                with cursor.copy(f"COPY {copy} FROM STDIN") as into:
                    into.write(data)
                spent += time.perf_counter() - started
                cursor.execute(f"SELECT count(*) FROM {copy}")  # noqa: S608
                counts[name] = cursor.fetchone()[0]
        return spent, counts
