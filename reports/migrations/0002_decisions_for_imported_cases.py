from django.db import migrations


def record_imported_decisions(apps, schema_editor):
    """Cases imported as identified before decisions were recorded for them get theirs."""
    imported = apps.get_model("reports", "ImportedRecord")
    decision = apps.get_model("victims", "IdentificationDecision")
    case_ids = (
        imported.objects.filter(case__identification_status="identified")
        .exclude(case__identification_decisions__isnull=False)
        .values_list("case_id", "case__created_by_id")
    )
    batch = []
    for case_id, created_by_id in case_ids.iterator(chunk_size=2000):
        batch.append(
            decision(
                case_id=case_id,
                authority="reference_data",
                decided_on=None,
                outcome="identified",
                recorded_by_id=created_by_id,
            )
        )
        if len(batch) >= 2000:
            decision.objects.bulk_create(batch)
            batch = []
    decision.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
        ("victims", "0008_decision_for_imported_reference_data"),
    ]

    operations = [migrations.RunPython(record_imported_decisions, migrations.RunPython.noop)]
