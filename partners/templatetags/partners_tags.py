"""Panels other apps' pages include without their views knowing about partners.

`cases/my_work.html` and `cases/case_detail.html` each include one of these; every
tag runs a fixed number of queries whatever the number of rows.
"""

from __future__ import annotations

from django import template
from django.utils import timezone

from accounts.models import Role
from cases.models import Case
from partners.models import MLARequest, Referral
from partners.selectors import case_referrals

register = template.Library()

WORK_LIST_LIMIT = 20


@register.inclusion_tag("partners/partials/my_work_partners.html", takes_context=True)
def partners_work(context: template.Context) -> dict:
    """My work: incoming referrals awaiting a response, and overdue MLA replies (2 queries)."""
    user = context["request"].user
    today = timezone.localdate()
    awaiting = (
        Referral.objects.visible_to(user)
        .received_by(user.agency)
        .awaiting_response()
        .select_related("from_agency")
        .order_by("respond_by", "pk")
    )
    overdue_mla = MLARequest.objects.visible_to(user).overdue(today).order_by("reply_due", "pk")
    return {
        "awaiting_referrals": list(awaiting[:WORK_LIST_LIMIT]),
        "overdue_mla": list(overdue_mla[:WORK_LIST_LIMIT]),
        "today": today,
    }


@register.inclusion_tag("partners/partials/case_referrals.html", takes_context=True)
def case_referrals_panel(context: template.Context, case: Case) -> dict:
    """The case page's referrals panel with the "Refer" link (1 query)."""
    user = context["request"].user
    return {
        "case": case,
        "referrals": list(case_referrals(user, case.pk)),
        "can_refer": user.role in (Role.CASEWORKER, Role.SUPERVISOR),
    }
