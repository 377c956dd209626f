"""Encrypting existing clear-text columns in place, for the migrations that make them
crypto fields (and decrypting them again when such a migration is reversed).

The conversion reads and writes the raw columns, in batches by id: past the AlterField
the historical model's field would already try to decrypt them. A value that already
opens with the field keys is left alone, so a second run (or a partly converted table)
encrypts nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from crypto import DecryptionError, decrypt, encrypt

BATCH = 500


def _encrypted(value: str | None) -> str | None:
    if not value:
        return value
    try:
        decrypt(value)
    except DecryptionError:
        return encrypt(value)
    return value  # already ciphertext


def _decrypted(value: str | None) -> str | None:
    if not value:
        return value
    try:
        return decrypt(value)
    except DecryptionError:
        return value  # still clear text


def _convert_rows(
    apps: Any,
    schema_editor: Any,
    app_label: str,
    fields: Mapping[str, Sequence[str]],
    convert: Callable[[str | None], str | None],
) -> None:
    connection = schema_editor.connection
    quote = connection.ops.quote_name
    for model_name, names in fields.items():
        meta = apps.get_model(app_label, model_name)._meta
        table, pk = quote(meta.db_table), quote(meta.pk.column)
        columns = [quote(meta.get_field(name).column) for name in names]
        select = f"SELECT {pk}, {', '.join(columns)} FROM {table} WHERE {pk} > %s ORDER BY {pk}"  # noqa: S608
        update = f"UPDATE {table} SET {', '.join(f'{c} = %s' for c in columns)} WHERE {pk} = %s"  # noqa: S608
        last = 0
        with connection.cursor() as cursor:
            while True:
                cursor.execute(f"{select} LIMIT {BATCH}", [last])
                rows = cursor.fetchall()
                if not rows:
                    break
                changed = []
                for row_pk, *values in rows:
                    converted = [convert(value) for value in values]
                    if converted != values:
                        changed.append([*converted, row_pk])
                if changed:
                    cursor.executemany(update, changed)
                last = rows[-1][0]


def encrypt_columns(
    apps: Any, schema_editor: Any, app_label: str, fields: Mapping[str, Sequence[str]]
) -> None:
    """Encrypt the clear values of `fields` ({model name: [field names]}) of `app_label`."""
    _convert_rows(apps, schema_editor, app_label, fields, _encrypted)


def decrypt_columns(
    apps: Any, schema_editor: Any, app_label: str, fields: Mapping[str, Sequence[str]]
) -> None:
    """The reverse: decrypt them back to clear text."""
    _convert_rows(apps, schema_editor, app_label, fields, _decrypted)
