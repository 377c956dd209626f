"""No page offers a role a button or link that its policy would refuse (403).

Each persona opens the main pages of agency A's records; every form action and every
link on them is resolved against the URLconf, and the view's declared capability
(`access.allowed`) must include the persona's role. Templates ask `can.<CAPABILITY>`
from the same policy, so a button shown to the wrong role fails here.
"""

from __future__ import annotations

import re

import pytest
from django.urls import Resolver404, resolve, reverse

from cooperation.models import MLARequest
from tests.factories import (
    AgreementFactory,
    CaseFactory,
    PreventionActivityFactory,
    TaskFactory,
)
from tests.privacy.conftest import make_canary_case

pytestmark = pytest.mark.django_db

TARGET = re.compile(r'(?:action|href)="(/[^"#?]*)')


@pytest.fixture
def case(agency_a, caseworker, supervisor, private_storage):
    case = make_canary_case(agency=agency_a, caseworker=caseworker, supervisor=supervisor)
    TaskFactory(case=case, assignee=caseworker)
    CaseFactory(agency=agency_a, created_by=caseworker, caseworkers=[caseworker])
    return case


def _pages(case) -> list[str]:
    person = case.person
    referral = case.referrals.get()
    agreement = AgreementFactory()
    agreement.parties.add(case.agency)
    activity = PreventionActivityFactory(organiser=case.agency)
    return [
        reverse("cases:my_work"),
        reverse("cases:list"),
        reverse("cases:task_list"),
        case.get_absolute_url(),
        reverse("cases:timeline", args=[case.pk]),
        reverse("victims:person_list"),
        person.get_absolute_url(),
        reverse("victims:consent_list", args=[person.pk]),
        reverse("cooperation:referral_list"),
        reverse("cooperation:mla_list"),
        reverse("partners:agency_list"),
        reverse("partners:activity_list"),
        reverse("partners:agreement_list"),
        referral.get_absolute_url(),
        MLARequest.objects.get(case=case).get_absolute_url(),
        case.screenings.get().get_absolute_url(),
        case.identification_decisions.get().get_absolute_url(),
        case.agency.get_absolute_url(),
        referral.to_agency.get_absolute_url(),
        agreement.get_absolute_url(),
        activity.get_absolute_url(),
    ]


def _targets(html: str) -> set[str]:
    return {path for path in TARGET.findall(html) if not path.startswith("/static/")}


@pytest.mark.parametrize("persona", ["caseworker", "supervisor", "agency_admin"])
def test_no_page_offers_a_role_what_its_policy_refuses(request, login, persona, case):
    user = request.getfixturevalue(persona)
    client = login(user)
    refused = []
    for page in _pages(case):
        response = client.get(page)
        assert response.status_code == 200, page
        for path in _targets(response.content.decode()):
            try:
                match = resolve(path)
            except Resolver404:
                continue
            policy = getattr(match.func, "policy", None)
            if policy is not None and user.role not in policy:
                refused.append(f"{page} → {path} ({match.view_name})")
    assert refused == [], "\n".join(sorted(set(refused)))
