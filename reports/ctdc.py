"""Import of CTDC's Global Victim-Perpetrator Synthetic Dataset (condensed) as reference data.

One person and one case per CSV row, in a reference agency of their own, each tagged
with an `ImportedRecord(source, row_number)`: a second import of the same file finds
every row already there and creates nothing. Unknown values stay unknown: an empty
cell never becomes "no", a banded year never becomes a date, a region never becomes
a country. Rows that cannot be read are reported with their line number and reason;
the others are imported.
"""

from __future__ import annotations

import csv
import hashlib
import re
import secrets
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from django.db import transaction

from accounts.models import User
from audit.models import AuditEvent
from audit.services import record_event
from cases.models import Case, CaseExploitation, ExploitationType, IdentificationStatus
from partners.models import Agency, AgencyType
from reports.models import ImportedRecord
from victims.models import IdentificationDecision, Person, Sex

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

_BASE32 = "ABCDEFGHJKMNPQRSTVWXYZ23456789"  # the alphabet victims.services codes use


class RowError(ValueError):
    """A row that cannot be read; the message says why (never a cell's value)."""


@dataclass(frozen=True)
class ParsedRow:
    row_number: int
    sex: str
    majority_status: str
    year_band: str
    origin_region: str
    exploitation_region: str
    exploitation_types: tuple[str, ...]
    perpetrator: dict[str, str]


@dataclass
class ImportResult:
    source: str
    rows: int = 0
    created: int = 0
    already_imported: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


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
    """(line number, parsed row) for every readable row; unreadable ones go to `errors`."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle, restkey="__extra__")
        missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise RowError("the header lacks the columns " + ", ".join(missing))
        row_number = 0
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except (csv.Error, UnicodeDecodeError) as exc:
                row_number += 1
                errors.append((reader.line_num, f"not valid CSV ({type(exc).__name__})"))
                continue
            row_number += 1
            # Surplus cells sit under `restkey` as a list (typeshed types every value str).
            extra = cast("list[str] | None", row.pop("__extra__", None))
            try:
                yield reader.line_num, parse_row(row, row_number=row_number, extra=extra)
            except RowError as exc:
                errors.append((reader.line_num, str(exc)))


def _batches(items: Iterable, size: int) -> Iterator[list]:
    batch: list = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _fresh_codes(count: int, prefix: str) -> list[str]:
    """`count` unused person codes in the format of victims.services.generate_person_code,
    checked against the table in one query per batch instead of one per code."""
    codes: set[str] = set()
    while len(codes) < count:
        wanted = count - len(codes)
        candidates = {
            prefix + "".join(secrets.choice(_BASE32) for _ in range(8)) for _ in range(wanted)
        }
        taken = set(Person.objects.filter(code__in=candidates).values_list("code", flat=True))
        codes |= candidates - taken
    return list(codes)[:count]


@transaction.atomic
def _create_batch(
    rows: list[ParsedRow], *, agency: Agency, source: str, actor: User, reference_prefix: str
) -> None:
    persons = [
        Person(agency=agency, code=code, created_by=actor, updated_by=actor, sex=row.sex)
        for code, row in zip(_fresh_codes(len(rows), f"P-{agency.code}-"), rows, strict=True)
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
                person=person,
                year_band=row.year_band,
                majority_status=row.majority_status,
                origin_region=row.origin_region,
                exploitation_region=row.exploitation_region,
                perpetrator=row.perpetrator,
            )
            for case, person, row in zip(cases, persons, rows, strict=True)
        ),
        batch_size=1000,
    )


def import_ctdc(
    path: Path, *, actor: User, progress: Callable[[int], object] | None = None
) -> ImportResult:
    """Import the condensed CTDC file at `path` into the reference agency.

    `actor` is recorded as the creator of every row (the command's --as user). Each
    batch is one transaction, so an interrupted import leaves whole rows only and a
    re-run completes it. One audit row records the import itself.
    """
    source = source_name(path)
    result = ImportResult(source=source)
    agency = reference_agency()
    done = set(ImportedRecord.objects.filter(source=source).values_list("row_number", flat=True))
    # References are unique per agency: a short digest of the source keeps two files apart.
    reference_prefix = f"{AGENCY_CODE}-{hashlib.sha256(source.encode()).hexdigest()[:6].upper()}-"
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
    result.rows += len(result.errors)
    if result.created:
        record_event(
            actor=actor,
            action=AuditEvent.Action.CREATE,
            object_type="reports.importedrecord",
            object_id=source,
            channel=AuditEvent.Channel.COMMAND,
        )
    return result
