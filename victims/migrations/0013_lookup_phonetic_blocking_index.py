"""The index the name matcher's blocking reads (victims.selectors.similar_names).

PostgreSQL only: the phonetic code of every part token (characters 43 to 53, see
matching.PHONETIC_START and CODE_HEX) with the person and, as payload, the whole
token, so that blocking is an index-only scan. Elsewhere the tables are small.
"""

from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS victims_lookup_part_phonetic ON victims_personlookup "
    "((SUBSTRING(digest, 43, 11)), person_id) INCLUDE (digest) WHERE kind = 'name_part'"
)
DROP = "DROP INDEX IF EXISTS victims_lookup_part_phonetic"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("victims", "0012_person_lookup_matcher_kinds"),
    ]

    operations = [migrations.RunPython(create_index, drop_index)]
