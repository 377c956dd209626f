"""Identifying fields are encrypted at rest; keys rotate; a wrong key stops the app."""

from __future__ import annotations

import datetime
import os
import shutil
import subprocess

import pytest
from cryptography.fernet import Fernet
from django.db import connection

from crypto import DecryptionError
from victims.checks import field_keys_open_the_sentinel
from victims.models import EncryptionSentinel, Person

pytestmark = pytest.mark.django_db

CANARY_NAME = "Zyxwvut Canaryname"
CANARY_DOC = "CANARYDOC991177"
CANARY_DOB = datetime.date(1977, 7, 17)


def _all_raw_text() -> str:
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 (introspected names)
            chunks.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(chunks)


@pytest.fixture
def canary_person(person, caseworker):
    from victims import services

    person.legal_name = CANARY_NAME
    person.document_numbers = CANARY_DOC
    person.date_of_birth = CANARY_DOB
    person.phone = "+886-CANARY-PHONE"
    services.update_person(person, actor=caseworker, expected_version=person.version)
    return person


def test_a_raw_dump_of_every_table_holds_no_identifying_value_in_clear(canary_person):
    dump = _all_raw_text()
    assert CANARY_NAME not in dump
    assert CANARY_NAME.lower() not in dump.lower()
    assert CANARY_DOC not in dump
    assert CANARY_DOB.isoformat() not in dump
    assert "CANARY-PHONE" not in dump
    assert Person.objects.get(pk=canary_person.pk).legal_name == CANARY_NAME


def test_history_rows_keep_the_identifying_values_encrypted(canary_person):
    table = Person.history.model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT legal_name, document_numbers FROM {table}")  # noqa: S608
        rows = cursor.fetchall()
    assert len(rows) >= 2
    for name, documents in rows:
        assert name.startswith("gAAAAA") and CANARY_NAME not in name
        assert documents.startswith("gAAAAA") and CANARY_DOC not in documents
    assert canary_person.history.first().legal_name == CANARY_NAME


@pytest.mark.postgres
@pytest.mark.skipif(shutil.which("pg_dump") is None, reason="pg_dump is not installed")
@pytest.mark.django_db(transaction=True)
def test_pg_dump_of_the_database_holds_no_identifying_value_in_clear(canary_person):
    db = connection.settings_dict
    env = os.environ | {"PGPASSWORD": db.get("PASSWORD") or ""}
    command = ["pg_dump", "--data-only", "-h", db.get("HOST") or "localhost"]
    command += ["-p", str(db.get("PORT") or 5432), "-U", db.get("USER") or "postgres", db["NAME"]]
    result = subprocess.run(  # noqa: S603 (fixed argv, test DB settings)
        command, capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr[-500:]
    assert "Demo Person" not in result.stdout
    assert CANARY_NAME not in result.stdout
    assert CANARY_DOC not in result.stdout
    assert CANARY_DOB.isoformat() not in result.stdout


def test_data_written_with_one_key_is_readable_after_rotation(person, settings):
    key1 = settings.HARBOR_FIELD_KEYS[0]
    key2 = Fernet.generate_key().decode()
    settings.HARBOR_FIELD_KEYS = [key2, key1]
    assert Person.objects.get(pk=person.pk).legal_name == person.legal_name
    assert field_keys_open_the_sentinel() == []


def test_new_writes_after_rotation_use_the_new_key(person, settings):
    key2 = Fernet.generate_key().decode()
    settings.HARBOR_FIELD_KEYS = [key2, settings.HARBOR_FIELD_KEYS[0]]
    person.legal_name = "Rotated Name"
    person.save()
    settings.HARBOR_FIELD_KEYS = [key2]
    assert Person.objects.get(pk=person.pk).legal_name == "Rotated Name"


def test_a_wrong_key_fails_the_startup_check(settings):
    assert EncryptionSentinel.objects.exists()
    settings.HARBOR_FIELD_KEYS = [Fernet.generate_key().decode()]
    errors = field_keys_open_the_sentinel()
    assert [error.id for error in errors] == ["victims.E001"]


def test_a_wrong_key_raises_on_read_instead_of_returning_garbage(person, settings):
    settings.HARBOR_FIELD_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(DecryptionError):
        Person.objects.get(pk=person.pk)
