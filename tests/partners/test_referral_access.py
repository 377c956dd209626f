"""Who may reach each referral URL: the owner's staff, the receiving agency's
assigned staff and supervisors; everyone else gets 404 and never sees it listed."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from cooperation.models import Referral
from cooperation.templatetags.cooperation_tags import WORK_LIST_LIMIT
from tests.factories import ReferralFactory
from tests.plans import explain

pytestmark = pytest.mark.django_db

REFERRAL_URLS = [
    "cooperation:referral_detail",
    "cooperation:referral_accept",
    "cooperation:referral_decline",
    "cooperation:referral_close",
    "cooperation:referral_revoke",
    "cooperation:referral_update_add",
    "cooperation:referral_link_proceeding",
]


def _urls(referral: Referral) -> list[str]:
    # The proceeding link names a proceeding too: the referral's scope answers first.
    extra = {"cooperation:referral_link_proceeding": [1]}
    return [reverse(name, args=[referral.pk, *extra.get(name, [])]) for name in REFERRAL_URLS]


def _listed(client, referral: Referral) -> bool:
    page = client.get(reverse("cooperation:referral_list")).context["page"]
    return referral in page.object_list


def test_every_referral_url_is_covered():
    from cooperation.urls import urlpatterns

    names = {f"cooperation:{p.name}" for p in urlpatterns if "<int:pk>" in str(p.pattern)}
    assert {n for n in names if n.startswith("cooperation:referral")} == set(REFERRAL_URLS)


@pytest.mark.parametrize("persona", ["third_party", "platform_admin", "other_caseworker"])
def test_non_parties_get_404_everywhere_and_never_see_it_listed(request, login, accepted, persona):
    user = request.getfixturevalue(persona)
    client = login(user)
    assert client.get(_urls(accepted)[0]).status_code == 404
    for url in _urls(accepted):
        assert client.post(url).status_code == 404, url
    if user.agency_id:
        assert not _listed(client, accepted)
    else:
        assert client.get(reverse("cooperation:referral_list")).status_code == 403
    assert AuditEvent.objects.filter(action="out_of_scope", actor=user).exists()


def test_unassigned_receiver_caseworker_sees_the_queue_but_not_an_accepted_referral(
    login, referral, outsider, receiver, receiver_supervisor
):
    client = login(outsider)
    assert client.get(reverse("cooperation:referral_detail", args=[referral.pk])).status_code == 200
    assert _listed(client, referral)
    from cooperation import services

    services.accept_referral(referral, actor=receiver_supervisor, assignees=[receiver])
    assert client.get(_urls(referral)[0]).status_code == 404
    for url in _urls(referral):
        assert client.post(url).status_code == 404
    assert not _listed(client, referral)


@pytest.mark.parametrize("persona", ["caseworker", "supervisor", "receiver", "receiver_supervisor"])
def test_parties_read_the_referral_and_see_it_listed(request, login, accepted, persona):
    client = login(request.getfixturevalue(persona))
    assert client.get(reverse("cooperation:referral_detail", args=[accepted.pk])).status_code == 200
    assert _listed(client, accepted)


def test_owner_side_sees_no_shared_section_block_and_receiver_side_does(
    login, accepted, caseworker, receiver, receiver_supervisor, agency_admin
):
    url = reverse("cooperation:referral_detail", args=[accepted.pk])
    assert "Shared case information" in login(receiver).get(url).content.decode()
    assert "Shared case information" in login(receiver_supervisor).get(url).content.decode()
    assert "Shared case information" not in login(caseworker).get(url).content.decode()
    assert login(agency_admin).get(url).status_code == 200


def test_owner_caseworker_not_on_the_case_gets_404(login, accepted, other_caseworker):
    url = reverse("cooperation:referral_detail", args=[accepted.pk])
    assert login(other_caseworker).get(url).status_code == 404


def test_refer_page_of_another_agencys_case_is_404(login, case, outsider, third_party):
    url = reverse("cooperation:referral_create", args=[case.pk])
    for user in (outsider, third_party):
        assert login(user).get(url).status_code == 404
        assert login(user).post(url, {"to_agency": ""}).status_code == 404


def test_agency_admin_cannot_refer(login, case, agency_admin):
    url = reverse("cooperation:referral_create", args=[case.pk])
    assert login(agency_admin).get(url).status_code == 403


def test_agency_page_shows_only_referrals_the_viewer_may_see(
    login, accepted, agency_b, third_party, receiver_supervisor
):
    url = reverse("partners:agency_detail", args=[agency_b.pk])
    assert accepted.get_absolute_url() in login(receiver_supervisor).get(url).content.decode()
    assert accepted.get_absolute_url() not in login(third_party).get(url).content.decode()


def test_case_page_panel_links_to_refer(login, case, caseworker):
    page = login(caseworker).get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert reverse("cooperation:referral_create", args=[case.pk]) in page
    assert "Not referred to any agency yet." in page


def test_agency_page_names_each_side_in_the_same_queries_however_many_referrals(
    login, case, agency_a, agency_b, supervisor, receiver_supervisor
):
    """The agency page's panels name the other agency of each open referral: "to" it
    among those the agency sent, "from" it among those received. More referrals cost no
    more queries than none (the panel joins the two agencies; nothing is read per row)."""
    sender = login(supervisor)
    url = reverse("partners:agency_detail", args=[agency_a.pk])
    with CaptureQueriesContext(connection) as none:
        page = sender.get(url).content.decode()
    assert f"to {agency_b.name}" not in page
    ReferralFactory.create_batch(6, case=case, to_agency=agency_b)
    with CaptureQueriesContext(connection) as many:
        page = sender.get(url).content.decode()
    assert page.count(f"to {agency_b.name}") == 6
    assert len(many) == len(none)
    url = reverse("partners:agency_detail", args=[agency_b.pk])
    received = login(receiver_supervisor).get(url).content.decode()
    assert received.count(f"from {agency_a.name}") == 6


def test_agency_page_reads_the_received_referrals_newest_first_along_their_index(
    login, case, agency_a, agency_b, receiver_supervisor
):
    """The received panel shows the newest open referrals first, WORK_LIST_LIMIT of them.
    On PostgreSQL they are read along (to_agency, sent_at desc, id desc) until the panel
    is full: sorting every open referral the agency ever received read 282 rows (and
    probed each one's case) for 20 at 1,000,000 cases (issue 12)."""
    sent = ReferralFactory.create_batch(WORK_LIST_LIMIT + 2, case=case, to_agency=agency_b)
    newest = sorted(sent, key=lambda r: (r.sent_at, r.pk), reverse=True)[:WORK_LIST_LIMIT]
    url = reverse("partners:agency_detail", args=[agency_b.pk])
    with CaptureQueriesContext(connection) as queries:
        page = login(receiver_supervisor).get(url).content.decode()
    shown = [r for r in sent if f'href="{r.get_absolute_url()}"' in page]
    assert sorted(r.pk for r in shown) == sorted(r.pk for r in newest)
    if connection.vendor == "postgresql":
        received = next(
            q["sql"]
            for q in queries.captured_queries
            if f'AND "partners_referral"."to_agency_id" = {agency_b.pk}) ORDER BY' in q["sql"]
        )
        plan = explain(received, off=("seqscan", "sort"))
        assert "cooperation_referral_to" in plan and "Sort" not in plan


def test_a_caseworker_receiving_side_probes_only_their_own_referrals_cases(receiver):
    """The receiving side tests the queue (sent) and the assigned ids before it probes a
    referral's case: written first inside an OR's branch, PostgreSQL tests them first,
    and a national agency's accepted referrals are never probed for a caseworker."""
    with CaptureQueriesContext(connection) as queries:
        list(Referral.objects.visible_to(receiver))
    sql = queries.captured_queries[-1]["sql"]
    received = sql[sql.index(f'"to_agency_id" = {receiver.agency_id}') :]
    assert received.index("'sent'") < received.index("EXISTS")
