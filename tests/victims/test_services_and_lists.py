"""Service plan, My work selectors, consent, and query-count bounds."""

from __future__ import annotations

import datetime

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from cases import services as case_services
from cases.models import Case, ServiceItem
from cases.selectors import services_needing_attention
from tests.factories import CaseFactory, PersonFactory
from victims import services
from victims.models import ConsentRecord
from victims.selectors import has_sharing_consent

pytestmark = pytest.mark.django_db


def test_the_first_service_starts_the_protection_track(login, caseworker, case):
    response = login(caseworker).post(
        reverse("cases:service_create", args=[case.pk]),
        {
            "service_type": "interpretation",
            "status": "planned",
            "language": "Thai",
            "interpreter": "Demo Interpreter",
            "hearing": "Police interview",
        },
    )
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).protection_status == "in_progress"
    assert ServiceItem.objects.get().created_by == caseworker


def test_the_shelter_location_is_hidden_from_roles_that_do_not_need_it(
    login, agency_admin, caseworker, case
):
    service = case_services.save_service(
        ServiceItem(case=case, service_type="shelter", shelter_location="Hidden Lane 5"),
        actor=caseworker,
    )
    url = reverse("cases:service_edit", args=[service.case_id, service.pk])
    assert "Hidden Lane 5" in login(caseworker).get(url).content.decode()
    assert "Hidden Lane 5" not in login(agency_admin).get(url).content.decode()
    panel = login(agency_admin).get(reverse("cases:detail", args=[case.pk]))
    assert "Hidden Lane 5" not in panel.content.decode()


def _service(case, actor, status="planned", **fields):
    service = case_services.save_service(ServiceItem(case=case, **fields), actor=actor)
    if status == "completed":  # planned → in progress → completed, through the writer
        for step in ("in_progress", "completed"):
            case_services.transition_service(service, step, actor=actor)
    return service


def test_services_needing_attention_lists_expiring_permits_and_overdue_services(
    caseworker, other_caseworker, case, agency_a
):
    today = timezone.localdate()
    permit = _service(
        case,
        caseworker,
        service_type="work_permit",
        status="completed",
        permit_number="WP-1",
        permit_expires_on=today + datetime.timedelta(days=12),
    )
    _service(
        case,
        caseworker,
        service_type="residence_permit",
        status="completed",
        permit_expires_on=today + datetime.timedelta(days=90),
    )
    overdue = _service(
        case, caseworker, service_type="legal_aid", due_date=today - datetime.timedelta(days=1)
    )
    _service(
        case,
        caseworker,
        service_type="medical",
        status="completed",
        due_date=today - datetime.timedelta(days=1),
    )
    attention = services_needing_attention(caseworker)
    assert list(attention["expiring_permits"]) == [permit]
    assert list(attention["overdue_services"]) == [overdue]
    other = services_needing_attention(other_caseworker)
    assert not other["expiring_permits"].rows and not other["overdue_services"].rows
    html = render_to_string(
        "cases/partials/my_work_services.html", {"services_attention": attention}
    )
    assert case.reference in html and "WP-1" not in html


def test_services_needing_attention_has_a_constant_query_count(
    supervisor, caseworker, agency_a, django_assert_num_queries
):
    today = timezone.localdate()

    def render() -> str:
        return render_to_string(
            "cases/partials/my_work_services.html",
            {"services_attention": services_needing_attention(supervisor)},
        )

    for _ in range(2):
        case = CaseFactory(agency=agency_a, created_by=caseworker, caseworkers=[caseworker])
        _service(
            case,
            caseworker,
            service_type="work_permit",
            permit_expires_on=today + datetime.timedelta(days=5),
            due_date=today - datetime.timedelta(days=2),
        )
    with django_assert_num_queries(3):
        render()
    for _ in range(10):
        case = CaseFactory(agency=agency_a, created_by=caseworker, caseworkers=[caseworker])
        _service(
            case,
            caseworker,
            service_type="work_permit",
            permit_expires_on=today + datetime.timedelta(days=5),
            due_date=today - datetime.timedelta(days=2),
        )
    with django_assert_num_queries(3):
        render()


def test_sharing_consent_by_agency_type_and_named_agency(caseworker, person, agency_b):
    def consent(**fields):
        services.record_consent(
            ConsentRecord(
                person=person,
                purpose="sharing",
                given_on="2026-01-01",
                explained_in="English",
                **fields,
            ),
            actor=caseworker,
        )

    assert not has_sharing_consent(person, agency_b)
    consent(target_agency_type=agency_b.agency_type, status="given")
    assert has_sharing_consent(person, agency_b)
    consent(target_agency=agency_b, status="refused")
    assert not has_sharing_consent(person, agency_b)


def test_the_person_list_needs_the_same_queries_for_1_and_200_people(
    login, supervisor, caseworker, agency_a
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(supervisor)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("victims:person_list")).status_code == 200
        return len(captured)

    PersonFactory(agency=agency_a, created_by=caseworker)
    with_one = count()
    PersonFactory.create_batch(199, agency=agency_a, created_by=caseworker)
    assert count() == with_one


def test_an_unknown_filter_value_is_a_400(login, supervisor):
    response = login(supervisor).get(reverse("victims:person_list"), {"sex": "robot"})
    assert response.status_code == 400
