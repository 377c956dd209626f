"""Fictional screenings, services and consents for demo cases (idempotent)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.utils import timezone

from cases.models import Case
from victims import services
from victims.models import (
    ConsentRecord,
    IndicatorSet,
    Screening,
    ScreeningAnswer,
    ServiceItem,
)

_SCAM_YES = ["online-job-ad", "passport-taken", "held-in-compound", "forced-to-defraud"]


def seed_victim_records(cases: Iterable[Case] | None = None) -> None:
    """Give each demo case (default: all) a screening, services and a consent, once."""
    cases = Case.objects.select_related("person").order_by("pk") if cases is None else cases
    today = timezone.localdate()
    scam_set = IndicatorSet.objects.filter(code="forced-criminality-scam", is_current=True).first()
    for index, case in enumerate(cases):
        actor = case.caseworkers.first() or case.created_by
        if scam_set and not case.screenings.exists():
            _seed_screening(case, scam_set, actor, complete=index % 2 == 0)
        if not case.service_items.exists():
            _seed_services(case, actor, today, with_permit=index % 5 == 0)
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


def _seed_screening(case: Case, indicator_set: IndicatorSet, actor, *, complete: bool) -> None:
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


def _seed_services(case: Case, actor, today: datetime.date, *, with_permit: bool) -> None:
    services.save_service(
        ServiceItem(
            case=case,
            service_type="shelter",
            status=ServiceItem.Status.IN_PROGRESS,
            start_date=case.intake_date,
            shelter_location="Demo shelter, fictional address 1",
        ),
        actor=actor,
    )
    services.save_service(
        ServiceItem(
            case=case,
            service_type="legal_aid",
            status=ServiceItem.Status.PLANNED,
            due_date=today - datetime.timedelta(days=3),
        ),
        actor=actor,
    )
    if with_permit:
        services.save_service(
            ServiceItem(
                case=case,
                service_type="residence_permit",
                status=ServiceItem.Status.COMPLETED,
                permit_number="DEMO-PERMIT-0001",
                permit_issued_on=today - datetime.timedelta(days=160),
                permit_expires_on=today + datetime.timedelta(days=20),
            ),
            actor=actor,
        )
