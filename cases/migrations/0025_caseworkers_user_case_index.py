"""The assignments by caseworker, case id included: every caseworker scope and `ids_worked_by`
read a caseworker's few hundred case ids from this index alone, where the index Django
makes (user id only) sent each of them to the table (701 pages for 771 cases at 1,000,000
cases, on every query of a caseworker's page; issue 12). The table is the auto-created
`Case.caseworkers` one, which takes no `Meta.indexes`: hence SQL (the same on SQLite)."""

from django.db import migrations

INDEX = "cases_case_caseworkers_user_case"


class Migration(migrations.Migration):
    dependencies = [("cases", "0024_service_case_indexes")]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX {INDEX} ON cases_case_caseworkers (user_id, case_id)",
            f"DROP INDEX {INDEX}",
        ),
    ]
