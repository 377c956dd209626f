"""Hostile input in every field of the foundation's forms: a clear error or a clean
save, never a 500 and never a partial write."""

import pytest
from django.urls import reverse

from accounts.models import User
from partners.models import Agency
from tests.hostile import HOSTILE, get_raw, post_raw
from tests.partners.test_agencies import _agency_post

pytestmark = pytest.mark.django_db


AGENCY_FIELDS = [
    "name",
    "code",
    "agency_type",
    "country",
    "services",
    "description",
    "email",
    "phone",
    "website",
    "version",
    "contacts-0-name",
    "contacts-0-email",
    "contacts-TOTAL_FORMS",
]
STAFF_FIELDS = ["email", "full_name", "role", "agency"]


@pytest.mark.parametrize("field", AGENCY_FIELDS)
@pytest.mark.parametrize("payload", HOSTILE.values(), ids=HOSTILE.keys())
def test_agency_form_survives_hostile_input(login, platform_admin, field, payload):
    before = Agency.objects.count()
    response = post_raw(
        login(platform_admin), reverse("partners:agency_create"), _agency_post(**{field: payload})
    )
    assert response.status_code in (200, 302, 400)
    if response.status_code != 302:
        assert Agency.objects.count() == before


@pytest.mark.parametrize("field", STAFF_FIELDS)
@pytest.mark.parametrize("payload", HOSTILE.values(), ids=HOSTILE.keys())
def test_staff_form_survives_hostile_input(login, platform_admin, agency_a, field, payload):
    data = {
        "email": "new@example.org",
        "full_name": "New",
        "role": "agency_admin",  # the one agency role a platform admin may create
        "agency": agency_a.pk,
        field: payload,
    }
    before = User.objects.count()
    response = post_raw(login(platform_admin), reverse("accounts:staff_create"), data)
    assert response.status_code in (200, 302, 400)
    if response.status_code == 200:
        assert field in response.context["form"].errors
        assert User.objects.count() == before


@pytest.mark.parametrize("field", ["username", "password"])
@pytest.mark.parametrize("payload", HOSTILE.values(), ids=HOSTILE.keys())
def test_login_form_survives_hostile_input(client, caseworker, field, payload):
    data = {"username": caseworker.email, "password": "whatever", field: payload}
    response = post_raw(client, reverse("accounts:login"), data)
    assert response.status_code in (200, 400, 429)


@pytest.mark.parametrize("payload", HOSTILE.values(), ids=HOSTILE.keys())
def test_list_filters_survive_hostile_input(login, platform_admin, payload):
    client = login(platform_admin)
    for url in (reverse("partners:agency_list"), reverse("accounts:staff_list")):
        assert get_raw(client, url, {"q": payload, "page": payload}).status_code in (200, 400)


def test_stored_markup_is_escaped(login, platform_admin):
    login(platform_admin).post(
        reverse("partners:agency_create"), _agency_post(name="<script>alert(1)</script>")
    )
    page = login(platform_admin).get(reverse("partners:agency_list")).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page
