"""Panels and names that pages of lower apps (the case page, case and task lists) show
without their views knowing victims."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from cases.models import Case
from cases.selectors import inbox_panel
from policy import SEES_IDENTITY, SUPERVISES, can
from victims.models import IdentificationDecision

register = template.Library()


@register.inclusion_tag("victims/partials/case_panel.html", takes_context=True)
def case_identification_panel(context: template.Context, case: Case) -> dict:
    """The case page's screenings, identification decisions and consent (3 queries)."""
    return {
        "can": context.get("can", {}),
        "case": case,
        "screenings": list(case.screenings.select_related("indicator_set")),
        "decisions": list(case.identification_decisions.all()),
        "consents": case.person.current_consents(),
    }


@register.simple_tag(takes_context=True)
def person_name(context: template.Context, case: Case) -> SafeString | str:
    """The person of a case as the viewer may see them where work happens.

    The people who work the case (`Case.works_on`) see the legal name beside the code;
    everyone else the code alone (the masked form, revealed on the person page, audited).
    No query of its own when the list selected `person` and prefetched `caseworkers`.
    """
    user = context["request"].user
    person = case.person
    if not (can(user, SEES_IDENTITY) and case.works_on(user)) or not person.legal_name:
        return person.code
    return format_html(
        '{} <span class="small text-body-secondary">{}</span>', person.legal_name, person.code
    )


@register.inclusion_tag("victims/partials/inbox_decision_reviews.html", takes_context=True)
def decision_reviews_panel(context: template.Context) -> dict:
    """Supervisor inbox: decisions whose review was requested and has no outcome yet
    (2 queries; none for other roles)."""
    user = context["request"].user
    if not can(user, SUPERVISES):
        return {"panel": None}
    decisions = (
        IdentificationDecision.objects.visible_to(user)
        .awaiting_review()
        .select_related("case")
        .order_by("review_requested_on", "pk")
    )
    return {"panel": inbox_panel(decisions)}
