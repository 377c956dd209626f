"""Referral personas: agency A refers a case to agency B; agency C is a third party."""

from __future__ import annotations

import pytest

from accounts.models import User
from cases.models import Case
from cooperation import services
from cooperation.models import Referral
from partners.models import Agency, AgencyType
from policy import Role
from tests.factories import AgencyFactory, CaseFactory, ConsentFactory, UserFactory


@pytest.fixture
def case(agency_a, caseworker, supervisor) -> Case:
    """A case of agency A, assigned to `caseworker`, supervised by `supervisor`."""
    case = CaseFactory(agency=agency_a, created_by=caseworker, caseworkers=[caseworker])
    case.supervisor = supervisor
    case.save(update_fields=["supervisor"])
    return case


@pytest.fixture
def consent(case, agency_b, caseworker):
    """The person consents to share with agency B (by name)."""
    return ConsentFactory(person=case.person, target_agency=agency_b, recorded_by=caseworker)


@pytest.fixture
def receiver(agency_b) -> User:
    """A caseworker of agency B who will be assigned to work the referral."""
    return UserFactory(
        email="receiver.b@example.org",
        full_name="Rene Receiver",
        agency=agency_b,
        role=Role.CASEWORKER,
    )


@pytest.fixture
def receiver_supervisor(agency_b) -> User:
    """Agency B's supervisor: sees every referral to agency B."""
    return UserFactory(
        email="supervisor.b@example.org",
        full_name="Sky Shelter",
        agency=agency_b,
        role=Role.SUPERVISOR,
    )


@pytest.fixture
def agency_c(db) -> Agency:
    """A third agency, party to nothing."""
    return AgencyFactory(name="Agency C (Police)", code="AGC", agency_type=AgencyType.POLICE)


@pytest.fixture
def third_party(agency_c) -> User:
    """A supervisor of agency C: must get 404 on every referral URL."""
    return UserFactory(
        email="supervisor.c@example.org",
        full_name="Cam Third",
        agency=agency_c,
        role=Role.SUPERVISOR,
    )


@pytest.fixture
def referral(case, agency_b, caseworker, consent) -> Referral:
    """Agency A's referral of `case` to agency B, sharing summary and services."""
    return services.send_referral(
        Referral(
            case=case,
            to_agency=agency_b,
            purpose="shelter",
            sections=["summary", "services"],
            respond_by=case.intake_date,
        ),
        actor=caseworker,
    )


@pytest.fixture
def accepted(referral, receiver, receiver_supervisor) -> Referral:
    """The referral accepted by agency B's supervisor, worked by `receiver`."""
    return services.accept_referral(referral, actor=receiver_supervisor, assignees=[receiver])
