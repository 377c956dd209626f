"""The audit viewer's filters."""

from __future__ import annotations

from typing import Any

import django_filters
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from audit.models import AuditEvent
from listing import FilterSet
from widgets import DateFilter, DateInput


class AuditEventFilter(FilterSet):
    """Who did what, when: an agency admin narrows down their agency's trail."""

    # The staff to choose from are the reader's agency's, set per request in __init__.
    actor = django_filters.ModelChoiceFilter(label=_("Who"), queryset=None)
    action = django_filters.ChoiceFilter(label=_("Action"), choices=AuditEvent.Action.choices)
    object_type = django_filters.CharFilter(label=_("Record type"), max_length=64)
    object_id = django_filters.CharFilter(label=_("Record id"), max_length=64)
    after = DateFilter(
        label=_("From"), field_name="occurred_at", lookup_expr="date__gte", widget=DateInput
    )
    before = DateFilter(
        label=_("Until"), field_name="occurred_at", lookup_expr="date__lte", widget=DateInput
    )

    class Meta:
        model = AuditEvent
        fields = ["actor", "action", "object_type", "object_id", "after", "before"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        agency_id = getattr(self.request.user, "agency_id", None)
        staff = get_user_model()._default_manager.all()
        staff = staff.filter(agency_id=agency_id) if agency_id is not None else staff.none()
        self.filters["actor"].queryset = staff.order_by("full_name")
