"""Panels that pages of lower apps (the case page) include without their views knowing victims."""

from __future__ import annotations

from django import template

from cases.models import Case

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
