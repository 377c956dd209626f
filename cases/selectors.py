"""Reads that gather several things for one page (My work, the case timeline)."""

from __future__ import annotations

import copy
import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import chain
from typing import Any

from django.db import connection
from django.db.models import Model, OuterRef, QuerySet
from django.utils import timezone

from accounts.models import User
from cases.models import (
    Case,
    CaseQuerySet,
    CaseStatus,
    ServiceItem,
    Task,
    TaskQuerySet,
    TrackTransition,
)
from listing import AmongIds, RowExists, in_order

RECENT_DAYS = 14
# My work shows the first MY_WORK_LIMIT rows of each panel, its count (up to
# PANEL_COUNT_CAP, then "more than") and a link to the full filtered list: the page
# stays small and quick whatever the caseload (issue 12). A panel is a call to act, not a
# statistic: "more than 100" says as much as the exact figure, which the full list gives,
# and each count reads at most 101 rows.
MY_WORK_LIMIT = 10
INBOX_LIMIT = 10
PANEL_COUNT_CAP = 100


@dataclass(frozen=True)
class TimelineEntry:
    """One line of the case timeline: a track move, a closure step or a note."""

    kind: str  # "transition" or "note"
    occurred_at: datetime.datetime
    item: Any


def case_timeline(case: Case, limit: int | None = None) -> list[TimelineEntry]:
    """Track moves, closure steps and notes of a case, newest first."""
    transitions = case.transitions.select_related("actor")
    notes = case.notes.select_related("author", "corrects")
    if limit:
        transitions, notes = transitions[:limit], notes[:limit]
    entries = chain(
        (TimelineEntry("transition", t.occurred_at, t) for t in transitions),
        (TimelineEntry("note", n.created_at, n) for n in notes),
    )
    ordered = sorted(entries, key=lambda entry: entry.occurred_at, reverse=True)
    return ordered[:limit] if limit else ordered


def my_cases(user: User) -> CaseQuerySet:
    """Open cases the user works (caseworker or named supervisor), in the case list's
    order; My work's panel reads its first rows with their flags (`my_cases_panel`)."""
    cases = Case.objects.visible_to(user).open()
    if user.sees_whole_agency:
        cases = cases.assigned_to(user, open_only=True)
    # else: a caseworker's scope is the cases assigned to them already (Case.visible_to).
    return cases.for_list()


def my_tasks(user: User) -> TaskQuerySet:
    """Tasks of cases the user may see that are theirs to do (My work reads .overdue()
    and .upcoming() of these): found from the assignee's index, each one's case probed
    (`own_rows`)."""
    return (
        Task.objects.visible_to(user, own_rows=True)
        .filter(assignee=user)
        .select_related("case__person")
        .prefetch_related("case__caseworkers")
    )


# A user who works more cases than this (a supervisor named on thousands) finds ten recent
# moves sooner by probing the agency's newest moves than by reading each case's own: about
# the square root of ten times a national agency's caseload.
PROBE_FROM_CASES = 2000


def recent_changes(user: User) -> QuerySet[TrackTransition]:
    """The last RECENT_DAYS' track moves on the cases the user works, newest first (the
    first MY_WORK_LIMIT).

    Read case by case from the ids of the user's cases (`CaseQuerySet.ids_worked_by`) through
    each case's own moves (index cases_transition_case): as many index reads as their
    caseload, whatever the size of the agency. Walking the agency's newest moves instead
    cost an agency admin, who works no case, every move of a national agency's fortnight
    (issue 12); it stays the way only for a whole-agency user named on more than
    PROBE_FROM_CASES cases, whose moves turn up every few hundred, each move tested
    against the user's two id sets in memory (`CaseQuerySet.case_of_row_worked_by`).
    """
    since = timezone.now() - datetime.timedelta(days=RECENT_DAYS)
    worked = Case.objects.ids_worked_by(user)
    moves = TrackTransition.objects.filter(occurred_at__gte=since)
    visible = Case.objects.visible_to(user).filter(pk=OuterRef("case_id"))
    if user.sees_whole_agency and worked[: PROBE_FROM_CASES + 1].count() > PROBE_FROM_CASES:
        # Each move tested against the two id sets in memory; only the moves on cases
        # the user works are then probed for the scope.
        moves = moves.filter(Case.objects.case_of_row_worked_by(user))
    else:
        moves = moves.filter(AmongIds("case_id", worked))
    moves = moves.filter(RowExists(visible))
    return moves.select_related("case", "actor").order_by("-occurred_at", "-pk")[:MY_WORK_LIMIT]


def services_needing_attention(user: User) -> dict[str, InboxPanel]:
    """For My work: permits expired or expiring within 30 days, and overdue services.

    Expired permits come first (oldest expiry first) and stay until their expiry date
    is updated or their service cancelled. Cases visible to the user; for caseworkers only
    the cases assigned to them. The first MY_WORK_LIMIT of each and its count (the panel
    links to the full case list); three queries whatever the number of rows (`inbox_panels`).
    """
    today = timezone.localdate()
    services = ServiceItem.objects.visible_to(user).select_related("case", "case__person")
    expiring, overdue = inbox_panels(
        services.expiring_permits(today).order_by("permit_expires_on", "pk"),
        services.overdue(today).order_by("due_date", "pk"),
        limit=MY_WORK_LIMIT,
    )
    return {"expiring_permits": expiring, "overdue_services": overdue}


# --- the supervisor inbox -----------------------------------------------------------------


@dataclass(frozen=True)
class InboxPanel:
    """One panel of My work or the supervisor inbox: how many wait (counted up to
    PANEL_COUNT_CAP: `capped` says "more than"), the first few rows, the full list.
    Iterating it reads the rows."""

    count: int
    rows: list[Any]
    capped: bool = False

    def __iter__(self) -> Iterator[Any]:
        return iter(self.rows)


def inbox_panel(
    queryset: QuerySet[Model],
    limit: int = INBOX_LIMIT,
    *,
    rows_by_id: Callable[[list[Any]], QuerySet[Model]] | None = None,
) -> InboxPanel:
    """Count (capped) and first rows of an ordered queryset, read late (listing.in_order):
    the ids of the first PANEL_COUNT_CAP + 1 in order, which count them too, then the
    first `limit` rows by key with the joins a row shows. Never a count of the agency's
    whole caseload; one query for an empty panel, two otherwise (plus prefetches).

    The scope and the panel's rule are compiled and run once: a count and a read of the
    rows, each with its own copy of them, cost a supervisor's My work eight more scoped
    queries (issue 12). `rows_by_id` reads the rows otherwise (a panel sorted from its own
    rows, then read with more joins: My work's cases); by default they are read as the
    queryset reads them (`rows_by_key`).
    """
    return inbox_panels(queryset, limit=limit, rows_by_id=rows_by_id)[0]


def inbox_panels(
    *querysets: QuerySet[Model],
    limit: int = INBOX_LIMIT,
    rows_by_id: Callable[[list[Any]], QuerySet[Model]] | None = None,
) -> list[InboxPanel]:
    """`inbox_panel` of several querysets of one model with the same joins (My work's
    overdue and upcoming tasks): each counts from its own ids, then one read by key gives
    all their first rows, where a read each repeated the rows' query and prefetches."""
    ids = [
        list(queryset.values_list("pk", flat=True)[: PANEL_COUNT_CAP + 1]) for queryset in querysets
    ]
    return _panels_of_ids(ids, limit, rows_by_id or rows_by_key(querysets[0]))


def _panels_of_ids(
    ids: list[list[Any]], limit: int, read: Callable[[list[Any]], QuerySet[Model]]
) -> list[InboxPanel]:
    """Panels of the first PANEL_COUNT_CAP + 1 ids of each, in order, their first `limit`
    rows read together (`read`)."""
    shown = list(dict.fromkeys(pk for each in ids for pk in each[:limit]))
    rows = list(read(shown)) if shown else []
    return [
        InboxPanel(
            count=min(len(each), PANEL_COUNT_CAP),
            rows=in_order(each[:limit], rows),
            capped=len(each) > PANEL_COUNT_CAP,
        )
        for each in ids
    ]


def rows_by_key(queryset: QuerySet[Model]) -> Callable[[list[Any]], QuerySet[Model]]:
    """Rows by primary key with the queryset's joins and prefetches, without its filters:
    for ids the scoped queryset already chose. A queryset with annotations or deferred
    fields keeps its filters (its rows need them computed)."""
    query = queryset.query
    if query.annotations or query.deferred_loading != (frozenset(), True):
        return lambda ids: queryset.filter(pk__in=ids)

    def read(ids: list[Any]) -> QuerySet[Model]:
        rows = queryset.model._default_manager.filter(pk__in=ids)
        rows.query.select_related = copy.deepcopy(query.select_related)
        return rows.prefetch_related(*queryset._prefetch_related_lookups)  # type: ignore[attr-defined]

    return read


def my_cases_panel(user: User, limit: int = MY_WORK_LIMIT) -> InboxPanel:
    """My work's open cases: sorted from the case rows alone, then the first `limit` read
    with their people, caseworkers and flags (a supervisor named on 900 open cases joined
    all 900 to sort them: 21 of My work's 90 ms of queries at 1,000,000 cases).

    A whole-agency user's cases are two sets, those they supervise and those assigned to
    them. Where the database can (PostgreSQL), each set is walked in the list's order, the
    supervised ones along their own index (cases_case_supervisor_open), and the first
    PANEL_COUNT_CAP + 1 of each are merged: a supervisor named on 874 open cases had each
    one and its person probed, then sorted (5.6 ms at 1,000,000 cases; 1.4 ms walked).
    Elsewhere the ids come from `my_cases` in one query: the same ids, in the same order.
    """

    def read(ids: list[Any]) -> QuerySet[Model]:
        return Case.objects.filter(pk__in=ids).for_panel()

    if not (user.sees_whole_agency and connection.features.supports_slicing_ordering_in_compound):
        return inbox_panel(my_cases(user), limit, rows_by_id=read)
    order = ("-intake_date", "-id")
    first = PANEL_COUNT_CAP + 1
    supervised, assigned = (
        cases.order_by(*order).values_list("id", "intake_date")[:first]
        for cases in Case.objects.visible_to(user).open().worked_by_each(user)
    )
    merged = supervised.union(assigned).order_by(*order)[:first]
    return _panels_of_ids([[pk for pk, _intake in merged]], limit, read)[0]


def closure_requests(user: User) -> InboxPanel:
    """Cases in the user's scope whose closure awaits a supervisor's approval, oldest first.

    The other panels of the inbox (decision reviews, referrals) live with their models:
    victims_tags and cooperation_tags, which build on `inbox_panel`.
    """
    cases = (
        Case.objects.visible_to(user)
        .filter(status=CaseStatus.CLOSURE_REQUESTED)
        .select_related("person")
        .prefetch_related("caseworkers")
        .order_by("updated_at", "pk")
    )
    return inbox_panel(cases)
