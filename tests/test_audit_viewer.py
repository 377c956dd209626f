"""The audit viewer: an agency admin reads their own agency's trail, and nobody else reads any."""

from __future__ import annotations

import html
import re
from unittest import mock

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import record_event
from listing import STAFF_CHOICES
from policy import Role
from tests.factories import UserFactory

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
    assert len(page.context["page"].object_list) == 3
    page = client.get(URL, {"actor": supervisor.pk, "object_type": "cases.case"})
    assert len(page.context["page"].object_list) == 2


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


def _ids(response) -> list[int]:
    return [event.pk for event in response.context["page"].object_list]


@override_settings(HARBOR_PAGE_SIZE=4)
def test_older_and_newer_walk_the_whole_trail_once_keeping_the_filters(
    login, agency_admin, caseworker, supervisor
):
    moment = timezone.now()
    # Several rows share one instant: the id breaks the tie, none is skipped or repeated.
    with mock.patch("django.utils.timezone.now", return_value=moment):
        _events(caseworker, 6, AuditEvent.Action.REVEAL)
    _events(caseworker, 5, AuditEvent.Action.REVEAL)
    _events(supervisor, 3, AuditEvent.Action.REVEAL)
    expected = list(
        AuditEvent.objects.filter(actor=caseworker)
        .order_by("-occurred_at", "-id")
        .values_list("pk", flat=True)
    )
    client = login(agency_admin)
    filters = {"actor": caseworker.pk, "action": "reveal"}
    pages = [client.get(URL, filters)]
    assert pages[0].context["page"].has_newer is False
    while pages[-1].context["page"].has_older:
        link = re.search(r'href="([^"]*older=[^"]*)"', pages[-1].content.decode())[1]
        assert f"actor={caseworker.pk}" in link and "action=reveal" in link
        pages.append(client.get(URL + html.unescape(link)))
    seen = [pk for page in pages for pk in _ids(page)]
    assert seen == expected
    assert len(pages) == 3
    # And back: "Newer" from the last page gives the page before it, exactly.
    newer = pages[-1].context["page"].newer_cursor
    assert _ids(client.get(URL, {**filters, "newer": newer})) == _ids(pages[-2])
    # No count anywhere: the trail is never counted.
    assert "result" not in pages[0].content.decode()


@override_settings(HARBOR_PAGE_SIZE=5)
def test_a_deep_page_costs_the_same_queries_as_the_first(login, agency_admin, caseworker):
    _events(caseworker, 30)
    client = login(agency_admin)
    client.get(URL)
    with CaptureQueriesContext(connection) as first:
        response = client.get(URL)
    cursor = response.context["page"].older_cursor
    for _ in range(3):
        response = client.get(URL, {"older": cursor})
        cursor = response.context["page"].older_cursor
    with CaptureQueriesContext(connection) as deep:
        assert client.get(URL, {"older": cursor}).status_code == 200
    assert len(first) == len(deep)
    audit_reads = [q["sql"] for q in deep.captured_queries if "audit_auditevent" in q["sql"]]
    assert len(audit_reads) == 1
    assert "COUNT(" not in audit_reads[0].upper()
    assert "OFFSET" not in audit_reads[0].upper()


@pytest.mark.parametrize(
    "bad", [{"older": "yesterday"}, {"older": "1_2", "newer": "1_2"}, {"newer": "9" * 18 + "_1"}]
)
def test_bad_cursors_are_400(login, agency_admin, bad):
    assert login(agency_admin).get(URL, bad).status_code == 400


def test_date_filters_take_whole_days_in_the_local_time_zone(login, agency_admin, caseworker):
    client = login(agency_admin)
    _events(caseworker, 2)
    today = timezone.localdate().isoformat()
    page = client.get(URL, {"after": today, "before": today, "actor": caseworker.pk})
    assert len(page.context["page"].object_list) == 2
    assert client.get(URL, {"before": "2000-01-01"}).context["page"].object_list == []


def test_the_who_dropdown_is_bounded_and_the_name_filter_finds_anyone(
    login, agency_admin, caseworker, supervisor
):

    crowd = UserFactory.create_batch(
        STAFF_CHOICES + 1, agency=agency_admin.agency, role=Role.CASEWORKER
    )
    _events(crowd[-1], 2, AuditEvent.Action.REVEAL)
    _events(supervisor, 1, AuditEvent.Action.VIEW)
    client = login(agency_admin)
    page = client.get(URL)
    offered = {v for v, _label in page.context["filter"].form.fields["actor"].widget.choices if v}
    assert offered == {agency_admin.pk}
    # Anybody of the agency stays a valid choice, and is then offered.
    chosen = client.get(URL, {"actor": crowd[-1].pk})
    assert len(chosen.context["page"].object_list) == 2
    offered = {v for v, _l in chosen.context["filter"].form.fields["actor"].widget.choices if v}
    assert offered == {agency_admin.pk, crowd[-1].pk}
    by_name = client.get(URL, {"actor_name": crowd[-1].full_name[2:-2]})
    assert {event.actor_id for event in by_name.context["page"].object_list} == {crowd[-1].pk}
