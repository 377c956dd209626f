"""Demo cases for `manage.py seed_demo`: fictional people and events only."""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from accounts.models import Role, User
from cases import services
from cases.models import (
    Case,
    CaseExploitation,
    ControlMethod,
    CriminalExposure,
    CriminalitySubtype,
    ExploitationType,
    IdentificationStatus,
    LabourIndustry,
    ProsecutionStatus,
    ProtectionStatus,
    RecruitmentMethod,
    RiskLevel,
    Source,
    Task,
    Track,
)
from partners.models import Agency
from tests.factories import PersonFactory
from victims.models import IdentificationDecision
from victims.services import record_identification_decision

CASES_PER_AGENCY = 18

# Paths walked with transition_track so every demo case has a real history.
IDENTIFICATION_PATHS = [
    [],
    [IdentificationStatus.SCREENING],
    [IdentificationStatus.SCREENING, IdentificationStatus.AWAITING_DECISION],
    [
        IdentificationStatus.SCREENING,
        IdentificationStatus.AWAITING_DECISION,
        IdentificationStatus.IDENTIFIED,
    ],
]
PROTECTION_PATHS = [
    [],
    [ProtectionStatus.IN_PROGRESS],
    [ProtectionStatus.IN_PROGRESS, ProtectionStatus.COMPLETED],
]
PROSECUTION_PATHS = [
    [],
    [ProsecutionStatus.REPORTED],
    [ProsecutionStatus.REPORTED, ProsecutionStatus.INVESTIGATION],
    [
        ProsecutionStatus.REPORTED,
        ProsecutionStatus.INVESTIGATION,
        ProsecutionStatus.INDICTED,
        ProsecutionStatus.TRIAL,
    ],
]


def seed_cases(agencies: list[Agency], users: list[User]) -> list[Case]:
    """A few dozen cases for each agency that has demo staff; skipped if it already has cases."""
    rng = random.Random(2026)  # the same demo every time
    created = []
    for agency in agencies:
        staff = [user for user in users if user.agency_id == agency.pk]
        caseworkers = [user for user in staff if user.role == Role.CASEWORKER]
        supervisor = next((user for user in staff if user.role == Role.SUPERVISOR), None)
        if not caseworkers or supervisor is None or Case.objects.filter(agency=agency).exists():
            continue
        for number in range(CASES_PER_AGENCY):
            created.append(_demo_case(agency, caseworkers, supervisor, number, rng))
    return created


def _demo_case(
    agency: Agency, caseworkers: list[User], supervisor: User, number: int, rng: random.Random
) -> Case:
    caseworker = caseworkers[number % len(caseworkers)]
    person = PersonFactory(agency=agency, created_by=caseworker)
    criminality = number % 3 == 0
    case = Case(
        person=person,
        intake_date=timezone.localdate() - datetime.timedelta(days=rng.randint(5, 400)),
        source=rng.choice(Source.values),
        recruitment_method=rng.choice(RecruitmentMethod.values),
        methods_of_control=rng.sample(ControlMethod.values, 3),
        countries_of_recruitment=["PH"],
        countries_of_exploitation=["KH"] if criminality else ["TW"],
        place_description="A fenced compound (fictional)" if criminality else "",
        risk_level=rng.choice(RiskLevel.values),
    )
    if criminality:
        rows = [
            CaseExploitation(type=ExploitationType.FORCED_CRIMINALITY, subtype=subtype)
            for subtype in (CriminalitySubtype.ONLINE_FRAUD, CriminalitySubtype.MONEY_LAUNDERING)
        ]
    else:
        rows = [
            CaseExploitation(
                type=ExploitationType.FORCED_LABOUR, industry=rng.choice(LabourIndustry.values)
            )
        ]
    case = services.create_case(case, actor=caseworker, exploitations=rows)
    services.assign_case(case, actor=supervisor, caseworkers=[caseworker], supervisor=supervisor)
    _walk(case, caseworker, rng)
    if criminality:
        CriminalExposure.objects.create(
            case=case,
            role=CriminalExposure.Role.SUSPECT,
            case_numbers=f"DEMO-POL-{number:04d}",
            charges="Fraud (fictional)",
            non_punishment_requested_on=case.intake_date + datetime.timedelta(days=10),
            updated_by=caseworker,
        )
    if number % 4 == 1:
        Task.objects.create(
            case=case,
            title="Call the person back (demo)",
            due_date=timezone.localdate() - datetime.timedelta(days=3),
            assignee=caseworker,
            created_by=caseworker,
        )
    if number % 6 == 5:
        _close(case, caseworker, supervisor)
    return case


def _walk(case: Case, actor: User, rng: random.Random) -> None:
    for track, paths in (
        (Track.IDENTIFICATION, IDENTIFICATION_PATHS),
        (Track.PROTECTION, PROTECTION_PATHS),
        (Track.PROSECUTION, PROSECUTION_PATHS),
    ):
        for status in rng.choice(paths):
            if status == IdentificationStatus.IDENTIFIED:
                _decide(case, actor)
            else:
                services.transition_track(case, track, status, actor=actor, note="Demo step")


def _decide(case: Case, actor: User) -> None:
    """Identified through a recorded decision, as staff would do it (closes the awaited task)."""
    record_identification_decision(
        IdentificationDecision(
            case=case,
            authority=IdentificationDecision.Authority.POLICE,
            decided_on=timezone.localdate(),
            outcome=IdentificationDecision.Outcome.IDENTIFIED,
        ),
        actor=actor,
    )


def _close(case: Case, caseworker: User, supervisor: User) -> None:
    services.request_closure(case, actor=caseworker, reason="Person reintegrated (demo)")
    case.refresh_from_db()
    services.approve_closure(
        case, actor=supervisor, override_reason="Demo: closed for the walkthrough"
    )
