"""What the search box finds, each read starting from the user's scope."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import User
from cases.models import Case
from victims.selectors import may_be_code


def cases_by_reference(user: User, query: str) -> QuerySet[Case]:
    """Visible cases whose reference number contains the query, newest first
    ("2026-0004", "AGA-2026", "0004" all find AGA-2026-0004); none for text no reference
    can hold (a name)."""
    if not may_be_code(query):
        return Case.objects.none()
    return (
        Case.objects.visible_to(user)
        .filter(reference__icontains=query)
        .select_related("person")
        .order_by("-created_at", "pk")
    )
