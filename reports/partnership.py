"""The partnership counts of the dashboard: referrals by direction and outcome, and what
waits on partners. Each starts from the cooperation app's own scope (`visible_to`) so a
count equals its list; the refresh keeps them in the summary cube (reports/figures.py).

The scope is a user's; every user who may see the dashboard (policy.SEES_AGENCY) sees
the whole agency (`User.sees_whole_agency`), so one of them stands for all of them.
"""

from __future__ import annotations

import datetime

from django.db.models import Count, Q

from accounts.models import User
from cooperation.models import MLARequest, Referral
from policy import SEES_AGENCY

FIGURE = "partners"
STATUSES = ("", Referral.Status.ACCEPTED, Referral.Status.DECLINED)


def referral_key(direction: str, status: str) -> str:
    return f"{direction}_{status or 'all'}"


def representative(agency_id: int) -> User | None:
    """A user whose scope is the agency's dashboard scope (None: nobody sees it)."""
    users = User.objects.active().filter(agency_id=agency_id, role__in=SEES_AGENCY)
    user = users.order_by("pk").first()
    return user if user is not None and user.sees_whole_agency else None


def counts(user: User, today: datetime.date) -> dict[str, int]:
    """Referrals sent and received by outcome, awaiting a response, MLA replies overdue.

    Received: only referrals counted (`ReferralQuerySet.counted`: never a revoked one,
    which the receiver's list hides too). Sent: every referral of the sender's list,
    revoked ones included, since each count must equal the list it links to; the
    yearly statistics count sent referrals by `counted()`.
    """
    referrals = Referral.objects.visible_to(user)
    sides = {
        "out": Q(from_agency_id=user.agency_id),
        "in": Q(to_agency_id=user.agency_id, pk__in=Referral.objects.counted().values("pk")),
    }
    result = referrals.aggregate(
        **{
            referral_key(direction, status): Count(
                "pk", filter=side & (Q(status=status) if status else Q())
            )
            for direction, side in sides.items()
            for status in STATUSES
        }
    )
    result["awaiting"] = referrals.awaiting_response().count()
    result["mla_overdue"] = MLARequest.objects.visible_to(user).overdue(today).count()
    return result
