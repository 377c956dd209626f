"""Writes of consequence on cases: domain verbs, atomic, audited."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from audit.models import AuditEvent
from audit.services import record_event
from cases.models import TRACK_FIELDS, TRACK_GRAPHS, Case, Track, TrackTransition

if TYPE_CHECKING:
    from accounts.models import User


class TransitionError(Exception):
    """A move the track's graph does not allow (the message is shown to the user)."""


@transaction.atomic
def transition_track(
    case: Case, track: str, to_status: str, *, actor: User, note: str = ""
) -> TrackTransition:
    """Move one track of a case to `to_status`: the only writer of track statuses.

    Locks the case row so two concurrent moves cannot both start from the same
    state; refuses a move the graph does not allow; writes the history row and
    the audit row in the same transaction. The caller checks the actor's role.
    """
    field = TRACK_FIELDS[track]
    locked = Case.objects.select_for_update().get(pk=case.pk)
    from_status = getattr(locked, field)
    if to_status not in TRACK_GRAPHS[track].get(from_status, set()):
        labels = dict(Case._meta.get_field(field).flatchoices)
        raise TransitionError(
            _("The %(track)s track cannot move from “%(from)s” to “%(to)s”.")
            % {
                "track": Track(track).label,
                "from": labels.get(from_status, from_status),
                "to": labels.get(to_status, to_status),
            }
        )
    setattr(locked, field, to_status)
    locked.updated_by = actor
    locked.version += 1
    locked.save(update_fields=[field, "updated_by", "version", "updated_at"])
    setattr(case, field, to_status)
    case.version = locked.version
    case.updated_by = actor
    transition = TrackTransition.objects.create(
        case=locked,
        track=track,
        from_status=from_status,
        to_status=to_status,
        actor=actor,
        note=note,
    )
    record_event(actor=actor, action=AuditEvent.Action.TRANSITION, target=locked)
    return transition
