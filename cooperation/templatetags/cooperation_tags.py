"""Panels that pages of lower apps include without their views knowing about cooperation.

`cases/my_work.html`, `cases/case_detail.html` and the agency page include these; every
tag runs a fixed number of queries whatever the number of rows.
"""

from __future__ import annotations

from django import template
from django.utils import timezone

from cases.models import Case
from cases.selectors import MY_WORK_LIMIT, inbox_panel
from cooperation.models import MLARequest, Referral
from cooperation.selectors import case_referrals
from partners.models import Agency
from policy import SUPERVISES, WORKS_CASES, can

register = template.Library()

# The agency page's referral panels (My work's show MY_WORK_LIMIT rows, as its others do).
WORK_LIST_LIMIT = 20


@register.inclusion_tag("cooperation/partials/my_work_partners.html", takes_context=True)
def partners_work(context: template.Context) -> dict:
    """My work: incoming referrals awaiting a response and overdue MLA replies, each as
    My work's other panels are: its count, its first MY_WORK_LIMIT rows and a link to
    the full list (4 queries)."""
    user = context["request"].user
    awaiting = (
        Referral.objects.visible_to(user)
        .received_by(user.agency)
        .awaiting_response()
        .select_related("from_agency")
        .order_by("respond_by", "pk")
    )
    overdue_mla = (
        MLARequest.objects.visible_to(user)
        .overdue(timezone.localdate())
        .order_by("reply_due", "pk")
    )
    return {
        "awaiting_referrals": inbox_panel(awaiting, MY_WORK_LIMIT),
        "overdue_mla": inbox_panel(overdue_mla, MY_WORK_LIMIT),
    }


@register.inclusion_tag("cooperation/partials/inbox_consent_overrides.html", takes_context=True)
def consent_overrides_panel(context: template.Context) -> dict:
    """Supervisor inbox: open referrals the agency sent without the person's consent.

    Harbor keeps no "override request": a caseworker is refused and a supervisor sends
    with a recorded reason (cooperation.services.send_referral). Supervisors review
    here the sharing that goes on under such an override while the referral is open.
    Two queries; none for other roles.
    """
    user = context["request"].user
    if not can(user, SUPERVISES):
        return {"panel": None}
    referrals = (
        Referral.objects.visible_to(user)
        .sent_by(user.agency_id)
        .open()
        .filter(consent_override_by__isnull=False)
        .select_related("case", "to_agency", "consent_override_by")
        .order_by("-sent_at", "-pk")
    )
    return {"panel": inbox_panel(referrals)}


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
    """The agency page's open referrals received from and sent to it (2 queries).

    A row shows the referral, the other agency's name and the status: the two agencies
    are joined, not the case or the assignees a list row shows (`for_list`), which cost
    two more queries and a case row per referral."""
    referrals = (
        Referral.objects.visible_to(context["request"].user)
        .open()
        .select_related("from_agency", "to_agency")
    )
    return {
        "referrals_in": list(referrals.received_by(agency)[:WORK_LIST_LIMIT]),
        "referrals_out": list(referrals.sent_by(agency)[:WORK_LIST_LIMIT]),
    }
