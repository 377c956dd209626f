"""`manage.py rotate_keys`: every value sealed by the field keys moves to the first key.

Rotation: put the new key first in HARBOR_FIELD_KEYS, keep the old ones after it, run
this command, then drop the old keys. It finds its columns through the app registry:
every encrypted field (crypto.EncryptedField: text, dates, their history rows, the key
sentinel) and every wrapped file data key (crypto.files.WrappedKeyField: attachments,
photos), so a model added later is rotated without touching this file. A file body is
never rewritten: only its small wrapped key is.

Idempotent and resumable: rows are read in pk order in batches, each batch locked and
committed on its own, and a value that the first key alone already opens is skipped, so
an interrupted run is completed by running it again, and a second run changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, models, transaction
from django.db.models import ExpressionWrapper, F
from tqdm import tqdm

from crypto import DecryptionError, EncryptedField, rotate, under_first_key
from crypto.files import WrappedKeyField

BATCH_SIZE = 500


@dataclass
class SealedColumns:
    """One model's columns holding field-key tokens."""

    model: type[models.Model]
    fields: list[models.Field]
    rotated: int = 0
    current: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.model._meta.label

    @property
    def columns(self) -> list[str]:
        return [column.attname for column in self.fields]


def sealed_columns() -> list[SealedColumns]:
    """Every concrete model column that holds a Fernet token of the field keys."""
    found = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        fields: list[models.Field] = [
            column
            for column in model._meta.local_concrete_fields
            if isinstance(column, EncryptedField | WrappedKeyField)
        ]
        if fields:
            found.append(SealedColumns(model, fields))
    return sorted(found, key=lambda sealed: sealed.label)


def _raw(column: str) -> ExpressionWrapper:
    # The stored token as text: the encrypted field itself would decrypt it on read.
    return ExpressionWrapper(F(column), output_field=models.TextField())


def _rotate_batch(sealed: SealedColumns, after: Any, *, dry_run: bool) -> list[Any]:
    """Rotate the next batch of rows after pk `after`; return the batch's pks."""
    names = [f"raw_{column}" for column in sealed.columns]
    rows = sealed.model._base_manager.order_by("pk")
    if after is not None:
        rows = rows.filter(pk__gt=after)
    if not dry_run:
        rows = rows.select_for_update()
    batch = rows.annotate(
        **{name: _raw(column) for name, column in zip(names, sealed.columns, strict=True)}
    ).values_list("pk", *names)[:BATCH_SIZE]
    changes: dict[models.Field, dict[Any, str]] = {column: {} for column in sealed.fields}
    pks = []
    for pk, *tokens in batch:
        pks.append(pk)
        for column, token in zip(sealed.fields, tokens, strict=True):
            if not token or under_first_key(token):
                sealed.current += bool(token)
                continue
            try:
                changes[column][pk] = rotate(token)
            except DecryptionError:
                sealed.failures.append(f"{sealed.label} pk={pk} {column.name}")
                continue
            sealed.rotated += 1
    if not dry_run:
        _write(sealed.model, changes)
    return pks


def _write(model: type[models.Model], changes: dict[models.Field, dict[Any, str]]) -> None:
    """The batch's new tokens, written raw: through the ORM the field would encrypt them
    again. One statement per column, run for the whole batch."""
    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    with connection.cursor() as cursor:
        for sealed_field, tokens in changes.items():
            if tokens:
                column = quote(sealed_field.column)
                # Identifiers quoted from the model's own metadata; values are parameters.
                cursor.executemany(
                    f"UPDATE {table} SET {column} = %s WHERE {pk} = %s",  # noqa: S608
                    [(token, key) for key, token in tokens.items()],
                )


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted field and re-wrap every file data key with the first of "
        "HARBOR_FIELD_KEYS (idempotent, resumable; file bodies are not rewritten)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be rotated; change nothing."
        )
        parser.add_argument(
            "--no-progress", action="store_true", help="No progress bar (for logs and cron)."
        )

    def handle(self, *args, dry_run: bool, no_progress: bool, **options) -> None:
        everything = sealed_columns()
        for sealed in everything:
            self._rotate_model(sealed, dry_run=dry_run, progress=not no_progress)
            if sealed.rotated or sealed.failures:
                verb = "would rotate" if dry_run else "rotated"
                self.stdout.write(f"{sealed.label}: {verb} {sealed.rotated} value(s)")
        failures = [failure for sealed in everything for failure in sealed.failures]
        rotated = sum(sealed.rotated for sealed in everything)
        current = sum(sealed.current for sealed in everything)
        summary = (
            f"{'Would rotate' if dry_run else 'Rotated'} {rotated} value(s) in "
            f"{len(everything)} models; {current} already under the first key."
        )
        self.stdout.write(self.style.SUCCESS(summary))
        if failures:
            more = f" and {len(failures) - 20} more" if len(failures) > 20 else ""
            raise CommandError(
                "No key in HARBOR_FIELD_KEYS opens these values (left as they are): "
                + ", ".join(failures[:20])
                + more
            )

    def _rotate_model(self, sealed: SealedColumns, *, dry_run: bool, progress: bool) -> None:
        total = sealed.model._base_manager.count()
        with tqdm(total=total, desc=sealed.label, unit="row", disable=not progress) as bar:
            after = None
            while True:
                # One transaction per batch: an interruption keeps every finished batch.
                with transaction.atomic():
                    pks = _rotate_batch(sealed, after, dry_run=dry_run)
                if not pks:
                    return
                bar.update(len(pks))
                after = pks[-1]
