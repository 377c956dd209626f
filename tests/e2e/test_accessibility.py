"""axe-core finds no serious or critical accessibility violation on the daily pages.

axe-core is vendored from npm (package.json; `make vendor` copies axe.min.js into
static/vendor/axe-core/). The Content-Security-Policy refuses injected <script> tags,
so the test evaluates the library's source in the page itself.
"""

import json
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import Page

from tests.factories import CaseFactory, TaskFactory
from tests.privacy.conftest import make_canary_case

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[2] / "static" / "vendor" / "axe-core" / "axe.min.js"
RUN_AXE = """
async () => {
  const results = await axe.run(document);
  if (results.passes.length === 0) return [{id: "axe-did-not-run"}];
  return results.violations
    .filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}));
}
"""


@pytest.fixture
def case(agency_a, caseworker, supervisor, private_storage):
    case = make_canary_case(agency=agency_a, caseworker=caseworker, supervisor=supervisor)
    TaskFactory(case=case, assignee=caseworker)
    CaseFactory(agency=agency_a, created_by=caseworker, caseworkers=[caseworker])
    return case


def _violations(page: Page, url: str) -> list[dict]:
    page.goto(url)
    page.wait_for_load_state()
    assert page.title() and "Error" not in page.title(), page.title()
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    return page.evaluate(RUN_AXE)


def test_axe_reports_a_violation_it_should(page: Page, live_server, browser_login, caseworker):
    """The harness itself: an unlabelled field on a real page is reported."""
    browser_login(caseworker)
    page.goto(f"{live_server.url}{reverse('cases:my_work')}")
    page.evaluate("document.querySelector('main').append(document.createElement('input'))")
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    assert "label" in {violation["id"] for violation in page.evaluate(RUN_AXE)}


@pytest.mark.parametrize("page_name", ["my_work", "case_list", "case", "person"])
def test_the_caseworkers_pages_have_no_serious_violation(
    page: Page, live_server, browser_login, caseworker, case, page_name
):
    path = {
        "my_work": reverse("cases:my_work"),
        "case_list": reverse("cases:list"),
        "case": case.get_absolute_url(),
        "person": case.person.get_absolute_url(),
    }[page_name]
    browser_login(caseworker)
    violations = _violations(page, f"{live_server.url}{path}")
    assert violations == [], json.dumps(violations, indent=1)


def test_the_supervisors_dashboard_has_no_serious_violation(
    page: Page, live_server, browser_login, supervisor, case
):
    browser_login(supervisor)
    violations = _violations(page, f"{live_server.url}{reverse('reports:dashboard')}")
    assert violations == [], json.dumps(violations, indent=1)
