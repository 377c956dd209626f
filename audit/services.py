"""The one way to write an audit row, and the check that none was changed since.

Call these inside the same transaction as the change they describe: if the audit
row cannot be written, the change is rolled back with it. Where the action came
from (address, user agent, channel) is read from `audit.context`, bound per request
by `audit.middleware.RequestContextMiddleware`; services never need the request.

Every row is sealed into its agency's hash chain (`audit.models.chain_hash`) under a
lock on the chain's head row: an audit write costs one small extra UPDATE (the head),
and writers for the same agency queue on that lock until their transaction ends.
`verify_chains` walks the chains and names the first broken link.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import connection, models, transaction
from django.db.models import Q

from audit.context import current
from audit.models import GENESIS_HASH, AuditChainHead, AuditEvent, chain_hash
from policy import Actor

# Anonymous: a failed login, a request refused before sign-in.
UserLike = Actor | AnonymousUser


def record_event(
    *,
    actor: UserLike | None,
    action: str,
    target: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    channel: str | None = None,
    agency_id: int | None = None,
) -> AuditEvent:
    """Append one audit row. Holds ids only, never field values.

    `target` names the record (else `object_type`/`object_id`). The row's agency is the
    actor's unless `agency_id` is given (e.g. a failed login of an unknown user). The
    address, user agent and channel come from the bound `audit.context`; an explicit
    `channel` (export, command) wins.
    """
    if target is not None:
        object_type = target._meta.label_lower
        object_id = str(target.pk)
    known_actor: Any = actor if actor is not None and actor.is_authenticated else None
    context = current()
    event = AuditEvent(
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
    # No savepoint: a failed audit write must fail the caller's transaction anyway.
    with transaction.atomic(savepoint=False):
        _append_to_chain(event)
    return event


def _append_to_chain(event: AuditEvent) -> None:
    """Number, seal and insert `event`, and advance its chain's head, under the head's lock."""
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(agency_id=event.agency_id)
    event.chain_seq = head.last_seq + 1
    event.prev_hash = head.last_hash
    event.row_hash = chain_hash(event)
    event.save(force_insert=True)
    AuditChainHead.objects.filter(pk=head.pk).update(
        last_seq=event.chain_seq, last_hash=event.row_hash
    )


def record_view(user: UserLike, target: models.Model) -> AuditEvent:
    """Audit a read of a sensitive record's page (or edit form) by `user`."""
    return record_event(actor=user, action=AuditEvent.Action.VIEW, target=target)


def record_out_of_scope(user: UserLike, object_type: str, object_id: str) -> AuditEvent:
    """Audit a refused lookup of a record outside the user's scope (answered with 404)."""
    return record_event(
        actor=user,
        action=AuditEvent.Action.OUT_OF_SCOPE,
        object_type=object_type,
        object_id=object_id,
    )


@dataclass(frozen=True)
class ChainBreak:
    """The first place where an audit chain does not hold: which chain, which row, what."""

    agency_id: int | None
    event_id: int | None
    chain_seq: int | None
    problem: str

    def __str__(self) -> str:
        chain = f"agency {self.agency_id}" if self.agency_id is not None else "platform (no agency)"
        row = f"row id {self.event_id}" if self.event_id is not None else "no row"
        return f"chain of {chain}, {row} (position {self.chain_seq}): {self.problem}"


@dataclass(frozen=True)
class ChainReport:
    """What `verify_chains` walked, and the first break it met (None: all intact)."""

    chains: int
    rows: int
    heads: dict[int | None, tuple[int, str]]
    first_break: ChainBreak | None


def verify_chains() -> ChainReport:
    """Recompute every audit chain and stop at the first broken link.

    Each chain (one per agency, one for rows without an agency) is walked by position:
    a gap in the positions is a removed row, a row whose hash does not match its fields
    or whose link does not match the row before it was altered, and a head that is
    ahead of or differs from the last row means the tail was cut (or the head rewritten).
    On PostgreSQL the walk reads one snapshot, so rows written meanwhile are not
    mistaken for a mismatch with the head.
    """
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            return _verify_chains()
    with transaction.atomic():
        return _verify_chains()


def _verify_chains() -> ChainReport:
    heads = {head.agency_id: head for head in AuditChainHead.objects.all()}
    agencies = set(heads) | set(
        AuditEvent.objects.order_by().values_list("agency_id", flat=True).distinct()
    )
    rows = 0
    for agency_id in sorted(agencies, key=lambda pk: (pk is not None, pk or 0)):
        walked = 0
        last: AuditEvent | None = None
        for event in _chain(agency_id):
            problem = _link_problem(event, last)
            if problem:
                return ChainReport(len(agencies), rows, {}, _break(agency_id, event, problem))
            walked += 1
            last = event
        rows += walked
        problem = _head_problem(heads.get(agency_id), last)
        if problem:
            return ChainReport(len(agencies), rows, {}, _break(agency_id, last, problem))
    sealed = {pk: (head.last_seq, head.last_hash) for pk, head in heads.items()}
    return ChainReport(len(agencies), rows, sealed, None)


def _chain(agency_id: int | None) -> Iterator[AuditEvent]:
    # The platform's own chain (no agency) is the rows whose agency IS NULL.
    chain = Q(agency_id=agency_id) if agency_id is not None else Q(agency__isnull=True)
    rows = AuditEvent.objects.filter(chain).order_by("chain_seq", "id")
    return rows.iterator(chunk_size=2000)


def _link_problem(event: AuditEvent, previous: AuditEvent | None) -> str:
    expected = previous.chain_seq + 1 if previous else 1
    if event.chain_seq > expected:
        return (
            f"rows at positions {expected}..{event.chain_seq - 1} are missing "
            "(deleted) before this row"
        )
    if event.chain_seq < expected:
        return f"position {event.chain_seq} is taken twice (a row was inserted or renumbered)"
    if event.prev_hash != (previous.row_hash if previous else GENESIS_HASH):
        return "its link to the previous row does not match (one of the two was altered)"
    if event.row_hash != chain_hash(event):
        return "its contents were altered: they do not match its hash"
    return ""


def _head_problem(head: AuditChainHead | None, last: AuditEvent | None) -> str:
    if head is None:
        return "the chain has no head row (it was deleted)"
    last_seq = last.chain_seq if last else 0
    if head.last_seq > last_seq:
        return (
            f"rows at positions {last_seq + 1}..{head.last_seq} are missing "
            "at the end of the chain (tail cut off)"
        )
    if head.last_seq < last_seq:
        return "the head is behind the last row (rows added around record_event, or head reset)"
    if head.last_hash != (last.row_hash if last else GENESIS_HASH):
        return "the head does not match the last row (the last row or the head was altered)"
    return ""


def _break(agency_id: int | None, event: AuditEvent | None, problem: str) -> ChainBreak:
    return ChainBreak(
        agency_id=agency_id,
        event_id=event.pk if event else None,
        chain_seq=event.chain_seq if event else None,
        problem=problem,
    )
