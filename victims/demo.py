"""Demo people and cases for `manage.py seed_demo`, with their screenings, services and
consents: fictional people and events only (idempotent)."""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterable

from django.utils import timezone

from accounts.models import User
from cases import demo as case_demo
from cases.models import Case, IdentificationStatus, Track
from cases.services import transition_track
from partners.models import Agency
from policy import Role
from victims import services
from victims.models import (
    ConsentRecord,
    IdentificationDecision,
    ImmigrationStatus,
    IndicatorSet,
    Person,
    Screening,
    ScreeningAnswer,
    Sex,
)

CASES_PER_AGENCY = 18

# Obviously fictional names: given x family gives 36 distinct people.
_GIVEN_NAMES = ["Ana", "Bao", "Citra", "Dao", "Emil", "Farah"]
_FAMILY_NAMES = ["Example", "Sample", "Placeholder", "Demoson", "Fictional", "Testcase"]
_SEXES = [Sex.FEMALE, Sex.MALE, Sex.UNKNOWN]
_NATIONALITIES = ["TW", "VN", "ID", "PH", "TH"]

_SCAM_YES = ["online-job-ad", "passport-taken", "held-in-compound", "forced-to-defraud"]


# --- people and cases ------------------------------------------------------------


def demo_person(index: int, *, actor: User) -> Person:
    """Register fictional person number `index` in the actor's agency."""
    given = _GIVEN_NAMES[index % len(_GIVEN_NAMES)]
    family = _FAMILY_NAMES[(index // len(_GIVEN_NAMES)) % len(_FAMILY_NAMES)]
    person = Person(
        legal_name=f"{given} {family}",
        date_of_birth=datetime.date(1990, 1, 1) + datetime.timedelta(days=97 * index),
        document_numbers=f"DEMO{index:07d}",
        sex=_SEXES[index % len(_SEXES)],
        nationality=_NATIONALITIES[index % len(_NATIONALITIES)],
        languages="Mandarin",
        immigration_status=ImmigrationStatus.MIGRANT_WORKER,
    )
    return services.register_person(person, actor=actor)


def seed_cases(agencies: list[Agency], users: list[User]) -> list[Case]:
    """A few dozen cases for each agency that has demo staff; skipped if it already has cases."""
    rng = random.Random(2026)  # the same demo every time
    created = []
    for agency_index, agency in enumerate(agencies):
        staff = [user for user in users if user.agency_id == agency.pk]
        caseworkers = [user for user in staff if user.role == Role.CASEWORKER]
        supervisor = next((user for user in staff if user.role == Role.SUPERVISOR), None)
        if not caseworkers or supervisor is None or Case.objects.filter(agency=agency).exists():
            continue
        for number in range(CASES_PER_AGENCY):
            created.append(
                _demo_case(
                    agency_index * CASES_PER_AGENCY + number,
                    caseworkers,
                    supervisor,
                    number,
                    rng,
                )
            )
    return created


def _demo_case(
    person_index: int,
    caseworkers: list[User],
    supervisor: User,
    number: int,
    rng: random.Random,
) -> Case:
    caseworker = caseworkers[number % len(caseworkers)]
    person = demo_person(person_index, actor=caseworker)
    case, exploitations = case_demo.draft_case(number, rng)
    case.person = person
    case = case_demo.open_case(case, exploitations, caseworker=caseworker, supervisor=supervisor)
    _walk(case, caseworker, rng)
    case_demo.add_case_details(case, caseworker=caseworker, supervisor=supervisor, number=number)
    return case


def _walk(case: Case, actor: User, rng: random.Random) -> None:
    for track, paths in (
        (Track.IDENTIFICATION, case_demo.IDENTIFICATION_PATHS),
        (Track.PROTECTION, case_demo.PROTECTION_PATHS),
        (Track.PROSECUTION, case_demo.PROSECUTION_PATHS),
    ):
        for status in rng.choice(paths):
            if status == IdentificationStatus.IDENTIFIED:
                _decide(case, actor)
            else:
                transition_track(case, track, status, actor=actor, note="Demo step")


def _decide(case: Case, actor: User) -> None:
    """Identified through a recorded decision, as staff would do it (closes the awaited task)."""
    services.record_identification_decision(
        IdentificationDecision(
            case=case,
            authority=IdentificationDecision.Authority.POLICE,
            decided_on=timezone.localdate(),
            outcome=IdentificationDecision.Outcome.IDENTIFIED,
        ),
        actor=actor,
    )


# --- screenings, services and consents ------------------------------------------


def seed_victim_records(cases: Iterable[Case] | None = None) -> None:
    """Give each demo case (default: all) a screening, services and a consent, once."""
    cases = Case.objects.select_related("person").order_by("pk") if cases is None else cases
    today = timezone.localdate()
    scam_set = IndicatorSet.objects.filter(code="forced-criminality-scam", is_current=True).first()
    for index, case in enumerate(cases):
        if case.is_closed:
            continue  # a closed case refuses every write (cases.services.ensure_case_open)
        actor = case.caseworkers.first() or case.created_by
        if scam_set and not case.screenings.exists():
            _seed_screening(case, scam_set, actor, complete=index % 2 == 0)
        if not case.service_items.exists():
            case_demo.seed_services(case, actor=actor, today=today, with_permit=index % 5 == 0)
        if not case.person.consents.exists():
            services.record_consent(
                ConsentRecord(
                    person=case.person,
                    purpose=ConsentRecord.Purpose.DATA_PROCESSING,
                    status=ConsentRecord.Status.GIVEN,
                    given_on=case.intake_date,
                    explained_in="Mandarin",
                ),
                actor=actor,
            )


def _seed_screening(
    case: Case, indicator_set: IndicatorSet, actor: User, *, complete: bool
) -> Screening:
    screening = services.start_screening(case, indicator_set=indicator_set, actor=actor)
    answers = {
        answer.indicator_id: (
            ScreeningAnswer.Answer.YES
            if answer.indicator.code in _SCAM_YES
            else ScreeningAnswer.Answer.UNKNOWN,
            "",
        )
        for answer in screening.answers.select_related("indicator")
    }
    services.save_screening_answers(screening, answers=answers, actor=actor)
    if complete:
        services.complete_screening(
            screening,
            decision=Screening.Decision.REFER,
            note="Demo: strong indicators.",
            actor=actor,
        )
    return screening
