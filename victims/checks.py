"""Startup check: the configured field keys must open the stored sentinel.

Registered without a tag, so `runserver`, `check` and `migrate` all run it. On a
database without the table yet (a fresh install before `migrate`) it says nothing;
`migrate` then stores the sentinel with the first key.
"""

from __future__ import annotations

from django.core.checks import CheckMessage, Error, register
from django.db import DatabaseError, connection

from crypto import SENTINEL_PLAINTEXT, DecryptionError
from victims.models import EncryptionSentinel


def verify_field_keys() -> None:
    """Raise DecryptionError when a stored sentinel does not decrypt to the known value."""
    for sentinel in EncryptionSentinel.objects.all()[:5]:
        if sentinel.ciphertext != SENTINEL_PLAINTEXT:
            raise DecryptionError("The encryption sentinel decrypted to an unexpected value.")


@register()
def field_keys_open_the_sentinel(app_configs=None, **kwargs) -> list[CheckMessage]:
    try:
        if EncryptionSentinel._meta.db_table not in connection.introspection.table_names():
            return []
        verify_field_keys()
    except DecryptionError:
        return [
            Error(
                "HARBOR_FIELD_KEYS cannot decrypt the stored encryption sentinel: "
                "the keys are wrong or the key that encrypted the data was removed.",
                hint="Put the previous key back in HARBOR_FIELD_KEYS (after the new one).",
                id="victims.E001",
            )
        ]
    except DatabaseError:
        return []  # No database to check yet (e.g. `check` before the DB exists).
    return []
