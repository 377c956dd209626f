"""A caseworker finds a person by part of a misspelt name from the navigation's search box."""

import pytest
from playwright.sync_api import Page, expect

from tests.factories import CaseFactory, PersonFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_caseworker_finds_a_person_by_part_of_a_misspelt_name(
    page: Page, live_server, browser_login, caseworker, agency_a
):
    wanted = PersonFactory(agency=agency_a, legal_name="Nguyễn Văn Test")
    CaseFactory(agency=agency_a, person=wanted, created_by=caseworker, caseworkers=[caseworker])
    other = PersonFactory(agency=agency_a, legal_name="Trần Thị Mai")
    CaseFactory(agency=agency_a, person=other, created_by=caseworker, caseworkers=[caseworker])
    browser_login(caseworker)

    search = page.get_by_role("search")
    search.get_by_label("Search cases and people").fill("Ngyuen Van")
    search.get_by_role("button", name="Search").click()

    expect(page.get_by_role("heading", name="Search", level=1)).to_be_visible()
    expect(page.get_by_role("link", name=other.code)).to_have_count(0)
    page.get_by_role("link", name=wanted.code).click()
    expect(page).to_have_url(f"{live_server.url}{wanted.get_absolute_url()}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(wanted.code)
