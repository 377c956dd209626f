import django_filters
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from accounts.models import User
from cases.models import (
    Case,
    CaseExploitation,
    CaseStatus,
    ExploitationType,
    IdentificationStatus,
    ProsecutionStatus,
    ProtectionStatus,
    RiskLevel,
    Task,
)


class CaseFilter(django_filters.FilterSet):
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
        choices=ExploitationType.choices,
        method="filter_exploitation",
    )
    caseworker = django_filters.ModelChoiceFilter(
        label=_("Caseworker"), field_name="caseworkers", queryset=User.objects.none()
    )
    nationality = django_filters.ChoiceFilter(
        label=_("Nationality"), field_name="person__nationality", choices=countries
    )
    risk_level = django_filters.ChoiceFilter(label=_("Risk"), choices=RiskLevel.choices)
    intake_after = django_filters.DateFilter(
        label=_("Intake from"), field_name="intake_date", lookup_expr="gte"
    )
    intake_before = django_filters.DateFilter(
        label=_("Intake until"), field_name="intake_date", lookup_expr="lte"
    )
    overdue = django_filters.BooleanFilter(label=_("Overdue tasks"), method="filter_overdue")
    order = django_filters.OrderingFilter(
        label=_("Sort by"),
        fields=(
            ("reference", "reference"),
            ("intake_date", "intake"),
            ("risk_level", "risk"),
            ("status", "status"),
            ("updated_at", "updated"),
        ),
        field_labels={
            "reference": _("Reference number"),
            "intake_date": _("Intake date"),
            "risk_level": _("Risk"),
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

    def filter_exploitation(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(pk__in=CaseExploitation.objects.filter(type=value).values("case_id"))

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        overdue_cases = Task.objects.open().filter(due_date__lt=timezone.localdate())
        ids = overdue_cases.values("case_id")
        return queryset.filter(pk__in=ids) if value else queryset.exclude(pk__in=ids)
