"""Demo data of the reports for `manage.py seed_demo`: the CTDC reference data with a
supervisor to look at it, and the national coordinating agency with its coordinator and
a caseload large enough for the national figures to show (fictional, idempotent)."""

from __future__ import annotations

import datetime
import itertools
import random
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from accounts.demo import demo_user
from accounts.models import User
from cases.models import (
    Case,
    CaseExploitation,
    Charge,
    ChargeOutcome,
    CriminalExposure,
    CriminalMatterCharge,
    Defendant,
    ExploitationType,
    IdentificationStatus,
    LegalProceeding,
    ProceedingCase,
    ProceedingExploitation,
    ProceedingStage,
    ProceedingTransition,
    ServiceItem,
    Statute,
)
from partners.demo import demo_agency
from partners.models import Agency, AgencyType, ServiceType
from policy import Role
from reports.ctdc import ImportResult, import_ctdc, reference_agency
from victims.models import AgeBand, IdentificationDecision, Person, Sex

CTDC_FILE = Path(settings.BASE_DIR) / "reports" / "data" / "ctdc" / "CTDC_VPsynthetic_condensed.csv"


def seed_reference_data(actor: User, path: Path = CTDC_FILE) -> tuple[ImportResult, User]:
    """Import the CTDC file (a second run creates nothing) and a demo supervisor of its agency."""
    result = import_ctdc(path, actor=actor)
    supervisor = demo_user(
        "supervisor@ctdc.example.org",
        full_name="Demo Supervisor (CTDC reference data)",
        agency=reference_agency(),
        role=Role.SUPERVISOR,
    )
    return result, supervisor


# --- the national coordinating agency -------------------------------------------------------

COORDINATING_AGENCY: dict[str, Any] = {
    "code": "DEMONIA",
    "name": "National Immigration Agency (demo)",
    "agency_type": AgencyType.IMMIGRATION,
    "country": "TW",
    "services": [ServiceType.INVESTIGATION, ServiceType.REPATRIATION, ServiceType.SHELTER],
}
NATIONAL_CASES = 200
NATIONAL_PROCEEDINGS = 60

_STAFF = {
    Role.CASEWORKER: "Caseworker",
    Role.SUPERVISOR: "Supervisor",
    Role.AGENCY_ADMIN: "Agency Admin",
    Role.COORDINATOR: "National Coordinator",
}
_SEXES = [Sex.FEMALE, Sex.FEMALE, Sex.MALE, Sex.MALE, Sex.MALE, Sex.UNKNOWN]
_AGES = [AgeBand.B18_20, AgeBand.B21_23, AgeBand.B24_26, AgeBand.B30_38, AgeBand.B9_17, ""]
_NATIONALITIES = ["TW", "TW", "TW", "VN", "ID", "PH", "TH", "MY", ""]
_KINDS = [
    (ExploitationType.FORCED_CRIMINALITY,),
    (ExploitationType.FORCED_CRIMINALITY,),
    (ExploitationType.FORCED_LABOUR,),
    (ExploitationType.FORCED_LABOUR,),
    (ExploitationType.SEXUAL,),
    (ExploitationType.SEXUAL, ExploitationType.FORCED_LABOUR),
]
_PROCEEDING_KINDS = [
    ProceedingExploitation.FORCED_CRIMINALITY,
    ProceedingExploitation.LABOUR,
    ProceedingExploitation.SEXUAL,
    ProceedingExploitation.FORCED_CRIMINALITY,
    ProceedingExploitation.SEXUAL_AND_LABOUR,
]


def seed_national() -> list[User]:
    """The coordinating agency (marked so only if no other agency is), its demo staff and
    coordinator, and its caseload (once: skipped when the agency has cases)."""
    agency = demo_agency(**COORDINATING_AGENCY)
    if not Agency.objects.coordinating().exclude(pk=agency.pk).exists():
        Agency.objects.filter(pk=agency.pk).update(is_coordinating=True)
    domain = f"{agency.code.lower()}.example.org"
    users = [
        demo_user(
            f"{role.value.replace('_', '')}@{domain}",
            full_name=f"Demo {title} ({agency.code})",
            agency=agency,
            role=role,
        )
        for role, title in _STAFF.items()
    ]
    if not Case.objects.filter(agency=agency).exists():
        _caseload(agency, caseworker=users[0], supervisor=users[1])
    return users


def _days_this_year(rng: random.Random, today: datetime.date) -> datetime.date:
    return today - datetime.timedelta(days=rng.randrange(today.timetuple().tm_yday))


def _caseload(agency: Agency, *, caseworker: User, supervisor: User) -> None:
    """Fictional people identified this year, with services, shared proceedings against
    their traffickers and, for forced criminality, their own criminal matters."""
    rng = random.Random(15)  # the same demo every time
    today = timezone.localdate()
    persons = Person.objects.bulk_create(
        Person(
            agency=agency,
            code=f"{agency.code}-N{n:04d}",
            sex=_SEXES[n % len(_SEXES)],
            age_band=_AGES[n % len(_AGES)],
            nationality=_NATIONALITIES[n % len(_NATIONALITIES)],
            created_by=caseworker,
            updated_by=caseworker,
        )
        for n in range(NATIONAL_CASES)
    )
    identified = [n % 10 != 9 for n in range(NATIONAL_CASES)]  # nine in ten
    cases = Case.objects.bulk_create(
        Case(
            agency=agency,
            person=person,
            reference=f"{agency.code}-{today.year}-N{n:04d}",
            intake_date=_days_this_year(rng, today),
            identification_status=(
                IdentificationStatus.IDENTIFIED if identified[n] else IdentificationStatus.SCREENING
            ),
            supervisor=supervisor,
            created_by=caseworker,
            updated_by=caseworker,
        )
        for n, person in enumerate(persons)
    )
    CaseExploitation.objects.bulk_create(
        CaseExploitation(case=case, type=kind)
        for n, case in enumerate(cases)
        for kind in _KINDS[n % len(_KINDS)]
    )
    IdentificationDecision.objects.bulk_create(
        IdentificationDecision(
            case=case,
            agency=agency,
            authority=IdentificationDecision.Authority.IMMIGRATION,
            decided_on=max(case.intake_date or today, _days_this_year(rng, today)),
            outcome=IdentificationDecision.Outcome.IDENTIFIED,
            recorded_by=supervisor,
        )
        for n, case in enumerate(cases)
        if identified[n]
    )
    ServiceItem.objects.bulk_create(
        ServiceItem(
            case=case,
            agency=agency,
            service_type=service_type,
            status=status,
            start_date=case.intake_date,
            end_date=today if status == ServiceItem.Status.COMPLETED else None,
            created_by=caseworker,
        )
        for n, case in enumerate(cases)
        for service_type, status in _services(n)
    )
    _proceedings(agency, cases, rng, today, actor=supervisor)
    _criminal_matters(cases, rng, today, actor=caseworker)


def _services(n: int) -> list[tuple[str, str]]:
    services: list[tuple[str, str]] = [(ServiceType.SHELTER, ServiceItem.Status.IN_PROGRESS)]
    if n % 2 == 0:
        services.append((ServiceType.COUNSELLING, ServiceItem.Status.COMPLETED))
    if n % 3 == 0:
        services.append((ServiceType.LEGAL_AID, ServiceItem.Status.IN_PROGRESS))
    if n % 4 == 1:
        services.append((ServiceType.REPATRIATION, ServiceItem.Status.COMPLETED))
    return services


def _proceedings(
    agency: Agency, cases: list[Case], rng: random.Random, today: datetime.date, *, actor: User
) -> None:
    """NATIONAL_PROCEEDINGS proceedings, each linked to one to three of the cases (one
    prosecution, several victims), indicted this year; most judged, with convictions."""
    proceedings = LegalProceeding.objects.bulk_create(
        LegalProceeding(
            agency=agency,
            stage=ProceedingStage.JUDGED if n % 3 else ProceedingStage.INDICTED,
            exploitation_type=_PROCEEDING_KINDS[n % len(_PROCEEDING_KINDS)],
            police_case_number=f"DEMO-NIA-{n:04d}",
            updated_by=actor,
        )
        for n in range(NATIONAL_PROCEEDINGS)
    )
    links, moves, defendants = [], [], []
    victims = iter(cases)
    for n, proceeding in enumerate(proceedings):
        for case in [next(victims) for _ in range(1 + n % 3)]:
            links.append(ProceedingCase(proceeding=proceeding, case=case, linked_by=actor))
        steps = [ProceedingStage.INVESTIGATION, ProceedingStage.INDICTED]
        if proceeding.stage == ProceedingStage.JUDGED:
            steps += [ProceedingStage.TRIAL, ProceedingStage.JUDGED]
        indicted_on = timezone.now() - datetime.timedelta(days=rng.randrange(1, 60))
        moves += [
            ProceedingTransition(
                proceeding=proceeding,
                from_status=before,
                to_status=after,
                actor=actor,
                occurred_at=indicted_on,
            )
            for before, after in itertools.pairwise(steps)
        ]
        defendants += [
            Defendant(proceeding=proceeding, name=f"Demo defendant {n}-{d}", updated_by=actor)
            for d in range(1 + n % 3)
        ]
    ProceedingCase.objects.bulk_create(links)
    ProceedingTransition.objects.bulk_create(moves)
    Defendant.objects.bulk_create(defendants)
    charges = Charge.objects.bulk_create(
        Charge(defendant=defendant, statute=statute)
        for defendant in defendants
        for statute in (Statute.HTPA_32, Statute.CC_339_4)[: 1 + defendant.pk % 2]
    )
    judged = {p.pk for p in proceedings if p.stage == ProceedingStage.JUDGED}
    sentences = [None, 8, 20, 30, 48, 72, 100, 130]
    ChargeOutcome.objects.bulk_create(
        ChargeOutcome(
            charge=charge,
            outcome=(
                ChargeOutcome.Outcome.CONVICTED if convicted else ChargeOutcome.Outcome.ACQUITTED
            ),
            sentence_months=rng.choice(sentences) if convicted else None,
            fine=50000 if convicted and n % 5 == 0 else None,
            decided_on=_days_this_year(rng, today),
        )
        for n, charge in enumerate(charges)
        if charge.defendant.proceeding_id in judged
        for convicted in [n % 4 != 3]
    )


def _criminal_matters(
    cases: list[Case], rng: random.Random, today: datetime.date, *, actor: User
) -> None:
    """Victims of forced criminality suspected of the fraud they were made to commit: most
    asked for non-punishment this year; most of those decided, charge by charge."""
    criminality = ExploitationType.FORCED_CRIMINALITY
    forced = [case for n, case in enumerate(cases) if _KINDS[n % len(_KINDS)][0] == criminality]
    matters = CriminalExposure.objects.bulk_create(
        CriminalExposure(
            case=case,
            role=CriminalExposure.Role.SUSPECT,
            case_numbers=f"DEMO-FRAUD-{n:04d}",
            non_punishment_requested_on=_days_this_year(rng, today) if n % 5 else None,
            requested_by=CriminalExposure.Requester.NGO if n % 5 else "",
            decided_on=today if n % 5 and n % 4 else None,
            decision_authority=CriminalExposure.Authority.PROSECUTOR if n % 5 and n % 4 else "",
            updated_by=actor,
        )
        for n, case in enumerate(forced)
    )
    outcomes = [
        CriminalMatterCharge.Outcome.NOT_PROSECUTED,
        CriminalMatterCharge.Outcome.NOT_PROSECUTED,
        CriminalMatterCharge.Outcome.EXEMPTED,
        CriminalMatterCharge.Outcome.REDUCED,
        CriminalMatterCharge.Outcome.REFUSED,
    ]
    CriminalMatterCharge.objects.bulk_create(
        CriminalMatterCharge(
            matter=matter,
            offence=offence,
            outcome=outcomes[(n + i) % len(outcomes)]
            if matter.decided_on
            else CriminalMatterCharge.Outcome.PENDING,
        )
        for n, matter in enumerate(matters)
        for i, offence in enumerate(
            (CriminalMatterCharge.Offence.FRAUD, CriminalMatterCharge.Offence.MONEY_LAUNDERING)
        )
    )
