"""A referral round trip between two agencies, in a real browser and through the UI.

Agency A's caseworker refers a case (a section without consent is refused first),
agency B's supervisor accepts it for a colleague, who reads only the shared sections
and records a service update; the owner sees it and revokes; the receiver's next
request answers 404.
"""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from partners.models import AgencyType
from policy import Role
from tests.factories import AgencyFactory, CaseFactory, ConsentFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _log_out(page: Page) -> None:
    page.get_by_role("button", name="Log out").click()
    page.wait_for_load_state()


def test_referral_round_trip_between_two_agencies(
    page: Page, live_server, browser_login, caseworker, supervisor, agency_a, agency_b
):
    case = CaseFactory(agency=agency_a, created_by=caseworker, caseworkers=[caseworker])
    ConsentFactory(person=case.person, target_agency=agency_b, recorded_by=caseworker)
    AgencyFactory(name="Agency C (Police)", code="AGC", agency_type=AgencyType.POLICE)
    receiver = UserFactory(
        email="receiver.b@example.org",
        full_name="Rene Receiver",
        agency=agency_b,
        role=Role.CASEWORKER,
    )
    receiver_supervisor = UserFactory(
        email="supervisor.b@example.org",
        full_name="Sky Shelter",
        agency=agency_b,
        role=Role.SUPERVISOR,
    )

    # 1. The owner refers the case: refused without consent, sent with it.
    browser_login(caseworker)
    page.goto(live_server.url + reverse("cases:detail", args=[case.pk]))
    page.get_by_role("link", name="Refer to another agency").click()
    page.get_by_label("Receiving agency", exact=True).select_option(label="Agency C (Police)")
    page.get_by_label("Purpose").select_option(label="Investigation")
    page.get_by_label("Summary (exploitation types, intake date, risk)").check()
    page.get_by_role("button", name="Send referral").click()
    expect(page.get_by_text("has not consented to share these sections")).to_be_visible()
    page.get_by_label("Receiving agency", exact=True).select_option(label="Agency B (Shelter)")
    page.get_by_label("Purpose").select_option(label="Shelter placement")
    page.get_by_label("Protection services").check()
    page.get_by_label("Message to the receiving agency").fill("Needs a safe place tonight.")
    page.get_by_role("button", name="Send referral").click()
    expect(page.get_by_text("Referral sent.")).to_be_visible()
    referral_url = page.url
    expect(page.get_by_text("Sent, awaiting response").first).to_be_visible()
    _log_out(page)

    # 2. The receiving supervisor finds it in the queue and accepts it for a colleague.
    browser_login(receiver_supervisor)
    page.goto(live_server.url + reverse("cooperation:referral_list") + "?direction=in&awaiting=1")
    page.locator("table").get_by_role("link").first.click()
    page.get_by_text("Accept", exact=True).click()
    page.get_by_label("Rene Receiver").check()
    page.get_by_role("button", name="Accept referral").click()
    expect(page.get_by_text("Referral accepted.")).to_be_visible()
    _log_out(page)

    # 3. The assigned colleague reads only the shared sections and records an update.
    browser_login(receiver)
    page.goto(referral_url)
    shared = page.get_by_role("region", name="Shared case information")
    expect(shared.get_by_text("Risk level")).to_be_visible()
    expect(shared.get_by_role("heading", name="Protection services")).to_be_visible()
    expect(shared.get_by_role("heading", name="Legal proceedings")).to_have_count(0)
    expect(page.get_by_text(case.person.legal_name)).to_have_count(0)
    expect(page.get_by_text(case.reference)).to_have_count(0)
    page.get_by_role("textbox", name=re.compile(r"^Update")).fill(
        "Admitted to the shelter; medical check booked."
    )
    page.get_by_role("button", name="Add update").click()
    expect(page.get_by_text("Update recorded.")).to_be_visible()
    _log_out(page)

    # 4. The owner sees the update, then revokes the referral.
    browser_login(caseworker)
    page.goto(referral_url)
    expect(page.get_by_text("Admitted to the shelter; medical check booked.")).to_be_visible()
    page.get_by_text("Revoke", exact=True).click()
    page.get_by_role("button", name="Yes, continue").click()
    expect(page.get_by_text("Referral revoked")).to_be_visible()
    _log_out(page)

    # 5. The receiver's very next request answers 404.
    browser_login(receiver)
    response = page.goto(referral_url)
    assert response is not None and response.status == 404
