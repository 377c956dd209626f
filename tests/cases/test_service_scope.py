"""A service's agency is its case's, and the service scope follows the case scope for
every role: whole-agency staff find services by the agency column, caseworkers from
their own cases (issue 12)."""

from __future__ import annotations

import pytest

from cases.models import ServiceItem
from cases.services import archive_case
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db


def _service(case) -> ServiceItem:
    return ServiceItem.objects.create(
        case=case, service_type="legal_aid", created_by=case.created_by
    )


def test_a_service_takes_its_case_agency(agency_a, agency_b, caseworker):
    case = CaseFactory(agency=agency_b)
    service = ServiceItem(case=case, service_type="medical", created_by=caseworker)
    service.save()
    service.refresh_from_db()
    assert service.agency_id == agency_b.pk


def test_whole_agency_staff_see_their_agency_services_only(
    agency_a, agency_b, supervisor, agency_admin, outsider_admin
):
    ours = _service(CaseFactory(agency=agency_a))
    theirs = _service(CaseFactory(agency=agency_b))
    for user in (supervisor, agency_admin):
        assert list(ServiceItem.objects.visible_to(user)) == [ours]
    assert list(ServiceItem.objects.visible_to(outsider_admin)) == [theirs]


def test_a_caseworker_sees_the_services_of_their_own_cases(agency_a, caseworker, other_caseworker):
    mine = _service(CaseFactory(agency=agency_a, caseworkers=[caseworker]))
    _service(CaseFactory(agency=agency_a, caseworkers=[other_caseworker]))
    assert list(ServiceItem.objects.visible_to(caseworker)) == [mine]
    assert list(ServiceItem.objects.visible_to(caseworker).overdue()) == []


def test_an_archived_case_takes_its_services_out_of_every_scope(agency_a, caseworker, supervisor):
    case = CaseFactory(agency=agency_a, caseworkers=[caseworker])
    _service(case)
    archive_case(case, actor=supervisor, reason="Entered twice by mistake")
    assert not ServiceItem.objects.visible_to(supervisor).exists()
    assert not ServiceItem.objects.visible_to(caseworker).exists()


def test_nobody_outside_an_agency_sees_a_service(platform_admin, coordinator, agency_a):
    _service(CaseFactory(agency=agency_a))
    assert not ServiceItem.objects.visible_to(platform_admin).exists()
    assert not ServiceItem.objects.visible_to(coordinator).exists()
