"""Remove a record and everything that hangs off it, leaving only tombstones.

What "hangs off" a case or a person is read from the models, not listed here: every
row whose foreign key to a purged row is CASCADE or PROTECT (the owning relations) is
purged too, transitively, so a table a lower app adds later goes with its case
without a change here. SET_NULL relations (a tombstone's agency, an erasure request's
person) are emptied by Django, never followed. The audit trail holds ids only and
points at nothing it could be collected through: it stays whole.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from graphlib import TopologicalSorter
from typing import Any

from django.core.files.storage import Storage
from django.db import models, transaction
from django.db.models import Max

from accounts.models import User
from audit.models import AuditEvent
from audit.services import record_event
from cases.models import (
    ArchiveEntry,
    Case,
    CaseStatus,
    LegalProceeding,
    ProceedingCase,
    Track,
    TrackTransition,
)
from cooperation.models import MLARequest
from privacy.models import ErasureRequest, ErasureTransition, Tombstone
from victims.models import Person

# The relations a purge follows from a row to the rows that belong to it.
_OWNING = (models.CASCADE, models.PROTECT, models.RESTRICT)

# The purged rows that leave a tombstone (the rest go with them, counted).
_TOMBSTONED: dict[type[models.Model], str] = {
    Case: Tombstone.Kind.CASE,
    Person: Tombstone.Kind.PERSON,
    MLARequest: Tombstone.Kind.MLA_REQUEST,
}


@dataclass
class PurgePlan:
    """The rows to purge, per model, and the order in which their tables are emptied."""

    rows: dict[type[models.Model], set[Any]] = field(default_factory=lambda: defaultdict(set))
    order: list[type[models.Model]] = field(default_factory=list)

    def count(self) -> int:
        return sum(len(pks) for pks in self.rows.values())

    def summary(self) -> str:
        """'3 cases.task, 1 victims.person, …': what a dry run prints."""
        return ", ".join(
            f"{len(self.rows[model])} {model._meta.label_lower}"
            for model in sorted(self.rows, key=lambda model: model._meta.label_lower)
            if self.rows[model]
        )


def _owning_relations(model: type[models.Model]) -> Iterator[models.ForeignObjectRel]:
    # The same candidates Django's delete collector walks, auto-created M2M tables included.
    for rel in model._meta.get_fields(include_hidden=True):
        if (
            isinstance(rel, models.ForeignObjectRel)
            and (rel.one_to_one or rel.one_to_many)
            and rel.on_delete in _OWNING
        ):
            yield rel


def _orphaned_proceedings(plan: PurgePlan) -> set[Any]:
    """Shared proceedings (cases.ProceedingCase) all of whose linked cases are purged: they
    go too. A proceeding still linked to another victim's case stays for that case; only
    this case's link and hearings go with it."""
    links = plan.rows.get(ProceedingCase, set())
    if not links:
        return set()
    touched = ProceedingCase.objects.filter(pk__in=links).values("proceeding_id")
    kept = ProceedingCase.objects.exclude(pk__in=links).values("proceeding_id")
    orphans = LegalProceeding.objects.filter(pk__in=touched).exclude(pk__in=kept)
    return set(orphans.values_list("pk", flat=True)) - plan.rows.get(LegalProceeding, set())


def plan_purge(roots: Iterable[models.Model]) -> PurgePlan:
    """Every row owned (transitively) by `roots`, and a table order that deletes each
    row before the rows it points at."""
    plan = PurgePlan()
    pending: list[tuple[type[models.Model], set[Any]]] = [(type(root), {root.pk}) for root in roots]
    edges: dict[type[models.Model], set[type[models.Model]]] = defaultdict(set)
    while pending:
        model, pks = pending.pop()
        new = pks - plan.rows[model]
        if not new:
            continue
        plan.rows[model] |= new
        edges.setdefault(model, set())  # a node even without dependents
        for rel in _owning_relations(model):
            child = rel.related_model
            assert isinstance(child, type)  # noqa: S101 - never a lazy string once loaded
            if child is model:
                continue  # e.g. a correcting note: in the set already with its case
            found = set(
                child._base_manager.filter(**{f"{rel.field.name}__in": new}).values_list(
                    "pk", flat=True
                )
            )
            if found:
                edges[model].add(child)
                pending.append((child, found))
        if not pending:
            orphans = _orphaned_proceedings(plan)
            if orphans:
                pending.append((LegalProceeding, orphans))
    plan.order = list(TopologicalSorter(edges).static_order())
    return plan


def closed_on(case: Case) -> datetime.date | None:
    """When the case was last closed: its status history's latest move to closed."""
    closed_at = TrackTransition.objects.filter(
        case=case, track=Track.CASE, to_status=CaseStatus.CLOSED
    ).aggregate(last=Max("occurred_at"))["last"]
    return closed_at.date() if closed_at else None


def _tombstone(row: models.Model, *, reason: str, detail: str, actor: User | None) -> Tombstone:
    created = getattr(row, "created_at", None)
    return Tombstone.objects.create(
        kind=_TOMBSTONED[type(row)],
        original_id=row.pk,
        reference=row.reference if isinstance(row, Case) else "",
        agency_id=getattr(row, "agency_id", None),
        created_on=created.date() if created else None,
        closed_on=closed_on(row) if isinstance(row, Case) else None,
        reason=reason,
        detail=detail[:200],
        purged_by=actor,
    )


def _files(plan: PurgePlan) -> list[tuple[Storage, str]]:
    files = []
    for model, pks in plan.rows.items():
        for file_field in model._meta.concrete_fields:
            if isinstance(file_field, models.FileField):
                names = model._base_manager.filter(pk__in=pks).values_list(
                    file_field.attname, flat=True
                )
                files += [(file_field.storage, name) for name in names if name]
    return files


def _forget_erasure_requests(plan: PurgePlan) -> None:
    # A request's reason and decision notes may name the person: wiped with them.
    requests = ErasureRequest.objects.filter(person__in=plan.rows.get(Person, set()))
    ErasureTransition.objects.filter(erasure_request__in=requests).update(note="")
    requests.update(reason="")


def _forget_archive_entries(plan: PurgePlan) -> None:
    # Archive and restore reasons may describe the person; their log names records by
    # type and id (no foreign key), so the relations walk does not reach them.
    for model, pks in plan.rows.items():
        ArchiveEntry.objects.filter(
            object_type=model._meta.label_lower, object_id__in=[str(pk) for pk in pks]
        ).delete()


def _delete_rows(plan: PurgePlan) -> None:
    for model in plan.order:
        rows = model._base_manager.filter(pk__in=plan.rows[model])
        for self_link in model._meta.concrete_fields:
            # A PROTECT link to a row of the same table (a note's correction) would
            # refuse the delete of its target: let go of it first.
            if self_link.is_relation and self_link.related_model is model and self_link.null:
                rows.update(**{self_link.name: None})
        rows.delete()
        history = getattr(model._meta, "simple_history_manager_attribute", None)
        if history:
            # django-simple-history keeps copies of every version under the original id.
            historical = getattr(model, history).model
            pk_name = model._meta.pk.attname
            historical._base_manager.filter(**{f"{pk_name}__in": plan.rows[model]}).delete()


@transaction.atomic
def purge(
    roots: Iterable[models.Model],
    *,
    reason: str,
    detail: str,
    actor: User | None,
    channel: str,
) -> list[Tombstone]:
    """Delete `roots` and every row they own; leave a tombstone per case, person and MLA
    request and one DELETE audit row per tombstone (ids only). Files of purged rows
    leave private storage once the transaction commits. `actor` None is the
    retention job."""
    plan = plan_purge(roots)
    tombstones = []
    for model in _TOMBSTONED:
        for row in model._base_manager.filter(pk__in=plan.rows.get(model, set())).order_by("pk"):
            tombstones.append(_tombstone(row, reason=reason, detail=detail, actor=actor))
            record_event(
                actor=actor,
                action=AuditEvent.Action.DELETE,
                target=row,
                channel=channel,
                agency_id=getattr(row, "agency_id", None),
            )
    files = _files(plan)
    _forget_erasure_requests(plan)
    _forget_archive_entries(plan)
    _delete_rows(plan)
    transaction.on_commit(lambda: _remove_files(files))
    return tombstones


def _remove_files(files: list[tuple[Storage, str]]) -> None:
    for storage, name in files:
        storage.delete(name)
