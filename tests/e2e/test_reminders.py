"""A permit expiring in 7 days reaches the caseworker's notification centre, exactly once.

Time is moved forward through the worker's argument: the task runs "now" as the day
a week before the permit expires, twice (a second run, as after a worker restart),
in huey's immediate mode, and the reminder shows once with the case's reference.
"""

import datetime

import pytest
from django.utils import timezone
from huey.contrib.djhuey import HUEY
from playwright.sync_api import Page, expect

from cases.models import ServiceItem
from notifications import tasks
from tests.factories import CaseFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def immediate_worker():
    """huey runs tasks in the calling thread, as the worker would, then goes back."""
    was = HUEY.immediate
    HUEY.immediate = True
    yield
    HUEY.immediate = was


def test_permit_expiring_in_seven_days_is_reminded_once(
    page: Page, live_server, browser_login, caseworker, supervisor, immediate_worker
):
    case = CaseFactory(agency=caseworker.agency, caseworkers=[caseworker], supervisor=supervisor)
    expires = timezone.localdate() + datetime.timedelta(days=60)
    ServiceItem.objects.create(
        case=case,
        service_type="residence_permit",
        permit_expires_on=expires,
        created_by=case.created_by,
    )
    week_before = timezone.make_aware(
        datetime.datetime.combine(expires - datetime.timedelta(days=7), datetime.time(9))
    )

    tasks.send_reminders(week_before)
    tasks.send_reminders(week_before)

    browser_login(caseworker)
    nav_link = page.locator("#nav-notifications")
    expect(nav_link).to_contain_text("1")
    nav_link.click()
    reminders = page.locator("#notification-list li")
    expect(reminders).to_have_count(1)
    expect(reminders.first).to_contain_text(case.reference)
    expect(reminders.first).to_contain_text("expires in 7 days or less")
    reminders.first.get_by_role("button", name="Mark read").click()
    expect(page.locator("#nav-notifications .badge")).to_have_count(0)
