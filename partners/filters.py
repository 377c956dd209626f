from decimal import Decimal

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from listing import FilterSet, OrderingFilter
from partners.models import (
    ActivityType,
    Agency,
    AgencyType,
    Agreement,
    AgreementQuerySet,
    PreventionActivity,
    PreventionActivityQuerySet,
)
from widgets import country_choices


class AgencyFilter(FilterSet):
    q = django_filters.CharFilter(label=_("Name or code"), method="search", max_length=100)
    agency_type = django_filters.ChoiceFilter(label=_("Type"), choices=AgencyType.choices)
    country = django_filters.ChoiceFilter(label=_("Country"), choices=country_choices)
    is_active = django_filters.BooleanFilter(label=_("Active"))
    order = OrderingFilter(
        label=_("Sort by"),
        fields=(("name", "name"), ("agency_type", "type"), ("country", "country")),
        field_labels={"name": _("Name"), "agency_type": _("Type"), "country": _("Country")},
    )

    class Meta:
        model = Agency
        fields = ["q", "agency_type", "country", "is_active"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(Q(name__icontains=value) | Q(code__icontains=value))


YES = [("1", _("Yes"))]


class ActivityFilter(FilterSet):
    type = django_filters.ChoiceFilter(
        label=_("Type"), choices=ActivityType.choices, field_name="activity_type"
    )
    year = django_filters.NumberFilter(
        label=_("Year"), method="filter_year", min_value=1900, max_value=2999
    )
    agency = django_filters.ModelChoiceFilter(
        label=_("Agency"), queryset=Agency.objects.all(), method="filter_agency"
    )

    class Meta:
        model = PreventionActivity
        fields = ["type", "year", "agency"]

    def filter_year(
        self, queryset: PreventionActivityQuerySet, name: str, value: Decimal
    ) -> QuerySet:
        return queryset.in_year(int(value))

    def filter_agency(
        self, queryset: PreventionActivityQuerySet, name: str, value: Agency
    ) -> QuerySet:
        return queryset.for_agency(value)


class AgreementFilter(FilterSet):
    q = django_filters.CharFilter(label=_("Title or party"), method="search", max_length=100)
    foreign_country = django_filters.ChoiceFilter(label=_("Country"), choices=country_choices)
    expiring = django_filters.ChoiceFilter(
        label=_("Expiring within 90 days"), choices=YES, method="filter_expiring"
    )

    class Meta:
        model = Agreement
        fields = ["q", "foreign_country", "expiring"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(Q(title__icontains=value) | Q(foreign_party__icontains=value))

    def filter_expiring(self, queryset: AgreementQuerySet, name: str, value: str) -> QuerySet:
        return queryset.expiring()
