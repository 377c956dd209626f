"""Panels that pages of lower apps include without their views knowing about cooperation.

`cases/my_work.html`, `cases/case_detail.html` and the agency page include these; every
tag runs a fixed number of queries whatever the number of rows.
"""

from __future__ import annotations

from django import template
from django.utils import timezone

from cases.models import Case
from cooperation.models import MLARequest, Referral
from cooperation.selectors import case_referrals
from partners.models import Agency
from policy import WORKS_CASES, can

register = template.Library()

WORK_LIST_LIMIT = 20


@register.inclusion_tag("cooperation/partials/my_work_partners.html", takes_context=True)
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


@register.inclusion_tag("cooperation/partials/case_referrals.html", takes_context=True)
def case_referrals_panel(context: template.Context, case: Case) -> dict:
    """The case page's referrals panel with the "Refer" link (1 query)."""
    user = context["request"].user
    return {
        "case": case,
        "referrals": list(case_referrals(user, case.pk)),
        "can_refer": can(user, WORKS_CASES),
    }


@register.inclusion_tag("cooperation/partials/agency_referrals.html", takes_context=True)
def agency_referrals_panel(context: template.Context, agency: Agency) -> dict:
    """The agency page's open referrals received from and sent to it (2 queries)."""
    referrals = Referral.objects.visible_to(context["request"].user).open().for_list()
    return {
        "referrals_in": list(referrals.received_by(agency)[:WORK_LIST_LIMIT]),
        "referrals_out": list(referrals.sent_by(agency)[:WORK_LIST_LIMIT]),
    }
