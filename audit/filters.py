import django_filters
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from audit.models import AuditEvent
from config.widgets import DateInput


class AuditEventFilter(django_filters.FilterSet):
    """Who did what, when: an agency admin narrows down their agency's trail."""

    actor = django_filters.ModelChoiceFilter(label=_("Who"), queryset=User.objects.none())
    action = django_filters.ChoiceFilter(label=_("Action"), choices=AuditEvent.Action.choices)
    object_type = django_filters.CharFilter(label=_("Record type"), max_length=64)
    object_id = django_filters.CharFilter(label=_("Record id"), max_length=64)
    after = django_filters.DateFilter(
        label=_("From"), field_name="occurred_at", lookup_expr="date__gte", widget=DateInput
    )
    before = django_filters.DateFilter(
        label=_("Until"), field_name="occurred_at", lookup_expr="date__lte", widget=DateInput
    )

    class Meta:
        model = AuditEvent
        fields = ["actor", "action", "object_type", "object_id", "after", "before"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        user = self.request.user
        self.filters["actor"].queryset = User.objects.filter(agency_id=user.agency_id).order_by(
            "full_name"
        )
