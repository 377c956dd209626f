"""Harbor on a phone (390 x 844): the daily pages fit the screen, no sideways scrolling.

My work, the case list, the case page and the person page, filled with a realistic
case (notes, tasks, a proceeding, a referral, an MLA request), must not be wider than
the viewport; the case list's filters fold behind a button and its table reflows.
"""

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.factories import CaseFactory, TaskFactory
from tests.privacy.conftest import make_canary_case

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def case(agency_a, caseworker, supervisor, private_storage):
    case = make_canary_case(agency=agency_a, caseworker=caseworker, supervisor=supervisor)
    TaskFactory(case=case, assignee=caseworker, title="Call the shelter about a bed tonight")
    for _ in range(3):
        CaseFactory(agency=agency_a, created_by=caseworker, caseworkers=[caseworker])
    return case


def _assert_fits(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_load_state()
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth,"
        " [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right"
        " > window.innerWidth + 1).slice(0, 5).map(e => e.outerHTML.slice(0, 120))]"
    )
    scroll_width, inner_width, too_wide = widths
    assert scroll_width <= inner_width, f"{url}: {scroll_width}px > {inner_width}px {too_wide}"


@pytest.mark.parametrize("page_name", ["my_work", "case_list", "case", "person"])
def test_the_daily_pages_fit_a_phone(
    page: Page, live_server, browser_login, caseworker, case, page_name
):
    path = {
        "my_work": reverse("cases:my_work"),
        "case_list": reverse("cases:list"),
        "case": case.get_absolute_url(),
        "person": case.person.get_absolute_url(),
    }[page_name]
    page.set_viewport_size(PHONE)
    browser_login(caseworker)
    _assert_fits(page, f"{live_server.url}{path}")
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def test_the_case_list_folds_its_filters_and_reflows_its_table(
    page: Page, live_server, browser_login, caseworker, case
):
    page.set_viewport_size(PHONE)
    browser_login(caseworker)
    _assert_fits(page, f"{live_server.url}{reverse('cases:list')}")
    expect(page.get_by_role("button", name="Apply filters")).to_be_hidden()
    page.get_by_text("Filters", exact=True).click()
    expect(page.get_by_role("button", name="Apply filters")).to_be_visible()
    # A row reads as labelled lines, not as a table wider than the screen.
    cell = page.locator("td[data-label='Risk']").first
    label = cell.evaluate("e => getComputedStyle(e, '::before').content")
    assert "Risk" in label
