"""The audit viewer: an agency admin reads their own agency's trail, and nobody else reads any."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from audit.services import record_event

pytestmark = pytest.mark.django_db

URL = reverse("audit:event_list")


def _events(actor, count: int, action=AuditEvent.Action.VIEW) -> None:
    for number in range(count):
        record_event(actor=actor, action=action, object_type="cases.case", object_id=str(number))


def test_an_agency_admin_sees_their_agencys_events_only(login, agency_admin, caseworker, outsider):
    record_event(actor=caseworker, action="view", object_type="cases.case", object_id="4242")
    record_event(actor=outsider, action="view", object_type="cases.case", object_id="9191")
    page = login(agency_admin).get(URL).content.decode()
    assert "cases.case#4242" in page
    assert "Casey Worker" in page
    assert "9191" not in page


@pytest.mark.parametrize("persona", ["caseworker", "supervisor", "platform_admin", "outsider"])
def test_other_roles_get_403(request, login, persona):
    assert login(request.getfixturevalue(persona)).get(URL).status_code == 403


def test_filters_narrow_the_trail_and_survive_paging(login, agency_admin, caseworker, supervisor):
    _events(caseworker, 3, AuditEvent.Action.REVEAL)
    _events(supervisor, 2, AuditEvent.Action.VIEW)
    client = login(agency_admin)
    page = client.get(URL, {"action": "reveal", "actor": caseworker.pk})
    assert page.status_code == 200
    assert page.context["page"].paginator.count == 3
    page = client.get(URL, {"actor": supervisor.pk, "object_type": "cases.case"})
    assert page.context["page"].paginator.count == 2


def test_filtering_by_another_agencys_user_is_refused(login, agency_admin, outsider):
    assert login(agency_admin).get(URL, {"actor": outsider.pk}).status_code == 400


@pytest.mark.parametrize("bad", [{"action": "drop"}, {"after": "2026-02-30"}])
def test_bad_filter_values_are_400(login, agency_admin, bad):
    assert login(agency_admin).get(URL, bad).status_code == 400


def test_the_query_count_does_not_grow_with_rows(login, agency_admin, caseworker):
    client = login(agency_admin)
    _events(caseworker, 1)
    with CaptureQueriesContext(connection) as one:
        assert client.get(URL).status_code == 200
    _events(caseworker, 100)
    with CaptureQueriesContext(connection) as many:
        assert client.get(URL).status_code == 200
    assert len(one) == len(many)
