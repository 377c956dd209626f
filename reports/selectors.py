"""The dashboard's figures: each a function over an already scoped case queryset.

Every figure is aggregated by the database (COUNT ... GROUP BY, conditional counts)
in a fixed number of queries, whatever the number of cases; Python only arranges
the aggregated rows. Every count carries the URL of the list that shows exactly
those records (the case, people and task lists with filter parameters).
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.db.models import (
    Count,
    DateField,
    DurationField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import ExtractQuarter, ExtractYear, TruncDate, TruncMonth
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from accounts.models import User
from cases.models import (
    CaseExploitation,
    CaseQuerySet,
    CaseStatus,
    ExploitationType,
    IdentificationStatus,
    ProsecutionStatus,
    ProtectionStatus,
    Task,
    Track,
    TrackTransition,
)
from cooperation.models import MLARequest, Referral
from partners.models import ActivityType, PreventionActivity
from reports.models import ImportedRecord
from victims.models import AgeBand, IdentificationDecision, Person, Sex

if TYPE_CHECKING:
    from django.utils.functional import Promise

MONTHS = 24
QUARTERS = 8
TOP_COUNTRIES = 5
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
    return reverse(name) + ("?" + urlencode(sorted(query.items())) if query else "")


# --- cases by stage ------------------------------------------------------------------

STAGE_TRACKS = (
    (Track.IDENTIFICATION, "identification_status", IdentificationStatus),
    (Track.PROTECTION, "protection_status", ProtectionStatus),
    (Track.PROSECUTION, "prosecution_status", ProsecutionStatus),
)


def open_cases_by_stage(cases: CaseQuerySet, params: dict[str, str]) -> list[Figure]:
    """Open cases at each stage of each track, and closure requests (one query)."""
    aggregates = {
        f"{fld}__{status}": Count("pk", filter=Q(**{fld: status}))
        for _track, fld, choices in STAGE_TRACKS
        for status in choices.values
    }
    # A closure request is an open case (CaseQuerySet.open), so one scan counts all.
    aggregates["closure_requested"] = Count("pk", filter=Q(status=CaseStatus.CLOSURE_REQUESTED))
    counts = cases.open().aggregate(**aggregates)
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
            figure.rows.append((str(label), [Cell(counts[f"{fld}__{status}"], url)]))
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
                        counts["closure_requested"],
                        link("cases:list", params, status=CaseStatus.CLOSURE_REQUESTED),
                    )
                ],
            )
        ],
    )
    return [*figures, closure]


def cases_by_exploitation(cases: CaseQuerySet, params: dict[str, str]) -> Figure:
    """Cases by type of exploitation, whatever their intake date (one query).

    A case of two types counts under each; "not recorded" counts the cases with none.
    """
    aggregates = {
        t.value: Count(
            "pk", filter=Q(pk__in=CaseExploitation.objects.filter(type=t).values("case_id"))
        )
        for t in ExploitationType
    }
    aggregates[UNKNOWN] = Count("pk", filter=~Q(pk__in=CaseExploitation.objects.values("case_id")))
    counts = cases.aggregate(**aggregates)
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
        figure.rows.append((str(label), [Cell(counts[value], url)]))
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


def new_cases_by_month(cases: CaseQuerySet, params: dict[str, str], today: datetime.date) -> Figure:
    """New cases per intake month and type of exploitation, last 24 months (2 queries).

    A case of two types counts once under each type and once in the total. Cases
    without an intake date (imported reference data) are not in any month.
    """
    months = _month_starts(today, MONTHS)
    recent = cases.filter(intake_date__gte=months[0], intake_date__lte=today)
    by_type = (
        CaseExploitation.objects.filter(case__in=recent.values("pk"))
        .annotate(month=TruncMonth("case__intake_date"))
        .values("month", "type")
        .annotate(n=Count("case_id", distinct=True))
    )
    totals = (
        recent.annotate(month=TruncMonth("intake_date")).values("month").annotate(n=Count("pk"))
    )
    counts = {(_as_date(row["month"]), row["type"]): row["n"] for row in by_type}
    total_counts = {_as_date(row["month"]): row["n"] for row in totals}
    # With the dashboard filtered to one type, another type's count would mean "both
    # types", which no list can show: only the filtered type gets a column.
    types = [
        t
        for t in ExploitationType
        if any(key[1] == t for key in counts) and params.get("exploitation", t) == t
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
            value = total_counts.get(start, 0) if t is None else counts.get((start, t), 0)
            extra = {"exploitation": t} if t else {}
            url = link("cases:list", params, **bounds, **extra) if bounds else ""
            cells.append(Cell(value, url))
        figure.rows.append((start.strftime("%Y-%m"), cells))
    return figure


def _as_date(value: datetime.date | datetime.datetime) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


def _clip(start: datetime.date, end: datetime.date, params: dict[str, str]) -> dict[str, str]:
    """The month's date range narrowed by the dashboard's own date filter."""
    after = max(start, datetime.date.fromisoformat(params.get("intake_after", start.isoformat())))
    before = min(end, datetime.date.fromisoformat(params.get("intake_before", end.isoformat())))
    if after > before:
        return {}
    return {"intake_after": after.isoformat(), "intake_before": before.isoformat()}


# --- victims ------------------------------------------------------------------------------


def victims_of(cases: CaseQuerySet) -> QuerySet[Person]:
    """The people of already scoped cases; an archived person is never counted."""
    return Person.objects.active().filter(pk__in=cases.values("person_id"))


def _person_params(params: dict[str, str]) -> dict[str, str]:
    return {**params, "with_case": "true"}


def victims_by_sex(cases: CaseQuerySet, params: dict[str, str]) -> Figure:
    rows = victims_of(cases).values("sex").annotate(n=Count("pk"))
    counts = {row["sex"]: row["n"] for row in rows}
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
        figure.rows.append((str(label), [Cell(counts.get(value, 0), url)]))
    return figure


def victims_by_age_band(cases: CaseQuerySet, params: dict[str, str]) -> Figure:
    rows = victims_of(cases).values("age_band").annotate(n=Count("pk"))
    counts = {row["age_band"]: row["n"] for row in rows}
    figure = Figure(
        key="victims-age",
        title=_("Victims by age band"),
        row_heading=_("Age band"),
        columns=[_("People")],
    )
    person_params = _person_params(params)
    for value, label in [*AgeBand.choices, ("", _("Unknown"))]:
        url = link("victims:person_list", person_params, age_band=value or UNKNOWN)
        figure.rows.append((str(label), [Cell(counts.get(value, 0), url)]))
    return figure


def victims_by_nationality(cases: CaseQuerySet, params: dict[str, str]) -> Figure:
    """The five most frequent nationalities, then all others, then unknown (one query)."""
    rows = victims_of(cases).values("nationality").annotate(n=Count("pk")).order_by("-n")
    counts = {str(row["nationality"]): row["n"] for row in rows}
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


def _histogram(qs: QuerySet, date_field: str) -> dict[tuple[int, int], list[tuple[int, int]]]:
    """Per (year, quarter) of `date_field`, how many cases took how many days (grouped)."""
    rows = (
        qs.annotate(
            year=ExtractYear(date_field),
            quarter=ExtractQuarter(date_field),
            took=ExpressionWrapper(F(date_field) - F("intake_date"), output_field=DurationField()),
        )
        .values("year", "quarter", "took")
        .annotate(n=Count("pk"))
        .order_by()
    )
    result: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for row in rows:
        result.setdefault((row["year"], row["quarter"]), []).append((row["took"].days, row["n"]))
    return result


def time_to_decision_and_closure(cases: CaseQuerySet, today: datetime.date) -> Figure:
    """Days from intake to the first identification decision and to closure: median
    and 90th percentile by the quarter the decision or closure happened (2 queries).

    The database groups the cases by (quarter, days); the percentiles are read off
    those groups. Cases without an intake date are left out.
    """
    quarters = _quarters(today, QUARTERS)
    since = datetime.date(quarters[0][0], (quarters[0][1] - 1) * 3 + 1, 1)
    first_decision = (
        IdentificationDecision.objects.filter(case=OuterRef("pk"))
        .order_by("decided_on")
        .values("decided_on")[:1]
    )
    decided = (
        cases.filter(intake_date__isnull=False)
        .annotate(decided=Subquery(first_decision, output_field=DateField()))
        .filter(decided__gte=since)
    )
    closed_on = (
        TrackTransition.objects.filter(
            case=OuterRef("pk"), track=Track.CASE, to_status=CaseStatus.CLOSED
        )
        .order_by("-occurred_at")
        .annotate(day=TruncDate("occurred_at"))
        .values("day")[:1]
    )
    closed = (
        cases.closed()
        .filter(intake_date__isnull=False)
        .annotate(closed=Subquery(closed_on, output_field=DateField()))
        .filter(closed__gte=since)
    )
    decisions, closures = _histogram(decided, "decided"), _histogram(closed, "closed")
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
    cases: CaseQuerySet, params: dict[str, str], agency_id: int | None, today: datetime.date
) -> Figure:
    """Open cases and overdue tasks per caseworker of the agency (one query)."""
    open_ids = cases.open().values("pk")
    overdue_ids = Task.objects.overdue(today).filter(case__in=cases.values("pk")).values("pk")
    staff = User.objects.in_agency(agency_id).caseworkers().active()
    if params.get("caseworker"):
        staff = staff.filter(pk=params["caseworker"])
    rows = staff.annotate(
        open_cases=Count("assigned_cases", filter=Q(assigned_cases__in=open_ids), distinct=True),
        overdue_tasks=Count("case_tasks", filter=Q(case_tasks__in=overdue_ids), distinct=True),
    ).order_by("full_name", "pk")
    figure = Figure(
        key="caseload",
        title=_("Caseload per caseworker"),
        row_heading=_("Caseworker"),
        columns=[_("Open cases"), _("Overdue tasks")],
    )
    for user in rows:
        case_params = {**params, "caseworker": str(user.pk)}
        figure.rows.append(
            (
                user.full_name,
                [
                    Cell(user.open_cases, link("cases:list", case_params, open="true")),
                    Cell(
                        user.overdue_tasks,
                        link("cases:task_list", params, assignee=user.pk, overdue="true"),
                    ),
                ],
            )
        )
    return figure


def overdue_work(cases: CaseQuerySet, params: dict[str, str], today: datetime.date) -> Figure:
    """What is late or about to be (four queries; partners' figures are added by the view).

    Each count is a named rule (cases/models.py) over the dashboard's cases: the very
    rule the case or task list applies to the parameters of the link beside it.
    """
    overdue_tasks = Task.objects.overdue(today).filter(case__in=cases.values("pk")).count()
    awaiting = cases.awaiting_decision().count()
    permits = cases.with_expiring_permits(today).count()
    expired = cases.with_expired_permits(today).count()
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
                [Cell(awaiting, link("cases:list", params, awaiting_decision="true"))],
            ),
            (
                str(_("Cases with a permit expired or expiring within 30 days")),
                [Cell(permits, link("cases:list", params, permit_expiring="true"))],
            ),
            (
                str(_("Cases with an expired permit")),
                [Cell(expired, link("cases:list", params, permit_expired="true"), alert=True)],
            ),
        ],
    )


# --- imported reference data --------------------------------------------------------------


def imported_distribution(cases: CaseQuerySet) -> list[Figure]:
    """Source values of imported rows Harbor has no field for (year band, adult or
    minor, regions), kept as imported; empty when the scope holds no imported row.
    One query per figure. These counts have no list behind them."""
    records = ImportedRecord.objects.for_cases(cases)
    specs = (
        ("year_band", _("Imported cases by year of registration (band)"), _("Years")),
        ("majority_status", _("Imported victims: adult or minor"), _("Adult or minor")),
        ("origin_region", _("Imported victims by region of origin"), _("Region")),
        ("exploitation_region", _("Imported victims by region of exploitation"), _("Region")),
    )
    figures = []
    for column, title, heading in specs:
        rows = records.values(column).annotate(n=Count("pk")).order_by(column)
        figure = Figure(
            key=f"imported-{column}",
            title=title,
            row_heading=heading,
            columns=[_("Records")],
            note=_("As recorded in the source; empty values are unknown."),
        )
        for row in rows:
            figure.rows.append((row[column] or str(_("Unknown")), [Cell(row["n"])]))
        figures.append(figure)
    return figures


def dashboard_figures(
    cases: CaseQuerySet, params: dict[str, str], *, user: User, today: datetime.date
) -> dict[str, list[Figure]]:
    """Every figure of the dashboard, by section (a fixed number of queries)."""
    agency_id = user.agency_id
    overdue = overdue_work(cases, params, today)
    overdue.rows += partner_overdue_rows(user, today)
    return {
        "stages": open_cases_by_stage(cases, params),
        "intake": [new_cases_by_month(cases, params, today), cases_by_exploitation(cases, params)],
        "victims": [
            victims_by_sex(cases, params),
            victims_by_age_band(cases, params),
            victims_by_nationality(cases, params),
        ],
        "durations": [time_to_decision_and_closure(cases, today)],
        "work": [caseload(cases, params, agency_id, today), overdue],
        "partnership": partnership_figures(user, today),
        "imported": [f for f in imported_distribution(cases) if f.rows],
    }


# --- prevention and partnership -----------------------------------------------------------
# These read the cooperation and partners apps' own scopes (Referral/MLARequest/PreventionActivity
# .visible_to) so each count equals its partners list; the dashboard's case filters
# (dates, type, caseworker) do not apply to them: those lists cannot filter by case.


def partnership_figures(user: User, today: datetime.date) -> list[Figure]:
    """Referrals by direction and outcome, and this year's prevention activities (2 queries).

    Received: only referrals counted (`ReferralQuerySet.counted`: never a revoked one,
    which the receiver's list hides too). Sent: every referral of the sender's list,
    revoked ones included, since each count must equal the list it links to; the
    yearly statistics count sent referrals by `counted()`.
    """
    referrals = Referral.objects.visible_to(user)
    agency_id = user.agency_id
    sides = {
        "out": Q(from_agency_id=agency_id),
        "in": Q(to_agency_id=agency_id, pk__in=Referral.objects.counted().values("pk")),
    }
    counts = referrals.aggregate(
        **{
            f"{direction}_{status or 'all'}": Count(
                "pk", filter=side & (Q(status=status) if status else Q())
            )
            for direction, side in sides.items()
            for status in ("", Referral.Status.ACCEPTED, Referral.Status.DECLINED)
        }
    )
    referral_figure = Figure(
        key="referrals",
        title=_("Referrals sent and received"),
        row_heading=_("Direction"),
        columns=[_("All"), _("Accepted"), _("Declined")],
    )
    for direction, label in (("out", _("Sent")), ("in", _("Received"))):
        cells = []
        for status in ("", Referral.Status.ACCEPTED, Referral.Status.DECLINED):
            extra = {"status": status} if status else {}
            url = link("cooperation:referral_list", {}, direction=direction, **extra)
            cells.append(Cell(counts[f"{direction}_{status or 'all'}"], url))
        referral_figure.rows.append((str(label), cells))
    agency = user.agency
    if agency is None:
        raise PermissionDenied  # The dashboard is agency staff's (policy.SEES_AGENCY).
    activities = (
        PreventionActivity.objects.visible_to(user)
        .filter(pk__in=PreventionActivity.objects.for_agency(agency).values("pk"))
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


def partner_overdue_rows(user: User, today: datetime.date) -> list[tuple[str, list[Cell]]]:
    """Referrals awaiting a response and MLA replies overdue (2 queries)."""
    awaiting = Referral.objects.visible_to(user).awaiting_response().count()
    mla = MLARequest.objects.visible_to(user).overdue(today).count()
    return [
        (
            str(_("Referrals awaiting a response")),
            [Cell(awaiting, link("cooperation:referral_list", {}, awaiting="1"))],
        ),
        (
            str(_("MLA replies overdue")),
            [Cell(mla, link("cooperation:mla_list", {}, overdue="1"))],
        ),
    ]
