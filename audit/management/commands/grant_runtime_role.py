"""`manage.py grant_runtime_role ROLE`: give the role the app serves with what it needs.

Run as the role that owns the schema (the one that ran `migrate`), after every
`migrate`. The runtime role gets SELECT/INSERT/UPDATE/DELETE on every table of the
database's schema, except: the audit trail (SELECT, INSERT only: no UPDATE, DELETE or
TRUNCATE, and as a non-owner it cannot ALTER TABLE … DISABLE TRIGGER), the audit chain
heads (SELECT, INSERT, UPDATE: `record_event` advances them) and `django_migrations`
(SELECT). Every table's grants are revoked first, so running it again converges.

No default privileges are set: a table created by a later migration stays closed to
the runtime role until this command runs again, rather than being born writable even
if it is meant to be append-only.
"""

import re
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from audit.models import AuditChainHead, AuditEvent

# Unquoted-identifier spelling only: the name is interpolated into GRANT statements.
ROLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")

READ_WRITE = "SELECT, INSERT, UPDATE, DELETE"


def table_privileges() -> dict[str, str]:
    """Tables whose runtime privileges are narrower than read/write, and what they get."""
    return {
        AuditEvent._meta.db_table: "SELECT, INSERT",
        AuditChainHead._meta.db_table: "SELECT, INSERT, UPDATE",
        "django_migrations": "SELECT",
    }


class Command(BaseCommand):
    help = (
        "Grant the runtime database ROLE what the app needs and no more: INSERT and SELECT "
        "only on the audit trail. PostgreSQL only; run as the schema owner after migrate."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("role", help="the role the app serves with (it must exist)")

    def handle(self, *args: Any, role: str, **options: Any) -> None:
        if connection.vendor != "postgresql":
            self.stdout.write(
                f"grant_runtime_role: {connection.vendor} has no database roles; nothing to do."
            )
            return
        if not ROLE_NAME.match(role):
            raise CommandError(f"{role!r} is not a plain role name (letters, digits, _).")
        with transaction.atomic(), connection.cursor() as cursor:
            self._check_role(cursor, role)
            quoted = connection.ops.quote_name(role)
            cursor.execute("SELECT current_schema()")
            schema = connection.ops.quote_name(cursor.fetchone()[0])
            cursor.execute(f"GRANT USAGE ON SCHEMA {schema} TO {quoted}")
            narrow = table_privileges()
            tables = connection.introspection.table_names(cursor)
            for table in tables:
                name = connection.ops.quote_name(table)
                cursor.execute(f"REVOKE ALL ON TABLE {name} FROM {quoted}")
                cursor.execute(f"GRANT {narrow.get(table, READ_WRITE)} ON TABLE {name} TO {quoted}")
            cursor.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {quoted}")
            cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {quoted}")
        self.stdout.write(
            self.style.SUCCESS(
                f"{role}: {len(tables)} tables granted; audit trail insert and read only."
            )
        )

    def _check_role(self, cursor: Any, role: str) -> None:
        """Refuse a role the grants cannot restrain: missing, superuser, owner or its member."""
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [role])
        row = cursor.fetchone()
        if row is None:
            raise CommandError(f"Role {role} does not exist: CREATE ROLE it first.")
        if row[0]:
            raise CommandError(f"Role {role} is a superuser: no grant restrains it.")
        cursor.execute(
            "SELECT current_user = %s OR pg_has_role(%s, current_user, 'MEMBER')", [role, role]
        )
        if cursor.fetchone()[0]:
            raise CommandError(
                f"Role {role} is (or is a member of) the owner running this command: "
                "it could alter the audit table. Use a separate login role."
            )
        cursor.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND pg_get_userbyid(c.relowner) = %s",
            [role],
        )
        if cursor.fetchone()[0]:
            raise CommandError(f"Role {role} owns objects in the schema: it must own none.")
