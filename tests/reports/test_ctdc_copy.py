"""The CTDC import's COPY path (PostgreSQL): the ORM path's rows, once, with the errors."""

from __future__ import annotations

import csv
import io
import itertools

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from cases.models import Case, CaseExploitation
from policy import Role
from reports import ctdc
from reports.ctdc import import_ctdc, source_name
from reports.models import ImportedRecord
from tests.factories import PlatformAdminFactory
from tests.reports.conftest import CTDC_CSV
from victims.models import IdentificationDecision, Person

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

# Columns that differ between two imports of the same rows by nature.
VARYING = {
    "id",
    "code",
    "reference",
    "source",
    "case",
    "person",
    "created_at",
    "updated_at",
    "recorded_at",
    "imported_at",
}
BAD_ROWS = [
    "2020,Robot,Adult,1,,Asia,Europe,1,,,,,,,,\n",
    "2005-2013,Male,Minor,,1,Africa,Africa,1,,,,,,,,,extra\n",
    ",Male,,,1,Africa\n",
    "yesterday,Female,Adult,1,,Asia,Asia,,,,,,,,,\n",
]


def _fields(obj) -> dict:
    return {
        f.name: getattr(obj, f.attname)
        for f in obj._meta.concrete_fields
        if f.name not in VARYING and not f.name.endswith("_at")
    }


def _snapshot(source: str) -> list[tuple]:
    """Every row the import made for each source row, without the ids, codes, times."""
    rows = []
    for record in ImportedRecord.objects.filter(source=source).select_related("case__person"):
        case = record.case
        rows.append(
            (
                record.row_number,
                _fields(record),
                _fields(case.person),
                _fields(case),
                [_fields(d) for d in IdentificationDecision.objects.filter(case=case)],
                sorted(CaseExploitation.objects.filter(case=case).values_list("type", flat=True)),
                case.person.agency_id == case.agency_id,
            )
        )
    return sorted(rows, key=lambda row: row[0])


@pytest.fixture
def sample(tmp_path):
    """The first 400 rows of the real file, with unreadable rows in between."""
    with CTDC_CSV.open(encoding="utf-8") as handle:
        lines = list(itertools.islice(handle, 401))
    for n, bad in enumerate(BAD_ROWS):
        lines.insert(50 + 90 * n, bad)
    paths = []
    for name in ("orm.csv", "copy.csv"):
        path = tmp_path / name
        path.write_text("".join(lines), encoding="utf-8")
        paths.append(path)
    return paths


def test_copy_creates_the_rows_the_orm_path_creates(sample):
    assert connection.vendor == "postgresql"
    admin = PlatformAdminFactory(email="importer@example.org")
    by_orm = import_ctdc(sample[0], actor=admin, method="orm")
    by_copy = import_ctdc(sample[1], actor=admin, method="copy")
    assert by_copy.created == by_orm.created == 400
    assert by_copy.errors == by_orm.errors
    assert [line for line, _reason in by_copy.errors] == [51, 141, 231, 321]
    orm_rows, copy_rows = _snapshot(source_name(sample[0])), _snapshot(source_name(sample[1]))
    assert len(copy_rows) == 400
    assert copy_rows == orm_rows


def test_the_copy_checks_the_foreign_keys_in_bulk_where_the_role_may(sample):
    # The tests' role is a superuser: the triggers are off while copying, and every key is
    # checked once after (the checks a commit would make row by row, made now).
    admin = PlatformAdminFactory(email="importer@example.org")
    assert import_ctdc(sample[1], actor=admin).foreign_keys == "bulk"
    with connection.cursor() as cursor:
        cursor.execute("SHOW session_replication_role")
        assert cursor.fetchone()[0] == "origin"  # on again for the rest of the transaction


def test_a_copied_row_that_refers_to_nothing_fails_the_import_and_keeps_nothing(sample):
    # An importer that is no row of the users table: every copied row refers to it.
    ghost = User(pk=987_654_321, email="nobody@example.org", role=Role.PLATFORM_ADMIN)
    with pytest.raises(
        IntegrityError, match=r"victims.Person.\w+_by: a copied row refers to no row"
    ):
        import_ctdc(sample[1], actor=ghost)
    assert not Person.objects.exists() and not Case.objects.exists()
    assert not ImportedRecord.objects.exists()


def test_a_role_without_the_right_gets_the_same_rows_checked_by_the_triggers(sample, monkeypatch):
    admin = PlatformAdminFactory(email="importer@example.org")
    bulk = import_ctdc(sample[0], actor=admin)
    monkeypatch.setattr(ctdc, "_bulk_load", lambda cursor: False)
    checked_by_triggers = import_ctdc(sample[1], actor=admin)
    assert (bulk.foreign_keys, checked_by_triggers.foreign_keys) == ("bulk", "triggers")
    assert _snapshot(source_name(sample[0])) == _snapshot(source_name(sample[1]))


def test_a_role_that_may_not_set_the_replication_role_falls_back_to_the_triggers(sample):
    admin = PlatformAdminFactory(email="importer@example.org")
    with connection.cursor() as cursor:
        cursor.execute("CREATE ROLE harbor_test_importer NOSUPERUSER")
        cursor.execute("GRANT harbor_test_importer TO CURRENT_USER")
        cursor.execute("SET LOCAL ROLE harbor_test_importer")
        try:
            assert ctdc._bulk_load(cursor) is False
            cursor.execute("SHOW session_replication_role")
            assert cursor.fetchone()[0] == "origin"
        finally:
            cursor.execute("RESET ROLE")
    assert import_ctdc(sample[1], actor=admin).created == 400


def test_a_second_copy_import_creates_nothing_and_reports_the_same_errors(sample):
    admin = PlatformAdminFactory(email="importer@example.org")
    first = import_ctdc(sample[1], actor=admin)
    counts = (ImportedRecord.objects.count(), CaseExploitation.objects.count())
    second = import_ctdc(sample[1], actor=admin)
    assert (first.created, second.created, second.already_imported) == (400, 0, 400)
    assert second.errors == first.errors
    assert (ImportedRecord.objects.count(), CaseExploitation.objects.count()) == counts


def test_the_command_reports_line_numbers_on_the_copy_path(sample):
    PlatformAdminFactory(email="importer@example.org")
    out, err = io.StringIO(), io.StringIO()
    call_command("import_ctdc", str(sample[1]), stdout=out, stderr=err)
    assert err.getvalue().splitlines() == [
        "line 51: gender is not Female, Male or empty",
        "line 141: more cells than columns",
        "line 231: fewer cells than columns",
        "line 321: yearRegister is not a year or a band of years",
    ]
    assert "404 rows read, 400 imported, 0 already imported, 4 unreadable" in out.getvalue()


def test_bench_import_compares_with_copy_and_keeps_nothing(tmp_path):
    with CTDC_CSV.open(encoding="utf-8") as handle:
        lines = list(itertools.islice(handle, 301))
    path = tmp_path / "clean.csv"
    path.write_text("".join(lines), encoding="utf-8")
    PlatformAdminFactory(email="importer@example.org")
    out = io.StringIO()
    call_command("bench_import", str(path), stdout=out)
    text = out.getvalue()
    assert "plain COPY into a text table: 300 rows" in text and "ratio:" in text
    assert "foreign keys checked once per key after copying" in text
    assert "second import: 0 created, 300 already imported" in text
    # The floor of any import of these rows: exactly the rows it wrote, copied again into
    # copies of their tables that have no index.
    kinds = sum(
        (row["isForcedLabour"] == "1") + (row["isSexualExploit"] == "1")
        for row in csv.DictReader(io.StringIO("".join(lines)))
    )
    assert (
        f"the same rows (300 people, 300 cases, 300 decisions, {kinds} exploitation types, "
        "300 row tags) copied into copies of their tables without an index or a key: "
    ) in text
    assert not ImportedRecord.objects.exists()


def test_a_key_that_varies_from_row_to_row_is_checked_in_every_copied_row(sample):
    # A copied exploitation row whose case is no row: the triggers are off, as in the
    # import, and only the check after the copy can refuse it.
    table = ctdc._CopyTable(CaseExploitation(), ["case_id", "type"])
    with connection.cursor() as cursor:
        assert ctdc._bulk_load(cursor)
        table.copy(cursor, ["987654321\tforced_labour"])
        cursor.execute("SET LOCAL session_replication_role = DEFAULT")
        copied = CaseExploitation.objects.get(case_id=987_654_321).pk
        with pytest.raises(
            IntegrityError, match=r"cases.CaseExploitation.case: a copied row refers to no row"
        ):
            ctdc._check_foreign_keys(cursor, table, "id", [copied])


def test_a_key_every_copied_row_shares_is_checked_once(sample):
    # The importer and the agency are the same in every row: one read of each, however
    # many rows were copied (the anti-joins are for the keys that vary).
    admin = PlatformAdminFactory(email="importer@example.org")
    with CaptureQueriesContext(connection) as queries:
        import_ctdc(sample[1], actor=admin)
    checks = [q["sql"] for q in queries.captured_queries if "FOR KEY SHARE" in q["sql"]]
    anti_joins = [q["sql"] for q in queries.captured_queries if "NOT EXISTS" in q["sql"]]
    # People: agency, creator, editor; cases: the same three; decisions: agency, recorder.
    assert len(checks) == 8, checks
    # Cases: their person; decisions, exploitation types and imported records: their case.
    assert len(anti_joins) == 4, anti_joins
