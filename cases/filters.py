import datetime
from collections.abc import Callable
from typing import Any, TypeVar

import django_filters
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from cases.models import (
    Case,
    CaseExploitation,
    CaseQuerySet,
    CaseStatus,
    ExploitationType,
    IdentificationStatus,
    ProsecutionStatus,
    ProtectionStatus,
    RiskLevel,
    Task,
    TaskQuerySet,
)
from listing import FilterSet, OrderingFilter, RowExists, bound_staff_choices
from widgets import DateFilter, DateInput, country_choices

# The exploitation filter value for cases with no type recorded (e.g. imported rows).
NOT_RECORDED = "unknown"


QS = TypeVar("QS", bound=QuerySet[Any])


def _named_rule(queryset: QS, rule: Callable[[QS], QuerySet[Any]], value: bool | None) -> QuerySet:
    """A named QuerySet rule as a yes/no filter: yes keeps the rows it matches, no the others
    (a correlated NOT EXISTS on the row's own id, never `NOT IN (subquery)`)."""
    if value:
        return rule(queryset)
    return queryset.exclude(Exists(rule(queryset.model.objects.all()).filter(pk=OuterRef("pk"))))


def _staff_named(filterset: FilterSet, value: str) -> list[int]:
    """The ids of the reader's agency's staff whose name contains the text."""
    agency_id = getattr(getattr(filterset.request, "user", None), "agency_id", None)
    return User.objects.in_agency(agency_id).ids_named(value)


def _worked_by(queryset: QuerySet, user_ids: list[int], case: str = "pk") -> QuerySet:
    """Rows whose case has one of these caseworkers (EXISTS: a case with two of them is
    one row)."""
    assigned = Case.caseworkers.through.objects.filter(case_id=OuterRef(case), user_id__in=user_ids)
    return queryset.filter(Exists(assigned))


def _exploitation(
    queryset: QuerySet, value: str, case: str = "pk", along: bool = False
) -> QuerySet:
    """Rows whose case has the exploitation type, or none recorded (NOT_RECORDED).

    `along=True` for a list of a case's rows in an order of their own (tasks by due date):
    "none recorded" then probes each row's case as the list is read (RowExists). As a plain
    NOT EXISTS, PostgreSQL expected almost no row to match, hash-joined every case of the
    country and sorted what was left: 1.9 s for an agency's tasks at 1,000,000 cases, 33 ms
    probing along the list (issue 12). A recorded type stays a plain EXISTS: PostgreSQL
    knows how common each type is and reads a rare one's cases first (1.2 s probing along
    the list for a type no case has)."""
    recorded = CaseExploitation.objects.filter(case_id=OuterRef(case))
    if value == NOT_RECORDED:
        return queryset.exclude((RowExists if along else Exists)(recorded))
    return queryset.filter(Exists(recorded.filter(type=value)))


class CaseFilter(FilterSet):
    # Each order of the list has its index (Case.Meta): the count reads the first 1,001
    # ids along it and the page is a slice of them (listing.CappedPaginator). Counted by
    # id, then paged in the list's order, a filter few newer cases meet was walked twice:
    # an expired permit's page 40 probed 52,000 cases each time (128 ms at a million
    # cases; 79 ms in one walk).
    counts_in_list_order = True

    q = django_filters.CharFilter(
        label=_("Reference number"), field_name="reference", lookup_expr="icontains", max_length=32
    )
    status = django_filters.ChoiceFilter(label=_("Case status"), choices=CaseStatus.choices)
    identification_status = django_filters.ChoiceFilter(
        label=_("Identification"), choices=IdentificationStatus.choices
    )
    protection_status = django_filters.ChoiceFilter(
        label=_("Protection"), choices=ProtectionStatus.choices
    )
    prosecution_status = django_filters.ChoiceFilter(
        label=_("Prosecution"), choices=ProsecutionStatus.choices
    )
    exploitation = django_filters.ChoiceFilter(
        label=_("Type of exploitation"),
        choices=[*ExploitationType.choices, (NOT_RECORDED, _("Not recorded"))],
        method="filter_exploitation",
    )
    caseworker = django_filters.ModelChoiceFilter(
        label=_("Caseworker"), field_name="caseworkers", queryset=User.objects.none()
    )
    caseworker_name = django_filters.CharFilter(
        label=_("Caseworker's name"), method="filter_caseworker_name", max_length=150
    )
    nationality = django_filters.ChoiceFilter(
        label=_("Nationality"), field_name="person__nationality", choices=country_choices
    )
    risk_level = django_filters.ChoiceFilter(label=_("Risk"), choices=RiskLevel.choices)
    intake_after = DateFilter(
        label=_("Intake from"), field_name="intake_date", lookup_expr="gte", widget=DateInput
    )
    intake_before = DateFilter(
        label=_("Intake until"), field_name="intake_date", lookup_expr="lte", widget=DateInput
    )
    overdue = django_filters.BooleanFilter(label=_("Overdue tasks"), method="filter_overdue")
    open = django_filters.BooleanFilter(label=_("Open (not closed)"), method="filter_open")
    awaiting_decision = django_filters.BooleanFilter(
        label=_("Open, awaiting an identification decision"), method="filter_awaiting_decision"
    )
    permit_expiring = django_filters.BooleanFilter(
        label=_("Permit expired or expiring within 30 days"), method="filter_permit_expiring"
    )
    permit_expired = django_filters.BooleanFilter(
        label=_("Permit expired"), method="filter_permit_expired"
    )
    order = OrderingFilter(
        label=_("Sort by"),
        fields=(
            ("reference", "reference"),
            ("intake_date", "intake"),
            ("risk_rank", "risk"),
            ("status", "status"),
            ("updated_at", "updated"),
        ),
        field_labels={
            "reference": _("Reference number"),
            "intake_date": _("Intake date"),
            "risk_rank": _("Risk"),
            "status": _("Case status"),
            "updated_at": _("Last change"),
        },
    )

    class Meta:
        model = Case
        fields: list[str] = []

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        user = getattr(self.request, "user", None)
        agency_id = getattr(user, "agency_id", None)
        self.filters["caseworker"].queryset = User.objects.in_agency(agency_id).caseworkers()
        bound_staff_choices(self, ("caseworker",))

    def filter_exploitation(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return _exploitation(queryset, value)

    def filter_caseworker_name(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return _worked_by(queryset, _staff_named(self, value))

    # Each named filter is a CaseQuerySet rule (cases/models.py), never spelled here;
    # "no" keeps the cases the rule leaves out.

    def filter_open(self, queryset: CaseQuerySet, name: str, value: bool | None) -> QuerySet:
        return queryset.open() if value else queryset.closed()

    def filter_awaiting_decision(
        self, queryset: CaseQuerySet, name: str, value: bool | None
    ) -> QuerySet:
        return _named_rule(queryset, CaseQuerySet.awaiting_decision, value)

    def filter_permit_expiring(
        self, queryset: CaseQuerySet, name: str, value: bool | None
    ) -> QuerySet:
        return _named_rule(queryset, CaseQuerySet.with_expiring_permits, value)

    def filter_permit_expired(
        self, queryset: CaseQuerySet, name: str, value: bool | None
    ) -> QuerySet:
        return _named_rule(queryset, CaseQuerySet.with_expired_permits, value)

    def filter_overdue(self, queryset: CaseQuerySet, name: str, value: bool | None) -> QuerySet:
        return _named_rule(queryset, CaseQuerySet.with_overdue_tasks, value)


class TaskFilter(FilterSet):
    """Tasks across the cases a user may see; case-level filters match the case list's."""

    status = django_filters.ChoiceFilter(label=_("Status"), choices=Task.Status.choices)
    overdue = django_filters.BooleanFilter(label=_("Overdue"), method="filter_overdue")
    assignee = django_filters.ModelChoiceFilter(
        label=_("Assigned to"), field_name="assignee", queryset=User.objects.none()
    )
    assignee_name = django_filters.CharFilter(
        label=_("Assignee's name"), method="filter_assignee_name", max_length=150
    )
    exploitation = django_filters.ChoiceFilter(
        label=_("Type of exploitation"),
        choices=[*ExploitationType.choices, (NOT_RECORDED, _("Not recorded"))],
        method="filter_exploitation",
    )
    caseworker = django_filters.ModelChoiceFilter(
        label=_("Caseworker of the case"),
        field_name="case__caseworkers",
        queryset=User.objects.none(),
    )
    caseworker_name = django_filters.CharFilter(
        label=_("Caseworker's name"), method="filter_caseworker_name", max_length=150
    )
    # On the task's copy of its case's intake date (Task.case_intake_date): read in the
    # list's index, never by probing each task's case (1 s at 1,000,000 cases).
    intake_after = DateFilter(
        label=_("Intake from"),
        field_name="case_intake_date",
        method="filter_intake_after",
        widget=DateInput,
    )
    intake_before = DateFilter(
        label=_("Intake until"), field_name="case_intake_date", lookup_expr="lte", widget=DateInput
    )

    # Every filter of the list starts from its order's index (due date, id): the count
    # reads the rows along it, as the list's last page does (an intake filter's count by
    # id probed the cases of 10,000 tasks at a million cases).
    counts_in_list_order = True

    class Meta:
        model = Task
        fields: list[str] = []

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        agency_id = getattr(getattr(self.request, "user", None), "agency_id", None)
        self.filters["caseworker"].queryset = User.objects.in_agency(agency_id).caseworkers()
        self.filters["assignee"].queryset = User.objects.in_agency(agency_id)
        bound_staff_choices(self, ("assignee", "caseworker"))

    def filter_overdue(self, queryset: TaskQuerySet, name: str, value: bool | None) -> QuerySet:
        return _named_rule(queryset, TaskQuerySet.overdue, value)

    def filter_exploitation(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return _exploitation(queryset, value, case="case_id", along=True)

    def filter_intake_after(
        self, queryset: TaskQuerySet, name: str, value: datetime.date | None
    ) -> QuerySet:
        return queryset.of_cases_from(value) if value else queryset

    def filter_caseworker_name(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return _worked_by(queryset, _staff_named(self, value), case="case_id")

    def filter_assignee_name(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(assignee_id__in=_staff_named(self, value))
