"""The configured field keys must open the stored sentinel.

Two guards. Every entry point that serves or touches data (config/wsgi.py,
config/asgi.py, and manage.py for every command but the schema and tooling ones)
calls `require_field_keys()` at process start and refuses to run with wrong keys,
before anything is stored under them. The system check below does the same for
`check` and `migrate`. On a database without the table yet (a fresh install before
`migrate`) neither says anything; `migrate` then stores the sentinel with the first key.
"""

from __future__ import annotations

from typing import Literal

from django.core.checks import CheckMessage, Error, register
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connection

from crypto import SENTINEL_PLAINTEXT, DecryptionError
from victims.models import EncryptionSentinel

WRONG_KEYS = (
    "HARBOR_FIELD_KEYS cannot decrypt the stored encryption sentinel: "
    "the keys are wrong or the key that encrypted the data was removed."
)
WRONG_KEYS_HINT = "Put the previous key back in HARBOR_FIELD_KEYS (after the new one)."

FieldKeysState = Literal["ok", "wrong", "unchecked"]


def verify_field_keys() -> None:
    """Raise DecryptionError when a stored sentinel does not decrypt to the known value."""
    for sentinel in EncryptionSentinel.objects.all()[:5]:
        if sentinel.ciphertext != SENTINEL_PLAINTEXT:
            raise DecryptionError("The encryption sentinel decrypted to an unexpected value.")


def field_keys_state() -> FieldKeysState:
    """Whether the configured keys open the sentinel: "unchecked" before `migrate` made
    its table. Raises DatabaseError when the database cannot be asked."""
    if EncryptionSentinel._meta.db_table not in connection.introspection.table_names():
        return "unchecked"
    try:
        verify_field_keys()
    except DecryptionError:
        return "wrong"
    return "ok"


def require_field_keys() -> None:
    """Refuse to start (ImproperlyConfigured) unless the field keys open the sentinel.

    Called once at process start by every entry point that serves or touches data:
    a server with the wrong key would store new records under it, unreadable by the
    correctly keyed servers. A database that cannot be reached refuses too: the keys
    are unverified. Closes the connection it used, so a forking server (gunicorn
    --preload) never shares it with its workers.
    """
    try:
        state = field_keys_state()
    except DatabaseError as error:
        raise ImproperlyConfigured(
            "Harbor will not start: HARBOR_FIELD_KEYS cannot be checked against the "
            "stored encryption sentinel because the database is unavailable."
        ) from error
    finally:
        connection.close()
    if state == "wrong":
        raise ImproperlyConfigured(f"Harbor will not start: {WRONG_KEYS} {WRONG_KEYS_HINT}")


@register()
def field_keys_open_the_sentinel(app_configs=None, **kwargs) -> list[CheckMessage]:
    try:
        state = field_keys_state()
    except DatabaseError:
        return []  # No database to check yet (e.g. `check` before the DB exists).
    if state == "wrong":
        return [Error(WRONG_KEYS, hint=WRONG_KEYS_HINT, id="victims.E001")]
    return []
