"""Trigram indexes for what the search box finds by "contains": a person's code and a
case's reference number (search.selectors, victims.selectors.people_matching).

PostgreSQL only: Django's `icontains` is `UPPER(column::text) LIKE UPPER('%…%')`, which
a GIN trigram index on the same expression answers without reading every row.
pg_trgm is a trusted extension: the database owner may create it. Elsewhere the
tables are small.
"""

from django.db import migrations

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS search_person_code_trgm ON victims_person "
    "USING gin ((UPPER(code::text)) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS search_case_reference_trgm ON cases_case "
    "USING gin ((UPPER(reference::text)) gin_trgm_ops)",
]
DROP = [
    "DROP INDEX IF EXISTS search_person_code_trgm",
    "DROP INDEX IF EXISTS search_case_reference_trgm",
]


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in CREATE:
            schema_editor.execute(statement)


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0020_scale_index_supervisor_open"),
        ("victims", "0013_lookup_phonetic_blocking_index"),
    ]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
