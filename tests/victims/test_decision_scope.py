"""A decision's agency is its case's, and the decision scope follows the case scope for
every role: whole-agency staff find decisions by the agency column, caseworkers from
their own cases; the inbox's open reviews are a named rule (issue 12)."""

from __future__ import annotations

import datetime

import pytest

from tests.factories import CaseFactory
from victims.models import IdentificationDecision

pytestmark = pytest.mark.django_db


def _decision(case, **fields) -> IdentificationDecision:
    return IdentificationDecision.objects.create(
        case=case,
        authority="police",
        decided_on=datetime.date(2026, 11, 1),
        outcome="not_identified",
        recorded_by=case.created_by,
        **fields,
    )


def test_a_decision_takes_its_case_agency(agency_b):
    decision = _decision(CaseFactory(agency=agency_b))
    decision.refresh_from_db()
    assert decision.agency_id == agency_b.pk


def test_whole_agency_staff_see_their_agency_decisions_only(
    agency_a, agency_b, supervisor, agency_admin, outsider_admin
):
    ours = _decision(CaseFactory(agency=agency_a))
    theirs = _decision(CaseFactory(agency=agency_b))
    for user in (supervisor, agency_admin):
        assert list(IdentificationDecision.objects.visible_to(user)) == [ours]
    assert list(IdentificationDecision.objects.visible_to(outsider_admin)) == [theirs]


def test_a_caseworker_sees_the_decisions_of_their_own_cases(
    agency_a, caseworker, other_caseworker, platform_admin
):
    mine = _decision(CaseFactory(agency=agency_a, caseworkers=[caseworker]))
    _decision(CaseFactory(agency=agency_a, caseworkers=[other_caseworker]))
    assert list(IdentificationDecision.objects.visible_to(caseworker)) == [mine]
    assert not IdentificationDecision.objects.visible_to(platform_admin).exists()


def test_awaiting_review_is_a_requested_review_without_an_outcome(agency_a, supervisor):
    requested = datetime.date(2026, 11, 10)
    waiting = _decision(CaseFactory(agency=agency_a), review_requested_on=requested)
    _decision(
        CaseFactory(agency=agency_a),
        review_requested_on=requested,
        review_outcome="identified",
        review_decided_on=datetime.date(2026, 11, 20),
    )
    _decision(CaseFactory(agency=agency_a))
    scope = IdentificationDecision.objects.visible_to(supervisor)
    assert list(scope.awaiting_review()) == [waiting]
