"""Intake looks for the same person among the records the user may see, before saving."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import CaseFactory, PersonFactory
from victims.models import Person, PersonLookup
from victims.selectors import EXACT_KINDS

pytestmark = pytest.mark.django_db


def _post(client, **fields):
    data = {"sex": "unknown", "legal_name": "Somebody New", **fields}
    return client.post(reverse("victims:person_create"), data)


@pytest.fixture
def existing(agency_a, caseworker):
    person = PersonFactory(
        agency=agency_a,
        created_by=caseworker,
        legal_name="Nguyễn Văn An",
        document_numbers="B1234567",
        date_of_birth="1995-03-04",
    )
    CaseFactory(agency=agency_a, person=person, created_by=caseworker, caseworkers=[caseworker])
    return Person.objects.get(pk=person.pk)


def test_a_matching_document_number_is_shown_before_saving(login, caseworker, existing):
    response = _post(login(caseworker), document_numbers="b-1234 567")
    assert response.status_code == 200
    assert existing.code in response.content.decode()
    assert "Document number" in response.content.decode()
    assert Person.objects.count() == 1


def test_a_matching_name_and_date_of_birth_is_shown(login, caseworker, existing):
    response = _post(login(caseworker), legal_name="NGUYEN VAN AN", date_of_birth="1995-03-04")
    assert existing.code in response.content.decode()
    assert "Name and date of birth" in response.content.decode()


def test_a_diacritics_and_word_order_variant_is_found(login, caseworker, existing):
    response = _post(login(caseworker), legal_name="an  nguyen-VAN")
    assert response.status_code == 200
    assert existing.code in response.content.decode()


def test_an_alias_in_other_names_is_found(login, caseworker, existing):
    existing.other_names = "Annie Phuong"
    from victims.services import index_person

    existing.save()
    index_person(existing)
    response = _post(login(caseworker), legal_name="Annie Fuong")
    assert existing.code in response.content.decode()


def test_save_anyway_saves_despite_matches(login, caseworker, existing):
    response = _post(login(caseworker), document_numbers="B1234567", save_anyway="on")
    assert response.status_code == 302
    assert Person.objects.count() == 2


def test_no_match_saves_at_once_and_continues_to_the_case_intake(login, caseworker, existing):
    response = _post(login(caseworker), legal_name="Entirely Different", document_numbers="Z9")
    assert response.status_code == 302
    new = Person.objects.exclude(pk=existing.pk).get()
    assert response["Location"] == reverse("victims:case_create", args=[new.pk])
    assert new.code.startswith("P-AGA-")


def test_a_match_in_another_agency_is_never_revealed(login, outsider, existing):
    response = _post(login(outsider), document_numbers="B1234567", legal_name="Nguyen Van An")
    assert response.status_code == 302  # saved at once: nothing matched in its scope
    content = login(outsider).get(response["Location"], follow=True).content.decode()
    assert existing.code not in content
    assert "Possibly already registered" not in content


def test_a_caseworker_does_not_see_matches_on_cases_not_assigned_to_them(
    login, other_caseworker, existing
):
    response = _post(login(other_caseworker), document_numbers="B1234567")
    assert response.status_code == 302


def _edit(client, person, **fields):
    data = {"sex": "unknown", "legal_name": "Somebody Else", "version": person.version, **fields}
    return client.post(reverse("victims:person_edit", args=[person.pk]), data)


@pytest.fixture
def second(agency_a, caseworker):
    person = PersonFactory(agency=agency_a, created_by=caseworker, legal_name="Somebody Else")
    CaseFactory(agency=agency_a, person=person, created_by=caseworker, caseworkers=[caseworker])
    return Person.objects.get(pk=person.pk)


def test_editing_in_a_matching_document_number_shows_the_match_before_saving(
    login, caseworker, existing, second
):
    response = _edit(login(caseworker), second, document_numbers="B1234567")
    assert response.status_code == 200
    assert existing.code in response.content.decode()
    second.refresh_from_db()
    assert second.document_numbers != "B1234567"


def test_editing_with_save_anyway_saves_despite_the_match(login, caseworker, existing, second):
    response = _edit(login(caseworker), second, document_numbers="B1234567", save_anyway="on")
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.document_numbers == "B1234567"


def test_editing_unchanged_identity_does_not_warn_about_itself(login, caseworker, existing):
    response = _edit(
        login(caseworker),
        existing,
        legal_name="Nguyễn Văn An",
        document_numbers="B1234567",
        date_of_birth="1995-03-04",
        languages="Vietnamese",
    )
    assert response.status_code == 302
    existing.refresh_from_db()
    assert existing.languages == "Vietnamese"


def test_editing_never_reveals_a_match_the_user_may_not_see(
    login, other_caseworker, agency_a, existing
):
    person = PersonFactory(agency=agency_a, created_by=other_caseworker, legal_name="Other Name")
    CaseFactory(
        agency=agency_a, person=person, created_by=other_caseworker, caseworkers=[other_caseworker]
    )
    person = Person.objects.get(pk=person.pk)
    response = _edit(login(other_caseworker), person, document_numbers="B1234567")
    assert response.status_code == 302
    assert existing.code not in response.content.decode()


def test_a_person_is_indexed_only_by_what_the_searches_read(existing):
    """One row per exact value the duplicate check and the search look up, one keyed token
    per name part for the matcher, and nothing else: every row costs each new person its
    writes and the table its size (keyed bigrams of every part, 17 rows a person that
    nothing read, were four fifths of the table at 1,000,000 cases)."""
    kinds = sorted(existing.lookups.values_list("kind", flat=True))
    assert kinds == ["document", "name", "name_dob", "name_part", "name_part", "name_part"]
    assert set(PersonLookup.Kind) == {*EXACT_KINDS, PersonLookup.Kind.NAME_PART}
