"""Writes of consequence on partner agencies: each atomic and audited."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.forms import BaseInlineFormSet
from django.http import HttpRequest

from audit.models import AuditEvent
from audit.services import record_event
from locking import claim_version
from partners.models import Agency

if TYPE_CHECKING:
    from accounts.models import User


@transaction.atomic
def save_agency(
    agency: Agency,
    *,
    actor: User,
    contacts: BaseInlineFormSet,
    expected_version: int | None = None,
    request: HttpRequest | None = None,
) -> Agency:
    """Create or update an agency with its contact people.

    For an existing agency `expected_version` is the version the form was opened
    with; a stale one raises StaleEditError and nothing is written.
    """
    creating = agency.pk is None
    if not creating:
        claim_version(agency, expected_version or 0)
    agency.updated_by = actor
    agency.full_clean()
    agency.save()
    contacts.instance = agency
    contacts.save()
    action = AuditEvent.Action.CREATE if creating else AuditEvent.Action.UPDATE
    record_event(actor=actor, action=action, target=agency, request=request)
    return agency


@transaction.atomic
def set_agency_active(
    agency: Agency, *, actor: User, active: bool, request: HttpRequest | None = None
) -> Agency:
    """Deactivate or reactivate an agency. Its staff keep their accounts."""
    agency.is_active = active
    agency.updated_by = actor
    agency.version += 1
    agency.save(update_fields=["is_active", "updated_by", "version", "updated_at"])
    action = AuditEvent.Action.REACTIVATE if active else AuditEvent.Action.DEACTIVATE
    record_event(actor=actor, action=action, target=agency, request=request)
    return agency
