"""Protection in court, in a real browser: a caseworker records a hearing with two
protective measures asked of the court; the hearing-preparation task then says what is
still to arrange, on the case page and in My work."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.factories import CaseFactory, LegalProceedingFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_hearing_with_two_measures_shows_them_on_its_preparation_task(
    page: Page, live_server, browser_login, caseworker, agency_a
):
    case = CaseFactory(agency=agency_a, created_by=caseworker, caseworkers=[caseworker])
    proceeding = LegalProceedingFactory(case=case, court_case_number="CT-E2E-1")
    day = timezone.localdate() + datetime.timedelta(days=10)

    browser_login(caseworker)
    page.goto(f"{live_server.url}{case.get_absolute_url()}")
    card = page.locator(f"#proceeding-{proceeding.pk}")
    expect(card.get_by_role("heading", name="Proceeding CT-E2E-1")).to_be_visible()
    card.get_by_text("Record a hearing", exact=True).click()
    form = card.locator("form").filter(has=page.locator(f"#id_hearing{proceeding.pk}_date"))
    form.get_by_label("Date").fill(day.isoformat())
    form.get_by_label("Time").fill("09:30")
    form.get_by_label("Court and room").fill("Demo District Court, room 5")
    form.get_by_label("Testimony by video link").check()
    form.get_by_label("Interpreter", exact=True).check()
    form.get_by_label("Interpreter language").fill("Vietnamese")
    form.get_by_role("button", name="Record hearing").click()
    expect(page.get_by_text("Hearing recorded; a preparation task was added.")).to_be_visible()

    # The hearing, with both measures requested, on the proceeding's card.
    card = page.locator(f"#proceeding-{proceeding.pk}")
    expect(card.get_by_text("Demo District Court, room 5")).to_be_visible()
    # The preparation task on the case page lists what is still to arrange.
    tasks = page.get_by_role("region", name="Tasks")
    todo = tasks.locator(".hearing-to-arrange")
    expect(todo).to_contain_text("Still to arrange")
    expect(todo).to_contain_text("Testimony by video link")
    expect(todo).to_contain_text("Interpreter (Vietnamese)")

    # And in My work, where the caseworker finds the task.
    page.get_by_role("navigation", name="Main navigation").get_by_role(
        "link", name="My work"
    ).click()
    todo = page.locator(".hearing-to-arrange")
    expect(todo).to_contain_text("Testimony by video link")
    expect(todo).to_contain_text("Interpreter (Vietnamese)")
