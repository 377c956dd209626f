"""Function-level checks (403) and account access between agencies (404)."""

import pytest
from django.contrib.auth import HASH_SESSION_KEY
from django.contrib.auth.base_user import AbstractBaseUser
from django.urls import reverse

from accounts.models import User
from audit.models import AuditEvent
from policy import Role

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url_name",
    ["accounts:staff_list", "accounts:staff_create", "partners:agency_create"],
)
@pytest.mark.parametrize("persona", ["caseworker", "supervisor"])
def test_caseworkers_and_supervisors_cannot_manage_users_or_agencies(
    request, login, url_name, persona
):
    client = login(request.getfixturevalue(persona))
    assert client.get(reverse(url_name)).status_code == 403
    assert client.post(reverse(url_name), {"email": "x@example.org"}).status_code == 403


def test_caseworker_cannot_edit_or_deactivate_an_agency(login, caseworker, agency_a):
    client = login(caseworker)
    assert client.get(reverse("partners:agency_edit", args=[agency_a.pk])).status_code == 403
    response = client.post(
        reverse("partners:agency_set_active", args=[agency_a.pk]), {"active": "0"}
    )
    assert response.status_code == 403
    agency_a.refresh_from_db()
    assert agency_a.is_active


def test_agency_admin_cannot_manage_agencies(login, agency_admin):
    assert login(agency_admin).get(reverse("partners:agency_create")).status_code == 403


def test_agency_admin_gets_404_for_another_agencys_account(login, agency_admin, outsider):
    client = login(agency_admin)
    for name in ["accounts:staff_detail", "accounts:staff_edit"]:
        assert client.get(reverse(name, args=[outsider.pk])).status_code == 404
    response = client.post(
        reverse("accounts:staff_edit", args=[outsider.pk]),
        {"full_name": "Hijacked", "role": Role.AGENCY_ADMIN, "version": outsider.version},
    )
    assert response.status_code == 404
    response = client.post(
        reverse("accounts:staff_set_active", args=[outsider.pk]), {"active": "0"}
    )
    assert response.status_code == 404
    outsider.refresh_from_db()
    assert outsider.full_name == "Blake Outsider"
    assert outsider.role == Role.CASEWORKER
    assert outsider.is_active


def test_agency_admin_never_sees_other_agencies_staff_in_the_list(
    login, agency_admin, caseworker, outsider
):
    response = login(agency_admin).get(reverse("accounts:staff_list"))
    assert caseworker.email in response.content.decode()
    assert outsider.email not in response.content.decode()


def test_agency_admin_creates_staff_only_in_their_own_agency(
    login, agency_admin, agency_b, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = login(agency_admin).post(
            reverse("accounts:staff_create"),
            {
                "email": "New.Person@Example.org",
                "full_name": "New Person",
                "role": Role.SUPERVISOR,
                "agency": agency_b.pk,
            },
        )
    assert response.status_code == 302
    created = User.objects.get(email="new.person@example.org")
    assert created.agency == agency_admin.agency
    assert not created.has_usable_password()
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.INVITE, object_id=str(created.pk)
    ).exists()
    invitation, notice = sorted(mailoutbox, key=lambda mail: mail.to != [created.email])
    assert "/accounts/password/reset/" in invitation.body
    assert notice.to == [agency_admin.email]


def test_agency_admin_cannot_create_or_elevate_to_platform_admin(login, agency_admin, caseworker):
    client = login(agency_admin)
    response = client.post(
        reverse("accounts:staff_create"),
        {"email": "p@example.org", "full_name": "P", "role": Role.PLATFORM_ADMIN},
    )
    assert response.status_code == 200
    assert "role" in response.context["form"].errors
    assert not User.objects.filter(email="p@example.org").exists()
    response = client.post(
        reverse("accounts:staff_edit", args=[caseworker.pk]),
        {"full_name": "Casey Worker", "role": Role.PLATFORM_ADMIN, "version": caseworker.version},
    )
    assert response.status_code == 200
    caseworker.refresh_from_db()
    assert caseworker.role == Role.CASEWORKER


def test_a_post_cannot_set_fields_the_form_does_not_offer(
    login, agency_admin, caseworker, agency_b
):
    client = login(agency_admin)
    client.post(
        reverse("accounts:staff_edit", args=[caseworker.pk]),
        {
            "full_name": "Casey Renamed",
            "role": Role.SUPERVISOR,
            "version": caseworker.version,
            "agency": agency_b.pk,
            "is_superuser": "on",
            "email": "evil@example.org",
        },
    )
    caseworker.refresh_from_db()
    assert caseworker.full_name == "Casey Renamed"
    assert caseworker.agency_id == agency_admin.agency_id
    assert not caseworker.is_superuser
    assert caseworker.email == "caseworker.a@example.org"


def test_platform_admin_creates_an_agency_admin_for_any_agency(login, platform_admin, agency_b):
    response = login(platform_admin).post(
        reverse("accounts:staff_create"),
        {
            "email": "admin2.b@example.org",
            "full_name": "Second Admin",
            "role": Role.AGENCY_ADMIN,
            "agency": agency_b.pk,
        },
    )
    assert response.status_code == 302
    assert User.objects.get(email="admin2.b@example.org").agency == agency_b


def test_platform_admin_account_cannot_have_an_agency(login, platform_admin, agency_b):
    response = login(platform_admin).post(
        reverse("accounts:staff_create"),
        {
            "email": "pa2@example.org",
            "full_name": "PA",
            "role": Role.PLATFORM_ADMIN,
            "agency": agency_b.pk,
        },
    )
    assert "agency" in response.context["form"].errors


def test_stale_staff_edit_is_refused_naming_who_saved_first(login, agency_admin, caseworker):
    opened_version = caseworker.version
    first = login(agency_admin)
    first.post(
        reverse("accounts:staff_edit", args=[caseworker.pk]),
        {"full_name": "First Save", "role": Role.CASEWORKER, "version": opened_version},
    )
    response = first.post(
        reverse("accounts:staff_edit", args=[caseworker.pk]),
        {"full_name": "Second Save", "role": Role.SUPERVISOR, "version": opened_version},
        follow=True,
    )
    caseworker.refresh_from_db()
    assert caseworker.full_name == "First Save"
    assert caseworker.role == Role.CASEWORKER
    assert "Alex Admin changed this record" in response.content.decode()


def test_deactivating_an_account_ends_its_sessions(login, agency_admin, caseworker):
    victim_session = login(caseworker)
    assert victim_session.get(reverse("home")).status_code in (200, 302)
    login(agency_admin).post(
        reverse("accounts:staff_set_active", args=[caseworker.pk]), {"active": "0"}
    )
    response = victim_session.get(reverse("partners:agency_list"))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.DEACTIVATE, object_id=str(caseworker.pk)
    ).exists()


def test_reactivating_an_account_does_not_revive_its_old_sessions(login, agency_admin, caseworker):
    victim_session = login(caseworker)
    assert victim_session.get(reverse("partners:agency_list")).status_code == 200
    admin = login(agency_admin)
    admin.post(reverse("accounts:staff_set_active", args=[caseworker.pk]), {"active": "0"})
    admin.post(reverse("accounts:staff_set_active", args=[caseworker.pk]), {"active": "1"})
    caseworker.refresh_from_db()
    assert caseworker.is_active
    response = victim_session.get(reverse("partners:agency_list"))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in victim_session.session
    assert login(caseworker).get(reverse("partners:agency_list")).status_code == 200


def test_sessions_from_before_session_generations_stay_valid(login, caseworker):
    # Generation 0 hashes as Django does: deploying the field logs nobody out.
    client = login(caseworker)
    assert caseworker.session_epoch == 0
    assert client.session[HASH_SESSION_KEY] == AbstractBaseUser.get_session_auth_hash(caseworker)


def test_admin_cannot_deactivate_their_own_account(login, agency_admin):
    login(agency_admin).post(
        reverse("accounts:staff_set_active", args=[agency_admin.pk]), {"active": "0"}
    )
    agency_admin.refresh_from_db()
    assert agency_admin.is_active


def test_deactivation_needs_post(login, agency_admin, caseworker):
    response = login(agency_admin).get(reverse("accounts:staff_set_active", args=[caseworker.pk]))
    assert response.status_code == 405
