import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from listing import FilterSet, OrderingFilter
from policy import Role


class StaffFilter(FilterSet):
    q = django_filters.CharFilter(label=_("Name or email"), method="search", max_length=100)
    role = django_filters.ChoiceFilter(label=_("Role"), choices=Role.choices)
    is_active = django_filters.BooleanFilter(label=_("Active"))
    order = OrderingFilter(
        label=_("Sort by"),
        fields=(("full_name", "name"), ("email", "email"), ("role", "role")),
        field_labels={"full_name": _("Name"), "email": _("Email"), "role": _("Role")},
    )

    class Meta:
        model = User
        fields = ["q", "role", "is_active"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(Q(full_name__icontains=value) | Q(email__icontains=value))
