"""Writes of consequence on victims' records: domain verbs, atomic, audited.

The caller authorises (scoped lookup, role); the service records. Audit rows hold
ids only, never a field value.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from audit.models import AuditEvent
from audit.services import record_event
from cases.models import Case, IdentificationStatus, Track
from cases.services import archive_record, ensure_case_open, restore_record, transition_track
from crypto.files import encrypt_blob
from locking import claim_version
from victims.models import (
    SCREENING_GRAPH,
    AgeBand,
    ConsentRecord,
    IdentificationDecision,
    IndicatorSet,
    Person,
    PersonLookup,
    PersonPhoto,
    Screening,
    ScreeningAnswer,
    ScreeningTransition,
)
from victims.selectors import person_digests
from workflow import move

if TYPE_CHECKING:
    import datetime

_BASE32 = "ABCDEFGHJKMNPQRSTVWXYZ23456789"  # no I, L, O, U, 0, 1: read aloud safely
CODE_LENGTH = 8
# Random bytes to code characters, uniformly: a byte below 240 (8 x 30) is kept as one of
# the 30 characters, a higher one is dropped.
_UNIFORM = len(_BASE32) * (256 // len(_BASE32))
_BYTE_TO_CHAR = bytes(ord(_BASE32[b % len(_BASE32)]) if b < _UNIFORM else 0 for b in range(256))
_DROPPED = bytes(range(_UNIFORM, 256))


def _random_chars(count: int) -> str:
    """`count` characters of _BASE32, each uniformly random (the secrets module's bytes)."""
    chars = ""
    while len(chars) < count:
        chars += secrets.token_bytes(count + count // 4).translate(_BYTE_TO_CHAR, _DROPPED).decode()
    return chars[:count]


def generate_person_code(agency_code: str) -> str:
    """P-<AGENCY>-<8 random characters>: never derived from identity."""
    while True:
        code = f"P-{agency_code}-" + _random_chars(CODE_LENGTH)
        if not Person.objects.filter(code=code).exists():
            return code


def generate_person_codes(agency_code: str, count: int) -> list[str]:
    """`count` unused codes as generate_person_code makes them, for a bulk import: checked
    against the table in one query per round instead of one per code."""
    prefix = f"P-{agency_code}-"
    codes: set[str] = set()
    while len(codes) < count:
        wanted = count - len(codes)
        chars = _random_chars(wanted * CODE_LENGTH)
        candidates = {
            prefix + chars[start : start + CODE_LENGTH]
            for start in range(0, len(chars), CODE_LENGTH)
        }
        candidates -= codes
        codes |= candidates - _taken_codes(candidates)
    return list(codes)[:count]


def _taken_codes(candidates: set[str]) -> set[str]:
    """Which of these codes a person has already: one array parameter on PostgreSQL (a
    list of 20,000 parameters costs more than the query)."""
    if connection.vendor != "postgresql":
        return set(Person.objects.filter(code__in=candidates).values_list("code", flat=True))
    table = connection.ops.quote_name(Person._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT code FROM {table} WHERE code = ANY(%s)", [list(candidates)])  # noqa: S608
        return {code for (code,) in cursor.fetchall()}


def _derive_age_band(person: Person) -> None:
    if person.date_of_birth:
        today = timezone.localdate()
        born = person.date_of_birth
        age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
        person.age_band = AgeBand.for_age(max(age, 0))
    elif person.age_years is not None:
        person.age_band = AgeBand.for_age(person.age_years)


def index_person(person: Person) -> None:
    """Rewrite the person's blind-index rows from their current identifying values."""
    person.lookups.all().delete()
    PersonLookup.objects.bulk_create(
        PersonLookup(person=person, kind=kind, digest=digest)
        for kind, digest in person_digests(person)
    )


@transaction.atomic
def register_person(person: Person, *, actor: User) -> Person:
    """Create a person in the actor's agency with a fresh pseudonymous code."""
    agency = actor.agency
    if agency is None:
        raise PermissionDenied  # A platform admin belongs to no agency and registers nobody.
    person.agency = agency
    person.created_by = actor
    person.updated_by = actor
    person.code = generate_person_code(agency.code)
    _derive_age_band(person)
    person.full_clean()
    person.save()
    index_person(person)
    record_event(actor=actor, action=AuditEvent.Action.CREATE, target=person)
    return person


@transaction.atomic
def update_person(person: Person, *, actor: User, expected_version: int) -> Person:
    """Save edits made from a form opened at `expected_version`; stale edits are refused."""
    claim_version(person, expected_version)
    person.updated_by = actor
    _derive_age_band(person)
    person.full_clean()
    person.save()
    index_person(person)
    record_event(actor=actor, action=AuditEvent.Action.UPDATE, target=person)
    return person


@transaction.atomic
def set_person_photo(person: Person, jpeg: bytes, *, actor: User) -> PersonPhoto:
    """Store (or replace) the person's photo, encrypted under a data key of its own
    (crypto.files); audited as a change of the person."""
    ciphertext, wrapped_key = encrypt_blob(jpeg)
    photo, _created = PersonPhoto.objects.update_or_create(
        person=person,
        defaults={"ciphertext": ciphertext, "wrapped_key": wrapped_key, "uploaded_by": actor},
    )
    record_event(actor=actor, action=AuditEvent.Action.UPDATE, target=photo)
    return photo


@transaction.atomic
def remove_person_photo(person: Person, *, actor: User) -> None:
    photo = PersonPhoto.objects.filter(person=person).first()
    if photo is None:
        return
    record_event(actor=actor, action=AuditEvent.Action.DELETE, target=photo)
    photo.delete()


def record_reveal(person: Person, *, actor: User) -> None:
    """Audit that the actor unmasked the person's identifying fields."""
    record_event(actor=actor, action=AuditEvent.Action.REVEAL, target=person)


# --- Screening --------------------------------------------------------------


@transaction.atomic
def start_screening(case: Case, *, indicator_set: IndicatorSet, actor: User) -> Screening:
    """Open a screening; a case not yet screened moves to "screening"."""
    ensure_case_open(case)
    screening = Screening(case=case, indicator_set=indicator_set, started_by=actor)
    screening.full_clean()
    screening.save()
    ScreeningAnswer.objects.bulk_create(
        ScreeningAnswer(screening=screening, indicator=indicator)
        for indicator in indicator_set.indicators.all()
    )
    if case.identification_status == IdentificationStatus.NOT_SCREENED:
        transition_track(case, Track.IDENTIFICATION, IdentificationStatus.SCREENING, actor=actor)
    record_event(actor=actor, action=AuditEvent.Action.CREATE, target=screening)
    return screening


@transaction.atomic
def save_screening_answers(
    screening: Screening, *, answers: Mapping[int, tuple[str, str]], actor: User
) -> Screening:
    """Store each indicator's answer (yes/no/unknown) and note, keyed by indicator id."""
    ensure_case_open(screening.case)
    for answer in screening.answers.select_for_update():
        if answer.indicator_id in answers:
            answer.answer, answer.note = answers[answer.indicator_id]
            answer.full_clean()
            answer.save(update_fields=["answer", "note"])
    record_event(actor=actor, action=AuditEvent.Action.UPDATE, target=screening)
    return screening


@transaction.atomic
def complete_screening(
    screening: Screening,
    *,
    decision: str,
    note: str,
    actor: User,
    answers: Mapping[int, tuple[str, str]] | None = None,
) -> Screening:
    """Complete a screening with the caseworker's decision (the screening graph's only
    writer, refused unless it is in progress) and move the identification track.

    `answers` (the ones on the page when "Complete" was pressed) are saved first, in
    the same transaction, so completing never loses what was typed."""
    ensure_case_open(screening.case)
    if answers is not None:
        save_screening_answers(screening, answers=answers, actor=actor)
    move(
        screening,
        SCREENING_GRAPH,
        Screening.Status.COMPLETED,
        actor=actor,
        history=ScreeningTransition,
        link="screening",
        note=note,
    )
    screening.decision = decision
    screening.decision_note = note
    screening.completed_at = timezone.now()
    screening.full_clean()
    screening.save(update_fields=["decision", "decision_note", "completed_at"])
    case = screening.case
    if case.identification_status == IdentificationStatus.SCREENING:
        target = (
            IdentificationStatus.AWAITING_DECISION
            if decision == Screening.Decision.REFER
            else IdentificationStatus.NOT_SCREENED
        )
        transition_track(case, Track.IDENTIFICATION, target, actor=actor, note=note)
    record_event(actor=actor, action=AuditEvent.Action.UPDATE, target=screening)
    return screening


# --- Identification decision -------------------------------------------------


@transaction.atomic
def record_identification_decision(
    decision: IdentificationDecision, *, actor: User
) -> IdentificationDecision:
    """Record an authority's decision; moves awaiting_decision → identified/not_identified.

    The only way (with `record_review_outcome`) into those guarded states: the
    decision row is written first, then the track moves with `guard_ok`.
    """
    ensure_case_open(decision.case)
    decision.recorded_by = actor
    decision.full_clean()
    decision.save()
    transition_track(
        decision.case, Track.IDENTIFICATION, decision.outcome, actor=actor, guard_ok=True
    )
    record_event(actor=actor, action=AuditEvent.Action.CREATE, target=decision)
    return decision


@transaction.atomic
def request_review(
    decision: IdentificationDecision, *, requested_on: datetime.date, actor: User
) -> IdentificationDecision:
    """The person asked for the decision to be reviewed: track → review_requested."""
    ensure_case_open(decision.case)
    decision.review_requested_on = requested_on
    decision.full_clean()
    decision.save()
    transition_track(
        decision.case, Track.IDENTIFICATION, IdentificationStatus.REVIEW_REQUESTED, actor=actor
    )
    record_event(actor=actor, action=AuditEvent.Action.UPDATE, target=decision)
    return decision


@transaction.atomic
def record_review_outcome(
    decision: IdentificationDecision, *, outcome: str, decided_on: datetime.date, actor: User
) -> IdentificationDecision:
    """The review's result: track review_requested → identified/not_identified."""
    ensure_case_open(decision.case)
    decision.review_outcome = outcome
    decision.review_decided_on = decided_on
    decision.full_clean()
    decision.save()
    transition_track(decision.case, Track.IDENTIFICATION, outcome, actor=actor, guard_ok=True)
    record_event(actor=actor, action=AuditEvent.Action.UPDATE, target=decision)
    return decision


# --- Protection services and consent -------------------------------------------


@transaction.atomic
def record_consent(consent: ConsentRecord, *, actor: User) -> ConsentRecord:
    """Append a consent statement; the latest per purpose and target is the current one."""
    consent.recorded_by = actor
    consent.full_clean()
    consent.save()
    record_event(actor=actor, action=AuditEvent.Action.CREATE, target=consent)
    return consent


def archive_person(person: Person, *, actor: User, reason: str) -> None:
    """Archive a person ("Delete"): they and every case of theirs leave every scope.

    The cases keep their own archive fields empty (CaseQuerySet.active hides them
    through the person), so restoring the person brings them back whole. Raises
    cases.services.ArchiveError for a short reason or a person already archived.
    """
    archive_record(person, actor=actor, reason=reason)


def restore_person(person: Person, *, actor: User, reason: str) -> None:
    """Restore an archived person, and with them their cases not archived on their own."""
    restore_record(person, actor=actor, reason=reason)
