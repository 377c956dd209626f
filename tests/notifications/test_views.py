"""The notification centre: own notifications only, mark read, the unread count."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notifications import services
from notifications.models import Notification, Preference
from tests.notifications.conftest import NOW, TODAY, permit

pytestmark = pytest.mark.django_db


@pytest.fixture
def reminder(case_of, caseworker) -> Notification:
    """A caseworker's unread reminder: a permit of their case expires in 7 days."""
    permit(case_of(), TODAY + datetime.timedelta(days=7))
    services.send_due_reminders(NOW)
    return Notification.objects.get(recipient=caseworker)


def test_caseworker_sees_their_reminder_with_reference_and_link(login, caseworker, reminder):
    response = login(caseworker).get(reverse("notifications:list"))

    assert response.status_code == 200
    assert reminder.case.reference in response.text
    assert reminder.get_absolute_url() in response.text
    assert "7 days or less" in response.text


def test_unread_count_shows_in_the_navigation(login, caseworker, reminder):
    response = login(caseworker).get(reverse("cases:my_work"))

    assert 'id="nav-notifications"' in response.text
    assert response.context["unread_notifications"].__int__() == 1


def test_unread_count_costs_one_query(rf, caseworker, reminder):
    from notifications.context_processors import unread_notifications

    request = rf.get("/")
    request.user = caseworker
    with CaptureQueriesContext(connection) as queries:
        assert str(unread_notifications(request)["unread_notifications"]) == "1"
    assert len(queries) == 1


def test_mark_one_read(login, caseworker, reminder):
    response = login(caseworker).post(reverse("notifications:read", args=[reminder.pk]))

    assert response.status_code == 302
    reminder.refresh_from_db()
    assert reminder.read_at is not None


def test_mark_all_read(login, caseworker, supervisor, reminder):
    login(caseworker).post(reverse("notifications:read_all"))

    assert not Notification.objects.filter(recipient=caseworker).unread().exists()
    assert Notification.objects.filter(recipient=supervisor).unread().count() == 1


def test_mark_read_needs_post(login, caseworker, reminder):
    response = login(caseworker).get(reverse("notifications:read", args=[reminder.pk]))

    assert response.status_code == 405


@pytest.mark.parametrize("persona", ["outsider", "other_caseworker", "supervisor"])
def test_someone_elses_notification_answers_404(request, login, reminder, persona):
    user = request.getfixturevalue(persona)

    response = login(user).post(reverse("notifications:read", args=[reminder.pk]))

    assert response.status_code == 404
    reminder.refresh_from_db()
    assert reminder.read_at is None


def test_platform_admin_has_no_notification_centre(login, platform_admin):
    assert login(platform_admin).get(reverse("notifications:list")).status_code == 403


def test_list_queries_stay_flat(login, caseworker, case_of, django_assert_max_num_queries):
    client = login(caseworker)
    for rows in (1, 100):
        Notification.objects.all().delete()
        for n in range(rows):
            permit(case_of(), TODAY + datetime.timedelta(days=n % 40 - 5))
        services.send_due_reminders(NOW)
        with django_assert_max_num_queries(12):
            assert client.get(reverse("notifications:list")).status_code == 200


def test_preferences_are_saved(login, caseworker):
    response = login(caseworker).post(
        reverse("notifications:preferences"), {"daily_digest": "on", "language": "zh-hant"}
    )

    assert response.status_code == 302
    preference = Preference.objects.get(user=caseworker)
    assert preference.daily_digest
    assert preference.language == "zh-hant"
