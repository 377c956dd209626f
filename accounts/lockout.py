"""Login lockout: failures counted per account, however its address is spelled, and per address.

django-axes counts failures under the username exactly as typed, while login matches the
email case-insensitively: counted that way, `SUPERVISOR@…` and `Supervisor@…` would each
get their own five guesses, and a locked account would open under another spelling. So
axes is given one identity per account (`normalised_login`, also what the login form
passes to `authenticate`), and this handler counts two things in the cool-off window:

- failures against one identity, from anywhere: AXES_FAILURE_LIMIT (5) locks that account;
- failures from one client address, against any identities: HARBOR_LOCKOUT_ADDRESS_FAILURES
  (higher, so one office behind a NAT is not locked out by a few typos) locks that address.

A successful login clears only its own identity's failures, never the address's: an
attacker who owns one account cannot wipe the count of guesses made at another.
The client address is REMOTE_ADDR, as in the audit trail.
"""

from __future__ import annotations

from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import QuerySet, Sum
from django.http import HttpRequest


def normalised_login(value: str | None) -> str:
    """The one spelling of a login name: trimmed and case-folded."""
    return (value or "").strip().casefold()


def lockout_username(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str | None:
    """AXES_USERNAME_CALLABLE: the identity axes counts failures under (None if none typed)."""
    field = settings.AXES_USERNAME_FORM_FIELD
    typed = credentials.get(field) if credentials else None
    if typed is None and request is not None:
        typed = getattr(request, "data", request.POST).get(field)
    return normalised_login(typed) or None


def _failures(attempts: QuerySet[AccessAttempt]) -> int:
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


class LockoutHandler(AxesDatabaseHandler):
    """axes' database handler, with separate limits per identity and per client address."""

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        """Failures of this identity; at least the limit once the address is over its own."""
        recent = AccessAttempt.objects.filter(attempt_time__gte=get_cool_off_threshold(request))
        username = get_client_username(request, credentials)
        by_identity = _failures(recent.filter(username=username)) if username else 0
        by_address = _failures(recent.filter(ip_address=request.axes_ip_address))  # type: ignore[attr-defined]
        if by_address >= settings.HARBOR_LOCKOUT_ADDRESS_FAILURES:
            return max(by_identity, get_failure_limit(request, credentials))
        return by_identity

    def reset_user_attempts(
        self, request: HttpRequest, credentials: dict[str, Any] | None = None
    ) -> int:
        """After a successful login: forget this identity's failures, and only those."""
        username = get_client_username(request, credentials)
        if not username:
            return 0
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count
