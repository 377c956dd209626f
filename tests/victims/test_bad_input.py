"""Hostile input in every person form field: a re-rendered form or a 400, never a 500
and never a partial write."""

from __future__ import annotations

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from victims.models import Person, PersonLookup

pytestmark = pytest.mark.django_db

FIELDS = [
    "legal_name",
    "other_names",
    "date_of_birth",
    "document_numbers",
    "phone",
    "address",
    "sex",
    "age_years",
    "nationality",
    "other_citizenships",
    "languages",
    "interpreter_needed",
    "immigration_status",
    "vulnerabilities",
    "version",
]
HOSTILE = {
    "unicode": "\u01c4\u01c9 \ufb01 \u210c \U0001d504 Zoë",
    "rtl": "\u202e\u0645\u0631\u062d\u0628\u0627 \u05e2\u05d1\u05e8\u05d9\u05ea",
    "emoji": "🙂👩🏽‍🦯🏳️‍🌈",
    "nul": "abc\x00def",
    "lone_surrogate": "\ud800",
    "megabyte": "x" * 1_000_000,
    "huge_number": "9" * 40,
    "negative": "-1",
    "impossible_date": "2026-02-30",
    "script": "<script>alert(1)</script>",
}
VALID = {"legal_name": "Valid Name", "sex": "unknown"}


def _encode(data: dict) -> bytes:
    """Form-encode by hand so a lone surrogate reaches Django as invalid UTF-8 bytes."""
    from urllib.parse import quote_from_bytes

    parts = []
    for key, value in data.items():
        raw = value.encode("utf-8", "surrogatepass")
        parts.append(f"{key}={quote_from_bytes(raw)}")
    return "&".join(parts).encode()


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("kind", list(HOSTILE))
def test_hostile_input_never_breaks_the_person_form(login, caseworker, field, kind):
    value = HOSTILE[kind]
    if kind == "megabyte" and field in ("vulnerabilities", "other_citizenships"):
        value = "x" * 100_000  # a list field: the request size cap is tested elsewhere
    response = login(caseworker).post(
        reverse("victims:person_create"),
        _encode(VALID | {field: value}),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code in (200, 302, 400)
    if response.status_code == 302:
        person = Person.objects.get()
        assert person.legal_name and person.code.startswith("P-AGA-")
        assert AuditEvent.objects.filter(action="create", object_id=str(person.pk)).exists()
    else:
        assert not Person.objects.exists()
        assert not PersonLookup.objects.exists()
        if response.status_code == 200:
            assert f'name="{field}"' in response.content.decode() or field == "version"
            assert "is-invalid" in response.content.decode() or field == "version"


@pytest.mark.parametrize("kind", ["nul", "impossible_date", "huge_number"])
def test_hostile_input_on_edit_changes_nothing(login, caseworker, case, person, kind):
    before = (person.legal_name, person.version)
    response = login(caseworker).post(
        reverse("victims:person_edit", args=[person.pk]),
        _encode(
            {
                "legal_name": "Changed",
                "sex": "unknown",
                "version": str(person.version),
                "date_of_birth" if kind == "impossible_date" else "age_years": HOSTILE[kind],
            }
            if kind != "nul"
            else {"legal_name": HOSTILE["nul"], "sex": "unknown", "version": str(person.version)}
        ),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    person.refresh_from_db()
    assert (person.legal_name, person.version) == before
