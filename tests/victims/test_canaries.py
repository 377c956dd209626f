"""Identifying values never leak into audit rows, URLs, logs, emails or error pages."""

from __future__ import annotations

import logging

import pytest
from django.core import mail
from django.urls import reverse

from audit.models import AuditEvent
from victims.models import Person

pytestmark = pytest.mark.django_db

CANARY = {
    "legal_name": "Qqcanary Legalname",
    "other_names": "Qqcanary Alias",
    "date_of_birth": "1966-06-16",
    "document_numbers": "QQCANARY4242",
    "phone": "+886 9999 4242 qq",
    "address": "Qqcanary Street 42",
}


def _form(**extra) -> dict:
    return {"sex": "female", "languages": "Thai", **CANARY, **extra}


def _assert_no_canary(text: str) -> None:
    for value in CANARY.values():
        assert value not in text
    assert "qqcanary" not in text.lower()


def _audit_text() -> str:
    return "\n".join(repr(row) for row in AuditEvent.objects.values_list())


def test_canaries_stay_out_of_audit_urls_logs_and_emails(login, caseworker, caplog):
    caplog.set_level(logging.DEBUG)
    client = login(caseworker)
    response = client.post(reverse("victims:person_create"), _form())
    assert response.status_code == 302
    _assert_no_canary(response["Location"])
    person = Person.objects.get()
    detail = client.get(reverse("victims:person_detail", args=[person.pk]))
    _assert_no_canary(detail.content.decode())  # masked by default
    revealed = client.post(reverse("victims:person_reveal", args=[person.pk]))
    assert CANARY["legal_name"] in revealed.content.decode()
    edit = client.post(
        reverse("victims:person_edit", args=[person.pk]), _form(version=person.version)
    )
    assert edit.status_code == 302
    _assert_no_canary(edit["Location"])
    _assert_no_canary(_audit_text())
    _assert_no_canary(caplog.text)
    _assert_no_canary("".join(m.subject + m.body for m in mail.outbox))
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"create", "view", "reveal", "update"} <= actions


def test_canaries_stay_out_of_a_stale_edit_error_and_a_404_page(
    login, caseworker, outsider, person
):
    client = login(caseworker)
    stale = client.post(
        reverse("victims:person_edit", args=[person.pk]), _form(version=person.version + 5)
    )
    assert stale.status_code == 200
    assert "changed this record" in stale.content.decode()
    assert Person.objects.get(pk=person.pk).legal_name != CANARY["legal_name"]
    not_found = login(outsider).post(
        reverse("victims:person_edit", args=[person.pk]), _form(version=person.version)
    )
    assert not_found.status_code == 404
    _assert_no_canary(not_found.content.decode())
    _assert_no_canary(person.legal_name)
