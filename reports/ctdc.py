"""Import of CTDC's Global Victim-Perpetrator Synthetic Dataset (condensed) as reference data.

One person and one case per CSV row, in a reference agency of their own, each tagged
with an `ImportedRecord(source, row_number)`: a second import of the same file finds
every row already there and creates nothing. Unknown values stay unknown: an empty
cell never becomes "no", a banded year never becomes a date, a region never becomes
a country. Rows that cannot be read are reported with their line number and reason;
the others are imported.

On PostgreSQL the rows go in with `COPY` (psycopg's `cursor.copy()`): the ids of the
new people and cases come from one batched sequence call, every other column is
prepared once from a model instance built like the ORM path's (defaults, encryption,
timestamps), and the whole file is one transaction. Elsewhere (SQLite) the ORM path
creates the same rows with bulk_create, one transaction per batch.

The foreign keys of the copied rows are checked as a bulk load checks them, when the
database role may (a superuser, or `GRANT SET ON PARAMETER session_replication_role`):
PostgreSQL's row-by-row triggers are off while copying (250,000 checks, 40 % of the
import) and each key is then checked once for all the new rows: a key that varies from
row to row with one anti-join, as `ALTER TABLE … VALIDATE CONSTRAINT` does, a key every
row shares (the importer, the agency) by reading its one row; a row that refers to
nothing fails the import and nothing is kept. Any other role gets the triggers' checks
at commit.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, NamedTuple

from django.db import DatabaseError, IntegrityError, connection, models, transaction

from accounts.models import User
from audit.models import AuditEvent
from audit.services import record_event
from cases.models import Case, CaseExploitation, ExploitationType, IdentificationStatus
from partners.models import Agency, AgencyType
from reports.models import ImportedRecord
from victims.models import IdentificationDecision, Person, Sex
from victims.services import generate_person_codes

AGENCY_CODE = "CTDC"
AGENCY_NAME = "CTDC reference data"
BATCH_SIZE = 2000

REQUIRED_COLUMNS = (
    "yearRegister",
    "gender",
    "majorityStatus",
    "isForcedLabour",
    "isSexualExploit",
    "UN_COO_Region",
    "UN_COE_Region",
)
PERPETRATOR_PREFIX = "IP_"

SEXES = {"Female": Sex.FEMALE, "Male": Sex.MALE, "": Sex.UNKNOWN}
MAJORITY = {"Adult", "Minor", ""}
FLAGS = {"1": True, "": None}  # the codebook: flags are 1 or empty, never 0
EXPLOITATION_FLAGS = (
    ("isForcedLabour", ExploitationType.FORCED_LABOUR),
    ("isSexualExploit", ExploitationType.SEXUAL),
)
YEAR_BAND = re.compile(r"^(\d{4}(-\d{4})?)?$")
MAX_REGION = 64


class RowError(ValueError):
    """A row that cannot be read; the message says why (never a cell's value)."""


class ParsedRow(NamedTuple):
    """One readable row; `values()` is everything but its number (kept for equal rows).

    A named tuple, not a dataclass: one is made per row of the file, and a frozen
    dataclass took three times as long to make (20,000 rows: 54 against 19 ms)."""

    row_number: int
    sex: str
    majority_status: str
    year_band: str
    origin_region: str
    exploitation_region: str
    exploitation_types: tuple[str, ...]
    perpetrator: dict[str, str]

    def values(self) -> tuple:
        return self[1:]


@dataclass
class ImportResult:
    source: str
    rows: int = 0
    created: int = 0
    already_imported: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    # How the new rows' foreign keys were checked (COPY path): "bulk" (one anti-join per
    # key after copying) or "triggers" (row by row at commit).
    foreign_keys: str = ""


def source_name(path: Path) -> str:
    """The tag of every row from this file: the file name, whatever folder it is in."""
    return f"ctdc:{path.name}"[:64]


def parse_row(row: dict[str, str | None], *, row_number: int, extra: list[str] | None) -> ParsedRow:
    """Validate one CSV row against the codebook; RowError when it cannot be read."""
    if extra:
        raise RowError("more cells than columns")
    if any(value is None for value in row.values()):
        raise RowError("fewer cells than columns")
    cells = {key: (value or "").strip() for key, value in row.items()}
    if cells["gender"] not in SEXES:
        raise RowError("gender is not Female, Male or empty")
    if cells["majorityStatus"] not in MAJORITY:
        raise RowError("majorityStatus is not Adult, Minor or empty")
    if not YEAR_BAND.match(cells["yearRegister"]):
        raise RowError("yearRegister is not a year or a band of years")
    for column, _type in EXPLOITATION_FLAGS:
        if cells[column] not in FLAGS:
            raise RowError(f"{column} is not 1 or empty")
    for column in ("UN_COO_Region", "UN_COE_Region"):
        if len(cells[column]) > MAX_REGION:
            raise RowError(f"{column} is longer than {MAX_REGION} characters")
    return ParsedRow(
        row_number=row_number,
        sex=SEXES[cells["gender"]],
        majority_status=cells["majorityStatus"],
        year_band=cells["yearRegister"],
        origin_region=cells["UN_COO_Region"],
        exploitation_region=cells["UN_COE_Region"],
        exploitation_types=tuple(t for col, t in EXPLOITATION_FLAGS if FLAGS[cells[col]]),
        perpetrator={
            key: value for key, value in cells.items() if key.startswith(PERPETRATOR_PREFIX)
        },
    )


def reference_agency() -> Agency:
    """The agency that owns the imported rows, created on first import.

    Its country stays empty: CTDC is a global collaborative, not a national agency.
    """
    agency = Agency.objects.filter(code=AGENCY_CODE).first()
    if agency is None:
        agency = Agency.objects.create(
            code=AGENCY_CODE,
            name=AGENCY_NAME,
            agency_type=AgencyType.INTERNATIONAL,
            country="",
            description="Counter Trafficking Data Collaborative (IOM), synthetic reference data.",
        )
    return agency


def _read_rows(path: Path, errors: list[tuple[int, str]]) -> Iterator[tuple[int, ParsedRow]]:
    """(line number, parsed row) for every readable row; unreadable ones go to `errors`.

    Identical rows are validated once (the synthetic file repeats many): the verdict on
    a row's cells is kept and reused with the next row number.
    """
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = next(reader, None) or []
        missing = [c for c in REQUIRED_COLUMNS if c not in header]
        if missing:
            raise RowError("the header lacks the columns " + ", ".join(missing))
        width = len(header)
        seen: dict[tuple[str, ...], ParsedRow | str] = {}
        row_number = 0
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except (csv.Error, UnicodeDecodeError) as exc:
                row_number += 1
                errors.append((reader.line_num, f"not valid CSV ({type(exc).__name__})"))
                continue
            if not cells:
                continue  # a blank line is no row (as csv.DictReader has it)
            row_number += 1
            key = tuple(cells)
            verdict = seen.get(key)
            if verdict is None:
                row: dict[str, str | None] = dict(zip(header, cells, strict=False))
                for name in header[len(cells) :]:
                    row[name] = None
                try:
                    verdict = parse_row(row, row_number=0, extra=cells[width:] or None)
                except RowError as exc:
                    verdict = str(exc)
                seen[key] = verdict
            if isinstance(verdict, str):
                errors.append((reader.line_num, verdict))
            else:
                yield reader.line_num, ParsedRow(row_number, *verdict.values())


def _batches(items: Iterable, size: int) -> Iterator[list]:
    batch: list = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


@transaction.atomic
def _create_batch(
    rows: list[ParsedRow], *, agency: Agency, source: str, actor: User, reference_prefix: str
) -> None:
    persons = [
        Person(agency=agency, code=code, created_by=actor, updated_by=actor, sex=row.sex)
        for code, row in zip(generate_person_codes(agency.code, len(rows)), rows, strict=True)
    ]
    Person.objects.bulk_create(persons, batch_size=500)
    cases = [
        Case(
            agency=agency,
            person=person,
            reference=f"{reference_prefix}{row.row_number:06d}",
            intake_date=None,  # the file has banded years only: kept on ImportedRecord
            identification_status=IdentificationStatus.IDENTIFIED,
            created_by=actor,
            updated_by=actor,
        )
        for person, row in zip(persons, rows, strict=True)
    ]
    Case.objects.bulk_create(cases, batch_size=500)
    # A case reaches "identified" only with a decision row: the file's people were
    # identified by the reporting organisations, on dates the file does not give.
    IdentificationDecision.objects.bulk_create(
        (
            IdentificationDecision(
                case=case,
                agency=agency,
                authority=IdentificationDecision.Authority.REFERENCE_DATA,
                decided_on=None,
                outcome=IdentificationDecision.Outcome.IDENTIFIED,
                recorded_by=actor,
            )
            for case in cases
        ),
        batch_size=1000,
    )
    CaseExploitation.objects.bulk_create(
        (
            CaseExploitation(case=case, type=exploitation_type)
            for case, row in zip(cases, rows, strict=True)
            for exploitation_type in row.exploitation_types
        ),
        batch_size=1000,
    )
    ImportedRecord.objects.bulk_create(
        (
            ImportedRecord(
                source=source,
                row_number=row.row_number,
                case=case,
                year_band=row.year_band,
                majority_status=row.majority_status,
                origin_region=row.origin_region,
                exploitation_region=row.exploitation_region,
                perpetrator=row.perpetrator,
            )
            for case, row in zip(cases, rows, strict=True)
        ),
        batch_size=1000,
    )


Method = Literal["auto", "orm", "copy"]


def import_ctdc(
    path: Path,
    *,
    actor: User,
    progress: Callable[[int], object] | None = None,
    method: Method = "auto",
) -> ImportResult:
    """Import the condensed CTDC file at `path` into the reference agency.

    `actor` is recorded as the creator of every row (the command's --as user). The ORM
    path makes each batch one transaction, so an interrupted import leaves whole rows
    only and a re-run completes it; the COPY path (PostgreSQL, `method="auto"`) writes
    the whole file in one transaction. One audit row records the import itself.
    """
    if method == "auto":
        method = "copy" if connection.vendor == "postgresql" else "orm"
    source = source_name(path)
    result = ImportResult(source=source)
    agency = reference_agency()
    done = set(ImportedRecord.objects.filter(source=source).values_list("row_number", flat=True))
    # References are unique per agency: a short digest of the source keeps two files apart.
    reference_prefix = f"{AGENCY_CODE}-{hashlib.sha256(source.encode()).hexdigest()[:6].upper()}-"
    if method == "copy":
        with transaction.atomic():
            readable = [0]

            def new_rows() -> Iterator[ParsedRow]:
                for _line, row in _read_rows(path, result.errors):
                    readable[0] += 1
                    if row.row_number not in done:
                        yield row

            # A file imported for the first time is read while PostgreSQL copies its
            # first rows (the parse and the server's work on two cores, not one after
            # the other), with ids and codes for at most one row a line; a file seen
            # before is read first, for the count of its rows still to import.
            rows: Iterable[ParsedRow] = new_rows()
            most = _lines(path)
            if done:
                rows = list(rows)
                most = len(rows)
            if most:
                result.created, foreign_keys = _copy_rows(
                    rows,
                    most=most,
                    agency=agency,
                    source=source,
                    actor=actor,
                    reference_prefix=reference_prefix,
                )
                if result.created:
                    result.foreign_keys = foreign_keys
            result.rows = readable[0]
            result.already_imported = readable[0] - result.created
            if progress:
                progress(readable[0])
            _finish(result, actor)
        return result
    for batch in _batches(_read_rows(path, result.errors), BATCH_SIZE):
        result.rows += len(batch)
        new = [row for _line, row in batch if row.row_number not in done]
        result.already_imported += len(batch) - len(new)
        if new:
            _create_batch(
                new, agency=agency, source=source, actor=actor, reference_prefix=reference_prefix
            )
            result.created += len(new)
        if progress:
            progress(len(batch))
    _finish(result, actor)
    return result


def _finish(result: ImportResult, actor: User) -> None:
    result.rows += len(result.errors)
    if result.created:
        record_event(
            actor=actor,
            action=AuditEvent.Action.CREATE,
            object_type="reports.importedrecord",
            object_id=result.source,
            channel=AuditEvent.Channel.COMMAND,
        )


# --- the COPY path (PostgreSQL) -------------------------------------------------------------


class _CopyTable:
    """COPY rows into a model's table: the varying columns per row, every other column
    prepared once from `template` exactly as the ORM would save it.

    Rows are written as COPY text (tab-separated, escaped once for the constant part)
    in large chunks: psycopg's per-row `write_row` costs more than the server's work.
    """

    def __init__(self, template: models.Model, varying: Sequence[str]) -> None:
        self.model = type(template)
        meta = self.model._meta
        by_name = {f.attname: f for f in meta.concrete_fields}
        constant = [
            f for f in meta.concrete_fields if f.attname not in varying and not f.primary_key
        ]
        self.table = connection.ops.quote_name(meta.db_table)
        self.columns = [by_name[name].column for name in varying] + [f.column for f in constant]
        # The value of every column not in `varying`, the same in each row, by attname.
        self.constants = {
            f.attname: f.get_db_prep_save(f.pre_save(template, True), connection) for f in constant
        }
        values = [_copy_text(_copy_value(self.constants[f.attname])) for f in constant]
        self.suffix = "".join("\t" + value for value in values) + "\n"

    def copy(self, cursor: Any, lines: Iterable[str]) -> None:
        """Write rows given as the COPY text of their varying columns, in order."""
        quoted = ", ".join(connection.ops.quote_name(c) for c in self.columns)
        suffix, chunk = self.suffix, []
        with cursor.copy(f"COPY {self.table} ({quoted}) FROM STDIN") as copy:
            for line in lines:
                chunk.append(line + suffix)
                if len(chunk) >= 5000:
                    copy.write("".join(chunk))
                    chunk = []
            if chunk:
                copy.write("".join(chunk))


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: Any) -> str:
    """One value in COPY's text format."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return str(value).translate(_ESCAPES)


def _copy_value(value: Any) -> Any:
    """A prepared value COPY can write (JSON adapters become their JSON text)."""
    wrapped = getattr(value, "obj", None)
    if wrapped is not None or type(value).__name__ == "Jsonb":
        return json.dumps(wrapped)
    return value


def _bulk_load(cursor: Any) -> bool:
    """Turn PostgreSQL's row-by-row foreign key triggers off for this transaction, if the
    role may (superuser, or granted SET on session_replication_role); False if not."""
    try:
        with transaction.atomic():  # a savepoint: a refusal leaves the import usable
            cursor.execute("SET LOCAL session_replication_role = replica")
    except DatabaseError:
        return False
    return True


def _check_foreign_keys(cursor: Any, table: _CopyTable, column: str, ids: list[int]) -> None:
    """Every foreign key of the rows just copied into `table` (those whose `column` is
    among `ids`) refers to a row; IntegrityError otherwise.

    A key `table` copies as one value into every row (the importer, the agency) is
    checked once, its row locked against deletion until commit as PostgreSQL's own check
    locks it; an empty one needs no check. A key that varies from row to row (a case's
    person) gets one anti-join over the range of the ids (a few other rows in that range
    are checked too, harmlessly): each table's rows are read once per varying key, never
    once per key."""
    qn = connection.ops.quote_name
    meta = table.model._meta
    for key in meta.concrete_fields:
        if not isinstance(key, models.ForeignKey) or not getattr(key, "db_constraint", True):
            continue
        target = key.target_field
        target_table = qn(target.model._meta.db_table)
        if key.attname in table.constants:
            value = table.constants[key.attname]
            if value is None:
                continue
            cursor.execute(
                f"SELECT 1 FROM {target_table} WHERE {qn(target.column)} = %s FOR KEY SHARE",  # noqa: S608 (names from _meta)
                [value],
            )
            missing = cursor.fetchone() is None
        else:
            own = qn(key.column)
            cursor.execute(
                f"SELECT 1 FROM {qn(meta.db_table)} AS t WHERE t.{qn(column)} BETWEEN %s AND %s "  # noqa: S608 (names from _meta)
                f"AND t.{own} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {target_table} AS r "
                f"WHERE r.{qn(target.column)} = t.{own}) LIMIT 1",
                [min(ids), max(ids)],
            )
            missing = cursor.fetchone() is not None
        if missing:
            raise IntegrityError(f"{meta.label}.{key.name}: a copied row refers to no row.")


def _lines(path: Path) -> int:
    """How many lines the file has: no more rows than that (a quoted cell may span two)."""
    with path.open("rb") as handle:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b"")) + 1


def _copy_rows(
    rows: Iterable[ParsedRow],
    *,
    most: int,
    agency: Agency,
    source: str,
    actor: User,
    reference_prefix: str,
) -> tuple[int, str]:
    """The ORM path's rows (see _create_batch), written with COPY in five statements:
    how many, and how their foreign keys were checked ("bulk" or "triggers", see the
    module). `rows` are read while their people are copied, at most `most` of them: ids
    and codes are drawn for that many (the ones a shorter file leaves are never used,
    as a sequence's numbers may go unused)."""
    qn = connection.ops.quote_name
    person_table, case_table = Person._meta.db_table, Case._meta.db_table
    with connection.cursor() as cursor:
        # The trigram (GIN) indexes on codes and references take the new entries into
        # their pending list, merged by the next (auto)vacuum, instead of merging every
        # 4 MB of it during the import (PostgreSQL's bulk-load advice for GIN).
        cursor.execute("SET LOCAL gin_pending_list_limit = '64MB'")
        bulk = _bulk_load(cursor)
        # One round trip for every new id of both tables; each sequence is named once
        # (pg_get_serial_sequence per row doubled the call's cost).
        cursor.execute(
            "SELECT pg_get_serial_sequence(%s, 'id'), pg_get_serial_sequence(%s, 'id')",
            [qn(person_table), qn(case_table)],
        )
        sequences = list(cursor.fetchone())
        cursor.execute(
            "SELECT nextval(%s::regclass), nextval(%s::regclass) FROM generate_series(1, %s)",
            [*sequences, most],
        )
        ids = cursor.fetchall()
        codes = generate_person_codes(agency.code, most)
        people = _CopyTable(
            Person(agency=agency, code="", created_by=actor, updated_by=actor),
            ["id", "code", "sex"],
        )
        copied: list[ParsedRow] = []

        def people_lines() -> Iterator[str]:
            for i, row in enumerate(rows):
                if i == most:
                    raise RowError("the file grew while it was read")
                copied.append(row)
                # Codes, references, ids and choice values need no escaping; file values do.
                yield f"{ids[i][0]}\t{codes[i]}\t{row.sex}"

        people.copy(cursor, people_lines())
        rows, count = copied, len(copied)
        if not count:
            if bulk:
                cursor.execute("SET LOCAL session_replication_role = DEFAULT")
            return 0, ""
        ids = ids[:count]
        cases = _CopyTable(
            Case(
                agency=agency,
                intake_date=None,  # the file has banded years only: kept on ImportedRecord
                identification_status=IdentificationStatus.IDENTIFIED,
                created_by=actor,
                updated_by=actor,
            ),
            ["id", "person_id", "reference"],
        )
        cases.copy(
            cursor,
            (
                f"{ids[i][1]}\t{ids[i][0]}\t{reference_prefix}{row.row_number:06d}"
                for i, row in enumerate(rows)
            ),
        )
        decisions = _CopyTable(
            IdentificationDecision(
                agency=agency,
                authority=IdentificationDecision.Authority.REFERENCE_DATA,
                decided_on=None,
                outcome=IdentificationDecision.Outcome.IDENTIFIED,
                recorded_by=actor,
            ),
            ["case_id"],
        )
        decisions.copy(cursor, (str(ids[i][1]) for i in range(count)))
        kinds = _CopyTable(CaseExploitation(), ["case_id", "type"])
        kinds.copy(
            cursor,
            (
                f"{ids[i][1]}\t{exploitation_type}"
                for i, row in enumerate(rows)
                for exploitation_type in row.exploitation_types
            ),
        )
        records = _CopyTable(
            ImportedRecord(source=source),
            [
                "row_number",
                "case_id",
                "year_band",
                "majority_status",
                "origin_region",
                "exploitation_region",
                "perpetrator",
            ],
        )
        # Equal rows share their parsed values (_read_rows): escape those once per kind.
        texts: dict[int, str] = {}

        def text(row: ParsedRow) -> str:
            found = texts.get(id(row.perpetrator))
            if found is None:
                values = (
                    row.year_band,
                    row.majority_status,
                    row.origin_region,
                    row.exploitation_region,
                    json.dumps(row.perpetrator),
                )
                found = texts[id(row.perpetrator)] = "\t".join(map(_copy_text, values))
            return found

        records.copy(
            cursor,
            (f"{row.row_number}\t{ids[i][1]}\t{text(row)}" for i, row in enumerate(rows)),
        )
        if not bulk:
            return count, "triggers"
        cursor.execute("SET LOCAL session_replication_role = DEFAULT")
        person_ids = [pair[0] for pair in ids]
        case_ids = [pair[1] for pair in ids]
        _check_foreign_keys(cursor, people, "id", person_ids)
        _check_foreign_keys(cursor, cases, "id", case_ids)
        for table in (decisions, kinds, records):
            _check_foreign_keys(cursor, table, "case_id", case_ids)
        return count, "bulk"
