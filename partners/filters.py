import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from partners.models import Agency, AgencyType


class AgencyFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Name or code"), method="search", max_length=100)
    agency_type = django_filters.ChoiceFilter(label=_("Type"), choices=AgencyType.choices)
    country = django_filters.ChoiceFilter(label=_("Country"), choices=countries)
    is_active = django_filters.BooleanFilter(label=_("Active"))
    order = django_filters.OrderingFilter(
        label=_("Sort by"),
        fields=(("name", "name"), ("agency_type", "type"), ("country", "country")),
        field_labels={"name": _("Name"), "agency_type": _("Type"), "country": _("Country")},
    )

    class Meta:
        model = Agency
        fields = ["q", "agency_type", "country", "is_active"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(Q(name__icontains=value) | Q(code__icontains=value))
