"""The one way to write an audit row.

Call these inside the same transaction as the change they describe: if the audit
row cannot be written, the change is rolled back with it. Where the action came
from (address, user agent, channel) is read from `audit.context`, bound per request
by `audit.middleware.RequestContextMiddleware`; services never need the request.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import models

from audit.context import current
from audit.models import AuditEvent

UserLike = AbstractBaseUser | AnonymousUser


def record_event(
    *,
    actor: UserLike | None,
    action: str,
    target: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    channel: str | None = None,
    agency_id: int | None = None,
    request: Any = None,
) -> AuditEvent:
    """Append one audit row. Holds ids only, never field values.

    `target` names the record (else `object_type`/`object_id`). The row's agency is the
    actor's unless `agency_id` is given (e.g. a failed login of an unknown user). The
    address, user agent and channel come from the bound `audit.context`; an explicit
    `channel` (export, command) wins. `request` is transitional: it is ignored and is
    removed once callers stop passing it.
    """
    del request
    if target is not None:
        object_type = target._meta.label_lower
        object_id = str(target.pk)
    known_actor: Any = actor if actor is not None and actor.is_authenticated else None
    context = current()
    return AuditEvent.objects.create(
        actor=known_actor,
        agency_id=agency_id if agency_id is not None else getattr(known_actor, "agency_id", None),
        role=getattr(known_actor, "role", ""),
        action=action,
        object_type=object_type,
        object_id=object_id,
        channel=channel or context.channel,
        ip_address=context.ip,
        user_agent=context.user_agent,
    )


def record_view(user: UserLike | Any, target: models.Model) -> AuditEvent:
    """Audit a read of a sensitive record's page by `user`.

    Transitional: an HttpRequest is still accepted in place of the user (its `.user`
    is taken) until every caller passes the user.
    """
    if hasattr(user, "user") and hasattr(user, "META"):
        user = user.user
    return record_event(actor=user, action=AuditEvent.Action.VIEW, target=target)


def record_out_of_scope(user: UserLike, object_type: str, object_id: str) -> AuditEvent:
    """Audit a refused lookup of a record outside the user's scope (answered with 404)."""
    return record_event(
        actor=user,
        action=AuditEvent.Action.OUT_OF_SCOPE,
        object_type=object_type,
        object_id=object_id,
    )
