"""The search page: cases by reference, people by code, name, document or phone."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import BadRequest
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import render

from access import allowed
from accounts.http import AuthenticatedHttpRequest
from audit.models import AuditEvent
from audit.services import record_event
from cases.models import Case
from listing import paginate
from policy import READS_CASES, SEES_IDENTITY, can
from search.selectors import cases_by_reference
from victims import selectors as person_search
from victims.models import Person

MAX_QUERY_LENGTH = 100
MAX_CASES = 20


@allowed(READS_CASES)
def search_results(request: AuthenticatedHttpRequest) -> HttpResponse:
    query = " ".join(request.GET.get("q", "").split())
    if len(query) > MAX_QUERY_LENGTH:
        raise BadRequest("Search text too long.")
    cases: QuerySet[Case] = Case.objects.none()
    people = Person.objects.none()
    ranked_only = False
    if query:
        cases = cases_by_reference(request.user, query)[:MAX_CASES]
        found = person_search.people_matching(request.user, query)
        people, ranked_only = found.people, found.ranked_only
        # Who searched and when; never what: the text may be a victim's name.
        record_event(actor=request.user, action=AuditEvent.Action.SEARCH, object_type="search")
    # The found people are counted in their ranked order and the page's ids are a slice
    # of that one walk, their rows then read by key (the scoped walk chose them): a
    # caseworker's scope (their people, a few hundred ids) is read once for the list,
    # where a count and a page each read it (10 ms each at 1,000,000 cases).
    page = paginate(
        request,
        people,
        rows_by_id=lambda ids: Person.objects.filter(pk__in=ids),
        count_order="listed",
    )
    context = {
        "query": query,
        "cases": cases,
        "page": page,
        "rows": _rows(request, page.object_list),
        # A common name at national scale finds more people than are ranked: say so.
        "ranked_only": ranked_only,
        "max_results": person_search.MAX_RESULTS,
    }
    return render(request, "search/search_results.html", context)


def _rows(request: AuthenticatedHttpRequest, people: Iterable[Person]) -> list[tuple[Person, str]]:
    """Each person with the name the viewer may see here: the legal name for those who
    work one of the person's cases (`Case.works_on`, read for the whole page at once
    through its queryset form, `assigned_to`), the code alone (masked) for everyone else."""
    people = list(people)
    worked: set[int] = set()
    if people and can(request.user, SEES_IDENTITY):
        worked = set(
            Case.objects.visible_to(request.user)
            .assigned_to(request.user, per_row=True)
            .filter(person_id__in=[person.pk for person in people])
            .values_list("person_id", flat=True)
        )
    return [(person, person.legal_name if person.pk in worked else "") for person in people]
