"""The documented backup and restore commands (README, "Backups") round-trip the data."""

from __future__ import annotations

import shutil
import subprocess

import psycopg
import pytest
from django.db import connection

from cases.models import Case, TrackTransition
from crypto import decrypt
from tests.factories import CaseFactory, PersonFactory
from victims.models import Person

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not shutil.which("pg_dump"), reason="needs the PostgreSQL client tools"),
]

RESTORED = "harbor_restore_roundtrip"


def _url(name: str) -> str:
    s = connection.settings_dict
    host = s["HOST"] or "localhost"
    port = s["PORT"] or 5432
    password = f":{s['PASSWORD']}" if s["PASSWORD"] else ""
    return f"postgresql://{s['USER']}{password}@{host}:{port}/{name}"


def _admin():
    return psycopg.connect(_url("postgres"), autocommit=True)


def test_pg_dump_then_pg_restore_keeps_every_row_and_the_ciphertext(tmp_path, agency_a, caseworker):
    person = PersonFactory(agency=agency_a, created_by=caseworker, legal_name="Restored Canary")
    CaseFactory(agency=agency_a, person=person, created_by=caseworker, caseworkers=[caseworker])
    tables = [Person._meta.db_table, Case._meta.db_table, TrackTransition._meta.db_table]
    dump = tmp_path / "harbor.dump"
    source = _url(connection.settings_dict["NAME"])

    # The README's commands, as written.
    pg_dump, pg_restore = shutil.which("pg_dump"), shutil.which("pg_restore")
    subprocess.run([pg_dump, "--format=custom", f"--file={dump}", source], check=True)  # noqa: S603
    with _admin() as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {RESTORED}")
        admin.execute(f"CREATE DATABASE {RESTORED}")
    try:
        subprocess.run(  # noqa: S603 (fixed arguments, test database URLs)
            [pg_restore, "--clean", "--if-exists", f"--dbname={_url(RESTORED)}", str(dump)],
            check=True,
        )
        with psycopg.connect(_url(RESTORED)) as restored, connection.cursor() as live:
            for table in tables:
                live.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 (model table names)
                expected = live.fetchone()[0]
                got = restored.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
                assert (table, got) == (table, expected)
            (token,) = restored.execute(
                f"SELECT legal_name FROM {tables[0]} WHERE id = %s",  # noqa: S608
                [person.pk],
            ).fetchone()
        assert "Restored Canary" not in token  # still ciphertext in the dump
        assert decrypt(token) == "Restored Canary"  # and readable with the app's keys
    finally:
        with _admin() as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {RESTORED} WITH (FORCE)")
