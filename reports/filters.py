import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from cases.filters import NOT_RECORDED
from cases.models import Case, CaseExploitation, ExploitationType
from listing import FilterSet
from widgets import DateFilter, DateInput


class DashboardFilter(FilterSet):
    """The dashboard's filters, named like the case list's so every link carries them."""

    intake_after = DateFilter(
        label=_("Intake from"), field_name="intake_date", lookup_expr="gte", widget=DateInput
    )
    intake_before = DateFilter(
        label=_("Intake until"), field_name="intake_date", lookup_expr="lte", widget=DateInput
    )
    exploitation = django_filters.ChoiceFilter(
        label=_("Type of exploitation"),
        choices=[*ExploitationType.choices, (NOT_RECORDED, _("Not recorded"))],
        method="filter_exploitation",
    )
    caseworker = django_filters.ModelChoiceFilter(
        label=_("Caseworker"), field_name="caseworkers", queryset=User.objects.none()
    )

    class Meta:
        model = Case
        fields: list[str] = []

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        agency_id = getattr(getattr(self.request, "user", None), "agency_id", None)
        # A national agency has a thousand caseworkers: an option needs only their name.
        staff = User.objects.in_agency(agency_id).caseworkers()
        self.filters["caseworker"].queryset = staff.only("pk", "full_name", "email")

    def filter_exploitation(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == NOT_RECORDED:
            return queryset.exclude(pk__in=CaseExploitation.objects.values("case_id"))
        return queryset.filter(pk__in=CaseExploitation.objects.filter(type=value).values("case_id"))

    def link_params(self) -> dict[str, str]:
        """The applied filters as query parameters, for the links to the lists."""
        if not self.is_bound:
            return {}
        params = {}
        for key, value in self.form.cleaned_data.items():
            if value in (None, ""):
                continue
            params[key] = str(value.pk) if isinstance(value, User) else str(value)
        return params
