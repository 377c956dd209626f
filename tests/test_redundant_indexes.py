"""No column of Harbor's own tables has an index of its own when another index leads with
it (issue 12): a foreign key's automatic index beside a composite one that starts with
the same column costs every insert and update a second index to write, takes room in
the cache, and offered PostgreSQL a bitmap of the whole agency to AND into small lists.
The composite serves every lookup, join and foreign-key check on that column."""

from django.db import models

from tests.models import harbor_models


def _leading_columns(model: type[models.Model]) -> set[str]:
    """Fields that some index or unique constraint of `model` (not partial, more than one
    column) starts with."""
    meta = model._meta
    leads: set[str] = set()
    for index in meta.indexes:
        if index.condition is None and len(index.fields) > 1:
            leads.add(index.fields[0].lstrip("-"))
    for constraint in meta.constraints:
        fields = getattr(constraint, "fields", ())
        if (
            isinstance(constraint, models.UniqueConstraint)
            and constraint.condition is None
            and len(fields) > 1
        ):
            leads.add(fields[0])
    for together in meta.unique_together:
        if len(together) > 1:
            leads.add(together[0])
    return leads


def _redundant() -> list[str]:
    found = []
    for model in harbor_models():
        meta = model._meta
        leads = _leading_columns(model)
        for field in meta.local_concrete_fields:
            if field.db_index and not field.unique and field.name in leads:
                found.append(f"{meta.label}.{field.name}")
    return found


def test_no_field_is_indexed_alone_when_an_index_leads_with_it():
    assert _redundant() == []


def test_the_check_finds_a_foreign_keys_own_index_beside_a_composite(monkeypatch):
    from cases.models import CaseNote

    field = CaseNote._meta.get_field("case")
    monkeypatch.setattr(field, "db_index", True)
    assert _redundant() == ["cases.CaseNote.case"]


# Who wrote a row: a foreign key to the user on nearly every table, kept up by every insert
# and update. A user is deactivated, never deleted (accounts.services.set_staff_active), so
# an index on it serves only a query that looks rows up by their writer: these two do.
WHO_WROTE = {"created_by", "updated_by", "archived_by", "recorded_by"}
LOOKED_UP_BY_WRITER = {
    "cooperation.MLARequest.created_by",  # a caseworker's own requests (visible_to)
    "victims.Person.created_by",  # the people a caseworker registered (victims_person_registrant)
}


def _indexed_writers() -> set[str]:
    found = set()
    for model in harbor_models():
        meta = model._meta
        if model.__name__.startswith("Historical"):
            continue  # django-simple-history's copies, indexed as it builds them
        indexed = {index.fields[0] for index in meta.indexes if index.fields}
        for field in meta.local_concrete_fields:
            if field.name in WHO_WROTE and (field.db_index or field.name in indexed):
                found.add(f"{meta.label}.{field.name}")
    return found


def test_who_wrote_a_row_is_indexed_only_where_rows_are_looked_up_by_it():
    assert _indexed_writers() == LOOKED_UP_BY_WRITER
