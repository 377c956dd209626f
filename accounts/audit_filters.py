"""The audit viewer's filters."""

from __future__ import annotations

import datetime
from typing import Any

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.models import AuditEvent
from listing import FilterSet, bound_staff_choices
from widgets import DateFilter, DateInput


class AuditEventFilter(FilterSet):
    """Who did what, when: an agency admin narrows down their agency's trail."""

    # The staff to choose from are the reader's agency's, set per request in __init__.
    actor = django_filters.ModelChoiceFilter(label=_("Who"), queryset=None)
    actor_name = django_filters.CharFilter(
        label=_("Who (name)"), method="filter_actor_name", max_length=150
    )
    action = django_filters.ChoiceFilter(label=_("Action"), choices=AuditEvent.Action.choices)
    object_type = django_filters.CharFilter(label=_("Record type"), max_length=64)
    object_id = django_filters.CharFilter(label=_("Record id"), max_length=64)
    # Ranges on the column itself (not on its date), so they use the indexes and prune
    # the monthly partitions: the day starts and ends in the reader's time zone.
    after = DateFilter(label=_("From"), method="filter_after", widget=DateInput)
    before = DateFilter(label=_("Until"), method="filter_before", widget=DateInput)

    class Meta:
        model = AuditEvent
        fields = ["actor", "actor_name", "action", "object_type", "object_id", "after", "before"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        agency_id = getattr(self.request.user, "agency_id", None)
        staff = get_user_model()._default_manager.all()
        staff = staff.filter(agency_id=agency_id) if agency_id is not None else staff.none()
        self.filters["actor"].queryset = staff.order_by("full_name")
        # A national agency's staff run to thousands: the dropdown offers at most
        # STAFF_CHOICES of them, "Who (name)" finds the others (issue 12).
        bound_staff_choices(self, ("actor",))

    def filter_actor_name(
        self, queryset: QuerySet[AuditEvent], name: str, value: str
    ) -> QuerySet[AuditEvent]:
        """The reader's agency's staff of that name, by id (UserQuerySet.ids_named)."""
        return queryset.filter(actor_id__in=self.filters["actor"].queryset.ids_named(value))

    def filter_after(
        self, queryset: QuerySet[AuditEvent], name: str, value: datetime.date
    ) -> QuerySet[AuditEvent]:
        return queryset.filter(occurred_at__gte=_start_of(value))

    def filter_before(
        self, queryset: QuerySet[AuditEvent], name: str, value: datetime.date
    ) -> QuerySet[AuditEvent]:
        return queryset.filter(occurred_at__lt=_start_of(value + datetime.timedelta(days=1)))


def _start_of(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of `day` in the current time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
