"""Lists at scale (issue 12): constant queries whatever the rows, a count capped at
listing.COUNT_CAP, scopes PostgreSQL can walk by index, dropdowns without a template
per option."""

from __future__ import annotations

import datetime
import re

import pytest
from django import forms
from django.db import connection
from django.forms.renderers import get_default_renderer
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

import listing
from cases.models import Case, Task
from cooperation.models import MLARequest, Referral
from tests.factories import CaseFactory, MLARequestFactory, ReferralFactory, TaskFactory
from victims.models import Person
from widgets import FormRenderer

pytestmark = pytest.mark.django_db


def _queries(client, url: str, params: dict | None = None) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params or {}).status_code == 200
    return len(queries)


# --- constant query counts -------------------------------------------------------------

ROWS = {
    "cooperation:referral_list": lambda agency, other, user: ReferralFactory(
        case=CaseFactory(agency=agency), to_agency=other
    ),
    "cooperation:mla_list": lambda agency, other, user: MLARequestFactory(
        agency=agency, case=CaseFactory(agency=agency)
    ),
    "cases:list": lambda agency, other, user: CaseFactory(agency=agency, caseworkers=[user]),
    "cases:task_list": lambda agency, other, user: TaskFactory(
        case=CaseFactory(agency=agency), assignee=user
    ),
    "victims:person_list": lambda agency, other, user: CaseFactory(agency=agency),
}


@pytest.mark.parametrize("url_name", sorted(ROWS))
def test_a_list_needs_the_same_queries_for_2_and_40_rows(
    url_name, login, supervisor, caseworker, agency_a, agency_b
):
    url = reverse(url_name)
    client = login(supervisor)
    make = ROWS[url_name]
    for _ in range(2):
        make(agency_a, agency_b, caseworker)
    client.get(url)  # the first request after login refreshes the session (a write)
    few = _queries(client, url)
    for _ in range(38):
        make(agency_a, agency_b, caseworker)
    assert _queries(client, url) == few


# --- the capped count ------------------------------------------------------------------


def test_a_list_counts_up_to_the_cap_and_stays_navigable(
    login, supervisor, agency_a, settings, monkeypatch
):
    settings.HARBOR_PAGE_SIZE = 5
    monkeypatch.setattr(listing, "COUNT_CAP", 20)
    for _ in range(23):
        CaseFactory(agency=agency_a, risk_level="high")
    CaseFactory(agency=agency_a, risk_level="low")
    client = login(supervisor)
    response = client.get(reverse("cases:list"))
    page = response.context["page"]
    assert page.paginator.capped and page.paginator.count == 20
    assert page.paginator.num_pages == 4
    html = response.content.decode()
    assert "More than 20 results" in html and "Page 1 of" not in html
    # Next, previous and page numbers within the cap; a filter survives a page change.
    response = client.get(reverse("cases:list"), {"page": 4, "risk_level": "high"})
    page = response.context["page"]
    assert page.number == 4 and page.has_previous() and not page.has_next()
    assert "risk_level=high" in response.content.decode()
    # Below the cap once filtered: the exact count.
    response = client.get(reverse("cases:list"), {"risk_level": "low"})
    assert not response.context["page"].paginator.capped
    assert "1 result" in response.content.decode()


def test_the_capped_count_reads_at_most_cap_plus_one_rows(supervisor, agency_a):
    for _ in range(4):
        CaseFactory(agency=agency_a)
    cases = Case.objects.visible_to(supervisor).for_list()
    assert listing.count_up_to(cases, 2) == 3
    assert listing.count_up_to(cases, 10) == 4
    with CaptureQueriesContext(connection) as queries:
        listing.count_up_to(cases, 2)
    sql = queries.captured_queries[0]["sql"].upper()
    assert "LIMIT 3" in sql and "ORDER BY" not in sql
    # A list's count: in id order, newest first, never the list's own order.
    with CaptureQueriesContext(connection) as queries:
        listing.count_up_to(cases, 2, order="newest")
    sql = queries.captured_queries[0]["sql"].upper()
    assert "LIMIT 3" in sql
    order = sql.split("ORDER BY")[1].split("LIMIT")[0].strip()
    assert order in ('"CASES_CASE"."ID" DESC', "1 DESC")  # 1: the id, the one column read


def _count_order(client, url: str, params: dict) -> str:
    """The ORDER BY of the list's capped count (the first COUNT query of the request, or
    for a list counted in its own order and read late, the walk of its first
    COUNT_CAP + 1 ids): its last one, after any in a subquery of its filters (the person
    list's bound)."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params).status_code == 200
    walk = f"LIMIT {listing.COUNT_CAP + 1}"
    sql = next(
        q["sql"].upper()
        for q in queries.captured_queries
        if "COUNT(" in q["sql"].upper() or q["sql"].rstrip().endswith(walk)
    )
    return sql.split("ORDER BY")[-1].split("LIMIT")[0].strip()


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"intake_before": "2026-01-01"},
        {"intake_after": "2020-01-01"},
        {"intake_after": "2020-01-01", "intake_before": "2026-01-01"},
        {"exploitation": "unknown"},
    ],
)
def test_the_person_list_counts_along_its_own_order(login, supervisor, agency_a, params):
    """The person list's count reads its first COUNT_CAP + 1 ids newest first, as its
    pages do, and each page is a slice of them: one walk, no COUNT. Filtered up to a
    date, it once counted oldest first and then walked newest first for the page: last
    month's intakes, page 40, took 61 ms at 1,000,000 cases, now 35."""
    for _ in range(3):
        CaseFactory(agency=agency_a, intake_date=datetime.date(2025, 6, 1))
    client = login(supervisor)
    url = reverse("victims:person_list")
    # 1: the id, the one column the walk reads
    assert _count_order(client, url, params) in ('"VICTIMS_PERSON"."ID" DESC', "1 DESC")
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url, params).context["page"]
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert not [sql for sql in counts if '"victims_person"' in sql]
    assert page.paginator.count == 3


@pytest.mark.parametrize(
    "params",
    [{}, {"intake_before": "2026-01-01"}, {"intake_after": "2020-01-01"}, {"status": "open"}],
)
def test_the_task_list_counts_along_its_own_order(login, supervisor, agency_a, params):
    """The task list's filters all start from its order's index (due date, id), so its
    count reads the rows in that order, as its last page does, whatever the filters: by
    id, the list filtered on last month's intakes probed 10,000 tasks' cases to count
    1,001 (33 ms of a 60 ms page at a million cases)."""
    for _ in range(3):
        TaskFactory(case=CaseFactory(agency=agency_a))
    client = login(supervisor)
    order = _count_order(client, reverse("cases:task_list"), params)
    assert "DUE_DATE" in order and order.endswith("ASC"), order
    assert listing.count_up_to(Task.objects.order_by("due_date", "pk"), 1, order="listed") == 2


@pytest.mark.parametrize(
    "params",
    [{}, {"intake_before": "2026-01-01"}, {"intake_after": "2020-01-01"}, {"order": "reference"}],
)
def test_the_case_list_counts_along_its_own_order(login, supervisor, agency_a, params):
    """The case list's count reads its first COUNT_CAP + 1 ids in the list's own order,
    whatever the filters and sort, and its page is a slice of them: one walk, where the
    count (by id) and the page each walked the list (an expired-permit filter's page 40
    probed 52,000 cases twice at a million cases: 128 ms, now 79)."""
    for _ in range(3):
        CaseFactory(agency=agency_a)
    client = login(supervisor)
    order = _count_order(client, reverse("cases:list"), params)
    if params.get("order") == "reference":
        assert order.startswith('"CASES_CASE"."REFERENCE" ASC'), order
    else:
        assert order.startswith('"CASES_CASE"."INTAKE_DATE" DESC'), order


# --- scope shapes ------------------------------------------------------------------------


def _sql(queryset) -> str:
    return str(queryset.query).upper()


@pytest.mark.parametrize("persona", ["caseworker", "supervisor"])
def test_scopes_are_correlated_exists_without_distinct(request, persona):
    user = request.getfixturevalue(persona)
    for queryset in (
        Person.objects.visible_to(user),
        Referral.objects.visible_to(user),
        MLARequest.objects.visible_to(user),
        Task.objects.visible_to(user),
    ):
        sql = _sql(queryset)
        assert "DISTINCT" not in sql
        assert " IN (SELECT" not in sql
        assert "EXISTS" in sql


def test_my_cases_needs_no_distinct(supervisor):
    assert "DISTINCT" not in _sql(Case.objects.visible_to(supervisor).assigned_to(supervisor))


def test_case_rules_and_their_negation_are_exists_not_in(login, supervisor):
    cases = Case.objects.visible_to(supervisor)
    assert " IN (SELECT" not in _sql(cases.with_overdue_tasks())
    response = login(supervisor).get(reverse("cases:list"), {"overdue": "false"})
    assert response.status_code == 200


def test_the_case_list_computes_row_flags_for_the_page_only(login, supervisor, agency_a):
    for _ in range(3):
        CaseFactory(agency=agency_a)
    client = login(supervisor)
    client.get(reverse("cases:list"))
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("cases:list"))
    flagged = [q["sql"] for q in queries.captured_queries if "cases_criminalexposure" in q["sql"]]
    assert len(flagged) == 1
    assert '"cases_case"."id" IN (' in flagged[0]


# --- the filter bar's dropdowns --------------------------------------------------------


def test_the_light_select_renders_like_djangos():
    choices = [("", "Any"), ("TW", "Taiwan"), ("x<y", "A & B"), ("Group", [("g1", "One")])]
    html = forms.Select(choices=choices).render(
        "nationality", "TW", {"id": "id_nationality"}, renderer=FormRenderer()
    )
    # Bootstrap's class from the renderer (widgets.bootstrap_classes).
    assert html.startswith('<select name="nationality" id="id_nationality" class="form-select">')
    assert '<option value="TW" selected>Taiwan</option>' in html
    assert '<option value="">Any</option>' in html
    assert '<option value="x&lt;y">A &amp; B</option>' in html
    assert '<optgroup label="Group"><option value="g1">One</option></optgroup>' in html


def test_filter_bars_use_the_light_select(login, supervisor):
    response = login(supervisor).get(reverse("cases:list"), {"nationality": "TW"})
    form = response.context["filter"].form
    assert isinstance(form.renderer or get_default_renderer(), FormRenderer)
    assert '<option value="TW" selected>' in response.content.decode()


def test_the_filter_bar_is_written_field_by_field(login, supervisor):
    html = login(supervisor).get(reverse("cases:list")).content.decode()
    assert '<label for="id_status" class="form-label">Case status</label>' in html
    assert 'name="status" id="id_status" class="form-select"' in html
    assert 'class="form-control"' in html and 'id="id_intake_after"' in html


# --- late rows ----------------------------------------------------------------------------


def test_late_rows_pages_hold_the_same_rows_in_the_same_order(supervisor, agency_a, rf):
    """A page read ids first, then rows (the task list) equals the page read at once."""
    case = CaseFactory(agency=agency_a)
    today = datetime.date(2026, 3, 1)
    for days in (5, 1, 3, 1, 4, 2, 9):  # two tasks due the same day: ordered by id
        TaskFactory(case=case, due_date=today + datetime.timedelta(days=days))
    tasks = Task.objects.visible_to(supervisor).select_related("case__person")
    late_rows = {"rows_by_id": lambda ids: Task.objects.filter(pk__in=ids).for_list()}
    for number in (1, 2, 3):
        request = rf.get("/", {"page": number})
        plain = listing.paginate(request, tasks, per_page=3)
        late = listing.paginate(request, tasks, per_page=3, **late_rows)
        assert [t.pk for t in late] == [t.pk for t in plain]
        assert late.paginator.count == plain.paginator.count == 7
    # The last page keeps its single row; an empty list still answers page 1.
    assert len(listing.paginate(rf.get("/", {"page": 3}), tasks, 3, **late_rows)) == 1
    empty = listing.paginate(rf.get("/"), tasks.none(), 3, **late_rows)
    assert list(empty) == [] and empty.number == 1


def test_a_list_counted_in_its_order_walks_it_once_for_the_count_and_the_page(supervisor, agency_a):
    """Counted in the list's order and read late, the first cap + 1 ids are read once: the
    count is their number, each page a slice of them, the same rows as paging without it
    (the pages stop at the cap); no COUNT and no second walk for the page."""
    case = CaseFactory(agency=agency_a)
    today = datetime.date(2026, 3, 1)
    for days in (5, 1, 3, 1, 4, 2, 9):
        TaskFactory(case=case, due_date=today + datetime.timedelta(days=days))
    tasks = Task.objects.visible_to(supervisor).order_by("due_date", "pk")

    def rows_by_id(ids):
        return Task.objects.filter(pk__in=ids)

    plain = listing.CappedPaginator(tasks, 2, cap=5, count_order="listed")
    late = listing.CappedPaginator(tasks, 2, cap=5, rows_by_id=rows_by_id, count_order="listed")
    assert (
        (late.count, late.capped, late.num_pages) == (plain.count, plain.capped, 3) == (5, True, 3)
    )
    with CaptureQueriesContext(connection) as queries:
        pages = [[t.pk for t in late.page(number)] for number in (1, 2, 3)]
    assert pages == [[t.pk for t in plain.page(number)] for number in (1, 2, 3)]
    assert [len(page) for page in pages] == [2, 2, 1]
    # The walk was read with the count above; each page then reads its rows by key only.
    assert len(queries) == 3
    assert all('"cases_task"."id" IN (' in q["sql"] and "LIMIT" not in q["sql"] for q in queries)


def test_late_rows_join_only_the_page(supervisor, agency_a, rf):
    case = CaseFactory(agency=agency_a)
    for _ in range(6):
        TaskFactory(case=case)
    tasks = Task.objects.visible_to(supervisor).select_related("case__person")

    def rows_by_id(ids):
        return Task.objects.filter(pk__in=ids).select_related("case__person")

    with CaptureQueriesContext(connection) as queries:
        list(listing.paginate(rf.get("/"), tasks, per_page=2, rows_by_id=rows_by_id))
    ids, rows = (q["sql"].upper() for q in queries.captured_queries[-2:])
    # The ids are read without the joined columns; the rows are the page's ids only.
    assert '"VICTIMS_PERSON"."LEGAL_NAME"' not in ids and "LIMIT 2" in ids
    assert '"VICTIMS_PERSON"' in rows and not re.search(r"LIMIT \d+\s*$", rows)
    assert re.search(r'"CASES_TASK"\."ID" IN \(\d+, \d+\)', rows)
