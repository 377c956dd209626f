"""Seal the audit rows written before the hash chain, in the order they were written.

Rows are chained per agency by id (their insertion order) and each chain gets its head.
The append-only trigger refuses the UPDATE that stores the seals, so on PostgreSQL it
is disabled for the length of this migration's transaction only (the migrating role
owns the table; the runtime role cannot do this). Nothing but the three new columns
is written. A database rolled back past this migration loses the columns with it, so
the reverse is a no-op.
"""

from django.db import migrations

from audit.models import GENESIS_HASH, chain_hash

BATCH = 2000


def seal(apps, schema_editor):
    event_model = apps.get_model("audit", "AuditEvent")
    head_model = apps.get_model("audit", "AuditChainHead")
    postgresql = schema_editor.connection.vendor == "postgresql"
    if postgresql:
        schema_editor.execute(
            "ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only"
        )
    heads: dict[int | None, tuple[int, str]] = {}
    batch = []
    for event in event_model.objects.order_by("id").iterator(chunk_size=BATCH):
        seq, prev_hash = heads.get(event.agency_id, (0, GENESIS_HASH))
        event.chain_seq = seq + 1
        event.prev_hash = prev_hash
        event.row_hash = chain_hash(event)
        heads[event.agency_id] = (event.chain_seq, event.row_hash)
        batch.append(event)
        if len(batch) >= BATCH:
            event_model.objects.bulk_update(batch, ["chain_seq", "prev_hash", "row_hash"])
            batch = []
    if batch:
        event_model.objects.bulk_update(batch, ["chain_seq", "prev_hash", "row_hash"])
    head_model.objects.bulk_create(
        head_model(agency_id=agency_id, last_seq=seq, last_hash=last_hash)
        for agency_id, (seq, last_hash) in heads.items()
    )
    if postgresql:
        schema_editor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only")


class Migration(migrations.Migration):
    dependencies = [("audit", "0006_audit_hash_chain")]

    operations = [migrations.RunPython(seal, migrations.RunPython.noop)]
