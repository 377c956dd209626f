"""The non-punishment warning, built once: `templates/base.html` renders it on every page.

It finds what the page is about in the template context, whichever app rendered it: a
`case` (an unsaved one by its person), a record of a case or a person (`screening`,
`decision`, `referral`, `service`, `mla`, `erasure`…: anything with a `case_id` or a
`person_id`), a `person` (victims.Person: the active cases of the viewer's agency), or a
new case's form. One query when the page
is about a case or a person, none otherwise. The view has already decided the viewer may
see the page; the warning shows the matters' numbers and stages only where the viewer may
see their case (`CriminalExposureQuerySet.for_warning`), else the warning alone (a
referral's receiving agency).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.db import models

from cases.models import Case, CriminalExposure, CriminalExposureQuerySet

register = template.Library()

# Context names of records that belong to a case (`case_id`) or a person (`person_id`),
# in the order they are looked at.
RECORDS = (
    "screening",
    "decision",
    "referral",
    "service",
    "matter",
    "task",
    "attachment",
    "mla",
    "record",
    "erasure",
)


def matters_in_context(context: template.Context) -> CriminalExposureQuerySet | None:
    """The criminal matters the page's subject has, or None when the page has no subject."""
    user = getattr(context.get("request"), "user", None)
    case = context.get("case")
    if isinstance(case, Case):
        if case.pk is not None:
            return CriminalExposure.objects.of_case(case.pk).for_warning(user)
        if case.person_id is not None:
            return _of_person(case.person_id, user)
    for name in RECORDS:
        record = context.get(name)
        if not isinstance(record, models.Model):
            continue
        case_id = getattr(record, "case_id", None)
        if isinstance(case_id, int):
            return CriminalExposure.objects.of_case(case_id).for_warning(user)
        person_id = getattr(record, "person_id", None)
        if isinstance(person_id, int):
            return _of_person(person_id, user)
    person = context.get("person")
    if isinstance(person, models.Model) and person._meta.label == "victims.Person":
        return _of_person(person.pk, user)
    instance = getattr(context.get("form"), "instance", None)
    if isinstance(instance, Case) and instance.person_id is not None:
        return _of_person(instance.person_id, user)
    return None


def _of_person(person_id: int, user: Any) -> CriminalExposureQuerySet:
    agency_id = getattr(user, "agency_id", None) if user is not None else None
    return CriminalExposure.objects.of_person(person_id, agency_id).for_warning(user)


@register.inclusion_tag("cases/partials/non_punishment_warning.html", takes_context=True)
def non_punishment_warning(context: template.Context) -> dict[str, Any]:
    """The warning (`data-testid="non-punishment"`) when the page's person is a suspect or
    defendant in a criminal matter recorded by the viewer's agency or on the page's case."""
    matters = matters_in_context(context)
    return {"matters": list(matters) if matters is not None else [], "link": True}
