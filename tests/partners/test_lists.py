"""The referral queue, MLA list and activity list: filters the dashboard links to,
counts scoped to the user's agency, and a query count that does not grow with rows."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

import listing
from cases import selectors
from cooperation import services
from cooperation.models import Referral
from partners.models import ServiceType
from tests.factories import (
    AgencyFactory,
    CaseFactory,
    MLARequestFactory,
    PreventionActivityFactory,
    ReferralFactory,
)
from tests.plans import explain

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def _rows(client, name: str, params: dict | None = None) -> list:
    response = client.get(reverse(name), params or {})
    assert response.status_code == 200
    return list(response.context["page"].object_list)


def _count(client, name: str, params: dict) -> int:
    return client.get(reverse(name), params).context["page"].paginator.count


def test_referral_filters_match_the_dashboard_parameters(
    login, case, agency_a, agency_b, receiver_supervisor, supervisor
):
    late = ReferralFactory(
        case=case, to_agency=agency_b, respond_by=TODAY() - datetime.timedelta(1)
    )
    waiting = ReferralFactory(case=case, to_agency=agency_b)
    answered = ReferralFactory(case=case, to_agency=agency_b)
    services.decline_referral(answered, actor=receiver_supervisor, reason="no_capacity")
    external = ReferralFactory(case=case, to_agency=None, external_name="X", status="recorded")
    other_case = ReferralFactory(to_agency=agency_b)  # from a third agency
    receiving = login(receiver_supervisor)
    assert set(_rows(receiving, "cooperation:referral_list", {"direction": "in"})) == {
        late,
        waiting,
        answered,
        other_case,
    }
    assert set(_rows(receiving, "cooperation:referral_list", {"awaiting": "1"})) == {
        late,
        waiting,
        other_case,
    }
    assert _rows(receiving, "cooperation:referral_list", {"overdue": "1"}) == [late]
    assert _rows(receiving, "cooperation:referral_list", {"status": "declined"}) == [answered]
    assert _rows(receiving, "cooperation:referral_list", {"direction": "out"}) == []
    sending = login(supervisor)
    assert set(_rows(sending, "cooperation:referral_list", {"direction": "out"})) == {
        late,
        waiting,
        answered,
        external,
    }
    assert _count(sending, "cooperation:referral_list", {"direction": "in"}) == 0
    assert _count(sending, "cooperation:referral_list", {"status": "recorded"}) == 1


@pytest.mark.parametrize(
    "params", [{"direction": "sideways"}, {"status": "lost"}, {"awaiting": "2"}, {"overdue": "x"}]
)
def test_referral_filter_values_outside_the_allow_list_give_400(login, supervisor, params):
    assert login(supervisor).get(reverse("cooperation:referral_list"), params).status_code == 400


def test_referral_filters_are_kept_across_pages(login, case, agency_b, supervisor, settings):
    settings.HARBOR_PAGE_SIZE = 2
    for _ in range(5):
        ReferralFactory(case=case, to_agency=agency_b)
    response = login(supervisor).get(reverse("cooperation:referral_list"), {"direction": "out"})
    assert "direction=out&amp;page=2" in response.content.decode()


def test_empty_queue_says_how_to_refer(login, caseworker):
    page = login(caseworker).get(reverse("cooperation:referral_list")).content.decode()
    assert "No referrals yet" in page


def _queries(client, url: str, params: dict | None = None) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params or {}).status_code == 200
    return len(queries)


def test_referral_queue_query_count_is_the_same_for_1_and_200_rows(
    login, case, agency_b, receiver_supervisor, receiver, settings
):
    settings.HARBOR_PAGE_SIZE = 250
    client = login(receiver_supervisor)
    url = reverse("cooperation:referral_list")
    first = ReferralFactory(case=case, to_agency=agency_b)
    first.assigned_to.add(receiver)
    one = _queries(client, url, {"direction": "in"})
    for _ in range(199):
        ReferralFactory(case=case, to_agency=agency_b).assigned_to.add(receiver)
    assert _queries(client, url, {"direction": "in"}) == one
    assert len(_rows(client, "cooperation:referral_list", {"direction": "in"})) == 200


def test_activity_list_query_count_is_the_same_for_1_and_200_rows(
    login, caseworker, agency_a, agency_b, settings
):
    settings.HARBOR_PAGE_SIZE = 250
    client = login(caseworker)
    url = reverse("partners:activity_list")
    PreventionActivityFactory(organiser=agency_a, created_by=caseworker).partner_agencies.add(
        agency_b
    )
    one = _queries(client, url)
    for _ in range(199):
        activity = PreventionActivityFactory(organiser=agency_a, created_by=caseworker)
        activity.partner_agencies.add(agency_b)
    assert _queries(client, url) == one


def test_activities_filter_by_type_year_and_agency(login, caseworker, agency_a, agency_b):
    training = PreventionActivityFactory(organiser=agency_a, created_by=caseworker)
    takedown = PreventionActivityFactory(
        organiser=agency_b,
        activity_type="takedown",
        start_date=datetime.date(2024, 3, 1),
        platform="Example Social",
        link_or_identifier="https://example.org/ad/1",
    )
    partnered = PreventionActivityFactory(organiser=agency_b)
    partnered.partner_agencies.add(agency_a)
    client = login(caseworker)
    assert _rows(client, "partners:activity_list", {"type": "takedown"}) == [takedown]
    assert _rows(client, "partners:activity_list", {"year": "2024"}) == [takedown]
    assert set(_rows(client, "partners:activity_list", {"agency": agency_a.pk})) == {
        training,
        partnered,
    }
    assert (
        login(caseworker).get(reverse("partners:activity_list"), {"type": "x"}).status_code == 400
    )


def test_platform_admin_sees_activities(login, platform_admin, agency_a):
    activity = PreventionActivityFactory(organiser=agency_a)
    assert _rows(login(platform_admin), "partners:activity_list") == [activity]


def test_mla_list_shows_the_agencys_overdue_requests(login, supervisor, agency_a, agency_b):
    overdue = MLARequestFactory(agency=agency_a, reply_due=TODAY() - datetime.timedelta(1))
    MLARequestFactory(agency=agency_a)
    replied = MLARequestFactory(
        agency=agency_a, reply_due=TODAY() - datetime.timedelta(1), status="replied"
    )
    MLARequestFactory(agency=agency_b, reply_due=TODAY() - datetime.timedelta(1))
    client = login(supervisor)
    assert _rows(client, "cooperation:mla_list", {"overdue": "1"}) == [overdue]
    assert _rows(client, "cooperation:mla_list", {"status": "replied"}) == [replied]
    assert _count(client, "cooperation:mla_list", {}) == 3


def test_mla_list_query_count_is_constant(login, supervisor, agency_a, case, settings):
    settings.HARBOR_PAGE_SIZE = 100
    client = login(supervisor)
    MLARequestFactory(agency=agency_a, case=case)
    one = _queries(client, reverse("cooperation:mla_list"))
    for _ in range(50):
        MLARequestFactory(agency=agency_a, case=case)
    assert _queries(client, reverse("cooperation:mla_list")) == one


def _pages_read_in_one_walk(
    client, url: str, params: dict, pages: int, count: int, table: str
) -> tuple[list[int], str, str]:
    """The rows of the first `pages` pages (each counting `count` rows), and the two
    queries of the last page on `table`: its ids' walk and its rows by key. No COUNT."""
    shown = []
    for number in range(1, pages + 1):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, {**params, "page": number})
        shown += [row.pk for row in response.context["page"].object_list]
        assert response.context["page"].paginator.count == count
    selects = [q["sql"] for q in queries.captured_queries if f'"{table}"' in q["sql"]]
    assert not [sql for sql in selects if "COUNT(" in sql.upper()]
    ids, rows = selects[:2]
    return shown, ids, rows


def test_the_mla_list_walks_its_order_once_for_the_count_and_the_page(
    login, supervisor, agency_a, settings
):
    """Filtered or not, the MLA list's first ids up to the count's cap are read once in
    the list's order (reply due, newest sent first): their number is the count, each page
    a slice of them, its rows then read by key with their case. Counted by id and paged
    along its order, a closed-status page 40 walked a national agency's requests twice
    (32.5 ms at 1,000,000 cases, 19.2 after)."""
    settings.HARBOR_PAGE_SIZE = 2
    due = [5, 1, 9, 3, 1]
    made = [
        MLARequestFactory(agency=agency_a, reply_due=TODAY() + datetime.timedelta(days))
        for days in due
    ]
    MLARequestFactory(agency=agency_a, status="closed")
    expected = [
        m.pk for m in sorted(made, key=lambda m: (m.reply_due, -m.sent_on.toordinal(), -m.pk))
    ]
    url = reverse("cooperation:mla_list")
    shown, ids, rows = _pages_read_in_one_walk(
        login(supervisor), url, {"status": "sent"}, 3, 5, "partners_mlarequest"
    )
    assert shown == expected
    assert (
        '"partners_mlarequest"."reply_due" ASC' in ids and f"LIMIT {listing.COUNT_CAP + 1}" in ids
    )
    assert '"partners_mlarequest"."id" IN (' in rows and '"cases_case"' in rows


@pytest.mark.parametrize("name", ["cooperation:mla_list", "cooperation:referral_list"])
def test_the_lists_probe_each_rows_case_and_person_from_indexes_alone(
    login, supervisor, agency_a, agency_b, case, name
):
    """The MLA and referral lists count up to COUNT_CAP + 1 rows, each checked against the
    archive rule (its case and the case's person not archived). On PostgreSQL both probes
    read an index alone (cases_case_live, victims_person_live), never the case or person
    row: 7.9 -> 4.3 ms for the MLA list's 1,001 probes at 1,000,000 cases (issue 12). An
    archived case's rows stay out all the same."""
    shown = MLARequestFactory(agency=agency_a, case=case)
    referral = ReferralFactory(case=case, to_agency=agency_b)
    gone = CaseFactory(agency=agency_a, archived_at=timezone.now())
    hidden = [MLARequestFactory(agency=agency_a, case=gone).pk]
    hidden.append(ReferralFactory(case=gone, to_agency=agency_b).pk)
    with CaptureQueriesContext(connection) as queries:
        rows = _rows(login(supervisor), name)
    assert {row.pk for row in rows} == {shown.pk if "mla" in name else referral.pk}
    assert not {row.pk for row in rows} & set(hidden)
    if connection.vendor == "postgresql":
        ids = next(q["sql"] for q in queries.captured_queries if 'AS "pk" FROM' in q["sql"])
        plan = explain(ids)
        assert "Index Only Scan using cases_case_live" in plan
        assert "Index Only Scan using victims_person_live" in plan


def test_my_work_shows_awaiting_referrals_and_overdue_mla(
    login, referral, receiver, caseworker, agency_a, case
):
    mla = MLARequestFactory(
        agency=agency_a, case=case, reply_due=TODAY() - datetime.timedelta(days=2)
    )
    receiver_page = login(receiver).get(reverse("cases:my_work")).content.decode()
    assert referral.get_absolute_url() in receiver_page
    owner_page = login(caseworker).get(reverse("cases:my_work")).content.decode()
    assert mla.get_absolute_url() in owner_page
    assert referral.get_absolute_url() not in owner_page  # sent, not awaiting us


def test_my_work_query_count_is_constant_with_referrals_and_mla(
    login, case, agency_a, agency_b, receiver
):
    client = login(receiver)
    other = AgencyFactory(code="AGX")
    ReferralFactory(case=case, to_agency=agency_b)
    MLARequestFactory(
        agency=agency_b, reply_due=TODAY() - datetime.timedelta(1), created_by=receiver
    )
    one = _queries(client, reverse("cases:my_work"))
    for _ in range(30):
        ReferralFactory(case=case, to_agency=agency_b)
        MLARequestFactory(
            agency=agency_b, reply_due=TODAY() - datetime.timedelta(1), created_by=receiver
        )
    ReferralFactory(case=case, to_agency=other)
    assert _queries(client, reverse("cases:my_work")) == one


def test_my_work_shows_the_first_referrals_and_mla_replies_with_counts_and_links(
    login, case, agency_b, receiver
):
    """The partners' panels are bounded as My work's others are: the first MY_WORK_LIMIT
    rows, the count of all, and a link to the full list that only shows when more wait."""
    client = login(receiver)
    client.get(reverse("cases:my_work"))  # the first request after login refreshes the session
    limit = selectors.MY_WORK_LIMIT
    mlas = [
        MLARequestFactory(
            agency=agency_b, reply_due=TODAY() - datetime.timedelta(days=1 + i), created_by=receiver
        )
        for i in range(limit)
    ]
    referrals = [ReferralFactory(case=case, to_agency=agency_b) for _ in range(limit)]
    html = client.get(reverse("cases:my_work")).content.decode()
    mla_link = f"{reverse('cooperation:mla_list')}?overdue=1"
    referral_link = f"{reverse('cooperation:referral_list')}?direction=in&amp;awaiting=1"
    assert all(f'href="{row.get_absolute_url()}"' in html for row in [*mlas, *referrals])
    assert mla_link not in html and referral_link not in html  # all of them are shown
    newest = MLARequestFactory(agency=agency_b, reply_due=TODAY(), created_by=receiver)
    oldest = MLARequestFactory(
        agency=agency_b, reply_due=TODAY() - datetime.timedelta(days=400), created_by=receiver
    )
    ReferralFactory(case=case, to_agency=agency_b)
    html = client.get(reverse("cases:my_work")).content.decode()
    # Oldest due date first; today's reply is not overdue yet.
    assert f'href="{oldest.get_absolute_url()}"' in html
    assert f'href="{newest.get_absolute_url()}"' not in html
    assert f'href="{mlas[0].get_absolute_url()}"' not in html  # the 11th oldest: in the list
    shown = sum(html.count(f'href="{row.get_absolute_url()}"') for row in [*mlas, oldest])
    assert shown == limit
    assert mla_link in html and referral_link in html
    panel = html[html.index('id="mla-overdue-heading"') :]
    assert f">{limit + 1}<" in panel.replace(" ", "")[:200]
    assert (
        sum(
            html.count(f'href="{row.get_absolute_url()}"')
            for row in Referral.objects.filter(to_agency=agency_b)
        )
        == limit
    )


def test_the_list_filtered_on_a_purpose_looks_for_the_sent_ones_along_their_index(
    login, case, agency_a, agency_b, supervisor, outsider
):
    """A purpose keeps the referrals of that purpose on both sides of the scope, sent and
    received. On PostgreSQL the sent ones are looked for along (from_agency, purpose): a
    purpose the agency rarely refers for was looked for among every referral it ever sent
    (21,000 rows read to show none at 1,000,000 cases; issue 12)."""
    shelter = ReferralFactory(case=case, to_agency=agency_b)
    legal = ReferralFactory(case=case, to_agency=agency_b, purpose=ServiceType.LEGAL_AID)
    other = CaseFactory(agency=agency_b, caseworkers=[outsider])
    received = ReferralFactory(
        case=other, from_agency=agency_b, to_agency=agency_a, purpose=ServiceType.LEGAL_AID
    )
    client = login(supervisor)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("cooperation:referral_list"), {"purpose": "legal_aid"})
    shown = {row.pk for row in response.context["page"].object_list}
    assert shown == {legal.pk, received.pk} and shelter.pk not in shown
    if connection.vendor == "postgresql":
        ids = next(
            q["sql"]
            for q in queries.captured_queries
            if '"partners_referral"."id" AS "pk"' in q["sql"]
        )
        assert "cooperation_referral_from_for" in explain(ids)


def test_case_page_query_count_is_constant_with_referrals(login, case, caseworker, agency_b):
    client = login(caseworker)
    ReferralFactory(case=case, to_agency=agency_b)
    one = _queries(client, reverse("cases:detail", args=[case.pk]))
    for _ in range(20):
        ReferralFactory(case=case, to_agency=agency_b)
    assert _queries(client, reverse("cases:detail", args=[case.pk])) == one
    assert Referral.objects.count() == 21


def test_a_status_page_of_the_queue_is_read_along_its_order_then_by_key(
    login, case, agency_b, supervisor, settings
):
    """Filtered on a status, the queue's first ids up to the count's cap are read once in
    the list's order (sent, newest first), from the referrals alone: their number is the
    count and the page is a slice of them. The page's rows are then read by key with their
    case and agencies. On PostgreSQL the order of one status is an index of its own: no
    sort of every sent referral (issue 12)."""
    settings.HARBOR_PAGE_SIZE = 2
    start = timezone.now() - datetime.timedelta(days=30)
    sent = []
    for day in (3, 9, 1, 9, 5):  # two sent the same moment: the newer id first
        referral = ReferralFactory(case=case, to_agency=agency_b)
        Referral.objects.filter(pk=referral.pk).update(sent_at=start + datetime.timedelta(day))
        sent.append((day, referral.pk))
    declined = sent.pop(0)[1]
    Referral.objects.filter(pk=declined).update(status=Referral.Status.DECLINED)
    expected = [pk for _day, pk in sorted(sent, reverse=True)]
    client = login(supervisor)
    url = reverse("cooperation:referral_list")
    shown, ids, rows = _pages_read_in_one_walk(
        client, url, {"status": "sent"}, 2, 4, "partners_referral"
    )
    assert shown == expected
    assert '"partners_referral"."sent_at" DESC' in ids  # the list's order, not by id
    assert '"partners_agency"' not in ids and f"LIMIT {listing.COUNT_CAP + 1}" in ids
    assert '"partners_agency"' in rows and '"partners_referral"."id" IN (' in rows
    if connection.vendor == "postgresql":
        walk = explain(ids, off=("sort", "bitmapscan"))
        assert "cooperation_referral_status" in walk and "Sort" not in walk
