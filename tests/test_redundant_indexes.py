"""No column of Harbor's own tables has an index of its own when another index leads with
it (issue 12): a foreign key's automatic index beside a composite one that starts with
the same column costs every insert and update a second index to write, takes room in
the cache, and offered PostgreSQL a bitmap of the whole agency to AND into small lists.
The composite serves every lookup, join and foreign-key check on that column."""

from django.apps import apps
from django.db import models

HARBOR_APPS = {
    "accounts",
    "audit",
    "cases",
    "cooperation",
    "locking",
    "notifications",
    "partners",
    "privacy",
    "reports",
    "search",
    "victims",
}


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
    for model in apps.get_models():
        meta = model._meta
        if meta.app_label not in HARBOR_APPS or meta.auto_created or not meta.managed:
            continue
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
