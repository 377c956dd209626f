"""Records the statistics count, built through the services staff use (tests/reports)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from accounts.models import User
from cases import services
from cases.models import (
    Case,
    CaseExploitation,
    Charge,
    ChargeOutcome,
    Defendant,
    LegalProceeding,
)
from partners.models import Agency
from tests.factories import CaseFactory, PersonFactory
from victims.models import IdentificationDecision


def identified(
    agency: Agency,
    recorder: User,
    *,
    sex: str = "female",
    nationality: str = "",
    age_band: str = "",
    exploitation: str = "sexual",
    on: datetime.date | None = None,
) -> Case:
    """A case of a new person identified as a victim (today unless `on`)."""
    person = PersonFactory(agency=agency, sex=sex, nationality=nationality, age_band=age_band)
    case = CaseFactory(agency=agency, person=person)
    CaseExploitation.objects.create(case=case, type=exploitation)
    IdentificationDecision.objects.create(
        case=case,
        authority="police",
        decided_on=on or timezone.localdate(),
        outcome="identified",
        recorded_by=recorder,
    )
    return case


def proceeding(
    case: Case,
    actor: User,
    *,
    kind: str = "labour",
    stages: tuple[str, ...] = ("indicted",),
) -> LegalProceeding:
    """A proceeding owned by the case's agency, linked to the case, moved through `stages`."""
    created = services.save_proceeding(
        LegalProceeding(exploitation_type=kind, police_case_number="PD-1"), actor=actor, case=case
    )
    for stage in stages:
        services.move_proceeding_stage(created, stage, actor=actor)
    return created


def defendant(
    proceeding: LegalProceeding,
    case: Case,
    actor: User,
    *,
    name: str = "Trafficker",
    outcome: str = "",
    months: int | None = None,
    on: datetime.date | None = None,
    statute: str = "htpa_32",
) -> Defendant:
    """A defendant with one charge; with `outcome`, decided at the district court."""
    charge = Charge(statute=statute)
    created = services.save_defendant(
        Defendant(proceeding=proceeding, name=name), actor=actor, case=case, charges=[charge]
    )
    if outcome:
        services.record_charge_outcome(
            ChargeOutcome(
                charge=charge,
                instance=1,
                outcome=outcome,
                sentence_months=months,
                decided_on=on or timezone.localdate(),
            ),
            actor=actor,
            case=case,
        )
    return created
