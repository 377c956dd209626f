"""The dashboard's figures, read from the agency's summary cube (reports/figures.py).

Every figure sums cube cells under the filters in a fixed number of queries over a
bounded number of rows, whatever the number of cases; Python only arranges the sums.
A dashboard filtered by caseworker sums the cells counted live for that caseworker
(reports/figures.py: the stored cube has no caseworker key) under the same rule
(`Scope.admits`, the twin of `Scope.cells`).
Every count carries the URL of the list that shows exactly those records (the case,
people and task lists with filter parameters): right after a refresh, each count
equals its list's. Only the prevention activities and the caseworkers' names are
read live (small, indexed).
"""

from __future__ import annotations

import datetime
import functools
import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Count, Q, QuerySet, Sum
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from accounts.models import User
from cases.models import (
    CaseStatus,
    ExploitationType,
    IdentificationStatus,
    ProsecutionStatus,
    ProtectionStatus,
    Track,
)
from partners.models import ActivityType, PreventionActivity
from reports import figures as cube
from reports import partnership
from reports.figures import ALL, PER_STAFF, SHARED, YEARLY
from reports.models import FigureCount, FigureRefresh
from victims.models import AgeBand, Sex

if TYPE_CHECKING:
    from django.utils.functional import Promise

MONTHS = 24
QUARTERS = 8
TOP_COUNTRIES = 5
# The caseload table's rows unless the reader asks for every caseworker: a national
# agency has a thousand of them, which no table on a dashboard should hold.
CASELOAD_ROWS = 20
FIRST_MONTH = datetime.date(1900, 1, 1)  # no intake date is earlier (widgets.DateField)
UNKNOWN = "unknown"
# The dashboard filters, by the query parameter the case list also understands.
CASE_FILTER_KEYS = ("intake_after", "intake_before", "exploitation", "caseworker")


@dataclass
class Cell:
    value: int | float | None
    url: str = ""
    alert: bool = False  # shown in red when not zero (the row label says why)


@dataclass
class Figure:
    """One chart and the table under it: rows by columns of cells."""

    key: str
    title: Promise | str
    row_heading: Promise | str
    columns: list[Promise | str]
    rows: list[tuple[str, list[Cell]]] = field(default_factory=list)
    chart_type: str = "bar"
    stacked: bool = False
    note: Promise | str = ""
    more: tuple[str, str] | None = None  # (label, URL) of the rows left out

    def chart_data(self) -> dict[str, Any]:
        """What static/js/dashboard.js draws (passed with json_script, never inline JS)."""
        return {
            "type": self.chart_type,
            "stacked": self.stacked,
            "labels": [str(label) for label, _cells in self.rows],
            "datasets": [
                {"label": str(column), "data": [cells[i].value for _label, cells in self.rows]}
                for i, column in enumerate(self.columns)
            ],
        }

    @property
    def is_empty(self) -> bool:
        return not any(cell.value for _label, cells in self.rows for cell in cells)


def link(name: str, params: dict[str, str], **extra: Any) -> str:
    query = {**params, **{key: str(value) for key, value in extra.items()}}
    path = _path(name, get_script_prefix(), get_urlconf())
    return path + ("?" + urlencode(sorted(query.items())) if query else "")


@functools.lru_cache(maxsize=64)
def _path(name: str, prefix: str, urlconf: str | None) -> str:
    """The path of an argument-free URL name: a dashboard builds a few hundred links,
    and reversing each one anew was a quarter of its time."""
    return reverse(name, urlconf=urlconf)


# --- what the filters select ----------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """The cube keys a filtered dashboard reads (reports/figures.py)."""

    agency_id: int
    exploitation: str = ALL
    caseworker: int = 0
    first_month: datetime.date | None = None
    last_month: datetime.date | None = None

    @property
    def dated(self) -> bool:
        return bool(self.first_month or self.last_month)

    def cells(self, *, by_month: bool = False) -> QuerySet[FigureCount]:
        """The agency's cells in the filtered months: without a date filter, each
        figure's row over every month (by month when asked: the monthly chart)."""
        cells = FigureCount.objects.filter(agency_id=self.agency_id)
        if not (by_month or self.dated):
            return cells.filter(all_months=True)
        cells = cells.filter(all_months=False)
        # People: only the first of each person's months inside the range (figures.py).
        if self.dated:
            start = self.first_month or FIRST_MONTH
            cells = cells.filter(Q(prev_month__isnull=True) | Q(prev_month__lt=start))
        else:
            cells = cells.filter(prev_month__isnull=True)
        if self.first_month:
            cells = cells.filter(month__gte=self.first_month)
        if self.last_month:
            cells = cells.filter(month__lte=self.last_month)
        return cells

    def admits(self, cell: cube.Key, *, by_month: bool = False) -> bool:
        """Whether `cells` would read this cell (for cells counted live)."""
        _agency, month, prev, _ek, _ck, _figure, _value, all_months = cell
        if not (by_month or self.dated):
            return all_months
        if all_months:
            return False
        if self.dated:
            if prev is not None and prev >= (self.first_month or FIRST_MONTH):
                return False
        elif prev is not None:
            return False
        if self.first_month and (month is None or month < self.first_month):
            return False
        return not (self.last_month and (month is None or month > self.last_month))


def _month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def whole_months(params: dict[str, str]) -> dict[str, str]:
    """The filter's intake dates widened to whole months: the cube counts by month, and
    every link carries these dates so its list counts exactly what the figure does."""
    widened = dict(params)
    if params.get("intake_after"):
        after = datetime.date.fromisoformat(params["intake_after"])
        widened["intake_after"] = _month_start(after).isoformat()
    if params.get("intake_before"):
        before = datetime.date.fromisoformat(params["intake_before"])
        widened["intake_before"] = _month_end(before).isoformat()
    return widened


def scope_of(agency_id: int, params: dict[str, str]) -> Scope:
    """The cube keys of already widened filter parameters (see whole_months)."""
    after, before = params.get("intake_after"), params.get("intake_before")
    return Scope(
        agency_id=agency_id,
        exploitation=params.get("exploitation") or ALL,
        caseworker=int(params.get("caseworker") or 0),
        first_month=_month_start(datetime.date.fromisoformat(after)) if after else None,
        last_month=_month_start(datetime.date.fromisoformat(before)) if before else None,
    )


Sums = dict[tuple[str, str], int]
ByMonth = dict[tuple[datetime.date | None, str], int]


@dataclass
class Counted:
    """What the figures are drawn from: every figure's counts by value (`sums`), cases
    by month and exploitation key (`by_month`), and the per-staff figures by
    (figure, user id) (`staff`: open cases by caseworker, overdue tasks by assignee)."""

    sums: Sums
    by_month: ByMonth
    staff: dict[tuple[str, int], int]


def _from_cube(scope: Scope) -> Counted:
    """The stored cube's sums under the filters (three or four queries)."""
    cells = scope.cells().filter(exploitation=scope.exploitation)
    # Tuples, not dicts: a national agency's per-staff figures are thousands of rows.
    sums = cells.filter(figure__in=SHARED).values_list("figure", "value")
    monthly = scope.cells(by_month=True).filter(figure="cases").values_list("month", "exploitation")
    total = Sum("n")
    return Counted(
        sums={(f, v): n for f, v, n in sums.annotate(total=total).order_by()},
        by_month={(m, e): n for m, e, n in monthly.annotate(total=total).order_by()},
        staff=_staff_sums(scope),
    )


def _staff_sums(scope: Scope) -> dict[tuple[str, int], int]:
    """The per-staff figures under the filters, by (figure, user id).

    A national agency's thousand caseworkers have a cell for each month of intake, and
    one for each year (figures.YEARLY): a date range reads each whole year inside it as
    its yearly cell and the months of its ends one by one (since a year ago at 1,000,000
    cases: 21,000 cells by month, 3,800 this way, 5.8 -> 1.8 ms). An "intake until"
    date reads the months after that date instead, and the cases without one, and takes
    them from each figure's row over every month. These figures count cases and tasks,
    never people: each of their cells is in that row.
    """
    by_year = {yearly: figure for figure, yearly in YEARLY.items()}

    def summed(cells: QuerySet[FigureCount]) -> dict[tuple[str, int], int]:
        rows = (
            cells.filter(exploitation=scope.exploitation)
            .values_list("figure", "value")
            .annotate(total=Sum("n"))
            .order_by()
        )
        sums: dict[tuple[str, int], int] = defaultdict(int)
        for f, v, n in rows:
            sums[(by_year.get(f, f), int(v))] += n
        return sums

    agency = FigureCount.objects.filter(agency_id=scope.agency_id)
    if not scope.dated:
        return summed(agency.filter(all_months=True, figure__in=PER_STAFF))
    last = scope.last_month
    if scope.first_month or last is None:
        return summed(agency.filter(_staff_months(scope.first_month or FIRST_MONTH, last)))
    every = summed(agency.filter(all_months=True, figure__in=PER_STAFF))
    after = _month_end(last) + datetime.timedelta(days=1)
    undated = Q(all_months=False, figure__in=PER_STAFF, month__isnull=True)
    for key, n in summed(agency.filter(_staff_months(after, None) | undated)).items():
        every[key] = every.get(key, 0) - n
    return {key: n for key, n in every.items() if n}


def _staff_months(first: datetime.date, last: datetime.date | None) -> Q:
    """The per-staff cells of the months from `first` to `last` (None: every later one),
    whole years inside the range by their yearly cell."""
    monthly = Q(all_months=False, figure__in=PER_STAFF)
    first_year = first.year if first.month == 1 else first.year + 1
    last_year = None if last is None else (last.year if last.month == 12 else last.year - 1)
    if last is not None and last_year is not None and last_year < first_year:
        return monthly & Q(month__gte=first, month__lte=last)  # no whole year inside
    years = Q(all_months=False, figure__in=YEARLY.values(), month__gte=_january(first_year))
    if last_year is not None:
        years &= Q(month__lte=_january(last_year))
    cells = years | (monthly & Q(month__gte=first, month__lt=_january(first_year)))
    if last is not None and last_year is not None and last_year < last.year:
        cells |= monthly & Q(month__gte=_january(last.year), month__lte=last)
    return cells


def _january(year: int) -> datetime.date:
    return datetime.date(year, 1, 1)


def _from_live(scope: Scope, cells: dict[cube.Key, int]) -> Counted:
    """The same sums over cells counted live for the scope's caseworker."""
    counted = Counted(sums=defaultdict(int), by_month=defaultdict(int), staff=defaultdict(int))
    for cell, n in cells.items():
        _agency, month, _prev, ek, _ck, figure, value, _all = cell
        if figure == "cases" and scope.admits(cell, by_month=True):
            counted.by_month[(month, ek)] += n
        if ek != scope.exploitation or not scope.admits(cell):
            continue
        if figure in PER_STAFF:
            counted.staff[(figure, int(value))] += n
        else:
            counted.sums[(figure, value)] += n
    return counted


def _partners(agency_id: int) -> dict[str, int]:
    """The agency's partnership counts, which no dashboard filter narrows (one query)."""
    cells = FigureCount.objects.filter(agency_id=agency_id, figure=partnership.FIGURE)
    return dict(cells.values_list("value", "n"))


# --- cases by stage ------------------------------------------------------------------

STAGE_TRACKS = (
    (Track.IDENTIFICATION, "identification_status", IdentificationStatus),
    (Track.PROTECTION, "protection_status", ProtectionStatus),
    (Track.PROSECUTION, "prosecution_status", ProsecutionStatus),
)


def open_cases_by_stage(sums: Sums, params: dict[str, str]) -> list[Figure]:
    """Open cases at each stage of each track, and closure requests."""
    figures = []
    for track, fld, choices in STAGE_TRACKS:
        figure = Figure(
            key=f"stage-{track}",
            title=_("Open cases by stage: %(track)s") % {"track": track.label},
            row_heading=_("Stage"),
            columns=[_("Open cases")],
        )
        for status, label in choices.choices:
            url = link("cases:list", params, open="true", **{fld: status})
            figure.rows.append((str(label), [Cell(sums.get((f"stage-{track}", status), 0), url)]))
        figures.append(figure)
    closure = Figure(
        key="closure-requested",
        title=_("Closure requests awaiting approval"),
        row_heading=_("Case status"),
        columns=[_("Cases")],
        rows=[
            (
                str(CaseStatus.CLOSURE_REQUESTED.label),
                [
                    Cell(
                        sums.get(("closure", ""), 0),
                        link("cases:list", params, status=CaseStatus.CLOSURE_REQUESTED),
                    )
                ],
            )
        ],
    )
    return [*figures, closure]


def cases_by_exploitation(
    by_month: dict[tuple[datetime.date | None, str], int], params: dict[str, str]
) -> Figure:
    """Cases by type of exploitation, whatever their intake date.

    A case of two types counts under each; "not recorded" counts the cases with none.
    """
    by_type: dict[str, int] = {}
    for (_month, key), n in by_month.items():
        by_type[key] = by_type.get(key, 0) + n
    figure = Figure(
        key="by-exploitation",
        title=_("Cases by type of exploitation"),
        row_heading=_("Type of exploitation"),
        columns=[_("Cases")],
    )
    for value, label in [*ExploitationType.choices, (UNKNOWN, _("Not recorded"))]:
        if params.get("exploitation", value) != value:
            continue  # "this type and the filtered one": no list shows it
        url = link("cases:list", params, exploitation=value)
        figure.rows.append((str(label), [Cell(by_type.get(value, 0), url)]))
    return figure


# --- new cases per month ---------------------------------------------------------------


def _month_starts(today: datetime.date, months: int) -> list[datetime.date]:
    year, month = today.year, today.month
    starts = []
    for _step in range(months):
        starts.append(datetime.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return list(reversed(starts))


def _month_end(start: datetime.date) -> datetime.date:
    following = datetime.date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return following - datetime.timedelta(days=1)


def new_cases_by_month(
    by_month: dict[tuple[datetime.date | None, str], int],
    scope: Scope,
    params: dict[str, str],
    today: datetime.date,
) -> Figure:
    """New cases per intake month and type of exploitation, last 24 months.

    A case of two types counts once under each type and once in the total. Cases
    without an intake date (imported reference data) are not in any month.
    """
    months = _month_starts(today, MONTHS)
    # With the dashboard filtered to one type, another type's count would mean "both
    # types", which no list can show: only the filtered type gets a column.
    types = [
        t
        for t in ExploitationType
        if any(by_month.get((start, t), 0) for start in months)
        and params.get("exploitation", t) == t
    ]
    figure = Figure(
        key="new-by-month",
        title=_("New cases per month by type of exploitation (last 24 months)"),
        row_heading=_("Month"),
        columns=[*(t.label for t in types), _("All new cases")],
        chart_type="bar",
        stacked=False,
    )
    for start in months:
        bounds = _clip(start, _month_end(start), params)
        cells = []
        for t in [*types, None]:
            value = by_month.get((start, t or scope.exploitation), 0) if bounds else 0
            extra = {"exploitation": t} if t else {}
            url = link("cases:list", params, **bounds, **extra) if bounds else ""
            cells.append(Cell(value, url))
        figure.rows.append((start.strftime("%Y-%m"), cells))
    return figure


def _clip(start: datetime.date, end: datetime.date, params: dict[str, str]) -> dict[str, str]:
    """The month's date range narrowed by the dashboard's own date filter."""
    after = max(start, datetime.date.fromisoformat(params.get("intake_after", start.isoformat())))
    before = min(end, datetime.date.fromisoformat(params.get("intake_before", end.isoformat())))
    if after > before:
        return {}
    return {"intake_after": after.isoformat(), "intake_before": before.isoformat()}


# --- victims ------------------------------------------------------------------------------


def _person_params(params: dict[str, str]) -> dict[str, str]:
    return {**params, "with_case": "true"}


def victims_by_sex(sums: Sums, params: dict[str, str]) -> Figure:
    figure = Figure(
        key="victims-sex",
        title=_("Victims by sex"),
        row_heading=_("Sex/gender"),
        columns=[_("People")],
        chart_type="doughnut",
    )
    person_params = _person_params(params)
    for value, label in Sex.choices:
        url = link("victims:person_list", person_params, sex=value)
        figure.rows.append((str(label), [Cell(sums.get(("sex", value), 0), url)]))
    return figure


def victims_by_age_band(sums: Sums, params: dict[str, str]) -> Figure:
    figure = Figure(
        key="victims-age",
        title=_("Victims by age band"),
        row_heading=_("Age band"),
        columns=[_("People")],
    )
    person_params = _person_params(params)
    for value, label in [*AgeBand.choices, ("", _("Unknown"))]:
        url = link("victims:person_list", person_params, age_band=value or UNKNOWN)
        figure.rows.append((str(label), [Cell(sums.get(("age", value), 0), url)]))
    return figure


def victims_by_nationality(sums: Sums, params: dict[str, str]) -> Figure:
    """The five most frequent nationalities, then all others, then unknown."""
    counts = {value: n for (fig, value), n in sums.items() if fig == "nationality" and n}
    known = sorted(
        ((code, n) for code, n in counts.items() if code), key=lambda item: (-item[1], item[0])
    )
    top = known[:TOP_COUNTRIES]
    top_codes = [code for code, _n in top]
    figure = Figure(
        key="victims-nationality",
        title=_("Victims by nationality"),
        row_heading=_("Nationality"),
        columns=[_("People")],
    )
    person_params = _person_params(params)
    for code, n in top:
        url = link("victims:person_list", person_params, nationality=code)
        figure.rows.append((str(countries.name(code)), [Cell(n, url)]))
    other = sum(n for _code, n in known[TOP_COUNTRIES:])
    other_url = link("victims:person_list", person_params, nationality_other=",".join(top_codes))
    figure.rows.append((str(_("Other countries")), [Cell(other, other_url)]))
    unknown_url = link("victims:person_list", person_params, nationality=UNKNOWN)
    figure.rows.append((str(_("Unknown")), [Cell(counts.get("", 0), unknown_url)]))
    return figure


# --- durations --------------------------------------------------------------------------


def _percentile(histogram: list[tuple[int, int]], fraction: float) -> int | None:
    """The nearest-rank percentile of an aggregated (days, count) histogram."""
    total = sum(n for _days, n in histogram)
    if not total:
        return None
    rank = max(1, math.ceil(total * fraction))
    seen = 0
    for days, n in sorted(histogram):
        seen += n
        if seen >= rank:
            return days
    return None


def _quarters(today: datetime.date, count: int) -> list[tuple[int, int]]:
    year, quarter = today.year, (today.month - 1) // 3 + 1
    result = []
    for _step in range(count):
        result.append((year, quarter))
        year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    return list(reversed(result))


def _histograms(sums: Sums, figure: str) -> dict[tuple[int, int], list[tuple[int, int]]]:
    """Per (year, quarter), how many cases took how many days (cube values "Y-Q:days")."""
    result: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for (fig, value), n in sums.items():
        if fig != figure or not n:
            continue
        period, days = value.split(":")
        year, quarter = period.split("-")
        result.setdefault((int(year), int(quarter)), []).append((int(days), n))
    return result


def time_to_decision_and_closure(sums: Sums, today: datetime.date) -> Figure:
    """Days from intake to the first identification decision and to closure: median
    and 90th percentile by the quarter the decision or closure happened.

    The cube groups the cases by (quarter, days); the percentiles are read off those
    groups. Cases without an intake date are left out.
    """
    quarters = _quarters(today, QUARTERS)
    decisions, closures = _histograms(sums, "decision"), _histograms(sums, "closure_days")
    figure = Figure(
        key="durations",
        title=_("Days from intake to identification decision and to closure"),
        row_heading=_("Quarter"),
        columns=[
            _("Decisions"),
            _("Decision: median days"),
            _("Decision: 90th percentile"),
            _("Closures"),
            _("Closure: median days"),
            _("Closure: 90th percentile"),
        ],
        chart_type="line",
        note=_("Medians and percentiles are days, not records; they have no list behind them."),
    )
    for key in quarters:
        cells = []
        for histogram in (decisions.get(key, []), closures.get(key, [])):
            cells += [
                Cell(sum(n for _d, n in histogram)),
                Cell(_percentile(histogram, 0.5)),
                Cell(_percentile(histogram, 0.9)),
            ]
        figure.rows.append((f"{key[0]} Q{key[1]}", cells))
    return figure


# --- caseload and overdue work ----------------------------------------------------------


def caseload(
    counted: Counted, scope: Scope, params: dict[str, str], *, every: bool = False
) -> Figure:
    """Open cases and overdue tasks per active caseworker of the agency, most open cases
    first: the first CASELOAD_ROWS of them, or every one when asked (one query)."""
    staff = User.objects.in_agency(scope.agency_id).caseworkers().active()
    if scope.caseworker:
        staff = staff.filter(pk=scope.caseworker)
    names = list(staff.values_list("pk", "full_name"))
    figure = Figure(
        key="caseload",
        title=_("Caseload per caseworker"),
        row_heading=_("Caseworker"),
        columns=[_("Open cases"), _("Overdue tasks")],
    )
    names.sort(key=lambda row: (-counted.staff.get(("caseload", row[0]), 0), row[1], row[0]))
    if not every and len(names) > CASELOAD_ROWS:
        figure.note = _("The %(count)s caseworkers with the most open cases.") % {
            "count": CASELOAD_ROWS
        }
        label = _("Show all %(count)s caseworkers") % {"count": len(names)}
        figure.more = (str(label), link("reports:dashboard", params, caseload="all"))
        names = names[:CASELOAD_ROWS]
    for pk, full_name in names:
        case_params = {**params, "caseworker": str(pk)}
        figure.rows.append(
            (
                full_name,
                [
                    Cell(
                        counted.staff.get(("caseload", pk), 0),
                        link("cases:list", case_params, open="true"),
                    ),
                    Cell(
                        counted.staff.get(("overdue_assignee", pk), 0),
                        link("cases:task_list", params, assignee=pk, overdue="true"),
                    ),
                ],
            )
        )
    return figure


def overdue_work(sums: Sums, params: dict[str, str]) -> Figure:
    """What is late or about to be (partners' figures are added by the caller).

    Each count is a named rule (cases/models.py) over the dashboard's cases as of the
    last refresh: the very rule the case or task list applies to the link beside it.
    """
    overdue_tasks = sums.get(("overdue_task", ""), 0)
    return Figure(
        key="overdue",
        title=_("Overdue work"),
        row_heading=_("What"),
        columns=[_("Count")],
        chart_type="bar",
        rows=[
            (
                str(_("Overdue tasks")),
                [Cell(overdue_tasks, link("cases:task_list", params, overdue="true"))],
            ),
            (
                str(_("Cases awaiting an identification decision")),
                [
                    Cell(
                        sums.get(("awaiting", ""), 0),
                        link("cases:list", params, awaiting_decision="true"),
                    )
                ],
            ),
            (
                str(_("Cases with a permit expired or expiring within 30 days")),
                [
                    Cell(
                        sums.get(("permit_expiring", ""), 0),
                        link("cases:list", params, permit_expiring="true"),
                    )
                ],
            ),
            (
                str(_("Cases with an expired permit")),
                [
                    Cell(
                        sums.get(("permit_expired", ""), 0),
                        link("cases:list", params, permit_expired="true"),
                        alert=True,
                    )
                ],
            ),
        ],
    )


# --- imported reference data --------------------------------------------------------------


def imported_distribution(sums: Sums) -> list[Figure]:
    """Source values of imported rows Harbor has no field for (year band, adult or
    minor, regions), kept as imported; empty when the scope holds no imported row.
    These counts have no list behind them."""
    specs = (
        ("year_band", _("Imported cases by year of registration (band)"), _("Years")),
        ("majority_status", _("Imported victims: adult or minor"), _("Adult or minor")),
        ("origin_region", _("Imported victims by region of origin"), _("Region")),
        ("exploitation_region", _("Imported victims by region of exploitation"), _("Region")),
    )
    figures = []
    for column, title, heading in specs:
        figure = Figure(
            key=f"imported-{column}",
            title=title,
            row_heading=heading,
            columns=[_("Records")],
            note=_("As recorded in the source; empty values are unknown."),
        )
        values = sorted(v for (fig, v), n in sums.items() if fig == f"imported-{column}" and n)
        for value in values:
            n = sums[(f"imported-{column}", value)]
            figure.rows.append((value or str(_("Unknown")), [Cell(n)]))
        figures.append(figure)
    return figures


def without_jit(alias: str) -> None:
    """No JIT compiling for the rest of the transaction (PostgreSQL): the dashboard's
    queries are short, and compiling them took longer than running them (1.3 s of
    the referral figures at 1,000,000 cases)."""
    connection = connections[alias]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")


def last_refresh(agency_id: int) -> FigureRefresh | None:
    return FigureRefresh.objects.filter(agency_id=agency_id).first()


def counted(scope: Scope, today: datetime.date, alias: str) -> Counted:
    """The sums the figures are drawn from: the stored cube's, or for one caseworker
    their cases counted now (a few hundred cases: index lookups)."""
    if not scope.caseworker:
        return _from_cube(scope)
    live = cube.compute([scope.agency_id], today, caseworker=scope.caseworker, using=alias)
    return _from_live(scope, live)


def dashboard_figures(
    params: dict[str, str],
    *,
    user: User,
    today: datetime.date,
    alias: str = DEFAULT_DB_ALIAS,
    every_caseworker: bool = False,
) -> dict[str, list[Figure]]:
    """Every figure of the dashboard, by section, from the agency's summary cube (a fixed
    number of queries over a bounded number of cube rows, whatever the number of cases).

    `params` are the filter parameters already widened to whole months (whole_months);
    `alias` is the database the counts are read from.
    """
    if user.agency_id is None:
        raise PermissionDenied  # The dashboard is agency staff's (policy.SEES_AGENCY).
    scope = scope_of(user.agency_id, params)
    sums = counted(scope, today, alias)
    partners = _partners(scope.agency_id)
    overdue = overdue_work(sums.sums, params)
    overdue.rows += partner_overdue_rows(partners)
    return {
        "stages": open_cases_by_stage(sums.sums, params),
        "intake": [
            new_cases_by_month(sums.by_month, scope, params, today),
            cases_by_exploitation(sums.by_month, params),
        ],
        "victims": [
            victims_by_sex(sums.sums, params),
            victims_by_age_band(sums.sums, params),
            victims_by_nationality(sums.sums, params),
        ],
        "durations": [time_to_decision_and_closure(sums.sums, today)],
        "work": [caseload(sums, scope, params, every=every_caseworker), overdue],
        "partnership": partnership_figures(user, today, partners),
        "imported": [f for f in imported_distribution(sums.sums) if f.rows],
    }


# --- prevention and partnership -----------------------------------------------------------
# These count the cooperation and partners apps' own scopes (Referral/MLARequest/
# PreventionActivity.visible_to) so each count equals its partners list; the dashboard's
# case filters (dates, type, caseworker) do not apply to them: those lists cannot filter
# by case.


def partnership_figures(user: User, today: datetime.date, partners: dict[str, int]) -> list[Figure]:
    """Referrals by direction and outcome (counted at the refresh: reports/partnership.py),
    and this year's prevention activities (one query)."""
    referral_figure = Figure(
        key="referrals",
        title=_("Referrals sent and received"),
        row_heading=_("Direction"),
        columns=[_("All"), _("Accepted"), _("Declined")],
    )
    for direction, label in (("out", _("Sent")), ("in", _("Received"))):
        cells = []
        for status in partnership.STATUSES:
            extra = {"status": status} if status else {}
            url = link("cooperation:referral_list", {}, direction=direction, **extra)
            n = partners.get(partnership.referral_key(direction, status), 0)
            cells.append(Cell(n, url))
        referral_figure.rows.append((str(label), cells))
    agency_id = user.agency_id
    agency = user.agency
    if agency is None:
        raise PermissionDenied  # The dashboard is agency staff's (policy.SEES_AGENCY).
    activities = (
        PreventionActivity.objects.visible_to(user)
        .for_agency(agency)
        .in_year(today.year)
        .values("activity_type")
        .annotate(n=Count("pk"), people=Sum("participants"))
        .order_by()
    )
    by_type = {row["activity_type"]: row for row in activities}
    activity_figure = Figure(
        key="activities",
        title=_("Prevention activities this year, by type"),
        row_heading=_("Type"),
        columns=[_("Activities"), _("Participants")],
        note=_("Participants are people counted at the activity, not records."),
    )
    for value, label in ActivityType.choices:
        row = by_type.get(value, {"n": 0, "people": 0})
        url = link("partners:activity_list", {}, type=value, year=today.year, agency=agency_id)
        activity_figure.rows.append((str(label), [Cell(row["n"], url), Cell(row["people"] or 0)]))
    return [activity_figure, referral_figure]


def partner_overdue_rows(partners: dict[str, int]) -> list[tuple[str, list[Cell]]]:
    """Referrals awaiting a response and MLA replies overdue (counted at the refresh)."""
    return [
        (
            str(_("Referrals awaiting a response")),
            [
                Cell(
                    partners.get("awaiting", 0),
                    link("cooperation:referral_list", {}, awaiting="1"),
                )
            ],
        ),
        (
            str(_("MLA replies overdue")),
            [Cell(partners.get("mla_overdue", 0), link("cooperation:mla_list", {}, overdue="1"))],
        ),
    ]
