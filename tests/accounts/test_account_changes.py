"""Every change to an agency's account lands in that agency's audit trail and its admins' inbox."""

import pytest
from django.urls import reverse

from accounts.models import User
from audit.models import AuditEvent
from policy import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ADMIN = Role.AGENCY_ADMIN

ACCOUNT_CHANGES = {
    "edit": AuditEvent.Action.UPDATE,
    "deactivate": AuditEvent.Action.DEACTIVATE,
    "reactivate": AuditEvent.Action.REACTIVATE,
    "second_factor_reset": AuditEvent.Action.MFA_RESET,
}


def _change(client, change: str, staff: User):
    if change == "edit":
        data = {"full_name": "Casey Renamed", "role": staff.role, "version": staff.version}
        return client.post(reverse("accounts:staff_edit", args=[staff.pk]), data)
    if change == "second_factor_reset":
        return client.post(reverse("accounts:staff_mfa_reset", args=[staff.pk]))
    active = "1" if change == "reactivate" else "0"
    return client.post(reverse("accounts:staff_set_active", args=[staff.pk]), {"active": active})


def _events_seen_by(client) -> list[AuditEvent]:
    return list(client.get(reverse("audit:event_list")).context["page"].object_list)


@pytest.mark.parametrize("change", ACCOUNT_CHANGES)
def test_a_platform_admins_change_is_in_the_agencys_trail_and_mailed_to_its_admins(
    login,
    platform_admin,
    agency_admin,
    caseworker,
    change,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _change(login(platform_admin), change, caseworker)
    assert response.status_code == 302
    event = AuditEvent.objects.get(action=ACCOUNT_CHANGES[change], object_id=str(caseworker.pk))
    assert event.agency_id == caseworker.agency_id
    assert event.actor == platform_admin
    assert event in _events_seen_by(login(agency_admin))
    (notice,) = mailoutbox
    assert notice.to == [agency_admin.email]
    assert caseworker.email in notice.body
    assert platform_admin.email in notice.body
    assert "Pat Platform" in notice.body


def test_the_first_admins_invitation_is_in_the_agencys_trail(
    login, platform_admin, agency_a, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        login(platform_admin).post(
            reverse("accounts:staff_create"),
            {
                "email": "first.admin@example.org",
                "full_name": "First Admin",
                "role": Role.AGENCY_ADMIN,
                "agency": agency_a.pk,
            },
        )
    first_admin = User.objects.get(email="first.admin@example.org")
    invite = AuditEvent.objects.get(action=AuditEvent.Action.INVITE)
    assert (invite.agency_id, invite.object_id) == (agency_a.pk, str(first_admin.pk))
    assert invite in _events_seen_by(login(first_admin))
    assert [mail.to for mail in mailoutbox] == [[first_admin.email]]


def test_an_agency_admins_invitation_is_mailed_to_every_active_admin_of_the_agency(
    login, agency_admin, agency_a, mailoutbox, django_capture_on_commit_callbacks
):
    second_admin = UserFactory(email="second.admin@example.org", agency=agency_a, role=ADMIN)
    UserFactory(email="gone.admin@example.org", agency=agency_a, role=ADMIN, is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        login(agency_admin).post(
            reverse("accounts:staff_create"),
            {"email": "new.cw@example.org", "full_name": "New Caseworker", "role": "caseworker"},
        )
    notices = [mail for mail in mailoutbox if "new.cw@example.org" not in mail.to]
    (notice,) = notices
    assert sorted(notice.to) == [agency_admin.email, second_admin.email]
    assert "new.cw@example.org" in notice.body
    assert "account created" in notice.body


def test_another_agencys_admins_are_not_told(
    login,
    platform_admin,
    agency_admin,
    outsider_admin,
    caseworker,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        _change(login(platform_admin), "deactivate", caseworker)
    assert all(outsider_admin.email not in mail.to for mail in mailoutbox)
    assert AuditEvent.objects.get(action=AuditEvent.Action.DEACTIVATE) not in _events_seen_by(
        login(outsider_admin)
    )


def test_a_stale_edit_that_saves_nothing_mails_nobody(
    login, platform_admin, agency_admin, caseworker, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = login(platform_admin).post(
            reverse("accounts:staff_edit", args=[caseworker.pk]),
            {"full_name": "X", "role": Role.CASEWORKER, "version": caseworker.version - 1},
        )
    assert response.status_code in (200, 302, 409)
    assert mailoutbox == []
