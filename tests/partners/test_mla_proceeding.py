"""The MLA request's proceeding is typed by one of its numbers, never picked from a list
of every proceeding the agency sees (a 6 MB select at 1,000,000 cases: issue 12)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cooperation.models import MLARequest
from tests.factories import LegalProceedingFactory, MLARequestFactory
from tests.partners.test_records import _mla_post

pytestmark = pytest.mark.django_db


def test_the_form_has_a_text_box_whatever_the_number_of_proceedings(login, supervisor, case):
    client = login(supervisor)
    url = reverse("cooperation:mla_create")
    LegalProceedingFactory(case=case)
    before = client.get(url).content
    for _ in range(30):
        LegalProceedingFactory(case=case)
    after = client.get(url).content
    assert b'<input type="text" name="proceeding"' in after
    assert b'<select name="proceeding"' not in after
    assert len(after) == len(before)


def test_a_proceeding_is_linked_by_any_of_its_numbers(login, caseworker, case):
    proceeding = LegalProceedingFactory(case=case, court_case_number="2026-Su-77")
    response = login(caseworker).post(
        reverse("cooperation:mla_create"), _mla_post(proceeding="2026-su-77")
    )
    assert response.status_code == 302
    assert MLARequest.objects.get().proceeding == proceeding


def test_a_proceeding_the_user_cannot_see_is_refused_naming_the_field(login, outsider, case):
    LegalProceedingFactory(case=case, court_case_number="2026-Su-78")
    response = login(outsider).post(
        reverse("cooperation:mla_create"), _mla_post(proceeding="2026-Su-78")
    )
    assert response.status_code == 200
    assert "proceeding" in response.context["form"].errors
    assert not MLARequest.objects.exists()


def test_an_edit_keeps_the_proceeding_left_as_shown(login, caseworker, case):
    # A proceeding known by no number yet is shown by its label, and stays linked.
    proceeding = LegalProceedingFactory(case=case, police_case_number="")
    mla = MLARequestFactory(
        agency=case.agency, case=case, proceeding=proceeding, created_by=caseworker
    )
    client = login(caseworker)
    url = reverse("cooperation:mla_edit", args=[mla.pk])
    shown = client.get(url).context["form"]["proceeding"].value()
    assert shown == proceeding.numbers
    response = client.post(
        url,
        _mla_post(version=mla.version, case=case.reference, proceeding=shown, description="x"),
    )
    assert response.status_code == 302
    mla.refresh_from_db()
    assert mla.proceeding == proceeding
