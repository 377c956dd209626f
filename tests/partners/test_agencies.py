"""Platform admins manage partner agencies in Harbor's own pages."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from partners.models import Agency, AgencyType
from tests.factories import AgencyContactFactory, AgencyFactory

pytestmark = pytest.mark.django_db


def _agency_post(**overrides) -> dict:
    data = {
        "name": "Example Labour Office",
        "code": "exlab",
        "agency_type": AgencyType.LABOUR,
        "country": "TW",
        "services": ["investigation", "legal_aid"],
        "description": "Handles labour inspections.",
        "email": "office@example.org",
        "phone": "+886 2 0000 0000",
        "website": "example.org",
        "contacts-TOTAL_FORMS": "1",
        "contacts-INITIAL_FORMS": "0",
        "contacts-MIN_NUM_FORMS": "0",
        "contacts-MAX_NUM_FORMS": "20",
        "contacts-0-name": "Focal Point One",
        "contacts-0-title": "Inspector",
        "contacts-0-email": "focal@example.org",
        "contacts-0-phone": "",
    }
    data.update(overrides)
    return data


def test_platform_admin_creates_an_agency_with_a_contact(login, platform_admin):
    response = login(platform_admin).post(
        reverse("partners:agency_create"), _agency_post(), follow=True
    )
    agency = Agency.objects.get(code="EXLAB")
    assert response.redirect_chain[-1][0] == agency.get_absolute_url()
    assert "Agency saved." in response.content.decode()
    assert agency.services == ["investigation", "legal_aid"]
    assert agency.website == "https://example.org"
    assert agency.contacts.get().name == "Focal Point One"
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.CREATE, object_id=str(agency.pk), actor=platform_admin
    ).exists()


def test_invalid_agency_names_the_field_and_saves_nothing(login, platform_admin, agency_a):
    response = login(platform_admin).post(
        reverse("partners:agency_create"),
        _agency_post(code="no spaces!", name=agency_a.name.upper(), country="XX"),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"code", "name", "country"} <= set(errors)
    assert not Agency.objects.filter(code="NO SPACES!").exists()


def test_platform_admin_edits_an_agency(login, platform_admin, agency_a):
    data = _agency_post(name="Agency A renamed", code=agency_a.code, version=agency_a.version)
    response = login(platform_admin).post(reverse("partners:agency_edit", args=[agency_a.pk]), data)
    assert response.status_code == 302
    agency_a.refresh_from_db()
    assert agency_a.name == "Agency A renamed"
    assert agency_a.version == 2
    assert agency_a.updated_by == platform_admin


def test_a_stale_agency_edit_is_refused_and_the_first_save_stands(login, platform_admin, agency_a):
    client = login(platform_admin)
    opened = agency_a.version
    client.post(
        reverse("partners:agency_edit", args=[agency_a.pk]),
        _agency_post(name="First", code="AGA", version=opened),
    )
    response = client.post(
        reverse("partners:agency_edit", args=[agency_a.pk]),
        _agency_post(name="Second", code="AGA", version=opened),
    )
    assert response.status_code == 200
    assert "Pat Platform changed this record" in response.content.decode()
    agency_a.refresh_from_db()
    assert agency_a.name == "First"
    assert agency_a.contacts.count() == 1


def test_deactivating_an_agency_hides_it_from_staff_but_not_from_platform_admins(
    login, platform_admin, agency_a, outsider
):
    login(platform_admin).post(
        reverse("partners:agency_set_active", args=[agency_a.pk]), {"active": "0"}
    )
    agency_a.refresh_from_db()
    assert not agency_a.is_active
    assert (
        agency_a.name not in login(outsider).get(reverse("partners:agency_list")).content.decode()
    )
    assert login(outsider).get(agency_a.get_absolute_url()).status_code == 404
    assert login(platform_admin).get(agency_a.get_absolute_url()).status_code == 200
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.DEACTIVATE, object_id=str(agency_a.pk)
    ).exists()


def test_staff_see_the_partner_directory_with_contacts(login, caseworker, agency_b):
    AgencyContactFactory(agency=agency_b, name="Shelter Focal Point")
    client = login(caseworker)
    assert agency_b.name in client.get(reverse("partners:agency_list")).content.decode()
    assert "Shelter Focal Point" in client.get(agency_b.get_absolute_url()).content.decode()


def test_agency_list_filters_survive_pagination(login, platform_admin, settings):
    settings.HARBOR_PAGE_SIZE = 2
    for n in range(5):
        AgencyFactory(name=f"Police Unit {n}", code=f"POL{n}", agency_type=AgencyType.POLICE)
    AgencyFactory(name="Some NGO", code="NGO9", agency_type=AgencyType.NGO)
    response = login(platform_admin).get(reverse("partners:agency_list"), {"agency_type": "police"})
    page = response.content.decode()
    assert "Police Unit 0" in page and "Some NGO" not in page
    assert "agency_type=police&amp;page=2" in page or "page=2&amp;agency_type=police" in page


@pytest.mark.parametrize(
    "query", [{"agency_type": "spaceship"}, {"order": "secret_field"}, {"country": "ZZ"}]
)
def test_filter_and_sort_values_outside_the_allow_list_give_400(login, caseworker, query):
    assert login(caseworker).get(reverse("partners:agency_list"), query).status_code == 400


def test_agency_list_query_count_does_not_grow_with_rows(login, platform_admin):
    client = login(platform_admin)
    AgencyFactory(code="ONE")
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("partners:agency_list"))
    for n in range(100):
        AgencyFactory(code=f"M{n:03d}")
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("partners:agency_list"))
    assert len(many) == len(few)


def test_staff_list_query_count_does_not_grow_with_rows(login, platform_admin, caseworker):
    from tests.factories import UserFactory

    client = login(platform_admin)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("accounts:staff_list"))
    UserFactory.create_batch(100)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("accounts:staff_list"))
    assert len(many) == len(few)
