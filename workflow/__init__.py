"""Status graphs: the graph as data, one writer, a history row per move.

Every status field of consequence in Harbor (a case's tracks, a referral, a request
for legal assistance) is declared as a `Graph` on its model and moved only by
`move()`, which locks the row, refuses a move the graph does not allow, writes the
history row (a subclass of `TransitionRecord`) and the audit row in one transaction.
The domain verb (`transition_track`, `accept_referral`, …) wraps `move()` with its
own rules and side effects; nothing else assigns the field.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models, transaction
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from audit.models import AuditEvent
from audit.services import record_event
from crypto import EncryptedTextField
from listing import ChoiceLabels
from policy import Actor


class TransitionError(Exception):
    """A move the graph (or the domain's rules) does not allow; the message is for the user."""


@dataclass(frozen=True)
class Graph:
    """A status graph: every state and the states it may move to.

    `guarded` targets may only be entered by a caller that passes `guard_ok=True`
    (e.g. "identified" only through a recorded identification decision).
    """

    name: str
    field: str
    edges: Mapping[str, frozenset[str]]
    guarded: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        states = set(self.edges)
        unknown = {dst for targets in self.edges.values() for dst in targets} - states
        unknown |= set(self.guarded) - states
        if unknown:
            raise ValueError(f"Graph {self.name!r} names undeclared states: {sorted(unknown)}")

    @classmethod
    def build(
        cls,
        name: str,
        field: str,
        edges: Mapping[str, Iterable[str]],
        guarded: Iterable[str] = (),
    ) -> Graph:
        """A graph from a dict of sets (`{state: {next, …}}`), frozen so nobody edits it."""
        frozen = MappingProxyType(
            {str(src): frozenset(map(str, dst)) for src, dst in edges.items()}
        )
        return cls(name=name, field=field, edges=frozen, guarded=frozenset(map(str, guarded)))

    def allows(self, src: str, dst: str) -> bool:
        """Whether the graph has an edge from `src` to `dst`."""
        return dst in self.edges.get(src, frozenset())

    def next_states(self, src: str) -> list[str]:
        """The states `src` may move to, in declaration order of the states."""
        targets = self.edges.get(src, frozenset())
        return [state for state in self.edges if state in targets]

    def states(self) -> list[str]:
        """Every state, in declaration order."""
        return list(self.edges)

    def pairs(self) -> Iterator[tuple[str, str]]:
        """Every (from, to) pair over all states, allowed or not (for tests that walk them)."""
        states = self.states()
        return itertools.product(states, states)


class TransitionRecord(ChoiceLabels, models.Model):
    """A history row: one move of one status field, by whom, when, why.

    Concrete tables add the link to their record (`case`, `referral`) and may narrow
    `from_status`/`to_status` (max_length, choices) to their graph.
    """

    from_status = models.CharField(_("from"), max_length=32)
    to_status = models.CharField(_("to"), max_length=32)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    # The "why" often repeats what the person said: encrypted like the case notes.
    note = EncryptedTextField(_("note"), blank=True, max_length=4000)
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["-occurred_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


H = TypeVar("H", bound=TransitionRecord)


@transaction.atomic
def move(
    instance: models.Model,
    graph: Graph,
    to: str,
    *,
    actor: Actor,
    history: type[H],
    link: str,
    note: str = "",
    guard_ok: bool = False,
    extra: Mapping[str, Any] | None = None,
) -> H:
    """Move `instance`'s `graph.field` to `to`: the one writer of every status graph.

    Locks the row so two concurrent moves cannot both start from the same state;
    refuses (TransitionError) a move the graph does not allow and a guarded target
    without `guard_ok`; bumps `version` and sets `updated_by` where the model has
    them; writes the history row (`history`, linked through `link`, plus `extra`
    fields) and the audit row in the same transaction. `instance` is updated in
    place. The caller authorises the actor and adds the domain's own rules.
    """
    model = type(instance)
    locked = model._default_manager.select_for_update().get(pk=instance.pk)
    src = getattr(locked, graph.field)
    if not graph.allows(src, to) or (to in graph.guarded and not guard_ok):
        raise TransitionError(_refusal(model, graph, src, to))
    setattr(locked, graph.field, to)
    update_fields = [graph.field, *_stamp(locked, actor)]
    locked.save(update_fields=update_fields)
    for name in update_fields:
        setattr(instance, name, getattr(locked, name))
    record = history._default_manager.create(
        **{link: locked},
        from_status=src,
        to_status=to,
        actor=actor,
        note=note,
        **(extra or {}),
    )
    record_event(actor=actor, action=AuditEvent.Action.TRANSITION, target=locked)
    return record


def _has_field(model: type[models.Model], name: str) -> bool:
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True


def _stamp(locked: models.Model, actor: Actor) -> list[str]:
    """Bump the version and record the editor where the model keeps them."""
    model = type(locked)
    fields = []
    # Model declares neither field; `_has_field` found them on this model's class.
    if _has_field(model, "version"):
        locked.version += 1  # type: ignore[attr-defined]
        fields.append("version")
    if _has_field(model, "updated_by"):
        locked.updated_by = actor  # type: ignore[attr-defined]
        fields.append("updated_by")
    if _has_field(model, "updated_at"):
        # auto_now fields are set by save(); naming them keeps them in update_fields.
        fields.append("updated_at")
    return fields


def _refusal(model: type[models.Model], graph: Graph, src: str, dst: str) -> str:
    field = model._meta.get_field(graph.field)
    labels = dict(getattr(field, "flatchoices", ()))
    names = {
        "what": capfirst(str(getattr(field, "verbose_name", graph.field))),
        "from": labels.get(src, src),
        "to": labels.get(dst, dst),
    }
    if graph.allows(src, dst):
        return gettext("%(what)s: “%(to)s” can only be set through a recorded decision.") % names
    return gettext("%(what)s cannot move from “%(from)s” to “%(to)s”.") % names
