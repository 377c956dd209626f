"""The dashboard's caseworker dropdown stays small in a national agency (issue 12): past
STAFF_CHOICES caseworkers it offers the reader and the chosen one, and "Caseworker's name"
finds anybody else: one match opens their dashboard, several are listed to choose from."""

from __future__ import annotations

import pytest

from listing import STAFF_CHOICES
from policy import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/reports/"


def _offered(response) -> set:
    widget = response.context["filter"].form.fields["caseworker"].widget
    return {value for value, _label in widget.choices if value != ""}


def test_the_dropdown_is_bounded_and_keeps_the_chosen_caseworker(login, supervisor, agency_a):
    crowd = UserFactory.create_batch(STAFF_CHOICES + 1, agency=agency_a, role=Role.CASEWORKER)
    client = login(supervisor)
    assert _offered(client.get(URL)) == set()  # a supervisor is no caseworker
    chosen = client.get(URL, {"caseworker": crowd[7].pk})
    assert chosen.status_code == 200
    assert _offered(chosen) == {crowd[7].pk}


def test_one_caseworker_of_that_name_opens_their_dashboard(login, supervisor, agency_a):
    UserFactory.create_batch(STAFF_CHOICES + 1, agency=agency_a, role=Role.CASEWORKER)
    wanted = UserFactory(agency=agency_a, role=Role.CASEWORKER, full_name="Quillon Ardent")
    response = login(supervisor).get(
        URL, {"caseworker_name": "llon ard", "intake_after": "2026-01-01"}
    )
    assert response.status_code == 302
    assert f"caseworker={wanted.pk}" in response["Location"]
    assert "intake_after=2026-01-01" in response["Location"]
    assert "caseworker_name" not in response["Location"]


def test_several_matches_are_listed_to_choose_from(login, supervisor, agency_a, agency_b):
    first = UserFactory(agency=agency_a, role=Role.CASEWORKER, full_name="Mirren Vale")
    second = UserFactory(agency=agency_a, role=Role.CASEWORKER, full_name="Mirren Oake")
    UserFactory(agency=agency_b, role=Role.CASEWORKER, full_name="Mirren Elsewhere")
    response = login(supervisor).get(URL, {"caseworker_name": "Mirren"})
    assert response.status_code == 200
    assert [name for name, _url in response.context["named"]] == ["Mirren Oake", "Mirren Vale"]
    html = response.content.decode()
    assert f"caseworker={first.pk}" in html and f"caseworker={second.pk}" in html
    assert "Mirren Elsewhere" not in html


def test_no_match_says_so_and_shows_the_whole_agency(login, supervisor, agency_a):
    response = login(supervisor).get(URL, {"caseworker_name": "Nobody Of That Name"})
    assert response.status_code == 200
    assert response.context["named"] == []
    assert "No caseworker" in response.content.decode()
