"""The privacy actions on a person's page, so the victims templates name no privacy URL."""

from __future__ import annotations

from typing import Any

from django import template

from policy import APPROVES_ERASURE, PRODUCES_SUBJECT_ACCESS, REQUESTS_ERASURE, can

register = template.Library()


@register.inclusion_tag("privacy/partials/person_actions.html", takes_context=True)
def privacy_person_actions(context: template.Context, person: Any) -> dict[str, Any]:
    user = context.get("user")
    return {
        "person": person,
        "may_request_erasure": can(user, REQUESTS_ERASURE),
        "may_export": can(user, PRODUCES_SUBJECT_ACCESS),
        "may_decide": can(user, APPROVES_ERASURE),
    }
