"""The caseload table under date ranges that hold whole years (figures.YEARLY): the same
counts as the months read one by one, and as the lists its cells link to, read as one
cell a year for each member of staff (issue 12)."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports import figures
from tests.factories import CaseFactory, TaskFactory

pytestmark = pytest.mark.django_db

URL = "/reports/"
INTAKES = [
    datetime.date(2022, 6, 15),
    datetime.date(2023, 1, 10),
    datetime.date(2023, 7, 1),
    datetime.date(2023, 12, 31),
    datetime.date(2024, 3, 3),
    datetime.date(2025, 2, 2),
    datetime.date(2025, 12, 20),
    datetime.date(2026, 1, 5),
    None,
]
# (intake after, intake before): the dashboard widens both to whole months.
RANGES = [
    ("2023-01-01", ""),  # every year from 2023 whole
    ("2022-07-01", "2025-06-30"),  # 2023 and 2024 whole, months at both ends
    ("2022-12-01", "2025-01-31"),
    ("", "2024-12-31"),  # until a date: the later months and years taken away
    ("", "2023-06-15"),
    ("2023-03-01", "2023-11-30"),  # no whole year: the months one by one
    ("2024-01-01", "2024-12-31"),  # exactly one year
]


@pytest.fixture
def spread(agency_a, caseworker):
    """An open case of `caseworker` for each intake date, each with an overdue task."""
    for intake in INTAKES:
        case = CaseFactory(agency=agency_a, caseworkers=[caseworker], intake_date=intake)
        TaskFactory(
            case=case,
            assignee=caseworker,
            due_date=datetime.date(2026, 1, 1),
            created_by=caseworker,
        )
    figures.refresh([agency_a.pk], today=datetime.date(2026, 6, 1))


def _expected(after: str, before: str) -> int:
    first = datetime.date.fromisoformat(after).replace(day=1) if after else None
    last = datetime.date.fromisoformat(before) if before else None
    return sum(
        1
        for day in INTAKES
        if day is not None and (first is None or day >= first) and (last is None or day <= last)
    )


def _row(response, name: str) -> list:
    sections = response.context["sections"].values()
    caseload = next(f for section in sections for f in section if f.key == "caseload")
    return next(cells for label, cells in caseload.rows if label == name)


@pytest.mark.parametrize(("after", "before"), RANGES)
def test_a_date_range_counts_each_case_once_whatever_years_it_holds(
    login, supervisor, caseworker, spread, after, before
):
    client = login(supervisor)
    given = (("intake_after", after), ("intake_before", before))
    params = {key: value for key, value in given if value}
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, params)
    assert response.status_code == 200
    # (Read now: the next request clears the query log.)
    cells = [q["sql"] for q in queries if "SUM(" in q["sql"] and "figurecount" in q["sql"]]
    open_cases, overdue = _row(response, caseworker.full_name)
    assert open_cases.value == overdue.value == _expected(after, before)
    # The cells link to the lists that count the same.
    assert client.get(open_cases.url).context["page"].paginator.count == open_cases.value
    assert client.get(overdue.url).context["page"].paginator.count == overdue.value
    # A range holding a whole year reads that year's cell, not its twelve months.
    whole_year = (after, before) != ("2023-03-01", "2023-11-30")
    assert any("@year" in sql for sql in cells) == whole_year, cells
