"""A platform admin staffs no agency: it creates an agency's first admin and nothing more."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from accounts import services
from accounts.forms import StaffCreateForm, StaffEditForm
from accounts.models import User
from policy import Role
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db


def _new_account(agency, role: str) -> dict:
    return {
        "email": "planted@example.org",
        "full_name": "Planted Account",
        "role": role,
        "agency": agency.pk,
    }


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.SUPERVISOR])
def test_platform_admin_cannot_create_case_staff_through_the_page(
    login, platform_admin, agency_a, role
):
    response = login(platform_admin).post(
        reverse("accounts:staff_create"), _new_account(agency_a, role)
    )
    assert response.status_code == 200
    assert "role" in response.context["form"].errors
    assert not User.objects.filter(email="planted@example.org").exists()


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.SUPERVISOR])
def test_platform_admin_is_not_offered_case_staff_roles(platform_admin, agency_a, role):
    form = StaffCreateForm(_new_account(agency_a, role), actor=platform_admin)
    offered = {value for value, _label in form.fields["role"].choices}
    # A national coordinator is offered, and refused outside the coordinating agency
    # (tests/reports/test_coordinator_accounts.py).
    assert offered == {Role.AGENCY_ADMIN, Role.PLATFORM_ADMIN, Role.COORDINATOR}
    assert not form.is_valid()


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.SUPERVISOR])
def test_the_service_refuses_a_platform_admin_creating_case_staff(platform_admin, agency_a, role):
    with pytest.raises(PermissionDenied):
        services.create_staff_account(
            actor=platform_admin,
            email="planted@example.org",
            full_name="Planted Account",
            role=role,
            agency=agency_a,
        )
    assert not User.objects.filter(email="planted@example.org").exists()


def test_platform_admin_creates_the_first_agency_admin_of_an_agency(
    login, platform_admin, agency_a, caseworker, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = login(platform_admin).post(
            reverse("accounts:staff_create"), _new_account(agency_a, Role.AGENCY_ADMIN)
        )
    assert response.status_code == 302
    created = User.objects.get(email="planted@example.org")
    assert (created.agency, created.role) == (agency_a, Role.AGENCY_ADMIN)
    assert [mail.to for mail in mailoutbox] == [[created.email]]  # the invitation only


def test_platform_admin_cannot_add_an_admin_to_an_agency_that_has_one(
    login, platform_admin, agency_admin, agency_a
):
    response = login(platform_admin).post(
        reverse("accounts:staff_create"), _new_account(agency_a, Role.AGENCY_ADMIN)
    )
    assert response.status_code == 200
    assert "role" in response.context["form"].errors
    with pytest.raises(PermissionDenied):
        services.create_staff_account(
            actor=platform_admin,
            email="planted@example.org",
            full_name="Planted Account",
            role=Role.AGENCY_ADMIN,
            agency=agency_a,
        )
    assert not User.objects.filter(email="planted@example.org").exists()


def test_a_deactivated_admin_does_not_block_a_new_first_admin(
    platform_admin, agency_admin, agency_a
):
    agency_admin.is_active = False
    agency_admin.save()
    form = StaffCreateForm(_new_account(agency_a, Role.AGENCY_ADMIN), actor=platform_admin)
    assert form.is_valid(), form.errors


@pytest.mark.parametrize(
    ("persona", "role"),
    [
        ("agency_admin", Role.CASEWORKER),
        ("agency_admin", Role.SUPERVISOR),
        ("caseworker", Role.SUPERVISOR),
        ("caseworker", Role.AGENCY_ADMIN),  # agency A already has an active admin
    ],
)
def test_platform_admin_cannot_change_a_role_to_case_staff_or_a_second_admin(
    request, login, platform_admin, agency_admin, persona, role
):
    target = request.getfixturevalue(persona)
    original = target.role
    response = login(platform_admin).post(
        reverse("accounts:staff_edit", args=[target.pk]),
        {"full_name": target.full_name, "role": role, "version": target.version},
    )
    assert response.status_code == 200
    assert "role" in response.context["form"].errors
    target.refresh_from_db()
    assert target.role == original


def test_the_service_refuses_a_platform_admin_changing_a_role_to_supervisor(
    platform_admin, caseworker
):
    with pytest.raises(PermissionDenied):
        services.update_staff_account(
            caseworker,
            actor=platform_admin,
            expected_version=caseworker.version,
            full_name=caseworker.full_name,
            role=Role.SUPERVISOR,
        )
    caseworker.refresh_from_db()
    assert caseworker.role == Role.CASEWORKER


def test_platform_admin_edit_form_keeps_the_current_role_and_offers_no_case_roles(
    platform_admin, caseworker
):
    form = StaffEditForm(actor=platform_admin, target=caseworker)
    offered = {value for value, _label in form.fields["role"].choices}
    assert offered == {Role.CASEWORKER, Role.AGENCY_ADMIN}  # agency A has no admin yet


def test_platform_admin_may_still_rename_an_account_keeping_its_role(
    login, platform_admin, supervisor
):
    response = login(platform_admin).post(
        reverse("accounts:staff_edit", args=[supervisor.pk]),
        {"full_name": "Sam Renamed", "role": Role.SUPERVISOR, "version": supervisor.version},
    )
    assert response.status_code == 302
    supervisor.refresh_from_db()
    assert (supervisor.full_name, supervisor.role) == ("Sam Renamed", Role.SUPERVISOR)


def test_the_service_refuses_an_agency_admin_granting_platform_admin(agency_admin, caseworker):
    with pytest.raises(PermissionDenied):
        services.update_staff_account(
            caseworker,
            actor=agency_admin,
            expected_version=caseworker.version,
            full_name=caseworker.full_name,
            role=Role.PLATFORM_ADMIN,
        )


@pytest.mark.parametrize(
    "url_name",
    [
        "cases:list",
        "cases:detail",
        "victims:person_list",
        "victims:person_detail",
        "victims:person_reveal",
    ],
)
def test_platform_admin_never_reads_case_data(login, platform_admin, agency_a, url_name):
    case = CaseFactory(agency=agency_a)
    args = {
        "cases:detail": [case.pk],
        "victims:person_detail": [case.person.pk],
        "victims:person_reveal": [case.person.pk],
    }.get(url_name, [])
    client = login(platform_admin)
    response = client.get(reverse(url_name, args=args))
    assert response.status_code in (403, 404, 405)
    assert case.person.legal_name not in response.content.decode()
    if url_name == "victims:person_reveal":
        response = client.post(reverse(url_name, args=args))
        assert response.status_code in (403, 404)
