import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from accounts.models import User
from cases.filters import NOT_RECORDED
from cases.models import Case, CaseExploitation, ExploitationType
from listing import FilterSet, bound_staff_choices
from victims.models import AgeBand, Person, Sex
from widgets import DateFilter, DateInput, country_choices

UNKNOWN = "unknown"


def _keep(queryset: QuerySet, name: str, value: object) -> QuerySet:
    """Case-level filters are applied together in PersonFilter.filter_queryset."""
    return queryset


class CountryListField(forms.CharField):
    """Comma-separated ISO country codes, each one a known country."""

    def clean(self, value: str) -> list[str]:
        value = super().clean(value)
        codes = [code.strip().upper() for code in (value or "").split(",") if code.strip()]
        if any(code not in countries for code in codes):
            raise forms.ValidationError(_("Unknown country code."))
        return codes


class CountryListFilter(django_filters.Filter):
    field_class = CountryListField


class PersonFilter(FilterSet):
    """Filters on non-identifying fields only: identifying ones are encrypted.

    The case-level filters (intake dates, exploitation, caseworker, `with_case`) keep
    the people with at least one case the user may see that meets all of them at
    once: the dashboard's victim figures link here and must count the same people.
    """

    nationality = django_filters.ChoiceFilter(
        label=_("Nationality"),
        choices=lambda: [(UNKNOWN, _("Unknown")), *country_choices()],
        method="filter_nationality",
    )
    nationality_other = CountryListFilter(
        label=_("Other nationality than"), method="filter_nationality_other", max_length=400
    )
    sex = django_filters.ChoiceFilter(label=_("Sex/gender"), choices=Sex.choices)
    age_band = django_filters.ChoiceFilter(
        label=_("Age band"),
        choices=[*AgeBand.choices, (UNKNOWN, _("Unknown"))],
        method="filter_age_band",
    )
    with_case = django_filters.BooleanFilter(label=_("With a case"), method=_keep)
    exploitation = django_filters.ChoiceFilter(
        label=_("Type of exploitation"),
        choices=[*ExploitationType.choices, (NOT_RECORDED, _("Not recorded"))],
        method=_keep,
    )
    caseworker = django_filters.ModelChoiceFilter(
        label=_("Caseworker"), queryset=User.objects.none(), method=_keep
    )
    intake_after = DateFilter(label=_("Intake from"), method=_keep, widget=DateInput)
    intake_before = DateFilter(label=_("Intake until"), method=_keep, widget=DateInput)

    counts_in_list_order = True

    class Meta:
        model = Person
        fields: list[str] = []

    def __init__(self, *args, listed_rows: int | None = None, **kwargs) -> None:
        """`listed_rows`: a list that reads no more than its first so many people (the
        person list, `listing.COUNT_CAP` + 1) may get only those (an agency's list with a
        case-level filter is cut there); None gets them all."""
        super().__init__(*args, **kwargs)
        self.listed_rows = listed_rows
        agency_id = getattr(getattr(self.request, "user", None), "agency_id", None)
        self.filters["caseworker"].queryset = User.objects.in_agency(agency_id).caseworkers()
        # A national agency's thousand caseworkers: the same bounded dropdown as the case list.
        bound_staff_choices(self, ("caseworker",))

    def filter_nationality(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(nationality="" if value == UNKNOWN else value)

    def filter_nationality_other(self, queryset: QuerySet, name: str, value: list) -> QuerySet:
        return queryset.exclude(nationality="").exclude(nationality__in=value)

    def filter_age_band(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(age_band="" if value == UNKNOWN else value)

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        case_keys = ("exploitation", "caseworker", "intake_after", "intake_before")
        if not (data.get("with_case") or any(data.get(key) for key in case_keys)):
            return queryset
        user = self.request.user
        if not user.sees_whole_agency:
            # A caseworker's people come from their own cases, few by design: the scope
            # narrowed to those that match, the person-level filters applied again.
            people = Person.objects.visible_to(user, with_case=self._case_conditions())
            return super().filter_queryset(people).order_by(*queryset.query.order_by)
        # The user's cases, their person's archive rule left to the person row each is
        # tested for (already checked by the person's own scope): a probe of the person
        # per matching case less (5,600 of them for last month's intakes at 1,000,000).
        cases = Case.objects.unarchived().of_agency_scope(user).filter(self._case_conditions())
        # No person newer than the newest one with such a case can match: a bound the
        # agency's list (newest first) starts from instead of walking every newer person.
        # Read from the cases alone (without the person's archive rule, which only makes
        # it looser, never wrong): "intake until a year ago" walked a national agency's
        # 70,000 people of the last year to find the first (556 ms at 1,000,000 cases;
        # the bound reads one index backward, 12 ms). A caseworker's list, read from their
        # own cases, only got slower with it (103 -> 160 ms for the 40th page).
        # Read first, as a value: both sides of the walk, the people and their cases,
        # then start from it (as a subquery, only the people did; the cases side walked
        # the year's 70,000 again: 35 -> 29-33 ms), and no case matching means no walk.
        bound = cases.order_by("-person_id").values_list("person_id", flat=True).first()
        if bound is None:
            return queryset.none()
        cases = cases.filter(person_id__lte=bound)
        if self.listed_rows is None:
            return queryset.filter(Exists(cases.filter(person_id=OuterRef("pk"))), pk__lte=bound)
        # A list reads only its first `listed_rows` people. Those are found without the
        # scope's per-person probes (its OR of two subqueries made PostgreSQL hash every
        # matching case and probe each person instead of walking the people newest first:
        # 5,600 people for last month's intakes at 1,000,000 cases, 28 ms against 4), then
        # the scope is applied to them. They are the list's first rows all the same: a
        # matching case is one of the scope's (`of_agency_scope`, unarchived) and the
        # person is active, so every one of them is visible (the scope only makes sure).
        first = (
            super()
            .filter_queryset(Person.objects.active())
            .filter(Exists(cases.filter(person_id=OuterRef("pk"))), pk__lte=bound)
            .order_by(*queryset.query.order_by)
            .values("pk")[: self.listed_rows]
        )
        return queryset.filter(pk__in=first)

    def _case_conditions(self) -> Q:
        """The chosen case-level filters, all at once, as a condition on a case."""
        data = self.form.cleaned_data
        conditions = Q()
        if data.get("intake_after"):
            conditions &= Q(intake_date__gte=data["intake_after"])
        if data.get("intake_before"):
            conditions &= Q(intake_date__lte=data["intake_before"])
        recorded = CaseExploitation.objects.filter(case_id=OuterRef("pk"))
        if data.get("exploitation") == NOT_RECORDED:
            conditions &= ~Q(Exists(recorded))
        elif data.get("exploitation"):
            conditions &= Q(Exists(recorded.filter(type=data["exploitation"])))
        if data.get("caseworker"):
            conditions &= Q(caseworkers=data["caseworker"])
        return conditions
