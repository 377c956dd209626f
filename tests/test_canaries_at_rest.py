"""Canaries in every free-text field and in an uploaded file never appear in clear in a
`pg_dump`, the private storage folder, the logs or the error pages (issue 14).

Every model with encrypted text gets a row whose every encrypted field holds a unique
canary (the builders of tests/test_free_text_encryption.py, which fail when a model
with encrypted text has none); the person's identity fields and an uploaded statement
carry canaries too. Then the whole database is dumped with the README's `pg_dump`.
"""

from __future__ import annotations

import logging
import shutil
import subprocess

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

import crypto
from cases.models import Attachment, Case
from tests.factories import CaseFactory, PersonFactory
from tests.test_free_text_encryption import BUILDERS, _encrypted_fields

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not shutil.which("pg_dump"), reason="needs the PostgreSQL client tools"),
]

MARK = "Zqcanary"


def _canary(label: str, name: str) -> str:
    return f"{MARK} {label}.{name} ñ"


def _dump() -> str:
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s["PASSWORD"] else ""
    url = f"postgresql://{s['USER']}{password}@{s['HOST'] or 'localhost'}:{s['PORT'] or 5432}"
    pg_dump = shutil.which("pg_dump")
    result = subprocess.run(  # noqa: S603 (fixed arguments, the test database)
        [pg_dump, "--data-only", f"{url}/{s['NAME']}"], check=True, capture_output=True
    )
    return result.stdout.decode("utf-8", errors="replace")


def _fill_every_encrypted_field(case: Case, user) -> int:
    filled = 0
    for label, build in sorted(BUILDERS.items()):
        model = apps.get_model(label)
        fields = {
            name
            for name in _encrypted_fields(model)
            if not isinstance(model._meta.get_field(name), crypto.EncryptedDateField)
        }
        build(case, user, **{name: _canary(label, name) for name in fields})
        filled += len(fields)
    return filled


def test_canaries_stay_out_of_the_dump_storage_logs_and_error_pages(
    login, agency_a, caseworker, private_storage, caplog
):
    caplog.set_level(logging.DEBUG)
    person = PersonFactory(
        agency=agency_a,
        created_by=caseworker,
        legal_name=f"{MARK} Legal Name",
        other_names=f"{MARK} Alias",
        address=f"{MARK} Street 7",
        phone="+886 900 000 777",
        document_numbers=f"{MARK}DOC77",
    )
    case = CaseFactory(
        agency=agency_a, person=person, created_by=caseworker, caseworkers=[caseworker]
    )
    assert _fill_every_encrypted_field(case, caseworker) > 40
    client = login(caseworker)
    statement = SimpleUploadedFile("statement.txt", f"{MARK} testimony body\n".encode() * 50)
    response = client.post(
        reverse("cases:attachment_upload", args=[case.pk]),
        {"file": statement, "description": f"{MARK} statement of the person"},
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get(case=case, size__gt=100)

    # Error pages: a missing record, an out-of-scope one, a forbidden action and a bad
    # form, each sent the canaries; none echoes them.
    for method, url in [
        ("get", "/cases/999999/"),
        ("post", reverse("cases:note_add", args=[999999])),
        ("post", reverse("cases:closure_approve", args=[case.pk])),
        ("post", reverse("cases:hearing_add", args=[case.pk, 999999])),
    ]:
        data = {"text": MARK, "reason": MARK, "comment": MARK} if method == "post" else None
        page = getattr(client, method)(url, data)
        assert page.status_code in (400, 403, 404, 405)
        assert MARK not in page.content.decode()

    # The permission-checked download still opens the file.
    download = client.get(reverse("cases:attachment_download", args=[case.pk, attachment.pk]))
    assert MARK.encode() in b"".join(download.streaming_content)

    dump = _dump()
    assert "COPY public.cases_casenote" in dump  # the dump really holds the tables
    assert MARK not in dump
    stored = [path for path in private_storage.rglob("*") if path.is_file()]
    assert stored
    for path in stored:
        assert MARK.encode() not in path.read_bytes()
    assert MARK not in caplog.text
