"""A national-scale caseload for the benchmarks (`manage.py seed_scale`), written with COPY.

PostgreSQL only. Every table is written with `COPY … FROM STDIN` through psycopg 3; ids
are reserved from each table's sequence with one call per table; the column list of
each table is read from the model's `_meta`, so a column another migration adds later
(with a default) gets that default without a change here. Everything runs in one
transaction: a failed run leaves nothing behind.

Shortcuts, each chosen for speed and named so nobody mistakes them for real data:
- encrypted columns hold real ciphertext from `crypto.encrypt`, but from small pools of
  values encrypted once (many rows share one ciphertext);
- people's names come from a pool of a few thousand generated names; their blind-index
  rows (victims.selectors.lookup_digests) are computed once per name and copied to every
  person with that name, so search and the duplicate check find them;
- attachments are one per ATTACHMENTS_PER_CASES cases, each its own encrypted file
  in the private storage, but with the bytes (and data key) of one of a few documents
  encrypted once; erasure requests one per ERASURES_PER_CASES cases (`_privacy`);
- no person history rows; everything else a caseload has is written: screening
  answers (`_screening_answers`), legal proceedings with their hearings, protective
  measures and preparation tasks, defendants, charges, criminal exposures and mutual
  legal assistance requests (`_prosecution`, `_hearings`, `_mla_requests`), agreements,
  focal points and prevention activities (`_partnership`);
- each agency keeps its former caseworkers' deactivated accounts (FORMER_STAFF_MIN);
- the audit rows are ten per case, sealed in one hash chain per agency with the
  project's own `chain_hash`, so `manage.py verify_audit` passes;
- foreign keys are not re-checked row by row while copying (session_replication_role =
  replica, when the database role may set it): the rows are consistent by construction.
"""

from __future__ import annotations

import datetime
import hashlib
import itertools
import json
import math
import random
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any, ClassVar

from django.contrib.auth.hashers import make_password
from django.core.files.storage import default_storage
from django.db import connection, models
from django.utils import timezone
from tqdm import tqdm

from accounts.models import User
from audit import partitions
from audit.models import GENESIS_HASH, AuditChainHead, AuditEvent, chain_hash
from cases.models import (
    TRACK_GRAPHS,
    ArchiveEntry,
    Attachment,
    Case,
    CaseExploitation,
    CaseNote,
    CaseSequence,
    CaseStatus,
    Charge,
    ChargeOutcome,
    CourtInstance,
    CriminalExposure,
    CriminalitySubtype,
    CriminalMatterStage,
    Defendant,
    ExploitationType,
    Hearing,
    IdentificationStatus,
    LabourIndustry,
    LegalProceeding,
    ProceedingCase,
    ProceedingExploitation,
    ProceedingStage,
    ProsecutionRole,
    ProsecutionStatus,
    ProtectionStatus,
    ProtectiveMeasure,
    RecruitmentMethod,
    RiskLevel,
    ServiceItem,
    Source,
    Statute,
    Task,
    TaskTransition,
    Track,
    TrackTransition,
    copy_permit_expiry,
)
from cases.services import HEARING_PREPARATION_DAYS
from cooperation.models import (
    MLA_GRAPH,
    MLA_OPEN,
    MLAAsk,
    MLAChannel,
    MLADirection,
    MLARequest,
    MLAStatus,
    MLATransition,
    Referral,
    ReferralSection,
    ReferralStatus,
    ReferralTransition,
)
from crypto import encrypt
from crypto.files import encrypt_blob
from notifications.models import Kind as NotificationKind
from notifications.models import Notification, Threshold
from partners.models import (
    ActivityType,
    Agency,
    AgencyContact,
    AgencyType,
    Agreement,
    PreventionActivity,
    ServiceType,
)
from policy import Role
from privacy.models import ErasureRequest, ErasureStatus, ErasureTransition
from victims.models import (
    AgeBand,
    ConsentRecord,
    IdentificationDecision,
    IndicatorSet,
    Person,
    PersonLookup,
    Screening,
    ScreeningAnswer,
    Sex,
)
from victims.selectors import STRONG_WEIGHT, lookup_digests

# The big agency and the known logins the benchmarks use.
BIG_CODE = "NATBIG"
BENCH_PASSWORD = "bench-scale-password"  # noqa: S105 (a published benchmark password)
BENCH_LOGINS = {
    Role.CASEWORKER: "bench-caseworker@big.example",
    Role.SUPERVISOR: "bench-supervisor@big.example",
    Role.AGENCY_ADMIN: "bench-admin@big.example",
    Role.PLATFORM_ADMIN: "bench-platform@big.example",
    Role.COORDINATOR: "bench-coordinator@big.example",
}
# The national coordinating agency: staff, no caseload (its coordinator reads the
# national figures and no record).
COORDINATING_CODE = "NATCOORD"
BIG_SHARE = 0.7
CASES_PER_CASEWORKER = 700
CASEWORKERS_PER_SUPERVISOR = 10
FORMER_STAFF_MIN = 15
AUDIT_PER_CASE = 10
YEARS_OF_HISTORY = 10
# The share of cases with no type of exploitation recorded yet (intake before screening,
# types not established). In CTDC's synthetic file, 31 % of the rows have neither of its
# two flags; a tenth here. Every case having one made "Not recorded" match nothing, the
# slowest case of that filter, and no caseload looks like that.
NOT_RECORDED_SHARE = 0.1
# Partnership and prevention (`_partnership`): agreements per agency with a caseload,
# and one prevention activity per this many cases (20,000 at 1,000,000 cases).
AGREEMENTS_PER_AGENCY = 4
ACTIVITIES_PER_CASES = 50
# Documents uploaded to cases, and requests to erase a person (most awaiting a decision).
ATTACHMENTS_PER_CASES = 50
ERASURES_PER_CASES = 150
ERASURES_REFUSED_SHARE = 0.25
# Records archived ("Delete": entered twice, opened for the wrong person), each with its
# archive log entry: open cases only (a closed case refuses it), and a few people, whose
# cases leave every scope with them. The archive list is not empty, and every scope's
# archive rule has rows to leave out.
ARCHIVED_CASE_SHARE = 0.03  # of the open cases: about 0.4 % of all
ARCHIVED_PERSON_SHARE = 0.002
ARCHIVE_REASONS = ("Entered twice by mistake", "Opened for the wrong person")

_FIRST = (  # noqa: SIM905
    "Anh Binh Chau Dung Giang Hoa Khanh Lan Minh Nga Phuong Quang Thanh Trang Tuan Van "
    "Aung Htet Kyaw Mya Nilar Thida Zaw Arun Somchai Siriporn Malee Niran Dara Sokha "
    "Vanna Rith Maria Jose Ana Juan Rosa Carlos Ahmed Fatima Omar Amina Yusuf Aisha Wei "
    "Mei Jun Ling Hui Yan Ping Chen Agus Dewi Siti Budi Rina Joko Putri Eka"
).split()
_LAST = (  # noqa: SIM905
    "Nguyen Tran Le Pham Hoang Phan Vu Dang Bui Do Ho Ngo Duong Ly Win Oo Aung Soe "
    "Thein Maung Saelim Wongsa Chai Srisuk Sok Chan Keo Santos Reyes Cruz Garcia Lopez "
    "Hassan Ali Ibrahim Mohamed Abdullah Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou "
    "Santoso Wijaya Hartono Susanto Gunawan Lim Tan"
).split()


def pool_names() -> list[str]:
    """The few thousand fictional names people are given (the benchmark searches one)."""
    rng = random.Random(7)  # noqa: S311 (fictional data, not secrets)
    names: set[str] = set()
    while len(names) < 4000:
        names.add(f"{rng.choice(_FIRST)} {rng.choice(_FIRST)} {rng.choice(_LAST)}")
    return sorted(names)


def _b32(number: int, width: int = 8) -> str:
    alphabet = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
    out = []
    for _ in range(width):
        number, rest = divmod(number, len(alphabet))
        out.append(alphabet[rest])
    return "".join(reversed(out))


# --- COPY writer ------------------------------------------------------------------------


def _column_default(model_field: models.Field, now: datetime.datetime) -> Any:
    """The value a column gets when the generator does not set it: the model's default."""
    if getattr(model_field, "auto_now", False) or getattr(model_field, "auto_now_add", False):
        return now
    value = model_field.get_default()
    if isinstance(model_field, models.JSONField):
        return json.dumps(value)
    if value is None:
        if not model_field.null:
            raise RuntimeError(
                f"{model_field.model._meta.label}.{model_field.name} has no default: "
                "seed_scale must set it (config/scale.py)."
            )
        return None
    return model_field.get_db_prep_save(value, connection)


class Table:
    """COPY rows of one model: the fields given in order, every other column its default."""

    def __init__(
        self, cursor: Any, model: type[models.Model], fields: Sequence[str], now: datetime.datetime
    ) -> None:
        meta = model._meta
        given = [f for f in map(meta.get_field, fields) if isinstance(f, models.Field)]
        if len(given) != len(fields):
            raise RuntimeError(f"{meta.label}: not all of {fields} are columns.")
        rest = [f for f in meta.concrete_fields if f not in given and not f.primary_key]
        self.model = model
        self.cursor = cursor
        self.columns = [f.column for f in given] + [f.column for f in rest]
        self.defaults = tuple(_column_default(f, now) for f in rest)
        self.rows = 0

    def reserve(self, count: int) -> int:
        """The first of `count` consecutive ids taken from the table's sequence in one call."""
        if count <= 0:
            return 0
        meta = self.model._meta
        self.cursor.execute(
            "SELECT setval(s, nextval(s) + %s - 1) - %s + 1 "
            "FROM pg_get_serial_sequence(%s, %s) AS s",
            [count, count, meta.db_table, meta.pk.column],
        )
        return int(self.cursor.fetchone()[0])

    def copy(self, rows: Iterable[tuple], *, rebuild_indexes: bool = False) -> int:
        """COPY the rows; with `rebuild_indexes`, the table's plain indexes (not those of
        constraints) are dropped first and built again after, exactly as defined."""
        table = self.model._meta.db_table
        columns = ", ".join(f'"{column}"' for column in self.columns)
        defaults = self.defaults
        indexes = self._plain_indexes(table) if rebuild_indexes else []
        for name, _definition in indexes:
            self.cursor.execute(f'DROP INDEX "{name}"')
        count = 0
        with self.cursor.copy(f'COPY "{table}" ({columns}) FROM STDIN') as copy:
            write = copy.write_row
            for row in rows:
                write(row + defaults)
                count += 1
        for _name, definition in indexes:
            self.cursor.execute(definition)
        self.rows += count
        return count

    def _plain_indexes(self, table: str) -> list[tuple[str, str]]:
        """Indexes that back no constraint, on an ordinary (not partitioned) table."""
        self.cursor.execute(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
            "WHERE t.oid = %s::regclass AND t.relkind IN ('r', 'p') AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
            [table],
        )
        # A partitioned table's index is built again on every partition (not ON ONLY).
        return [
            (name, definition.replace(" ON ONLY ", " ON ", 1))
            for name, definition in self.cursor.fetchall()
        ]


def court_time(day: datetime.datetime, hour: int) -> datetime.datetime:
    """That day at that hour in the local time zone (a court sits in office hours)."""
    return timezone.localtime(day).replace(hour=hour, minute=0, second=0, microsecond=0)


# --- the caseload plan ----------------------------------------------------------------


@dataclass
class AgencyPlan:
    id: int
    code: str
    cases: int
    caseworkers: list[int] = field(default_factory=list)
    supervisors: list[int] = field(default_factory=list)
    admins: list[int] = field(default_factory=list)


@dataclass
class Summary:
    cases: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    logins: dict[str, str] = field(default_factory=dict)


def agency_shares(total: int, agencies: int) -> list[int]:
    """Cases per agency: the first holds 70 %, the rest share 30 % in falling proportion."""
    if agencies == 1:
        return [total]
    big = round(total * BIG_SHARE) if agencies > 1 else total
    weights = [1 / (k + 1) for k in range(agencies - 1)]
    rest = total - big
    shares = [int(rest * w / sum(weights)) for w in weights]
    shares[0] += rest - sum(shares)
    return [big, *shares]


class ScaleSeeder:
    """Generates the caseload table by table; `run()` writes everything."""

    def __init__(
        self,
        *,
        cases: int,
        agencies: int = 20,
        seed: int = 1,
        lookups: float = 1.0,
        progress: bool = True,
        write: Callable[[str], None] = print,
    ) -> None:
        self.total = cases
        self.agency_count = agencies
        self.rng = random.Random(seed)  # noqa: S311 (fictional data, not secrets)
        self.lookup_share = lookups
        self.progress = progress
        self.write = write
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.summary = Summary(cases=cases)
        self.pools: dict[str, list[str]] = {}

    # -- helpers

    def _bar(self, iterable: Iterable, total: int, label: str) -> Iterable:
        if not self.progress:
            return iterable
        return tqdm(iterable, total=total, desc=f"{label:<22}", unit="row", mininterval=1.0)

    def _pool(self, name: str, values: Sequence[str]) -> list[str]:
        """Ciphertexts of a few values, encrypted once with the field keys."""
        if name not in self.pools:
            self.pools[name] = [encrypt(value) for value in values]
        return self.pools[name]

    def _step(self, label: str, model: type[models.Model], fields: Sequence[str]) -> Table:
        self._label = label
        self._started = time.monotonic()
        return Table(self.cursor, model, fields, self.now)

    def _done(self, table: Table) -> None:
        elapsed = time.monotonic() - self._started
        self.summary.rows[self._label] = table.rows
        self.summary.seconds[self._label] = elapsed
        rate = table.rows / elapsed if elapsed else 0
        self.write(f"  {self._label:<22} {table.rows:>11,} rows {elapsed:8.1f} s {rate:>10,.0f}/s")

    def _transitions(
        self, label: str, model: type[models.Model], record: str, rows: Iterable[tuple], count: int
    ) -> None:
        """A status history: (record id, from, to, actor, when) rows of a TransitionRecord."""
        table = self._step(
            label, model, [record, "from_status", "to_status", "actor", "occurred_at"]
        )
        table.copy(self._bar(rows, count, label))
        self._done(table)

    # -- entry point

    def run(self) -> Summary:
        with connection.cursor() as django_cursor:
            self.cursor = django_cursor.cursor  # the psycopg cursor: COPY
            self._fast_copy()
            self._agencies_and_staff()
            self._people()
            self._cases()
            self._case_children()
            self._tasks()
            self._notes()
            self._services()
            self._consents_screenings_decisions()
            self._referrals()
            self._prosecution()
            self._notifications()
            self._partnership()
            self._privacy()
            self._audit()
            self.cursor.execute("SET LOCAL session_replication_role = DEFAULT")
        return self.summary

    def _fast_copy(self) -> None:
        self.cursor.execute(
            "SELECT rolsuper FROM pg_roles WHERE rolname = current_user",
        )
        row = self.cursor.fetchone()
        if row and row[0]:
            # Skips the row-by-row foreign key triggers while copying (rows are consistent).
            self.cursor.execute("SET LOCAL session_replication_role = replica")
            self.write("  (foreign keys not re-checked row by row: superuser, replica mode)")
        self.cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")

    # -- agencies and staff

    def _agencies_and_staff(self) -> None:
        rng = self.rng
        shares = agency_shares(self.total, self.agency_count)
        table = self._step(
            "agencies", Agency, ["id", "name", "code", "agency_type", "country", "is_coordinating"]
        )
        first = table.reserve(len(shares) + 1)
        types = [t for t in AgencyType.values if t not in (AgencyType.TECH_PLATFORM,)]
        self.agencies: list[AgencyPlan] = []
        rows: list[tuple] = []
        for index, count in enumerate(shares):
            code = BIG_CODE if index == 0 else f"SCALE{index:02d}"
            name = (
                "National Anti-Trafficking Service (scale)"
                if index == 0
                else f"Scale partner agency {index:02d}"
            )
            agency_type = AgencyType.SOCIAL_WELFARE if index == 0 else types[index % len(types)]
            rows.append((first + index, name, code, agency_type, "TW", False))
            self.agencies.append(AgencyPlan(first + index, code, count))
        self.coordinating = first + len(shares)
        coordinating_name = "National coordination office (scale)"
        rows.append(
            (self.coordinating, coordinating_name, COORDINATING_CODE, AgencyType.OTHER, "TW", True)
        )
        table.copy(rows)
        self._done(table)

        table = self._step(
            "staff", User, ["id", "email", "full_name", "agency", "role", "password", "is_active"]
        )
        password = make_password(BENCH_PASSWORD)
        plans: list[tuple[AgencyPlan, Role, int]] = []
        former: dict[int, int] = {}
        for plan in self.agencies:
            caseworkers = max(2, math.ceil(plan.cases / CASES_PER_CASEWORKER))
            supervisors = max(1, math.ceil(caseworkers / CASEWORKERS_PER_SUPERVISOR))
            admins = 2 if caseworkers > 100 else 1
            plans += [(plan, Role.CASEWORKER, caseworkers)]
            plans += [(plan, Role.SUPERVISOR, supervisors), (plan, Role.AGENCY_ADMIN, admins)]
            # Caseworkers who have left: deactivated accounts, listed with the staff (a tenth
            # of those still working, at least FORMER_STAFF_MIN: every agency's staff list
            # fills its first page at any size).
            staff = caseworkers + supervisors + admins
            former[plan.id] = max(FORMER_STAFF_MIN, math.ceil(staff / 10))
        count = sum(n for _, _, n in plans) + sum(former.values()) + 2
        next_id = table.reserve(count)
        rows = []
        role_names = {
            Role.CASEWORKER: "Caseworker",
            Role.SUPERVISOR: "Supervisor",
            Role.AGENCY_ADMIN: "Agency admin",
        }
        for plan, role, number in plans:
            for k in range(number):
                if plan.code == BIG_CODE and k == 0:
                    email = BENCH_LOGINS[role]
                else:
                    email = f"{role.replace('_', '-')}{k + 1}.{plan.code.lower()}@scale.example"
                name = f"{role_names[role]} {k + 1} {plan.code} {rng.choice(_LAST)}"
                rows.append((next_id, email, name, plan.id, role, password, True))
                {
                    Role.CASEWORKER: plan.caseworkers,
                    Role.SUPERVISOR: plan.supervisors,
                    Role.AGENCY_ADMIN: plan.admins,
                }[role].append(next_id)
                next_id += 1
        for plan in self.agencies:
            for k in range(former[plan.id]):
                email = f"former-caseworker{k + 1}.{plan.code.lower()}@scale.example"
                name = f"Former caseworker {k + 1} {plan.code} {rng.choice(_LAST)}"
                rows.append((next_id, email, name, plan.id, Role.CASEWORKER, password, False))
                next_id += 1
        rows.append(
            (
                next_id,
                BENCH_LOGINS[Role.PLATFORM_ADMIN],
                "Platform admin (scale)",
                None,
                Role.PLATFORM_ADMIN,
                password,
                True,
            )
        )
        self.platform_admin = next_id
        rows.append(
            (
                next_id + 1,
                BENCH_LOGINS[Role.COORDINATOR],
                "National coordinator (scale)",
                self.coordinating,
                Role.COORDINATOR,
                password,
                True,
            )
        )
        table.copy(rows)
        for plan in self.agencies:
            self.cursor.execute(
                "UPDATE partners_agency SET default_supervisor_id = %s WHERE id = %s",
                [plan.supervisors[0], plan.id],
            )
        self._done(table)
        self.summary.logins = {str(role): email for role, email in BENCH_LOGINS.items()}

    # -- people and their blind-index rows

    def _people(self) -> None:
        """One person per case (same agency, created by the case's caseworker)."""
        rng = self.rng
        names = pool_names()
        name_cipher = self._pool("names", names)
        dobs = [datetime.date(1960 + k % 45, 1 + k % 12, 1 + k % 28) for k in range(60)]
        dob_cipher = self._pool("dobs", [d.isoformat() for d in dobs])
        languages = ["Vietnamese", "Burmese", "Thai", "Khmer", "Indonesian", "Tagalog", ""]
        nationalities = ["VN", "MM", "TH", "KH", "ID", "PH", "TW", "CN", "LA", "MY"]
        vulnerabilities = [
            json.dumps(v) for v in ([], ["debt"], ["no_documents"], ["language", "debt"])
        ]
        sexes = [Sex.FEMALE, Sex.FEMALE, Sex.MALE, Sex.MALE, Sex.MALE, Sex.UNKNOWN]
        table = self._step(
            "people",
            Person,
            [
                "id",
                "agency",
                "code",
                "legal_name",
                "date_of_birth",
                "sex",
                "age_years",
                "age_band",
                "nationality",
                "languages",
                "vulnerabilities",
                "created_by",
                "created_at",
                "updated_at",
                "archived_at",
                "archived_by",
                "archive_reason",
            ],
        )
        # Plan every case first: agency, caseworker(s), supervisor, dates and statuses.
        self._plan_cases()
        first = table.reserve(self.total)
        self.person_ids = range(first, first + self.total)
        self.person_name: list[int] = []
        self.person_dob: list[int] = []

        def rows() -> Iterator[tuple]:
            for i in range(self.total):
                plan = self.agencies[self.case_agency[i]]
                name_index = rng.randrange(len(names))
                dob_index = rng.randrange(len(dobs)) if rng.random() < 0.3 else -1
                self.person_name.append(name_index)
                self.person_dob.append(dob_index)
                age = rng.randint(14, 60)
                created = self.case_created[i]
                yield (
                    first + i,
                    plan.id,
                    f"P-{plan.code}-{_b32(first + i)}",
                    name_cipher[name_index],
                    dob_cipher[dob_index] if dob_index >= 0 else None,
                    rng.choice(sexes),
                    None if dob_index >= 0 else age,
                    AgeBand.for_age(age).value,
                    rng.choice(nationalities),
                    rng.choice(languages),
                    rng.choice(vulnerabilities),
                    self.case_caseworker[i],
                    created,
                    created,
                    *self._archive_fields(self.person_archived[i], i),
                )

        table.copy(self._bar(rows(), self.total, "people"))
        self._done(table)

        # Blind-index rows: computed once per name (and name + date of birth).
        table = self._step("person lookups", PersonLookup, ["person", "kind", "digest"])
        by_name = [lookup_digests(names=[name], date_of_birth=None, documents=[]) for name in names]
        dob_digest: dict[tuple[int, int], list[tuple[str, str]]] = {}
        indexed = int(self.total * self.lookup_share)

        def lookup_rows() -> Iterator[tuple]:
            for i in range(indexed):
                person = first + i
                name_index = self.person_name[i]
                for kind, digest in by_name[name_index]:
                    yield (person, kind, digest)
                dob_index = self.person_dob[i]
                if dob_index >= 0:
                    key = (name_index, dob_index)
                    if key not in dob_digest:
                        dob_digest[key] = [
                            pair
                            for pair in lookup_digests(
                                names=[names[name_index]],
                                date_of_birth=dobs[dob_index],
                                documents=[],
                            )
                            if pair[0] == PersonLookup.Kind.NAME_DOB
                        ]
                    for kind, digest in dob_digest[key]:
                        yield (person, kind, digest)

        per_person = sum(len(d) for d in by_name) / len(by_name)
        table.copy(
            self._bar(lookup_rows(), int(indexed * per_person), "person lookups"),
            rebuild_indexes=True,
        )
        self._done(table)

    # -- cases

    def _plan_cases(self) -> None:
        """Who owns and works each case, when it came in and where it stands."""
        rng = self.rng
        agency_of = list(
            itertools.chain.from_iterable([k] * plan.cases for k, plan in enumerate(self.agencies))
        )
        rng.shuffle(agency_of)
        days = 365 * YEARS_OF_HISTORY
        # Intake dates rise with the case id (as they would), with some noise.
        offsets = sorted(rng.randrange(days) for _ in range(self.total))
        self.case_agency = agency_of
        self.case_intake: list[datetime.date] = []
        self.case_created: list[datetime.datetime] = []
        self.case_caseworker: list[int] = []
        self.case_second: list[int | None] = []
        self.case_supervisor: list[int] = []
        self.case_open: list[bool] = []
        self.case_archived: list[datetime.datetime | None] = []
        self.person_archived: list[datetime.datetime | None] = []
        counters = [0] * len(self.agencies)
        for i in range(self.total):
            plan = self.agencies[agency_of[i]]
            age = days - offsets[i]
            intake = self.today - datetime.timedelta(days=age)
            self.case_intake.append(intake)
            self.case_created.append(
                datetime.datetime.combine(intake, datetime.time(9), tzinfo=datetime.UTC)
                + datetime.timedelta(minutes=rng.randrange(540))
            )
            k = counters[agency_of[i]]
            counters[agency_of[i]] += 1
            self.case_caseworker.append(plan.caseworkers[k % len(plan.caseworkers)])
            second = None
            if rng.random() < 0.1 and len(plan.caseworkers) > 1:
                second = plan.caseworkers[(k + 1) % len(plan.caseworkers)]
            self.case_second.append(second)
            self.case_supervisor.append(plan.supervisors[k % len(plan.supervisors)])
            open_chance = 0.7 if age < 365 else 0.2 if age < 3 * 365 else 0.03
            self.case_open.append(rng.random() < open_chance)
            created = self.case_created[i]
            archived = max(created, min(self.now, created + datetime.timedelta(days=7)))
            self.case_archived.append(
                archived if self.case_open[i] and rng.random() < ARCHIVED_CASE_SHARE else None
            )
            self.person_archived.append(archived if rng.random() < ARCHIVED_PERSON_SHARE else None)

    def _statuses(self, is_open: bool) -> tuple[str, str, str, str]:
        """(case, identification, protection, prosecution) statuses of one case."""
        rng = self.rng
        if not is_open:
            return (
                CaseStatus.CLOSED,
                rng.choice(
                    [IdentificationStatus.IDENTIFIED] * 3 + [IdentificationStatus.NOT_IDENTIFIED]
                ),
                rng.choice(
                    [ProtectionStatus.COMPLETED] * 4
                    + [ProtectionStatus.DECLINED, ProtectionStatus.TRANSFERRED]
                ),
                rng.choice(
                    [
                        ProsecutionStatus.NOT_REPORTED,
                        ProsecutionStatus.FINAL,
                        ProsecutionStatus.CLOSED_NO_CHARGES,
                        ProsecutionStatus.REPORTED,
                    ]
                ),
            )
        case_status = CaseStatus.CLOSURE_REQUESTED if rng.random() < 0.03 else CaseStatus.OPEN
        identification = rng.choice(IdentificationStatus.values)
        protection = rng.choice(
            [
                ProtectionStatus.NEEDS_ASSESSMENT,
                ProtectionStatus.IN_PROGRESS,
                ProtectionStatus.IN_PROGRESS,
            ]
        )
        prosecution = rng.choice(ProsecutionStatus.values[:5])
        return case_status, identification, protection, prosecution

    def _cases(self) -> None:
        rng = self.rng
        channels = self._pool("channels", ["Facebook", "Telegram", "LINE", "WhatsApp", "broker"])
        places = self._pool(
            "places",
            ["A guarded compound near the border", "A fishing vessel", "A factory dormitory"],
        )
        table = self._step(
            "cases",
            Case,
            [
                "id",
                "agency",
                "reference",
                "person",
                "intake_date",
                "source",
                "recruitment_method",
                "recruitment_channel",
                "place_description",
                "risk_level",
                "status",
                "identification_status",
                "protection_status",
                "prosecution_status",
                "supervisor",
                "created_by",
                "created_at",
                "updated_at",
                "archived_at",
                "archived_by",
                "archive_reason",
            ],
        )
        first = table.reserve(self.total)
        self.case_ids = range(first, first + self.total)
        self.case_status: list[tuple[str, str, str, str]] = []
        sequences: dict[tuple[int, int], int] = {}

        def rows() -> Iterator[tuple]:
            for i in range(self.total):
                plan = self.agencies[self.case_agency[i]]
                intake = self.case_intake[i]
                key = (plan.id, intake.year)
                sequences[key] = sequences.get(key, 0) + 1
                statuses = self._statuses(self.case_open[i])
                self.case_status.append(statuses)
                created = self.case_created[i]
                yield (
                    first + i,
                    plan.id,
                    f"{plan.code}-{intake.year}-{sequences[key]:05d}",
                    self.person_ids[i],
                    intake,
                    rng.choice(Source.values),
                    rng.choice(RecruitmentMethod.values),
                    rng.choice(channels),
                    rng.choice(places) if rng.random() < 0.5 else "",
                    rng.choice(RiskLevel.values),
                    *statuses,
                    self.case_supervisor[i],
                    self.case_caseworker[i],
                    created,
                    created,
                    *self._archive_fields(self.case_archived[i], i),
                )

        table.copy(self._bar(rows(), self.total, "cases"))
        self._done(table)
        self._archive_log()

        table = self._step("case sequences", CaseSequence, ["agency", "year", "last_number"])
        table.copy((agency, year, last) for (agency, year), last in sorted(sequences.items()))
        self._done(table)

    def _archive_fields(self, archived: datetime.datetime | None, i: int) -> tuple:
        """(archived_at, archived_by, archive_reason) of case or person `i`: archived by
        the case's supervisor, or not archived."""
        if archived is None:
            return (None, None, "")
        reasons = self._pool("archive reasons", ARCHIVE_REASONS)
        return (archived, self.case_supervisor[i], reasons[i % len(reasons)])

    def _archive_log(self) -> None:
        """The archive log entry of each archived case and person (archive_record's)."""
        table = self._step(
            "archive log",
            ArchiveEntry,
            ["object_type", "object_id", "action", "reason", "actor", "occurred_at"],
        )
        kinds = (
            (Case._meta.label_lower, self.case_ids, self.case_archived),
            (Person._meta.label_lower, self.person_ids, self.person_archived),
        )

        def rows() -> Iterator[tuple]:
            for label, ids, archived in kinds:
                for i, when in enumerate(archived):
                    if when is not None:
                        at, actor, reason = self._archive_fields(when, i)
                        yield (label, str(ids[i]), ArchiveEntry.Action.ARCHIVE, reason, actor, at)

        table.copy(rows())
        self._done(table)

    def _case_children(self) -> None:
        rng = self.rng
        through = Case.caseworkers.through
        table = self._step("case caseworkers", through, ["case", "user"])
        table.copy(
            self._bar(
                (
                    (self.case_ids[i], cw)
                    for i in range(self.total)
                    for cw in (self.case_caseworker[i], self.case_second[i])
                    if cw is not None
                ),
                self.total,
                "case caseworkers",
            )
        )
        self._done(table)

        table = self._step(
            "exploitation types", CaseExploitation, ["case", "type", "subtype", "industry"]
        )
        kinds = [ExploitationType.FORCED_CRIMINALITY] * 4 + [ExploitationType.FORCED_LABOUR] * 3
        kinds += [ExploitationType.SEXUAL] * 2 + [ExploitationType.DOMESTIC_SERVITUDE]

        def exploitation_rows() -> Iterator[tuple]:
            for i in range(self.total):
                if rng.random() < NOT_RECORDED_SHARE:
                    continue  # no type recorded yet (the lists' "Not recorded")
                chosen = {rng.choice(kinds)}
                if rng.random() < 0.2:
                    chosen.add(rng.choice(kinds))
                for kind in sorted(chosen):
                    subtype = (
                        rng.choice(CriminalitySubtype.values)
                        if kind == ExploitationType.FORCED_CRIMINALITY
                        else ""
                    )
                    industry = (
                        rng.choice(LabourIndustry.values)
                        if kind == ExploitationType.FORCED_LABOUR
                        else ""
                    )
                    yield (self.case_ids[i], kind, subtype, industry)

        expected = int(self.total * (1 - NOT_RECORDED_SHARE) * 1.15)
        table.copy(self._bar(exploitation_rows(), expected, "exploitation types"))
        self._done(table)

        # Track histories: the path through each graph from its first state to the current.
        paths: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for track, graph in TRACK_GRAPHS.items():
            start = graph.states()[0]
            for target in graph.states():
                paths[(track, target)] = _path(graph.edges, start, target)
        table = self._step(
            "track transitions",
            TrackTransition,
            ["case", "track", "from_status", "to_status", "actor", "occurred_at"],
        )
        tracks = [Track.CASE, Track.IDENTIFICATION, Track.PROTECTION, Track.PROSECUTION]

        def transition_rows() -> Iterator[tuple]:
            for i in range(self.total):
                when = self.case_created[i]
                actor = self.case_caseworker[i]
                for track, status in zip(tracks, self.case_status[i], strict=True):
                    for step, (src, dst) in enumerate(paths[(track, status)]):
                        mover = (
                            self.case_supervisor[i]
                            if track == Track.CASE and dst == CaseStatus.CLOSED
                            else actor
                        )
                        yield (
                            self.case_ids[i],
                            track,
                            src,
                            dst,
                            mover,
                            when + datetime.timedelta(days=3 * step + 1, hours=len(track)),
                        )

        table.copy(
            self._bar(transition_rows(), int(self.total * 8.4), "track transitions"),
            rebuild_indexes=True,
        )
        self._done(table)

    def _tasks(self) -> None:
        rng = self.rng
        titles = self._pool(
            "task titles",
            [
                "Call the shelter",
                "Book an interpreter",
                "Follow up with the police",
                "Check the permit application",
                "Prepare the interview",
                "Visit the person",
            ],
        )
        table = self._step(
            "tasks",
            Task,
            [
                "id",
                "case",
                "agency",
                "case_intake_date",
                "title",
                "due_date",
                "assignee",
                "status",
                "created_by",
                "created_at",
            ],
        )
        count = sum(2 if is_open else 1 for is_open in self.case_open)
        first = table.reserve(count)
        done: list[tuple[int, int, datetime.datetime]] = []
        self.overdue_tasks: list[tuple[int, int, int, datetime.date]] = []

        def rows() -> Iterator[tuple]:
            task = first
            for i in range(self.total):
                case, cw, created = self.case_ids[i], self.case_caseworker[i], self.case_created[i]
                # The case's agency and intake date, copied as Task.save() copies them.
                own = (case, self.agencies[self.case_agency[i]].id, self.case_intake[i])
                due = self.case_intake[i] + datetime.timedelta(days=14)
                yield (task, *own, rng.choice(titles), due, cw, Task.Status.DONE, cw, created)
                done.append((task, cw, created + datetime.timedelta(days=10)))
                task += 1
                if self.case_open[i]:
                    due = self.today + datetime.timedelta(days=rng.randint(-30, 45))
                    if due < self.today:
                        self.overdue_tasks.append((task, cw, case, due))
                    yield (task, *own, rng.choice(titles), due, cw, Task.Status.OPEN, cw, created)
                    task += 1

        table.copy(self._bar(rows(), count, "tasks"))
        self._done(table)
        self._transitions(
            "task transitions",
            TaskTransition,
            "task",
            ((t, Task.Status.OPEN, Task.Status.DONE, cw, when) for t, cw, when in done),
            len(done),
        )

    def _notes(self) -> None:
        """Case notes by the caseworker: one after intake, a second on an open case."""
        rng = self.rng
        texts = self._pool(
            "case notes",
            [
                "First interview held with an interpreter; the person is tired but safe.",
                "Called the employer's agent; no answer. Will try again with the police.",
                "The person asked about sending money home; explained the options.",
                "Medical check done; follow-up appointment in two weeks.",
                "Discussed the risks of returning; the person wants to stay for now.",
            ],
        )
        table = self._step("case notes", CaseNote, ["case", "text", "author", "created_at"])
        count = sum(2 if is_open else 1 for is_open in self.case_open)

        def rows() -> Iterator[tuple]:
            for i in range(self.total):
                case, cw, created = self.case_ids[i], self.case_caseworker[i], self.case_created[i]
                yield (case, rng.choice(texts), cw, created + datetime.timedelta(hours=2))
                if self.case_open[i]:
                    later = min(self.now, created + datetime.timedelta(days=12))
                    yield (case, rng.choice(texts), cw, later)

        table.copy(self._bar(rows(), count, "case notes"))
        self._done(table)

    def _services(self) -> None:
        rng = self.rng
        shelters = self._pool("shelters", ["Shelter A, room 3", "Shelter B", "Safe house C"])
        permit_numbers = self._pool("permits", [f"RP-{n:06d}" for n in range(50)])
        kinds = [
            ServiceType.SHELTER,
            ServiceType.MEDICAL,
            ServiceType.COUNSELLING,
            ServiceType.LEGAL_AID,
            ServiceType.INTERPRETATION,
            ServiceType.LIVING_ALLOWANCE,
        ]
        table = self._step(
            "protection services",
            ServiceItem,
            [
                "case",
                "agency",
                "service_type",
                "provider",
                "status",
                "start_date",
                "due_date",
                "shelter_location",
                "permit_number",
                "permit_issued_on",
                "permit_expires_on",
                "created_by",
                "created_at",
            ],
        )

        def rows() -> Iterator[tuple]:
            for i in range(self.total):
                case, cw, created = self.case_ids[i], self.case_caseworker[i], self.case_created[i]
                agency = provider = self.agencies[self.case_agency[i]].id
                is_open = self.case_open[i]
                status = (
                    rng.choice([ServiceItem.Status.PLANNED, ServiceItem.Status.IN_PROGRESS])
                    if is_open
                    else ServiceItem.Status.COMPLETED
                )
                intake = self.case_intake[i]
                for _ in range(1 if rng.random() < 0.5 else 2):
                    kind = rng.choice(kinds)
                    shelter = rng.choice(shelters) if kind == ServiceType.SHELTER else ""
                    yield (
                        case,
                        agency,
                        kind,
                        provider,
                        status,
                        intake,
                        intake + datetime.timedelta(days=30),
                        shelter,
                        "",
                        None,
                        None,
                        cw,
                        created,
                    )
                if rng.random() < 0.12:
                    # A residence permit: open cases' expire around today (some expired).
                    if is_open:
                        expires = self.today + datetime.timedelta(days=rng.randint(-60, 200))
                    else:
                        expires = intake + datetime.timedelta(days=365)
                    yield (
                        case,
                        agency,
                        ServiceType.RESIDENCE_PERMIT,
                        None,
                        ServiceItem.Status.COMPLETED
                        if not is_open
                        else ServiceItem.Status.IN_PROGRESS,
                        intake,
                        None,
                        "",
                        rng.choice(permit_numbers),
                        intake,
                        expires,
                        cw,
                        created,
                    )

        table.copy(self._bar(rows(), int(self.total * 1.62), "protection services"))
        # The cases' copy of their earliest permit expiry, as ServiceItem.save writes it.
        copy_permit_expiry(
            Case.objects.filter(pk__in=ServiceItem.objects.permits().values("case_id"))
        )
        self._done(table)

    def _consents_screenings_decisions(self) -> None:
        rng = self.rng
        table = self._step(
            "consent records",
            ConsentRecord,
            [
                "person",
                "purpose",
                "status",
                "given_on",
                "explained_in",
                "target_agency_type",
                "recorded_by",
                "recorded_at",
            ],
        )

        def consent_rows() -> Iterator[tuple]:
            for i in range(self.total):
                person, cw, created = (
                    self.person_ids[i],
                    self.case_caseworker[i],
                    self.case_created[i],
                )
                yield (
                    person,
                    ConsentRecord.Purpose.DATA_PROCESSING,
                    ConsentRecord.Status.GIVEN,
                    self.case_intake[i],
                    "Vietnamese",
                    "",
                    cw,
                    created,
                )
                if rng.random() < 0.3:
                    status = (
                        ConsentRecord.Status.GIVEN
                        if rng.random() < 0.8
                        else ConsentRecord.Status.REFUSED
                    )
                    yield (
                        person,
                        ConsentRecord.Purpose.SHARING,
                        status,
                        self.case_intake[i],
                        "Vietnamese",
                        AgencyType.SHELTER,
                        cw,
                        created,
                    )

        table.copy(self._bar(consent_rows(), int(self.total * 1.3), "consent records"))
        self._done(table)

        indicator_set = IndicatorSet.objects.filter(is_current=True).order_by("pk").first()
        screened = [
            i
            for i in range(self.total)
            if self.case_status[i][1] != IdentificationStatus.NOT_SCREENED
        ]
        if indicator_set is not None:
            table = self._step(
                "screenings",
                Screening,
                [
                    "id",
                    "case",
                    "indicator_set",
                    "status",
                    "decision",
                    "started_by",
                    "started_at",
                    "completed_at",
                ],
            )

            first_screening = table.reserve(len(screened))

            def screening_rows() -> Iterator[tuple]:
                for k, i in enumerate(screened):
                    done = self.case_status[i][1] != IdentificationStatus.SCREENING
                    created = self.case_created[i]
                    yield (
                        first_screening + k,
                        self.case_ids[i],
                        indicator_set.pk,
                        Screening.Status.COMPLETED if done else Screening.Status.IN_PROGRESS,
                        Screening.Decision.REFER if done else "",
                        self.case_caseworker[i],
                        created,
                        created + datetime.timedelta(days=2) if done else None,
                    )

            table.copy(self._bar(screening_rows(), len(screened), "screenings"))
            self._done(table)
            self._screening_answers(indicator_set, first_screening, screened)

        decided: dict[str, str] = {
            IdentificationStatus.IDENTIFIED: IdentificationDecision.Outcome.IDENTIFIED,
            IdentificationStatus.NOT_IDENTIFIED: IdentificationDecision.Outcome.NOT_IDENTIFIED,
            IdentificationStatus.REVIEW_REQUESTED: IdentificationDecision.Outcome.NOT_IDENTIFIED,
        }
        table = self._step(
            "identification decisions",
            IdentificationDecision,
            [
                "case",
                "agency",
                "authority",
                "decided_on",
                "outcome",
                "review_requested_on",
                "recorded_by",
                "recorded_at",
            ],
        )
        authorities = IdentificationDecision.Authority.values[:5]

        def decision_rows() -> Iterator[tuple]:
            for i in screened:
                status = self.case_status[i][1]
                if status not in decided:
                    continue
                on = self.case_intake[i] + datetime.timedelta(days=20)
                review = (
                    on + datetime.timedelta(days=10)
                    if status == IdentificationStatus.REVIEW_REQUESTED
                    else None
                )
                yield (
                    self.case_ids[i],
                    self.agencies[self.case_agency[i]].id,
                    rng.choice(authorities),
                    on,
                    decided[status],
                    review,
                    self.case_caseworker[i],
                    self.case_created[i],
                )

        table.copy(self._bar(decision_rows(), len(screened), "identification decisions"))
        self._done(table)

    def _screening_answers(
        self, indicator_set: IndicatorSet, first_screening: int, screened: list[int]
    ) -> None:
        """A completed screening (referred for identification) has every indicator
        answered, most strong ones yes, as `screening_suggestion` would advise referring;
        one still in progress has its first few answered."""
        rng = self.rng
        indicators = [
            (indicator.pk, indicator.weight >= STRONG_WEIGHT)
            for indicator in indicator_set.indicators.order_by("position", "pk")
        ]
        table = self._step(
            "screening answers", ScreeningAnswer, ["screening", "indicator", "answer"]
        )
        yes, no, unknown = (
            ScreeningAnswer.Answer.YES,
            ScreeningAnswer.Answer.NO,
            ScreeningAnswer.Answer.UNKNOWN,
        )

        def rows() -> Iterator[tuple]:
            for k, i in enumerate(screened):
                done = self.case_status[i][1] != IdentificationStatus.SCREENING
                answered = (
                    indicators if done else indicators[: rng.randint(0, len(indicators) // 2)]
                )
                for indicator, strong in answered:
                    draw = rng.random()
                    if strong:
                        answer = yes if draw < 0.7 else (no if draw < 0.9 else unknown)
                    else:
                        answer = yes if draw < 0.3 else (no if draw < 0.8 else unknown)
                    yield (first_screening + k, indicator, answer)

        table.copy(
            self._bar(rows(), int(len(screened) * len(indicators) * 0.95), "screening answers")
        )
        self._done(table)

    def _referrals(self) -> None:
        rng = self.rng
        messages = self._pool(
            "referral messages",
            ["Needs shelter and legal aid.", "Please assess for a work permit."],
        )
        chosen = [i for i in range(self.total) if rng.random() < 0.03]
        table = self._step(
            "referrals",
            Referral,
            [
                "id",
                "case",
                "from_agency",
                "to_agency",
                "purpose",
                "sections",
                "message",
                "status",
                "sent_at",
                "respond_by",
                "responded_at",
                "responded_by",
                "created_by",
                "updated_at",
            ],
        )
        first = table.reserve(len(chosen))
        statuses = [
            ReferralStatus.SENT,
            ReferralStatus.ACCEPTED,
            ReferralStatus.ACCEPTED,
            ReferralStatus.DECLINED,
            ReferralStatus.CLOSED,
        ]
        sections = json.dumps([ReferralSection.SUMMARY, ReferralSection.SERVICES])
        transitions: list[tuple] = []

        def rows() -> Iterator[tuple]:
            for k, i in enumerate(chosen):
                own = self.case_agency[i]
                other = (
                    self.agencies[
                        (own + 1 + rng.randrange(len(self.agencies) - 1)) % len(self.agencies)
                    ]
                    if len(self.agencies) > 1
                    else None
                )
                if other is None:
                    continue
                status = (
                    rng.choice(statuses)
                    if not self.case_open[i] or rng.random() < 0.6
                    else ReferralStatus.SENT
                )
                sent = self.case_created[i] + datetime.timedelta(days=5)
                responded = (
                    sent + datetime.timedelta(days=3) if status != ReferralStatus.SENT else None
                )
                responder = other.caseworkers[0] if responded else None
                cw = self.case_caseworker[i]
                if status != ReferralStatus.SENT:
                    path = (
                        [ReferralStatus.SENT, status]
                        if status != ReferralStatus.CLOSED
                        else [ReferralStatus.SENT, ReferralStatus.ACCEPTED, ReferralStatus.CLOSED]
                    )
                    for src, dst in itertools.pairwise(path):
                        transitions.append((first + k, src, dst, responder, responded))
                respond_by = (sent + datetime.timedelta(days=14)).date()
                yield (
                    first + k,
                    self.case_ids[i],
                    self.agencies[own].id,
                    other.id,
                    ServiceType.SHELTER,
                    sections,
                    rng.choice(messages),
                    status,
                    sent,
                    respond_by,
                    responded,
                    responder,
                    cw,
                    responded or sent,
                )

        table.copy(self._bar(rows(), len(chosen), "referrals"))
        self._done(table)
        self._transitions(
            "referral transitions", ReferralTransition, "referral", transitions, len(transitions)
        )

    # -- prosecution: proceedings against traffickers, and the person's own matters

    # The stage of the proceeding behind a case's prosecution status (none: not reported,
    # or reported without a proceeding yet).
    PROCEEDING_STAGE: ClassVar[dict[str, str]] = {
        ProsecutionStatus.INVESTIGATION: ProceedingStage.INVESTIGATION,
        ProsecutionStatus.INDICTED: ProceedingStage.INDICTED,
        ProsecutionStatus.TRIAL: ProceedingStage.TRIAL,
        ProsecutionStatus.JUDGMENT: ProceedingStage.JUDGED,
        ProsecutionStatus.APPEAL: ProceedingStage.TRIAL,
        ProsecutionStatus.FINAL: ProceedingStage.FINAL,
        ProsecutionStatus.CLOSED_NO_CHARGES: ProceedingStage.CLOSED_NO_INDICTMENT,
    }

    def _prosecution(self) -> None:
        """Half the cases under investigation or further have a proceeding of their agency,
        shared by one to three victims' cases (one prosecution, several complainants), with
        one or two defendants charged, and outcomes once judged; one case in fifty is the
        person's own criminal matter (forced criminality: non-punishment)."""
        rng = self.rng
        groups: list[tuple[int, str, list[int]]] = []  # (agency id, stage, case indexes)
        forming: dict[int, tuple[str, list[int], int]] = {}
        for i in range(self.total):
            stage = self.PROCEEDING_STAGE.get(self.case_status[i][3])
            if stage is None or rng.random() < 0.5:
                continue
            agency = self.agencies[self.case_agency[i]].id
            group = forming.get(agency)
            if group is not None and group[0] == stage and len(group[1]) < group[2]:
                group[1].append(i)
                continue
            if group is not None:
                groups.append((agency, group[0], group[1]))
            forming[agency] = (stage, [i], rng.choice((1, 1, 2, 3)))
        groups += [(agency, stage, cases) for agency, (stage, cases, _size) in forming.items()]
        groups.sort(key=lambda group: group[2][0])

        table = self._step(
            "proceedings",
            LegalProceeding,
            [
                "id",
                "agency",
                "stage",
                "exploitation_type",
                "police_case_number",
                "prosecutor_case_number",
                "court_case_number",
                "court",
                "verdict_date",
                "created_at",
            ],
        )
        first = table.reserve(len(groups))
        indicted = {
            ProceedingStage.INDICTED,
            ProceedingStage.TRIAL,
            ProceedingStage.JUDGED,
            ProceedingStage.FINAL,
        }
        tried = {ProceedingStage.TRIAL, ProceedingStage.JUDGED, ProceedingStage.FINAL}
        judged = {ProceedingStage.JUDGED, ProceedingStage.FINAL}
        courts = ["Taipei District Court", "Taoyuan District Court", "Kaohsiung District Court"]

        def proceeding_rows() -> Iterator[tuple]:
            for k, (agency, stage, cases) in enumerate(groups):
                created = self.case_created[cases[0]] + datetime.timedelta(days=20)
                year = created.year
                yield (
                    first + k,
                    agency,
                    stage,
                    rng.choice(ProceedingExploitation.values),
                    f"P{year}-{first + k:07d}",
                    f"{year}-Zhen-{first + k:07d}" if stage in indicted else "",
                    f"{year}-Su-{first + k:07d}" if stage in tried else "",
                    rng.choice(courts) if stage in tried else "",
                    (created + datetime.timedelta(days=300)).date() if stage in judged else None,
                    created,
                )

        table.copy(self._bar(proceeding_rows(), len(groups), "proceedings"))
        self._done(table)

        table = self._step(
            "proceeding cases",
            ProceedingCase,
            ["proceeding", "case", "person_role", "linked_at", "linked_by"],
        )
        roles = [r for r in ProsecutionRole.values if r]
        links = [
            (first + k, stage, i, rng.choice(roles))
            for k, (_agency, stage, cases) in enumerate(groups)
            for i in cases
        ]
        table.copy(
            (
                proceeding,
                self.case_ids[i],
                role,
                self.case_created[i] + datetime.timedelta(days=20),
                self.case_caseworker[i],
            )
            for proceeding, _stage, i, role in links
        )
        self._done(table)
        self._hearings(links)

        names = self._pool(
            "defendants",
            [
                f"{last} (alias {first_name})"
                for first_name, last in zip(_FIRST[:20], _LAST[:20], strict=True)
            ],
        )
        defendants: list[tuple[int, str]] = []  # (proceeding id, stage) per defendant
        for k, (_agency, stage, _cases) in enumerate(groups):
            defendants += [(first + k, stage)] * rng.choice((1, 1, 2))
        table = self._step("defendants", Defendant, ["id", "proceeding", "name"])
        first_defendant = table.reserve(len(defendants))
        table.copy(
            (first_defendant + d, proceeding, rng.choice(names))
            for d, (proceeding, _stage) in enumerate(defendants)
        )
        self._done(table)

        statutes = [Statute.HTPA_32, Statute.HTPA_31, Statute.CC_296_1, Statute.CC_339_4]
        table = self._step("charges", Charge, ["id", "defendant", "statute"])
        first_charge = table.reserve(len(defendants))
        table.copy(
            (first_charge + d, first_defendant + d, rng.choice(statutes))
            for d in range(len(defendants))
        )
        self._done(table)

        table = self._step(
            "charge outcomes",
            ChargeOutcome,
            ["charge", "instance", "outcome", "sentence_months", "decided_on"],
        )
        outcomes = [ChargeOutcome.Outcome.CONVICTED] * 3 + [ChargeOutcome.Outcome.ACQUITTED]

        def outcome_rows() -> Iterator[tuple]:
            for d, (_proceeding, stage) in enumerate(defendants):
                if stage not in judged:
                    continue
                outcome = rng.choice(outcomes)
                months = rng.choice((8, 18, 30, 60, 84)) if outcome == "convicted" else None
                yield (
                    first_charge + d,
                    1,
                    outcome,
                    months,
                    self.today - datetime.timedelta(days=rng.randrange(30, 2000)),
                )

        table.copy(outcome_rows())
        self._done(table)

        self._mla_requests(first, groups)

        numbers = self._pool("criminal matter numbers", ["Police file", "Prosecutor's file"])
        stages = list(CriminalMatterStage.values)
        table = self._step(
            "criminal matters", CriminalExposure, ["case", "role", "case_numbers", "stage"]
        )
        table.copy(
            (
                self.case_ids[i],
                rng.choice(CriminalExposure.Role.values),
                rng.choice(numbers),
                rng.choice(stages),
            )
            for i in range(self.total)
            if rng.random() < 0.02
        )
        self._done(table)

    def _hearings(self, links: list[tuple[int, str, int, str]]) -> None:
        """Hearings of the proceedings at trial or beyond, for each linked case's person, as
        `cases.services.add_hearing` records them, each with its preparation task (due
        HEARING_PREPARATION_DAYS before) and one or two protective measures: up to three
        past ones, 45 days apart from four months after the case was opened (none that
        would fall after today), prepared (task done) and their measures decided; and for
        an open case whose proceeding is at trial, its next hearing ahead, its measures
        requested."""
        rng = self.rng
        tried = {ProceedingStage.TRIAL, ProceedingStage.JUDGED, ProceedingStage.FINAL}
        places = self._pool(
            "hearing places", ["District court, room 3", "District court, room 7", "High court"]
        )
        descriptions = self._pool(
            "hearing descriptions", ["Testimony of the victim", "Cross-examination", "Verdict"]
        )
        titles = self._pool("hearing tasks", ["Prepare the person for the hearing"])
        deciders = self._pool("measure deciders", ["Presiding judge", "Prosecutor"])
        kinds = ProtectiveMeasure.Kind.values
        # (proceeding, case index, role, starts_at, upcoming) per hearing
        hearings: list[tuple[int, int, str, datetime.datetime, bool]] = []
        for proceeding, stage, i, role in links:
            if stage not in tried:
                continue
            start = self.case_created[i] + datetime.timedelta(days=120)
            for n in range(rng.choice((1, 2, 2, 3))):
                when = court_time(start + datetime.timedelta(days=45 * n), rng.choice((9, 14)))
                if when < self.now:
                    hearings.append((proceeding, i, role, when, False))
            if stage == ProceedingStage.TRIAL and self.case_open[i]:
                ahead = court_time(self.now + datetime.timedelta(days=rng.randint(3, 60)), 10)
                hearings.append((proceeding, i, role, ahead, True))

        table = self._step(
            "hearing tasks",
            Task,
            [
                "id",
                "case",
                "agency",
                "case_intake_date",
                "title",
                "due_date",
                "assignee",
                "status",
                "auto_created",
                "kind",
                "created_by",
                "created_at",
            ],
        )
        first_task = table.reserve(len(hearings))

        def task_rows() -> Iterator[tuple]:
            for h, (_proceeding, i, _role, when, upcoming) in enumerate(hearings):
                cw = self.case_caseworker[i]
                created = min(when - datetime.timedelta(days=30), self.now)
                due = timezone.localtime(when).date() - datetime.timedelta(
                    days=HEARING_PREPARATION_DAYS
                )
                yield (
                    first_task + h,
                    self.case_ids[i],
                    self.agencies[self.case_agency[i]].id,
                    self.case_intake[i],
                    titles[0],
                    max(due, self.today) if upcoming else due,
                    cw,
                    Task.Status.OPEN if upcoming else Task.Status.DONE,
                    True,
                    Task.Kind.HEARING_PREPARATION,
                    cw,
                    created,
                )

        table.copy(self._bar(task_rows(), len(hearings), "hearing tasks"))
        self._done(table)
        self._transitions(
            "hearing task transitions",
            TaskTransition,
            "task",
            (
                (
                    first_task + h,
                    Task.Status.OPEN,
                    Task.Status.DONE,
                    self.case_caseworker[i],
                    when - datetime.timedelta(days=2),
                )
                for h, (_proceeding, i, _role, when, upcoming) in enumerate(hearings)
                if not upcoming
            ),
            sum(1 for hearing in hearings if not hearing[4]),
        )

        table = self._step(
            "hearings",
            Hearing,
            [
                "id",
                "proceeding",
                "case",
                "starts_at",
                "place",
                "instance",
                "person_role",
                "description",
                "preparation_task",
            ],
        )
        first_hearing = table.reserve(len(hearings))
        table.copy(
            self._bar(
                (
                    (
                        first_hearing + h,
                        proceeding,
                        self.case_ids[i],
                        when,
                        rng.choice(places),
                        CourtInstance.DISTRICT,
                        role,
                        rng.choice(descriptions),
                        first_task + h,
                    )
                    for h, (proceeding, i, role, when, _upcoming) in enumerate(hearings)
                ),
                len(hearings),
                "hearings",
            )
        )
        self._done(table)

        table = self._step(
            "protective measures",
            ProtectiveMeasure,
            ["hearing", "kind", "status", "decided_by", "decided_on"],
        )

        def measure_rows() -> Iterator[tuple]:
            decided = [ProtectiveMeasure.Status.GRANTED] * 3 + [ProtectiveMeasure.Status.REFUSED]
            for h, (_proceeding, _i, _role, when, upcoming) in enumerate(hearings):
                hearing = first_hearing + h
                for kind in rng.sample(kinds, rng.choice((1, 2))):
                    if upcoming:
                        yield (hearing, kind, ProtectiveMeasure.Status.REQUESTED, "", None)
                    else:
                        day = timezone.localtime(when).date() - datetime.timedelta(days=5)
                        yield (hearing, kind, rng.choice(decided), rng.choice(deciders), day)

        table.copy(measure_rows())
        self._done(table)

    MLA_SHARE = 0.125  # proceedings with a mutual legal assistance request

    def _mla_requests(
        self, first_proceeding: int, groups: list[tuple[int, str, list[int]]]
    ) -> None:
        """One proceeding in eight asks another country for evidence, a witness or an asset
        freeze (or answers such a request), for its first victim's case. Requests of the
        last four months still await a reply, a third of them past its due date; older
        ones were answered, refused or closed, each through its status graph."""
        rng = self.rng
        chosen = [k for k in range(len(groups)) if rng.random() < self.MLA_SHARE]
        details = self._pool(
            "mla details",
            ["Bank records of the recruiter's account.", "Statement of a witness abroad."],
        )
        countries = ["KH", "MM", "LA", "PH", "VN", "TH", "MY", "ID"]
        authorities = ["Ministry of Justice", "National Police", "Office of the Prosecutor"]
        asks = [json.dumps(a) for a in ([MLAAsk.EVIDENCE], [MLAAsk.WITNESS, MLAAsk.EVIDENCE])]
        asks.append(json.dumps([MLAAsk.ASSET_FREEZE]))
        closed = [MLAStatus.REPLIED, MLAStatus.REPLIED, MLAStatus.REFUSED, MLAStatus.CLOSED]
        table = self._step(
            "MLA requests",
            MLARequest,
            [
                "id",
                "agency",
                "direction",
                "requesting_country",
                "requesting_authority",
                "requested_country",
                "requested_authority",
                "channel",
                "requests",
                "description",
                "sent_on",
                "reply_due",
                "replied_on",
                "status",
                "case",
                "proceeding",
                "created_by",
                "created_at",
            ],
        )
        first = table.reserve(len(chosen))
        transitions: list[tuple] = []

        def rows() -> Iterator[tuple]:
            for n, k in enumerate(chosen):
                agency, _stage, cases = groups[k]
                i = cases[0]
                sent = (self.case_created[i] + datetime.timedelta(days=30)).date()
                sent = min(sent, self.today)
                due = sent + datetime.timedelta(days=90)
                recent = (self.today - sent).days < 120
                if recent:
                    status = rng.choice(MLA_OPEN)
                    if rng.random() < 1 / 3:
                        due = self.today - datetime.timedelta(days=rng.randrange(1, 30))
                else:
                    status = rng.choice(closed)
                replied = (
                    sent + datetime.timedelta(days=rng.randrange(20, 120))
                    if status in (MLAStatus.REPLIED, MLAStatus.CLOSED)
                    else None
                )
                outgoing = rng.random() < 0.7
                other = rng.choice(countries)
                cw = self.case_caseworker[i]
                moved = datetime.datetime.combine(
                    replied or sent, datetime.time(12), tzinfo=datetime.UTC
                )
                for src, dst in _path(MLA_GRAPH.edges, MLAStatus.SENT, status):
                    transitions.append((first + n, src, dst, cw, moved))
                yield (
                    first + n,
                    agency,
                    MLADirection.OUTGOING if outgoing else MLADirection.INCOMING,
                    "TW" if outgoing else other,
                    rng.choice(authorities),
                    other if outgoing else "TW",
                    rng.choice(authorities),
                    rng.choice(MLAChannel.values),
                    rng.choice(asks),
                    rng.choice(details),
                    sent,
                    due,
                    replied,
                    status,
                    self.case_ids[i],
                    first_proceeding + k,
                    cw,
                    datetime.datetime.combine(sent, datetime.time(9), tzinfo=datetime.UTC),
                )

        table.copy(self._bar(rows(), len(chosen), "MLA requests"))
        self._done(table)
        self._transitions(
            "MLA transitions", MLATransition, "mla_request", transitions, len(transitions)
        )

    def _notifications(self) -> None:
        rng = self.rng
        table = self._step(
            "notifications",
            Notification,
            [
                "recipient",
                "kind",
                "threshold",
                "record_id",
                "case",
                "due_on",
                "created_at",
                "read_at",
            ],
        )

        def rows() -> Iterator[tuple]:
            for task, cw, case, due in self.overdue_tasks:
                if rng.random() < 0.5:
                    created = datetime.datetime.combine(due, datetime.time(6), tzinfo=datetime.UTC)
                    read = created + datetime.timedelta(hours=3) if rng.random() < 0.6 else None
                    yield (
                        cw,
                        NotificationKind.TASK,
                        Threshold.OVERDUE,
                        task,
                        case,
                        due,
                        created,
                        read,
                    )

        table.copy(self._bar(rows(), len(self.overdue_tasks) // 2, "notifications"))
        self._done(table)

    # -- partnership and prevention

    def _partnership(self) -> None:
        """Each agency's focal points and agreements (with one or two others, a third of
        them with a foreign authority too; some expired, some expiring soon), and the
        country's prevention activities: one per ACTIVITIES_PER_CASES cases, organised
        by the agencies in proportion to their caseload, a third with partner agencies."""
        rng = self.rng
        agencies = [plan for plan in self.agencies if plan.caseworkers]
        names = pool_names()
        table = self._step("agency contacts", AgencyContact, ["agency", "name", "title", "email"])
        table.copy(
            (plan.id, rng.choice(names), title, f"{slug}@{plan.code.lower()}.example")
            for plan in self.agencies
            for title, slug in (("Focal point", "focal"), ("Duty officer", "duty"))
        )
        self._done(table)

        table = self._step(
            "agreements",
            Agreement,
            [
                "id",
                "title",
                "foreign_party",
                "foreign_country",
                "covers_forced_criminality",
                "covers_labour",
                "covers_sexual",
                "signed_on",
                "expires_on",
                "created_at",
            ],
        )
        count = len(agencies) * AGREEMENTS_PER_AGENCY
        first = table.reserve(count)
        parties: list[tuple[int, int]] = []
        countries = ["VN", "MM", "TH", "KH", "ID", "PH", "LA", "MY"]

        def agreement_rows() -> Iterator[tuple]:
            for k in range(count):
                plan = agencies[k // AGREEMENTS_PER_AGENCY]
                others = rng.sample(
                    [other for other in agencies if other is not plan],
                    min(rng.choice((1, 2)), len(agencies) - 1),
                )
                parties.extend((first + k, agency.id) for agency in (plan, *others))
                foreign = rng.random() < 1 / 3
                country = rng.choice(countries) if foreign else ""
                signed = self.today - datetime.timedelta(days=rng.randint(30, 365 * 8))
                # Open-ended, or for three to five years: some run out within 90 days.
                term = rng.choice((None, 3, 4, 5))
                expires = signed + datetime.timedelta(days=365 * term) if term else None
                yield (
                    first + k,
                    f"Cooperation agreement {plan.code}-{k + 1:03d}",
                    f"Ministry of labour ({country})" if foreign else "",
                    country,
                    rng.random() < 0.6,
                    rng.random() < 0.7,
                    rng.random() < 0.4,
                    signed,
                    expires,
                    datetime.datetime.combine(signed, datetime.time(9), tzinfo=datetime.UTC),
                )

        table.copy(agreement_rows())
        self._done(table)
        table = self._step("agreement parties", Agreement.parties.through, ["agreement", "agency"])
        table.copy(parties)
        self._done(table)

        table = self._step(
            "prevention activities",
            PreventionActivity,
            [
                "id",
                "activity_type",
                "title",
                "organiser",
                "start_date",
                "end_date",
                "place",
                "online",
                "audience",
                "participants",
                "countries",
                "created_by",
                "created_at",
            ],
        )
        count = max(len(agencies), self.total // ACTIVITIES_PER_CASES)
        first = table.reserve(count)
        weights = [plan.cases for plan in agencies]
        organisers = rng.choices(agencies, weights=weights, k=count)
        partners: list[tuple[int, int]] = []
        kinds = [kind for kind in ActivityType.values if kind != ActivityType.TAKEDOWN]
        audiences = [
            json.dumps(audience)
            for audience in (
                ["migrant_workers"],
                ["students", "job_seekers"],
                ["frontline"],
                ["employers", "general_public"],
            )
        ]
        first_day = self.today - datetime.timedelta(days=365 * YEARS_OF_HISTORY)

        def activity_rows() -> Iterator[tuple]:
            for k, plan in enumerate(organisers):
                kind = rng.choice(kinds)
                start = first_day + datetime.timedelta(
                    days=rng.randint(0, (self.today - first_day).days + 60)
                )
                if rng.random() < 1 / 3:
                    other = rng.choice(agencies)
                    if other is not plan:
                        partners.append((first + k, other.id))
                online = rng.random() < 0.2
                yield (
                    first + k,
                    kind,
                    f"{ActivityType(kind).label} {plan.code}-{k + 1:05d}",
                    plan.id,
                    start,
                    start + datetime.timedelta(days=rng.choice((0, 0, 1, 2))),
                    "" if online else rng.choice(("Taipei", "Taichung", "Kaohsiung", "Tainan")),
                    online,
                    rng.choice(audiences),
                    rng.randint(10, 400),
                    rng.choice(("VN,ID", "PH", "TH,MM", "")),
                    rng.choice(plan.caseworkers),
                    datetime.datetime.combine(start, datetime.time(9), tzinfo=datetime.UTC),
                )

        table.copy(self._bar(activity_rows(), count, "prevention activities"))
        self._done(table)
        table = self._step(
            "activity partners",
            PreventionActivity.partner_agencies.through,
            ["preventionactivity", "agency"],
        )
        table.copy(partners)
        self._done(table)

    # -- attachments and erasure requests

    def _privacy(self) -> None:
        """One document per ATTACHMENTS_PER_CASES cases, uploaded by its caseworker after
        intake, each a file of its own in the private storage (encrypted: a copy of one
        of a few documents encrypted once); one erasure request per ERASURES_PER_CASES
        cases, filed by the caseworker for the case's person, a quarter of them refused
        by the supervisor, the others awaiting a decision."""
        rng = self.rng
        documents = [  # (file name, type, contents, description)
            ("passport-copy.pdf", "application/pdf", b"%PDF-1.4 fictional passport\n", "Passport"),
            ("statement.pdf", "application/pdf", b"%PDF-1.4 fictional statement\n", "Statement"),
            ("job-advert.png", "image/png", b"\x89PNG fictional job advert\n", "The job ad"),
            ("chat-export.txt", "text/plain", b"fictional chat export\n" * 40, ""),
        ]
        sealed = [(kind, len(body), *encrypt_blob(body)) for _n, kind, body, _d in documents]
        file_names = self._pool("file names", [document[0] for document in documents])
        descriptions = self._pool("attachment descriptions", [d[3] for d in documents])
        storage = default_storage
        # One folder per database: dropping a benchmark database, remove its folder too.
        folder = f"seeded/{connection.settings_dict['NAME']}"
        table = self._step(
            "attachments",
            Attachment,
            [
                "id",
                "case",
                "file",
                "original_name",
                "content_type",
                "size",
                "description",
                "uploaded_by",
                "uploaded_at",
                "wrapped_key",
            ],
        )
        chosen = range(0, self.total, ATTACHMENTS_PER_CASES)
        first = table.reserve(len(chosen))

        def attachment_rows() -> Iterator[tuple]:
            for n, i in enumerate(chosen):
                case = self.case_ids[i]
                which = rng.randrange(len(sealed))
                kind, size, ciphertext, wrapped_key = sealed[which]
                path = f"{folder}/cases/{case}/{uuid.uuid4().hex}.enc"
                target = Path(storage.path(path))
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(ciphertext)
                yield (
                    first + n,
                    case,
                    path,
                    file_names[which],
                    kind,
                    size,
                    descriptions[which],
                    self.case_caseworker[i],
                    self.case_created[i] + datetime.timedelta(days=2),
                    wrapped_key,
                )

        table.copy(self._bar(attachment_rows(), len(chosen), "attachments"))
        self._done(table)

        reasons = self._pool(
            "erasure reasons",
            ["The person withdrew consent to keep their data", "Recorded by mistake"],
        )
        table = self._step(
            "erasure requests",
            ErasureRequest,
            ["id", "agency", "person", "reason", "status", "requested_by", "requested_at"],
        )
        wanted = range(ERASURES_PER_CASES // 2, self.total, ERASURES_PER_CASES)
        first = table.reserve(len(wanted))
        refused: list[tuple[int, int, datetime.datetime]] = []

        def erasure_rows() -> Iterator[tuple]:
            for n, i in enumerate(wanted):
                days = datetime.timedelta(days=rng.randint(1, 60))
                asked = max(self.now - days, self.case_created[i])
                status = ErasureStatus.REQUESTED
                if rng.random() < ERASURES_REFUSED_SHARE:
                    status = ErasureStatus.REFUSED
                    refused.append((first + n, self.case_supervisor[i], asked))
                yield (
                    first + n,
                    self.agencies[self.case_agency[i]].id,
                    self.person_ids[i],
                    reasons[n % len(reasons)],
                    status,
                    self.case_caseworker[i],
                    asked,
                )

        table.copy(self._bar(erasure_rows(), len(wanted), "erasure requests"))
        self._done(table)
        self._transitions(
            "erasure decisions",
            ErasureTransition,
            "erasure_request",
            (
                (pk, ErasureStatus.REQUESTED, ErasureStatus.REFUSED, supervisor,
                 min(asked + datetime.timedelta(days=1), self.now))
                for pk, supervisor, asked in refused
            ),
            len(refused),
        )  # fmt: skip

    # -- audit trail

    def _audit_partitions(self) -> None:
        created = _months_with_partitions(
            min(self.case_intake), self.today + datetime.timedelta(days=31)
        )
        if created:
            self.write(f"  {len(created)} monthly audit partitions created")

    def _audit(self) -> None:
        """Ten rows per case, and one for each archived case and person, in one hash chain
        per agency, sealed with `chain_hash`."""
        rng = self.rng
        table = self._step(
            "audit events",
            AuditEvent,
            [
                "occurred_at",
                "actor",
                "agency",
                "role",
                "action",
                "object_type",
                "object_id",
                "channel",
                "ip_address",
                "user_agent",
                "chain_seq",
                "prev_hash",
                "row_hash",
            ],
        )
        self._audit_partitions()
        heads: dict[int, list[Any]] = {}
        for head in AuditChainHead.objects.filter(agency_id__in=[p.id for p in self.agencies]):
            heads[head.agency_id] = [head.last_seq, head.last_hash]  # type: ignore[index]
        for plan in self.agencies:
            heads.setdefault(plan.id, [0, GENESIS_HASH])
        A = AuditEvent.Action
        case_type = Case._meta.label_lower
        person_type = Person._meta.label_lower
        # (action, on the person?, by the supervisor?, hours after intake)
        script = [
            (A.CREATE, True, False, 0),
            (A.CREATE, False, False, 1),
            (A.ASSIGN, False, True, 2),
            (A.VIEW, False, False, 3),
            (A.VIEW, True, False, 4),
            (A.UPDATE, False, False, 30),
            (A.TRANSITION, False, False, 80),
            (A.VIEW, False, True, 100),
            (A.VIEW, False, False, 200),
            (A.TRANSITION, False, False, 400),
        ][:AUDIT_PER_CASE]
        agents = [
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Firefox/133.0",
            "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0 Safari/537.36",
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) Safari/605.1.15",
        ]
        ips = [f"10.{k}.{k * 7 % 250}.{k * 13 % 250 + 1}" for k in range(40)]
        event = SimpleNamespace(channel=str(AuditEvent.Channel.WEB))
        steps = [(str(a), person, sup, hours) for a, person, sup, hours in script]
        caseworker, supervisor = str(Role.CASEWORKER), str(Role.SUPERVISOR)

        def row(plan_id: int, head: list[Any], at: datetime.datetime) -> tuple:
            """The audit row of `event` (its action, actor and object set), chained."""
            seq = head[0] + 1
            event.agency_id = plan_id
            event.chain_seq = seq
            event.prev_hash = head[1]
            event.occurred_at = at + datetime.timedelta(seconds=seq % 60)
            row_hash = _fast_chain_hash(event)
            if seq % 50_000 == 1 and row_hash != chain_hash(event):
                raise RuntimeError("config.scale's audit hash differs from chain_hash.")
            head[0], head[1] = seq, row_hash
            return (
                event.occurred_at,
                event.actor_id,
                plan_id,
                event.role,
                event.action,
                event.object_type,
                event.object_id,
                event.channel,
                event.ip_address,
                event.user_agent,
                seq,
                event.prev_hash,
                row_hash,
            )

        def rows() -> Iterator[tuple]:
            for i in range(self.total):
                plan = self.agencies[self.case_agency[i]]
                head = heads[plan.id]
                case_id, person_id = str(self.case_ids[i]), str(self.person_ids[i])
                base = self.case_created[i]
                cw, sup = self.case_caseworker[i], self.case_supervisor[i]
                event.ip_address = rng.choice(ips)
                event.user_agent = rng.choice(agents)
                for action, on_person, by_supervisor, hours in steps:
                    event.actor_id = sup if by_supervisor else cw
                    event.role = supervisor if by_supervisor else caseworker
                    event.action = action
                    event.object_type = person_type if on_person else case_type
                    event.object_id = person_id if on_person else case_id
                    yield row(plan.id, head, base + datetime.timedelta(hours=hours))
                # The supervisor's archiving of the case or its person (`_archive_fields`).
                for object_type, object_id, when in (
                    (case_type, case_id, self.case_archived[i]),
                    (person_type, person_id, self.person_archived[i]),
                ):
                    if when is not None:
                        event.actor_id, event.role = sup, supervisor
                        event.action = str(A.ARCHIVE)
                        event.object_type, event.object_id = object_type, object_id
                        yield row(plan.id, head, when)

        archived = sum(when is not None for when in (*self.case_archived, *self.person_archived))
        total = self.total * len(script) + archived
        table.copy(self._bar(rows(), total, "audit events"), rebuild_indexes=True)
        self._done(table)
        for agency_id, (last_seq, last_hash) in heads.items():
            AuditChainHead.objects.update_or_create(
                agency_id=agency_id, defaults={"last_seq": last_seq, "last_hash": last_hash}
            )


def _months_with_partitions(first: datetime.date, last: datetime.date) -> list[str]:
    """Create the monthly audit partitions from `first` to `last` that are missing
    (when the audit table is partitioned) so the rows do not all land in DEFAULT."""
    if not partitions.is_partitioned(connection):
        return []
    present = partitions.existing_partitions(connection)
    created = []
    with connection.cursor() as cursor:
        for start in partitions.months(
            datetime.datetime.combine(first, datetime.time(), tzinfo=datetime.UTC),
            datetime.datetime.combine(last, datetime.time(), tzinfo=datetime.UTC),
        ):
            name = partitions.partition_name(start)
            if name in present:
                continue
            cursor.execute(
                f"SELECT EXISTS (SELECT 1 FROM {partitions.DEFAULT_PARTITION} "  # noqa: S608
                "WHERE occurred_at >= %s AND occurred_at < %s)",
                [start, partitions.next_month(start)],
            )
            if cursor.fetchone()[0]:
                continue  # rows of that month already sit in DEFAULT: leave them there
            for statement in partitions.create_partition_sql(start):
                cursor.execute(statement)
            created.append(name)
    return created


def _fast_chain_hash(event: Any) -> str:
    """`audit.models.chain_hash` for the generator's own rows, without the general cases.

    The same canonical JSON (sorted keys, no spaces) for rows whose strings need no
    escaping and whose times are UTC and IP addresses already canonical (true of every
    row this module writes); the generator compares it with `chain_hash` regularly.
    """
    at = event.occurred_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    canonical = (
        f'{{"action":"{event.action}","actor":{event.actor_id},"agency":{event.agency_id},'
        f'"at":"{at}","channel":"{event.channel}","ip":"{event.ip_address}",'
        f'"object_id":"{event.object_id}","object_type":"{event.object_type}",'
        f'"prev":"{event.prev_hash}","role":"{event.role}","seq":{event.chain_seq},'
        f'"user_agent":"{event.user_agent}","v":1}}'
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _path(edges: Any, start: str, target: str) -> list[tuple[str, str]]:
    """The shortest list of moves from `start` to `target` in a status graph."""
    previous: dict[str, str | None] = {start: None}
    queue = [start]
    for state in queue:
        for nxt in sorted(edges[state]):
            if nxt not in previous:
                previous[nxt] = state
                queue.append(nxt)
    if target not in previous:
        return []
    moves: list[tuple[str, str]] = []
    state = target
    while (before := previous[state]) is not None:
        moves.append((before, state))
        state = before
    return list(reversed(moves))


def has_scale_caseload() -> bool:
    return Agency.objects.filter(code=BIG_CODE).exists()
