"""The one way to write an audit row.

Call these inside the same transaction as the change they describe: if the audit
row cannot be written, the change is rolled back with it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.http import HttpRequest

from audit.models import AuditEvent

if TYPE_CHECKING:
    from accounts.models import User


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def record_event(
    *,
    actor: User | None,
    action: str,
    target: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    request: HttpRequest | None = None,
    channel: str = AuditEvent.Channel.WEB,
) -> AuditEvent:
    """Append one audit row. Holds ids only, never field values."""
    if target is not None:
        object_type = target._meta.label_lower
        object_id = str(target.pk)
    known_actor = actor if actor is not None and actor.is_authenticated else None
    return AuditEvent.objects.create(
        actor=known_actor,
        agency_id=getattr(known_actor, "agency_id", None),
        role=getattr(known_actor, "role", ""),
        action=action,
        object_type=object_type,
        object_id=object_id,
        channel=channel,
        ip_address=client_ip(request),
    )


def record_view(request: HttpRequest, target: models.Model) -> AuditEvent:
    """Audit a read of a sensitive record's page."""
    return record_event(
        actor=request.user, action=AuditEvent.Action.VIEW, target=target, request=request
    )
