"""The audit trail shows tampering, and the app's database role cannot tamper at all.

Every agency's rows (and the platform's) form a hash chain; `verify_audit` names the
first row that was altered, removed or cut off. On PostgreSQL the runtime role set up
by `grant_runtime_role` may only INSERT and SELECT audit rows.
"""

import secrets
import threading
import time
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from audit.context import RequestContext, bound
from audit.models import GENESIS_HASH, AppendOnlyError, AuditEvent
from audit.services import record_event
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db

BEFORE_CHAIN = ("audit", "0005_auditevent_user_agent")


def _trail(*users) -> dict[int, list[AuditEvent]]:
    """Three rows by each user, interleaved, keyed by user id."""
    rows: dict[int, list[AuditEvent]] = {user.pk: [] for user in users}
    for _ in range(3):
        for user in users:
            rows[user.pk].append(
                record_event(actor=user, action=AuditEvent.Action.VIEW, target=user)
            )
    return rows


def _as_owner(sql: str, params: list) -> None:
    """Tamper as the table's owner: on PostgreSQL, past the append-only trigger."""
    postgresql = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if postgresql:
            # ALTER TABLE refuses while the test's deferred FK checks are pending.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
        cursor.execute(sql, params)
        if postgresql:
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _verify() -> str:
    out = StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue()


def test_verify_audit_passes_on_a_clean_trail_of_several_agencies(
    caseworker, outsider, platform_admin
):
    # An address PostgreSQL prints differently from how it was given still verifies.
    with bound(RequestContext(ip="2001:0DB8:0000::0001", user_agent="Firefox")):
        rows = _trail(caseworker, outsider, platform_admin)

    assert "Audit trail intact: 3 chains, 9 rows." in _verify()
    mine = AuditEvent.objects.filter(agency=caseworker.agency).order_by("chain_seq")
    assert [row.chain_seq for row in mine] == [1, 2, 3]
    assert [row.prev_hash for row in mine] == [GENESIS_HASH, mine[0].row_hash, mine[1].row_hash]
    assert [row.pk for row in mine] == [row.pk for row in rows[caseworker.pk]]


def test_verify_audit_names_a_row_whose_contents_were_altered(caseworker, outsider):
    rows = _trail(caseworker, outsider)
    altered = rows[caseworker.pk][1]
    _as_owner("UPDATE audit_auditevent SET object_id = '999' WHERE id = %s", [altered.pk])

    with pytest.raises(CommandError, match=rf"row id {altered.pk} \(position 2\).*altered"):
        _verify()


def test_verify_audit_names_the_row_after_a_deleted_middle_row(caseworker, outsider):
    rows = _trail(caseworker, outsider)
    deleted, following = rows[outsider.pk][1], rows[outsider.pk][2]
    _as_owner("DELETE FROM audit_auditevent WHERE id = %s", [deleted.pk])

    with pytest.raises(
        CommandError,
        match=rf"agency {outsider.agency_id}, row id {following.pk} .*positions 2..2 are missing",
    ):
        _verify()


def test_verify_audit_notices_a_deleted_last_row(caseworker, outsider):
    rows = _trail(caseworker, outsider)
    _as_owner("DELETE FROM audit_auditevent WHERE id = %s", [rows[caseworker.pk][2].pk])

    with pytest.raises(CommandError, match=r"positions 3..3 are missing at the end"):
        _verify()


def test_verify_audit_notices_a_chain_emptied_whole(caseworker, platform_admin):
    _trail(caseworker, platform_admin)
    _as_owner("DELETE FROM audit_auditevent WHERE agency_id IS NULL", [])

    with pytest.raises(CommandError, match=r"platform \(no agency\).*positions 1..3 are missing"):
        _verify()


def test_an_audit_row_is_written_only_through_record_event(caseworker):
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.create(actor=caseworker, action=AuditEvent.Action.VIEW)


@pytest.mark.django_db(transaction=True)
def test_the_migration_seals_rows_written_before_the_chain_in_their_order(agency_a, agency_b):
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE_CHAIN])
    old_event = executor.loader.project_state([BEFORE_CHAIN]).apps.get_model("audit", "AuditEvent")
    for number, agency in enumerate([agency_a, None, agency_b, agency_a, None, agency_a]):
        old_event.objects.create(
            agency_id=agency and agency.pk,
            action="view",
            object_type="victims.person",
            object_id=str(number),
            ip_address="2001:0db8::7",
        )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    chain = AuditEvent.objects.filter(agency=agency_a).order_by("chain_seq")
    ids = list(chain.values_list("pk", "chain_seq"))
    assert [seq for _, seq in ids] == [1, 2, 3]
    assert [pk for pk, _ in ids] == sorted(pk for pk, _ in ids)
    record_event(actor=None, action=AuditEvent.Action.LOGIN_FAILED, agency_id=agency_a.pk)
    assert "Audit trail intact: 3 chains, 7 rows." in _verify()


def test_grant_runtime_role_says_sqlite_has_no_roles():
    if connection.vendor == "postgresql":
        pytest.skip("SQLite only")
    out = StringIO()
    call_command("grant_runtime_role", "harbor_app", stdout=out)
    assert "sqlite has no database roles" in out.getvalue()


# --- PostgreSQL: the runtime role ----------------------------------------------------


@pytest.fixture
def runtime_role(db):
    """A fresh role granted as production's runtime role is (undone with the test's rollback)."""
    name = f"harbor_test_runtime_{secrets.token_hex(4)}"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {name} NOLOGIN")
    call_command("grant_runtime_role", name, stdout=StringIO())
    yield name
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DROP OWNED BY {name}")
        cursor.execute(f"DROP ROLE {name}")


def _as_runtime(role: str, sql: str, params: list | None = None) -> int:
    """Run `sql` as `role` inside a savepoint (the role ends with it); the rows it touched."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {role}")
        cursor.execute(sql, params or [])
        rowcount = cursor.rowcount
        cursor.execute("RESET ROLE")
    return rowcount


@pytest.mark.postgres
@pytest.mark.parametrize(
    "statement",
    [
        "TRUNCATE audit_auditevent",
        "UPDATE audit_auditevent SET object_id = '999'",
        "DELETE FROM audit_auditevent",
        "ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only",
        "ALTER TABLE audit_auditevent DISABLE TRIGGER ALL",
        "DROP TRIGGER audit_event_append_only ON audit_auditevent",
        "DELETE FROM audit_auditchainhead",
        # Replica mode switches the append-only triggers off (the CTDC import's bulk
        # path uses it as the owner): never open to the serving role.
        "SET LOCAL session_replication_role = replica",
    ],
)
def test_the_runtime_role_cannot_wipe_or_rewrite_the_audit_trail(
    runtime_role, caseworker, statement
):
    record_event(actor=caseworker, action=AuditEvent.Action.VIEW, target=caseworker)
    with pytest.raises(DatabaseError, match=r"permission denied|must be owner"):
        _as_runtime(runtime_role, statement)
    assert AuditEvent.objects.count() == 1


@pytest.mark.postgres
def test_the_runtime_role_writes_and_reads_audit_rows_and_updates_cases(runtime_role, caseworker):
    record_event(actor=caseworker, action=AuditEvent.Action.VIEW, target=caseworker)
    case = CaseFactory(agency=caseworker.agency)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {runtime_role}")
        # The app's own path: lock the chain head, insert the row, advance the head.
        event = record_event(actor=caseworker, action=AuditEvent.Action.VIEW, target=case)
        assert AuditEvent.objects.filter(pk=event.pk, chain_seq=2).exists()
        cursor.execute("RESET ROLE")
    assert _as_runtime(runtime_role, "UPDATE cases_case SET id = id WHERE id = %s", [case.pk]) == 1
    assert "2 rows" in _verify()


@pytest.mark.postgres
def test_grant_runtime_role_is_idempotent_and_refuses_a_superuser(runtime_role):
    call_command("grant_runtime_role", runtime_role, stdout=StringIO())
    with pytest.raises(CommandError, match="superuser"):
        call_command("grant_runtime_role", "postgres", stdout=StringIO())
    with pytest.raises(CommandError, match="does not exist"):
        call_command("grant_runtime_role", f"{runtime_role}_missing", stdout=StringIO())


@pytest.mark.postgres
def test_the_database_refuses_truncate_even_to_a_role_granted_it(runtime_role, caseworker):
    record_event(actor=caseworker, action=AuditEvent.Action.VIEW, target=caseworker)
    with connection.cursor() as cursor:
        cursor.execute(f"GRANT TRUNCATE ON audit_auditevent TO {runtime_role}")
        # TRUNCATE refuses outright while the test's deferred FK checks are pending.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with pytest.raises(DatabaseError, match="append-only"):
        _as_runtime(runtime_role, "TRUNCATE audit_auditevent")
    assert AuditEvent.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_writers_of_one_agency_make_one_unbroken_chain(caseworker, other_caseworker):
    start = threading.Barrier(2)
    errors: list[Exception] = []

    def write(user) -> None:
        try:
            start.wait()
            for _ in range(20):
                with transaction.atomic():
                    record_event(actor=user, action=AuditEvent.Action.VIEW, target=user)
                    time.sleep(0.002)  # hold the head lock while the other writer waits
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(u,)) for u in (caseworker, other_caseworker)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    seqs = AuditEvent.objects.filter(agency=caseworker.agency).values_list("chain_seq", flat=True)
    assert sorted(seqs) == list(range(1, 41))
    assert "Audit trail intact: 1 chains, 40 rows." in _verify()
