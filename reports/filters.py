import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from cases.filters import NOT_RECORDED
from cases.models import Case, CaseExploitation, ExploitationType
from listing import STAFF_CHOICES, FilterSet, bound_staff_choices
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
    # Past STAFF_CHOICES caseworkers the dropdown offers the reader and the chosen one;
    # a name finds the others (the view turns it into `caseworker`, or lists the matches).
    caseworker_name = django_filters.CharFilter(
        label=_("Caseworker's name"), method="named_caseworker", max_length=150
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
        bound_staff_choices(self, ("caseworker",))

    def named_caseworker(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """The name narrows nothing itself: the view looks the caseworker up
        (`caseworkers_named`) and filters by the one it finds."""
        return queryset

    def caseworkers_named(self) -> list[User]:
        """The agency's caseworkers whose name contains the "Caseworker's name" text, at
        most STAFF_CHOICES + 1 of them (none without a text, or with a caseworker chosen)."""
        data = self.form.cleaned_data if self.is_bound and self.form.is_valid() else {}
        text = data.get("caseworker_name")
        if not text or data.get("caseworker"):
            return []
        staff = self.filters["caseworker"].queryset.filter(full_name__icontains=text)
        return list(staff.order_by("full_name", "pk")[: STAFF_CHOICES + 1])

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
            if value in (None, "") or key == "caseworker_name":
                continue
            params[key] = str(value.pk) if isinstance(value, User) else str(value)
        return params
