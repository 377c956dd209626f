import django_filters
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cooperation.models import (
    MLAChannel,
    MLADirection,
    MLARequest,
    MLARequestQuerySet,
    MLAStatus,
    Referral,
    ReferralQuerySet,
    ReferralStatus,
)
from listing import FilterSet
from partners.filters import YES
from partners.models import ServiceType


class ReferralFilter(FilterSet):
    """The referral queue's filters; the supervisor dashboard links here with
    exactly `direction`, `status`, `awaiting=1` and `overdue=1`."""

    direction = django_filters.ChoiceFilter(
        label=_("Direction"),
        choices=[("in", _("Received")), ("out", _("Sent"))],
        method="filter_direction",
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=ReferralStatus.choices)
    purpose = django_filters.ChoiceFilter(label=_("Purpose"), choices=ServiceType.choices)
    awaiting = django_filters.ChoiceFilter(
        label=_("Awaiting a response"), choices=YES, method="filter_awaiting"
    )
    overdue = django_filters.ChoiceFilter(
        label=_("Response overdue"), choices=YES, method="filter_overdue"
    )
    # The supervisor inbox (cooperation_tags.consent_overrides_panel) links here.
    consent_override = django_filters.ChoiceFilter(
        label=_("Sent without consent"), choices=YES, method="filter_consent_override"
    )

    # The capped count reads the rows in the list's order, as its last page does: a status
    # filter along cooperation_referral_status, the others along cooperation_referral_sent.
    # Counted by id, a status filter's count sorted every sent referral in the country
    # (27 ms at a million cases).
    counts_in_list_order = True

    class Meta:
        model = Referral
        fields = ["direction", "status", "purpose", "awaiting", "overdue", "consent_override"]

    def filter_direction(self, queryset: ReferralQuerySet, name: str, value: str) -> QuerySet:
        agency = self.request.user.agency
        return queryset.received_by(agency) if value == "in" else queryset.sent_by(agency)

    def filter_awaiting(self, queryset: ReferralQuerySet, name: str, value: str) -> QuerySet:
        return queryset.awaiting_response()

    def filter_overdue(self, queryset: ReferralQuerySet, name: str, value: str) -> QuerySet:
        return queryset.overdue_response(timezone.localdate())

    def filter_consent_override(
        self, queryset: ReferralQuerySet, name: str, value: str
    ) -> QuerySet:
        return queryset.filter(consent_override_by__isnull=False)


class MLARequestFilter(FilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=MLAStatus.choices)
    direction = django_filters.ChoiceFilter(label=_("Direction"), choices=MLADirection.choices)
    channel = django_filters.ChoiceFilter(label=_("Channel"), choices=MLAChannel.choices)
    overdue = django_filters.ChoiceFilter(
        label=_("Reply overdue"), choices=YES, method="filter_overdue"
    )

    # Every filter walks the agency's requests along the list's order (its index): the
    # count reads the first COUNT_CAP + 1 there, as page 40 does, once (listing).
    counts_in_list_order = True

    class Meta:
        model = MLARequest
        fields = ["status", "direction", "channel", "overdue"]

    def filter_overdue(self, queryset: MLARequestQuerySet, name: str, value: str) -> QuerySet:
        return queryset.overdue(timezone.localdate())
