"""Statistical disclosure control (reports/disclosure.py): the algorithm, an audit of
random tables, and the yearly statistics page and downloads end to end."""

from __future__ import annotations

import csv
import io
import random
from collections import defaultdict

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from cases.models import Case, CaseExploitation
from cooperation.models import Referral
from policy import Role
from reports import disclosure
from reports.disclosure import HIDDEN, Sum, hidden_cells, protect, recoverable
from reports.statistics import StatTable, yearly_statistics
from tests.factories import CaseFactory, PersonFactory, UserFactory
from victims.models import IdentificationDecision

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year


# --- an audit written apart from the module: no equation with a single unknown -----------


def audit(values: list[int], sums: list[Sum], hidden: frozenset[int]) -> set[int]:
    """The hidden cells a reader recovers from the shown cells and the sums.

    A sum whose terms are all known but one gives that one; a sum whose whole is known
    and whose unknown terms are parts adding up to their number gives them all (a hidden
    cell is never 0, since zeros are shown). Recovered cells become known; repeat until
    nothing changes.
    """
    known = {i for i in range(len(values)) if i not in hidden}
    while True:
        found = set()
        for total in sums:
            unknown = [t for t in total.terms if t not in known]
            if len(unknown) == 1:
                found.add(unknown[0])
            elif unknown and total.whole in known:
                rest = values[total.whole] - sum(values[p] for p in total.parts if p in known)
                if rest == len(unknown):
                    found.update(unknown)
        if not found:
            return known & set(hidden)
        known |= found


def grid(cells: list[list[int]]) -> tuple[list[int], list[Sum]]:
    """A rows x columns table with row totals, column totals and a grand total."""
    n_rows, n_cols = len(cells), len(cells[0])
    values = [v for row in cells for v in row]
    row_totals = list(range(len(values), len(values) + n_rows))
    values += [sum(row) for row in cells]
    col_totals = list(range(len(values), len(values) + n_cols))
    values += [sum(row[c] for row in cells) for c in range(n_cols)]
    grand = len(values)
    values.append(sum(values[i] for i in row_totals))
    sums = [Sum(tuple(r * n_cols + c for c in range(n_cols)), row_totals[r]) for r in range(n_rows)]
    sums += [
        Sum(tuple(r * n_cols + c for r in range(n_rows)), col_totals[c]) for c in range(n_cols)
    ]
    sums += [Sum(tuple(row_totals), grand), Sum(tuple(col_totals), grand)]
    return values, sums


# --- the algorithm ----------------------------------------------------------------------------


def test_a_small_count_beside_a_total_takes_the_next_smallest_count_with_it():
    values = [12, 3, 0, 15, 30]  # female, male, transgender, unknown; total
    hidden = hidden_cells(values, [Sum((0, 1, 2, 3), 4)], 11)
    assert hidden == {0, 1}


def test_counts_of_k_and_more_and_zeros_are_shown_when_nothing_is_small():
    assert hidden_cells([11, 0, 40, 51], [Sum((0, 1, 2), 3)], 11) == frozenset()


def test_a_small_total_is_hidden_too():
    assert hidden_cells([3, 0, 4, 7], [Sum((0, 1, 2), 3)], 11) == {0, 2, 3}


def test_hidden_ones_beside_a_shown_total_are_protected_by_one_more_cell():
    """1 and 1 hidden beside a total of 22 and a shown 20: each hidden cell is at least
    1, so both would be 1. A third cell is hidden."""
    values = [1, 1, 0, 20, 22]
    sums = [Sum((0, 1, 2, 3), 4)]
    hidden = hidden_cells(values, sums, 11)
    assert {0, 1} < hidden
    assert not recoverable(values, sums, set(hidden))
    assert not audit(values, sums, hidden)


def test_the_module_audit_finds_a_lone_hidden_cell():
    values, sums = [12, 3, 15, 30], [Sum((0, 1, 2), 3)]
    assert recoverable(values, sums, {1}) == {1}
    assert recoverable(values, sums, {0, 1}) == frozenset()


def test_a_hidden_cell_in_a_grid_is_protected_along_its_row_and_its_column():
    values, sums = grid([[3, 20, 25], [14, 30, 16]])
    hidden = hidden_cells(values, sums, 11)
    assert 0 in hidden
    assert not audit(values, sums, hidden)
    for total in sums:
        assert len(hidden.intersection(total.terms)) != 1


def test_tables_of_one_population_share_their_total():
    """Victims by sex hide Male 3; the age table shows the same total, which must not
    give Male back."""
    tables = [
        StatTable("sex", "By sex", [("Female", 12), ("Male", 3), ("Unknown", 15)], "victims"),
        StatTable("age", "By age", [("18-29", 30), ("30+", 0)], "victims"),
        StatTable("services", "Services", [("Shelter", 4), ("Legal aid", 25)]),
    ]
    shown = {t.key: t for t in protect(tables, 11)}
    assert dict(shown["sex"].rows) == {"Female": HIDDEN, "Male": HIDDEN, "Unknown": 15}
    assert shown["sex"].total == shown["age"].total == 30
    assert dict(shown["services"].rows) == {"Shelter": HIDDEN, "Legal aid": 25}
    assert shown["services"].total is None


def test_tables_of_one_population_must_agree_on_the_total():
    tables = [
        StatTable("sex", "By sex", [("Female", 12)], "victims"),
        StatTable("age", "By age", [("18-29", 13)], "victims"),
    ]
    with pytest.raises(ValueError, match="victims"):
        protect(tables, 11)


# --- many random tables: nothing small shows, nothing hidden is recovered ------------------


def _draw(rng: random.Random) -> int:
    # Mostly small counts and zeros: where suppression has the most to do.
    return rng.choice([0, 0, rng.randint(1, 4), rng.randint(1, 12), rng.randint(0, 30)])


@pytest.mark.parametrize("k", [5, 11])
def test_random_tables_show_no_small_count_and_give_back_no_hidden_one(k):
    rng = random.Random(20240101 + k)
    for _n in range(600):
        shape = (rng.randint(1, 4), rng.randint(1, 5))
        cells = [[_draw(rng) for _c in range(shape[1])] for _r in range(shape[0])]
        values, sums = grid(cells)
        hidden = hidden_cells(values, sums, k)
        shown = [v for i, v in enumerate(values) if i not in hidden]
        assert not [v for v in shown if 0 < v < k], cells
        assert all(values[i] > 0 for i in hidden), cells
        assert not audit(values, sums, hidden), cells
        assert not recoverable(values, sums, set(hidden)), cells


def test_random_linked_tables_give_back_no_hidden_count():
    rng = random.Random(7)
    for _n in range(300):
        population = rng.randint(0, 40)
        tables = []
        for key in ("sex", "age", "nationality"):
            cuts = sorted(rng.randint(0, population) for _c in range(rng.randint(0, 4)))
            counts = [b - a for a, b in zip([0, *cuts], [*cuts, population], strict=True)]
            tables.append(StatTable(key, key, [(str(i), n) for i, n in enumerate(counts)], "v"))
        shown = protect(tables, 11)
        values, sums, hidden = [], [], set()
        total_index = None
        for table, exact in zip(shown, tables, strict=True):
            parts = []
            for (_label, value), (_l, n) in zip(table.rows, exact.rows, strict=True):
                parts.append(len(values))
                hidden |= {len(values)} if value == HIDDEN else set()
                values.append(n)
            if total_index is None:
                total_index = len(values)
                hidden |= {total_index} if table.total == HIDDEN else set()
                values.append(population)
            sums.append(Sum(tuple(parts), total_index))
        assert not [v for i, v in enumerate(values) if i not in hidden and 0 < v < 11]
        assert not audit(values, sums, frozenset(hidden)), [t.rows for t in tables]


# --- the yearly statistics end to end ------------------------------------------------------


def _identified(agency, recorder, count: int, sex: str) -> None:
    for _n in range(count):
        case = CaseFactory(agency=agency, person=PersonFactory(agency=agency, sex=sex))
        CaseExploitation.objects.create(case=case, type="sexual")
        IdentificationDecision.objects.create(
            case=case,
            authority="police",
            decided_on=timezone.localdate(),
            outcome="identified",
            recorded_by=recorder,
        )


@pytest.fixture
def male_3_female_12_unknown_15(agency_a, supervisor):
    _identified(agency_a, supervisor, 3, "male")
    _identified(agency_a, supervisor, 12, "female")
    _identified(agency_a, supervisor, 15, "unknown")


def _as_tables(rows) -> dict[str, dict[str, object]]:
    tables: dict[str, dict[str, object]] = defaultdict(dict)
    for table, group, count, *_definition in rows:
        tables[table][group] = count
    return tables


def _sex(page) -> dict[str, object]:
    return next(dict(t.rows) for t in page.context["tables"] if t.key == "victims-sex")


def _assert_published_safely(tables: dict[str, dict[str, object]], k: int = 11) -> None:
    """No count from 1 to k-1; in a table with a shown total, no hidden count can be
    worked out (never exactly one hidden, never hidden counts that can only be 1)."""
    for title, rows in tables.items():
        numbers = [int(n) for n in rows.values() if str(n).isdigit()]
        assert not [n for n in numbers if 0 < n < k], title
        if "Total" in rows and str(rows["Total"]).isdigit():
            hidden = [g for g, n in rows.items() if n == HIDDEN]
            rest = int(rows["Total"]) - sum(
                int(n) for g, n in rows.items() if g != "Total" and n != HIDDEN
            )
            assert len(hidden) != 1, title
            assert not hidden or rest > len(hidden), title
    sex = tables["Victims identified by sex"]
    assert sex["Male"] == HIDDEN
    assert [g for g, n in sex.items() if n == HIDDEN] != ["Male"]


def test_csv_neither_shows_nor_gives_back_male_3(login, supervisor, male_3_female_12_unknown_15):
    url = reverse("reports:statistics_export", args=["csv"])
    response = login(supervisor).get(url, {"year": YEAR})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))[1:]
    tables = _as_tables(rows[:-2])
    _assert_published_safely(tables)
    assert tables["Victims identified by sex"] == {
        "Female": HIDDEN,
        "Male": HIDDEN,
        "Transgender / gender minority": "0",
        "Unknown": "15",
        "Total": "30",
    }
    assert rows[-2][:2] == ["Note", HIDDEN]
    assert rows[-1][:2] == ["Note", "Counted at"]


def test_xlsx_neither_shows_nor_gives_back_male_3(login, supervisor, male_3_female_12_unknown_15):
    url = reverse("reports:statistics_export", args=["xlsx"])
    response = login(supervisor).get(url, {"year": YEAR})
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    tables = _as_tables([(t, g, str(n)) for t, g, n, *_d in rows[:-2]])
    _assert_published_safely(tables)
    assert tables["Victims identified by sex"]["Unknown"] == "15"


def test_page_neither_shows_nor_gives_back_male_3(login, supervisor, male_3_female_12_unknown_15):
    response = login(supervisor).get(reverse("reports:statistics"), {"year": YEAR})
    tables = {
        t.title: {**dict(t.rows), **({"Total": t.total} if t.total is not None else {})}
        for t in response.context["tables"]
    }
    _assert_published_safely(
        {title: {g: str(n) for g, n in r.items()} for title, r in tables.items()}
    )
    assert "[c]: hidden. Counts from 1 to 10 are hidden" in response.content.decode()


@pytest.mark.parametrize("params", [{"chosen": "on"}, {"suppress": ""}, {"k": "1"}])
def test_no_parameter_reveals_male_3(login, supervisor, male_3_female_12_unknown_15, params):
    client = login(supervisor)
    page = client.get(reverse("reports:statistics"), {"year": YEAR, **params})
    assert _sex(page)["Male"] == HIDDEN
    url = reverse("reports:statistics_export", args=["csv"])
    body = client.get(url, {"year": YEAR, **params}).content.decode("utf-8-sig")
    assert "Victims identified by sex,Male,[c]," in body


def test_k_is_read_from_the_settings(login, supervisor, agency_a):
    _identified(agency_a, supervisor, 12, "male")
    client = login(supervisor)
    url = reverse("reports:statistics_export", args=["csv"])
    assert "Victims identified by sex,Male,12" in client.get(url, {"year": YEAR}).content.decode(
        "utf-8-sig"
    )
    with override_settings(HARBOR_PUBLISH_K=20, HARBOR_INTERNAL_K=8):
        assert disclosure.publish_k() == 20
        assert disclosure.screen_k(record_access=False) == 8
        assert disclosure.screen_k(record_access=True) is None
        body = client.get(url, {"year": YEAR}).content.decode("utf-8-sig")
        page = client.get(reverse("reports:statistics"), {"year": YEAR})
    assert "Victims identified by sex,Male,[c]" in body
    assert "Counts from 1 to 19 are hidden" in body
    assert _sex(page)["Male"] == HIDDEN


# --- revoked referrals --------------------------------------------------------------------


def test_a_revoked_referral_is_counted_neither_sent_nor_received(
    login, supervisor, agency_a, agency_b
):
    case = CaseFactory(agency=agency_a)
    for status in ("accepted", "revoked", "sent"):
        Referral.objects.create(
            case=case,
            from_agency=agency_a,
            to_agency=agency_b,
            purpose="shelter",
            status=status,
            created_by=supervisor,
        )
    sender = {t.key: t for t in yearly_statistics(Case.objects.none(), agency_a.pk, YEAR)}
    receiver = {t.key: t for t in yearly_statistics(Case.objects.none(), agency_b.pk, YEAR)}
    assert sum(n for _label, n in sender["referrals-sent"].rows) == 2
    assert dict(receiver["referrals-received"].rows) == {"Received": 2}
    receiving_supervisor = UserFactory(agency=agency_b, role=Role.SUPERVISOR)
    with override_settings(HARBOR_PUBLISH_K=2):
        page = login(receiving_supervisor).get(reverse("reports:statistics"), {"year": YEAR})
        dashboard = login(receiving_supervisor).get(reverse("reports:dashboard"))
    shown = {t.key: t for t in page.context["tables"]}
    assert dict(shown["referrals-received"].rows) == {"Received": 2}
    figures = {f.key: f for fs in dashboard.context["sections"].values() for f in fs}
    received = dict(figures["referrals"].rows)["Received"]
    assert received[0].value == 2
    assert Referral.objects.counted().received_by(agency_b).count() == 2
