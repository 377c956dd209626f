"""Demo case pieces for `manage.py seed_demo`: fictional events only.

A case needs a person, who lives in `victims`; `victims.demo` registers the people
and puts these pieces together.
"""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from accounts.models import User
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
    ServiceItem,
    Source,
    Task,
)

# Paths walked with transition_track so every demo case has a real history.
IDENTIFICATION_PATHS: list[list[str]] = [
    [],
    [IdentificationStatus.SCREENING],
    [IdentificationStatus.SCREENING, IdentificationStatus.AWAITING_DECISION],
    [
        IdentificationStatus.SCREENING,
        IdentificationStatus.AWAITING_DECISION,
        IdentificationStatus.IDENTIFIED,
    ],
]
PROTECTION_PATHS: list[list[str]] = [
    [],
    [ProtectionStatus.IN_PROGRESS],
    [ProtectionStatus.IN_PROGRESS, ProtectionStatus.COMPLETED],
]
PROSECUTION_PATHS: list[list[str]] = [
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


def is_criminality_case(number: int) -> bool:
    """Every third demo case is forced criminality (online scam compound); the rest labour."""
    return number % 3 == 0


def draft_case(number: int, rng: random.Random) -> tuple[Case, list[CaseExploitation]]:
    """An unsaved case (no person yet) and its exploitation rows, drawn from `rng`."""
    criminality = is_criminality_case(number)
    case = Case(
        intake_date=timezone.localdate() - datetime.timedelta(days=rng.randint(5, 400)),
        source=rng.choice(Source.values),
        recruitment_method=rng.choice(RecruitmentMethod.values),
        methods_of_control=rng.sample(ControlMethod.values, 3),
        countries_of_recruitment="PH",
        countries_of_exploitation="KH" if criminality else "TW",
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
    return case, rows


def open_case(
    case: Case, exploitations: list[CaseExploitation], *, caseworker: User, supervisor: User
) -> Case:
    """Create the drafted case (its person set) and assign it, as staff would."""
    case = services.create_case(case, actor=caseworker, exploitations=exploitations)
    return services.assign_case(
        case, actor=supervisor, caseworkers=[caseworker], supervisor=supervisor
    )


def add_case_details(case: Case, *, caseworker: User, supervisor: User, number: int) -> None:
    """A criminal exposure, an overdue task or a closure, depending on the case's number."""
    if is_criminality_case(number) and case.intake_date is not None:
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
        close_case(case, caseworker=caseworker, supervisor=supervisor)


def close_case(case: Case, *, caseworker: User, supervisor: User) -> None:
    services.request_closure(case, actor=caseworker, reason="Person reintegrated (demo)")
    case.refresh_from_db()
    services.approve_closure(
        case, actor=supervisor, override_reason="Demo: closed for the walkthrough"
    )


def seed_services(
    case: Case, *, actor: User, today: datetime.date, with_permit: bool
) -> list[ServiceItem]:
    """Shelter in progress, overdue legal aid and (optionally) a permit about to expire."""
    items = [
        ServiceItem(
            case=case,
            service_type="shelter",
            status=ServiceItem.Status.IN_PROGRESS,
            start_date=case.intake_date,
            shelter_location="Demo shelter, fictional address 1",
        ),
        ServiceItem(
            case=case,
            service_type="legal_aid",
            status=ServiceItem.Status.PLANNED,
            due_date=today - datetime.timedelta(days=3),
        ),
    ]
    if with_permit:
        items.append(
            ServiceItem(
                case=case,
                service_type="residence_permit",
                status=ServiceItem.Status.COMPLETED,
                permit_number="DEMO-PERMIT-0001",
                permit_issued_on=today - datetime.timedelta(days=160),
                permit_expires_on=today + datetime.timedelta(days=20),
            )
        )
    saved = []
    for item in items:
        target, item.status = item.status, ServiceItem.Status.PLANNED
        saved.append(services.save_service(item, actor=actor))
        for step in _SERVICE_STEPS[target]:
            services.transition_service(item, step, actor=actor, note="Demo step")
    return saved


# How a demo service reaches its state from "planned" (cases.models.SERVICE_GRAPH).
_SERVICE_STEPS: dict[str, tuple[str, ...]] = {
    ServiceItem.Status.PLANNED: (),
    ServiceItem.Status.IN_PROGRESS: (ServiceItem.Status.IN_PROGRESS,),
    ServiceItem.Status.COMPLETED: (ServiceItem.Status.IN_PROGRESS, ServiceItem.Status.COMPLETED),
}
