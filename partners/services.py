"""Writes of consequence on agencies, agreements and prevention activities (and the
versioned-record save other apps reuse): each atomic, audited in the same transaction."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.db import transaction
from django.forms import BaseInlineFormSet

from audit.models import AuditEvent
from audit.services import record_event
from locking import claim_version
from locking.models import VersionedModel
from partners.models import Agency
from policy import Actor

R = TypeVar("R", bound=VersionedModel)


@transaction.atomic
def save_agency(
    agency: Agency,
    *,
    actor: Actor,
    contacts: BaseInlineFormSet,
    expected_version: int | None = None,
) -> Agency:
    """Create or update an agency with its contact people.

    For an existing agency `expected_version` is the version the form was opened
    with; a stale one raises StaleEditError and nothing is written.
    """
    creating = agency.pk is None
    if not creating:
        claim_version(agency, expected_version or 0)
    agency.updated_by_id = actor.pk
    agency.full_clean()
    agency.save()
    contacts.instance = agency
    contacts.save()
    action = AuditEvent.Action.CREATE if creating else AuditEvent.Action.UPDATE
    record_event(actor=actor, action=action, target=agency)
    return agency


@transaction.atomic
def set_agency_active(agency: Agency, *, actor: Actor, active: bool) -> Agency:
    """Deactivate or reactivate an agency. Its staff keep their accounts."""
    agency.is_active = active
    agency.updated_by_id = actor.pk
    agency.version += 1
    agency.save(update_fields=["is_active", "updated_by", "version", "updated_at"])
    action = AuditEvent.Action.REACTIVATE if active else AuditEvent.Action.DEACTIVATE
    record_event(actor=actor, action=action, target=agency)
    return agency


# --- referrals -------------------------------------------------------------------------


# --- agreements, MLA requests, prevention activities -----------------------------------


@transaction.atomic
def save_record(
    record: R,
    *,
    actor: Actor,
    expected_version: int | None = None,
    save_m2m: Callable[[], None] | None = None,
) -> R:
    """Create or update an agreement, MLA request or prevention activity.

    An existing record is claimed at `expected_version` (the version the form was
    opened with); a stale one raises StaleEditError and nothing is written.
    """
    creating = record.pk is None
    if creating:
        if hasattr(record, "created_by_id"):
            record.created_by_id = actor.pk
    else:
        claim_version(record, expected_version or 0)
    record.updated_by_id = actor.pk
    record.full_clean()
    record.save()
    if save_m2m is not None:
        save_m2m()
    action = AuditEvent.Action.CREATE if creating else AuditEvent.Action.UPDATE
    record_event(actor=actor, action=action, target=record)
    return record
