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
    Charge,
    ControlMethod,
    CriminalExposure,
    CriminalitySubtype,
    CriminalMatterCharge,
    CriminalMatterStage,
    Defendant,
    ExploitationType,
    Hearing,
    IdentificationStatus,
    LabourIndustry,
    LegalProceeding,
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


def add_criminal_matter(case: Case, *, caseworker: User, number: int) -> None:
    """Forced criminality: the person is a suspect in a (fictional) scam-compound fraud;
    NGO asked for non-punishment; every other such case has the prosecutor's decision."""
    intake = case.intake_date
    if intake is None:
        return
    matter = services.save_criminal_exposure(
        CriminalExposure(
            case=case,
            role=CriminalExposure.Role.SUSPECT,
            case_numbers=f"DEMO-POL-{number:04d}",
            requested_by=CriminalExposure.Requester.NGO,
            non_punishment_requested_on=intake + datetime.timedelta(days=10),
        ),
        actor=caseworker,
    )
    for offence, text in (
        (CriminalMatterCharge.Offence.FRAUD, "Criminal Code art. 339-4 (fictional)"),
        (CriminalMatterCharge.Offence.MONEY_LAUNDERING, "Lending a bank account (fictional)"),
    ):
        services.save_criminal_matter_charge(
            CriminalMatterCharge(matter=matter, offence=offence, description=text),
            actor=caseworker,
        )
    if number % 2 == 0:
        services.move_criminal_matter(
            matter, CriminalMatterStage.PROSECUTION, actor=caseworker, note="Indicted (demo)"
        )
        return
    services.record_non_punishment_decision(
        matter,
        actor=caseworker,
        authority=CriminalExposure.Authority.PROSECUTOR,
        decided_on=intake + datetime.timedelta(days=40),
        reference=f"DEMO-NP-{number:04d}",
        outcomes={
            charge.pk: CriminalMatterCharge.Outcome.NOT_PROSECUTED
            for charge in matter.charges.all()
        },
    )
    services.move_criminal_matter(
        matter, CriminalMatterStage.CLOSED, actor=caseworker, note="Not prosecuted (demo)"
    )


def add_case_details(case: Case, *, caseworker: User, supervisor: User, number: int) -> None:
    """A criminal exposure, an overdue task or a closure, depending on the case's number."""
    if is_criminality_case(number) and case.intake_date is not None:
        add_criminal_matter(case, caseworker=caseworker, number=number)
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


def seed_proceeding(cases: list[Case], *, actor: User) -> LegalProceeding:
    """One prosecution of one (fictional) trafficker, owned by the cases' agency and
    linked to each of `cases`: one proceeding, however many victims. Indicted and at
    trial, with a hearing for the first case's person and two protective measures asked."""
    first, *others = cases
    proceeding = services.save_proceeding(
        LegalProceeding(
            exploitation_type=ProceedingExploitation.LABOUR,
            police_case_number="DEMO-PD-0001",
            prosecutor_case_number="DEMO-PRO-0001",
            court="Demo District Court",
        ),
        actor=actor,
        case=first,
        person_role=ProsecutionRole.COMPLAINANT_WITNESS,
    )
    for case in others:
        services.link_case(proceeding, case, actor=actor, person_role=ProsecutionRole.WITNESS)
    services.save_defendant(
        Defendant(proceeding=proceeding, name="Demo broker alias Boss"),
        actor=actor,
        case=first,
        charges=[Charge(statute=Statute.HTPA_32), Charge(statute=Statute.CC_302)],
    )
    for stage in (ProceedingStage.INDICTED, ProceedingStage.TRIAL):
        services.move_proceeding_stage(proceeding, stage, actor=actor, note="Demo step")
    starts = timezone.localtime().replace(hour=9, minute=30, second=0, microsecond=0)
    services.add_hearing(
        Hearing(
            proceeding=proceeding,
            case=first,
            starts_at=starts + datetime.timedelta(days=12),
            place="Demo District Court, room 3",
            person_role=ProsecutionRole.COMPLAINANT_WITNESS,
            description="Testimony of the complainant (demo)",
        ),
        actor=actor,
        measures=[
            ProtectiveMeasure(kind=ProtectiveMeasure.Kind.INTERPRETER, language="Tagalog"),
            ProtectiveMeasure(kind=ProtectiveMeasure.Kind.SEPARATE_WAITING),
        ],
    )
    return proceeding
